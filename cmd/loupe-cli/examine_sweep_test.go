package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/loupe-forensics/loupe/forensic/evidencetest"
	"github.com/loupe-forensics/loupe/forensic/record"
)

// TestExamineWithSweep: the sweep runs inside examine as its own run, and the
// search itself (patterns, version, scope, counts) is an audit entry.
func TestExamineWithSweep(t *testing.T) {
	keys := t.TempDir()
	rec := filepath.Join(t.TempDir(), "s.loupe")
	args := append([]string{"examine", "--sweep", "--record", rec, "--case", "OP-T", "--exhibit", "ABC/1", "--examiner", "DC Test", "--key-dir", keys},
		evidencetest.E01(t, "gpt")...)
	if code, _, stderr := runCLI(t, args...); code != exitOK || !strings.Contains(stderr, "identifiers") {
		t.Fatalf("examine --sweep: %d %s", code, stderr)
	}
	r, err := record.OpenReadOnly(context.Background(), rec, record.Options{KeyDir: keys})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if res, _ := r.Verify(context.Background()); !res.OK {
		t.Fatalf("record: %v", res.Problem)
	}
	runs, _ := r.Runs(context.Background())
	if len(runs) != 2 || runs[1].Status != record.RunComplete || !strings.HasPrefix(runs[1].Parsers[0], "sweep@") || runs[1].Artefacts == 0 {
		t.Fatalf("runs %+v", runs)
	}
	n := 0
	for a, err := range r.Artefacts(context.Background(), "identifier.") {
		if err != nil {
			t.Fatal(err)
		}
		if a.RunID != runs[1].ID {
			t.Errorf("identifier %d in run %d", a.ID, a.RunID)
		}
		n++
	}
	if int64(n) != runs[1].Artefacts {
		t.Errorf("%d identifiers, run says %d", n, runs[1].Artefacts)
	}
	searches := 0
	for en, err := range r.Entries(context.Background(), 0) {
		if err != nil {
			t.Fatal(err)
		}
		if en.Action == "search" && strings.Contains(string(en.Params), "identifier sweep") {
			searches++
		}
	}
	if searches != 1 {
		t.Errorf("%d search entries, want 1", searches)
	}
	// Both runs reproduce: the sweep is re-run over the same image.
	rargs := append([]string{"reproduce", rec, "--image"}, evidencetest.E01(t, "gpt")...)
	code, out, stderr := runCLI(t, rargs...)
	var rep reproduceReport
	if err := json.Unmarshal(out, &rep); err != nil || code != exitOK || !rep.Identical || len(rep.Runs) != 2 {
		t.Fatalf("reproduce: %d %v %s\n%s", code, err, out, stderr)
	}
	if sw := rep.Runs[1]; sw.Recorded != int(runs[1].Artefacts) || sw.Reproduced != sw.Recorded || sw.Skipped != "" {
		t.Errorf("sweep run reproduced %+v", sw)
	}
}
