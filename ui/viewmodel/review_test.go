package viewmodel

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/loupe-forensics/loupe/forensic/record"
	"github.com/loupe-forensics/loupe/reports"
	"github.com/loupe-forensics/loupe/reports/report"
)

// A reviewer opens the record read-only, verifies and reproduces it (the
// real loupe-cli reproduce over the real evidence), then signs off with
// their own writer: one review entry under the reviewer's key, and the
// record still verifies.
func TestReviewCheckAndSignOff(t *testing.T) {
	ctx := context.Background()
	s := demoSession(t, true)
	var lines []string
	s.Reproduce = func(ctx context.Context, rec string, ev []string, run int64, progress func(string)) (*ReproduceResult, error) {
		return CLIReproducer(demo.cli)(ctx, rec, ev, run, func(l string) { lines = append(lines, l); progress(l) })
	}
	updates := 0
	vm := NewReviewVM(s, func() { updates++ })
	if err := vm.Check(ctx); err != nil {
		t.Fatal(err)
	}
	// The examine run is reproduced; the identifier sweep's run names no
	// source, so loupe-cli reproduce cannot re-run it and the banner says
	// the pass has a gap rather than showing green.
	st := vm.State()
	if st.Kind != BannerInfo || !strings.HasPrefix(st.Banner, "PASS WITH GAPS — chain intact; 1 run(s) reproduced identically, 1 not reproducible") || st.Busy {
		t.Fatalf("banner %q (kind %v), details %+v", st.Banner, st.Kind, st.Details)
	}
	recRuns, _ := s.Record.Runs(ctx)
	inRun1 := 0
	for a, err := range s.Record.Artefacts(ctx, "") {
		if err != nil {
			t.Fatal(err)
		}
		if a.RunID == 1 {
			inRun1++
		}
	}
	want := map[string]string{
		"Run 1": fmt.Sprintf("complete: recorded %d, reproduced %d", inRun1, inRun1),
		"Run 2": "not reproduced: the run names no evidence source (" + strings.Join(recRuns[1].Parsers, ", ") + ")",
	}
	runs := 0
	for _, f := range st.Details {
		if strings.HasPrefix(f.Label, "Run ") {
			runs++
			if f.Value != want[f.Label] {
				t.Errorf("%s: %q, want %q", f.Label, f.Value, want[f.Label])
			}
		}
	}
	if runs != len(recRuns) || runs != 2 {
		t.Errorf("%d runs reported, record has %d (examine and sweep)", runs, len(recRuns))
	}
	if len(lines) == 0 || updates < 3 {
		t.Errorf("progress: %d lines, %d updates", len(lines), updates)
	}

	before := entryCount(t, s)
	seq, err := vm.SignOff(ctx, record.Review{Type: "technical", Scope: "all runs and notes", Outcome: "approved", Independence: "not involved in the examination"})
	if err != nil {
		t.Fatal(err)
	}
	// The reviewer's writer may first add the reviewer to the record.
	if seq <= before || seq > before+2 {
		t.Errorf("sign-off is entry %d, head was %d", seq, before)
	}
	// The session now reads the record with the sign-off in it.
	reviews, err := s.Record.EntriesByAction(ctx, record.ActionReview)
	if err != nil {
		t.Fatal(err)
	}
	names, _ := s.Record.ExaminerNames(ctx)
	if len(reviews) != 1 || !strings.HasPrefix(names[reviews[0].Actor], "Rita Reviewer") {
		t.Fatalf("review entries %d, actor %q", len(reviews), names[reviews[0].Actor])
	}
	list, err := vm.Reviews(ctx)
	if err != nil || len(list) != 1 || !strings.Contains(list[0], "approved (technical) by Rita Reviewer") {
		t.Errorf("reviews %q %v", list, err)
	}
	res, err := s.Record.Verify(ctx)
	if err != nil || !res.OK {
		t.Fatalf("record after sign-off: %+v %v", res, err)
	}
	if len(res.Signers) != 2 {
		t.Errorf("signers %v, want the examiner and the reviewer", res.Signers)
	}
	if _, err := vm.SignOff(ctx, record.Review{Type: "technical", Outcome: "fine"}); err == nil {
		t.Error("an unknown outcome was accepted")
	}
}

// A record edited after the fact fails review with the tampering banner,
// and reproduce is not run on it.
func TestReviewTamperedRecordFails(t *testing.T) {
	if _, err := exec.LookPath("sqlite3"); err != nil {
		t.Skip("sqlite3 not installed")
	}
	ctx := context.Background()
	s := demoSession(t, true)
	s.Record.Close()
	out, err := exec.Command("sqlite3", s.RecordPath, `UPDATE artefacts SET content = replace(content, 'alice', 'mallory') WHERE id = (SELECT min(id) FROM artefacts WHERE content LIKE '%alice%')`).CombinedOutput()
	if err != nil {
		t.Fatalf("sqlite3: %v %s", err, out)
	}
	s.Record, err = record.OpenReadOnly(ctx, s.RecordPath, record.Options{KeyDir: s.KeyDir})
	if err != nil {
		t.Fatal(err)
	}
	reproduced := false
	s.Reproduce = func(context.Context, string, []string, int64, func(string)) (*ReproduceResult, error) {
		reproduced = true
		return &ReproduceResult{Identical: true}, nil
	}
	vm := NewReviewVM(s, nil)
	if err := vm.Check(ctx); err != nil {
		t.Fatal(err)
	}
	st := vm.State()
	if st.Kind != BannerFail || !strings.HasPrefix(st.Banner, "TAMPERING FOUND") || reproduced {
		t.Errorf("banner %q kind %v, reproduce run %v", st.Banner, st.Kind, reproduced)
	}
}

func TestReviewReproduceDifferencesFail(t *testing.T) {
	ctx := context.Background()
	s := demoSession(t, true)
	s.Reproduce = func(context.Context, string, []string, int64, func(string)) (*ReproduceResult, error) {
		var r ReproduceResult
		err := json.Unmarshal([]byte(`{"identical":false,"differences":1,"runs":[{"run":1,"status":"complete","recorded":3,"reproduced":2,
			"differences":[{"side":"recorded-only","kind":"tor.pref","parser":"tor/prefs@1","source":"image:x","count":1}]}]}`), &r)
		return &r, err
	}
	vm := NewReviewVM(s, nil)
	if err := vm.Check(ctx); err != nil {
		t.Fatal(err)
	}
	st := vm.State()
	if st.Kind != BannerFail || st.Banner != "CHAIN INTACT — REPRODUCE FOUND 1 DIFFERENCE(S)" {
		t.Errorf("banner %q", st.Banner)
	}
	var run1 string
	for _, f := range st.Details {
		if f.Label == "Run 1" {
			run1 = f.Value
		}
	}
	if run1 != "complete: recorded 3, reproduced 2\nrecorded-only ×1: tor/prefs@1 tor.pref at image:x" {
		t.Errorf("run 1 detail %q", run1)
	}
}

func TestWriteReportRecordsTheExport(t *testing.T) {
	ctx := context.Background()
	s := demoSession(t, false)
	var got report.Options
	render := func(_ context.Context, rec *record.Record, o report.Options, w io.Writer) error {
		got = o
		_, err := fmt.Fprintf(w, "<html>%s %s %s</html>", o.Kind, o.Marking, o.DocumentID)
		return err
	}
	path := filepath.Join(t.TempDir(), "exhibit.html")
	now := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	before := entryCount(t, s)
	req := ReportRequest{Kind: report.KindExhibit, Format: report.FormatHTML, Mode: report.ModeMG11, Marking: "OFFICIAL-SENSITIVE",
		Recipient: "DC Smith, OIC", Reason: "evidential use at trial", Path: path}
	out, err := WriteReport(ctx, s, render, req, now)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	if out.SHA256 != hex.EncodeToString(sum[:]) || out.Size != int64(len(b)) || out.Seq != before+1 {
		t.Errorf("outcome %+v, file %d bytes", out, len(b))
	}
	if got.DocumentID != report.DocumentID(s.Record.ID(), report.KindExhibit, before) || !got.Generated.Equal(now) || got.Mode != report.ModeMG11 || got.Zone.String() != "Europe/London" {
		t.Errorf("options %+v", got)
	}
	reps, _ := s.Record.EntriesByAction(ctx, record.ActionReport)
	var p struct{ Export record.Export }
	if len(reps) != 1 || json.Unmarshal(reps[0].Params, &p) != nil || p.Export.Recipient != "DC Smith, OIC" || p.Export.SHA256 != out.SHA256 || p.Export.Path != path ||
		p.Export.Kind != "exhibit" || p.Export.Mode != report.ModeMG11 || p.Export.Marking != "OFFICIAL-SENSITIVE" || p.Export.DocumentID != got.DocumentID {
		t.Errorf("report entries %d: %+v", len(reps), p.Export)
	}
	// An intelligence report carries the examiner's 3x5x2 grading.
	ireq := ReportRequest{Kind: report.KindIntel, Format: report.FormatHTML, Marking: "OFFICIAL-SENSITIVE", Recipient: "RIU", Reason: "sharing",
		Path: filepath.Join(t.TempDir(), "intel.html"), SourceEvaluation: "2", Assessment: "B", Handling: "C", HandlingNotes: "no onward sharing"}
	if _, err := WriteReport(ctx, s, render, ireq, now); err != nil {
		t.Fatal(err)
	}
	if got.SourceEvaluation != "2" || got.Assessment != "B" || got.Handling != "C" || got.HandlingNotes != "no onward sharing" {
		t.Errorf("intel options %+v", got)
	}
	req.Path = path
	// Never overwritten; recipient and reason required; a failed render leaves no file.
	if _, err := WriteReport(ctx, s, render, req, now); err == nil {
		t.Error("an existing report was overwritten")
	}
	req.Path = filepath.Join(t.TempDir(), "r2.html")
	req.Recipient = ""
	if _, err := WriteReport(ctx, s, render, req, now); err == nil {
		t.Error("a report without a recipient was written")
	}
	req.Recipient = "x"
	bad := func(context.Context, *record.Record, report.Options, io.Writer) error { return report.ErrUnsupported }
	if _, err := WriteReport(ctx, s, bad, req, now); err == nil {
		t.Error("a failed render reported success")
	}
	if _, err := os.Stat(req.Path); !os.IsNotExist(err) {
		t.Errorf("a failed render left %s", req.Path)
	}
	if n := entryCount(t, s) - before; n != 2 {
		t.Errorf("%d entries after two reports (exhibit, intel)", n)
	}
}

// The dialog offers exactly what package reports renders, the exhibit
// report first and PDF first.
func TestReportChoicesFollowReports(t *testing.T) {
	choices := ReportChoices()
	offered := map[string]int{}
	for _, c := range choices {
		for _, f := range c.Formats {
			offered[string(c.Kind)+"/"+string(f)]++
		}
	}
	supported := reports.Supported()
	if len(offered) != len(supported) {
		t.Fatalf("offered %v, supported %v", offered, supported)
	}
	for _, p := range supported {
		if offered[string(p.Kind)+"/"+string(p.Format)] != 1 {
			t.Errorf("%s as %s offered %d times", p.Kind, p.Format, offered[string(p.Kind)+"/"+string(p.Format)])
		}
	}
	if choices[0].Kind != report.KindExhibit || choices[0].Formats[0] != report.FormatPDF {
		t.Errorf("first choice %+v", choices[0])
	}
}

func TestWriteReportRefusesAMisleadingName(t *testing.T) {
	s := demoSession(t, false)
	render := func(context.Context, *record.Record, report.Options, io.Writer) error { return nil }
	for _, c := range []struct {
		name string
		f    report.Format
		ok   bool
	}{{"a.pdf", report.FormatJSONLD, false}, {"a.json", report.FormatJSONLD, true}, {"a.HTML", report.FormatHTML, true}, {"a", report.FormatPDF, true}, {"a.html", report.FormatPDF, false}} {
		_, err := WriteReport(context.Background(), s, render, ReportRequest{Kind: report.KindExhibit, Format: c.f, Marking: "OFFICIAL",
			Recipient: "r", Reason: "x", Path: filepath.Join(t.TempDir(), c.name)}, time.Now())
		if (err == nil) != c.ok {
			t.Errorf("%s as %s: %v", c.name, c.f, err)
		}
	}
}
