package sweep

import (
	"bytes"
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

// benchData is 16 MiB: half random bytes, half the package's own source
// text repeated, with identifiers planted by corpus.
func benchData(b *testing.B) []byte {
	data, _ := corpus(5, 16<<20)
	var text []byte
	files, _ := filepath.Glob("*.go")
	for _, f := range files {
		t, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		text = append(text, t...)
	}
	r := rand.New(rand.NewPCG(5, 5))
	for off := 0; off+len(text) < len(data); off += 2 * len(text) {
		if r.IntN(2) == 0 {
			copy(data[off:], text)
		}
	}
	return data
}

func BenchmarkScanRange(b *testing.B) {
	data := benchData(b)
	e := &Engine{}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, _, err := e.ScanRange(context.Background(), bytes.NewReader(data), 0, int64(len(data)), nil); err != nil {
			b.Fatal(err)
		}
	}
}
