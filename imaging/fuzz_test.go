package imaging

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/loupe-forensics/loupe/forensic/evidencetest"
)

// FuzzEWF feeds crafted single-segment containers through Open and a full
// read. Seeds: two tiny E01s made by ewfacquire (uncompressed and
// compressed, see testdata/README.md), so the fuzzer runs fast, and the head
// of the real fixture disk's first segment.
func FuzzEWF(f *testing.F) {
	for _, name := range []string{"tiny-none.E01", "tiny-best.E01"} {
		seed, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(seed)
	}
	first, err := os.ReadFile(evidencetest.E01(f, "gpt")[0])
	if err != nil {
		f.Fatal(err)
	}
	f.Add(first[:8192])
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 4<<20 {
			return
		}
		p := filepath.Join(dir, "fuzz.E01")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		img, err := Open(context.Background(), p)
		if err != nil {
			return
		}
		defer img.Close()
		if img.Size() > 64<<20 {
			// The table checks bound what a crafted file can claim, but a full
			// pass over tens of MiB of failing chunks per input only slows the
			// fuzzer down; the parsing paths are the same for small media.
			return
		}
		_, _ = Verify(context.Background(), img, nil)
	})
}
