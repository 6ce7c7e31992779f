package disk

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/loupe-forensics/loupe/forensic/evidencetest"
	"github.com/loupe-forensics/loupe/forensic/filesystem"
)

// TestGeneratedNTFSParity builds a bare NTFS volume with mkntfs and wimlib
// holding what the committed fixtures lack (hard links, a symbolic link
// stored as a reparse point, a directory large enough for an
// $INDEX_ALLOCATION with 8.3 names, non-ASCII names, empty and multi-cluster
// files, an alternate data stream) and compares Loupe's walk and contents
// with fls, istat and icat run on it. It needs those tools.
func TestGeneratedNTFSParity(t *testing.T) {
	if testing.Short() {
		t.Skip("runs istat and icat once per file")
	}
	for _, tool := range []string{"mkntfs", "wimlib-imagex", "ntfscp", "fls", "istat", "icat"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed", tool)
		}
	}
	dir := t.TempDir()
	tree := filepath.Join(dir, "tree")
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	write := func(rel string, data []byte) {
		p := filepath.Join(tree, rel)
		must(os.MkdirAll(filepath.Dir(p), 0o755))
		must(os.WriteFile(p, data, 0o644))
	}
	write("docs/a.txt", []byte("alpha\n"))
	write("docs/empty", nil)
	write("naïve café/日本語 ファイル.txt", []byte("unicode\n"))
	big := make([]byte, 3<<20+123)
	for i := range big {
		big[i] = byte(i*7 + i>>9)
	}
	write("big/blob.bin", big)
	for i := 0; i < 150; i++ {
		write(fmt.Sprintf("many/Long File Name Number %04d.text", i), []byte(strings.Repeat("x", i%700)))
	}
	must(os.Link(filepath.Join(tree, "docs/a.txt"), filepath.Join(tree, "docs/hardlink-to-a.txt")))
	must(os.Symlink("a.txt", filepath.Join(tree, "docs/link-to-a")))
	img := filepath.Join(dir, "gen.ntfs")
	ads := filepath.Join(dir, "ads")
	must(os.WriteFile(ads, []byte("[ZoneTransfer]\r\nZoneId=3\r\n"), 0o644))
	for _, c := range [][]string{
		{"truncate", "-s", "64M", img},
		{"mkntfs", "-F", "-Q", "-q", "-L", "GEN", img},
		{"wimlib-imagex", "capture", tree, filepath.Join(dir, "t.wim"), "GEN", "--compress=none"},
		{"wimlib-imagex", "apply", filepath.Join(dir, "t.wim"), "1", img},
		{"ntfscp", "-q", "-N", "Zone.Identifier", img, ads, "/big/blob.bin"},
	} {
		if out, err := exec.Command(c[0], c[1:]...).CombinedOutput(); err != nil {
			t.Fatalf("%v: %v: %s", c, err, out)
		}
	}
	d, err := Open(t.Context(), openImage(t, img))
	if err != nil {
		t.Fatal(err)
	}
	fsys, err := d.FS(1)
	if err != nil || fsys.Kind() != filesystem.KindNTFS {
		t.Fatalf("FS: %v", err)
	}
	wantRows, peers := runPeers(t, &evidencetest.Disk{Partitions: []evidencetest.Partition{{Index: 1, FS: filesystem.KindNTFS}}}, []string{img})
	gotRows := walkRows(t, d)
	diffRows(t, gotRows, wantRows)
	links := 0
	for _, r := range gotRows {
		if strings.HasPrefix(r.Path, "/docs/") && (strings.HasSuffix(r.Path, "/a.txt") || strings.HasSuffix(r.Path, "/hardlink-to-a.txt")) {
			links++
		}
	}
	if links != 2 {
		t.Errorf("hard links: %d names, want 2", links)
	}
	compared := 0
	for _, p := range peers {
		if p.SHA256 == "" {
			continue
		}
		f, err := fsys.OpenID(t.Context(), filesystem.EntryID(p.Inode), p.Stream)
		if err != nil {
			t.Errorf("%s:%s: %v", p.Inode, p.Stream, err)
			continue
		}
		if got := sha(t, f); got != p.SHA256 {
			t.Errorf("%s stream %q (TSK %s): sha256 %s, icat %s", p.Inode, p.Stream, p.TSKAddr, got, p.SHA256)
		}
		f.Close()
		compared++
	}
	if compared < 150 {
		t.Errorf("only %d contents compared", compared)
	}
	var sym *filesystem.Entry
	_ = fsys.Walk(t.Context(), func(e *filesystem.Entry) error {
		if e.Path == "/docs/link-to-a" {
			sym = e
		}
		return nil
	})
	if sym == nil || sym.Type != filesystem.TypeSymlink || sym.Target != "a.txt" {
		t.Errorf("symbolic link: %+v", sym)
	}
	if w := fsys.Warnings(); len(w) > 0 {
		t.Errorf("warnings on a clean volume: %v", w)
	}
}
