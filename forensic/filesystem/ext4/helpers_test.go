package ext4

import (
	"bufio"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/loupe-forensics/loupe/forensic/filesystem"
	"github.com/loupe-forensics/loupe/forensic/source"
)

// row is what both fls and our walk say about one name.
type row struct {
	Path    string // without the leading slash, as fls -p prints it
	Inode   string
	Deleted bool
}

func (r row) String() string {
	d := ""
	if r.Deleted {
		d = "* "
	}
	return fmt.Sprintf("%s%s:\t%s", d, r.Inode, r.Path)
}

// parseFls reads `fls -r -p` output, leaving out TSK's virtual entries
// ($OrphanFiles and what it lists), which are not names on the disk.
func parseFls(t *testing.T, r io.Reader) []row {
	t.Helper()
	var out []row
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			continue
		}
		head, path, ok := strings.Cut(line, ":\t")
		if !ok {
			t.Fatalf("fls line without a tab: %q", line)
		}
		if i := strings.IndexByte(path, '\t'); i >= 0 { // fls -l columns
			path = path[:i]
		}
		f := strings.Fields(head)
		if len(f) < 2 || f[0] == "V/V" || strings.HasPrefix(path, "$OrphanFiles") {
			continue
		}
		rw := row{Path: path}
		if f[1] == "*" {
			rw.Deleted = true
			f = f[1:]
		}
		rw.Inode = strings.TrimSuffix(f[1], "(realloc)")
		out = append(out, rw)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	sortRows(out)
	return out
}

func sortRows(r []row) {
	sort.Slice(r, func(i, j int) bool {
		if r[i].Path != r[j].Path {
			return r[i].Path < r[j].Path
		}
		return r[i].Inode < r[j].Inode
	})
}

// walkRows walks fsys and returns the named entries (not orphans) as rows.
func walkRows(t *testing.T, fsys filesystem.FS) ([]row, map[string]*filesystem.Entry) {
	t.Helper()
	var out []row
	byPath := map[string]*filesystem.Entry{}
	err := fsys.Walk(context.Background(), func(e *filesystem.Entry) error {
		if e.Orphan {
			return nil
		}
		out = append(out, row{Path: strings.TrimPrefix(e.Path, "/"), Inode: string(e.ID), Deleted: e.Deleted})
		byPath[e.Path] = e
		return nil
	})
	if err != nil {
		t.Fatalf("Walk: %v", err)
	}
	sortRows(out)
	return out, byPath
}

func diffRows(t *testing.T, what string, got, want []row) {
	t.Helper()
	g := map[row]bool{}
	for _, r := range got {
		g[r] = true
	}
	w := map[row]bool{}
	for _, r := range want {
		w[r] = true
	}
	var miss, extra []string
	for _, r := range want {
		if !g[r] {
			miss = append(miss, r.String())
		}
	}
	for _, r := range got {
		if !w[r] {
			extra = append(extra, r.String())
		}
	}
	if len(got) != len(want) || len(miss) > 0 || len(extra) > 0 {
		t.Errorf("%s: %d rows, want %d\nmissing:\n  %s\nextra:\n  %s", what, len(got), len(want),
			strings.Join(miss, "\n  "), strings.Join(extra, "\n  "))
	}
}

// need skips the test when a tool is not installed.
func need(t testing.TB, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed", tool)
		}
	}
}

func run(t testing.TB, name string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), "E2FSPROGS_FAKE_TIME=1773482400", "TZ=UTC")
	out, err := cmd.Output()
	if err != nil {
		msg := ""
		if ee, ok := err.(*exec.ExitError); ok {
			msg = string(ee.Stderr)
		}
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, msg)
	}
	return out
}

// mkfs builds an ext4 image from a tree with the real mke2fs, then runs
// debugfs commands (e.g. "rm /a/b") on it.
func mkfs(t testing.TB, tree string, sizeMB int, extra []string, debugfs ...string) string {
	t.Helper()
	need(t, "mke2fs", "debugfs")
	img := filepath.Join(t.TempDir(), "ext4.img")
	args := []string{"-q", "-F"}
	if !slices.Contains(extra, "-b") {
		args = append(args, "-b", "4096")
	}
	if !slices.Contains(extra, "-t") {
		args = append(args, "-t", "ext4")
	}
	args = append(args, extra...)
	args = append(args, "-d", tree, img, fmt.Sprintf("%dM", sizeMB))
	run(t, "mke2fs", args...)
	if len(debugfs) > 0 {
		cmds := filepath.Join(t.TempDir(), "cmds")
		if err := os.WriteFile(cmds, []byte(strings.Join(debugfs, "\n")+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		run(t, "debugfs", "-w", "-f", cmds, img)
	}
	return img
}

// openFile opens an ext4 image file (read-only) at offset off.
func openFile(t testing.TB, path string, off, size int64) *FS {
	t.Helper()
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fh.Close() })
	if size < 0 {
		st, err := fh.Stat()
		if err != nil {
			t.Fatal(err)
		}
		size = st.Size() - off
	}
	f, err := open(context.Background(), io.NewSectionReader(fh, off, size), size, off, source.Image(filepath.Base(path)))
	if err != nil {
		t.Fatalf("open %s@%d: %v", path, off, err)
	}
	return f
}

// gunzip materialises a committed .gz fixture in a temp dir.
func gunzip(t testing.TB, gz string) string {
	t.Helper()
	in, err := os.Open(gz)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	zr, err := gzip.NewReader(in)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), strings.TrimSuffix(filepath.Base(gz), ".gz"))
	o, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(o, zr); err != nil {
		t.Fatal(err)
	}
	if err := o.Close(); err != nil {
		t.Fatal(err)
	}
	return out
}
