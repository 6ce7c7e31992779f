package disk

import (
	"context"
	"testing"

	"github.com/loupe-forensics/loupe/imaging"
)

// openImage opens a fixture container (raw, split or E01) read-only.
func openImage(t *testing.T, paths ...string) imaging.Image {
	t.Helper()
	img, err := imaging.Open(context.Background(), paths...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { img.Close() })
	return img
}
