package ext4

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"

	"github.com/loupe-forensics/loupe/forensic/filesystem"
	"github.com/loupe-forensics/loupe/forensic/source"
)

// fuzzPrefix is how much of the tiny volume a fuzz input carries: its
// superblock, group descriptors, inode table and directory blocks. The rest
// of the 512 KiB volume is zeros, so that inputs stay small enough for the
// fuzzer to mutate them quickly.
const fuzzPrefix = 96 << 10

// Run with -fuzzminimizetime=1x: minimising every new input of this size
// otherwise stalls the fuzzer for minutes.
// FuzzImage opens, walks and reads a mutated real ext4 volume (superblock,
// group descriptors, inodes, extent trees, htree and linear directories):
// nothing may panic, every walked entry must have an absolute path, and
// reads must stay within their file's size.
func FuzzImage(f *testing.F) {
	img := tinyImage(f)
	f.Add(img[:fuzzPrefix])
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > 1<<20 {
			return
		}
		vol := make([]byte, max(len(b), len(img)))
		copy(vol, b)
		fsys, err := open(context.Background(), bytes.NewReader(vol), int64(len(vol)), 0, source.Image("fuzz"))
		if err != nil {
			return
		}
		n := 0
		_ = fsys.Walk(context.Background(), func(e *filesystem.Entry) error {
			if !strings.HasPrefix(e.Path, "/") || e.Size < 0 {
				t.Fatalf("entry %+v", e)
			}
			if n++; n > 5000 {
				return io.EOF
			}
			if fl, err := fsys.OpenID(context.Background(), e.ID, ""); err == nil {
				m, _ := io.Copy(io.Discard, io.LimitReader(fl, 1<<20))
				if m > e.Size {
					t.Fatalf("read %d bytes of a %d-byte file", m, e.Size)
				}
			}
			return nil
		})
		_, _ = fsys.ReadDir(".")
		_, _ = fsys.Stat("wide/entry-with-a-longer-name-01.txt")
	})
}

// FuzzDirBlock parses mutated real directory blocks (linear and htree leaf
// blocks of the tiny volume): names must never contain "/" or NUL and
// entries must lie inside the block.
func FuzzDirBlock(f *testing.F) {
	fsys, err := openBytes(f, tinyImage(f), 0)
	if err != nil {
		f.Fatal(err)
	}
	for _, p := range []string{"dir", "dir/sub", "wide"} {
		in, err := fsys.lookupInode(p)
		if err != nil {
			f.Fatal(err)
		}
		rs, err := fsys.runs(in)
		if err != nil {
			f.Fatal(err)
		}
		for _, r := range rs {
			b := make([]byte, r.Length)
			if err := fsys.read(b, r.ImageOffset); err != nil {
				f.Fatal(err)
			}
			for o := int64(0); o+1024 <= r.Length; o += 1024 {
				f.Add(b[o : o+1024])
			}
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > 65536 {
			return
		}
		dir := &inode{ino: 12}
		err := fsys.parseEntries(b, 0, dir, fsys.ref, func(d dirent) error {
			if !validNameB(d.nameB) || d.off < 0 || d.off >= int64(len(b)) || d.ino > fsys.ninodes {
				t.Fatalf("dirent %+v from a %d-byte block", d, len(b))
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}
