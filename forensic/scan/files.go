package scan

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/loupe-forensics/loupe/artefacts"
	"github.com/loupe-forensics/loupe/forensic/filesystem"
	"github.com/loupe-forensics/loupe/forensic/finding"
	"github.com/loupe-forensics/loupe/forensic/source"
)

// readBufSize is each worker's read buffer: big enough for efficient
// sequential reads, small enough that memory does not depend on file sizes.
const readBufSize = 1 << 20

// readerAtCloser is an opened file's content.
type readerAtCloser interface {
	io.ReaderAt
	io.Closer
}

// job is one file or stream to offer to the parsers.
type job struct {
	ref     *source.Ref
	path    string // "/"-separated path inside its file system, for context
	size    int64  // logical size; -1 to take it from the opened file's Stat
	deleted bool
	fsys    fs.FS
	open    func(ctx context.Context) (readerAtCloser, error)
	// done, when set, is told the file's digest once it was fully read.
	done func(sha string, size int64)
}

// runPool starts the workers, lets produce submit jobs, and waits for all
// of them. It returns produce's error, or ctx's when cancelled.
func (s *Scanner) runPool(ctx context.Context, sink finding.Sink, workRoot string, c *counters, produce func(submit func(job) error) error) error {
	// A short queue keeps memory flat: the walker only runs a little ahead.
	jobs := make(chan job, 4*s.cfg.Workers)
	done := make(chan struct{}, s.cfg.Workers)
	for i := 0; i < s.cfg.Workers; i++ {
		dir := filepath.Join(workRoot, fmt.Sprintf("w%d", i))
		if err := os.MkdirAll(dir, 0o700); err != nil {
			close(jobs)
			return fmt.Errorf("scan: work dir: %w", err)
		}
		go func() {
			defer func() { done <- struct{}{} }()
			w := worker{s: s, sink: sink, dir: dir, c: c, buf: make([]byte, readBufSize)}
			for j := range jobs {
				if ctx.Err() != nil {
					continue // drain so the producer is never stuck
				}
				w.process(ctx, j)
			}
		}()
	}
	err := produce(func(j job) error {
		select {
		case jobs <- j:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	})
	close(jobs)
	for i := 0; i < s.cfg.Workers; i++ {
		<-done
	}
	if err == nil {
		err = ctx.Err()
	}
	return err
}

type worker struct {
	s    *Scanner
	sink finding.Sink
	dir  string
	c    *counters
	buf  []byte
}

func (w *worker) warn(ctx context.Context, ref *source.Ref, format string, a ...any) {
	_ = w.sink.Warn(ctx, finding.Warning{Parser: ParserName, Source: ref, Message: fmt.Sprintf(format, a...)})
}

// process reads, hashes and parses one file. Its findings reach the sink
// only when every parser is done with it (see the package comment).
func (w *worker) process(ctx context.Context, j job) {
	f, err := j.open(ctx)
	if err != nil {
		if ctx.Err() == nil {
			what := "open"
			if j.deleted {
				what = "open deleted entry"
			}
			w.warn(ctx, j.ref, "%s %s: %v", what, j.path, err)
		}
		return
	}
	defer f.Close()
	size := j.size
	if size < 0 {
		st, ok := f.(interface{ Stat() (fs.FileInfo, error) })
		if !ok {
			w.warn(ctx, j.ref, "size of %s unknown", j.path)
			return
		}
		fi, err := st.Stat()
		if err != nil {
			w.warn(ctx, j.ref, "stat %s: %v", j.path, err)
			return
		}
		size = fi.Size()
	}
	head, sum, n, err := readAll(ctx, f, size, w.buf)
	w.c.bytes.Add(n)
	if err != nil {
		if ctx.Err() == nil {
			w.warn(ctx, j.ref, "read %s: %v", j.path, err)
		}
		return
	}
	in := &artefacts.Input{
		Ref: j.ref, Path: j.path, Size: size, Head: head, Reader: f,
		SHA256: sum, FS: j.fsys, WorkDir: w.dir, Deleted: j.deleted,
	}
	var col finding.Collector
	for _, p := range w.s.cfg.Registry.Matching(in) {
		if ctx.Err() != nil {
			break
		}
		first := len(col.Artefacts)
		_ = artefacts.Run(ctx, p, in, &col)
		// Fill in what a parser left out, so provenance is never empty.
		for i := first; i < len(col.Artefacts); i++ {
			a := &col.Artefacts[i]
			if a.Parser == "" {
				a.Parser, a.ParserVersion = p.Name(), p.Version()
			}
			if a.Source == nil {
				a.Source = in.Ref
			}
			if a.SourceSHA256 == "" {
				a.SourceSHA256 = in.SHA256
			}
		}
	}
	cleanDir(w.dir)
	if ctx.Err() != nil {
		return // a half-parsed file is dropped whole; the run is incomplete anyway
	}
	for _, a := range col.Artefacts {
		if w.sink.Artefact(ctx, a) != nil {
			return
		}
	}
	for _, x := range col.Warnings {
		if x.Source == nil {
			x.Source = in.Ref
		}
		if w.sink.Warn(ctx, x) != nil {
			return
		}
	}
	w.c.files.Add(1)
	if j.done != nil {
		j.done(sum, size)
	}
	if t := w.s.cfg.Throttle; t > 0 {
		select {
		case <-time.After(t):
		case <-ctx.Done():
		}
	}
}

// readAll streams the content through SHA-256 and returns the head; it
// reads exactly size bytes and reports where a read fell short.
func readAll(ctx context.Context, r io.ReaderAt, size int64, buf []byte) (head []byte, sum string, n int64, err error) {
	h := sha256.New()
	head = []byte{}
	for n < size {
		if err := ctx.Err(); err != nil {
			return nil, "", n, err
		}
		want := int64(len(buf))
		if size-n < want {
			want = size - n
		}
		got, rerr := r.ReadAt(buf[:want], n)
		if n == 0 {
			head = append(head, buf[:min(got, artefacts.HeadSize)]...)
		}
		h.Write(buf[:got])
		n += int64(got)
		if int64(got) < want {
			if rerr == nil || errors.Is(rerr, io.EOF) {
				rerr = io.ErrUnexpectedEOF
			}
			return nil, "", n, fmt.Errorf("at offset %d of %d: %w", n, size, rerr)
		}
	}
	return head, hex.EncodeToString(h.Sum(nil)), n, nil
}

// cleanDir empties a worker's scratch folder between files, so one file's
// SQLite copies never meet the next file's.
func cleanDir(dir string) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range ents {
		_ = os.RemoveAll(filepath.Join(dir, e.Name()))
	}
}

// walkFS offers every regular file of a file system, allocated or deleted,
// with its named streams, to the parsers.
func (s *Scanner) walkFS(ctx context.Context, sink finding.Sink, fsys filesystem.FS, workRoot string, c *counters) error {
	err := s.runPool(ctx, sink, workRoot, c, func(submit func(job) error) error {
		return fsys.Walk(ctx, func(e *filesystem.Entry) error {
			if e.Type != filesystem.TypeFile {
				return nil
			}
			ec := *e // the walker may reuse its Entry
			ref := ec.Ref
			if ref == nil {
				ref = fsys.Ref().Entry(ec.Path, string(ec.ID))
			}
			if err := submit(job{
				ref: ref, path: ec.Path, size: ec.Size, deleted: ec.Deleted, fsys: fsys,
				open: func(ctx context.Context) (readerAtCloser, error) { return fsys.OpenID(ctx, ec.ID, "") },
			}); err != nil {
				return err
			}
			for _, name := range ec.Streams {
				// NTFS metadata files carry huge sparse or internal streams
				// ($BadClus:$Bad spans the whole volume, $UsnJrnl:$J is
				// mostly sparse); their content is not user data.
				if name == "" || (fsys.Kind() == filesystem.KindNTFS && strings.HasPrefix(ec.Path, "/$")) {
					continue
				}
				if err := submit(job{
					ref: ref.Stream(name), path: ec.Path + ":" + name, size: -1, deleted: ec.Deleted, fsys: fsys,
					open: func(ctx context.Context) (readerAtCloser, error) { return fsys.OpenID(ctx, ec.ID, name) },
				}); err != nil {
					return err
				}
			}
			return nil
		})
	})
	// File-system problems found while walking are recorded, not fatal.
	for _, w := range fsys.Warnings() {
		msg := w.Err.Error()
		if w.Offset != 0 {
			msg = fmt.Sprintf("at image offset %d: %s", w.Offset, msg)
		}
		ref := w.Ref
		if ref == nil {
			ref = fsys.Ref()
		}
		if werr := sink.Warn(context.WithoutCancel(ctx), finding.Warning{Parser: "filesystem/" + fsys.Kind(), Source: ref, Message: msg}); werr != nil && err == nil {
			err = werr
		}
	}
	if err != nil && ctx.Err() == nil && !isSinkErr(err) {
		// The walk itself failed part-way (corrupt directory): record it and
		// carry on with the next file system.
		return sink.Warn(ctx, finding.Warning{Parser: "filesystem/" + fsys.Kind(), Source: fsys.Ref(), Message: "walk stopped: " + err.Error()})
	}
	return err
}

// sinkError marks a failure to write to the record, which aborts the run
// (unlike problems with the evidence, which are warnings).
type sinkError struct{ err error }

func (e *sinkError) Error() string { return "scan: record: " + e.err.Error() }
func (e *sinkError) Unwrap() error { return e.err }

func isSinkErr(err error) bool {
	var se *sinkError
	return errors.As(err, &se)
}
