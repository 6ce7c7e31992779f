package viewmodel

import (
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/loupe-forensics/loupe/forensic/evidencetest"
	"github.com/loupe-forensics/loupe/forensic/record"
)

// The views are tested on a real record: loupe-cli is built from this tree
// and examines the committed GPT demo disk (E01, two segments) with the
// identifier sweep, exactly as testdata/demo.sh does. That happens once per
// test binary; each test gets its own copy of the record and key folder,
// because writes move the anchors a copy shares with its original.
var demo struct {
	once     sync.Once
	dir, cli string
	evidence []string
	err      error
}

const demoExaminer = "Test Examiner"

func demoMaster(t *testing.T) {
	t.Helper()
	demo.once.Do(func() {
		demo.evidence = evidencetest.E01(t, "gpt")
		demo.dir, demo.err = os.MkdirTemp("", "loupe-viewmodel-demo-")
		if demo.err != nil {
			return
		}
		demo.cli = filepath.Join(demo.dir, "loupe-cli")
		build := exec.Command("go", "build", "-o", demo.cli, "github.com/loupe-forensics/loupe/cmd/loupe-cli")
		if out, err := build.CombinedOutput(); err != nil {
			t.Logf("go build loupe-cli: %s", out)
			demo.err = err
			return
		}
		args := append([]string{"examine", "--sweep", "--record", filepath.Join(demo.dir, "rec", "demo.loupe"), "--case", "OP-TEST/1", "--exhibit", "ABC/1", "--examiner", demoExaminer}, demo.evidence...)
		if err := os.MkdirAll(filepath.Join(demo.dir, "rec", "home"), 0o700); err != nil {
			demo.err = err
			return
		}
		ex := exec.Command(demo.cli, args...)
		ex.Env = append(os.Environ(), "LOUPE_HOME="+filepath.Join(demo.dir, "rec", "home"))
		if out, err := ex.CombinedOutput(); err != nil {
			t.Logf("examine: %s", out)
			demo.err = err
		}
	})
	if demo.err != nil {
		t.Fatalf("building the demo record: %v", demo.err)
	}
}

// demoSession opens a private copy of the demo record. readOnly opens it
// as a reviewer would (the session's examiner is then the reviewer).
func demoSession(t *testing.T, readOnly bool) *Session {
	t.Helper()
	demoMaster(t)
	dir := t.TempDir()
	if err := copyTree(filepath.Join(demo.dir, "rec"), dir); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "demo.loupe")
	keys := filepath.Join(dir, "home", "keys")
	s := &Session{RecordPath: path, ReadOnly: readOnly, EvidencePaths: demo.evidence, KeyDir: keys, Reproduce: CLIReproducer(demo.cli)}
	var err error
	if readOnly {
		s.Examiner = record.Examiner{Name: "Rita Reviewer", Role: "Peer reviewer"}
		s.Record, err = record.OpenReadOnly(context.Background(), path, record.Options{KeyDir: keys})
	} else {
		s.Examiner = record.Examiner{Name: demoExaminer}
		s.Record, err = record.Open(context.Background(), path, s.Examiner, record.Options{KeyDir: keys})
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Record.Close() })
	return s
}

func copyTree(src, dst string) error {
	return filepath.Walk(src, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		to := filepath.Join(dst, rel)
		if fi.IsDir() {
			return os.MkdirAll(to, 0o700)
		}
		in, err := os.Open(p)
		if err != nil {
			return err
		}
		defer in.Close()
		out, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, fi.Mode().Perm()|0o200)
		if err != nil {
			return err
		}
		if _, err := io.Copy(out, in); err != nil {
			out.Close()
			return err
		}
		return out.Close()
	})
}

func entryCount(t *testing.T, s *Session) int64 {
	t.Helper()
	seq, _, err := s.Record.Head(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return seq
}

func TestMain(m *testing.M) {
	code := m.Run()
	if demo.dir != "" {
		os.RemoveAll(demo.dir)
	}
	os.Exit(code)
}
