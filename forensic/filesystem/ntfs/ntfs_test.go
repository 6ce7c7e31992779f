package ntfs

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sort"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/loupe-forensics/loupe/forensic/evidencetest"
	"github.com/loupe-forensics/loupe/forensic/filesystem"
	"github.com/loupe-forensics/loupe/forensic/source"
)

// volumeOf returns a read-only handle on a fixture disk and the byte range of
// its NTFS partition (from the manifest, which mmls wrote).
func volumeOf(t testing.TB, disk string) (*os.File, *evidencetest.Partition, int64, int64) {
	t.Helper()
	d := evidencetest.DiskInfo(t, disk)
	img, err := os.Open(evidencetest.Raw(t, disk))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { img.Close() })
	for i := range d.Partitions {
		p := &d.Partitions[i]
		if p.FS == filesystem.KindNTFS {
			off := p.StartSector * int64(d.SectorSize)
			return img, p, off, p.Sectors * int64(d.SectorSize)
		}
	}
	t.Fatalf("disk %s has no NTFS partition", disk)
	return nil, nil, 0, 0
}

func openFixture(t testing.TB, disk string) (*FS, *evidencetest.Partition) {
	t.Helper()
	img, p, off, size := volumeOf(t, disk)
	fsys, err := Open(context.Background(), io.NewSectionReader(img, off, size), size, off,
		source.Image(disk+".raw").Partition(p.Index, off, size))
	if err != nil {
		t.Fatal(err)
	}
	return fsys.(*FS), p
}

func walkAll(t testing.TB, fsys filesystem.FS) []*filesystem.Entry {
	t.Helper()
	var out []*filesystem.Entry
	if err := fsys.Walk(context.Background(), func(e *filesystem.Entry) error {
		out = append(out, e)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// key is what the TSK comparison is about.
type key struct {
	Path    string
	Inode   string
	Size    int64
	Deleted bool
	Type    string
}

// listingFromWalk turns walk entries into fls's shape: a file whose only
// data is in named attributes is listed by fls as "path:stream" lines
// (manifest keeps them so), named streams of files with an unnamed $DATA
// are folded into the file. The root is not listed by fls.
func listingFromWalk(t testing.TB, fsys filesystem.FS, entries []*filesystem.Entry, manifestStreams map[string][]evidencetest.Stream) map[key]bool {
	t.Helper()
	out := map[key]bool{}
	for _, e := range entries {
		if e.Path == "/" {
			continue
		}
		typ := e.Type
		if typ == filesystem.TypeSymlink {
			typ = filesystem.TypeFile // TSK has no NTFS symlink type; it shows r/r
		}
		if ms, ok := manifestStreams[e.Path]; ok {
			for _, s := range ms {
				out[key{e.Path + ":" + s.Name, string(e.ID), s.Size, e.Deleted, typ}] = true
			}
			continue
		}
		out[key{e.Path, string(e.ID), e.Size, e.Deleted, typ}] = true
	}
	return out
}

// streamOnly lists the manifest's "path:stream" rows by base path: the
// entries that fls only shows through named attributes.
func streamOnly(files []evidencetest.File) map[string][]evidencetest.Stream {
	out := map[string][]evidencetest.Stream{}
	for _, f := range files {
		if base, s, ok := strings.Cut(f.Path, ":"); ok {
			out[base] = append(out[base], evidencetest.Stream{Name: s, Size: f.Size})
		}
	}
	return out
}

func TestWalkMatchesManifest(t *testing.T) {
	for _, disk := range []string{"gpt", "mbr"} {
		t.Run(disk, func(t *testing.T) {
			fsys, p := openFixture(t, disk)
			files := evidencetest.DiskInfo(t, disk).FilesOn(p.Index)
			got := listingFromWalk(t, fsys, walkAll(t, fsys), streamOnly(files))
			want := map[key]bool{}
			for _, f := range files {
				want[key{f.Path, f.Inode, f.Size, f.Deleted, f.Type}] = true
			}
			diff(t, got, want)
			if len(want) < 50 {
				t.Fatalf("manifest lists only %d NTFS entries; fixture broken?", len(want))
			}
			for _, w := range fsys.Warnings() {
				t.Errorf("unexpected warning on a clean fixture: %v @%d: %v", w.Ref, w.Offset, w.Err)
			}
		})
	}
}

func diff(t *testing.T, got, want map[key]bool) {
	t.Helper()
	var missing, extra []string
	for k := range want {
		if !got[k] {
			missing = append(missing, fmt.Sprintf("%+v", k))
		}
	}
	for k := range got {
		if !want[k] {
			extra = append(extra, fmt.Sprintf("%+v", k))
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	for _, m := range missing {
		t.Errorf("missing: %s", m)
	}
	for _, x := range extra {
		t.Errorf("extra:   %s", x)
	}
}

func sha(t testing.TB, r io.Reader) string {
	t.Helper()
	h := sha256.New()
	if _, err := io.Copy(h, r); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// TestContentMatchesIcat reads every file (deleted recoverable ones too) and
// every named stream by id and compares the SHA-256 with icat's, recorded
// in the manifest.
func TestContentMatchesIcat(t *testing.T) {
	ctx := context.Background()
	for _, disk := range []string{"gpt", "mbr"} {
		t.Run(disk, func(t *testing.T) {
			fsys, p := openFixture(t, disk)
			n := 0
			for _, f := range evidencetest.DiskInfo(t, disk).FilesOn(p.Index) {
				if f.Type != "file" || f.SHA256 == "" {
					continue
				}
				stream := ""
				if _, s, ok := strings.Cut(f.Path, ":"); ok {
					stream = s
				}
				fl, err := fsys.OpenID(ctx, filesystem.EntryID(f.Inode), stream)
				if err != nil {
					t.Errorf("%s: %v", f.Path, err)
					continue
				}
				if got := sha(t, fl); got != f.SHA256 {
					t.Errorf("%s (%s): sha256 %s, icat %s", f.Path, f.Inode, got, f.SHA256)
				}
				fl.Close()
				n++
				for _, s := range f.StreamDetails {
					if s.SHA256 == "" {
						continue
					}
					fl, err := fsys.OpenID(ctx, filesystem.EntryID(f.Inode), s.Name)
					if err != nil {
						t.Errorf("%s:%s: %v", f.Path, s.Name, err)
						continue
					}
					if got := sha(t, fl); got != s.SHA256 {
						t.Errorf("%s:%s: sha256 %s, icat %s", f.Path, s.Name, got, s.SHA256)
					}
					fl.Close()
					n++
				}
			}
			if n < 20 {
				t.Fatalf("only %d streams compared", n)
			}
		})
	}
}

// TestTimesMatchIstat compares every $STANDARD_INFORMATION time and the
// first $FILE_NAME's times with istat's, via the manifest.
func TestTimesMatchIstat(t *testing.T) {
	fsys, p := openFixture(t, "gpt")
	byPath := map[string]*filesystem.Entry{}
	for _, e := range walkAll(t, fsys) {
		byPath[e.Path] = e
	}
	eq := func(what string, got *time.Time, want time.Time) {
		t.Helper()
		switch {
		case want.IsZero() && got == nil:
		case got == nil:
			t.Errorf("%s: unset, istat %s", what, want.Format(time.RFC3339Nano))
		case !got.Equal(want):
			t.Errorf("%s: %s, istat %s", what, got.Format(time.RFC3339Nano), want.Format(time.RFC3339Nano))
		}
	}
	n := 0
	for _, f := range evidencetest.DiskInfo(t, "gpt").FilesOn(p.Index) {
		e := byPath[f.Path]
		if e == nil || strings.Contains(f.Path, ":") || f.Mtime.IsZero() {
			continue
		}
		eq(f.Path+" mtime", e.Times.Modified, f.Mtime)
		eq(f.Path+" atime", e.Times.Accessed, f.Atime)
		eq(f.Path+" ctime", e.Times.Changed, f.Ctime)
		eq(f.Path+" crtime", e.Times.Born, f.Crtime)
		if f.FNTimes != nil {
			eq(f.Path+" fn_mtime", e.Times.FNModified, f.FNTimes.Mtime)
			eq(f.Path+" fn_atime", e.Times.FNAccessed, f.FNTimes.Atime)
			eq(f.Path+" fn_ctime", e.Times.FNChanged, f.FNTimes.Ctime)
			eq(f.Path+" fn_crtime", e.Times.FNBorn, f.FNTimes.Crtime)
		}
		n++
	}
	if n < 30 {
		t.Fatalf("compared times of only %d entries", n)
	}
}

func TestFSTest(t *testing.T) {
	fsys, _ := openFixture(t, "gpt")
	if err := fstest.TestFS(fsys, "Users/alice/Documents/budget-2026.csv", "Users/alice/Downloads/holiday-photos.zip", "$MFT"); err != nil {
		t.Fatal(err)
	}
}

func TestOpenErrors(t *testing.T) {
	fsys, _ := openFixture(t, "gpt")
	ctx := context.Background()
	for _, name := range []string{"/Users", "Users/", "../x", "Users//alice"} {
		if _, err := fsys.Open(name); !errors.Is(err, fs.ErrInvalid) {
			t.Errorf("Open(%q) = %v, want ErrInvalid", name, err)
		}
	}
	if _, err := fsys.Open("Users/alice/Documents/meeting-notes.txt"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("deleted file opened by path: %v", err)
	}
	if _, err := fsys.StatID(ctx, "64-7"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("stale sequence: %v", err)
	}
	if _, err := fsys.StatID(ctx, "x-1"); err == nil {
		t.Error("bad id accepted")
	}
	if _, err := fsys.OpenID(ctx, "64-1", "nosuchstream"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing stream: %v", err)
	}
	if _, err := fsys.StatID(ctx, "99999999"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("record past the MFT: %v", err)
	}
}

// TestConcurrentUse walks, stats and reads from several goroutines at once
// (run with -race): the FS promises to be safe for concurrent use.
func TestConcurrentUse(t *testing.T) {
	fsys, p := openFixture(t, "gpt")
	files := evidencetest.DiskInfo(t, "gpt").FilesOn(p.Index)
	ctx := context.Background()
	want := len(walkAll(t, fsys))
	errs := make(chan error, 8)
	for g := 0; g < 4; g++ {
		go func() {
			n := 0
			err := fsys.Walk(ctx, func(*filesystem.Entry) error { n++; return nil })
			if err == nil && n != want {
				err = fmt.Errorf("walk saw %d entries", n)
			}
			errs <- err
		}()
		go func() {
			for _, f := range files {
				if f.Type != "file" || f.SHA256 == "" || strings.Contains(f.Path, ":") {
					continue
				}
				fl, err := fsys.OpenID(ctx, filesystem.EntryID(f.Inode), "")
				if err != nil {
					errs <- err
					return
				}
				h := sha256.New()
				_, err = io.Copy(h, fl)
				if err == nil && hex.EncodeToString(h.Sum(nil)) != f.SHA256 {
					err = fmt.Errorf("%s: wrong content under concurrency", f.Path)
				}
				if err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for i := 0; i < 8; i++ {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

// TestWalkCancel stops a walk through its context.
func TestWalkCancel(t *testing.T) {
	fsys, _ := openFixture(t, "gpt")
	ctx, cancel := context.WithCancel(context.Background())
	n := 0
	err := fsys.Walk(ctx, func(*filesystem.Entry) error {
		n++
		if n == 10 {
			cancel()
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) || n != 10 {
		t.Fatalf("walk after cancel: %d entries, err %v", n, err)
	}
}
