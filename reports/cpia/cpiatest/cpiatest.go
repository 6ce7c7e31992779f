// Package cpiatest gives the report tests a real examination record: the
// loupe-cli binary of this tree examines the committed GPT demo evidence
// (two-segment E01) with the identifier sweep, exactly as an examiner
// would, and the record is reopened for writing so a test can tag items.
// Only tests import this package.
package cpiatest

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/loupe-forensics/loupe/forensic/evidencetest"
	"github.com/loupe-forensics/loupe/forensic/finding"
	"github.com/loupe-forensics/loupe/forensic/record"
	"github.com/loupe-forensics/loupe/forensic/source"
)

var (
	buildOnce sync.Once
	cliPath   string
	buildErr  error
	buildOut  []byte
)

// CLI builds loupe-cli from this module once per test binary, or returns
// $LOUPE_TEST_CLI when set (a prebuilt binary, e.g. make build's).
func CLI(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("LOUPE_TEST_CLI"); p != "" {
		return p
	}
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "loupe-cpiatest-")
		if err != nil {
			buildErr = err
			return
		}
		root, err := moduleRoot()
		if err != nil {
			buildErr = err
			return
		}
		cliPath = filepath.Join(dir, "loupe-cli")
		cmd := exec.Command("go", "build", "-o", cliPath, "./cmd/loupe-cli")
		cmd.Dir = root
		buildOut, buildErr = cmd.CombinedOutput()
	})
	if buildErr != nil {
		t.Fatalf("building loupe-cli: %v\n%s", buildErr, buildOut)
	}
	return cliPath
}

func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", err
	}
	return filepath.Dir(strings.TrimSpace(string(out))), nil
}

// Fixture is an examined record open for writing.
type Fixture struct {
	Path   string
	KeyDir string
	Rec    *record.Record
}

// Clock is the fixed time the fixture's own writes (tags, notes) carry.
var Clock = time.Date(2026, 11, 28, 9, 30, 0, 0, time.UTC)

// Examine runs `loupe-cli examine --sweep` over the GPT demo E01 into a new
// record and opens it for writing as the examiner "Disclosure Tester".
func Examine(t testing.TB) *Fixture {
	t.Helper()
	cli := CLI(t)
	dir := t.TempDir()
	f := &Fixture{Path: filepath.Join(dir, "exhibit.loupe"), KeyDir: filepath.Join(dir, "keys")}
	args := append([]string{"examine", "--sweep", "--record", f.Path, "--case", "OP-CPIA/2026", "--exhibit", "ABC/1",
		"--examiner", "Disclosure Tester", "--key-dir", f.KeyDir}, evidencetest.E01(t, "gpt")...)
	cmd := exec.Command(cli, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("examine: %v\n%s", err, stderr.String())
	}
	rec, err := record.Open(context.Background(), f.Path, record.Examiner{Name: "Disclosure Tester"},
		record.Options{KeyDir: f.KeyDir, Now: func() time.Time { return Clock }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rec.Close() })
	f.Rec = rec
	return f
}

// HostileName and HostileText are what AddHostile puts in the record.
const (
	HostileName = "../../x"
	HostileText = "<script>alert(1)</script>"
)

// AddHostile records one more run with a single artefact whose file name
// is a path traversal and whose attribute is markup, as a hostile exhibit
// could hold (a file system cannot name a file "../../x", so the run is
// written directly; everything else about it is an ordinary run). It
// returns the artefact's id.
func (f *Fixture) AddHostile(t testing.TB) int64 {
	t.Helper()
	ctx := context.Background()
	run, err := f.Rec.StartRun(ctx, record.RunSpec{Tool: "cpiatest", Parsers: []string{"test/hostile@1"}})
	if err != nil {
		t.Fatal(err)
	}
	a := finding.Artefact{Kind: "test.hostile", Parser: "test/hostile", ParserVersion: "1",
		Source: source.Folder("upload").Entry(HostileName, ""),
		Attrs:  []finding.Attr{finding.S("file_name", HostileName), finding.S("caption", HostileText)}}
	if err := run.Artefact(ctx, a); err != nil {
		t.Fatal(err)
	}
	if err := run.Finish(ctx); err != nil {
		t.Fatal(err)
	}
	for st, err := range f.Rec.Artefacts(ctx, "test.hostile") {
		if err != nil {
			t.Fatal(err)
		}
		return st.ID
	}
	t.Fatal("hostile artefact not recorded")
	return 0
}

// Find returns the first artefact of a kind whose attribute name has value
// (or any, when value is "").
func (f *Fixture) Find(t testing.TB, kind, name, value string) record.StoredArtefact {
	t.Helper()
	for a, err := range f.Rec.Artefacts(context.Background(), kind) {
		if err != nil {
			t.Fatal(err)
		}
		if a.Kind != kind {
			continue
		}
		for _, at := range a.Attrs {
			if at.Name == name && (value == "" || at.Str == value) {
				return a
			}
		}
	}
	t.Fatalf("no %s with %s=%q", kind, name, value)
	return record.StoredArtefact{}
}

// Tag adds a tag, failing the test on error.
func (f *Fixture) Tag(t testing.TB, id int64, flag, reason, category string) {
	t.Helper()
	if _, err := f.Rec.AddTag(context.Background(), id, flag, reason, category); err != nil {
		t.Fatal(err)
	}
}
