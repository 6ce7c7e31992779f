package imaging

import (
	"context"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"sync"
	"time"
)

// Progress of a verification pass, reported about four times a second.
type Progress struct {
	Done, Total int64
	Rate        float64 // bytes per second since the start
	ETA         time.Duration
}

// VerifyResult is the outcome of a full pass over the media.
type VerifyResult struct {
	Computed Digests
	// StoredMatch is nil when the container stores no hash; otherwise true
	// only if every stored hash equals the computed one.
	StoredMatch *bool
	// Errors are the regions that could not be read faithfully; they were
	// hashed as zeros (as ewfverify does) and the pass went on.
	Errors []*ChunkError
}

const (
	verifyBlock    = 4 << 20 // one read: 128 EWF chunks decoded in parallel
	verifyInFlight = 4       // blocks between the reader and the hashers
)

// Verify computes MD5, SHA-1 and SHA-256 of the whole media in one pass. A
// reader goroutine fills blocks ahead while three goroutines hash them, so
// the pass runs at the speed of the slowest hash (or of decompression). It
// returns an error only when the pass could not finish (cancellation, an I/O
// error outside any chunk); unreadable chunks are listed in the result.
func Verify(ctx context.Context, img Image, progress func(Progress)) (VerifyResult, error) {
	var res VerifyResult
	hashes := []hash.Hash{md5.New(), sha1.New(), sha256.New()}

	type block struct {
		buf  []byte
		n    int
		done sync.WaitGroup
	}
	free := make(chan *block, verifyInFlight)
	for i := 0; i < verifyInFlight; i++ {
		free <- &block{buf: make([]byte, verifyBlock)}
	}
	feeds := make([]chan *block, len(hashes))
	var hashers sync.WaitGroup
	for i, h := range hashes {
		feeds[i] = make(chan *block, verifyInFlight)
		hashers.Add(1)
		go func(h hash.Hash, in <-chan *block) {
			defer hashers.Done()
			for b := range in {
				h.Write(b.buf[:b.n])
				b.done.Done()
			}
		}(h, feeds[i])
	}
	// Blocks are recycled in order once all three hashers are done with them.
	recycle := make(chan *block, verifyInFlight)
	var recycler sync.WaitGroup
	recycler.Add(1)
	go func() {
		defer recycler.Done()
		for b := range recycle {
			b.done.Wait()
			free <- b
		}
	}()

	size := img.Size()
	start, lastReport := time.Now(), time.Time{}
	var readErr error
	for off := int64(0); off < size; {
		if err := ctx.Err(); err != nil {
			readErr = err
			break
		}
		b := <-free
		want := int64(len(b.buf))
		if size-off < want {
			want = size - off
		}
		errs, err := readTolerant(img, b.buf[:want], off)
		res.Errors = append(res.Errors, errs...)
		if err != nil {
			free <- b
			readErr = err
			break
		}
		b.n = int(want)
		b.done.Add(len(hashes))
		for _, f := range feeds {
			f <- b
		}
		recycle <- b
		off += want
		if progress != nil && (time.Since(lastReport) > 250*time.Millisecond || off == size) {
			lastReport = time.Now()
			p := Progress{Done: off, Total: size}
			if el := time.Since(start).Seconds(); el > 0 {
				p.Rate = float64(off) / el
				if p.Rate > 0 {
					p.ETA = time.Duration(float64(size-off) / p.Rate * float64(time.Second))
				}
			}
			progress(p)
		}
	}
	for _, f := range feeds {
		close(f)
	}
	hashers.Wait()
	close(recycle)
	recycler.Wait()
	if readErr != nil {
		return res, readErr
	}
	res.Computed = Digests{
		MD5:    hex.EncodeToString(hashes[0].Sum(nil)),
		SHA1:   hex.EncodeToString(hashes[1].Sum(nil)),
		SHA256: hex.EncodeToString(hashes[2].Sum(nil)),
	}
	res.StoredMatch = compareStored(img.Stored(), res.Computed)
	return res, nil
}

// readTolerant fills p from off. An unreadable chunk is zero-filled, listed,
// and reading resumes after it. Other errors end the read.
func readTolerant(img Image, p []byte, off int64) ([]*ChunkError, error) {
	var errs []*ChunkError
	ss := int64(img.SectorSize())
	for done := 0; done < len(p); {
		n, err := img.ReadAt(p[done:], off+int64(done))
		done += n
		if done == len(p) {
			break
		}
		var ce *ChunkError
		switch {
		case errors.As(err, &ce):
			errs = append(errs, ce)
			end := (ce.LastSector + 1) * ss // media offset just past the bad chunk
			skip := end - (off + int64(done))
			if skip <= 0 {
				return errs, fmt.Errorf("imaging: unreadable region at byte %d does not advance: %w", off+int64(done), err)
			}
			skip = min(skip, int64(len(p)-done))
			clear(p[done : done+int(skip)])
			done += int(skip)
		case err == nil || errors.Is(err, io.EOF):
			return errs, fmt.Errorf("%w: media ends at byte %d of %d", ErrTruncated, off+int64(done), img.Size())
		default:
			return errs, err
		}
	}
	return errs, nil
}

func compareStored(stored, computed Digests) *bool {
	pairs := [][2]string{{stored.MD5, computed.MD5}, {stored.SHA1, computed.SHA1}, {stored.SHA256, computed.SHA256}}
	any, ok := false, true
	for _, p := range pairs {
		if p[0] == "" {
			continue
		}
		any = true
		if p[0] != p[1] {
			ok = false
		}
	}
	if !any {
		return nil
	}
	return &ok
}
