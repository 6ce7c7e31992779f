// Package reporttest makes the real examination record the report tests
// render: loupe-cli, built from this tree, examines the committed GPT E01
// with the identifier sweep, and one artefact is tagged sensitive. It is
// imported by tests only.
package reporttest

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/loupe-forensics/loupe/forensic/evidencetest"
	"github.com/loupe-forensics/loupe/forensic/record"
)

// Examined is a real examination record: loupe-cli (built from this tree)
// examines the committed GPT E01 with the identifier sweep, then one
// artefact is tagged sensitive through the record API.
type Examined struct {
	Path      string
	KeyDir    string
	Files     int64  // the examine summary's file count
	Sensitive int64  // the artefact tagged sensitive
	Value     string // its value, found in no other artefact
	Disk      *evidencetest.Disk
}

var (
	examinedOnce sync.Once
	examinedRec  *Examined
	examinedErr  string
	examinedDir  string
)

// Cleanup removes the record and the built binary; call it from TestMain
// after m.Run.
func Cleanup() {
	if examinedDir != "" {
		os.RemoveAll(examinedDir)
	}
}

// Examine returns the examined record, made once per test binary.
func Examine(t testing.TB) *Examined {
	t.Helper()
	disk := evidencetest.DiskInfo(t, "gpt")
	segs := evidencetest.E01(t, "gpt")
	root := filepath.Dir(filepath.Dir(evidencetest.Dir(t)))
	examinedOnce.Do(func() {
		dir, err := os.MkdirTemp("", "loupe-reports-")
		if err != nil {
			examinedErr = err.Error()
			return
		}
		examinedDir = dir
		bin := filepath.Join(dir, "loupe-cli")
		build := exec.Command("go", "build", "-o", bin, "./cmd/loupe-cli")
		build.Dir = root
		if out, err := build.CombinedOutput(); err != nil {
			examinedErr = "building loupe-cli: " + err.Error() + "\n" + string(out)
			return
		}
		ex := &Examined{Path: filepath.Join(dir, "case.loupe"), KeyDir: filepath.Join(dir, "keys"), Disk: disk}
		args := append([]string{"examine", "--record", ex.Path, "--case", "URN 01XX0001226", "--exhibit", "ABC/1",
			"--examiner", "DC Alice Examiner", "--key-dir", ex.KeyDir, "--sweep"}, segs...)
		cmd := exec.Command(bin, args...)
		cmd.Env = append(os.Environ(), "LOUPE_HOME="+filepath.Join(dir, "home"))
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			examinedErr = "examine: " + err.Error() + "\n" + stderr.String()
			return
		}
		var sum struct {
			Files  int64  `json:"files"`
			Status string `json:"status"`
		}
		if err := json.Unmarshal(stdout.Bytes(), &sum); err != nil || sum.Status != "complete" {
			examinedErr = "examine summary: " + stdout.String()
			return
		}
		ex.Files = sum.Files
		if msg := tagUniqueURL(ex); msg != "" {
			examinedErr = msg
			return
		}
		examinedRec = ex
	})
	if examinedRec == nil {
		t.Fatalf("making the examined record: %s", examinedErr)
	}
	return examinedRec
}

// tagUniqueURL tags sensitive one URL artefact whose value no other
// artefact holds, so its absence from an export can be checked by value.
func tagUniqueURL(ex *Examined) string {
	ctx := context.Background()
	rec, err := record.Open(ctx, ex.Path, record.Examiner{Name: "DC Alice Examiner"}, record.Options{KeyDir: ex.KeyDir})
	if err != nil {
		return "open: " + err.Error()
	}
	defer rec.Close()
	count := map[string]int{}
	first := map[string]int64{}
	var order []string
	for a, err := range rec.Artefacts(ctx, "") {
		if err != nil {
			return err.Error()
		}
		for _, at := range a.Attrs {
			if at.Str == "" {
				continue
			}
			if count[at.Str] == 0 && a.Kind == "identifier.url" && at.Name == "value" {
				first[at.Str] = a.ID
				order = append(order, at.Str)
			}
			count[at.Str]++
		}
	}
	for _, v := range order {
		if count[v] == 1 {
			ex.Sensitive, ex.Value = first[v], v
			break
		}
	}
	if ex.Sensitive == 0 {
		return "no URL artefact with a unique value to tag"
	}
	if _, err := rec.AddTag(ctx, ex.Sensitive, record.FlagSensitive, "", "operational technique"); err != nil {
		return "tag: " + err.Error()
	}
	return ""
}

// Open opens the examined record read-only, as reports do.
func (ex *Examined) Open(t testing.TB) *record.Record {
	t.Helper()
	rec, err := record.OpenReadOnly(context.Background(), ex.Path, record.Options{KeyDir: ex.KeyDir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rec.Close() })
	return rec
}
