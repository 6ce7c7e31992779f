package dfxml

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

// examined is a real examination record: loupe-cli (built from this tree)
// examines the committed GPT E01 with the identifier sweep, then one
// artefact is tagged sensitive through the record API.
type examined struct {
	path      string
	keyDir    string
	files     int64  // the examine summary's file count
	sensitive int64  // the artefact tagged sensitive
	value     string // its value, found in no other artefact
	disk      *evidencetest.Disk
}

var (
	examinedOnce sync.Once
	examinedRec  *examined
	examinedErr  string
	examinedDir  string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if examinedDir != "" {
		os.RemoveAll(examinedDir)
	}
	os.Exit(code)
}

func examineFixture(t *testing.T) *examined {
	t.Helper()
	disk := evidencetest.DiskInfo(t, "gpt")
	segs := evidencetest.E01(t, "gpt")
	root := filepath.Dir(filepath.Dir(evidencetest.Dir(t)))
	examinedOnce.Do(func() {
		dir, err := os.MkdirTemp("", "loupe-dfxml-")
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
		ex := &examined{path: filepath.Join(dir, "case.loupe"), keyDir: filepath.Join(dir, "keys"), disk: disk}
		args := append([]string{"examine", "--record", ex.path, "--case", "URN 01XX0001226", "--exhibit", "ABC/1",
			"--examiner", "DC Alice Examiner", "--key-dir", ex.keyDir, "--sweep"}, segs...)
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
		ex.files = sum.Files
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
func tagUniqueURL(ex *examined) string {
	ctx := context.Background()
	rec, err := record.Open(ctx, ex.path, record.Examiner{Name: "DC Alice Examiner"}, record.Options{KeyDir: ex.keyDir})
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
			ex.sensitive, ex.value = first[v], v
			break
		}
	}
	if ex.sensitive == 0 {
		return "no URL artefact with a unique value to tag"
	}
	if _, err := rec.AddTag(ctx, ex.sensitive, record.FlagSensitive, "", "operational technique"); err != nil {
		return "tag: " + err.Error()
	}
	return ""
}

// open opens the examined record read-only, as reports do.
func (ex *examined) open(t *testing.T) *record.Record {
	t.Helper()
	rec, err := record.OpenReadOnly(context.Background(), ex.path, record.Options{KeyDir: ex.keyDir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rec.Close() })
	return rec
}
