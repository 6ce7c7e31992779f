package ext4

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/loupe-forensics/loupe/forensic/evidencetest"
	"github.com/loupe-forensics/loupe/forensic/filesystem"
)

// TestEvidenceDisks checks our reader against the committed fixture disks
// and the TSK listings made from them in the same generator run: the set of
// (path, inode, deleted) equals fls -r -p, and every ext4 file and
// directory in the manifest has the same inode, type, size, owner, times
// and (through OpenID, deleted files too) the SHA-256 icat gave.
func TestEvidenceDisks(t *testing.T) {
	m := evidencetest.Manifest(t)
	for _, disk := range []string{"gpt", "mbr"} {
		t.Run(disk, func(t *testing.T) {
			d, ok := m.Disks[disk]
			if !ok {
				t.Fatalf("manifest has no disk %q", disk)
			}
			img := evidencetest.Raw(t, disk)
			ss := int64(d.SectorSize)
			checked := 0
			for _, p := range d.Partitions {
				if p.FS != "ext4" {
					continue
				}
				f := openFile(t, img, p.StartSector*ss, p.Sectors*ss)
				if f.Label() != p.Label {
					t.Errorf("label %q, want %q", f.Label(), p.Label)
				}
				got, byPath := walkRows(t, f)
				fls, err := os.ReadFile(filepath.Join(evidencetest.Dir(t), "peers", disk+".p"+strconv.Itoa(p.Index)+".fls.txt"))
				if err != nil {
					t.Fatal(err)
				}
				diffRows(t, "walk vs fls -r -p", got, parseFls(t, bytes.NewReader(fls)))
				for _, mf := range d.Files {
					if mf.Partition != p.Index {
						continue
					}
					checked++
					e := byPath[mf.Path]
					if e == nil {
						t.Errorf("%s: not found by Walk", mf.Path)
						continue
					}
					if string(e.ID) != mf.Inode || e.Type != mf.Type || e.Size != mf.Size || e.Deleted != mf.Deleted {
						t.Errorf("%s: inode %s type %s size %d deleted %v; manifest %s %s %d %v",
							mf.Path, e.ID, e.Type, e.Size, e.Deleted, mf.Inode, mf.Type, mf.Size, mf.Deleted)
					}
					if mf.UID == nil || mf.GID == nil || int(*e.UID) != *mf.UID || int(*e.GID) != *mf.GID {
						t.Errorf("%s: uid/gid %d/%d, manifest %v/%v", mf.Path, *e.UID, *e.GID, mf.UID, mf.GID)
					}
					for _, tc := range []struct {
						name string
						got  *time.Time
						want time.Time
					}{{"mtime", e.Times.Modified, mf.Mtime}, {"atime", e.Times.Accessed, mf.Atime}, {"ctime", e.Times.Changed, mf.Ctime}, {"crtime", e.Times.Born, mf.Crtime}} {
						if tc.got == nil || !tc.got.Equal(tc.want) {
							t.Errorf("%s: %s %v, manifest %v", mf.Path, tc.name, tc.got, tc.want)
						}
					}
					if mf.SHA256 != "" {
						if got := sumID(t, f, e.ID); got != mf.SHA256 {
							t.Errorf("%s: sha256 %s, manifest (icat) %s", mf.Path, got, mf.SHA256)
						}
						// The runs are absolute on the disk image: the
						// partition offset is added.
						if got := sumRuns(t, f, img, e); got != mf.SHA256 {
							t.Errorf("%s: content read at the runs' image offsets hashes %s, manifest %s", mf.Path, got, mf.SHA256)
						}
					}
				}
				if ws := f.Warnings(); len(ws) != 0 {
					t.Errorf("warnings on a clean volume: %v", ws)
				}
			}
			if checked == 0 {
				t.Fatal("manifest lists no ext4 files")
			}
			t.Logf("%d manifest entries checked", checked)
		})
	}
}

// sumID hashes an entry's content read through OpenID.
func sumID(t testing.TB, f filesystem.FS, id filesystem.EntryID) string {
	t.Helper()
	fl, err := f.OpenID(context.Background(), id, "")
	if err != nil {
		t.Fatalf("OpenID %s: %v", id, err)
	}
	defer fl.Close()
	h := sha256.New()
	if _, err := io.Copy(h, fl); err != nil {
		t.Fatalf("reading %s: %v", id, err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// sumRuns hashes an entry's content assembled from the disk image at its
// runs' image offsets (zeros for sparse runs).
func sumRuns(t testing.TB, f filesystem.FS, img string, e *filesystem.Entry) string {
	t.Helper()
	fl, err := f.OpenID(context.Background(), e.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	defer fl.Close()
	disk, err := os.Open(img)
	if err != nil {
		t.Fatal(err)
	}
	defer disk.Close()
	h := sha256.New()
	var pos int64
	for _, r := range fl.Runs() {
		if r.FileOffset != pos {
			t.Fatalf("%s: run at %d, expected %d", e.Path, r.FileOffset, pos)
		}
		b := make([]byte, r.Length)
		if !r.Sparse {
			if _, err := disk.ReadAt(b, r.ImageOffset); err != nil {
				t.Fatal(err)
			}
		}
		h.Write(b)
		pos += r.Length
	}
	if pos != e.Size {
		t.Fatalf("%s: runs cover %d of %d bytes", e.Path, pos, e.Size)
	}
	return hex.EncodeToString(h.Sum(nil))
}
