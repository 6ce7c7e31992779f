package ntfs

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/loupe-forensics/loupe/forensic/evidencetest"
	"github.com/loupe-forensics/loupe/forensic/filesystem"
	"github.com/loupe-forensics/loupe/forensic/source"
)

// volumeBytes returns a private copy of the gpt fixture's NTFS volume and
// its offset on the image.
func volumeBytes(t testing.TB) ([]byte, int64) {
	t.Helper()
	img, _, off, size := volumeOf(t, "gpt")
	b := make([]byte, size)
	if _, err := img.ReadAt(b, off); err != nil {
		t.Fatal(err)
	}
	return b, off
}

func openBytes(t testing.TB, r io.ReaderAt, size, off int64) *FS {
	t.Helper()
	fsys, err := Open(context.Background(), r, size, off, source.Image("gpt.raw").Partition(1, off, size))
	if err != nil {
		t.Fatal(err)
	}
	return fsys.(*FS)
}

// recordOffset returns the volume offset of MFT record id.
func recordOffset(t testing.TB, f *FS, id int64) int64 {
	t.Helper()
	img := f.mftImageOffset(id * f.recSize)
	if img < 0 {
		t.Fatalf("record %d not mapped", id)
	}
	return img - f.volOff
}

func pathsOf(t testing.TB, f *FS) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, e := range walkAll(t, f) {
		out[e.Path] = string(e.ID)
	}
	return out
}

// TestCorruptRecords damages one MFT record of a copy of the fixture in
// different ways: each gives a warning that names the record (provenance
// and image offset) and the walk still lists every other entry.
func TestCorruptRecords(t *testing.T) {
	clean, off := volumeBytes(t)
	size := int64(len(clean))
	base := openBytes(t, bytes.NewReader(clean), size, off)
	victim := evidencetest.DiskInfo(t, "gpt").File(1, "/Users/alice/Documents/budget-2026.csv")
	if victim == nil || victim.MFTEntry == 0 {
		t.Fatal("manifest lacks budget-2026.csv")
	}
	id := int64(victim.MFTEntry)
	recOff := recordOffset(t, base, id)
	want := pathsOf(t, base)
	if want[victim.Path] != victim.Inode {
		t.Fatalf("clean walk: %s is %q, manifest %q", victim.Path, want[victim.Path], victim.Inode)
	}
	cases := []struct {
		name    string
		damage  func(b []byte)
		message string
	}{
		{"signature", func(b []byte) { copy(b[recOff:], "BAAD") }, "BAAD"},
		{"garbage signature", func(b []byte) { copy(b[recOff:], "XXXX") }, "signature"},
		{"torn sector (fixup mismatch)", func(b []byte) { b[recOff+510] ^= 0xFF }, "fixup"},
		{"used size beyond record", func(b []byte) { b[recOff+0x18], b[recOff+0x19] = 0xFF, 0xFF }, "used size"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := bytes.Clone(clean)
			c.damage(b)
			f := openBytes(t, bytes.NewReader(b), size, off)
			got := pathsOf(t, f)
			for p, id := range want {
				if p == victim.Path {
					continue
				}
				if got[p] != id {
					t.Errorf("%s: %q after damage, want %q", p, got[p], id)
				}
			}
			if _, ok := got[victim.Path]; ok {
				t.Errorf("damaged record still listed at %s", victim.Path)
			}
			var hit *filesystem.Warning
			for i, w := range f.Warnings() {
				if w.Ref != nil && w.Ref.ID == strconv.FormatInt(id, 10) {
					hit = &f.Warnings()[i]
				}
			}
			if hit == nil {
				t.Fatalf("no warning names record %d: %v", id, f.Warnings())
			}
			if hit.Offset != off+recOff {
				t.Errorf("warning offset %d, want record at image offset %d", hit.Offset, off+recOff)
			}
			if !strings.Contains(hit.Err.Error(), c.message) || !errors.Is(hit.Err, filesystem.ErrCorrupt) {
				t.Errorf("warning %v: want ErrCorrupt mentioning %q", hit.Err, c.message)
			}
			if hit.Ref.Find(source.TypeFS) == nil || hit.Ref.PartitionIndex() != 1 {
				t.Errorf("warning provenance %s lacks the partition and file system", hit.Ref)
			}
		})
	}
}

// failingReader fails reads that touch [from, to).
type failingReader struct {
	r        io.ReaderAt
	from, to int64
}

var errMedia = errors.New("simulated unreadable sector")

func (f failingReader) ReadAt(p []byte, off int64) (int, error) {
	if off < f.to && off+int64(len(p)) > f.from {
		n := 0
		if off < f.from {
			n, _ = f.r.ReadAt(p[:f.from-off], off)
		}
		return n, errMedia
	}
	return f.r.ReadAt(p, off)
}

// TestUnreadableData makes a file's clusters unreadable: reading it fails
// with the media error (never silent zeros) and a warning records the image
// offset; the listing is unaffected.
func TestUnreadableData(t *testing.T) {
	clean, off := volumeBytes(t)
	size := int64(len(clean))
	victim := evidencetest.DiskInfo(t, "gpt").File(1, "/Users/alice/Documents/backup.hc")
	base := openBytes(t, bytes.NewReader(clean), size, off)
	fl, err := base.OpenID(context.Background(), filesystem.EntryID(victim.Inode), "")
	if err != nil {
		t.Fatal(err)
	}
	runs := fl.Runs()
	if len(runs) == 0 || runs[0].Sparse || runs[0].Resident {
		t.Fatalf("backup.hc runs %+v", runs)
	}
	bad := runs[0].ImageOffset - off + 8192
	f := openBytes(t, failingReader{bytes.NewReader(clean), bad, bad + 512}, size, off)
	if got, want := len(pathsOf(t, f)), len(pathsOf(t, base)); got != want {
		t.Errorf("%d entries with an unreadable data sector, %d without", got, want)
	}
	fl, err = f.OpenID(context.Background(), filesystem.EntryID(victim.Inode), "")
	if err != nil {
		t.Fatal(err)
	}
	_, err = io.Copy(io.Discard, fl)
	if !errors.Is(err, errMedia) {
		t.Fatalf("reading over a bad sector: %v, want the media error", err)
	}
	found := false
	for _, w := range f.Warnings() {
		if w.Offset == off+bad && errors.Is(w.Err, errMedia) {
			found = true
		}
	}
	if !found {
		t.Errorf("no warning at image offset %d: %v", off+bad, f.Warnings())
	}
}

// TestTruncatedVolume cuts the volume short in the middle of the data: the
// file systems still opens, and files past the cut fail to read with a
// warning instead of reading zeros.
func TestTruncatedVolume(t *testing.T) {
	clean, off := volumeBytes(t)
	victim := evidencetest.DiskInfo(t, "gpt").File(1, "/Users/alice/Documents/backup.hc")
	base := openBytes(t, bytes.NewReader(clean), int64(len(clean)), off)
	fl, err := base.OpenID(context.Background(), filesystem.EntryID(victim.Inode), "")
	if err != nil {
		t.Fatal(err)
	}
	cut := fl.Runs()[0].ImageOffset - off + 4096
	// The reader ends at the cut but the volume claims its full size, as
	// a truncated image does.
	f := openBytes(t, bytes.NewReader(clean[:cut]), int64(len(clean)), off)
	fl, err = f.OpenID(context.Background(), filesystem.EntryID(victim.Inode), "")
	if err != nil {
		t.Fatal(err)
	}
	n, err := io.Copy(io.Discard, fl)
	if err == nil || !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("read %d bytes of a truncated file, err %v", n, err)
	}
	if n > 4096 {
		t.Errorf("read %d bytes, past the cut at 4096", n)
	}
	if len(f.Warnings()) == 0 {
		t.Error("no warning for the short read")
	}
}

// TestRunsMatchIstat compares the cluster list of $MFT's $DATA with the one
// istat printed (committed peer output).
func TestRunsMatchIstat(t *testing.T) {
	f, _ := openFixture(t, "gpt")
	want := istatClusters(t, filepath.Join(evidencetest.Dir(t), "peers", "gpt.p1.istat.0.txt"), "$DATA")
	fl, err := f.OpenID(context.Background(), "0", "")
	if err != nil {
		t.Fatal(err)
	}
	var got []int64
	for _, r := range fl.Runs() {
		if r.Sparse || r.Resident {
			t.Fatalf("unexpected $MFT run %+v", r)
		}
		// Runs stop at the stream size; istat lists whole clusters.
		for c := int64(0); c < (r.Length+f.clusterSize-1)/f.clusterSize; c++ {
			got = append(got, (r.ImageOffset-f.volOff)/f.clusterSize+c)
		}
	}
	// istat also prints the allocated clusters past the stream's size as 0;
	// runs stop at the size.
	for len(want) > 0 && want[len(want)-1] == 0 {
		want = want[:len(want)-1]
	}
	if len(got) != len(want) || len(got) == 0 {
		t.Fatalf("%d clusters, istat lists %d", len(got), len(want))
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("cluster %d: %d, istat %d", i, got[i], want[i])
		}
	}
}

// istatClusters reads the cluster numbers istat prints under the first
// non-resident attribute line of the given type.
func istatClusters(t *testing.T, path, typ string) []int64 {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []int64
	in := false
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "Type: ") {
			if in {
				break
			}
			in = strings.HasPrefix(line, "Type: "+typ+" ") && strings.Contains(line, "Non-Resident")
			continue
		}
		if !in {
			continue
		}
		for _, fld := range strings.Fields(line) {
			n, err := strconv.ParseInt(fld, 10, 64)
			if err != nil {
				t.Fatalf("istat cluster %q: %v", fld, err)
			}
			out = append(out, n)
		}
	}
	return out
}
