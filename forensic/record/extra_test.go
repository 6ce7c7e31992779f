package record

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/loupe-forensics/loupe/forensic/finding"
	"github.com/loupe-forensics/loupe/forensic/source"
)

func TestSecondWriterIsBusy(t *testing.T) {
	path, opts := build(t, 3)
	ctx := context.Background()
	r, err := Open(ctx, path, examiner, opts)
	if err != nil {
		t.Fatal(err)
	}
	run, err := r.StartRun(ctx, RunSpec{Tool: "t"})
	if err != nil {
		t.Fatal(err)
	}
	// A second writer must not get in, or it would mark the live run incomplete.
	if _, err := Open(ctx, path, examiner, opts); !errors.Is(err, ErrBusy) {
		t.Fatalf("second writer: %v, want ErrBusy", err)
	}
	// Readers still can, and see the run as running.
	ro, err := OpenReadOnly(ctx, path, opts)
	if err != nil {
		t.Fatal(err)
	}
	runs, _ := ro.Runs(ctx)
	ro.Close()
	if len(runs) != 2 || runs[1].Status != RunRunning {
		t.Fatalf("runs seen by a reader: %+v", runs)
	}
	if err := run.Finish(ctx); err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	r2, err := Open(ctx, path, examiner, opts)
	if err != nil {
		t.Fatalf("open after close: %v", err)
	}
	runs, _ = r2.Runs(ctx)
	r2.Close()
	if runs[1].Status != RunComplete {
		t.Errorf("run after close: %+v", runs[1])
	}
}

func TestTypedLogEntries(t *testing.T) {
	path, opts := build(t, 4)
	ctx := context.Background()
	r, err := Open(ctx, path, examiner, opts)
	if err != nil {
		t.Fatal(err)
	}
	bad := []struct {
		name string
		err  func() error
	}{
		{"search without reason", func() error { _, err := r.LogSearch(ctx, Search{Kind: "keyword", Terms: []string{"x"}}); return err }},
		{"search of unknown kind", func() error { _, err := r.LogSearch(ctx, Search{Kind: "magic", Reason: "r"}); return err }},
		{"export without recipient", func() error {
			_, err := r.LogExport(ctx, Export{SHA256: strings.Repeat("a", 64), Justification: "j"})
			return err
		}},
		{"export without justification", func() error {
			_, err := r.LogExport(ctx, Export{SHA256: strings.Repeat("a", 64), Recipient: "OIC"})
			return err
		}},
		{"review with unknown outcome", func() error { _, err := r.SignOff(ctx, Review{Type: "technical", Outcome: "fine"}); return err }},
		{"correction without reason", func() error { _, err := r.Correct(ctx, 2, " "); return err }},
		{"correction of a missing entry", func() error { _, err := r.Correct(ctx, 99999, "typo"); return err }},
		{"view of artefact 0", func() error { _, err := r.Viewed(ctx, 0, ""); return err }},
	}
	for _, b := range bad {
		if err := b.err(); err == nil {
			t.Errorf("%s accepted", b.name)
		}
	}
	terms := []string{`bc1q[0-9a-z]{38}`, "nightjar <market>"}
	sSeq, err := r.LogSearch(ctx, Search{Kind: "regex", Terms: terms, ListName: "wallets", Version: "3", Hits: 12, Excluded: 1, Reason: "line of inquiry 2"})
	if err != nil {
		t.Fatal(err)
	}
	headBefore, headHash, _ := r.Head(ctx)
	eSeq, err := r.LogExport(ctx, Export{Report: true, Format: "pdf", SHA256: strings.Repeat("b", 64), Size: 1234, Recipient: "DC Officer", Justification: "SFR1 for charging"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Viewed(ctx, 2, "checking URL"); err != nil {
		t.Fatal(err)
	}
	cSeq, err := r.Correct(ctx, sSeq, "hit count included a duplicate")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.SignOff(ctx, Review{Type: "technical", Scope: "all artefacts", Outcome: "approved"}); err != nil {
		t.Fatal(err)
	}
	r.Close()
	if res := verifyPath(t, path, opts); !res.OK {
		t.Fatal(res.Problem)
	}
	ro, _ := OpenReadOnly(ctx, path, opts)
	defer ro.Close()
	searches, _ := ro.EntriesByAction(ctx, ActionSearch)
	if len(searches) != 1 || searches[0].Seq != sSeq {
		t.Fatalf("search log %+v", searches)
	}
	var p struct{ Search Search }
	if err := json.Unmarshal(searches[0].Params, &p); err != nil {
		t.Fatal(err)
	}
	if strings.Join(p.Search.Terms, "|") != strings.Join(terms, "|") || p.Search.Hits != 12 || p.Search.Excluded != 1 {
		t.Errorf("search stored as %+v (terms must be verbatim)", p.Search)
	}
	reports, _ := ro.EntriesByAction(ctx, ActionReport)
	var ep struct {
		HeadSeq int64 `json:"head_seq"`
		Head    string
		Export  Export
	}
	json.Unmarshal(reports[0].Params, &ep)
	if len(reports) != 1 || reports[0].Seq != eSeq || ep.HeadSeq != headBefore || ep.Head != headHash || ep.Export.Recipient != "DC Officer" {
		t.Errorf("report entry %+v params %+v", reports, ep)
	}
	corr, _ := ro.EntriesByAction(ctx, ActionCorrection)
	if len(corr) != 1 || corr[0].Seq != cSeq || corr[0].Corrects != sSeq {
		t.Errorf("correction %+v, want seq %d correcting %d", corr, cSeq, sSeq)
	}
	// A correction re-pointed forward is caught, naming that entry, even if
	// the forger recomputes nothing else: the hash breaks first at cSeq.
	res := tamper(t, path, opts, `UPDATE audit SET corrects=corrects+1000 WHERE action='correction'`)
	if res.OK || res.Problem.Seq != cSeq {
		t.Errorf("re-pointed correction: %+v", res.Problem)
	}
}

// BenchmarkArtefactInsert measures artefacts committed per second through a
// Run (default batch size) into a real record file.
func BenchmarkArtefactInsert(b *testing.B) {
	ctx := context.Background()
	opts := Options{KeyDir: b.TempDir()}
	r, err := Create(ctx, filepath.Join(b.TempDir(), "bench.loupe"), setup(), opts)
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	run, err := r.StartRun(ctx, RunSpec{Tool: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	ref := source.Image("disk.E01").Partition(1, 1048576, 1<<30).FS("ntfs", 1048576).Entry("/Users/a/AppData/Roaming/Electrum/wallets/default_wallet", "1234-5")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		a := finding.Artefact{Kind: "wallet.address", Parser: "wallets/electrum", ParserVersion: "1", Source: ref.Record("json", "addresses.receiving."+string(rune('a'+i%26))),
			SourceSHA256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
			Attrs:        []finding.Attr{finding.S("address", "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"), finding.I("index", int64(i)), finding.S("network", "mainnet")}}
		if err := run.Artefact(ctx, a); err != nil {
			b.Fatal(err)
		}
	}
	if err := run.Finish(ctx); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "artefacts/s")
}

func TestLogRejectsBadActions(t *testing.T) {
	path, opts := build(t, 3)
	ctx := context.Background()
	r, err := Open(ctx, path, examiner, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for _, a := range []string{"", "checkpoint", "view\nforged", "View", strings.Repeat("a", 65)} {
		if _, err := r.Log(ctx, a, nil); !errors.Is(err, ErrInvalid) {
			t.Errorf("action %q: %v", a, err)
		}
	}
	if _, err := r.Log(ctx, "hashset.apply", map[string]any{"name": "NSRL"}); err != nil {
		t.Error(err)
	}
}

func TestPeriodicCheckpoints(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		every time.Duration
		want  int // create + after each of the 4 batches (10, 20, 30, the last 5) + run end
	}{{time.Nanosecond, 6}, {-1, 2}} {
		opts := Options{KeyDir: t.TempDir(), Batch: 10, CheckpointEvery: tc.every}
		path := filepath.Join(t.TempDir(), "p.loupe")
		r, err := Create(ctx, path, setup(), opts)
		if err != nil {
			t.Fatal(err)
		}
		run, _ := r.StartRun(ctx, RunSpec{Tool: "t"})
		for i := 0; i < 35; i++ {
			if err := run.Artefact(ctx, finding.Artefact{Kind: "file.type", Source: source.Image("d").Entry("/f", "1"), Attrs: []finding.Attr{finding.I("i", int64(i))}}); err != nil {
				t.Fatal(err)
			}
		}
		if err := run.Finish(ctx); err != nil {
			t.Fatal(err)
		}
		r.Close()
		res := verifyPath(t, path, opts)
		if !res.OK || res.Checkpoints != tc.want {
			t.Errorf("every %v: ok %v, %d checkpoints, want %d (%v)", tc.every, res.OK, res.Checkpoints, tc.want, res.Problem)
		}
	}
}

func TestExaminerKeyFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "keys")
	k1, err := ExaminerKey(dir, "DC Alex Example")
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(filepath.Join(dir, "dc-alex-example.ed25519"))
	if err != nil {
		t.Fatal(err)
	}
	dst, _ := os.Stat(dir)
	if st.Mode().Perm() != 0o600 || dst.Mode().Perm() != 0o700 {
		t.Errorf("key mode %v, folder mode %v; want 0600 and 0700", st.Mode().Perm(), dst.Mode().Perm())
	}
	k2, err := ExaminerKey(dir, "DC Alex Example")
	if err != nil || !k1.Equal(k2) {
		t.Errorf("second load gave a different key (%v)", err)
	}
	os.WriteFile(filepath.Join(dir, "dc-alex-example.ed25519"), []byte("not hex\n"), 0o600)
	if _, err := ExaminerKey(dir, "DC Alex Example"); err == nil {
		t.Error("damaged key accepted")
	}
	if _, err := ExaminerKey(dir, "  !! "); !errors.Is(err, ErrInvalid) {
		t.Errorf("empty examiner name: %v", err)
	}
}
