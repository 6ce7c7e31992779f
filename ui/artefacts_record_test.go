package ui

import (
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/loupe-forensics/loupe/forensic/evidencetest"
	"github.com/loupe-forensics/loupe/forensic/record"
	"github.com/loupe-forensics/loupe/ui/viewmodel"
)

// The workstation views are tested on a real record: loupe-cli built from
// this tree examines the committed GPT demo disk with the identifier sweep
// (as testdata/demo.sh does), once per test binary; every test works on its
// own copy of the record and key folder.
var viewsDemo struct {
	once     sync.Once
	dir, cli string
	evidence []string
	err      error
}

const viewsExaminer = "View Tester"

func TestMain(m *testing.M) {
	code := m.Run()
	if viewsDemo.dir != "" {
		os.RemoveAll(viewsDemo.dir)
	}
	os.Exit(code)
}

func viewsMaster(t testing.TB) {
	t.Helper()
	viewsDemo.once.Do(func() {
		viewsDemo.evidence = evidencetest.E01(t, "gpt")
		viewsDemo.dir, viewsDemo.err = os.MkdirTemp("", "loupe-ui-views-")
		if viewsDemo.err != nil {
			return
		}
		viewsDemo.cli = filepath.Join(viewsDemo.dir, "loupe-cli")
		if out, err := exec.Command("go", "build", "-o", viewsDemo.cli, "github.com/loupe-forensics/loupe/cmd/loupe-cli").CombinedOutput(); err != nil {
			t.Logf("go build loupe-cli: %s", out)
			viewsDemo.err = err
			return
		}
		home := filepath.Join(viewsDemo.dir, "rec", "home")
		if viewsDemo.err = os.MkdirAll(home, 0o700); viewsDemo.err != nil {
			return
		}
		args := append([]string{"examine", "--sweep", "--record", filepath.Join(viewsDemo.dir, "rec", "demo.loupe"),
			"--case", "OP-VIEWS/1", "--exhibit", "ABC/1", "--examiner", viewsExaminer}, viewsDemo.evidence...)
		ex := exec.Command(viewsDemo.cli, args...)
		ex.Env = append(os.Environ(), "LOUPE_HOME="+home)
		if out, err := ex.CombinedOutput(); err != nil {
			t.Logf("examine: %s", out)
			viewsDemo.err = err
		}
	})
	if viewsDemo.err != nil {
		t.Fatalf("building the demo record: %v", viewsDemo.err)
	}
}

// viewsSession opens a private copy of the examined demo record, for
// writing as the examiner, or read-only as a reviewer.
func viewsSession(t testing.TB, readOnly bool) *viewmodel.Session {
	t.Helper()
	viewsMaster(t)
	dir := t.TempDir()
	if err := copyDir(filepath.Join(viewsDemo.dir, "rec"), dir); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "demo.loupe")
	keys := filepath.Join(dir, "home", "keys")
	london, _ := time.LoadLocation("Europe/London")
	s := &viewmodel.Session{RecordPath: path, ReadOnly: readOnly, EvidencePaths: viewsDemo.evidence, KeyDir: keys, Zone: london,
		Reproduce: viewmodel.CLIReproducer(viewsDemo.cli)}
	var err error
	if readOnly {
		s.Examiner = record.Examiner{Name: "Rita Reviewer", Role: "Peer reviewer"}
		s.Record, err = record.OpenReadOnly(context.Background(), path, record.Options{KeyDir: keys})
	} else {
		s.Examiner = record.Examiner{Name: viewsExaminer}
		s.Record, err = record.Open(context.Background(), path, s.Examiner, record.Options{KeyDir: keys})
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Record.Close() })
	return s
}

func copyDir(src, dst string) error {
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

func headSeq(t testing.TB, s *viewmodel.Session) int64 {
	t.Helper()
	seq, _, err := s.Record.Head(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return seq
}

func waitDone(t testing.TB, c <-chan error, what string) error {
	t.Helper()
	select {
	case err := <-c:
		return err
	case <-time.After(60 * time.Second):
		t.Fatalf("%s did not finish", what)
		return nil
	}
}
