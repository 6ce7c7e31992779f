package wallets

import (
	"bytes"
	"context"
	"encoding/binary"
	"io"
	"runtime"
	"strings"
	"testing"

	"github.com/loupe-forensics/loupe/artefacts"
	"github.com/loupe-forensics/loupe/forensic/finding"
)

// zeroReader claims a size without holding the bytes, so a parser that
// allocated by the claimed size would show up in the allocation count.
type zeroReader struct{ head []byte }

func (z zeroReader) ReadAt(p []byte, off int64) (int, error) {
	for i := range p {
		p[i] = ' '
		if int(off)+i < len(z.head) {
			p[i] = z.head[int(off)+i]
		}
	}
	return len(p), nil
}

// TestHostileWallets: damaged and oversized wallet files end in warnings
// (through artefacts.Run, as the pipeline calls parsers), never in a
// panic, and huge files are refused before anything is allocated.
func TestHostileWallets(t *testing.T) {
	_, legacy := fixtureInput(t, "bitcoin-core/legacy/wallet.dat")
	truncated := legacy[:7*4096+100]
	lying := bytes.Clone(legacy)
	binary.LittleEndian.PutUint32(lying[20:], 65536)
	cases := []struct {
		name      string
		p         artefacts.Parser
		in        *artefacts.Input
		artefacts bool // some findings survive
		refused   bool // Match already refuses it (by size)
	}{
		{"bdb truncated", NewBitcoinCore(), input("/wallet.dat", truncated), true, false},
		{"bdb page size lies", NewBitcoinCore(), input("/wallet.dat", lying), false, false},
		{"bdb meta page only", NewBitcoinCore(), input("/wallet.dat", legacy[:4096]), false, false},
		{"wasabi 1 GiB", NewWasabi(), hugeJSON(`{"ExtPubKey":"x","MasterFingerprint":"y",`), false, true},
		{"ledger 1 GiB", NewLedgerLive(), hugeJSON(`{"data":{"accounts":[{"data":{"freshAddress":"x"}}]`), false, true},
		{"exodus 1 GiB", NewExodus(), hugeJSON("SECO\x00\x00\x00\x00\x00\x00\x00\x00\x12seco-v0-scrypt-aes"), false, false},
		{"wasabi not JSON", NewWasabi(), input("/w.json", []byte(`{"ExtPubKey":"MasterFingerprint"`)), false, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.in.WorkDir = t.TempDir()
			if m := tc.p.Match(tc.in); m == tc.refused {
				t.Fatalf("Match %v, want %v", m, !tc.refused)
			}
			if tc.refused {
				return
			}
			var ms0, ms1 runtime.MemStats
			runtime.ReadMemStats(&ms0)
			var c finding.Collector
			err := artefacts.Run(context.Background(), tc.p, tc.in, &c)
			runtime.ReadMemStats(&ms1)
			for _, w := range c.Warnings {
				if strings.Contains(w.Message, "panic") {
					t.Fatalf("panic: %s", w.Message)
				}
			}
			if err != artefacts.ErrWrongFormat && len(c.Warnings) == 0 {
				t.Fatalf("no warning (err %v, %d artefacts)", err, len(c.Artefacts))
			}
			if tc.artefacts != (len(c.Artefacts) > 0) {
				t.Errorf("%d artefacts", len(c.Artefacts))
			}
			if grew := ms1.TotalAlloc - ms0.TotalAlloc; grew > 8<<20 {
				t.Errorf("allocated %d bytes", grew)
			}
		})
	}
}

func hugeJSON(head string) *artefacts.Input {
	const size = 1 << 30
	h := []byte(head)
	z := zeroReader{head: h}
	hb := make([]byte, artefacts.HeadSize)
	z.ReadAt(hb, 0)
	return &artefacts.Input{Ref: input("/huge", nil).Ref, Path: "/huge", Size: size, Head: hb, Reader: io.NewSectionReader(z, 0, size)}
}
