package record

import (
	"context"
	"database/sql"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/loupe-forensics/loupe/forensic/finding"
	"github.com/loupe-forensics/loupe/forensic/source"
)

var examiner = Examiner{Name: "DC Alex Example", Role: "Digital Forensic Examiner"}

func setup() Setup {
	return Setup{
		Case:         map[string]string{"urn": "01YY1234526", "operation": "OP NIGHTJAR"},
		Exhibit:      map[string]string{"reference": "ABC/1", "description": "Laptop", "seal_number": "S123"},
		Examiner:     examiner,
		Instructions: "Examine for Tor, wallets, PGP and chat artefacts.",
	}
}

// build makes a record with a finished run of n artefacts, warnings, a note
// and a tag, closes it and returns its path and options.
func build(t *testing.T, n int) (string, Options) {
	t.Helper()
	ctx := context.Background()
	opts := Options{KeyDir: t.TempDir(), Batch: 50}
	path := filepath.Join(t.TempDir(), "exhibit.loupe")
	r, err := Create(ctx, path, setup(), opts)
	if err != nil {
		t.Fatal(err)
	}
	src, err := r.AddRow(ctx, "sources", "source.add", map[string]any{"ref": "image:disk.E01", "format": "e01"})
	if err != nil {
		t.Fatal(err)
	}
	run, err := r.StartRun(ctx, RunSpec{Tool: "loupe-cli 0.1.0", Parsers: []string{"tor/places@1"}, Sources: []int64{src}})
	if err != nil {
		t.Fatal(err)
	}
	ref := source.Image("disk.E01").Partition(1, 1048576, 1<<24).FS("ntfs", 1048576).Entry("/Users/a/places.sqlite", "64-1")
	for i := 0; i < n; i++ {
		a := finding.Artefact{Kind: "tor.visit", Parser: "tor/places", ParserVersion: "1", Source: ref.Row("moz_places", string(rune('a'+i%26))),
			Attrs: []finding.Attr{finding.S("url", "http://example.onion/"+strings.Repeat("x", i%7)), finding.I("visit", int64(i))}}
		if err := run.Artefact(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	run.Warn(ctx, finding.Warning{Parser: "tor/places", Source: ref, Message: "WAL frame 3 has a bad checksum"})
	if err := run.Finish(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := r.AddNote(ctx, "Started examination <b>bold</b> \u202e RTL", 0); err != nil {
		t.Fatal(err)
	}
	if _, err := r.AddTag(ctx, 3, FlagRelevant, "", ""); err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	return path, opts
}

func verifyPath(t *testing.T, path string, opts Options) *Result {
	t.Helper()
	r, err := OpenReadOnly(context.Background(), path, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	res, err := r.Verify(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestIntactRecordVerifies(t *testing.T) {
	path, opts := build(t, 120)
	res := verifyPath(t, path, opts)
	if !res.OK {
		t.Fatalf("intact record failed: %v", res.Problem)
	}
	if res.Checkpoints < 3 || len(res.Signers) != 1 || len(res.Anchors) != 2 {
		t.Errorf("result %+v", res)
	}
	r, _ := OpenReadOnly(context.Background(), path, opts)
	defer r.Close()
	n := 0
	for a, err := range r.Artefacts(context.Background(), "tor.") {
		if err != nil {
			t.Fatal(err)
		}
		if a.Kind != "tor.visit" || a.Source == nil || a.Source.Find(source.TypeRow) == nil {
			t.Errorf("artefact %+v", a)
		}
		n++
	}
	if n != 120 {
		t.Errorf("%d artefacts, want 120", n)
	}
	runs, _ := r.Runs(context.Background())
	if len(runs) != 1 || runs[0].Status != RunComplete || runs[0].Artefacts != 120 || runs[0].Warnings != 1 {
		t.Errorf("runs %+v", runs)
	}
	notes, _ := r.Notes(context.Background())
	if len(notes) != 1 || notes[0].Text != "Started examination <b>bold</b> \u202e RTL" {
		t.Errorf("notes %+v (text must be stored byte for byte)", notes)
	}
}

// tamper copies the record (and its beside-the-record anchor), applies SQL
// to the copy, and verifies it.
func tamper(t *testing.T, path string, opts Options, stmts ...string) *Result {
	t.Helper()
	dir := t.TempDir()
	cp := filepath.Join(dir, "copy.loupe")
	for _, suf := range []string{"", ".checkpoint"} {
		b, err := os.ReadFile(path + suf)
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(cp+suf, b, 0o600)
	}
	db, err := sql.Open("sqlite3", "file:"+cp)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	db.Close()
	return verifyPath(t, cp, opts)
}

func TestTamperingIsDetected(t *testing.T) {
	path, opts := build(t, 120)
	var lastCkpt, newest int64
	{
		r, _ := OpenReadOnly(context.Background(), path, opts)
		for e := range r.Entries(context.Background(), 0) {
			if e.Action == "checkpoint" {
				lastCkpt = e.Seq
			}
			newest = e.Seq
		}
		r.Close()
	}
	tests := []struct {
		name   string
		sql    []string
		seq    int64 // 0: any
		reason string
	}{
		{"artefact attribute changed", []string{`UPDATE artefacts SET content=replace(content,'example.onion','examp1e.onion') WHERE id=7`}, 0, "artefacts row 7"},
		{"audit entry deleted", []string{`DELETE FROM audit WHERE seq=4`}, 4, "missing"},
		{"two audit entries swapped", []string{
			`UPDATE audit SET seq=-5 WHERE seq=5`, `UPDATE audit SET seq=5 WHERE seq=6`, `UPDATE audit SET seq=6 WHERE seq=-5`}, 5, "prev_hash"},
		{"note edited", []string{`UPDATE notes SET content=replace(content,'Started','Finished')`}, 0, "notes row 1"},
		{"row inserted outside Loupe", []string{`INSERT INTO artefacts(content,row_hash) VALUES('{"run_id":1,"kind":"tor.visit"}','x')`}, 0, "not covered"},
		{"artefact deleted", []string{`DELETE FROM artefacts WHERE id=9`}, 0, "missing"},
		{"audit params edited", []string{`UPDATE audit SET params=replace(params,'"tool":"loupe-cli 0.1.0"','"tool":"other"') WHERE action='run.start'`}, 0, "edited"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := tamper(t, path, opts, tc.sql...)
			if res.OK || res.Problem == nil {
				t.Fatal("tampering not detected")
			}
			msg := res.Problem.Error()
			if !strings.Contains(msg, tc.reason) || (tc.seq != 0 && res.Problem.Seq != tc.seq) || res.Problem.Seq == 0 && tc.name != "row inserted outside Loupe" {
				t.Errorf("problem %q (seq %d), want seq %d and %q", msg, res.Problem.Seq, tc.seq, tc.reason)
			}
		})
	}
	t.Run("newest entries deleted after a signed checkpoint", func(t *testing.T) {
		// Add two views and a closing checkpoint, then cut them off: the
		// chain that remains is consistent, only the anchors can tell.
		ctx := context.Background()
		r, err := Open(ctx, path, examiner, opts)
		if err != nil {
			t.Fatal(err)
		}
		r.Log(ctx, "view", map[string]any{"artefact_id": 3})
		r.Log(ctx, "view", map[string]any{"artefact_id": 4})
		r.Close()
		if res := verifyPath(t, path, opts); !res.OK {
			t.Fatalf("record with views failed: %v", res.Problem)
		}
		res := tamper(t, path, opts, `DELETE FROM audit WHERE seq > `+strconv.FormatInt(newest, 10))
		if res.OK || !strings.Contains(res.Problem.Error(), "signed checkpoint") {
			t.Fatalf("truncation after checkpoint %d not detected: %+v", lastCkpt, res.Problem)
		}
	})
}

func itoa(n int64) string {
	return strings.TrimSpace(strings.Repeat(" ", 0) + func() string { return fmtInt(n) }())
}

func fmtInt(n int64) string {
	if n == 0 {
		return "0"
	}
	s := ""
	for n > 0 {
		s = string(rune('0'+n%10)) + s
		n /= 10
	}
	return s
}

func TestCorrectionsAndTagRules(t *testing.T) {
	path, opts := build(t, 5)
	ctx := context.Background()
	r, err := Open(ctx, path, examiner, opts)
	if err != nil {
		t.Fatal(err)
	}
	seq, _ := r.AddNote(ctx, "Wrong exhibit number noted", 0)
	if _, err := r.AddNote(ctx, "Correction: exhibit is ABC/1", seq); err != nil {
		t.Fatal(err)
	}
	if _, err := r.AddNote(ctx, "x", 99999); err == nil {
		t.Error("correction of a missing entry accepted")
	}
	if _, err := r.AddTag(ctx, 1, FlagUndermines, "", ""); err == nil {
		t.Error("undermines without a reason accepted")
	}
	if _, err := r.AddTag(ctx, 1, FlagSensitive, "", ""); err == nil {
		t.Error("sensitive without a category accepted")
	}
	if _, err := r.AddTag(ctx, 999, FlagRelevant, "", ""); err == nil {
		t.Error("tag on a missing artefact accepted")
	}
	tagSeq, err := r.AddTag(ctx, 2, FlagSensitive, "", "third-party personal data")
	if err != nil {
		t.Fatal(err)
	}
	tags, _ := r.Tags(ctx)
	n := len(tags)
	sens := tags[n-1]
	if sens.Seq != tagSeq || sens.Removes || sens.Flag != FlagSensitive {
		t.Fatalf("tags %+v (tag entry %d)", tags, tagSeq)
	}
	if _, err := r.WithdrawTag(ctx, sens.ID, ""); err == nil {
		t.Error("withdrawal without a reason accepted")
	}
	wSeq, err := r.WithdrawTag(ctx, sens.ID, "disclosure officer: not sensitive after review")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.WithdrawTag(ctx, sens.ID, "again"); err == nil {
		t.Error("second withdrawal accepted")
	}
	r.Close()
	res := verifyPath(t, path, opts)
	if !res.OK {
		t.Fatal(res.Problem)
	}
	ro, _ := OpenReadOnly(ctx, path, opts)
	defer ro.Close()
	notes, _ := ro.Notes(ctx)
	if len(notes) != 3 || notes[2].Corrects != seq {
		t.Errorf("notes %+v", notes)
	}
	tags, _ = ro.Tags(ctx)
	if w := tags[len(tags)-1]; len(tags) != n+1 || !w.Removes || w.RemovesID != sens.ID || w.Seq != wSeq || w.ArtefactID != 2 ||
		w.Flag != FlagSensitive || tags[n-1].Removes {
		t.Errorf("tags after withdrawal %+v", tags)
	}
	// The withdrawal's entry corrects the tag's entry.
	for e, err := range ro.Entries(ctx, wSeq) {
		if err != nil {
			t.Fatal(err)
		}
		if e.Seq == wSeq && e.Corrects != tagSeq {
			t.Errorf("withdrawal entry corrects %d, want %d", e.Corrects, tagSeq)
		}
		break
	}
}

func TestReadOnlyOpenWritesNothing(t *testing.T) {
	path, opts := build(t, 10)
	before, _ := os.ReadFile(path)
	st, _ := os.Stat(path)
	r, err := OpenReadOnly(context.Background(), path, opts)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.AddNote(context.Background(), "x", 0); err != ErrReadOnly {
		t.Errorf("write on read-only record: %v", err)
	}
	r.Verify(context.Background())
	r.Close()
	after, _ := os.ReadFile(path)
	st2, _ := os.Stat(path)
	if string(before) != string(after) || !st.ModTime().Equal(st2.ModTime()) {
		t.Error("read-only open changed the record")
	}
	for _, suf := range []string{"-wal", "-shm"} {
		if _, err := os.Stat(path + suf); err == nil {
			t.Errorf("read-only open left %s", suf)
		}
	}
}

// TestKilledWriter kills a writing process with SIGKILL in the middle of a
// run: the record opens, verifies for what was written, the run shows as
// incomplete, and a new run completes.
func TestKilledWriter(t *testing.T) {
	if os.Getenv("LOUPE_RECORD_CHILD") != "" {
		childWriter()
		return
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "killed.loupe")
	cmd := exec.Command(os.Args[0], "-test.run=^TestKilledWriter$")
	cmd.Env = append(os.Environ(), "LOUPE_RECORD_CHILD="+path, "LOUPE_HOME="+dir)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		if b, _ := os.ReadFile(path + ".progress"); len(b) > 0 {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			ents, _ := os.ReadDir(dir)
			var names []string
			for _, e := range ents {
				names = append(names, e.Name())
			}
			t.Fatalf("child never wrote (folder holds %v)", names)
		}
		time.Sleep(20 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()

	opts := Options{KeyDir: filepath.Join(dir, "keys")}
	if res := verifyPath(t, path, opts); !res.OK {
		t.Fatalf("killed record does not verify: %v", res.Problem)
	}
	ctx := context.Background()
	// A reader sees the run as incomplete at once (the writer's lock is
	// gone), with what was committed before the kill counted.
	ro0, err := OpenReadOnly(ctx, path, opts)
	if err != nil {
		t.Fatal(err)
	}
	roRuns, _ := ro0.Runs(ctx)
	ro0.Close()
	if len(roRuns) != 1 || roRuns[0].Status != RunIncomplete || roRuns[0].Artefacts < 200 {
		t.Fatalf("runs seen by a reader after the kill: %+v", roRuns)
	}
	r, err := Open(ctx, path, examiner, opts)
	if err != nil {
		t.Fatal(err)
	}
	runs, _ := r.Runs(ctx)
	if len(runs) != 1 || runs[0].Status != RunIncomplete {
		t.Fatalf("runs after kill: %+v", runs)
	}
	run, _ := r.StartRun(ctx, RunSpec{Tool: "rerun"})
	run.Artefact(ctx, finding.Artefact{Kind: "file.type", Source: source.Image("d").Entry("/x", "5")})
	if err := run.Finish(ctx); err != nil {
		t.Fatal(err)
	}
	r.Close()
	if res := verifyPath(t, path, opts); !res.OK {
		t.Fatal(res.Problem)
	}
	ro, _ := OpenReadOnly(ctx, path, opts)
	defer ro.Close()
	runs, _ = ro.Runs(ctx)
	if len(runs) != 2 || runs[0].Status != RunIncomplete || runs[1].Status != RunComplete {
		t.Errorf("runs %+v", runs)
	}
}

func childWriter() {
	path := os.Getenv("LOUPE_RECORD_CHILD")
	ctx := context.Background()
	r, err := Create(ctx, path, setup(), Options{Batch: 10})
	if err != nil {
		panic(err)
	}
	run, _ := r.StartRun(ctx, RunSpec{Tool: "child"})
	for i := 0; ; i++ {
		run.Artefact(ctx, finding.Artefact{Kind: "file.type", Source: source.Image("d").Entry("/f", "1"), Attrs: []finding.Attr{finding.I("i", int64(i))}})
		if i == 200 {
			os.WriteFile(path+".progress", []byte("200"), 0o600)
		}
	}
}
