package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/loupe-forensics/loupe/forensic/evidencetest"
	"github.com/loupe-forensics/loupe/forensic/record"
	"github.com/loupe-forensics/loupe/reports/exhibit"
	"github.com/loupe-forensics/loupe/reports/report"
	"github.com/loupe-forensics/loupe/reports/technical"
)

var update = flag.Bool("update", false, "rewrite the report golden files in testdata/report")

const (
	hostile        = "<script>alert(1)</script>"
	hostileTorrc   = "HiddenServiceDir /srv/" + hostile + "/../../x\nHiddenServicePort 80 127.0.0.1:8080\n"
	sensitiveOnion = "dnyv2bzkix6narlcyfkpayiykh7vpcdedf3kirpvuw2tpkmgk2nlmgad.onion"
	visibleOnion   = "4637ch63ntgt4zu6mj2nhpdd4vdlzx2d765gtrhhdq5ezl45wjtv4hqd.onion"
)

type reportOut struct {
	Path   string `json:"path"`
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
	Kind   string `json:"kind"`
	Format string `json:"format"`
	Seq    int64  `json:"seq"`
}

func cli(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	return runExamineCLI(t, args...)
}

func reportCLI(t *testing.T, rec, keys string, extra ...string) reportOut {
	t.Helper()
	args := append([]string{"report", "--record", rec, "--examiner", "tester", "--key-dir", keys,
		"--marking", "OFFICIAL-SENSITIVE", "--recipient", "DC Test", "--reason", "charging advice", "--json"}, extra...)
	code, out, errs := cli(t, args...)
	if code != exitOK {
		t.Fatalf("report %v: exit %d: %s", extra, code, errs)
	}
	var r reportOut
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("report output %q: %v", out, err)
	}
	return r
}

func pdfText(t *testing.T, path string) []string {
	t.Helper()
	// -raw keeps content-stream order: a table cell's wrapped lines stay
	// together, so flattening white space rejoins them.
	out, err := exec.Command("pdftotext", "-raw", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext %s: %v", path, err)
	}
	return strings.Split(strings.TrimRight(string(out), "\f"), "\f")
}

// TestReports examines the demo E01 into a record, renders the exhibit
// report against a golden file, then adds a folder holding a torrc whose
// line carries a script tag and "../../x", a note with a script tag and a
// sensitive tag on one onion service, and checks every report the CLI
// makes: escaping, the marking on every PDF page, the chain head, the
// export entries and that the sensitive item is in no officer-facing report.
func TestReports(t *testing.T) {
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Skip("pdftotext not installed")
	}
	ctx := context.Background()
	dir := t.TempDir()
	keys := filepath.Join(dir, "keys")
	rec := filepath.Join(dir, "case.loupe")
	args := append([]string{"examine", "--workers", "1"}, examineArgs(rec, keys, evidencetest.E01(t, "gpt")...)[1:]...)
	if code, _, errs := cli(t, args...); code != exitOK {
		t.Fatalf("examine: exit %d: %s", code, errs)
	}

	t.Run("golden exhibit HTML", func(t *testing.T) {
		for _, mode := range []string{report.ModeSFR, report.ModeMG11, report.ModeExpert} {
			got := normalised(t, rec, keys, renderDirect(t, rec, keys, report.KindExhibit, report.FormatHTML, mode))
			golden := filepath.Join("testdata", "report", "exhibit-"+mode+".golden.html")
			if *update {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from %s (run with -update after checking the change)", mode, golden)
			}
		}
	})

	t.Run("deterministic", func(t *testing.T) {
		for _, k := range []report.Kind{report.KindExhibit, report.KindTechnical} {
			for _, f := range []report.Format{report.FormatHTML, report.FormatPDF} {
				a := renderDirect(t, rec, keys, k, f, "")
				b := renderDirect(t, rec, keys, k, f, "")
				if !bytes.Equal(a, b) {
					t.Errorf("%s %s: two renders differ", k, f)
				}
			}
		}
	})

	// Hostile content and a sensitive tag.
	folder := filepath.Join(dir, "loose")
	if err := os.MkdirAll(filepath.Join(folder, "tor"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(folder, "tor", "torrc"), []byte(hostileTorrc), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errs := cli(t, examineArgs(rec, keys, folder)...); code != exitOK {
		t.Fatalf("examine folder: exit %d: %s", code, errs)
	}
	if code, _, errs := cli(t, "note", rec, "--examiner", "tester", "--key-dir", keys, "--text", "note "+hostile+" ../../x"); code != exitOK {
		t.Fatalf("note: %s", errs)
	}
	onionID := artefactWith(t, rec, keys, "tor.onion_service", sensitiveOnion)
	if code, _, errs := cli(t, "tag", rec, fmt.Sprint(onionID), "--flag", "sensitive", "--category", "third-party", "--examiner", "tester", "--key-dir", keys); code != exitOK {
		t.Fatalf("tag: %s", errs)
	}

	outDir := filepath.Join(dir, "out")
	if err := os.Mkdir(outDir, 0o755); err != nil {
		t.Fatal(err)
	}
	type made struct {
		reportOut
		mode string
	}
	var all []made
	for _, mode := range []string{report.ModeSFR, report.ModeMG11, report.ModeExpert} {
		for _, f := range []string{"html", "pdf"} {
			out := filepath.Join(outDir, "exhibit-"+mode+"."+f)
			r := reportCLI(t, rec, keys, "--kind", "exhibit", "--format", f, "--mode", mode, "--out", out)
			all = append(all, made{r, mode})
		}
	}
	for _, f := range []string{"html", "pdf"} {
		r := reportCLI(t, rec, keys, "--kind", "technical", "--format", f, "--out", filepath.Join(outDir, "technical."+f))
		all = append(all, made{r, ""})
	}

	ro, err := record.OpenReadOnly(ctx, rec, record.Options{KeyDir: keys})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	entries, err := ro.EntriesByAction(ctx, record.ActionReport)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != len(all) {
		t.Fatalf("%d report entries in the chain, want %d", len(entries), len(all))
	}
	for i, m := range all {
		data, err := os.ReadFile(m.Path)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(data)
		if hex.EncodeToString(sum[:]) != m.SHA256 || int64(len(data)) != m.Size {
			t.Errorf("%s: printed sha256/size do not match the file", m.Path)
		}
		var p struct {
			Export  record.Export `json:"export"`
			Head    string        `json:"head"`
			HeadSeq int64         `json:"head_seq"`
		}
		if err := json.Unmarshal(entries[i].Params, &p); err != nil {
			t.Fatal(err)
		}
		e := p.Export
		if entries[i].Seq != m.Seq || e.SHA256 != m.SHA256 || e.Size != m.Size || e.Path != m.Path || e.Kind != m.Kind ||
			e.Format != m.Format || e.Recipient != "DC Test" || e.Justification != "charging advice" || e.Marking != "OFFICIAL-SENSITIVE" {
			t.Errorf("entry %d does not describe %s: %+v", entries[i].Seq, m.Path, e)
		}
		wantID := report.DocumentID(ro.ID(), report.Kind(m.Kind), p.HeadSeq)
		if e.DocumentID != wantID {
			t.Errorf("%s: document ID %q, want %q", m.Path, e.DocumentID, wantID)
		}

		var text string
		if m.Format == "pdf" {
			pages := pdfText(t, m.Path)
			for n, pg := range pages {
				if c := strings.Count(pg, "OFFICIAL-SENSITIVE"); c < 2 {
					t.Errorf("%s page %d: marking %d times, want header and footer", m.Path, n+1, c)
				}
				if !strings.Contains(pg, wantID) {
					t.Errorf("%s page %d: no document ID", m.Path, n+1)
				}
				if !strings.Contains(pg, fmt.Sprintf("Page %d of %d", n+1, len(pages))) {
					t.Errorf("%s page %d: no page x of y", m.Path, n+1)
				}
			}
			text = strings.Join(strings.Fields(strings.Join(pages, " ")), "")
			if !strings.Contains(text, hostile) || !strings.Contains(text, "../../x") {
				t.Errorf("%s: hostile text not legible", m.Path)
			}
		} else {
			text = string(data)
			if strings.Contains(text, "<script") {
				t.Errorf("%s: raw <script> in HTML", m.Path)
			}
			if !strings.Contains(text, "&lt;script&gt;alert(1)&lt;/script&gt;") {
				t.Errorf("%s: escaped script text missing", m.Path)
			}
		}
		if !strings.Contains(text, "ABC/1") {
			t.Errorf("%s: no exhibit reference", m.Path)
		}
		if !strings.Contains(text, p.Head) {
			t.Errorf("%s: chain head %s (entry %d) not in the report", m.Path, p.Head, p.HeadSeq)
		}
		if m.Kind == "exhibit" {
			if strings.Contains(text, sensitiveOnion) || strings.Contains(text, strings.TrimSuffix(sensitiveOnion, ".onion")) {
				t.Errorf("%s (%s): sensitive onion service appears in an officer-facing report", m.Path, m.mode)
			}
			if !strings.Contains(text, visibleOnion) {
				t.Errorf("%s: the other onion service is missing (the check above could not fail)", m.Path)
			}
		} else if !strings.Contains(text, sensitiveOnion) {
			t.Errorf("%s: the technical record for the reviewer lacks the sensitive item", m.Path)
		}
	}
	if res, err := ro.Verify(ctx); err != nil || !res.OK {
		t.Fatalf("record does not verify after the reports: %v %+v", err, res)
	}
	ents, _ := os.ReadDir(outDir)
	if len(ents) != len(all) {
		t.Errorf("%d files in the output folder, want %d (temporary files left?)", len(ents), len(all))
	}
}

// TestReportOutPath: the output is exactly the named file; nothing is
// written anywhere else, directories and existing files are refused.
func TestReportOutPath(t *testing.T) {
	dir := t.TempDir()
	keys := filepath.Join(dir, "keys")
	rec := filepath.Join(dir, "r.loupe")
	loose := filepath.Join(dir, "loose")
	if err := os.MkdirAll(loose, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(loose, "a.txt"), []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errs := cli(t, examineArgs(rec, keys, loose)...); code != exitOK {
		t.Fatalf("examine: %s", errs)
	}
	work := filepath.Join(dir, "a", "b")
	if err := os.MkdirAll(work, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Chdir(work)
	base := []string{"report", "--record", rec, "--examiner", "tester", "--key-dir", keys, "--kind", "exhibit", "--format", "html",
		"--marking", "OFFICIAL", "--recipient", "DC Test", "--reason", "test", "--json"}
	refused := []string{".", "..", "../", "../..", "sub/", dir, "/", ""}
	for _, out := range refused {
		if code, _, _ := cli(t, append(base, "--out", out)...); code != exitUsage {
			t.Errorf("--out %q: exit %d, want refusal", out, code)
		}
	}
	code, out, errs := cli(t, append(base, "--out", "../escape.html")...)
	if code != exitOK {
		t.Fatalf("--out ../escape.html: %s", errs)
	}
	var r reportOut
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	want := filepath.Join(dir, "a", "escape.html")
	if r.Path != want {
		t.Errorf("wrote %s, want %s", r.Path, want)
	}
	// The only new file anywhere under the temp dir is the report.
	var files []string
	_ = filepath.WalkDir(filepath.Join(dir, "a"), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, p)
		}
		return nil
	})
	if len(files) != 1 || files[0] != want {
		t.Errorf("files written: %v, want only %s", files, want)
	}
	if code, _, _ := cli(t, append(base, "--out", "../escape.html")...); code != exitUsage {
		t.Errorf("existing --out: exit %d, want refusal", code)
	}
	for _, missing := range []string{"--recipient", "--reason", "--marking"} {
		a := []string{}
		for i := 0; i < len(base); i++ {
			if base[i] == missing {
				i++
				continue
			}
			a = append(a, base[i])
		}
		if code, _, _ := cli(t, append(a, "--out", "x.html")...); code != exitUsage {
			t.Errorf("without %s: exit %d, want refusal", missing, code)
		}
	}
	if code, _, _ := cli(t, "report", "--record", rec, "--examiner", "tester", "--key-dir", keys, "--kind", "exhibit", "--format", "xlsx",
		"--marking", "OFFICIAL", "--recipient", "x", "--reason", "y", "--out", "x.xlsx"); code != exitUsage {
		t.Errorf("unsupported format: exit %d, want refusal", code)
	}
	// 3x5x2 grading: intel only; handling code C needs its conditions; the
	// grading given is the grading printed.
	gdir := t.TempDir()
	intelArgs := []string{"report", "--record", rec, "--examiner", "tester", "--key-dir", keys, "--kind", "intel", "--format", "html",
		"--marking", "OFFICIAL-SENSITIVE", "--recipient", "RIU", "--reason", "intelligence sharing"}
	if code, _, _ := cli(t, append(intelArgs, "--handling", "C", "--out", filepath.Join(gdir, "c.html"))...); code != exitUsage {
		t.Errorf("handling C without conditions: exit %d, want refusal", code)
	}
	if _, err := os.Stat(filepath.Join(gdir, "c.html")); err == nil {
		t.Error("a refused intel report was written")
	}
	if code, _, _ := cli(t, "report", "--record", rec, "--examiner", "tester", "--key-dir", keys, "--kind", "exhibit", "--format", "html",
		"--marking", "OFFICIAL", "--recipient", "x", "--reason", "y", "--assessment", "B", "--out", filepath.Join(gdir, "e.html")); code != exitUsage {
		t.Errorf("grading on an exhibit report: exit %d, want refusal", code)
	}
	intelOut := filepath.Join(gdir, "intel.html")
	if code, _, errs := cli(t, append(intelArgs, "--source-evaluation", "2", "--assessment", "b", "--handling", "C",
		"--handling-notes", "No onward dissemination <without> approval", "--out", intelOut)...); code != exitOK {
		t.Fatalf("graded intel report: exit %d: %s", code, errs)
	}
	b, _ := os.ReadFile(intelOut)
	for _, want := range []string{"No onward dissemination &lt;without&gt; approval", "<dd>2 "} {
		if !strings.Contains(string(b), want) {
			t.Errorf("intel report lacks %q", want)
		}
	}
}

// renderDirect renders through the package with fixed options, reading the
// record read-only.
func renderDirect(t *testing.T, rec, keys string, k report.Kind, f report.Format, mode string) []byte {
	t.Helper()
	ctx := context.Background()
	ro, err := record.OpenReadOnly(ctx, rec, record.Options{KeyDir: keys})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	seq, _, err := ro.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	opts := report.Options{
		Kind: k, Format: f, Mode: mode, Marking: "OFFICIAL-SENSITIVE", Recipient: "DC Test", Reason: "charging advice",
		DocumentID: report.DocumentID(ro.ID(), k, seq), Generated: time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC),
		Zone: time.UTC, ToolName: "Loupe", ToolVersion: "test",
	}
	var b bytes.Buffer
	render := exhibit.Render
	if k == report.KindTechnical {
		render = technical.Render
	}
	if err := render(ctx, ro, opts, &b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// normalised replaces what differs between two examinations of the same
// evidence — the record ID, entry times and hashes, the examiner's key —
// with placeholders, so the golden file holds everything else exactly.
func normalised(t *testing.T, rec, keys string, html []byte) []byte {
	t.Helper()
	ctx := context.Background()
	ro, err := record.OpenReadOnly(ctx, rec, record.Options{KeyDir: keys})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	var pairs []string
	pairs = append(pairs, ro.ID(), "{RECORD-ID}", "LOUPE-"+ro.ID()[:8], "LOUPE-{RECORD}")
	names, _ := ro.ExaminerNames(ctx)
	for fpr := range names {
		pairs = append(pairs, fpr, "{KEY}")
	}
	for e, err := range ro.Entries(ctx, 0) {
		if err != nil {
			t.Fatal(err)
		}
		pairs = append(pairs, e.Hash, fmt.Sprintf("{HASH-%d}", e.Seq), e.Time.UTC().Format(time.RFC3339), "{TIME}")
	}
	runs, err := ro.Runs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range runs {
		pairs = append(pairs, r.Started, "{TIME}")
	}
	return []byte(strings.NewReplacer(pairs...).Replace(string(html)))
}

func artefactWith(t *testing.T, rec, keys, kind, value string) int64 {
	t.Helper()
	ro, err := record.OpenReadOnly(context.Background(), rec, record.Options{KeyDir: keys})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	for a, err := range ro.Artefacts(context.Background(), kind) {
		if err != nil {
			t.Fatal(err)
		}
		for _, at := range a.Attrs {
			if at.Str == value {
				return a.ID
			}
		}
	}
	t.Fatalf("no %s artefact with %s", kind, value)
	return 0
}
