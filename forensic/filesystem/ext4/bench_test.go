package ext4

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/loupe-forensics/loupe/forensic/filesystem"
)

// BenchmarkWalk times Open plus a full Walk (every entry with its inode
// decoded: times, owner, size) of an ext4 volume. With
// LOUPE_EXT4_BENCH_IMAGE set it walks that image (testdata/bench/ext4-bench.sh
// makes one with 100,000 files and compares with fls -r -p); otherwise it
// builds a 10,000-file volume with mke2fs -d (setup is not timed).
func BenchmarkWalk(b *testing.B) {
	img := os.Getenv("LOUPE_EXT4_BENCH_IMAGE")
	if img == "" {
		need(b, "mke2fs")
		dir := filepath.Join(b.TempDir(), "tree")
		for d := 0; d < 100; d++ {
			sub := filepath.Join(dir, fmt.Sprintf("d%03d", d), "sub")
			if err := os.MkdirAll(sub, 0o755); err != nil {
				b.Fatal(err)
			}
			for i := 0; i < 100; i++ {
				if err := os.WriteFile(filepath.Join(sub, fmt.Sprintf("file-%04d.txt", i)), []byte("x"), 0o644); err != nil {
					b.Fatal(err)
				}
			}
		}
		img = mkfs(b, dir, 128, []string{"-N", "20000"})
	}
	b.ResetTimer()
	var n int
	for i := 0; i < b.N; i++ {
		// Open inside the loop, as fls opens the image on every run: the
		// inode-table cache starts cold each time.
		f := openFile(b, img, 0, -1)
		n = 0
		err := f.Walk(context.Background(), func(e *filesystem.Entry) error {
			n++
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n), "entries")
}
