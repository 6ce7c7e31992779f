package imaging

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/loupe-forensics/loupe/forensic/evidencetest"
)

// container is one fixture form of a disk.
type container struct {
	disk, format string
	paths        func(t *testing.T) []string
}

func containers() []container {
	return []container{
		{"gpt", FormatRaw, func(t *testing.T) []string { return []string{evidencetest.Raw(t, "gpt")} }},
		{"gpt", FormatSplit, func(t *testing.T) []string { return evidencetest.Split(t, "gpt") }},
		{"gpt", FormatSplit + "-first-only", func(t *testing.T) []string { return evidencetest.Split(t, "gpt")[:1] }},
		{"gpt", FormatE01, func(t *testing.T) []string { return evidencetest.E01(t, "gpt") }},
		{"gpt", FormatE01 + "-first-only", func(t *testing.T) []string { return evidencetest.E01(t, "gpt")[:1] }},
		{"mbr", FormatRaw, func(t *testing.T) []string { return []string{evidencetest.Raw(t, "mbr")} }},
		{"mbr", FormatE01, func(t *testing.T) []string { return evidencetest.E01(t, "mbr") }},
	}
}

func TestContainersAgreeWithPeers(t *testing.T) {
	for _, c := range containers() {
		t.Run(c.disk+"/"+c.format, func(t *testing.T) {
			want := evidencetest.DiskInfo(t, c.disk)
			paths := c.paths(t)
			img, err := Open(context.Background(), paths...)
			if err != nil {
				t.Fatal(err)
			}
			defer img.Close()
			if base := strings.TrimSuffix(strings.TrimSuffix(c.format, "-first-only"), ""); img.Format() != base {
				t.Errorf("Format = %q, want %q", img.Format(), base)
			}
			if img.Size() != want.Size || img.SectorSize() != want.SectorSize {
				t.Errorf("size %d sector %d, want %d %d", img.Size(), img.SectorSize(), want.Size, want.SectorSize)
			}
			res, err := Verify(context.Background(), img, nil)
			if err != nil {
				t.Fatal(err)
			}
			if res.Computed.MD5 != want.MD5 || res.Computed.SHA1 != want.SHA1 || res.Computed.SHA256 != want.SHA256 {
				t.Errorf("computed %+v, manifest md5 %s sha1 %s sha256 %s", res.Computed, want.MD5, want.SHA1, want.SHA256)
			}
			if len(res.Errors) != 0 {
				t.Errorf("errors on a good image: %v", res.Errors)
			}
			if img.Format() != FormatE01 {
				if res.StoredMatch != nil || img.Stored() != (Digests{}) {
					t.Errorf("raw image claims stored hashes: %+v", img.Stored())
				}
				return
			}
			if len(img.Segments()) != len(want.E01) {
				t.Errorf("segments %v, want %v", img.Segments(), want.E01)
			}
			if s := img.Stored(); s.MD5 != want.E01Stored.MD5 || s.SHA1 != want.E01Stored.SHA1 {
				t.Errorf("stored %+v, ewfinfo said %+v", s, want.E01Stored)
			}
			if res.StoredMatch == nil || !*res.StoredMatch {
				t.Errorf("StoredMatch = %v, want true", res.StoredMatch)
			}
			m, wm := img.Metadata(), want.E01Metadata
			if m.CaseNumber != wm.CaseNumber || m.EvidenceNumber != wm.EvidenceNumber || m.Examiner != wm.Examiner ||
				m.Description != wm.Description || m.Notes != wm.Notes {
				t.Errorf("metadata %+v, ewfinfo said %+v", m, wm)
			}
			if m.Acquired == nil || m.Acquired.Format(time.RFC3339) != wm.Acquired {
				t.Errorf("acquired %v, ewfinfo said %s", m.Acquired, wm.Acquired)
			}
			if !strings.Contains(m.AcquisitionSoftware, wm.AcquisitionSoftware) {
				t.Errorf("acquisition software %q lacks %q", m.AcquisitionSoftware, wm.AcquisitionSoftware)
			}
			if _, err := exec.LookPath("ewfinfo"); err == nil {
				live := ewfinfoHashes(t, paths[0])
				if live["MD5"] != img.Stored().MD5 || live["SHA1"] != img.Stored().SHA1 {
					t.Errorf("live ewfinfo %v, we read %+v", live, img.Stored())
				}
			}
		})
	}
}

// ewfinfoHashes runs the peer and returns its "Digest hash information".
func ewfinfoHashes(t *testing.T, first string) map[string]string {
	out, err := exec.Command("ewfinfo", first).Output()
	if err != nil {
		t.Fatalf("ewfinfo: %v", err)
	}
	m := map[string]string{}
	for _, mm := range regexp.MustCompile(`(?m)^\s*(MD5|SHA1):\s*([0-9a-f]+)`).FindAllStringSubmatch(string(out), -1) {
		m[mm[1]] = mm[2]
	}
	return m
}

func TestLivePeersOnRaw(t *testing.T) {
	for _, tool := range []string{"md5sum", "sha1sum", "sha256sum"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed", tool)
		}
	}
	raw := evidencetest.Raw(t, "mbr")
	img, err := Open(context.Background(), raw)
	if err != nil {
		t.Fatal(err)
	}
	defer img.Close()
	res, err := Verify(context.Background(), img, nil)
	if err != nil {
		t.Fatal(err)
	}
	for tool, got := range map[string]string{"md5sum": res.Computed.MD5, "sha1sum": res.Computed.SHA1, "sha256sum": res.Computed.SHA256} {
		out, err := exec.Command(tool, raw).Output()
		if err != nil {
			t.Fatal(err)
		}
		if peer := strings.Fields(string(out))[0]; peer != got {
			t.Errorf("%s = %s, we computed %s", tool, peer, got)
		}
	}
}

// TestByteIdentical reads every container at scattered offsets and lengths,
// crossing chunk and split-piece boundaries, and compares with the raw disk.
func TestByteIdentical(t *testing.T) {
	for _, c := range containers() {
		t.Run(c.disk+"/"+c.format, func(t *testing.T) {
			raw, err := os.ReadFile(evidencetest.Raw(t, c.disk))
			if err != nil {
				t.Fatal(err)
			}
			img, err := Open(context.Background(), c.paths(t)...)
			if err != nil {
				t.Fatal(err)
			}
			defer img.Close()
			rng := rand.New(rand.NewSource(1))
			buf := make([]byte, 300000)
			offsets := []int64{0, 32767, 16<<20 - 5, int64(len(raw)) - 100}
			for i := 0; i < 200; i++ {
				offsets = append(offsets, rng.Int63n(int64(len(raw))))
			}
			for _, off := range offsets {
				n := 1 + rng.Intn(len(buf))
				got, err := img.ReadAt(buf[:n], off)
				wantN := min(n, len(raw)-int(off))
				if got != wantN || (got < n && err != io.EOF) || (got == n && err != nil) {
					t.Fatalf("ReadAt(%d bytes at %d) = %d, %v; want %d", n, off, got, err, wantN)
				}
				if !bytes.Equal(buf[:got], raw[off:off+int64(got)]) {
					t.Fatalf("bytes differ at offset %d (len %d)", off, got)
				}
			}
			if n, err := img.ReadAt(buf[:1], int64(len(raw))); n != 0 || err != io.EOF {
				t.Errorf("read at end = %d, %v; want 0, EOF", n, err)
			}
		})
	}
}

// TestIOTestReader runs the io conformance suite on each reader of the GPT
// disk. The suite's small-read patterns take minutes over 51 MB, so it runs
// on 128 KiB windows placed across the boundaries that matter: a split-piece
// boundary, the E01 segment boundary, and the end of the media. Equality of
// the whole media is proved by the hash comparisons above.
func TestIOTestReader(t *testing.T) {
	raw, err := os.ReadFile(evidencetest.Raw(t, "gpt"))
	if err != nil {
		t.Fatal(err)
	}
	const window = 128 << 10
	e01, err := Open(context.Background(), evidencetest.E01(t, "gpt")...)
	if err != nil {
		t.Fatal(err)
	}
	e := e01.(*ewfImage)
	segStart := int64(0)
	for _, tb := range e.tables {
		if tb.seg == 1 {
			segStart = int64(tb.first) * int64(e.chunkSize)
			break
		}
	}
	e01.Close()
	if segStart == 0 {
		t.Fatal("the GPT E01 has no second segment")
	}
	starts := []int64{16<<20 - window/2, segStart - window/2, int64(len(raw)) - window}
	for _, c := range containers() {
		if c.disk != "gpt" || strings.HasSuffix(c.format, "-first-only") {
			continue
		}
		for _, start := range starts {
			t.Run(fmt.Sprintf("%s@%d", c.format, start), func(t *testing.T) {
				img, err := Open(context.Background(), c.paths(t)...)
				if err != nil {
					t.Fatal(err)
				}
				defer img.Close()
				if err := iotest.TestReader(io.NewSectionReader(img, start, window), raw[start:start+window]); err != nil {
					t.Fatal(err)
				}
			})
		}
	}
}

// copyE01 copies the fixture segments into a private folder for damage tests.
func copyE01(t *testing.T, disk string) []string {
	t.Helper()
	dir := t.TempDir()
	var out []string
	for _, p := range evidencetest.E01(t, disk) {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		dst := filepath.Join(dir, filepath.Base(p))
		if err := os.WriteFile(dst, b, 0o644); err != nil {
			t.Fatal(err)
		}
		out = append(out, dst)
	}
	return out
}

func TestFlippedByteInCompressedChunk(t *testing.T) {
	segs := copyE01(t, "gpt")
	img, err := Open(context.Background(), segs...)
	if err != nil {
		t.Fatal(err)
	}
	e := img.(*ewfImage)
	// Damage the largest compressed chunk of the second segment, so the
	// sector range and the file name in the report both have to be right.
	// (A chunk of zeros will not do: its deflate stream is back-references
	// into zeros, and a flipped bit there can still inflate to the same
	// bytes, which is no damage to the media at all.)
	target, biggest := -1, int64(0)
	for c := 0; c < e.nChunks; c++ {
		tb, i := e.locate(c)
		if tb.seg != 1 || tb.entries[i]&0x80000000 == 0 || i+1 >= len(tb.entries) {
			continue
		}
		if n := int64(tb.entries[i+1]&0x7fffffff) - int64(tb.entries[i]&0x7fffffff); n > biggest {
			target, biggest = c, n
		}
	}
	if target < 0 || biggest < 1024 {
		t.Fatalf("no compressed chunk with content in the second segment (largest %d bytes)", biggest)
	}
	tb, i := e.locate(target)
	start := tb.base + int64(tb.entries[i]&0x7fffffff)
	end := tb.base + int64(tb.entries[i+1]&0x7fffffff)
	img.Close()

	f, err := os.OpenFile(segs[1], os.O_RDWR, 0) // our private copy, never evidence
	if err != nil {
		t.Fatal(err)
	}
	mid := start + (end-start)/2
	b := make([]byte, 1)
	f.ReadAt(b, mid)
	b[0] ^= 0x40
	f.WriteAt(b, mid)
	f.Close()

	img, err = Open(context.Background(), segs...)
	if err != nil {
		t.Fatal(err)
	}
	defer img.Close()
	res, err := Verify(context.Background(), img, nil)
	if err != nil {
		t.Fatal(err)
	}
	first := int64(target) * 64
	if len(res.Errors) != 1 || res.Errors[0].FirstSector != first || res.Errors[0].LastSector != first+63 {
		t.Fatalf("errors = %v, want one for sectors %d-%d", res.Errors, first, first+63)
	}
	if res.Errors[0].File != segs[1] {
		t.Errorf("error names %s, want %s", res.Errors[0].File, segs[1])
	}
	if res.StoredMatch == nil || *res.StoredMatch {
		t.Errorf("StoredMatch = %v after damage, want false", res.StoredMatch)
	}
	// The pass went on: a read after the bad chunk still works.
	want, _ := os.ReadFile(evidencetest.Raw(t, "gpt"))
	after := (first + 64) * 512
	got := make([]byte, 4096)
	if _, err := img.ReadAt(got, after); err != nil || !bytes.Equal(got, want[after:after+4096]) {
		t.Errorf("read after the bad chunk: %v", err)
	}
}

func TestDamagedContainers(t *testing.T) {
	dir := t.TempDir()
	notImage := filepath.Join(dir, "notes.txt")
	os.WriteFile(notImage, []byte("Suspect's shopping list\n"), 0o644)

	tests := []struct {
		name     string
		paths    func() []string
		sentinel error
		mention  string
	}{
		{"truncated last segment", func() []string {
			segs := copyE01(t, "gpt")
			fi, _ := os.Stat(segs[1])
			os.Truncate(segs[1], fi.Size()/2)
			return segs
		}, ErrTruncated, "gpt.E02"},
		{"missing E02", func() []string {
			segs := copyE01(t, "gpt")
			os.Remove(segs[1])
			return segs[:1]
		}, ErrMissingSegment, "gpt.E02"},
		{"missing E02 named explicitly", func() []string {
			segs := copyE01(t, "gpt")
			os.Remove(segs[1])
			return segs
		}, ErrNotImage, "gpt.E02"},
		{"not an image", func() []string { return []string{notImage} }, ErrNotImage, "notes.txt"},
		{"folder", func() []string { return []string{dir} }, ErrNotImage, "folder"},
		{"absent", func() []string { return []string{filepath.Join(dir, "nope.E01")} }, ErrNotImage, "nope.E01"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			img, err := Open(context.Background(), tc.paths()...)
			if err == nil {
				img.Close()
				t.Fatal("Open succeeded")
			}
			if !errors.Is(err, tc.sentinel) || !strings.Contains(err.Error(), tc.mention) {
				t.Errorf("error %q, want %v naming %q", err, tc.sentinel, tc.mention)
			}
		})
	}
}

// TestVerifyLeavesEvidenceUnchanged proves the read-only guarantee: after a
// full verify every segment has the same bytes, size and mtime, and every
// descriptor Loupe held on it was opened O_RDONLY.
func TestVerifyLeavesEvidenceUnchanged(t *testing.T) {
	segs := copyE01(t, "gpt")
	old := time.Date(2026, 3, 14, 10, 0, 0, 0, time.UTC)
	type state struct {
		sum   string
		size  int64
		mtime time.Time
	}
	snap := func() []state {
		var out []state
		for _, p := range segs {
			b, _ := os.ReadFile(p)
			fi, _ := os.Stat(p)
			s := sha256.Sum256(b)
			out = append(out, state{hex.EncodeToString(s[:]), fi.Size(), fi.ModTime()})
		}
		return out
	}
	for _, p := range segs {
		os.Chtimes(p, old, old)
	}
	before := snap()
	img, err := Open(context.Background(), segs...)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range img.(*ewfImage).segs {
		if flags := fdFlags(t, f.f); flags&3 != os.O_RDONLY {
			t.Errorf("%s opened with flags %o, want O_RDONLY", f.path, flags)
		}
	}
	if _, err := Verify(context.Background(), img, nil); err != nil {
		t.Fatal(err)
	}
	img.Close()
	after := snap()
	for i := range before {
		if before[i] != after[i] {
			t.Errorf("%s changed: %+v -> %+v", segs[i], before[i], after[i])
		}
	}
}

// fdFlags reads the open flags of f from /proc/self/fdinfo (octal).
func fdFlags(t *testing.T, f *os.File) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/self/fdinfo/%d", f.Fd()))
	if err != nil {
		t.Skip("no /proc fdinfo")
	}
	m := regexp.MustCompile(`flags:\s*([0-7]+)`).FindSubmatch(b)
	if m == nil {
		t.Fatal("no flags in fdinfo")
	}
	v, _ := strconv.ParseInt(string(m[1]), 8, 64)
	return int(v)
}

func TestBlockDeviceMustBeReadOnly(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root for losetup")
	}
	if _, err := exec.LookPath("losetup"); err != nil {
		t.Skip("losetup not installed")
	}
	raw := evidencetest.Raw(t, "mbr")
	out, err := exec.Command("losetup", "-f", "--show", "-r", raw).Output()
	if err != nil {
		t.Skipf("no loop device here: %v", err)
	}
	dev := strings.TrimSpace(string(out))
	defer exec.Command("losetup", "-d", dev).Run()
	img, err := Open(context.Background(), dev)
	if err != nil {
		t.Fatalf("read-only loop device refused: %v", err)
	}
	if img.Size() != evidencetest.DiskInfo(t, "mbr").Size {
		t.Errorf("device size %d", img.Size())
	}
	img.Close()

	// A writable device is refused, and the message says how to fix it.
	out, err = exec.Command("losetup", "-f", "--show", raw).Output()
	if err != nil {
		t.Skipf("no second loop device: %v", err)
	}
	rw := strings.TrimSpace(string(out))
	defer exec.Command("losetup", "-d", rw).Run()
	if _, err := Open(context.Background(), rw); !errors.Is(err, ErrWritable) || !strings.Contains(err.Error(), "blockdev --setro "+rw) {
		t.Errorf("writable device: %v", err)
	}
}

func TestVerifyCancelsAndReportsProgress(t *testing.T) {
	img, err := Open(context.Background(), evidencetest.E01(t, "gpt")...)
	if err != nil {
		t.Fatal(err)
	}
	defer img.Close()
	var last Progress
	res, err := Verify(context.Background(), img, func(p Progress) { last = p })
	if err != nil || last.Done != img.Size() || last.Total != img.Size() || last.Rate <= 0 {
		t.Errorf("final progress %+v, err %v", last, err)
	}
	_ = res
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Verify(ctx, img, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled verify = %v", err)
	}
}

func TestSplitNaming(t *testing.T) {
	dir := t.TempDir()
	raw, _ := os.ReadFile(evidencetest.Raw(t, "mbr"))
	// .aa/.ab naming, as split(1) writes by default.
	pieces := []string{"disk.aa", "disk.ab", "disk.ac"}
	third := len(raw) / 3 / 512 * 512
	bounds := []int{0, third, 2 * third, len(raw)}
	for i, p := range pieces {
		os.WriteFile(filepath.Join(dir, p), raw[bounds[i]:bounds[i+1]], 0o644)
	}
	img, err := Open(context.Background(), filepath.Join(dir, "disk.aa"))
	if err != nil {
		t.Fatal(err)
	}
	defer img.Close()
	if img.Format() != FormatSplit || len(img.Segments()) != 3 || img.Size() != int64(len(raw)) {
		t.Fatalf("format %s segments %v size %d", img.Format(), img.Segments(), img.Size())
	}
	got := make([]byte, 2048)
	if _, err := img.ReadAt(got, int64(third)-1024); err != nil || !bytes.Equal(got, raw[third-1024:third+1024]) {
		t.Errorf("read across pieces: %v", err)
	}
}

func TestEWFSuffix(t *testing.T) {
	for n, want := range map[int]string{1: "E01", 9: "E09", 99: "E99", 100: "EAA", 101: "EAB", 126: "EBA", 775: "EZZ", 776: "FAA"} {
		if got := ewfSuffix(n); got != want {
			t.Errorf("ewfSuffix(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestHeaderText(t *testing.T) {
	m := parseHeaderText("\ufeff3\nmain\na\tc\tn\te\tt\nDesc\tCASE\tEV\tExaminer\t\n\nsrce\n")
	if m["a"] != "Desc" || m["c"] != "CASE" || m["n"] != "EV" || m["e"] != "Examiner" || m["t"] != "" {
		t.Errorf("parsed %v", m)
	}
	if tm, ok := ewfTime("", "2026 3 14 10 0 0"); !ok || !tm.Equal(time.Date(2026, 3, 14, 10, 0, 0, 0, time.UTC)) {
		t.Errorf("header time %v %v", tm, ok)
	}
	if tm, ok := ewfTime("1773482400", "garbage"); !ok || tm.Format(time.RFC3339) != "2026-03-14T10:00:00Z" {
		t.Errorf("header2 time %v %v", tm, ok)
	}
}
