package notable

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"testing"

	"github.com/loupe-forensics/loupe/artefacts"
	"github.com/loupe-forensics/loupe/forensic/finding"
	"github.com/loupe-forensics/loupe/forensic/source"
)

const sysPython = "/usr/bin/python3"

type sample struct {
	name   string
	script string // bash in a temp dir, writes name
	tools  []string
	want   bool // flagged as an encrypted container
}

// samples are made by real tools: openssl writes headerless AES cipher text
// (what a VeraCrypt container is made of), /dev/urandom stands in for a
// container the way the fixture generator's does, and the negatives are
// real compressed and encrypted formats that carry headers, plus
// near-misses on each of the size rules.
func samples() []sample {
	const key = "-K 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f -iv 0f0e0d0c0b0a09080706050403020100"
	return []sample{
		{"aes-ctr.bin", "head -c 1048576 /dev/zero | openssl enc -aes-256-ctr -nosalt " + key + " > aes-ctr.bin", []string{"openssl"}, true},
		{"min.hc", "head -c " + strconv.Itoa(MinSize) + " /dev/zero | openssl enc -aes-256-ctr -nosalt " + key + " > min.hc", []string{"openssl"}, true},
		{"urandom.dat", "head -c 1572864 /dev/urandom > urandom.dat", nil, true},
		{"salted.enc", "head -c 1048576 /dev/zero | openssl enc -aes-256-ctr -pbkdf2 -pass pass:x > salted.enc", []string{"openssl"}, false}, // "Salted__" + salt + 1 MiB: not sector-aligned
		{"small.bin", "head -c " + strconv.Itoa(MinSize-512) + " /dev/urandom > small.bin", nil, false},
		{"odd.bin", "head -c 1048577 /dev/urandom > odd.bin", nil, false},
		{"random.gz", "head -c 2000000 /dev/urandom | gzip -n > r.gz && head -c 1048576 r.gz > random.gz", []string{"gzip"}, false},
		{"random.xz", "head -c 2000000 /dev/urandom | xz -0 > r.xz && head -c 1048576 r.xz > random.xz", []string{"xz"}, false},
		{"deflate.raw", sysPython + ` -c '
import zlib, glob
data = b"".join(open(f, "rb").read() for f in sorted(glob.glob("/usr/share/doc/*/copyright"))[:400])
c = zlib.compressobj(9, zlib.DEFLATED, -15)
d = (c.compress(data) + c.flush())
d = d[:len(d) // 512 * 512]
open("deflate.raw", "wb").write(d)'`, []string{sysPython}, false},
		{"zeros.img", "head -c 1048576 /dev/zero > zeros.img", nil, false},
	}
}

func build(t *testing.T, dir string, s sample) string {
	t.Helper()
	for _, tool := range s.tools {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed", tool)
		}
	}
	cmd := exec.Command("bash", "-c", "set -e; "+s.script)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", s.name, err, out)
	}
	return filepath.Join(dir, s.name)
}

func input(t *testing.T, p string) *artefacts.Input {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return &artefacts.Input{
		Ref:    source.Folder("t").Entry("/"+filepath.Base(p), ""),
		Path:   "/" + filepath.Base(p),
		Size:   int64(len(b)),
		Head:   b[:min(len(b), artefacts.HeadSize)],
		Reader: bytes.NewReader(b),
		SHA256: "00",
	}
}

func TestSamples(t *testing.T) {
	p := New()
	for _, s := range samples() {
		t.Run(s.name, func(t *testing.T) {
			in := input(t, build(t, t.TempDir(), s))
			var c finding.Collector
			if p.Match(in) {
				if err := artefacts.Run(context.Background(), p, in, &c); err != nil {
					t.Fatal(err)
				}
			}
			if len(c.Warnings) != 0 {
				t.Fatalf("warnings: %+v", c.Warnings)
			}
			got := len(c.Artefacts) == 1
			if got != s.want {
				t.Fatalf("flagged = %v, want %v (size %d)", got, s.want, in.Size)
			}
			if !got {
				return
			}
			a := c.Artefacts[0]
			if a.Kind != Kind || a.Category != finding.Analysis || a.Parser != Name || a.Source != in.Ref {
				t.Fatalf("artefact = %+v", a)
			}
			e, _ := a.Get("entropy")
			if f, err := strconv.ParseFloat(e.Str, 64); err != nil || f < minEntropy || f > 8 {
				t.Fatalf("entropy %q", e.Str)
			}
			if sz, _ := a.Get("size"); sz.Int != in.Size {
				t.Fatalf("size = %d, want %d", sz.Int, in.Size)
			}
			wantSampled := min(in.Size, sampleCount*sampleSize)
			if n, _ := a.Get("sampled_bytes"); n.Int != wantSampled {
				t.Fatalf("sampled_bytes = %d, want %d", n.Int, wantSampled)
			}
		})
	}
}

// TestDeterministic: the same input gives byte-identical attributes, as
// reproduce requires.
func TestDeterministic(t *testing.T) {
	in := input(t, build(t, t.TempDir(), samples()[2]))
	var a, b finding.Collector
	for _, c := range []*finding.Collector{&a, &b} {
		if err := New().Parse(context.Background(), in, c); err != nil {
			t.Fatal(err)
		}
	}
	if len(a.Artefacts) != 1 || len(b.Artefacts) != 1 {
		t.Fatalf("artefacts %d/%d", len(a.Artefacts), len(b.Artefacts))
	}
	for i := range a.Artefacts[0].Attrs {
		if !reflect.DeepEqual(a.Artefacts[0].Attrs[i], b.Artefacts[0].Attrs[i]) {
			t.Fatalf("attr %d differs: %+v vs %+v", i, a.Artefacts[0].Attrs[i], b.Artefacts[0].Attrs[i])
		}
	}
}

// TestShortRead: a reader that fails part-way yields an error naming the
// offset (recorded as a warning by artefacts.Run), not an artefact.
func TestShortRead(t *testing.T) {
	in := input(t, build(t, t.TempDir(), samples()[2]))
	full := in.Reader
	in.Reader = readerFunc(func(p []byte, off int64) (int, error) {
		if off > 1<<20 {
			return 0, os.ErrClosed
		}
		return full.ReadAt(p, off)
	})
	var c finding.Collector
	_ = artefacts.Run(context.Background(), New(), in, &c)
	if len(c.Artefacts) != 0 || len(c.Warnings) != 1 {
		t.Fatalf("artefacts %d warnings %d", len(c.Artefacts), len(c.Warnings))
	}
	if !bytes.Contains([]byte(c.Warnings[0].Message), []byte("at offset")) {
		t.Fatalf("warning lacks offset: %q", c.Warnings[0].Message)
	}
}

type readerFunc func(p []byte, off int64) (int, error)

func (f readerFunc) ReadAt(p []byte, off int64) (int, error) { return f(p, off) }

func TestSampleOffsets(t *testing.T) {
	for _, size := range []int64{MinSize, sampleCount * sampleSize, sampleCount*sampleSize + 512, 1 << 30} {
		offs := sampleOffsets(size)
		if len(offs) == 0 || offs[0] != 0 {
			t.Fatalf("size %d: offsets %v", size, offs)
		}
		last := offs[len(offs)-1]
		if last >= size || last%SectorSize != 0 {
			t.Fatalf("size %d: last offset %d", size, last)
		}
		if size > sampleCount*sampleSize && (len(offs) != sampleCount || last+sampleSize < size-SectorSize) {
			t.Fatalf("size %d: %d samples, last %d does not reach the end", size, len(offs), last)
		}
	}
}

func FuzzMatchParse(f *testing.F) {
	dir := f.TempDir()
	for _, s := range samples() {
		cmd := exec.Command("bash", "-c", "set -e; "+s.script)
		cmd.Dir = dir
		if cmd.Run() == nil {
			if b, err := os.ReadFile(filepath.Join(dir, s.name)); err == nil {
				f.Add(b[:min(len(b), 64*1024)], int64(len(b)))
			}
		}
	}
	f.Fuzz(func(t *testing.T, b []byte, size int64) {
		if size < 0 {
			size = -size
		}
		in := &artefacts.Input{Ref: source.Folder("f"), Size: size, Head: b[:min(len(b), artefacts.HeadSize)], Reader: bytes.NewReader(b)}
		var c finding.Collector
		if New().Match(in) {
			_ = artefacts.Run(context.Background(), New(), in, &c)
		}
		for _, w := range c.Warnings {
			if bytes.Contains([]byte(w.Message), []byte("panic")) {
				t.Fatal(w.Message)
			}
		}
	})
}
