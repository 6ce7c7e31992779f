package scan

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/loupe-forensics/loupe/forensic/finding"
	"github.com/loupe-forensics/loupe/imaging"
)

func defaultWorkers() int {
	n := runtime.GOMAXPROCS(0)
	if n < 2 {
		n = 2
	}
	return n
}

// counters are shared by workers and the progress printer.
type counters struct {
	files, bytes, artefacts, warnings atomic.Int64
	hashed, hashTotal                 atomic.Int64 // image bytes through the verification hash
	label                             atomic.Value // string: what is being walked
}

// countingImage counts the bytes the hash pass reads, for progress.
type countingImage struct {
	imaging.Image
	n *atomic.Int64
}

func (c countingImage) ReadAt(p []byte, off int64) (int, error) {
	n, err := c.Image.ReadAt(p, off)
	c.n.Add(int64(n))
	return n, err
}

// Examine runs one examination of the given sources and records it in st.
// Every source is opened before anything is written, so a typing mistake on
// the command line leaves the record untouched (ErrSource). When ctx is
// cancelled the run is recorded as incomplete and ErrInterrupted returned
// together with the summary of what was done.
func (s *Scanner) Examine(ctx context.Context, st Store, specs []SourceSpec) (*Summary, error) {
	start := time.Now()
	if len(specs) == 0 {
		return nil, fmt.Errorf("%w: no sources given", ErrSource)
	}
	var srcs []*opened
	defer func() {
		for _, o := range srcs {
			o.close()
		}
	}()
	for _, sp := range specs {
		o, err := s.open(ctx, sp)
		if err != nil {
			return nil, err
		}
		srcs = append(srcs, o)
	}
	workRoot, err := s.workRoot(srcs)
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(workRoot)

	sum := &Summary{}
	var ids []int64
	for _, o := range srcs {
		id, err := st.AddSource(ctx, o.info)
		if err != nil {
			return nil, fmt.Errorf("scan: record source %s: %w", o.info.Ref, err)
		}
		ids = append(ids, id)
		sum.Sources = append(sum.Sources, SourceResult{ID: id, Ref: o.info.Ref.String(), Format: o.info.Format, Size: o.info.Size, Stored: o.info.Stored})
	}
	run, err := st.StartRun(ctx, RunSpec{Tool: s.cfg.Tool, Parsers: s.cfg.Registry.Names(), Sources: ids, Params: s.cfg.Params})
	if err != nil {
		return nil, fmt.Errorf("scan: start run: %w", err)
	}
	s.progressf("run started: %d source(s), %d parser(s), %d workers", len(srcs), len(s.cfg.Registry.Parsers()), s.cfg.Workers)

	var c counters
	c.label.Store("")
	stopProgress := s.startProgress(&c)
	corr := newCorrelations(s.cfg.Registry)
	runErr := s.examineAll(ctx, st, run, srcs, ids, workRoot, &c, sum, corr)
	if runErr == nil {
		runErr = s.finishCorrelations(ctx, run, &c, corr)
	}
	stopProgress()

	sum.Files, sum.Bytes = c.files.Load(), c.bytes.Load()
	sum.Artefacts, sum.Warnings = c.artefacts.Load(), c.warnings.Load()
	sum.DurationNanos = time.Since(start).Nanoseconds()
	// Finishing must happen even when ctx is cancelled: that is the point.
	fin := context.WithoutCancel(ctx)
	if runErr != nil {
		sum.Status = "incomplete"
		if ctx.Err() != nil {
			sum.Reason = "interrupted: " + context.Cause(ctx).Error()
			runErr = fmt.Errorf("%w: %w", ErrInterrupted, runErr)
		} else {
			sum.Reason = runErr.Error()
		}
		if err := run.Fail(fin, sum.Reason); err != nil {
			return sum, errors.Join(runErr, fmt.Errorf("scan: record run failure: %w", err))
		}
		s.progressf("run incomplete: %s", sum.Reason)
		return sum, runErr
	}
	if err := run.Finish(fin); err != nil {
		sum.Status = "incomplete"
		sum.Reason = err.Error()
		return sum, fmt.Errorf("scan: finish run: %w", err)
	}
	sum.Status = "complete"
	s.progressf("run complete: %d files, %d artefacts, %d warnings in %s", sum.Files, sum.Artefacts, sum.Warnings, time.Duration(sum.DurationNanos).Round(time.Millisecond))
	return sum, nil
}

// workRoot makes the scratch folder, refusing any place inside a folder
// source: evidence is never written next to or into.
func (s *Scanner) workRoot(srcs []*opened) (string, error) {
	base := s.cfg.WorkDir
	if base == "" {
		base = os.TempDir()
	}
	abs, err := filepath.Abs(base)
	if err != nil {
		return "", fmt.Errorf("scan: work dir %s: %w", base, err)
	}
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		abs = real
	}
	for _, o := range srcs {
		if o.folder != "" && within(abs, o.folder) {
			return "", fmt.Errorf("%w: work dir %s is inside the evidence folder %s", ErrSource, abs, o.folder)
		}
	}
	dir, err := os.MkdirTemp(abs, "loupe-scan-")
	if err != nil {
		return "", fmt.Errorf("scan: work dir: %w", err)
	}
	return dir, nil
}

func within(p, dir string) bool {
	rel, err := filepath.Rel(dir, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

func (s *Scanner) startProgress(c *counters) (stop func()) {
	if s.cfg.Progress == nil {
		return func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(s.cfg.ProgressEvery)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				hash := ""
				if t := c.hashTotal.Load(); t > 0 {
					hash = fmt.Sprintf(", image hash %d%%", c.hashed.Load()*100/t)
				}
				s.progressf("%s: %d files, %.1f MiB read, %d artefacts, %d warnings%s",
					c.label.Load(), c.files.Load(), float64(c.bytes.Load())/(1<<20), c.artefacts.Load(), c.warnings.Load(), hash)
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}

// examineAll does every source in order. An error from the store aborts;
// problems with the evidence become warnings.
func (s *Scanner) examineAll(ctx context.Context, st Store, run Run, srcs []*opened, ids []int64, workRoot string, c *counters, sum *Summary, corr *correlations) error {
	// Sink failures (disk full, record closed) abort the whole run.
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	sink := &countingSink{Sink: run, c: c, cancel: cancel, corr: corr}
	for i, o := range srcs {
		var err error
		if o.img != nil {
			err = s.examineImage(ctx, st, sink, o, ids[i], workRoot, c, &sum.Sources[i])
		} else {
			err = s.examineFolder(ctx, st, sink, o, ids[i], workRoot, c, &sum.Sources[i])
		}
		if cause := context.Cause(ctx); cause != nil && !errors.Is(cause, context.Canceled) {
			return cause // a sink failure: report it rather than the cancellation it caused
		}
		if err != nil {
			return err
		}
	}
	return nil
}

type hashResult struct {
	d      imaging.Digests
	detail string
	err    error
	dur    time.Duration
}

func (s *Scanner) examineImage(ctx context.Context, st Store, sink *countingSink, o *opened, id int64, workRoot string, c *counters, res *SourceResult) error {
	// The triple hash runs beside the file walk: on two cores the
	// examination then costs about the hash pass, not the sum of both.
	hashed := make(chan hashResult, 1)
	c.hashed.Store(0)
	c.hashTotal.Store(o.info.Size)
	go func() {
		t0 := time.Now()
		d, detail, err := s.cfg.Open.Hash(ctx, countingImage{o.img, &c.hashed})
		hashed <- hashResult{d, detail, err, time.Since(t0)}
	}()
	walkErr := s.examineDisk(ctx, st, sink, o, id, workRoot, c, res)
	h := <-hashed
	c.hashTotal.Store(0)
	if walkErr != nil {
		return walkErr
	}
	if h.err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		// The image could not be hashed at all: a warning, and no verification row.
		return sink.Warn(ctx, finding.Warning{Parser: ParserName, Source: o.info.Ref, Message: "image hash: " + h.err.Error()})
	}
	if h.d == (imaging.Digests{}) {
		return nil // not hashed (reproduce's re-run): nothing to verify or record
	}
	v := Verification{Computed: h.d, Result: compare(o.info.Stored, h.d), Detail: h.detail, Duration: h.dur}
	res.Verification, res.Computed = v.Result, v.Computed
	s.progressf("%s: verification %s (md5 %s, sha1 %s, sha256 %s) in %s", o.info.Ref, v.Result, h.d.MD5, h.d.SHA1, h.d.SHA256, h.dur.Round(time.Millisecond))
	if err := st.AddVerification(ctx, id, v); err != nil {
		return fmt.Errorf("scan: record verification of %s: %w", o.info.Ref, err)
	}
	return nil
}

func (s *Scanner) examineDisk(ctx context.Context, st Store, sink *countingSink, o *opened, id int64, workRoot string, c *counters, res *SourceResult) error {
	d, err := s.cfg.Open.Disk(ctx, o.img)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		// No readable volume system or file system: the image is still
		// verified and the problem recorded.
		return sink.Warn(ctx, finding.Warning{Parser: ParserName, Source: o.info.Ref, Message: "open volumes: " + err.Error()})
	}
	defer d.close()
	for _, w := range d.Warnings {
		if err := sink.Warn(ctx, w); err != nil {
			return err
		}
	}
	res.Volumes = len(d.Volumes)
	for _, v := range d.Volumes {
		if err := st.AddVolume(ctx, id, v); err != nil {
			return fmt.Errorf("scan: record volume %s: %w", v.Ref, err)
		}
	}
	for _, v := range d.Volumes {
		if v.FS == nil {
			continue
		}
		res.FileSystems++
		c.label.Store(v.FS.Ref().String())
		if err := s.walkFS(ctx, sink, v.FS, workRoot, c); err != nil {
			return err
		}
	}
	return nil
}

// close releases file systems that hold resources.
func (d *Disk) close() {
	for _, v := range d.Volumes {
		if cl, ok := v.FS.(interface{ Close() error }); ok {
			_ = cl.Close()
		}
	}
}

// compare gives the verification result of computed against stored digests.
func compare(stored, computed imaging.Digests) string {
	pairs := [][2]string{{stored.MD5, computed.MD5}, {stored.SHA1, computed.SHA1}, {stored.SHA256, computed.SHA256}}
	any := false
	for _, p := range pairs {
		if p[0] == "" {
			continue
		}
		any = true
		if !strings.EqualFold(p[0], p[1]) {
			return Mismatch
		}
	}
	if !any {
		return NoReference
	}
	return Match
}

// countingSink counts what passes to the run and turns a write failure
// into cancellation of the whole examination.
type countingSink struct {
	finding.Sink
	c      *counters
	cancel context.CancelCauseFunc
	corr   *correlations // sees every artefact written; nil for the correlators' own output
}

func (k *countingSink) Artefact(ctx context.Context, a finding.Artefact) error {
	if err := k.Sink.Artefact(ctx, a); err != nil {
		err = &sinkError{fmt.Errorf("artefact: %w", err)}
		k.cancel(err)
		return err
	}
	k.c.artefacts.Add(1)
	k.corr.observe(a)
	return nil
}

func (k *countingSink) Warn(ctx context.Context, w finding.Warning) error {
	if err := k.Sink.Warn(ctx, w); err != nil {
		err = &sinkError{fmt.Errorf("warning: %w", err)}
		k.cancel(err)
		return err
	}
	k.c.warnings.Add(1)
	return nil
}

// manifestLine is one file of a folder source, for its manifest digest.
type manifestLine struct {
	path   string
	size   int64
	sha256 string
}

func sortManifest(m []manifestLine) {
	sort.Slice(m, func(i, j int) bool { return m[i].path < m[j].path })
}
