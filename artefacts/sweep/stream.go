package sweep

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"io"
	"sort"
	"sync"
	"sync/atomic"
)

// DefaultChunk is the chunk size: large enough that the margins re-read are
// under 0.1 %, small enough for two workers to share a region evenly.
const DefaultChunk = 4 << 20

// Engine scans byte ranges. It is safe for concurrent use; each call uses
// its own scanners.
type Engine struct {
	Validators Validators
	// Chunk is the chunk size in bytes; chunk boundaries fall on multiples
	// of Chunk in the stream's own offsets (absolute image offsets when
	// scanning image regions), so a boundary test can target them.
	Chunk int64
	// Workers is the number of goroutines per range (default 2).
	Workers int
	// Progress, when set, is told how many bytes were scanned, from any worker.
	Progress func(n int64)
}

func (e *Engine) chunk() int64 {
	if e.Chunk <= 0 {
		return DefaultChunk
	}
	return e.Chunk
}

func (e *Engine) workers() int {
	if e.Workers <= 0 {
		return 2
	}
	return e.Workers
}

// ScanBytes scans a buffer that is a whole stream (base is the offset of
// b[0] in the caller's terms). It is what the fuzz target drives.
func (e *Engine) ScanBytes(b []byte, base int64) ([]Hit, Counts) {
	s := newScanner(e.Validators)
	s.window(b, base, 0, len(b), true)
	s.counts.Bytes = int64(len(b))
	sortHits(s.hits)
	return s.hits, s.counts
}

// ScanRange scans r[start:end) where offsets are in the stream's terms (for
// an image region: absolute image offsets). Chunks are scanned by Workers
// goroutines; hits come back sorted by offset. Unreadable chunks are skipped
// and reported as a *ReadError alongside the other hits. With h set the range is read
// in order by one worker and hashed (file content), so dedup needs no
// second read.
func (e *Engine) ScanRange(ctx context.Context, r io.ReaderAt, start, end int64, h hash.Hash) ([]Hit, Counts, error) {
	counts := newCounts()
	if end <= start {
		return nil, counts, nil
	}
	c := e.chunk()
	// Chunk k covers [max(start, k*c), min(end, (k+1)*c)).
	first, last := start/c, (end-1)/c
	nchunks := last - first + 1
	workers := e.workers()
	if h != nil || int64(workers) > nchunks {
		workers = int(min(int64(workers), nchunks))
		if h != nil {
			workers = 1
		}
	}
	var (
		next   atomic.Int64
		mu     sync.Mutex
		hits   []Hit
		firstE error
		// Read errors: the first maxReadErrors, and the bytes not swept.
		readErrs []error
		skipped  int64
		wg       sync.WaitGroup
	)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := newScanner(e.Validators)
			buf := make([]byte, 0, c+2*Margin)
			for {
				k := first + next.Add(1) - 1
				if k > last {
					break
				}
				if err := ctx.Err(); err != nil {
					mu.Lock()
					firstE = err
					mu.Unlock()
					return
				}
				lo, hi := max(start, k*c), min(end, (k+1)*c)
				wlo, whi := max(start, lo-Margin), min(end, hi+Margin)
				buf = buf[:whi-wlo]
				n, err := r.ReadAt(buf, wlo)
				if n < len(buf) {
					// An unreadable chunk is skipped and said so; the rest of
					// the range is still swept (a bad sector must not hide
					// the disk). The chunk's own bytes are lost, and hits in
					// the margins are left to the neighbouring chunks.
					if err == nil || err == io.EOF {
						err = io.ErrUnexpectedEOF
					}
					mu.Lock()
					if len(readErrs) < maxReadErrors {
						readErrs = append(readErrs, fmt.Errorf("sweep: read %d bytes at %d: got %d: %w", len(buf), wlo, n, err))
					}
					skipped += hi - lo
					mu.Unlock()
					continue
				}
				if h != nil {
					h.Write(buf[lo-wlo : hi-wlo])
				}
				s.window(buf, wlo, int(lo-wlo), int(hi-wlo), whi == end)
				if e.Progress != nil {
					e.Progress(hi - lo)
				}
			}
			mu.Lock()
			hits = append(hits, s.hits...)
			counts.Add(s.counts)
			mu.Unlock()
		}()
	}
	wg.Wait()
	if firstE != nil {
		return nil, counts, firstE
	}
	counts.Bytes = end - start - skipped
	sortHits(hits)
	if len(readErrs) > 0 {
		return hits, counts, &ReadError{Skipped: skipped, Errs: readErrs}
	}
	return hits, counts, nil
}

const maxReadErrors = 16

// ReadError reports chunks that could not be read: the hits returned with it
// come from the rest of the range.
type ReadError struct {
	Skipped int64   // bytes not swept
	Errs    []error // the first few read errors
}

func (e *ReadError) Error() string {
	return fmt.Sprintf("sweep: %d bytes unreadable, not swept: %v", e.Skipped, errors.Join(e.Errs...))
}

func (e *ReadError) Unwrap() []error { return e.Errs }

// NewHash returns the content hash used for file deduplication.
func NewHash() hash.Hash { return sha256.New() }

func sortHits(h []Hit) {
	sort.Slice(h, func(i, j int) bool {
		if h[i].Offset != h[j].Offset {
			return h[i].Offset < h[j].Offset
		}
		if h[i].Type != h[j].Type {
			return h[i].Type < h[j].Type
		}
		return h[i].Value < h[j].Value
	})
}
