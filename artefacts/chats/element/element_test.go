package element

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/loupe-forensics/loupe/artefacts"
	"github.com/loupe-forensics/loupe/artefacts/chats"
	"github.com/loupe-forensics/loupe/forensic/finding"
	"github.com/loupe-forensics/loupe/forensic/source"
)

const fixture = "../../../testdata/artefacts/chats/element"

// input offers root/Local Storage/leveldb/CURRENT as the pipeline does.
func input(t testing.TB, root string) *artefacts.Input {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, "Local Storage", "leveldb", "CURRENT"))
	if err != nil {
		t.Fatal(err)
	}
	p := "/Local Storage/leveldb/CURRENT"
	return &artefacts.Input{Ref: source.Image("disk").FS("ntfs", 0).Entry(p, ""), Path: p, Size: int64(len(b)), Head: b,
		Reader: bytes.NewReader(b), FS: os.DirFS(root), WorkDir: t.TempDir()}
}

// copyTree copies the fixture so a test can damage it.
func copyTree(t testing.TB, src string) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.Walk(src, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if info.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

func TestElement(t *testing.T) {
	var m struct{ Expect map[string]any }
	b, err := os.ReadFile(filepath.Join(fixture, "manifest.json"))
	if err != nil || json.Unmarshal(b, &m) != nil {
		t.Fatalf("manifest: %v", err)
	}
	in := input(t, fixture)
	p := New()
	if !p.Match(in) {
		t.Fatal("CURRENT not matched")
	}
	var c finding.Collector
	if err := artefacts.Run(context.Background(), p, in, &c); err != nil {
		t.Fatal(err)
	}
	acc := c.Kind(chats.KindAccount)
	if len(c.Warnings) != 0 || len(acc) != 1 {
		t.Fatalf("%d accounts, warnings %+v", len(acc), c.Warnings)
	}
	a := acc[0]
	want := map[string]any{"account": m.Expect["user_id"], "homeserver": m.Expect["homeserver"], "identity_server": m.Expect["identity_server"],
		"device_id": m.Expect["device_id"], "access_token_present": m.Expect["access_token_present"], "origin": "vector://vector"}
	for k, v := range want {
		got, ok := a.Get(k)
		if !ok || got.Value() != v {
			t.Errorf("%s = %v, want %v", k, got.Value(), v)
		}
	}
	for _, at := range a.Attrs {
		if strings.HasPrefix(at.Str, "syt_") {
			t.Errorf("access token exported in %s", at.Name)
		}
	}
	if a.Source.Locator != "localstorage" || a.Source.ID != "vector://vector" {
		t.Errorf("provenance %s", a.Source)
	}
}

// TestDamaged: a missing MANIFEST is recovered with a warning; a folder
// whose tables are garbage gives a warning, never a panic.
func TestDamaged(t *testing.T) {
	t.Run("manifest missing", func(t *testing.T) {
		root := copyTree(t, fixture)
		ms, _ := filepath.Glob(filepath.Join(root, "Local Storage", "leveldb", "MANIFEST-*"))
		for _, f := range ms {
			os.Remove(f)
		}
		var c finding.Collector
		err := artefacts.Run(context.Background(), New(), input(t, root), &c)
		if err != nil || len(c.Kind(chats.KindAccount)) != 1 || len(c.Warnings) != 1 || !strings.Contains(c.Warnings[0].Message, "recovered") {
			t.Fatalf("err %v, %d accounts, warnings %+v", err, len(c.Kind(chats.KindAccount)), c.Warnings)
		}
	})
	t.Run("garbage tables", func(t *testing.T) {
		root := copyTree(t, fixture)
		fs, _ := filepath.Glob(filepath.Join(root, "Local Storage", "leveldb", "0*"))
		for _, f := range fs {
			os.WriteFile(f, bytes.Repeat([]byte{0xA5}, 4096), 0o644)
		}
		var c finding.Collector
		_ = artefacts.Run(context.Background(), New(), input(t, root), &c)
		if len(c.Warnings) == 0 {
			t.Fatal("no warning")
		}
		for _, w := range c.Warnings {
			if strings.Contains(w.Message, "panic") {
				t.Fatal(w.Message)
			}
		}
	})
}
