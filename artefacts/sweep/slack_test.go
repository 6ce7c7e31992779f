package sweep

import (
	"bytes"
	"context"
	"io"
	"os/exec"
	"sort"
	"strconv"
	"testing"

	"github.com/loupe-forensics/loupe/forensic/disk"
	"github.com/loupe-forensics/loupe/forensic/filesystem"
	"github.com/loupe-forensics/loupe/imaging"
)

// TestExt4SlackVsBlkls compares the slack the sweep scans on the fixture's
// ext4 volume with TSK's blkls -s, which writes each allocated file's last
// block with the content part zeroed, in inode order.
func TestExt4SlackVsBlkls(t *testing.T) {
	if _, err := exec.LookPath("blkls"); err != nil {
		t.Skip("blkls not installed")
	}
	path, _ := fixture(t)
	ctx := context.Background()
	img, err := imaging.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	d, err := disk.Open(ctx, img)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var fsys filesystem.FS
	var start int64
	for _, m := range d.FileSystems {
		if m.FS != nil && m.FS.Kind() == filesystem.KindExt4 {
			fsys, start = m.FS, m.Partition.Start
		}
	}
	if fsys == nil {
		t.Fatal("no ext4 volume in the fixture")
	}
	bs := fsys.(filesystem.AllocationMapper).BlockSize()
	type tail struct {
		ino int
		rng [2]int64
	}
	var tails []tail
	err = fsys.Walk(ctx, func(e *filesystem.Entry) error {
		if e.Type != filesystem.TypeFile || e.Deleted || e.Orphan {
			return nil
		}
		f, err := fsys.OpenID(ctx, e.ID, "")
		if err != nil {
			return err
		}
		defer f.Close()
		if r := slackRange(f.Runs(), e.Size, bs, start); r[1] > r[0] {
			ino, _ := strconv.Atoi(string(e.ID))
			tails = append(tails, tail{ino, r})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Slice(tails, func(i, j int) bool { return tails[i].ino < tails[j].ino })
	var want bytes.Buffer
	for _, tl := range tails {
		n := tl.rng[1] - tl.rng[0]
		want.Write(make([]byte, bs-n))
		if _, err := io.Copy(&want, io.NewSectionReader(img, tl.rng[0], n)); err != nil {
			t.Fatal(err)
		}
	}
	out, err := exec.Command("blkls", "-s", "-o", strconv.FormatInt(start/512, 10), path).Output()
	if err != nil {
		t.Fatal(err)
	}
	if len(tails) < 4 || !bytes.Equal(out, want.Bytes()) {
		t.Errorf("%d files with slack, %d bytes as blkls writes them; blkls -s gave %d", len(tails), want.Len(), len(out))
	}
}

// TestNTFSSlackInBlkls checks every NTFS slack range the sweep takes (file
// streams) against blkls -s, which also writes the last clusters of
// directory indexes: each of ours must be one of TSK's clusters, byte for
// byte (content part zeroed as TSK writes it).
func TestNTFSSlackInBlkls(t *testing.T) {
	if _, err := exec.LookPath("blkls"); err != nil {
		t.Skip("blkls not installed")
	}
	path, _ := fixture(t)
	ctx := context.Background()
	img, err := imaging.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	d, err := disk.Open(ctx, img)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var fsys filesystem.FS
	var start int64
	for _, m := range d.FileSystems {
		if m.FS != nil && m.FS.Kind() == filesystem.KindNTFS {
			fsys, start = m.FS, m.Partition.Start
		}
	}
	if fsys == nil {
		t.Fatal("no NTFS volume in the fixture")
	}
	bs := fsys.(filesystem.AllocationMapper).BlockSize()
	out, err := exec.Command("blkls", "-s", "-o", strconv.FormatInt(start/512, 10), path).Output()
	if err != nil {
		t.Fatal(err)
	}
	tsk := map[string]int{}
	for i := 0; i+int(bs) <= len(out); i += int(bs) {
		tsk[string(out[i:i+int(bs)])]++
	}
	ours := 0
	err = fsys.Walk(ctx, func(e *filesystem.Entry) error {
		if e.Type != filesystem.TypeFile || e.Deleted || e.Orphan {
			return nil
		}
		for _, st := range append([]string{""}, e.Streams...) {
			f, err := fsys.OpenID(ctx, e.ID, st)
			if err != nil {
				return err
			}
			fi, _ := f.Stat()
			r := slackRange(f.Runs(), fi.Size(), bs, start)
			f.Close()
			if r[1] <= r[0] {
				continue
			}
			blk := make([]byte, bs)
			if _, err := img.ReadAt(blk[bs-(r[1]-r[0]):], r[0]); err != nil {
				return err
			}
			if tsk[string(blk)] == 0 {
				t.Errorf("%s:%s slack [%d, %d) is not a cluster blkls -s writes", e.Path, st, r[0], r[1])
			}
			tsk[string(blk)]--
			ours++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if ours < 5 {
		t.Errorf("only %d NTFS slack ranges", ours)
	}
	t.Logf("%d slack ranges, blkls -s wrote %d clusters", ours, len(out)/int(bs))
}
