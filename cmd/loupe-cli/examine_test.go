package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/loupe-forensics/loupe/artefacts/filetype"
	"github.com/loupe-forensics/loupe/artefacts/notable"
	"github.com/loupe-forensics/loupe/forensic/evidencetest"
	"github.com/loupe-forensics/loupe/forensic/record"
)

// TestMain lets the kill tests run this test binary as loupe-cli itself.
func TestMain(m *testing.M) {
	if os.Getenv("LOUPE_CLI_AS_MAIN") == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

type evidenceState struct {
	size  int64
	mtime time.Time
	sha   string
}

func evidenceSnapshot(t *testing.T, paths []string) map[string]evidenceState {
	t.Helper()
	out := map[string]evidenceState{}
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		h := sha256.New()
		if _, err := io.Copy(h, f); err != nil {
			t.Fatal(err)
		}
		f.Close()
		out[p] = evidenceState{fi.Size(), fi.ModTime(), hex.EncodeToString(h.Sum(nil))}
	}
	return out
}

func assertUnchanged(t *testing.T, before map[string]evidenceState) {
	t.Helper()
	paths := make([]string, 0, len(before))
	for p := range before {
		paths = append(paths, p)
	}
	after := evidenceSnapshot(t, paths)
	for p, b := range before {
		if after[p] != b {
			t.Errorf("evidence %s changed: %+v -> %+v", p, b, after[p])
		}
	}
}

func runExamineCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), env{stdout: &out, stderr: &errb}, args)
	return code, out.String(), errb.String()
}

func examineArgs(rec, keys string, sources ...string) []string {
	return append([]string{"examine", "--record", rec, "--case", "OP-TEST/2026", "--exhibit", "ABC/1",
		"--examiner", "tester", "--key-dir", keys}, sources...)
}

type examineOut struct {
	Record    string `json:"record"`
	Run       int64  `json:"run"`
	Status    string `json:"status"`
	Files     int64  `json:"files"`
	Artefacts int64  `json:"artefacts"`
	Warnings  int64  `json:"warnings"`
	Sources   []struct {
		Ref          string `json:"ref"`
		Verification string `json:"verification"`
		FileSystems  int    `json:"file_systems"`
		Computed     struct{ MD5, SHA1, SHA256 string }
	} `json:"sources"`
}

func verifyRecord(t *testing.T, path, keys string) *record.Result {
	t.Helper()
	rec, err := record.OpenReadOnly(context.Background(), path, record.Options{KeyDir: keys})
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Close()
	res, err := rec.Verify(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !res.OK {
		t.Fatalf("record %s does not verify: %v", path, res.Problem)
	}
	return res
}

func recordRuns(t *testing.T, path, keys string) []record.RunInfo {
	t.Helper()
	rec, err := record.OpenReadOnly(context.Background(), path, record.Options{KeyDir: keys})
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Close()
	runs, err := rec.Runs(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return runs
}

// TestExamineFixture examines the two-segment E01 of the GPT fixture disk
// and checks the record against the fixture manifest, whose per-file
// digests come from TSK's icat: every file the peer could read in full has
// a file.type artefact with the same SHA-256, and the two random
// containers, and nothing else, are flagged as notable.
func TestExamineFixture(t *testing.T) {
	disk := evidencetest.DiskInfo(t, "gpt")
	e01 := evidencetest.E01(t, "gpt")
	before := evidenceSnapshot(t, e01)
	dir := t.TempDir()
	rec, keys := filepath.Join(dir, "case.loupe"), filepath.Join(dir, "keys")

	code, stdout, stderr := runExamineCLI(t, examineArgs(rec, keys, e01...)...)
	if code != exitOK {
		t.Fatalf("examine exit %d\n%s", code, stderr)
	}
	var out examineOut
	if err := json.Unmarshal([]byte(stdout), &out); err != nil {
		t.Fatalf("%v\n%s", err, stdout)
	}
	if out.Status != "complete" || len(out.Sources) != 1 {
		t.Fatalf("summary %+v", out)
	}
	src := out.Sources[0]
	if src.Verification != "match" || src.Computed.MD5 != disk.MD5 || src.Computed.SHA1 != disk.SHA1 || src.Computed.SHA256 != disk.SHA256 || src.FileSystems != 2 {
		t.Fatalf("source %+v; manifest md5 %s sha1 %s sha256 %s", src, disk.MD5, disk.SHA1, disk.SHA256)
	}
	if !strings.Contains(stderr, "examine: run complete") {
		t.Errorf("no progress on stderr: %q", stderr)
	}
	verifyRecord(t, rec, keys)
	assertUnchanged(t, before)

	r, err := record.OpenReadOnly(context.Background(), rec, record.Options{KeyDir: keys})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	byPath := map[string]string{} // "p<N>:path" -> sha256 of file.type artefacts
	var flagged []string
	for a, err := range r.Artefacts(context.Background(), "") {
		if err != nil {
			t.Fatal(err)
		}
		key := a.Ref
		if a.Source != nil {
			key = strings.TrimPrefix(a.Source.Find("partition").Locator, "p") + ":" + a.Source.Path()
			if s := a.Source.Find("stream"); s != nil {
				key += ":" + s.Locator
			}
		}
		switch a.Kind {
		case filetype.Kind:
			byPath[key] = a.SourceSHA256
		case notable.Kind:
			flagged = append(flagged, key)
		}
	}
	checked := 0
	for _, f := range disk.Files {
		if f.Type != "file" || f.SHA256 == "" || f.System {
			continue
		}
		key := strconv.Itoa(f.Partition) + ":" + f.Path
		got, ok := byPath[key]
		if !ok {
			if f.Deleted {
				continue // a deleted file the file system layer could not open: recorded as a warning
			}
			t.Errorf("no file.type artefact for %s", key)
			continue
		}
		checked++
		if got != f.SHA256 {
			t.Errorf("%s: sha256 %s, icat gives %s", key, got, f.SHA256)
		}
		for _, st := range f.StreamDetails {
			if st.SHA256 == "" {
				continue
			}
			if g := byPath[key+":"+st.Name]; g != st.SHA256 {
				t.Errorf("%s:%s: sha256 %q, icat gives %s", key, st.Name, g, st.SHA256)
			}
		}
	}
	if checked < 15 {
		t.Errorf("only %d user files checked against the manifest", checked)
	}
	sort.Strings(flagged)
	want := []string{"1:/Users/alice/Documents/backup.hc", "2:/home/bob/Documents/archive.tc"}
	if strings.Join(flagged, ",") != strings.Join(want, ",") {
		t.Errorf("notable: %v, want %v", flagged, want)
	}
}

// startCLI runs this test binary as loupe-cli in a child process.
func startCLI(t *testing.T, extraEnv []string, args ...string) (*exec.Cmd, *bufio.Scanner, *bytes.Buffer) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(append(os.Environ(), "LOUPE_CLI_AS_MAIN=1"), extraEnv...)
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	pr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, bufio.NewScanner(pr), &stdout
}

// waitFor reads stderr lines until one contains s (or the stream ends).
func waitFor(t *testing.T, sc *bufio.Scanner, s string) {
	t.Helper()
	for sc.Scan() {
		if strings.Contains(sc.Text(), s) {
			return
		}
	}
	t.Fatalf("child ended without printing %q", s)
}

func drain(sc *bufio.Scanner) {
	go func() {
		for sc.Scan() {
		}
	}()
}

// TestExamineKilled kills examine with SIGKILL part-way: the record must
// still open and verify, show the run as incomplete, and a rerun must
// complete with the chain intact.
func TestExamineKilled(t *testing.T) {
	raw := evidencetest.Raw(t, "gpt")
	before := evidenceSnapshot(t, []string{raw})
	dir := t.TempDir()
	rec, keys := filepath.Join(dir, "case.loupe"), filepath.Join(dir, "keys")

	cmd, sc, _ := startCLI(t, []string{throttleEnv + "=40ms"}, examineArgs(rec, keys, raw)...)
	waitFor(t, sc, "examine: run started")
	time.Sleep(700 * time.Millisecond) // long enough for batches to be written, far from the end
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	drain(sc)
	_ = cmd.Wait()

	verifyRecord(t, rec, keys)
	// Read-only, the dead run still reads as running: nothing has told the
	// record otherwise. The next writer (the rerun) marks it incomplete.
	runs := recordRuns(t, rec, keys)
	if len(runs) != 1 || runs[0].Status == record.RunComplete {
		t.Fatalf("after kill -9: runs %+v, want one unfinished run", runs)
	}

	code, _, stderr := runExamineCLI(t, examineArgs(rec, keys, raw)...)
	if code != exitOK {
		t.Fatalf("rerun exit %d\n%s", code, stderr)
	}
	verifyRecord(t, rec, keys)
	runs = recordRuns(t, rec, keys)
	if len(runs) != 2 || runs[0].Status != record.RunIncomplete || runs[0].Reason == "" || runs[1].Status != record.RunComplete {
		t.Fatalf("after rerun: runs %+v", runs)
	}
	if runs[1].Artefacts <= runs[0].Artefacts {
		t.Errorf("the complete run has %d artefacts, the killed one %d", runs[1].Artefacts, runs[0].Artefacts)
	}
	assertUnchanged(t, before)
}

// TestExamineInterrupted sends SIGINT: examine stops cleanly, exits 1 and
// records the run as incomplete with the reason.
func TestExamineInterrupted(t *testing.T) {
	raw := evidencetest.Raw(t, "gpt")
	dir := t.TempDir()
	rec, keys := filepath.Join(dir, "case.loupe"), filepath.Join(dir, "keys")
	cmd, sc, stdout := startCLI(t, []string{throttleEnv + "=40ms"}, examineArgs(rec, keys, raw)...)
	waitFor(t, sc, "examine: run started")
	time.Sleep(300 * time.Millisecond)
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	drain(sc)
	err := cmd.Wait()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != exitFailed {
		t.Fatalf("exit: %v, want code %d", err, exitFailed)
	}
	var out examineOut
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil || out.Status != "incomplete" {
		t.Fatalf("summary %q (%v)", stdout.String(), err)
	}
	verifyRecord(t, rec, keys)
	runs := recordRuns(t, rec, keys)
	if len(runs) != 1 || runs[0].Status != record.RunIncomplete || !strings.Contains(runs[0].Reason, "interrupted") {
		t.Fatalf("runs %+v", runs)
	}
}

// TestReproduce: reproduce on an untouched record exits 0; after one
// artefact's attributes are altered with the sqlite3 CLI on a copy, it
// exits 1 and lists the difference.
func TestReproduce(t *testing.T) {
	if _, err := exec.LookPath("sqlite3"); err != nil {
		t.Skip("sqlite3 not installed")
	}
	raw := evidencetest.Raw(t, "gpt")
	dir := t.TempDir()
	rec, keys := filepath.Join(dir, "case.loupe"), filepath.Join(dir, "keys")
	if code, _, stderr := runExamineCLI(t, examineArgs(rec, keys, raw)...); code != exitOK {
		t.Fatalf("examine exit %d\n%s", code, stderr)
	}
	code, stdout, stderr := runExamineCLI(t, "reproduce", rec, "--image", raw)
	if code != exitOK {
		t.Fatalf("reproduce on an untouched record: exit %d\n%s\n%s", code, stdout, stderr)
	}
	var rep reproduceReport
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil || !rep.Identical || len(rep.Runs) != 1 || rep.Runs[0].Recorded == 0 || rep.Runs[0].Recorded != rep.Runs[0].Reproduced {
		t.Fatalf("report %s (%v)", stdout, err)
	}

	altered := filepath.Join(dir, "altered.loupe")
	copyFile(t, rec, altered)
	if _, err := os.Stat(rec + "-wal"); err == nil {
		copyFile(t, rec+"-wal", altered+"-wal")
	}
	// One file.type artefact of a text file now claims another type.
	const sql = `UPDATE artefacts SET content = replace(content, '"str":"text"', '"str":"tampered"')
		WHERE id = (SELECT min(id) FROM artefacts WHERE kind = 'file.type' AND content LIKE '%"str":"text"%');
		SELECT changes();`
	if out, err := exec.Command("sqlite3", altered, sql).CombinedOutput(); err != nil || strings.TrimSpace(string(out)) != "1" {
		t.Fatalf("sqlite3: %v\n%s", err, out)
	}
	code, stdout, stderr = runExamineCLI(t, "reproduce", altered, "--image", raw)
	if code != exitFailed {
		t.Fatalf("reproduce on an altered record: exit %d, want 1\n%s", code, stderr)
	}
	rep = reproduceReport{}
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil || rep.Identical || rep.Differences != 2 {
		t.Fatalf("report %s (%v)", stdout, err)
	}
	d := rep.Runs[0].Differences
	if len(d) != 2 || d[0].Source != d[1].Source || d[0].Side == d[1].Side || !strings.Contains(stderr, "recorded-only") {
		t.Fatalf("differences %+v\n%s", d, stderr)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o600); err != nil {
		t.Fatal(err)
	}
}
