package ntfs

import (
	"context"
	"crypto/sha256"
	"io"
	"os"
	"os/exec"
	"strconv"
	"testing"

	"github.com/loupe-forensics/loupe/forensic/evidencetest"
)

// TestNTFSUnallocatedVsBlkls compares the free blocks with TSK's blkls on the
// committed fixture disks: same byte count, same SHA-256 of the
// concatenation.
func TestNTFSUnallocatedVsBlkls(t *testing.T) {
	if _, err := exec.LookPath("blkls"); err != nil {
		t.Skip("blkls not installed")
	}
	m := evidencetest.Manifest(t)
	checked := 0
	for _, disk := range []string{"gpt", "mbr"} {
		d := m.Disks[disk]
		img := evidencetest.Raw(t, disk)
		ss := int64(d.SectorSize)
		for _, p := range d.Partitions {
			if p.FS != "ntfs" {
				continue
			}
			imgF, err := os.Open(img)
			if err != nil {
				t.Fatal(err)
			}
			defer imgF.Close()
			f := openBytes(t, io.NewSectionReader(imgF, p.StartSector*ss, p.Sectors*ss), p.Sectors*ss, p.StartSector*ss)
			runs, err := f.UnallocatedRuns(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			fh, err := os.Open(img)
			if err != nil {
				t.Fatal(err)
			}
			h := sha256.New()
			var n int64
			for i, r := range runs {
				if r.FileOffset != n {
					t.Fatalf("run %d FileOffset %d, want %d", i, r.FileOffset, n)
				}
				if _, err := io.Copy(h, io.NewSectionReader(fh, r.ImageOffset, r.Length)); err != nil {
					t.Fatal(err)
				}
				n += r.Length
			}
			fh.Close()
			cmd := exec.Command("blkls", "-o", strconv.FormatInt(p.StartSector, 10), img)
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("blkls: %v", err)
			}
			if n == 0 || int64(len(out)) != n || sha256.Sum256(out) != [32]byte(h.Sum(nil)) {
				t.Errorf("%s p%d: %d unallocated bytes, blkls %d (or digests differ)", disk, p.Index, n, len(out))
			}
			checked++
		}
	}
	if checked == 0 {
		t.Fatal("no ntfs partition checked")
	}
}
