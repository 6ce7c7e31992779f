package pgp

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/loupe-forensics/loupe/artefacts"
	"github.com/loupe-forensics/loupe/forensic/finding"
	"github.com/loupe-forensics/loupe/forensic/source"
)

func memInput(name string, b []byte) *artefacts.Input {
	head := b
	if len(head) > artefacts.HeadSize {
		head = head[:artefacts.HeadSize]
	}
	return &artefacts.Input{Ref: source.Folder("mem").Entry("/"+name, ""), Path: "/" + name, Size: int64(len(b)), Head: head, Reader: bytes.NewReader(b)}
}

func mustRead(t *testing.T, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fixtures, rel))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Every truncation of the real keybox gives warnings, never a panic, and
// the blobs before the cut are still read.
func TestTruncatedKeybox(t *testing.T) {
	kbx := mustRead(t, "alice/pubring.kbx")
	full := run(t, NewKeyring(), memInput("pubring.kbx", kbx))
	if len(full.Warnings) != 0 {
		t.Fatalf("warnings on the full keybox: %v", full.Warnings)
	}
	firstLen := int(binary.BigEndian.Uint32(kbx[32:]))
	for cut := 12; cut < len(kbx); cut += 7 {
		c := &finding.Collector{}
		if err := artefacts.Run(context.Background(), NewKeyring(), memInput("k", kbx[:cut]), c); err != nil {
			t.Fatalf("cut %d: %v", cut, err)
		}
		for _, w := range c.Warnings {
			if strings.Contains(w.Message, "panic") {
				t.Fatalf("cut %d: %s", cut, w.Message)
			}
		}
		if cut != 32 && len(c.Warnings) == 0 && !blobBoundary(kbx, cut) {
			t.Errorf("cut %d: no warning", cut)
		}
		if cut >= 32+firstLen && len(c.Kind("pgp.key")) == 0 {
			t.Errorf("cut %d: the complete first key blob was lost", cut)
		}
	}
}

func blobBoundary(b []byte, cut int) bool {
	for off := 0; off < len(b); off += int(binary.BigEndian.Uint32(b[off:])) {
		if off == cut {
			return true
		}
	}
	return false
}

// A packet whose length claims more than the ring holds is reported at its
// offset; lengths that lie in every header form are caught.
func TestLyingPacketLengths(t *testing.T) {
	ring := mustRead(t, "legacy/pubring.gpg")
	ps, err := readPackets(ring, 0)
	if err != nil || len(ps) < 4 {
		t.Fatalf("fixture ring: %d packets, %v", len(ps), err)
	}
	cases := map[string][]byte{
		"old 4-byte":       {0x9a, 0xff, 0xff, 0xff, 0xff, 4},
		"old 2-byte":       {0x99, 0xff, 0xff, 4},
		"new 5-byte":       {0xc6, 0xff, 0x7f, 0xff, 0xff, 0xff, 4},
		"new partial":      {0xc6, 0xef, 4, 5},
		"new two-octet":    {0xc6, 0xdf, 0xff, 4},
		"truncated header": {0xc6},
	}
	for name, b := range cases {
		_, err := readPackets(b, 100)
		if err == nil || !strings.Contains(err.Error(), "offset 100") {
			t.Errorf("%s: err %v, want one at offset 100", name, err)
		}
	}
	// A lying header after the real ring: every key before it stays, and
	// the warning names the offset of the lie.
	bad := append(append([]byte(nil), ring...), 0x99, 0xff, 0xff, 4, 0)
	c := run(t, NewKeyring(), memInput("pubring.gpg", bad))
	want := fmt.Sprintf("claims 65535 bytes, 2 remain at offset %d", len(ring))
	if len(c.Warnings) != 1 || !strings.Contains(c.Warnings[0].Message, want) {
		t.Errorf("warnings %v, want one containing %q", c.Warnings, want)
	}
	full := run(t, NewKeyring(), memInput("pubring.gpg", ring))
	if got, w := len(c.Kind("pgp.key")), len(full.Kind("pgp.key")); got != w || w != 4 {
		t.Errorf("%d keys before the lie, want %d (4)", got, w)
	}
}

// Deeply nested S-expressions stop at the depth cap with an error.
func TestDeepSexp(t *testing.T) {
	deep := strings.Repeat("(", 100000) + strings.Repeat(")", 100000)
	if _, _, err := parseSexp([]byte(deep)); err == nil || !strings.Contains(err.Error(), "nesting deeper") {
		t.Fatalf("err %v", err)
	}
	in := memInput("x.key", []byte("(private-key"+deep[:5000]))
	c := &finding.Collector{}
	if err := artefacts.Run(context.Background(), NewPrivateKey(), in, c); err == nil {
		t.Fatal("no error on a 5000-deep key file")
	}
	ok := []byte("(3:abc(1:x#0102#)\"s t\"|AQI=|)")
	s, n, err := parseSexp(ok)
	if err != nil || n != len(ok) || s.Name() != "abc" || !bytes.Equal(s.Value("x"), []byte{1, 2}) || string(s.List[2].Atom) != "s t" || !bytes.Equal(s.List[3].Atom, []byte{1, 2}) {
		t.Fatalf("mixed forms: %+v %d %v", s, n, err)
	}
}

// bigArmour streams a 100 MB armour block without materialising it.
type bigArmour struct {
	r io.Reader
}

func newBigArmour(size int) *bigArmour {
	line := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{0xA5}, 48)) + "\n" // 64 chars + LF
	n := size / len(line)
	return &bigArmour{r: io.MultiReader(
		strings.NewReader("junk before\n-----BEGIN PGP MESSAGE-----\n\n"),
		&repeatReader{line: []byte(line), n: n},
		strings.NewReader("=AAAA\n-----END PGP MESSAGE-----\n"),
	)}
}

func (b *bigArmour) Read(p []byte) (int, error) { return b.r.Read(p) }

type repeatReader struct {
	line []byte
	n, i int
	pos  int
}

func (r *repeatReader) Read(p []byte) (int, error) {
	w := 0
	for w < len(p) && r.i < r.n {
		c := copy(p[w:], r.line[r.pos:])
		w += c
		r.pos += c
		if r.pos == len(r.line) {
			r.pos = 0
			r.i++
		}
	}
	if w == 0 {
		return 0, io.EOF
	}
	return w, nil
}

func TestHugeArmourBoundedMemory(t *testing.T) {
	const size = 100 << 20
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	var blocks []*armourBlock
	err := scanArmour(newBigArmour(size), func(b *armourBlock) error {
		blocks = append(blocks, b)
		return nil
	})
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	if len(blocks) != 1 {
		t.Fatalf("%d blocks", len(blocks))
	}
	b := blocks[0]
	if !b.Complete || !b.Truncated || len(b.Data) != maxArmourKeep || b.Size < 70<<20 || !b.HasCRC || b.CRCOK {
		t.Fatalf("block: complete %v truncated %v kept %d size %d crc %v/%v", b.Complete, b.Truncated, len(b.Data), b.Size, b.HasCRC, b.CRCOK)
	}
	// The decoder keeps maxArmourKeep bytes; allow for buffers and the
	// slice growth, far below the 100 MB input.
	if grow := after.HeapInuse - min(after.HeapInuse, before.HeapInuse); grow > 3*maxArmourKeep {
		t.Errorf("heap grew by %d bytes for a %d byte block", grow, size)
	}
	if b.Offset != int64(len("junk before\n")) {
		t.Errorf("offset %d", b.Offset)
	}
}

// A CRC mismatch in a real export is reported.
func TestArmourBadCRC(t *testing.T) {
	asc := mustRead(t, "docs/alice-public.asc")
	i := bytes.LastIndex(asc, []byte("\n="))
	bad := append([]byte(nil), asc...)
	if bad[i+2] == 'A' {
		bad[i+2] = 'B'
	} else {
		bad[i+2] = 'A'
	}
	c := run(t, NewArmour(), memInput("a.asc", bad))
	if len(c.Warnings) != 1 || !strings.Contains(c.Warnings[0].Message, "CRC-24") {
		t.Fatalf("warnings %v", c.Warnings)
	}
}
