package disk

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/loupe-forensics/loupe/forensic/source"
	"github.com/loupe-forensics/loupe/imaging"
)

// rawImage is a minimal imaging.Image over a single raw file, used until the
// imaging package's Open is available.
type rawImage struct {
	*os.File
	size int64
	ref  *source.Ref
}

func (r *rawImage) Format() string             { return imaging.FormatRaw }
func (r *rawImage) Size() int64                { return r.size }
func (r *rawImage) SectorSize() int            { return 512 }
func (r *rawImage) Segments() []string         { return []string{r.Name()} }
func (r *rawImage) Stored() imaging.Digests    { return imaging.Digests{} }
func (r *rawImage) Metadata() imaging.Metadata { return imaging.Metadata{} }
func (r *rawImage) Ref() *source.Ref           { return r.ref }

func openImage(t *testing.T, paths ...string) imaging.Image {
	t.Helper()
	if len(paths) != 1 || filepath.Ext(paths[0]) != ".raw" {
		t.Skip("only raw images until imaging.Open lands")
	}
	f, err := os.Open(paths[0])
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	fi, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	return &rawImage{File: f, size: fi.Size(), ref: source.Image(filepath.Base(paths[0]))}
}
