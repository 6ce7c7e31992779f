package sweep

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"unicode/utf16"
)

// Public identifiers: BIP173/BIP350, EIP-55, the Bitcoin wiki's WIF, the
// monero-wallet vector, BIP32 vector 1, the BIP39 "TREZOR" vector, the onion
// vector from RFC 8032 TEST 1's key.
var known = []struct{ typ, value string }{
	{TypeBTC, "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"},
	{TypeBTC, "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy"},
	{TypeBTC, "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"},
	{TypeBTC, "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0"},
	{TypeETH, "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"},
	{TypeXMR, "42U9v3qs5CjZEePHBZHwuSckQXebuZu299NSmVEmQ41YJZQhKcPyujyMSzpDH4VMMVSBo3U3b54JaNvQLwAjqDhKS3rvM3L"},
	{TypeXKey, "xprv9s21ZrQH143K3h3fDYiay8mocZ3afhfULfb5GX8kCBdno77K4HiA15Tg23wpbeF1pLfs1c5SPmYHrEpTuuRhxMwvKDwqdKiGJS9XFKzUsAF"},
	{TypeWIF, "5HueCGU8rMjxEXxiPuD5BDku4MkFqeZyd4dZ1jvhTVqvbTLvyTJ"},
	{TypeOnionV3, "25njqamcweflpvkl73j4szahhihoc4xt3ktcgjnpaingr5yhkenl5sid.onion"},
	{TypeSeed, "legal winner thank year wave sausage worth useful legal winner thank yellow"},
	{TypePGPArmour, "-----BEGIN PGP PUBLIC KEY BLOCK-----"},
	{TypeFingerprint, "5C8A3F1D9E2B47A0C6D81F3E2A9B7C40D15E6F28"},
	{TypeEmail, "officer.k@police.example.org"},
	{TypeURL, "http://25njqamcweflpvkl73j4szahhihoc4xt3ktcgjnpaingr5yhkenl5sid.onion/market?id=7"},
}

// decoy changes one character so every checksum (or shape) must fail.
func decoy(v string) string {
	b := []byte(v)
	i := len(b) / 2
	switch {
	case b[i] == 'a':
		b[i] = 'b'
	case b[i] >= '2' && b[i] <= '8':
		b[i]++
	default:
		b[i] = 'a'
	}
	return string(b)
}

func utf16le(s string) []byte {
	var out []byte
	for _, u := range utf16.Encode([]rune(s)) {
		out = append(out, byte(u), byte(u>>8))
	}
	return out
}

type planted struct {
	typ, value, enc string
	off             int64
}

// corpus builds random bytes with known identifiers in ASCII and UTF-16LE,
// one decoy each, and returns where they were put.
func corpus(seed uint64, size int) ([]byte, []planted) {
	r := rand.New(rand.NewPCG(seed, 1))
	b := make([]byte, size)
	for i := range b {
		b[i] = byte(r.UintN(256))
	}
	var ps []planted
	pos := 100
	put := func(s []byte) int {
		at := pos
		copy(b[at:], s)
		pos += len(s) + 200 + int(r.UintN(3000))
		return at
	}
	for _, k := range known {
		line := "\n" + k.value + "\n"
		if k.typ == TypeURL {
			line = "\nsee " + k.value + " now\n"
		}
		at := put([]byte(line))
		ps = append(ps, planted{k.typ, k.value, EncASCII, int64(at + strings.Index(line, k.value))})
		at = put(utf16le(line))
		ps = append(ps, planted{k.typ, k.value, EncUTF16LE, int64(at + 2*strings.Index(line, k.value))})
		if k.typ != TypeURL && k.typ != TypeEmail && k.typ != TypePGPArmour && k.typ != TypeFingerprint {
			put([]byte("\n" + decoy(k.value) + "\n"))
			put(utf16le("\n" + decoy(k.value) + "\n"))
		}
	}
	return b, ps
}

func check(t *testing.T, hits []Hit, ps []planted, label string) {
	t.Helper()
	got := map[string]Hit{}
	for _, h := range hits {
		got[fmt.Sprintf("%s|%s|%d", h.Type, h.Encoding, h.Offset)] = h
		if h.Type == TypeOnionV3 || h.Type == TypeURL || h.Type == TypeEmail || h.Type == TypePGPArmour || h.Type == TypeFingerprint {
			continue
		}
	}
	for _, p := range ps {
		k := fmt.Sprintf("%s|%s|%d", p.typ, p.enc, p.off)
		h, ok := got[k]
		if !ok {
			t.Errorf("%s: %s %s at %d not found", label, p.typ, p.enc, p.off)
			continue
		}
		if h.Value != p.value {
			t.Errorf("%s: %s at %d = %q, want %q", label, p.typ, p.off, h.Value, p.value)
		}
		delete(got, k)
	}
	// The URL's host is an onion: that second hit is expected; anything else
	// (a decoy, a chance match in random bytes) is a false positive.
	for k, h := range got {
		if h.Type == TypeOnionV3 && h.Value == known[8].value {
			continue
		}
		t.Errorf("%s: unexpected hit %s %q", label, k, h.Value)
	}
}

func TestKnownAndDecoys(t *testing.T) {
	b, ps := corpus(1, 1<<20)
	e := &Engine{}
	hits, counts := e.ScanBytes(b, 0)
	check(t, hits, ps, "ScanBytes")
	if counts.Rejected[famAddress] < 8 || counts.Rejected[famOnion] != 2 || counts.Rejected[famSeed] < 2 {
		t.Errorf("rejected counts %v", counts.Rejected)
	}
	for _, h := range hits {
		if h.Type == TypeBTC && h.Network != "mainnet" {
			t.Errorf("%s network %q", h.Value, h.Network)
		}
	}
}

// Every chunk size, including tiny and odd ones, gives the same hits: an
// identifier across a boundary is reported once.
func TestChunkBoundaries(t *testing.T) {
	b, ps := corpus(2, 3<<20)
	want, wantCounts := (&Engine{}).ScanBytes(b, 0)
	check(t, want, ps, "whole")
	for _, c := range []int64{1 << 20, 4096, 9973, 64 << 10, 300} {
		for _, w := range []int{1, 2} {
			e := &Engine{Chunk: c, Workers: w}
			got, counts, err := e.ScanRange(context.Background(), bytes.NewReader(b), 0, int64(len(b)), nil)
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("chunk %d workers %d: %d hits, want %d", c, w, len(got), len(want))
			}
			if fmt.Sprint(counts.Candidates) != fmt.Sprint(wantCounts.Candidates) || fmt.Sprint(counts.Rejected) != fmt.Sprint(wantCounts.Rejected) {
				t.Errorf("chunk %d: counts %v %v, want %v %v", c, counts.Candidates, counts.Rejected, wantCounts.Candidates, wantCounts.Rejected)
			}
		}
	}
}

// An identifier planted across every 1 MiB boundary, with 1 MiB chunks.
func TestStraddle(t *testing.T) {
	b := make([]byte, 4<<20)
	v := known[5].value
	var offs []int64
	for k := 1; k < 4; k++ {
		at := k<<20 - len(v)/2 + k
		copy(b[at-1:], "\n"+v+"\n")
		offs = append(offs, int64(at))
	}
	got, _, err := (&Engine{Chunk: 1 << 20}).ScanRange(context.Background(), bytes.NewReader(b), 0, int64(len(b)), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 {
		t.Fatalf("%d hits, want 3: %v", len(got), got)
	}
	for i, h := range got {
		if h.Offset != offs[i] || h.Value != v {
			t.Errorf("hit %d at %d %q, want %d", i, h.Offset, h.Value, offs[i])
		}
	}
}

func TestCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, _, err := (&Engine{Chunk: 4096}).ScanRange(ctx, bytes.NewReader(make([]byte, 1<<20)), 0, 1<<20, nil)
	if err != context.Canceled {
		t.Fatalf("err = %v", err)
	}
}

// Progress reports every byte of the range exactly once, from both workers.
func TestProgress(t *testing.T) {
	var mu sync.Mutex
	var n int64
	e := &Engine{Chunk: 4096, Progress: func(k int64) { mu.Lock(); n += k; mu.Unlock() }}
	if _, _, err := e.ScanRange(context.Background(), bytes.NewReader(make([]byte, 1<<20+77)), 5, 1<<20+77, nil); err != nil {
		t.Fatal(err)
	}
	if n != 1<<20+72 {
		t.Fatalf("progress %d", n)
	}
}

// badSectors fails reads that touch [from, to).
type badSectors struct {
	r        *bytes.Reader
	from, to int64
}

func (b badSectors) ReadAt(p []byte, off int64) (int, error) {
	if off < b.to && off+int64(len(p)) > b.from {
		return 0, fmt.Errorf("I/O error at %d", max(off, b.from))
	}
	return b.r.ReadAt(p, off)
}

// An unreadable stretch is reported and skipped; hits elsewhere survive.
func TestReadErrorsSkipped(t *testing.T) {
	data, ps := corpus(6, 3<<20)
	want, _ := (&Engine{}).ScanBytes(data, 0)
	check(t, want, ps, "whole")
	bad := badSectors{bytes.NewReader(data), 1<<20 + 100, 1<<20 + 200}
	got, counts, err := (&Engine{Chunk: 64 << 10}).ScanRange(context.Background(), bad, 0, int64(len(data)), nil)
	var rerr *ReadError
	if !errors.As(err, &rerr) || rerr.Skipped != 2*64<<10 || counts.Bytes != int64(len(data))-rerr.Skipped {
		t.Fatalf("err %v, bytes %d", err, counts.Bytes)
	}
	// Chunks whose window (chunk and margins) touches the bad stretch are
	// lost: the one holding it and the one before, whose margin reaches it.
	lost := 0
	for _, h := range want {
		if h.Offset >= 1<<20-64<<10 && h.Offset < 1<<20+64<<10 {
			lost++
		}
	}
	if len(got) != len(want)-lost || len(got) == 0 {
		t.Errorf("%d hits, want %d", len(got), len(want)-lost)
	}
}

// Random bytes (compressed or encrypted data, most of a disk) give no hit:
// every shape that occurs by chance must fail its validator.
func TestRandomNoHits(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	b := make([]byte, 32<<20)
	for i := 0; i+8 <= len(b); i += 8 {
		v := r.Uint64()
		for k := 0; k < 8; k++ {
			b[i+k] = byte(v >> (8 * k))
		}
	}
	hits, counts, err := (&Engine{}).ScanRange(context.Background(), bytes.NewReader(b), 0, int64(len(b)), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) != 0 {
		t.Errorf("%d chance hits, first %+v", len(hits), hits[0])
	}
	if counts.Candidates[famEmail] < 10000 {
		t.Errorf("only %d e-mail candidates: the test no longer exercises the validators", counts.Candidates[famEmail])
	}
}
