package ext4

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/loupe-forensics/loupe/forensic/filesystem"
	"github.com/loupe-forensics/loupe/forensic/source"
)

// tinyImage returns the committed tiny volume (testdata/gen.sh) in memory.
func tinyImage(t testing.TB) []byte {
	t.Helper()
	b, err := os.ReadFile(gunzip(t, filepath.Join("testdata", "tiny.img.gz")))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// openBytes opens a volume held in memory as if it sat at volOff on an image.
func openBytes(t testing.TB, b []byte, volOff int64) (*FS, error) {
	t.Helper()
	return open(context.Background(), bytes.NewReader(b), int64(len(b)), volOff, source.Image("tiny.img"))
}

func tinyRows(t *testing.T) []row {
	fh, err := os.Open(filepath.Join("testdata", "tiny.fls.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	return parseFls(t, fh)
}

// TestTinyFixture checks the committed tiny volume against the fls and icat
// output recorded when it was made; it runs without any tool installed.
func TestTinyFixture(t *testing.T) {
	f, err := openBytes(t, tinyImage(t), 0)
	if err != nil {
		t.Fatal(err)
	}
	got, byPath := walkRows(t, f)
	diffRows(t, "walk vs tiny.fls.txt", got, tinyRows(t))

	fh, err := os.Open(filepath.Join("testdata", "tiny.icat.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	sc := bufio.NewScanner(fh)
	n := 0
	for sc.Scan() {
		ino, sum, _ := strings.Cut(sc.Text(), " ")
		if got := sumID(t, f, filesystem.EntryID(ino)); got != sum {
			t.Errorf("inode %s: sha256 %s, icat %s", ino, got, sum)
		}
		n++
	}
	if n < 60 {
		t.Fatalf("only %d icat sums", n)
	}
	wide, _ := f.lookupInode("wide")
	sparse, _ := f.lookupInode("sparse.bin")
	if wide.flags&flagIndex == 0 || binary.LittleEndian.Uint16(sparse.raw[0x28+6:]) == 0 {
		t.Fatal("fixture lost its htree directory or its indexed extent tree")
	}
	if e := byPath["/dir/sub/deleted.txt"]; e == nil || !e.Deleted || e.Times.Deleted == nil || e.Links != 0 {
		t.Errorf("deleted entry %+v", e)
	}
	if f.Label() != "tiny" || f.UUID() != "6c6f7570-6532-4000-8000-74696e790001" || f.BlockSize() != 1024 {
		t.Errorf("label %q uuid %q block size %d", f.Label(), f.UUID(), f.BlockSize())
	}
	if ws := f.Warnings(); len(ws) != 0 {
		t.Errorf("warnings: %v", ws)
	}
}

// inodeOff returns the volume offset of the inode a path names.
func inodeOff(t *testing.T, f *FS, path string) (int64, uint32) {
	t.Helper()
	in, err := f.lookupInode(path)
	if err != nil {
		t.Fatal(err)
	}
	return in.off, in.ino
}

// firstBlock returns the volume offset of the first data block of path.
func firstBlock(t *testing.T, f *FS, path string) int64 {
	t.Helper()
	in, err := f.lookupInode(path)
	if err != nil {
		t.Fatal(err)
	}
	rs, err := f.runs(in)
	if err != nil || len(rs) == 0 {
		t.Fatalf("runs of %s: %v %v", path, rs, err)
	}
	return rs[0].ImageOffset - f.volOff
}

// TestCorruptStructures damages one structure of the real tiny volume at a
// time and checks that the damage is reported as a warning with the
// structure's image offset, that the rest of the walk is unchanged, and
// that nothing panics.
func TestCorruptStructures(t *testing.T) {
	const volOff = 1 << 20 // as if the volume were a partition 1 MiB into a disk
	clean := tinyImage(t)
	ref, err := openBytes(t, clean, volOff)
	if err != nil {
		t.Fatal(err)
	}
	want := tinyRows(t)

	for _, tc := range []struct {
		name string
		// damage returns the image offset the warning must carry, and the
		// paths (as fls prints them) the damage may hide.
		damage func(b []byte) (warnAt int64, lost []string)
		msg    string
	}{
		{"extent header magic", func(b []byte) (int64, []string) {
			off, _ := inodeOff(t, ref, "sparse.bin")
			mustBe(t, b[off+0x28:off+0x2A], 0x0A, 0xF3)
			b[off+0x28] = 0
			return volOff + off + 0x28, nil
		}, "no extent header"},
		{"extent index block", func(b []byte) (int64, []string) {
			off, _ := inodeOff(t, ref, "sparse.bin")
			leaf := int64(binary.LittleEndian.Uint32(b[off+0x28+12+4:])) * 1024
			mustBe(t, b[leaf:leaf+2], 0x0A, 0xF3)
			binary.LittleEndian.PutUint16(b[leaf+2:], 200) // more entries than fit
			return volOff + leaf, nil
		}, "claims 200 entries"},
		{"extent past the volume", func(b []byte) (int64, []string) {
			off, _ := inodeOff(t, ref, "dir/hello.txt")
			binary.LittleEndian.PutUint32(b[off+0x28+12+8:], 1<<30)
			return volOff + off + 0x28 + 12, nil
		}, "past the 512-block volume"},
		{"directory rec_len", func(b []byte) (int64, []string) {
			blk := firstBlock(t, ref, "dir/sub")
			binary.LittleEndian.PutUint16(b[blk+4:], 3) // "." record length
			return volOff + blk, []string{"dir/sub/kept.txt", "dir/sub/deleted.txt"}
		}, "bad entry"},
		{"directory names a huge inode", func(b []byte) (int64, []string) {
			blk := firstBlock(t, ref, "dir")
			// Third record of /dir (after "." and ".."): hello.txt.
			p := blk + 12 + int64(binary.LittleEndian.Uint16(b[blk+12+4:]))
			mustBe(t, b[p+8:p+13], 'h', 'e', 'l', 'l', 'o')
			binary.LittleEndian.PutUint32(b[p:], 1<<31)
			return volOff + p, []string{"dir/hello.txt"}
		}, "names inode 2147483648 of 128"},
		{"directory name with a slash", func(b []byte) (int64, []string) {
			blk := firstBlock(t, ref, "dir")
			p := blk + 12 + int64(binary.LittleEndian.Uint16(b[blk+12+4:]))
			b[p+8] = '/'
			return volOff + p, []string{"dir/hello.txt"}
		}, "invalid name"},
		{"symlink target too long", func(b []byte) (int64, []string) {
			off, _ := inodeOff(t, ref, "links/slow")
			binary.LittleEndian.PutUint32(b[off+4:], 1<<20)
			return volOff + off, nil
		}, "-byte target"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := bytes.Clone(clean)
			at, lost := tc.damage(b)
			f, err := openBytes(t, b, volOff)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := walkRows(t, f)
			// Reading every file must not panic either; errors are fine.
			for _, r := range got {
				if fl, err := f.OpenID(context.Background(), filesystem.EntryID(r.Inode), ""); err == nil {
					_, _ = io.Copy(io.Discard, fl)
				}
			}
			var w []row
			for _, r := range want {
				if !contains(lost, r.Path) {
					w = append(w, r)
				}
			}
			var g []row
			for _, r := range got {
				if !contains(lost, r.Path) {
					g = append(g, r)
				}
			}
			diffRows(t, "walk after damage", g, w)
			found := false
			for _, wn := range f.Warnings() {
				if wn.Offset == at && strings.Contains(wn.Err.Error(), tc.msg) && errors.Is(wn.Err, filesystem.ErrCorrupt) && wn.Ref != nil {
					found = true
				}
			}
			if !found {
				t.Errorf("no warning %q at image byte %d; warnings: %v", tc.msg, at, f.Warnings())
			}
		})
	}

	t.Run("superblock", func(t *testing.T) {
		b := bytes.Clone(clean)
		binary.LittleEndian.PutUint32(b[1024+0x18:], 9) // log block size
		if _, err := openBytes(t, b, 0); !errors.Is(err, filesystem.ErrCorrupt) {
			t.Errorf("Open = %v, want ErrCorrupt", err)
		}
		b = bytes.Clone(clean)
		binary.LittleEndian.PutUint32(b[1024+0x00:], 1<<30) // inode count
		if _, err := openBytes(t, b, 0); !errors.Is(err, filesystem.ErrCorrupt) {
			t.Errorf("Open = %v, want ErrCorrupt", err)
		}
	})

	t.Run("truncated volume", func(t *testing.T) {
		f, err := openBytes(t, clean[:200<<10], 0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.StatID(context.Background(), "2"); err != nil {
			t.Fatal(err)
		}
		walkRows(t, f)
		if len(f.Warnings()) == 0 || !strings.Contains(f.Warnings()[0].Err.Error(), "truncated image") {
			t.Errorf("warnings: %v", f.Warnings())
		}
	})

	t.Run("short reads are errors", func(t *testing.T) {
		// Cut the image inside the data of the file stored last, so that
		// the metadata stays readable.
		var last filesystem.EntryID
		var lastOff int64
		for _, r := range tinyRows(t) {
			if in, err := ref.lookupInode(r.Path); err == nil && !r.Deleted && in.typ() == modeReg && in.size > 0 {
				if o := firstBlock(t, ref, r.Path); o > lastOff {
					last, lastOff = filesystem.EntryID(r.Inode), o
				}
			}
		}
		f, err := open(context.Background(), failAfter{bytes.NewReader(clean), lastOff + 1}, int64(len(clean)), 0, source.Image("x"))
		if err != nil {
			t.Fatal(err)
		}
		fl, err := f.OpenID(context.Background(), last, "")
		if err != nil {
			t.Fatal(err)
		}
		_, err = io.ReadAll(fl)
		if !errors.Is(err, errShort) {
			t.Errorf("reading past the cut: %v, want a short-read error", err)
		}
	})
}

// failAfter returns short reads with io.EOF past limit, as a truncated
// image file does.
type failAfter struct {
	r     io.ReaderAt
	limit int64
}

func (f failAfter) ReadAt(p []byte, off int64) (int, error) {
	if off+int64(len(p)) > f.limit {
		n := max(0, int(f.limit-off))
		m, _ := f.r.ReadAt(p[:n], off)
		return m, io.EOF
	}
	return f.r.ReadAt(p, off)
}

func mustBe(t *testing.T, b []byte, want ...byte) {
	t.Helper()
	if !bytes.Equal(b, want) {
		t.Fatalf("fixture changed: % x, want % x", b, want)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestConcurrentUse walks and reads the same FS from several goroutines
// (run with -race): the shared inode-table cache and warning list must hold.
func TestConcurrentUse(t *testing.T) {
	f, err := openBytes(t, tinyImage(t), 0)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := walkRows(t, f)
	sums := make([]map[string]string, 4)
	errs := make(chan error, len(sums))
	for g := range sums {
		sums[g] = map[string]string{}
		go func() {
			errs <- f.Walk(context.Background(), func(e *filesystem.Entry) error {
				if e.Type != filesystem.TypeFile {
					return nil
				}
				fl, err := f.OpenID(context.Background(), e.ID, "")
				if err != nil {
					return err
				}
				b, err := io.ReadAll(fl)
				if err != nil {
					return err
				}
				sums[g][e.Path] = string(b)
				return nil
			})
		}()
	}
	for range sums {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	for g := 1; g < len(sums); g++ {
		if len(sums[g]) != len(sums[0]) || len(sums[0]) < len(want)/2 {
			t.Fatalf("goroutine %d read %d files, goroutine 0 %d (of %d names)", g, len(sums[g]), len(sums[0]), len(want))
		}
		for p, b := range sums[0] {
			if sums[g][p] != b {
				t.Errorf("%s differs between goroutines", p)
			}
		}
	}
}
