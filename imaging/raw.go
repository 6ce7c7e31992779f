package imaging

import (
	"fmt"
	"io"
	"path/filepath"
	"sort"

	"github.com/loupe-forensics/loupe/forensic/source"
)

// rawImage is a raw (dd) image or a split raw series: the concatenation of
// its pieces. ReadAt is safe for concurrent use (os.File.ReadAt is pread).
type rawImage struct {
	format string
	files  []*evidenceFile
	starts []int64 // starts[i] = media offset of files[i]
	size   int64
}

func newRaw(files []*evidenceFile, format string) (Image, error) {
	r := &rawImage{format: format, files: files}
	for i, f := range files {
		if f.size == 0 {
			closeAll(files)
			return nil, fmt.Errorf("%w: %s is empty", ErrNotImage, f.path)
		}
		// Every piece but the last must hold whole sectors, or the pieces
		// cannot be a split of one sector-addressed medium.
		if i < len(files)-1 && f.size%512 != 0 {
			closeAll(files)
			return nil, fmt.Errorf("%w: split piece %s is %d bytes, not whole 512-byte sectors", ErrNotImage, f.path, f.size)
		}
		r.starts = append(r.starts, r.size)
		r.size += f.size
	}
	if r.size%512 != 0 {
		closeAll(files)
		return nil, fmt.Errorf("%w: %s: %d bytes is not a whole number of 512-byte sectors and no container signature was found",
			ErrNotImage, files[0].path, r.size)
	}
	return r, nil
}

func (r *rawImage) Format() string  { return r.format }
func (r *rawImage) Size() int64     { return r.size }
func (r *rawImage) SectorSize() int { return 512 }
func (r *rawImage) Stored() Digests { return Digests{} }
func (r *rawImage) Metadata() Metadata {
	return Metadata{}
}
func (r *rawImage) Ref() *source.Ref { return source.Image(filepath.Base(r.files[0].path)) }

func (r *rawImage) Segments() []string {
	out := make([]string, len(r.files))
	for i, f := range r.files {
		out[i] = f.path
	}
	return out
}

func (r *rawImage) Close() error {
	var first error
	for _, f := range r.files {
		if err := f.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

func (r *rawImage) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, fmt.Errorf("imaging: negative offset %d", off)
	}
	if off >= r.size {
		return 0, io.EOF
	}
	n := 0
	// The piece holding off: the last start <= off.
	i := sort.Search(len(r.starts), func(i int) bool { return r.starts[i] > off }) - 1
	for n < len(p) && i < len(r.files) {
		f := r.files[i]
		local := off + int64(n) - r.starts[i]
		want := len(p) - n
		if rem := f.size - local; int64(want) > rem {
			want = int(rem)
		}
		m, err := f.f.ReadAt(p[n:n+want], local)
		n += m
		if m < want {
			if err == nil || err == io.EOF {
				// The piece shrank since it was opened: evidence must not change.
				return n, fmt.Errorf("%w: %s ends at byte %d, expected %d", ErrTruncated, f.path, local+int64(m), f.size)
			}
			return n, fmt.Errorf("read %s at byte %d: %w", f.path, local+int64(m), err)
		}
		i++
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}
