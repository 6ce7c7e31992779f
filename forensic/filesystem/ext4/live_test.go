package ext4

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"testing/fstest"
	"time"

	"github.com/loupe-forensics/loupe/forensic/filesystem"
)

// tree describes the source tree for mke2fs -d.
type tree struct {
	dir   string
	files map[string][]byte // relative path -> content, for comparison
}

func (tr *tree) write(t testing.TB, rel string, data []byte) {
	t.Helper()
	p := filepath.Join(tr.dir, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	tr.files[rel] = data
}

// writeSparse writes a file with data chunks separated by holes so that
// mke2fs (which skips zero blocks) maps it with many extents.
func (tr *tree) writeSparse(t testing.TB, rel string, chunks int, rng *rand.Rand) {
	t.Helper()
	data := make([]byte, chunks*8192+100)
	for i := 0; i < chunks; i++ {
		for j := 0; j < 4096; j++ {
			data[i*8192+j] = byte(rng.IntN(255) + 1)
		}
	}
	copy(data[len(data)-3:], "end")
	p := filepath.Join(tr.dir, rel)
	fh, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < chunks; i++ {
		if _, err := fh.WriteAt(data[i*8192:i*8192+4096], int64(i*8192)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := fh.WriteAt(data[len(data)-3:], int64(len(data)-3)); err != nil {
		t.Fatal(err)
	}
	if err := fh.Close(); err != nil {
		t.Fatal(err)
	}
	tr.files[rel] = data
}

// richTree builds a tree exercising what the reader must handle: nested
// and empty directories, a wide directory (htree after e2fsck -D), a file
// with more extents than the inode holds (depth > 0), a long hole, fast and
// slow symlinks, a hard link, a FIFO, odd names and an empty file.
func richTree(t testing.TB, wide int) *tree {
	t.Helper()
	tr := &tree{dir: filepath.Join(t.TempDir(), "tree"), files: map[string][]byte{}}
	rng := rand.New(rand.NewPCG(1, 2))
	rnd := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		return b
	}
	tr.write(t, "a/hello.txt", []byte("hello\n"))
	tr.write(t, "a/b/rand.bin", rnd(100000))
	tr.write(t, "a/b/c/deleted.txt", []byte("this file will be deleted\n"))
	tr.write(t, "a/b/c/kept.txt", []byte("kept\n"))
	tr.write(t, "empty", nil)
	tr.write(t, "ünï cødé – name.txt", []byte("unicode\n"))
	tr.write(t, "gone/big-deleted.bin", rnd(70000))
	for i := 0; i < wide; i++ {
		tr.write(t, fmt.Sprintf("wide/file-%05d.txt", i), []byte(fmt.Sprintf("content %d\n", i)))
	}
	tr.writeSparse(t, "sparse.bin", 40, rng)
	hole := make([]byte, 5<<20+4)
	copy(hole[5<<20:], "tail")
	p := filepath.Join(tr.dir, "hole.bin")
	if err := os.WriteFile(p, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(p, 5<<20); err != nil {
		t.Fatal(err)
	}
	fh, err := os.OpenFile(p, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fh.WriteString("tail"); err != nil {
		t.Fatal(err)
	}
	fh.Close()
	tr.files["hole.bin"] = hole
	if err := os.MkdirAll(filepath.Join(tr.dir, "emptydir"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(tr.dir, "links"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../a/hello.txt", filepath.Join(tr.dir, "links", "fast")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(strings.Repeat("long/", 30)+"target", filepath.Join(tr.dir, "links", "slow")); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(filepath.Join(tr.dir, "a/hello.txt"), filepath.Join(tr.dir, "links", "hard")); err != nil {
		t.Fatal(err)
	}
	tr.files["links/hard"] = tr.files["a/hello.txt"]
	if err := syscall.Mkfifo(filepath.Join(tr.dir, "fifo"), 0o644); err != nil {
		t.Fatal(err)
	}
	return tr
}

var richDeletes = []string{"rm /a/b/c/deleted.txt", "rm /wide/file-00100.txt", "rm /gone/big-deleted.bin"}

// richImage builds the rich tree's image; the wide directory is indexed by
// e2fsck -D before the deletions.
func richImage(t testing.TB, wide int) (*tree, string) {
	t.Helper()
	need(t, "mke2fs", "debugfs", "e2fsck")
	tr := richTree(t, wide)
	img := mkfs(t, tr.dir, 32, nil)
	cmd := exec.Command("e2fsck", "-fyD", img)
	cmd.Env = append(os.Environ(), "E2FSPROGS_FAKE_TIME=1773482400")
	if out, err := cmd.CombinedOutput(); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() > 1 { // 1: file system was modified
			t.Fatalf("e2fsck -fyD: %v\n%s", err, out)
		}
	}
	cmds := filepath.Join(t.TempDir(), "cmds")
	if err := os.WriteFile(cmds, []byte(strings.Join(append(richDeletes, "sif /a/hello.txt mtime_extra 0x12345678"), "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	run(t, "debugfs", "-w", "-f", cmds, img)
	return tr, img
}

// TestLiveAgainstTSK makes a fresh image with the real tools and compares
// the walk with fls, contents with the source tree and with icat, and times
// with istat.
func TestLiveAgainstTSK(t *testing.T) {
	need(t, "fls", "icat", "istat")
	tr, img := richImage(t, 2000)
	f := openFile(t, img, 0, -1)

	got, byPath := walkRows(t, f)
	want := parseFls(t, bytes.NewReader(run(t, "fls", "-r", "-p", img)))
	want = dropHtreeGhosts(t, f, tr, want)
	diffRows(t, "walk vs fls -r -p", got, want)
	if len(want) < 2000 {
		t.Fatalf("fls listed only %d names", len(want))
	}

	// The test must exercise an htree directory and a deep extent tree.
	wide, err := f.lookupInode("wide")
	if err != nil {
		t.Fatal(err)
	}
	if wide.flags&flagIndex == 0 {
		t.Fatal("e2fsck -D did not index /wide; the htree path is untested")
	}
	sp, err := f.lookupInode("sparse.bin")
	if err != nil {
		t.Fatal(err)
	}
	if depth := binary.LittleEndian.Uint16(sp.raw[0x28+6:]); depth == 0 {
		t.Fatal("sparse.bin has a depth-0 extent tree; the index path is untested")
	}

	// Allocated regular files: content equals the source tree.
	for rel, data := range tr.files {
		if strings.HasPrefix(rel, "a/b/c/deleted") || strings.HasPrefix(rel, "gone/") || rel == "wide/file-00100.txt" {
			continue
		}
		b, err := fs.ReadFile(f, rel)
		if err != nil {
			t.Errorf("ReadFile %s: %v", rel, err)
			continue
		}
		if !bytes.Equal(b, data) {
			t.Errorf("%s: %d bytes differ from the source (%d bytes)", rel, len(b), len(data))
		}
	}

	// Every regular file fls names (deleted ones too; one in a hundred in the
	// wide directory, to keep the test short), hashes like icat's output.
	icatChecked := 0
	for _, r := range want {
		e := byPath["/"+r.Path]
		if e == nil || e.Type != filesystem.TypeFile {
			continue
		}
		if strings.HasPrefix(r.Path, "wide/") && !r.Deleted && !strings.HasSuffix(r.Path, "77.txt") {
			continue
		}
		sum := sha256.Sum256(run(t, "icat", img, r.Inode))
		if got := sumID(t, f, e.ID); got != hex.EncodeToString(sum[:]) {
			t.Errorf("%s (inode %s): sha256 %s, icat %x", r.Path, r.Inode, got, sum)
		}
		icatChecked++
	}
	if icatChecked < 30 {
		t.Errorf("only %d files checked against icat", icatChecked)
	}

	// Deleted names come back flagged, with the content icat recovers.
	for _, p := range []string{"/a/b/c/deleted.txt", "/gone/big-deleted.bin", "/wide/file-00100.txt"} {
		e := byPath[p]
		if e == nil || !e.Deleted || e.Times.Deleted == nil {
			t.Errorf("%s: deleted entry %+v", p, e)
		}
	}
	if e := byPath["/a/b/c/deleted.txt"]; e != nil {
		fl, err := f.OpenID(context.Background(), e.ID, "")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(fl)
		if string(b) != "this file will be deleted\n" {
			t.Errorf("deleted content %q", b)
		}
	}

	// Times with nanoseconds, as istat prints them.
	e := byPath["/a/hello.txt"]
	ist := string(run(t, "istat", img, string(e.ID)))
	wantM := e.Times.Modified.Format("2006-01-02 15:04:05.000000000")
	if !strings.Contains(ist, "File Modified:\t"+wantM+" (UTC)") || e.Times.Modified.Nanosecond() != 0x12345678>>2 {
		t.Errorf("mtime %v not in istat output:\n%s", e.Times.Modified, ist)
	}
	for _, p := range []string{"/a/hello.txt", "/links/slow", "/sparse.bin", "/wide"} {
		e := byPath[p]
		ist := string(run(t, "istat", img, string(e.ID)))
		for _, tc := range []struct {
			label string
			tm    *time.Time
		}{{"Accessed", e.Times.Accessed}, {"File Modified", e.Times.Modified}, {"Inode Modified", e.Times.Changed}, {"File Created", e.Times.Born}} {
			line := tc.label + ":\t" + tc.tm.Format("2006-01-02 15:04:05.000000000") + " (UTC)"
			if !strings.Contains(ist, line) {
				t.Errorf("%s: %q not in istat output:\n%s", p, line, ist)
			}
		}
		if !strings.Contains(ist, fmt.Sprintf("size: %d\n", e.Size)) || !strings.Contains(ist, fmt.Sprintf("num of links: %d\n", e.Links)) {
			t.Errorf("%s: size %d links %d disagree with istat:\n%s", p, e.Size, e.Links, ist)
		}
	}

	// Symlinks: targets of fast and slow links.
	for p, target := range map[string]string{"/links/fast": "../a/hello.txt", "/links/slow": strings.Repeat("long/", 30) + "target"} {
		if e := byPath[p]; e == nil || e.Type != filesystem.TypeSymlink || e.Target != target {
			t.Errorf("%s: %+v, want symlink to %q", p, e, target)
		}
		if got, err := f.ReadLink(strings.TrimPrefix(p, "/")); err != nil || got != target {
			t.Errorf("ReadLink %s = %q, %v", p, got, err)
		}
	}
	if e := byPath["/links/hard"]; e == nil || e.ID != byPath["/a/hello.txt"].ID || e.Links != 2 {
		t.Errorf("hard link %+v", e)
	}

	// Runs: absolute image offsets whose bytes are the content; holes sparse.
	checkRuns(t, f, img, "sparse.bin", tr.files["sparse.bin"])
	checkRuns(t, f, img, "hole.bin", tr.files["hole.bin"])

	if ws := f.Warnings(); len(ws) != 0 {
		t.Errorf("warnings on a clean volume: %v", ws)
	}
}

func checkRuns(t *testing.T, f *FS, img, name string, want []byte) {
	t.Helper()
	fh, err := os.Open(img)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	fl, err := f.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	runs := fl.(filesystem.File).Runs()
	var pos int64
	sparse := 0
	for _, r := range runs {
		if r.FileOffset != pos {
			t.Fatalf("%s: run at %d, expected %d: %+v", name, r.FileOffset, pos, runs)
		}
		got := make([]byte, r.Length)
		if r.Sparse {
			sparse++
		} else if _, err := fh.ReadAt(got, r.ImageOffset); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want[pos:pos+r.Length]) {
			t.Errorf("%s: run %+v does not hold the content", name, r)
		}
		pos += r.Length
	}
	if pos != int64(len(want)) || sparse == 0 {
		t.Errorf("%s: runs cover %d of %d bytes with %d sparse runs", name, pos, len(want), sparse)
	}
}

// lookupInode resolves an io/fs path (test helper).
func (f *FS) lookupInode(name string) (*inode, error) {
	in, _, err := f.lookup(context.Background(), "stat", name)
	return in, err
}

func TestFSTest(t *testing.T) {
	tr, img := richImage(t, 300)
	f := openFile(t, img, 0, -1)
	var expect []string
	for rel := range tr.files {
		if !strings.HasPrefix(rel, "gone/") && rel != "a/b/c/deleted.txt" && rel != "wide/file-00100.txt" {
			expect = append(expect, rel)
		}
	}
	expect = append(expect, "links/fast", "links/slow", "fifo", "emptydir", "lost+found")
	if err := fstest.TestFS(f, expect...); err != nil {
		t.Fatal(err)
	}
	// Deleted names are not in the io/fs view.
	for _, p := range []string{"a/b/c/deleted.txt", "wide/file-00100.txt"} {
		if _, err := f.Stat(p); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("Stat(%s) = %v, want ErrNotExist", p, err)
		}
	}
}

// TestLegacyAndInline covers ext2 block maps (direct, indirect and double
// indirect blocks) and ext4 inline data, against the source tree and fls.
func TestLegacyAndInline(t *testing.T) {
	need(t, "fls")
	for _, tc := range []struct {
		name  string
		extra []string
		mb    int
	}{
		{"ext2", []string{"-t", "ext2"}, 32},
		{"ext3", []string{"-t", "ext3"}, 32},
		{"inline", []string{"-O", "inline_data"}, 32},
		// 1 KiB blocks over 256 MiB: 32 groups, two descriptor blocks, the
		// second stored in group 16 as meta_bg places it.
		{"meta_bg", []string{"-b", "1024", "-N", "512", "-O", "meta_bg,^resize_inode"}, 256},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr := &tree{dir: filepath.Join(t.TempDir(), "tree"), files: map[string][]byte{}}
			rng := rand.New(rand.NewPCG(3, 4))
			big := make([]byte, 6<<20+123) // past 12 direct + 1024 indirect 4 KiB blocks
			for i := range big {
				big[i] = byte(rng.Uint32())
			}
			tr.write(t, "big.bin", big)
			tr.write(t, "tiny.txt", []byte("tiny"))
			tr.write(t, "mid.txt", bytes.Repeat([]byte("0123456789"), 12)) // 120 bytes: i_block + system.data
			tr.write(t, "dir/a", []byte("a"))
			tr.write(t, "dir/b", []byte("bb"))
			args := append([]string{}, tc.extra...)
			// mke2fs's -t must come first; mkfs adds "-t ext4" which a later -t overrides.
			if tc.name == "meta_bg" {
				// 16 inodes a group: 400 files fill groups past 16.
				for i := 0; i < 400; i++ {
					tr.write(t, fmt.Sprintf("many/f%03d", i), []byte{byte(i)})
				}
			}
			img := mkfs(t, tr.dir, tc.mb, args, "rm /dir/a")
			f := openFile(t, img, 0, -1)
			got, byPath := walkRows(t, f)
			diffRows(t, "walk vs fls", got, parseFls(t, bytes.NewReader(run(t, "fls", "-r", "-p", img))))
			for rel, data := range tr.files {
				if rel == "dir/a" {
					continue
				}
				b, err := fs.ReadFile(f, rel)
				if err != nil || !bytes.Equal(b, data) {
					t.Errorf("%s: %d bytes, %v; want %d bytes", rel, len(b), err, len(data))
				}
			}
			if e := byPath["/dir/a"]; e == nil || !e.Deleted {
				t.Errorf("deleted /dir/a: %+v", e)
			}
			if tc.name == "meta_bg" {
				if f.incompat&incompatMetaBG == 0 || len(f.groups) < 32 {
					t.Fatalf("not a meta_bg volume with 32 groups: %#x, %d groups", f.incompat, len(f.groups))
				}
				high := 0
				for _, e := range byPath {
					if n, _ := strconv.Atoi(string(e.ID)); uint32(n) > 16*f.ipg {
						high++
					}
				}
				if high == 0 {
					t.Fatal("no inode in groups >= 16: the second descriptor block is untested")
				}
			}
			if tc.name == "inline" {
				in, err := f.lookupInode("mid.txt")
				if err != nil || in.flags&flagInline == 0 {
					t.Fatalf("mid.txt not inline (%v): the inline path is untested", err)
				}
				fl, _ := f.Open("mid.txt")
				rs := fl.(filesystem.File).Runs()
				if len(rs) != 2 || !rs[0].Resident || !rs[1].Resident {
					t.Errorf("inline runs %+v", rs)
				}
			}
			if ws := f.Warnings(); len(ws) != 0 {
				t.Errorf("warnings: %v", ws)
			}
		})
	}
}

func TestNotExt4(t *testing.T) {
	zero := make([]byte, 1<<20)
	_, err := Open(context.Background(), bytes.NewReader(zero), int64(len(zero)), 0, nil)
	if !errors.Is(err, filesystem.ErrWrongFormat) {
		t.Fatalf("Open(zeros) = %v, want ErrWrongFormat", err)
	}
	_, err = Open(context.Background(), bytes.NewReader(zero[:100]), 100, 0, nil)
	if !errors.Is(err, filesystem.ErrWrongFormat) {
		t.Fatalf("Open(100 bytes) = %v, want ErrWrongFormat", err)
	}
}

func TestWalkCancel(t *testing.T) {
	f, err := openBytes(t, tinyImage(t), 0)
	if err != nil {
		t.Fatal(err)
	}
	all, _ := walkRows(t, f)
	ctx, cancel := context.WithCancel(context.Background())
	n := 0
	err = f.Walk(ctx, func(e *filesystem.Entry) error {
		n++
		if n == 3 {
			cancel()
		}
		return nil
	})
	// The context is checked before every directory: the walk stops within
	// the directory it was in.
	if !errors.Is(err, context.Canceled) || n >= len(all) {
		t.Fatalf("Walk after cancel: %v after %d of %d entries", err, n, len(all))
	}
	stop := errors.New("stop")
	if err := f.Walk(context.Background(), func(*filesystem.Entry) error { return stop }); !errors.Is(err, stop) {
		t.Fatalf("Walk returned %v, want the callback's error", err)
	}
}

// dropHtreeGhosts removes the deleted names TSK reads out of htree index
// blocks: fls parses an indexed directory's root block linearly and takes
// the dx_root's hash/block pairs for a deleted entry (e.g. "* 14: wide/^").
// Only rows that are deleted, sit in an indexed directory, and name nothing
// that ever existed in the source tree or was deleted by the test qualify.
func dropHtreeGhosts(t *testing.T, f *FS, tr *tree, rows []row) []row {
	t.Helper()
	var out []row
	for _, r := range rows {
		if r.Deleted {
			if _, real := tr.files[r.Path]; !real {
				dir, err := f.lookupInode(filepath.Dir(r.Path))
				if err == nil && dir.flags&flagIndex != 0 {
					t.Logf("TSK ghost from an htree index block, not a name: %v", r)
					continue
				}
			}
		}
		out = append(out, r)
	}
	return out
}

// TestOrphansAndDeletedDirs makes, with debugfs, a deleted file whose name
// was overwritten (an orphan TSK lists under $OrphanFiles), an allocated
// inode without a name, and a deleted directory with files below it, and
// compares with fls and icat.
func TestOrphansAndDeletedDirs(t *testing.T) {
	need(t, "fls", "icat")
	tr := &tree{dir: filepath.Join(t.TempDir(), "tree"), files: map[string][]byte{}}
	tr.write(t, "a.txt", []byte("aaaa\n"))
	tr.write(t, "c.txt", []byte("unnamed but allocated\n"))
	tr.write(t, "z-keep.txt", []byte("keep\n"))
	tr.write(t, "dd/inner.txt", []byte("inner\n"))
	tr.write(t, "dd/sub/deep.txt", []byte("deep\n"))
	img := mkfs(t, tr.dir, 8, nil)
	f0 := openFile(t, img, 0, -1)
	ino := func(p string) string {
		in, err := f0.lookupInode(p)
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprint(in.ino)
	}
	a, c, dd := ino("a.txt"), ino("c.txt"), ino("dd")
	// Unlinking and then writing a file of the same name length puts the new
	// name over the old one: the old inode keeps no name at all.
	cmds := filepath.Join(t.TempDir(), "cmds")
	script := fmt.Sprintf("unlink /a.txt\nwrite %s /b.txt\nunlink /c.txt\nwrite %s /d.txt\nkill_file <%s>\nsif <%s> links_count 0\nunlink /dd\nkill_file <%s>\nsif <%s> links_count 0\n",
		filepath.Join(tr.dir, "z-keep.txt"), filepath.Join(tr.dir, "z-keep.txt"), a, a, dd, dd)
	if err := os.WriteFile(cmds, []byte(script), 0o600); err != nil {
		t.Fatal(err)
	}
	run(t, "debugfs", "-w", "-f", cmds, img)

	f := openFile(t, img, 0, -1)
	fls := string(run(t, "fls", "-r", "-p", img))
	got, byPath := walkRows(t, f)
	diffRows(t, "walk vs fls", got, parseFls(t, strings.NewReader(fls)))
	if e := byPath["/dd/inner.txt"]; e == nil || !e.Deleted {
		t.Errorf("/dd/inner.txt below the deleted directory: %+v", e)
	}

	// Orphans: the deleted, unnamed inode is what TSK lists under
	// $OrphanFiles; the allocated unnamed inode is an orphan we report
	// (not deleted) and TSK does not.
	var tskOrphans, ours []string
	for _, line := range strings.Split(fls, "\n") {
		if _, p, ok := strings.Cut(line, ":\t"); ok && strings.HasPrefix(p, "$OrphanFiles/") {
			tskOrphans = append(tskOrphans, "/"+p)
		}
	}
	orphans := map[string]*filesystem.Entry{}
	err := f.Walk(context.Background(), func(e *filesystem.Entry) error {
		if e.Orphan {
			orphans[string(e.ID)] = e
			if e.Deleted {
				ours = append(ours, e.Path)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(ours) != fmt.Sprint(tskOrphans) || len(ours) != 1 {
		t.Errorf("deleted orphans %v, TSK %v", ours, tskOrphans)
	}
	if e := orphans[a]; e == nil || !e.Deleted || e.Path != "/$OrphanFiles/OrphanFile-"+a {
		t.Errorf("orphan %s: %+v", a, e)
	}
	if e := orphans[c]; e == nil || e.Deleted || e.Links != 1 {
		t.Errorf("allocated orphan %s: %+v", c, e)
	}
	for id, want := range map[string]string{a: "aaaa\n", c: "unnamed but allocated\n"} {
		if sum := sha256.Sum256(run(t, "icat", img, id)); sumID(t, f, filesystem.EntryID(id)) != hex.EncodeToString(sum[:]) {
			t.Errorf("inode %s differs from icat", id)
		}
		fl, err := f.OpenID(context.Background(), filesystem.EntryID(id), "")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(fl)
		if string(b) != want {
			t.Errorf("inode %s: %q", id, b)
		}
	}
}

// TestOwnersAndEpochs sets 32-bit owners and out-of-range times with
// debugfs and checks them against debugfs's own decoding (the kernel's
// rule: signed 32-bit seconds plus epoch bits << 32; TSK reads the seconds
// unsigned and ignores the epoch bits, so it is no peer here).
func TestOwnersAndEpochs(t *testing.T) {
	tr := &tree{dir: filepath.Join(t.TempDir(), "tree"), files: map[string][]byte{}}
	tr.write(t, "f.txt", []byte("f\n"))
	img := mkfs(t, tr.dir, 8, nil,
		"sif /f.txt uid 100000", "sif /f.txt gid 0x30001",
		"sif /f.txt mtime 0x80000000", "sif /f.txt mtime_extra 1",
		"sif /f.txt atime 0x80000000", "sif /f.txt atime_extra 0x00000fa0",
		"sif /f.txt crtime 0x00000001", "sif /f.txt crtime_extra 0x16")
	f := openFile(t, img, 0, -1)
	info, err := f.Stat("f.txt")
	if err != nil {
		t.Fatal(err)
	}
	e := info.Sys().(*filesystem.Entry)
	if *e.UID != 100000 || *e.GID != 0x30001 {
		t.Errorf("uid/gid %d/%d", *e.UID, *e.GID)
	}
	stat := string(run(t, "debugfs", "-R", "stat /f.txt", img))
	for _, tc := range []struct {
		field string
		got   *time.Time
	}{{"mtime", e.Times.Modified}, {"atime", e.Times.Accessed}, {"crtime", e.Times.Born}} {
		// debugfs: " mtime: 0x80000000:00000001 -- Tue Jan 19 03:14:08 2038"
		var line string
		for _, l := range strings.Split(stat, "\n") {
			if strings.HasPrefix(strings.TrimSpace(l), tc.field+":") {
				line = l
			}
		}
		_, date, ok := strings.Cut(line, " -- ")
		if !ok {
			t.Fatalf("no %s in debugfs stat:\n%s", tc.field, stat)
		}
		want, err := time.Parse("Mon Jan _2 15:04:05 2006", strings.TrimSpace(date))
		if err != nil {
			t.Fatal(err)
		}
		if tc.got == nil || !tc.got.Truncate(time.Second).Equal(want) {
			t.Errorf("%s = %v, debugfs %v", tc.field, tc.got, want)
		}
	}
	// Nanoseconds: extra >> 2.
	if e.Times.Accessed.Nanosecond() != 0xfa0>>2 || e.Times.Born.Nanosecond() != 0x16>>2 {
		t.Errorf("nanoseconds %d, %d", e.Times.Accessed.Nanosecond(), e.Times.Born.Nanosecond())
	}
}

// TestDecodeTime is the kernel's encoding table (Documentation/filesystems/
// ext4/inodes.rst): epoch bits extend the signed 32-bit seconds.
func TestDecodeTime(t *testing.T) {
	for _, tc := range []struct {
		sec, extra uint32
		want       string
	}{
		{0x80000000, 0, "1901-12-13T20:45:52Z"},
		{0xFFFFFFFF, 0, "1969-12-31T23:59:59Z"},
		{0, 0, "1970-01-01T00:00:00Z"},
		{0x7FFFFFFF, 0, "2038-01-19T03:14:07Z"},
		{0x80000000, 1, "2038-01-19T03:14:08Z"},
		{0xFFFFFFFF, 1, "2106-02-07T06:28:15Z"},
		{0, 1, "2106-02-07T06:28:16Z"},
		{0x7FFFFFFF, 1, "2174-02-25T09:42:23Z"},
		{0x80000000, 2, "2174-02-25T09:42:24Z"},
		{0x7FFFFFFF, 3, "2446-05-10T22:38:55Z"},
		{1773482400, 999999999 << 2, "2026-03-14T10:00:00.999999999Z"},
	} {
		if got := decodeTime(tc.sec, tc.extra, true).Format(time.RFC3339Nano); got != tc.want {
			t.Errorf("decodeTime(%#x, %#x) = %s, want %s", tc.sec, tc.extra, got, tc.want)
		}
	}
	if got := decodeTime(0x80000000, 3, false); got.Year() != 1901 {
		t.Errorf("without an extra field the epoch bits must be ignored: %v", got)
	}
}

// TestDirectoryLoop: a directory hard-linked below itself (debugfs ln) is
// listed once under each name and not descended into twice, as fls does.
func TestDirectoryLoop(t *testing.T) {
	need(t, "fls")
	tr := &tree{dir: filepath.Join(t.TempDir(), "tree"), files: map[string][]byte{}}
	tr.write(t, "dd/sub/deep.txt", []byte("deep\n"))
	img := mkfs(t, tr.dir, 8, nil, "ln /dd /dd/sub/loop")
	f := openFile(t, img, 0, -1)
	got, byPath := walkRows(t, f)
	diffRows(t, "walk vs fls", got, parseFls(t, bytes.NewReader(run(t, "fls", "-r", "-p", img))))
	if e := byPath["/dd/sub/loop"]; e == nil || e.ID != byPath["/dd"].ID || e.Type != filesystem.TypeDir {
		t.Errorf("loop entry %+v", e)
	}
	if _, ok := byPath["/dd/sub/loop/sub"]; ok {
		t.Error("walked into the loop")
	}
}
