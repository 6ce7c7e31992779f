package leveldbcopy

import (
	"bytes"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/loupe-forensics/loupe/artefacts"
	"github.com/loupe-forensics/loupe/forensic/source"
)

const store = "../../testdata/artefacts/chats/element/Local Storage/leveldb"

func listing(t *testing.T, dir string) []string {
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		info, _ := e.Info()
		out = append(out, e.Name()+" "+info.ModTime().String())
	}
	sort.Strings(out)
	return out
}

func input(t *testing.T, dir string) *artefacts.Input {
	b, err := os.ReadFile(filepath.Join(dir, "CURRENT"))
	if err != nil {
		t.Fatal(err)
	}
	return &artefacts.Input{Ref: source.Folder("f").Entry("/leveldb/CURRENT", ""), Path: "/leveldb/CURRENT", Size: int64(len(b)), Head: b,
		Reader: bytes.NewReader(b), FS: os.DirFS(filepath.Dir(dir)), WorkDir: t.TempDir()}
}

// The store (made by goleveldb in the fixture generator) opens from a copy;
// the evidence folder gains no LOCK or LOG file and nothing in it changes.
func TestOpenLeavesEvidenceAlone(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "leveldb")
	os.MkdirAll(dir, 0o755)
	ents, _ := os.ReadDir(store)
	for _, e := range ents {
		b, _ := os.ReadFile(filepath.Join(store, e.Name()))
		os.WriteFile(filepath.Join(dir, e.Name()), b, 0o444)
	}
	before := listing(t, dir)
	in := input(t, dir)
	if !Match(in) {
		t.Fatal("CURRENT not matched")
	}
	c, err := Open(in)
	if err != nil {
		t.Fatal(err)
	}
	it := c.DB.NewIterator(nil, nil)
	n := 0
	for it.Next() {
		n++
	}
	it.Release()
	if n == 0 || c.Repair || len(c.Files) == 0 {
		t.Errorf("%d keys, repair %v, files %v", n, c.Repair, c.Files)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if after := listing(t, dir); len(after) != len(before) {
		t.Fatalf("evidence folder changed: %v -> %v", before, after)
	}
	// Without its MANIFEST the copy is rebuilt and the caller told.
	ms, _ := filepath.Glob(filepath.Join(dir, "MANIFEST-*"))
	for _, m := range ms {
		os.Remove(m)
	}
	c, err = Open(input(t, dir))
	if err != nil || !c.Repair {
		t.Fatalf("repair %v, err %v", c != nil && c.Repair, err)
	}
	c.Close()
}
