package imaging

import (
	"context"
	"testing"

	"github.com/loupe-forensics/loupe/forensic/evidencetest"
)

// BenchmarkVerify measures the one-pass triple hash on the raw and E01
// forms of the GPT fixture (bytes/s is media throughput).
func BenchmarkVerify(b *testing.B) {
	for _, form := range []struct {
		name  string
		paths func() []string
	}{
		{"raw", func() []string { return []string{evidencetest.Raw(b, "gpt")} }},
		{"e01", func() []string { return evidencetest.E01(b, "gpt") }},
	} {
		b.Run(form.name, func(b *testing.B) {
			img, err := Open(context.Background(), form.paths()...)
			if err != nil {
				b.Fatal(err)
			}
			defer img.Close()
			b.SetBytes(img.Size())
			for b.Loop() {
				if _, err := Verify(context.Background(), img, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkE01Read measures decoding alone: sequential 4 MiB reads (parallel
// chunk inflation) and scattered 4 KiB reads (the chunk cache).
func BenchmarkE01Read(b *testing.B) {
	img, err := Open(context.Background(), evidencetest.E01(b, "gpt")...)
	if err != nil {
		b.Fatal(err)
	}
	defer img.Close()
	b.Run("sequential-4MiB", func(b *testing.B) {
		buf := make([]byte, 4<<20)
		b.SetBytes(img.Size())
		for b.Loop() {
			for off := int64(0); off < img.Size(); off += int64(len(buf)) {
				if _, err := img.ReadAt(buf, off); err != nil && off+int64(len(buf)) < img.Size() {
					b.Fatal(err)
				}
			}
		}
	})
	b.Run("filesystem-4KiB", func(b *testing.B) {
		buf := make([]byte, 4096)
		b.SetBytes(4096)
		off := int64(0)
		for b.Loop() {
			if _, err := img.ReadAt(buf, off); err != nil {
				b.Fatal(err)
			}
			off = (off + 12288) % (img.Size() - 4096) // forward, revisiting each chunk a few times
		}
	})
}
