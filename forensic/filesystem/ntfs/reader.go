package ntfs

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync"

	"github.com/loupe-forensics/loupe/forensic/filesystem"
	"github.com/loupe-forensics/loupe/forensic/source"
)

// maxWarnings bounds the warnings one volume keeps: a damaged image can fail
// the same read thousands of times and the examiner needs the first ones and
// a count, not unbounded memory.
const maxWarnings = 2000

// warnings is the concurrency-safe, bounded list of problems of one volume.
type warnings struct {
	mu         sync.Mutex
	list       []filesystem.Warning
	seen       map[string]bool
	suppressed int
}

// add records a warning once: the index pass and a later walk or open
// decode the same record and must not report its problem twice.
func (w *warnings) add(ref *source.Ref, offset int64, err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.list) >= maxWarnings {
		w.suppressed++
		return
	}
	key := ref.String() + "\x00" + strconv.FormatInt(offset, 10) + "\x00" + err.Error()
	if w.seen[key] {
		return
	}
	if w.seen == nil {
		w.seen = map[string]bool{}
	}
	w.seen[key] = true
	w.list = append(w.list, filesystem.Warning{Ref: ref, Offset: offset, Err: err})
}

func (w *warnings) snapshot(ref *source.Ref) []filesystem.Warning {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make([]filesystem.Warning, len(w.list), len(w.list)+1)
	copy(out, w.list)
	if w.suppressed > 0 {
		out = append(out, filesystem.Warning{Ref: ref, Offset: -1,
			Err: fmt.Errorf("%w: %d further warnings suppressed", filesystem.ErrCorrupt, w.suppressed)})
	}
	return out
}

// checkedReader is the io.ReaderAt handed to go-ntfs. go-ntfs's generated
// accessors turn a failed or short read into a zero value, so a truncated or
// unreadable image would silently look like zeros. Every such read is
// recorded here as a warning with the image offset before go-ntfs sees it.
//
// A read that runs past the end of the volume is normal (go-ntfs reads whole
// pages) and is only reported when it starts beyond the end, which means a
// structure pointed outside the volume.
type checkedReader struct {
	r      io.ReaderAt
	size   int64 // volume size in bytes
	volOff int64 // volume offset on the image, for absolute warning offsets
	fsRef  *source.Ref
	warn   *warnings
}

func (c *checkedReader) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		err := fmt.Errorf("%w: read at negative volume offset %d", filesystem.ErrCorrupt, off)
		c.warn.add(c.fsRef, c.volOff+off, err)
		return 0, err
	}
	if off >= c.size {
		if len(p) > 0 {
			c.warn.add(c.fsRef.At(c.volOff+off, int64(len(p))), c.volOff+off,
				fmt.Errorf("%w: read of %d bytes at volume offset %d is beyond the volume end %d",
					filesystem.ErrCorrupt, len(p), off, c.size))
		}
		return 0, io.EOF
	}
	want := p
	if rest := c.size - off; int64(len(want)) > rest {
		want = want[:rest]
	}
	n, err := c.r.ReadAt(want, off)
	if n < len(want) {
		if err == nil || errors.Is(err, io.EOF) {
			err = fmt.Errorf("%w: short read: %d of %d bytes at volume offset %d",
				io.ErrUnexpectedEOF, n, len(want), off)
		} else {
			err = fmt.Errorf("read %d bytes at volume offset %d: %w", len(want), off, err)
		}
		c.warn.add(c.fsRef.At(c.volOff+off+int64(n), int64(len(want)-n)), c.volOff+off+int64(n), err)
		return n, err
	}
	if len(want) < len(p) {
		return n, io.EOF
	}
	return n, nil
}
