package discord

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

func TestDiscord(t *testing.T) {
	const fixture = "../../../testdata/artefacts/chats/discord"
	var m struct {
		Values map[string]string
		Expect map[string]any
	}
	b, err := os.ReadFile(filepath.Join(fixture, "manifest.json"))
	if err != nil || json.Unmarshal(b, &m) != nil {
		t.Fatalf("manifest: %v", err)
	}
	var c finding.Collector
	if err := artefacts.Run(context.Background(), New(), input(t, fixture), &c); err != nil {
		t.Fatal(err)
	}
	acc := c.Kind(chats.KindAccount)
	if len(c.Warnings) != 0 || len(acc) != 1 {
		t.Fatalf("%d accounts, warnings %+v", len(acc), c.Warnings)
	}
	want := map[string]any{"account": m.Expect["user_id"], "email": m.Expect["email"], "token_present": true, "token_encrypted": true,
		"local_storage_keys": int64(len(m.Values)), "origin": "https://discord.com"}
	for k, v := range want {
		got, ok := acc[0].Get(k)
		if !ok || got.Value() != v {
			t.Errorf("%s = %v, want %v", k, got.Value(), v)
		}
	}
	tok := strings.Trim(m.Values["token"], `"`)
	for _, at := range acc[0].Attrs {
		if strings.Contains(at.Str, tok[12:]) {
			t.Errorf("token exported in %s", at.Name)
		}
	}
	// Element's folder has no Discord origin: not this parser's input.
	var c2 finding.Collector
	if err := artefacts.Run(context.Background(), New(), input(t, "../../../testdata/artefacts/chats/element"), &c2); err != artefacts.ErrWrongFormat || len(c2.Artefacts) != 0 {
		t.Errorf("element folder: %v, %d artefacts", err, len(c2.Artefacts))
	}
}
