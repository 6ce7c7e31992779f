package scan

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/loupe-forensics/loupe/artefacts/filetype"
	"github.com/loupe-forensics/loupe/artefacts/notable"
	"github.com/loupe-forensics/loupe/forensic/evidencetest"
	"github.com/loupe-forensics/loupe/forensic/filesystem"
	"github.com/loupe-forensics/loupe/forensic/filesystem/ext4"
	"github.com/loupe-forensics/loupe/forensic/filesystem/ntfs"
	"github.com/loupe-forensics/loupe/forensic/finding"
	"github.com/loupe-forensics/loupe/forensic/source"
	"github.com/loupe-forensics/loupe/forensic/volume"
	"github.com/loupe-forensics/loupe/imaging"
)

// openRawFile stands in for imaging.Open on an uncompressed image, so the
// pipeline is tested on the real fixture with the real volume and ext4
// layers whatever the state of the container readers.
func openRawFile(_ context.Context, paths ...string) (imaging.Image, error) {
	f, err := os.Open(paths[0])
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	return fileImage{f, fi.Size()}, nil
}

// fsDisk finds the volume system and opens every NTFS or ext4 partition.
func fsDisk(ctx context.Context, img imaging.Image) (*Disk, error) {
	sys, err := volume.Detect(ctx, img, img.Size(), img.SectorSize(), img.Ref())
	if err != nil {
		return nil, err
	}
	d := &Disk{}
	for _, p := range sys.Allocated() {
		v := Volume{Ref: p.Ref, Index: p.Index, Scheme: sys.Kind, Start: p.Start, Length: p.Length, Type: p.Description, Label: p.Label}
		for _, open := range []filesystem.Opener{ntfs.Open, ext4.Open} {
			if fsys, err := open(ctx, p.Section(img), p.Length, p.Start, p.Ref); err == nil {
				v.FS = fsys
				break
			}
		}
		d.Volumes = append(d.Volumes, v)
	}
	return d, nil
}

// TestExamineImage runs the pipeline on the GPT fixture disk (NTFS and
// ext4) and compares with the manifest, whose digests come from TSK's icat
// and coreutils.
func TestExamineImage(t *testing.T) {
	disk := evidencetest.DiskInfo(t, "gpt")
	raw := evidencetest.Raw(t, "gpt")
	before := snapshot(t, filepath.Dir(raw))
	s := newScanner(t, Config{Open: Openers{Image: openRawFile, Disk: fsDisk}})
	st := &memStore{}
	sum, err := s.Examine(context.Background(), st, []SourceSpec{{Paths: []string{raw}}})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Status != "complete" || len(st.volumes) != 2 || sum.Sources[0].FileSystems != 2 {
		t.Fatalf("summary %+v volumes %+v", sum, st.volumes)
	}
	if v := st.verifs[0]; v.Computed.MD5 != disk.MD5 || v.Computed.SHA1 != disk.SHA1 || v.Computed.SHA256 != disk.SHA256 || v.Result != NoReference {
		t.Fatalf("verification %+v, manifest %s %s %s", v, disk.MD5, disk.SHA1, disk.SHA256)
	}
	run := st.runs[0]
	got := map[string]finding.Artefact{}
	for _, a := range run.Kind(filetype.Kind) {
		key := fmt.Sprintf("%d:%s", a.Source.PartitionIndex(), a.Source.Path())
		if s := a.Source.Find(source.TypeStream); s != nil {
			key += ":" + s.Locator
		}
		got[key] = a
	}
	checked, streams := 0, 0
	for _, f := range disk.Files {
		if f.Type != "file" || f.SHA256 == "" || f.System || strings.Contains(f.Path, ":") {
			continue
		}
		key := fmt.Sprintf("%d:%s", f.Partition, f.Path)
		a, ok := got[key]
		if !ok {
			if !f.Deleted {
				t.Errorf("%s: no file.type artefact", key)
			}
			continue
		}
		checked++
		if a.SourceSHA256 != f.SHA256 {
			t.Errorf("%s: sha256 %s, icat %s", key, a.SourceSHA256, f.SHA256)
		}
		if sz, _ := a.Get("size"); sz.Int != f.Size {
			t.Errorf("%s: size %d, fls %d", key, sz.Int, f.Size)
		}
		if del, _ := a.Get("deleted"); del.Bool != f.Deleted {
			t.Errorf("%s: deleted %v, fls %v", key, del.Bool, f.Deleted)
		}
		for _, sd := range f.StreamDetails {
			if sd.SHA256 == "" {
				continue
			}
			streams++
			if g := got[key+":"+sd.Name]; g.SourceSHA256 != sd.SHA256 {
				t.Errorf("%s:%s: sha256 %q, icat %s", key, sd.Name, g.SourceSHA256, sd.SHA256)
			}
		}
	}
	if checked < 18 || streams < 1 {
		t.Fatalf("only %d files and %d streams compared with the manifest", checked, streams)
	}
	var flagged []string
	for _, a := range run.Kind(notable.Kind) {
		flagged = append(flagged, fmt.Sprintf("%d:%s", a.Source.PartitionIndex(), a.Source.Path()))
	}
	if want := "1:/Users/alice/Documents/backup.hc 2:/home/bob/Documents/archive.tc"; strings.Join(flagged, " ") != want {
		t.Fatalf("notable: %v, want %s", flagged, want)
	}
	// Content, size and mtime (atime is not compared: the shared fixture
	// cache is read by other test processes at the same time).
	after := snapshot(t, filepath.Dir(raw))
	if b, a := before[raw], after[raw]; a.sha != b.sha || a.size != b.size || !a.mtime.Equal(b.mtime) {
		t.Fatalf("evidence changed: %+v -> %+v", b, a)
	}
}

// TestExamineImageCancelledHash: cancelling while the image is still being
// hashed records the run as incomplete and no verification.
func TestExamineImageCancelledHash(t *testing.T) {
	raw := evidencetest.Raw(t, "gpt")
	started := make(chan struct{})
	ctx, cancel := context.WithCancel(context.Background())
	slowHash := func(ctx context.Context, img imaging.Image) (imaging.Digests, string, error) {
		close(started)
		<-ctx.Done()
		return imaging.Digests{}, "", ctx.Err()
	}
	s := newScanner(t, Config{Open: Openers{Image: openRawFile, Disk: fsDisk, Hash: slowHash}})
	st := &memStore{}
	go func() { <-started; cancel() }()
	_, err := s.Examine(ctx, st, []SourceSpec{{Paths: []string{raw}}})
	if !errors.Is(err, ErrInterrupted) {
		t.Fatalf("err = %v", err)
	}
	if len(st.verifs) != 0 || st.runs[0].status != "incomplete" {
		t.Fatalf("verifications %+v, run %s", st.verifs, st.runs[0].status)
	}
}

// failingImage makes one region of an image unreadable, like a corrupt
// E01 chunk.
type failingImage struct {
	imaging.Image
	from, to int64
}

var errBadChunk = errors.New("bad chunk")

func (f failingImage) ReadAt(p []byte, off int64) (int, error) {
	if off < f.to && off+int64(len(p)) > f.from {
		n := 0
		if f.from > off {
			n, _ = f.Image.ReadAt(p[:f.from-off], off)
		}
		return n, errBadChunk
	}
	return f.Image.ReadAt(p, off)
}

// TestUnreadableImageRegion: a read error inside a file becomes a warning
// naming the file and offset; the other files are still examined.
func TestUnreadableImageRegion(t *testing.T) {
	raw := evidencetest.Raw(t, "gpt")
	const target = "/home/bob/Documents/archive.tc"
	// Locate the container's bytes with the ext4 reader itself.
	img, err := openRawFile(context.Background(), raw)
	if err != nil {
		t.Fatal(err)
	}
	d, err := fsDisk(context.Background(), img)
	if err != nil {
		t.Fatal(err)
	}
	var bad int64 = -1
	for _, v := range d.Volumes {
		if v.FS == nil || v.FS.Kind() != filesystem.KindExt4 {
			continue
		}
		fh, err := v.FS.Open(strings.TrimPrefix(target, "/"))
		if err != nil {
			t.Fatal(err)
		}
		runs := fh.(filesystem.File).Runs()
		bad = runs[len(runs)-1].ImageOffset // the last extent: hashing reaches it after the head
		fh.Close()
	}
	img.Close()
	if bad < 0 {
		t.Fatal("container not found")
	}
	open := func(ctx context.Context, paths ...string) (imaging.Image, error) {
		img, err := openRawFile(ctx, paths...)
		if err != nil {
			return nil, err
		}
		return failingImage{img, bad, bad + 4096}, nil
	}
	s := newScanner(t, Config{Open: Openers{Image: open, Disk: fsDisk}})
	st := &memStore{}
	if _, err := s.Examine(context.Background(), st, []SourceSpec{{Paths: []string{raw}}}); err != nil {
		t.Fatal(err)
	}
	run := st.runs[0]
	var ws []finding.Warning
	for _, w := range run.Warnings {
		if w.Source.Path() == target {
			ws = append(ws, w)
		}
	}
	if len(ws) != 1 || !strings.Contains(ws[0].Message, "bad chunk") || !strings.Contains(ws[0].Message, "at offset") {
		t.Fatalf("warnings for %s: %+v (all: %+v)", target, ws, run.Warnings)
	}
	for _, a := range run.Artefacts {
		if a.Source.Path() == target {
			t.Errorf("artefact from an unreadable file: %+v", a)
		}
	}
	// Everything else is exactly what a clean examination finds.
	clean := &memStore{}
	if _, err := newScanner(t, Config{Open: Openers{Image: openRawFile, Disk: fsDisk}}).Examine(context.Background(), clean, []SourceSpec{{Paths: []string{raw}}}); err != nil {
		t.Fatal(err)
	}
	var want []Keyed
	for _, a := range clean.runs[0].Artefacts {
		if a.Source.Path() != target {
			want = append(want, Keyed{A: a})
		}
	}
	if d := Diff(want, keyed(run.Artefacts)); len(d) != 0 || len(want) != len(run.Artefacts) {
		t.Fatalf("artefacts beyond the unreadable file differ: %+v", d)
	}
	// The hash pass hit the same region: recorded as a hash problem.
	if len(st.verifs) != 0 {
		t.Fatalf("a verification was recorded over an unreadable image: %+v", st.verifs)
	}
}
