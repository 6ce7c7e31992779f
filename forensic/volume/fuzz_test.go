package volume

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"

	"github.com/loupe-forensics/loupe/forensic/source"
)

// checkInvariants holds for any input: Detect never panics, partitions are
// sorted, numbered from 1, gaps never overlap allocated space, and every
// Ref validates.
func checkInvariants(t *testing.T, img []byte) {
	s, err := Detect(context.Background(), bytes.NewReader(img), int64(len(img)), 512, source.Image("f"))
	if err != nil {
		return // only an unreadable image fails, which a byte slice is not
	}
	idx := 0
	var prev int64 = -1
	for _, p := range s.Partitions {
		if p.Start < prev || p.Length <= 0 || p.Start < 0 {
			t.Fatalf("unsorted or empty partition %+v after %d", p, prev)
		}
		prev = p.Start
		if p.Allocated {
			idx++
			if p.Index != idx {
				t.Fatalf("index %d, want %d", p.Index, idx)
			}
		} else if p.Start+p.Length > int64(len(img)) {
			t.Fatalf("gap %+v past the image end %d", p, len(img))
		}
		if err := p.Ref.Validate(); err != nil {
			t.Fatal(err)
		}
	}
}

// FuzzMBR mutates a real sfdisk-made MBR disk with an extended chain, cut
// after its last extended table to keep inputs small.
func FuzzMBR(f *testing.F) {
	img := gunzip(f, filepath.Join("testdata", "mbr-small.raw.gz"))
	f.Add(img[:170*512+512])
	f.Add(img[:512])
	f.Fuzz(func(t *testing.T, b []byte) { checkInvariants(t, b) })
}

// Run with -fuzzminimizetime=1x: minimising every new input of this size
// otherwise stalls the fuzzer for minutes.
// FuzzGPT mutates a real sfdisk-made GPT disk (primary and backup tables),
// the smallest one sfdisk makes: large inputs starve the fuzzer.
func FuzzGPT(f *testing.F) {
	img := gunzip(f, filepath.Join("testdata", "gpt-tiny.raw.gz"))
	f.Add(img)
	f.Add(img[:34*512])
	f.Fuzz(func(t *testing.T, b []byte) { checkInvariants(t, b) })
}
