package volume

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/loupe-forensics/loupe/forensic/evidencetest"
	"github.com/loupe-forensics/loupe/forensic/source"
)

// mmlsRow is one non-Meta row of mmls output.
type mmlsRow struct {
	Slot          string // "" for Unallocated rows
	Start, Length int64  // sectors
	Desc          string
}

func parseMmls(t testing.TB, text string) []mmlsRow {
	t.Helper()
	var out []mmlsRow
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 6 || !strings.HasSuffix(f[0], ":") || f[1] == "Meta" {
			continue
		}
		if _, err := strconv.Atoi(strings.TrimSuffix(f[0], ":")); err != nil {
			continue
		}
		start, err1 := strconv.ParseInt(f[2], 10, 64)
		length, err2 := strconv.ParseInt(f[4], 10, 64)
		if err1 != nil || err2 != nil {
			t.Fatalf("mmls row %q", sc.Text())
		}
		r := mmlsRow{Slot: f[1], Start: start, Length: length, Desc: strings.Join(f[5:], " ")}
		if r.Slot == "-------" {
			r.Slot = ""
		}
		out = append(out, r)
	}
	return out
}

// rows turns a System into mmls rows (gaps as "Unallocated").
func rows(s *System) []mmlsRow {
	var out []mmlsRow
	ss := int64(s.SectorSize)
	for _, p := range s.Partitions {
		out = append(out, mmlsRow{Slot: p.Slot, Start: p.Start / ss, Length: p.Length / ss, Desc: p.Description})
	}
	return out
}

func gunzip(t testing.TB, gz string) []byte {
	t.Helper()
	fh, err := os.Open(gz)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	zr, err := gzip.NewReader(fh)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func detect(t testing.TB, img []byte) *System {
	t.Helper()
	s, err := Detect(context.Background(), bytes.NewReader(img), int64(len(img)), 512, source.Image("t.raw"))
	if err != nil {
		t.Fatalf("Detect: %v", err)
	}
	return s
}

func checkAgainstMmls(t *testing.T, s *System, mmls string) {
	t.Helper()
	got, want := rows(s), parseMmls(t, mmls)
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Detect rows:\n%v\nmmls rows:\n%v", got, want)
	}
	// Allocated partitions are numbered from 1 in mmls order; gaps from 1 too.
	idx, gap := 0, 0
	for _, p := range s.Partitions {
		if p.Allocated {
			idx++
			if p.Index != idx || p.Ref.String() != fmt.Sprintf("image:t.raw > partition:p%d@%d+%d", idx, p.Start, p.Length) {
				t.Errorf("partition %d: index %d ref %s", idx, p.Index, p.Ref)
			}
		} else {
			gap++
			if p.Index != 0 || p.Ref.String() != fmt.Sprintf("image:t.raw > partition:gap%d@%d+%d", gap, p.Start, p.Length) {
				t.Errorf("gap %d: index %d ref %s", gap, p.Index, p.Ref)
			}
		}
		if err := p.Ref.Validate(); err != nil {
			t.Error(err)
		}
	}
}

// TestCommittedDisks compares Detect with the mmls listings recorded when
// the small disks were made (testdata/gen.sh), and with live mmls when
// installed.
func TestCommittedDisks(t *testing.T) {
	for _, tc := range []struct {
		name, kind string
		labels     []string
	}{
		{"gpt-small", KindGPT, []string{"one", "three", "five"}},
		{"gpt-tiny", KindGPT, []string{"a", "b"}},
		{"mbr-small", KindMBR, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			img := gunzip(t, filepath.Join("testdata", tc.name+".raw.gz"))
			s := detect(t, img)
			if s.Kind != tc.kind || len(s.Warnings) != 0 {
				t.Fatalf("kind %s, warnings %v", s.Kind, s.Warnings)
			}
			mm, err := os.ReadFile(filepath.Join("testdata", tc.name+".mmls.txt"))
			if err != nil {
				t.Fatal(err)
			}
			checkAgainstMmls(t, s, string(mm))
			if tc.labels != nil {
				var got []string
				for _, p := range s.Allocated() {
					got = append(got, p.Label)
				}
				if fmt.Sprint(got) != fmt.Sprint(tc.labels) {
					t.Errorf("labels %v, want %v", got, tc.labels)
				}
				if g := s.Allocated()[1].GUID; tc.name == "gpt-small" && g != "6C6F7570-6532-4000-8000-0000000000A3" {
					t.Errorf("GUID of partition 2: %s", g)
				}
			}
			if _, err := exec.LookPath("mmls"); err == nil {
				p := filepath.Join(t.TempDir(), "d.raw")
				if err := os.WriteFile(p, img, 0o600); err != nil {
					t.Fatal(err)
				}
				out, err := exec.Command("mmls", p).Output()
				if err != nil {
					t.Fatal(err)
				}
				checkAgainstMmls(t, s, string(out))
			}
		})
	}
}

// TestEvidenceDisks checks Detect on the committed evidence disks against
// the manifest and the mmls listing written in the same generator run.
func TestEvidenceDisks(t *testing.T) {
	m := evidencetest.Manifest(t)
	for _, disk := range []string{"gpt", "mbr"} {
		t.Run(disk, func(t *testing.T) {
			d := m.Disks[disk]
			if d == nil {
				t.Fatalf("manifest has no disk %q", disk)
			}
			img, err := os.ReadFile(evidencetest.Raw(t, disk))
			if err != nil {
				t.Fatal(err)
			}
			s := detect(t, img)
			wantKind := map[string]string{"gpt": KindGPT, "dos": KindMBR}[d.PartitionTable]
			if s.Kind != wantKind || s.SectorSize != d.SectorSize || len(s.Warnings) != 0 {
				t.Fatalf("kind %s (want %s), sector size %d, warnings %v", s.Kind, wantKind, s.SectorSize, s.Warnings)
			}
			alloc := s.Allocated()
			if len(alloc) != len(d.Partitions) {
				t.Fatalf("%d partitions, manifest %d", len(alloc), len(d.Partitions))
			}
			for i, mp := range d.Partitions {
				p := alloc[i]
				if p.Index != mp.Index || p.Slot != mp.TableSlot || p.Start != mp.StartSector*512 ||
					p.Length != mp.Sectors*512 || p.Description != mp.Type {
					t.Errorf("partition %d: %+v; manifest %+v", i+1, p, mp)
				}
			}
			gaps := s.Gaps()
			if len(gaps) != len(d.Gaps) {
				t.Fatalf("%d gaps, manifest %d", len(gaps), len(d.Gaps))
			}
			for i, g := range d.Gaps {
				if gaps[i].Start != g.StartSector*512 || gaps[i].Length != g.Sectors*512 {
					t.Errorf("gap %d: %d+%d, manifest sectors %d+%d", i+1, gaps[i].Start, gaps[i].Length, g.StartSector, g.Sectors)
				}
			}
			mm, err := os.ReadFile(filepath.Join(evidencetest.Dir(t), "peers", disk+".mmls.txt"))
			if err != nil {
				t.Fatal(err)
			}
			checkAgainstMmls(t, s, string(mm))
		})
	}
}

// TestLiveSfdisk builds disks with sfdisk (a long logical chain among them)
// and compares with live mmls. (sfdisk cannot write 4096-byte-sector
// tables into a plain file, so 4Kn GPT is not covered by a real-tool test.)
func TestLiveSfdisk(t *testing.T) {
	for _, tool := range []string{"sfdisk", "mmls"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed", tool)
		}
	}
	var logical strings.Builder
	logical.WriteString("label: dos\nstart=2048, size=100000, type=5\n")
	for i := 0; i < 20; i++ {
		fmt.Fprintf(&logical, "start=%d, size=2000, type=83\n", 4096+i*4096)
	}
	for _, tc := range []struct {
		name, script string
		sector       int
		size         int64
	}{
		{"gpt-512", "label: gpt\nstart=2048, size=4096, name=a\nstart=10240, size=2048, name=b\n", 512, 8 << 20},
		{"mbr-20-logical", logical.String(), 512, 64 << 20},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "d.raw")
			if err := os.Truncate(p, 0); err != nil && !os.IsNotExist(err) {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, nil, 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Truncate(p, tc.size); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command("sfdisk", "-q", "--no-reread", "--no-tell-kernel", p)
			cmd.Stdin = strings.NewReader(tc.script)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("sfdisk: %v\n%s", err, out)
			}
			out, err := exec.Command("mmls", "-b", strconv.Itoa(tc.sector), p).Output()
			if err != nil {
				t.Fatal(err)
			}
			img, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			s := detect(t, img)
			if s.SectorSize != tc.sector || len(s.Warnings) != 0 {
				t.Fatalf("sector size %d, warnings %v", s.SectorSize, s.Warnings)
			}
			checkAgainstMmls(t, s, string(out))
		})
	}
}

// gptFixture returns a copy of the small GPT disk.
func gptFixture(t *testing.T) []byte {
	return gunzip(t, filepath.Join("testdata", "gpt-small.raw.gz"))
}

func hasWarning(s *System, substr string, off int64) bool {
	for _, w := range s.Warnings {
		if strings.Contains(w.Err.Error(), substr) && w.Offset == off && errors.Is(w.Err, ErrCorrupt) {
			return true
		}
	}
	return false
}

// TestCorruptTables damages real tables and checks the fallback and the
// warnings (with their offsets).
func TestCorruptTables(t *testing.T) {
	good := detect(t, gptFixture(t))
	last := int64(len(gptFixture(t))/512 - 1)
	for _, tc := range []struct {
		name    string
		damage  func(b []byte)
		kind    string
		same    bool // partitions as in the undamaged disk
		warn    string
		warnOff int64
	}{
		{"primary header CRC", func(b []byte) { b[512+24] ^= 0xFF }, KindGPT, true, "primary GPT unusable", 512},
		{"primary entries", func(b []byte) { b[1024+56] ^= 0xFF }, KindGPT, true, "primary GPT unusable", 512},
		{"backup header", func(b []byte) { b[last*512+8] ^= 0xFF }, KindGPT, true, "backup GPT at LBA", last * 512},
		{"backup disagrees", func(b []byte) {
			// A valid backup header naming another disk GUID.
			h := b[last*512 : last*512+92]
			h[56] ^= 0xFF
			binary.LittleEndian.PutUint32(h[16:], 0)
			binary.LittleEndian.PutUint32(h[16:], crc32.ChecksumIEEE(h))
		}, KindGPT, true, "disagrees with the primary", last * 512},
		{"both headers", func(b []byte) { b[512] = 'X'; b[last*512] = 'X' }, KindMBR, false, "protective MBR but no usable GPT", 512},
	} {
		t.Run(tc.name, func(t *testing.T) {
			img := gptFixture(t)
			tc.damage(img)
			s := detect(t, img)
			if s.Kind != tc.kind {
				t.Fatalf("kind %s, want %s", s.Kind, tc.kind)
			}
			if tc.same && fmt.Sprint(rows(s)) != fmt.Sprint(rows(good)) {
				t.Errorf("partitions %v, want %v", rows(s), rows(good))
			}
			if !hasWarning(s, tc.warn, tc.warnOff) {
				t.Errorf("no warning %q at %d in %v", tc.warn, tc.warnOff, s.Warnings)
			}
		})
	}

	t.Run("EBR loop", func(t *testing.T) {
		img := gunzip(t, filepath.Join("testdata", "mbr-small.raw.gz"))
		// The second EBR (sector 99) links to the third at 169-48=121
		// sectors into the extended partition; point it back to the first.
		e := img[99*512+446+16:]
		if e[4] != 0x05 {
			t.Fatalf("fixture changed: EBR link type %#x", e[4])
		}
		binary.LittleEndian.PutUint32(e[8:], 0)
		s := detect(t, img)
		if len(s.Allocated()) != 4 { // 000:000, 001:000, 002:000, 000:002
			t.Errorf("%d partitions: %v", len(s.Allocated()), rows(s))
		}
		if !hasWarning(s, "loops back to sector 48", 48*512) {
			t.Errorf("no loop warning: %v", s.Warnings)
		}
	})

	t.Run("partition past the end", func(t *testing.T) {
		img := gunzip(t, filepath.Join("testdata", "mbr-small.raw.gz"))
		binary.LittleEndian.PutUint32(img[446+12:], 1<<20) // primary 1 length
		s := detect(t, img)
		if !hasWarning(s, "extends past the image end", 4*512) {
			t.Errorf("no bounds warning: %v", s.Warnings)
		}
		if len(s.Gaps()) != 1 { // only the space before it
			t.Errorf("gaps %v", rows(s))
		}
	})

	t.Run("truncated image", func(t *testing.T) {
		img := gptFixture(t)[:100*512] // backup GPT and partition 5 gone
		s := detect(t, img)
		if s.Kind != KindGPT || !hasWarning(s, "backup GPT at LBA", 99*512) {
			t.Errorf("kind %s warnings %v", s.Kind, s.Warnings)
		}
	})
}

// TestNoTable: a file system at offset 0 is one pseudo-partition whose Ref
// is the image itself; zeros get a warning.
func TestNoTable(t *testing.T) {
	if _, err := exec.LookPath("mke2fs"); err != nil {
		t.Skip("mke2fs not installed")
	}
	p := filepath.Join(t.TempDir(), "fs.img")
	if out, err := exec.Command("mke2fs", "-q", "-F", "-t", "ext4", p, "4M").CombinedOutput(); err != nil {
		t.Fatalf("mke2fs: %v\n%s", err, out)
	}
	img, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		img   []byte
		warns int
	}{{"ext4", img, 0}, {"zeros", make([]byte, 1<<20), 1}} {
		s := detect(t, tc.img)
		if s.Kind != KindNone || len(s.Partitions) != 1 || len(s.Warnings) != tc.warns {
			t.Fatalf("%s: %+v", tc.name, s)
		}
		p := s.Partitions[0]
		if p.Index != 1 || p.Start != 0 || p.Length != int64(len(tc.img)) || !p.Allocated || p.Ref.String() != "image:t.raw" {
			t.Errorf("%s: pseudo-partition %+v ref %s", tc.name, p, p.Ref)
		}
	}
}

// shortReader returns fewer bytes than asked when a read overlaps the
// window [from, to), with only io.EOF: Detect must not treat the missing
// bytes as zeros.
type shortReader struct {
	r        io.ReaderAt
	from, to int64
}

func (s shortReader) ReadAt(p []byte, off int64) (int, error) {
	if off < s.to && off+int64(len(p)) > s.from {
		n := max(0, int(s.from-off))
		m, _ := s.r.ReadAt(p[:n], off)
		return m, io.EOF
	}
	return s.r.ReadAt(p, off)
}

func TestShortReads(t *testing.T) {
	img := gptFixture(t)
	// The primary entries (LBA 2-33) are cut short: the primary must be
	// rejected (not parsed as zeros) and the backup used.
	s, err := Detect(context.Background(), shortReader{bytes.NewReader(img), 1024 + 100, 34 * 512}, int64(len(img)), 512, source.Image("t.raw"))
	if err != nil {
		t.Fatal(err)
	}
	if s.Kind != KindGPT || len(s.Allocated()) != 3 || !hasWarningShort(s) {
		t.Errorf("kind %s, partitions %v, warnings %v", s.Kind, rows(s), s.Warnings)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Detect(ctx, bytes.NewReader(img), int64(len(img)), 512, source.Image("t.raw")); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled Detect: %v", err)
	}
}

func hasWarningShort(s *System) bool {
	for _, w := range s.Warnings {
		if errors.Is(w.Err, ErrShortRead) {
			return true
		}
	}
	return false
}
