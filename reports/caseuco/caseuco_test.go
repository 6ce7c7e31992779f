package caseuco

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/loupe-forensics/loupe/forensic/evidencetest"
	"github.com/loupe-forensics/loupe/forensic/finding"
	"github.com/loupe-forensics/loupe/forensic/record"
	"github.com/loupe-forensics/loupe/forensic/source"
	"github.com/loupe-forensics/loupe/reports/report"
)

var generated = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

func options() report.Options {
	return report.Options{
		Kind: report.KindCASE, Format: report.FormatJSONLD, Marking: "OFFICIAL-SENSITIVE",
		Recipient: "NCA DarkWeb team", Reason: "technical exchange", DocumentID: "LOUPE-test-case-1",
		Generated: generated, ToolName: "Loupe", ToolVersion: "0.1.0",
	}
}

func render(t *testing.T, rec *record.Record) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Render(context.Background(), rec, options(), &buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// doc is the rendered graph, decoded.
type doc struct {
	Context map[string]string `json:"@context"`
	Graph   []map[string]any  `json:"@graph"`
}

func decode(t *testing.T, b []byte) (*doc, map[string]map[string]any) {
	t.Helper()
	var d doc
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatalf("output is not JSON: %v", err)
	}
	byID := map[string]map[string]any{}
	for _, n := range d.Graph {
		id, _ := n["@id"].(string)
		if id == "" {
			t.Fatalf("node without @id: %v", n)
		}
		if byID[id] != nil {
			t.Fatalf("@id %s used twice", id)
		}
		byID[id] = n
	}
	return &d, byID
}

func types(n map[string]any) []string {
	switch v := n["@type"].(type) {
	case string:
		return []string{v}
	case []any:
		var out []string
		for _, x := range v {
			out = append(out, x.(string))
		}
		return out
	}
	return nil
}

func hasType(n map[string]any, typ string) bool {
	for _, x := range types(n) {
		if x == typ {
			return true
		}
	}
	return false
}

func ofType(d *doc, typ string) []map[string]any {
	var out []map[string]any
	for _, n := range d.Graph {
		if hasType(n, typ) {
			out = append(out, n)
		}
	}
	return out
}

func idsOf(v any) []string {
	switch x := v.(type) {
	case map[string]any:
		return []string{x["@id"].(string)}
	case []any:
		var out []string
		for _, e := range x {
			out = append(out, e.(map[string]any)["@id"].(string))
		}
		return out
	}
	return nil
}

// facetOf returns the node's facet of the given type.
func facetOf(t *testing.T, byID map[string]map[string]any, n map[string]any, typ string) map[string]any {
	t.Helper()
	for _, id := range idsOf(n["uco-core:hasFacet"]) {
		if f := byID[id]; f != nil && hasType(f, typ) {
			return f
		}
	}
	return nil
}

func hashes(byID map[string]map[string]any, facet map[string]any) map[string]string {
	out := map[string]string{}
	for _, id := range idsOf(facet["uco-observable:hash"]) {
		h := byID[id]
		out[h["uco-types:hashMethod"].(string)] = h["uco-types:hashValue"].(map[string]any)["@value"].(string)
	}
	return out
}

func TestUnsupported(t *testing.T) {
	for _, o := range []report.Options{
		{Kind: report.KindCASE, Format: report.FormatXML},
		{Kind: report.KindDFXML, Format: report.FormatJSONLD},
		{Kind: report.KindCASE, Format: report.FormatPDF},
	} {
		if err := Render(context.Background(), nil, o, &bytes.Buffer{}); !errors.Is(err, report.ErrUnsupported) {
			t.Errorf("%s/%s: got %v, want ErrUnsupported", o.Kind, o.Format, err)
		}
	}
	if err := Render(context.Background(), nil, options(), &bytes.Buffer{}); !errors.Is(err, report.ErrNoRecord) {
		t.Errorf("nil record: got %v, want ErrNoRecord", err)
	}
}

// TestExaminedRecord checks the graph of a real examination against the
// record and against the fixture manifest (hashes and sizes from the
// generator's own fls/icat run).
func TestExaminedRecord(t *testing.T) {
	ex := examineFixture(t)
	rec := ex.Open(t)
	ctx := context.Background()
	out := render(t, rec)
	d, byID := decode(t, out)

	// What the record holds, counted independently of the renderer.
	kinds := map[string]int{}
	sourceFiles := map[string]bool{} // entry or stream steps
	var emailAttrs, urlAttrs, chatAccounts int
	for a, err := range rec.Artefacts(ctx, "") {
		if err != nil {
			t.Fatal(err)
		}
		if a.ID == ex.Sensitive {
			continue
		}
		kinds[a.Kind]++
		if f := pathOf(a.Source); f != "" {
			sourceFiles[f] = true
		}
		if a.Kind == "chat.account" || a.Kind == "chat.contact" {
			if at, ok := (&finding.Artefact{Attrs: a.Attrs}).Get(strings.TrimPrefix(a.Kind, "chat.")); ok && at.Str != "" {
				chatAccounts++
			}
		}
		if !strings.HasPrefix(a.Kind, "identifier.") && a.Kind != "chat.contact" {
			for _, at := range a.Attrs {
				if at.Name == "email" && at.Str != "" {
					emailAttrs++
				}
				if at.Name == "url" && at.Str != "" {
					urlAttrs++
				}
			}
		}
	}
	// every file the examination opened has a file.type artefact
	if kinds["file.type"] != int(ex.Files) || len(sourceFiles) < int(ex.Files) {
		t.Errorf("%d file.type artefacts and %d source files for %d files examined", kinds["file.type"], len(sourceFiles), ex.Files)
	}
	if kinds["identifier.url"] == 0 || kinds["identifier.email"] == 0 || kinds["wallet.address"] == 0 || urlAttrs == 0 || emailAttrs == 0 {
		t.Fatalf("fixture lacks the artefacts this test needs: %v (url attrs %d, email attrs %d)", kinds, urlAttrs, emailAttrs)
	}
	coins := kinds["identifier.btc"] + kinds["identifier.eth"] + kinds["identifier.ltc"] + kinds["identifier.doge"] + kinds["identifier.xmr"] + kinds["wallet.address"]
	for _, c := range []struct {
		typ  string
		want int
	}{
		{"case-investigation:Investigation", 1},
		{"uco-identity:Person", 1},
		{"case-investigation:Examiner", 1},
		{"uco-observable:Device", 1},
		{"uco-observable:Image", 1},
		// the source files, plus the image itself
		{"uco-observable:File", len(sourceFiles) + 1},
		{"uco-observable:URL", kinds["identifier.url"] + urlAttrs},
		{"uco-observable:EmailAddress", kinds["identifier.email"] + emailAttrs},
		{"uco-observable:DomainName", kinds["identifier.onion-v3"] + kinds["identifier.onion-v2"] + kinds["tor.onion_service"]},
		{"uco-observable:DigitalAccount", coins},
		{"uco-observable:ApplicationAccount", chatAccounts},
		{"case-investigation:InvestigativeAction", 3}, // verification, parser run, sweep run
		{"case-investigation:ProvenanceRecord", 2},
	} {
		if got := len(ofType(d, c.typ)); got != c.want {
			t.Errorf("%s: %d nodes, want %d", c.typ, got, c.want)
		}
	}

	inv := ofType(d, "case-investigation:Investigation")[0]
	if inv["uco-core:name"] != "URN 01XX0001226" || inv["case-investigation:investigationForm"] != "case" {
		t.Errorf("investigation: %v", inv)
	}
	marks := idsOf(inv["uco-core:objectMarking"])
	if len(marks) != 1 {
		t.Fatalf("investigation marking: %v", marks)
	}
	stmt := byID[idsOf(byID[marks[0]]["uco-marking:definition"])[0]]
	if stmt["uco-marking:statement"] != "OFFICIAL-SENSITIVE" {
		t.Errorf("marking statement %v", stmt)
	}

	// The exhibit and the image with the fixture's media hashes.
	var exhibitPR map[string]any
	for _, pr := range ofType(d, "case-investigation:ProvenanceRecord") {
		if pr["case-investigation:exhibitNumber"] == "ABC/1" {
			exhibitPR = pr
		} else if pr["case-investigation:rootExhibitNumber"] != "ABC/1" {
			t.Errorf("image provenance record without root exhibit: %v", pr)
		}
	}
	if exhibitPR == nil {
		t.Fatal("no provenance record for exhibit ABC/1")
	}
	img := ofType(d, "uco-observable:Image")[0]
	cf := facetOf(t, byID, img, "uco-observable:ContentDataFacet")
	want := map[string]string{"MD5": ex.Disk.MD5, "SHA1": ex.Disk.SHA1, "SHA256": ex.Disk.SHA256}
	if got := hashes(byID, cf); len(got) != 3 || got["MD5"] != want["MD5"] || got["SHA1"] != want["SHA1"] || got["SHA256"] != want["SHA256"] {
		t.Errorf("image hashes %v, want %v", got, want)
	}
	if cf["uco-observable:sizeInBytes"] != float64(ex.Disk.Size) {
		t.Errorf("image size %v, want %d", cf["uco-observable:sizeInBytes"], ex.Disk.Size)
	}
	if fn := facetOf(t, byID, img, "uco-observable:FileFacet")["uco-observable:fileName"]; fn != "gpt.E01" {
		t.Errorf("image file name %v", fn)
	}

	// Actions: the verification and both runs, timed, performed by the
	// examiner, with the parsers as instruments.
	role := ofType(d, "case-investigation:Examiner")[0]["@id"]
	runs, err := rec.Runs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var verification map[string]any
	runActions := map[string]map[string]any{}
	for _, a := range ofType(d, "case-investigation:InvestigativeAction") {
		if p := idsOf(a["uco-action:performer"]); len(p) != 1 || p[0] != role {
			t.Errorf("%v: performer %v, want the examiner role", a["uco-core:name"], p)
		}
		start, err1 := time.Parse(time.RFC3339Nano, a["uco-action:startTime"].(map[string]any)["@value"].(string))
		end, err2 := time.Parse(time.RFC3339Nano, a["uco-action:endTime"].(map[string]any)["@value"].(string))
		if err1 != nil || err2 != nil || end.Before(start) {
			t.Errorf("%v: start %v end %v", a["uco-core:name"], start, end)
		}
		if idsOf(a["uco-action:object"])[0] != img["@id"] {
			t.Errorf("%v: object is not the image", a["uco-core:name"])
		}
		if a["uco-core:name"] == "evidence verification" {
			verification = a
		} else {
			runActions[a["uco-core:name"].(string)] = a
		}
	}
	if verification == nil || verification["uco-action:actionStatus"] != "Success" {
		t.Fatalf("verification action: %v", verification)
	}
	ann := byID[idsOf(verification["uco-action:result"])[0]]
	if s, _ := ann["uco-core:statement"].(string); !strings.Contains(s, ex.Disk.SHA256) || !strings.HasPrefix(s, "verification of image:gpt.E01: match") {
		t.Errorf("verification statement %q", s)
	}
	if len(runs) != 2 {
		t.Fatalf("%d runs", len(runs))
	}
	var results int
	for _, r := range runs {
		a := runActions["parser run "+itoa(r.ID)]
		if a == nil {
			t.Fatalf("no action for run %d", r.ID)
		}
		if a["uco-action:actionStatus"] != "Success" {
			t.Errorf("run %d status %v", r.ID, a["uco-action:actionStatus"])
		}
		got := map[string]bool{}
		for _, id := range idsOf(a["uco-action:instrument"]) {
			tl := byID[id]
			got[tl["uco-core:name"].(string)+"@"+tl["uco-tool:version"].(string)] = true
		}
		for _, p := range r.Parsers {
			if !got[p] {
				t.Errorf("run %d: parser %s is not an instrument (%v)", r.ID, p, got)
			}
		}
		if !got["loupe-cli@0.1.0"] || len(got) != len(r.Parsers)+1 {
			t.Errorf("run %d instruments %v", r.ID, got)
		}
		if wi := idsOf(a["case-investigation:wasInformedBy"]); len(wi) != 1 || wi[0] != verification["@id"] {
			t.Errorf("run %d informed by %v", r.ID, wi)
		}
		results += len(idsOf(a["uco-action:result"]))
	}
	// every observable is a result of its run; files once per run
	if results < len(ofType(d, "uco-observable:URL"))+len(ofType(d, "uco-observable:DigitalAccount"))+int(ex.Files) {
		t.Errorf("only %d results", results)
	}

	// Source files agree with the fixture's fls/icat manifest.
	checked, sized := 0, 0
	for _, f := range ofType(d, "uco-observable:File") {
		if hasType(f, "uco-observable:Image") {
			continue
		}
		if _, ok := facetOf(t, byID, f, "uco-observable:FileFacet")["uco-observable:sizeInBytes"]; ok {
			sized++
		}
		desc := f["uco-core:description"].(string)
		r := parseProvenance(t, strings.TrimPrefix(desc, "provenance: "))
		ff := facetOf(t, byID, f, "uco-observable:FileFacet")
		path := ff["uco-observable:filePath"].(string)
		if r.Type == source.TypeStream {
			if !strings.HasSuffix(path, ":"+r.Locator) {
				t.Errorf("stream path %q", path)
			}
			continue
		}
		mf := ex.Disk.File(r.PartitionIndex(), path)
		if mf == nil {
			// NTFS metadata files with only named attributes are listed
			// under the name fls prints ($Secure:$SDS).
			if !namedOnly(ex.Disk, r.PartitionIndex(), path) {
				t.Errorf("%s: not in the manifest", path)
			}
			continue
		}
		cf := facetOf(t, byID, f, "uco-observable:ContentDataFacet")
		wantSHA := mf.SHA256
		if wantSHA == "" && mf.Size == 0 && !mf.Recoverable {
			wantSHA = emptySHA256 // TSK's unused records: icat gives nothing, we hash nothing
		}
		if h := hashes(byID, cf); h["SHA256"] != wantSHA || len(h) != 1 {
			t.Errorf("%s: hashes %v, manifest sha256 %s", path, h, mf.SHA256)
		}
		if size, ok := ff["uco-observable:sizeInBytes"]; ok && size != float64(mf.Size) {
			t.Errorf("%s: size %v, manifest %d", path, size, mf.Size)
		}
		if idsOf(f["case-investigation:wasDerivedFrom"])[0] != img["@id"] {
			t.Errorf("%s: not derived from the image", path)
		}
		checked++
	}
	if sized != int(ex.Files) {
		t.Errorf("%d files with a size, want the %d the file-type parser saw", sized, ex.Files)
	}
	if checked < int(ex.Files)-5 {
		t.Errorf("checked only %d of %d files against the manifest", checked, ex.Files)
	}

	t.Logf("%d nodes: %d files (%d checked against the manifest), %d URLs, %d e-mail addresses, %d domains, %d accounts, %d chat accounts",
		len(d.Graph), len(ofType(d, "uco-observable:File"))-1, checked, len(ofType(d, "uco-observable:URL")),
		len(ofType(d, "uco-observable:EmailAddress")), len(ofType(d, "uco-observable:DomainName")), len(ofType(d, "uco-observable:DigitalAccount")), len(ofType(d, "uco-observable:ApplicationAccount")))

	// Sensitive: the tagged artefact and its value are absent.
	if bytes.Contains(out, []byte(ex.Value)) {
		t.Errorf("sensitive value %q is in the export", ex.Value)
	}
	if bytes.Contains(out, []byte("artefact "+itoa(ex.Sensitive)+" by")) {
		t.Errorf("sensitive artefact %d is described in the export", ex.Sensitive)
	}
	if bytes.Contains(out, []byte("operational technique")) || bytes.Contains(out, []byte("sensitive")) {
		t.Error("the export mentions the sensitivity tag")
	}
}

const emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

func namedOnly(d *evidencetest.Disk, part int, path string) bool {
	for _, f := range d.FilesOn(part) {
		if strings.HasPrefix(f.Path, path+":") {
			return true
		}
	}
	return false
}

// pathOf identifies an artefact's file by partition and path (the
// fixture has one file per path), so that references to an entry with and
// without its inode count as one file; "" when not in a file.
func pathOf(r *source.Ref) string {
	chain := r.Chain()
	for i := len(chain) - 1; i >= 0; i-- {
		if chain[i].Type == source.TypeEntry {
			p := chain[i].Locator
			if i+1 < len(chain) && chain[i+1].Type == source.TypeStream {
				p += ":" + chain[i+1].Locator
			}
			return strconv.Itoa(r.PartitionIndex()) + ":" + p
		}
	}
	return ""
}

func parseProvenance(t *testing.T, s string) *source.Ref {
	t.Helper()
	// The canonical string is parsed back only as far as the tests need:
	// the partition index and the last step's type and locator.
	steps := strings.Split(s, " > ")
	r := &source.Ref{}
	for _, st := range steps {
		typ, rest, _ := strings.Cut(st, ":")
		loc := rest
		if i := strings.IndexAny(loc, "#@"); i >= 0 {
			loc = loc[:i]
		}
		child := &source.Ref{Type: typ, Locator: loc, Parent: r}
		if typ == source.TypePartition {
			n, _ := strconv.Atoi(strings.TrimPrefix(loc, "p"))
			child = r.Partition(n, 0, 0)
		}
		r = child
	}
	return r
}

func TestDeterministic(t *testing.T) {
	ex := examineFixture(t)
	a := render(t, ex.Open(t))
	b := render(t, ex.Open(t))
	if !bytes.Equal(a, b) {
		t.Fatal("two renders of the same record differ")
	}
	o := options()
	o.Generated = o.Generated.Add(time.Hour)
	var c bytes.Buffer
	if err := Render(context.Background(), ex.Open(t), o, &c); err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(a, c.Bytes()) {
		t.Fatal("the generation time does not reach the output")
	}
}

// validate runs the shared offline SHACL validator on a graph.
func validate(t *testing.T, graph []byte) (bool, string) {
	t.Helper()
	script := filepath.Join(filepath.Dir(filepath.Dir(filepath.Dir(evidencetest.Dir(t)))), "shared", "tools", "case-validate", "validate.sh")
	if v := os.Getenv("LOUPE_CASE_VALIDATE"); v != "" {
		script = v
	}
	if _, err := os.Stat(script); err != nil {
		t.Skipf("CASE validator not found at %s (set LOUPE_CASE_VALIDATE): %v", script, err)
	}
	for _, tool := range []string{"node", "npm"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("CASE validation needs %s (Debian: nodejs npm; .ci/install-deps.sh installs them)", tool)
		}
	}
	f := filepath.Join(t.TempDir(), "graph.jsonld")
	if err := os.WriteFile(f, graph, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(script, f)
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatalf("running %s: %v", script, err)
	}
	return err == nil && strings.Contains(string(out), "CASE validation: conforms"), string(out)
}

// sample returns a closed sample of a rendered graph for the SHACL
// validator, which needs about half a second per node (shacl-engine runs
// UCO's SPARQL constraints once per UcoThing): every node except the
// repeated source files and observables, of which the first few of each
// class are kept with their facets, hashes and the file they derive from.
// References to nodes left out are dropped. Every class and property the
// renderer writes is in the sample; the repeated nodes come from the same
// code as the ones kept.
func sample(t *testing.T, graph []byte, perClass int) []byte {
	t.Helper()
	var d map[string]any
	if err := json.Unmarshal(graph, &d); err != nil {
		t.Fatal(err)
	}
	nodes := d["@graph"].([]any)
	byID := map[string]map[string]any{}
	for _, n := range nodes {
		m := n.(map[string]any)
		byID[m["@id"].(string)] = m
	}
	repeatedClass := func(m map[string]any) string {
		if hasType(m, "uco-observable:Image") {
			return ""
		}
		for _, c := range []string{"uco-observable:File", "uco-observable:URL", "uco-observable:EmailAddress", "uco-observable:DomainName", "uco-observable:DigitalAccount", "uco-observable:ApplicationAccount"} {
			if hasType(m, c) {
				return c
			}
		}
		return ""
	}
	var closure func(id string, set map[string]bool)
	closure = func(id string, set map[string]bool) {
		set[id] = true
		for _, f := range idsOf(byID[id]["uco-core:hasFacet"]) {
			set[f] = true
			for _, h := range idsOf(byID[f]["uco-observable:hash"]) {
				set[h] = true
			}
		}
	}
	repeated := map[string]bool{}
	for _, n := range nodes {
		if m := n.(map[string]any); repeatedClass(m) != "" {
			closure(m["@id"].(string), repeated)
		}
	}
	keep := map[string]bool{}
	for id := range byID {
		if !repeated[id] {
			keep[id] = true
		}
	}
	count := map[string]int{}
	for _, n := range nodes {
		m := n.(map[string]any)
		if c := repeatedClass(m); c != "" {
			if count[c]++; count[c] <= perClass {
				closure(m["@id"].(string), keep)
				for _, from := range idsOf(m["case-investigation:wasDerivedFrom"]) {
					closure(from, keep)
				}
			}
		}
	}
	var out []any
	for _, n := range nodes {
		m := n.(map[string]any)
		if !keep[m["@id"].(string)] {
			continue
		}
		for k, v := range m {
			switch x := v.(type) {
			case map[string]any:
				if id, ok := x["@id"].(string); ok && !keep[id] {
					delete(m, k)
				}
			case []any:
				var kept []any
				for _, e := range x {
					if em, ok := e.(map[string]any); ok {
						if id, ok := em["@id"].(string); ok && !keep[id] {
							continue
						}
					}
					kept = append(kept, e)
				}
				if len(kept) == 0 {
					delete(m, k)
				} else {
					m[k] = kept
				}
			}
		}
		out = append(out, m)
	}
	d["@graph"] = out
	b, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestCASEValidates(t *testing.T) {
	if testing.Short() {
		t.Skip("SHACL validation takes a while")
	}
	ex := examineFixture(t)
	examined := sample(t, render(t, ex.Open(t)), 1)
	hostile := render(t, hostileRecord(t))
	// One validator run for both graphs (the ontology takes a while to
	// load): a JSON-LD document may hold several graphs' nodes.
	var a, b map[string]any
	if err := json.Unmarshal(examined, &a); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(hostile, &b); err != nil {
		t.Fatal(err)
	}
	a["@graph"] = append(a["@graph"].([]any), b["@graph"].([]any)...)
	both, _ := json.Marshal(a)
	t.Run("examined and hostile", func(t *testing.T) {
		t.Parallel()
		if ok, out := validate(t, both); !ok {
			t.Fatalf("CASE validation failed:\n%s", out)
		}
	})
	// The validator must be able to fail: a size given as a string where
	// UCO wants an xsd:integer.
	t.Run("broken", func(t *testing.T) {
		t.Parallel()
		broken := ""
		for _, n := range b["@graph"].([]any) {
			m := n.(map[string]any)
			if _, ok := m["uco-observable:sizeInBytes"]; ok && m["@type"] == "uco-observable:FileFacet" {
				m["uco-observable:sizeInBytes"] = "seventy-nine"
				broken = m["@id"].(string)
				break
			}
		}
		if broken == "" {
			t.Fatal("no FileFacet with a size to break")
		}
		bad, _ := json.Marshal(b)
		ok, out := validate(t, bad)
		if ok {
			t.Fatalf("a string sizeInBytes validated:\n%s", out)
		}
		if !strings.Contains(out, "sizeInBytes") || !strings.Contains(out, strings.TrimPrefix(broken, "kb:")) {
			t.Errorf("validation failed, but not on the broken node %s:\n%s", broken, out)
		}
	})
}

// hostileRecord is a record whose file name and values need escaping.
func hostileRecord(t *testing.T) *record.Record {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	rec, err := record.Create(ctx, filepath.Join(dir, "x.loupe"), record.Setup{
		Case:     map[string]string{"urn": `URN "1" <script>alert(1)</script> & co`},
		Exhibit:  map[string]string{"reference": "X/1 & <b>"},
		Examiner: record.Examiner{Name: `O'Brien <script>`},
	}, record.Options{KeyDir: filepath.Join(dir, "keys")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rec.Close() })
	run, err := rec.StartRun(ctx, record.RunSpec{Tool: "loupe-cli 0.1.0", Parsers: []string{"test/hostile@1"}})
	if err != nil {
		t.Fatal(err)
	}
	file := source.Image("x.E01").Partition(1, 1048576, 1<<20).FS("ext4", 1048576).Entry(hostileName, "12")
	for _, a := range []finding.Artefact{
		{Kind: "file.type", Attrs: []finding.Attr{finding.I("size", 79)}, Source: file},
		{Kind: "tor.session_tab", Attrs: []finding.Attr{finding.S("url", hostileURL)}, Source: file.Record("json", "tabs[0]")},
		{Kind: "pgp.uid", Attrs: []finding.Attr{finding.S("email", hostileEmail)}, Source: file.At(10, 20)},
		{Kind: "chat.account", Attrs: []finding.Attr{finding.S("client", "qtox"), finding.S("account", "ABCD"), finding.S("name", hostileDisplay)}, Source: file.At(40, 4)},
	} {
		a.Parser, a.ParserVersion, a.Category = "test/hostile", "1", finding.Data
		a.SourceSHA256 = strings.Repeat("ab", 32)
		if err := run.Artefact(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	if err := run.Finish(ctx); err != nil {
		t.Fatal(err)
	}
	return rec
}

const (
	hostileName  = "../../x"
	hostileURL   = `http://a.onion/?q=<script>alert("x")</script>&b=1`
	hostileEmail = `"a&b<script>"@example.org`
	// a right-to-left override, markup and a control character, as a
	// qTox profile name can hold
	hostileDisplay = "alice \u202eevil\u200f <b>x</b>\x07"
)

func TestEscaping(t *testing.T) {
	out := render(t, hostileRecord(t))
	if bytes.Contains(out, []byte("<script>")) {
		t.Error("raw <script> in the JSON-LD (HTML-unsafe)")
	}
	d, byID := decode(t, out)
	got := map[string]bool{}
	for _, n := range d.Graph {
		for _, k := range []string{"uco-observable:filePath", "uco-observable:fullValue", "uco-observable:addressValue", "uco-core:name", "uco-observable:displayName"} {
			if s, ok := n[k].(string); ok {
				got[s] = true
			}
		}
	}
	for _, want := range []string{hostileName, hostileURL, hostileEmail, hostileDisplay, `URN "1" <script>alert(1)</script> & co`, `O'Brien <script>`} {
		if !got[want] {
			t.Errorf("%q did not round-trip (have %v)", want, got)
		}
	}
	files := ofType(d, "uco-observable:File")
	if len(files) != 1 {
		t.Fatalf("%d files", len(files))
	}
	if ff := facetOf(t, byID, files[0], "uco-observable:FileFacet"); ff["uco-observable:fileName"] != "x" || ff["uco-observable:sizeInBytes"] != float64(79) {
		t.Errorf("file facet %v", ff)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
