package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/loupe-forensics/loupe/forensic/record"
)

type sweepManifest struct {
	Planted []struct {
		Type, Value, Region, Encoding string
		Offset                        int64
	} `json:"planted"`
	Decoys []string `json:"decoys"`
}

// sweepFixture gunzips the sweep fixture disk (testdata/gen/sweep-fixture.sh).
func sweepFixture(t *testing.T) (string, *sweepManifest) {
	t.Helper()
	dir := filepath.Join("..", "..", "testdata", "artefacts", "sweep")
	var m sweepManifest
	b, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	zf, err := os.Open(filepath.Join(dir, "sweep.raw.gz"))
	if err != nil {
		t.Fatal(err)
	}
	defer zf.Close()
	z, err := gzip.NewReader(zf)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "sweep.raw")
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, z); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
	return path, &m
}

func TestSweepJSON(t *testing.T) {
	img, m := sweepFixture(t)
	var out, errb bytes.Buffer
	if code := run(context.Background(), env{&out, &errb}, []string{"sweep", "--json", "--chunk", "1048576", img}); code != exitOK {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	var last struct {
		Log *struct {
			Version string `json:"version"`
			Counts  struct{ Hits map[string]int64 }
			Regions []struct{ Region string }
		} `json:"search_log"`
	}
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &last); err != nil || last.Log == nil {
		t.Fatalf("last line is not the search log: %v %q", err, lines[len(lines)-1])
	}
	want := map[string]bool{}
	for _, p := range m.Planted {
		want[p.Region+"|"+p.Encoding+"|"+p.Value+"|"+jsonInt(p.Offset)] = true
	}
	for _, l := range lines[:len(lines)-1] {
		var r sweepRow
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatal(err)
		}
		k := r.Region + "|" + r.Encoding + "|" + r.Value + "|" + jsonInt(r.Offset)
		if !want[k] {
			t.Errorf("unexpected row %s", l)
		}
		delete(want, k)
		if r.Kind != "identifier."+r.Type || r.Source == "" {
			t.Errorf("row %s", l)
		}
	}
	for k := range want {
		t.Errorf("planted identifier not printed: %s", k)
	}
	if code := run(context.Background(), env{&out, &errb}, []string{"sweep"}); code != exitUsage {
		t.Errorf("no image: exit %d", code)
	}
	if code := run(context.Background(), env{&out, &errb}, []string{"sweep", filepath.Join(t.TempDir(), "missing.raw")}); code != exitUsage {
		t.Errorf("missing image: exit %d", code)
	}
}

func jsonInt(n int64) string { b, _ := json.Marshal(n); return string(b) }

// TestSweepRecord writes a sweep into a record: the hits are the run's
// artefacts, the search appears in the audit chain, and the chain verifies.
func TestSweepRecord(t *testing.T) {
	img, m := sweepFixture(t)
	ctx := context.Background()
	dir := t.TempDir()
	recPath := filepath.Join(dir, "case.loupe")
	keys := filepath.Join(dir, "keys")
	rec, err := record.Create(ctx, recPath, record.Setup{Case: map[string]string{"urn": "T1"}, Exhibit: map[string]string{"reference": "ABC/1"},
		Examiner: record.Examiner{Name: "examiner1"}}, record.Options{KeyDir: keys})
	if err != nil {
		t.Fatal(err)
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	if code := run(ctx, env{&out, &errb}, []string{"sweep", recPath, "--image", img, "--examiner", "examiner1", "--key-dir", keys}); code != exitOK {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	ro, err := record.OpenReadOnly(ctx, recPath, record.Options{KeyDir: keys})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	n := 0
	for a, err := range ro.Artefacts(ctx, "identifier.") {
		if err != nil {
			t.Fatal(err)
		}
		if a.Parser != "sweep" || a.Source == nil {
			t.Errorf("artefact %+v", a)
		}
		n++
	}
	if n != len(m.Planted) {
		t.Errorf("%d identifier artefacts in the record, %d planted", n, len(m.Planted))
	}
	searches, err := ro.EntriesByAction(ctx, record.ActionSearch)
	if err != nil || len(searches) != 1 || !strings.Contains(string(searches[0].Params), `"version":"sweep/1"`) {
		t.Fatalf("search entries %v %v", searches, err)
	}
	logs, err := ro.EntriesByAction(ctx, "sweep.log")
	if err != nil || len(logs) != 1 || !strings.Contains(string(logs[0].Params), `"region":"unallocated"`) {
		t.Fatalf("sweep.log entries %v %v", logs, err)
	}
	res, err := ro.Verify(ctx)
	if err != nil || !res.OK {
		t.Fatalf("record does not verify after the sweep: %+v %v", res, err)
	}
}
