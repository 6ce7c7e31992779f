package imaging

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/loupe-forensics/loupe/forensic/evidencetest"
)

// FuzzEWF feeds crafted single-segment containers through Open and a full
// read. Seeds are the real one-segment fixture and cut-down copies of it.
func FuzzEWF(f *testing.F) {
	seed, err := os.ReadFile(evidencetest.E01(f, "mbr")[0])
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	f.Add(seed[:4096])
	first, _ := os.ReadFile(evidencetest.E01(f, "gpt")[0])
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
		if img.Size() > 1<<30 {
			return // claims are bounded by the table checks; reading 1 GiB of zeros proves nothing
		}
		_, _ = Verify(context.Background(), img, nil)
	})
}
