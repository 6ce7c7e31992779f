package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/loupe-forensics/loupe/artefacts/sweep"
	"github.com/loupe-forensics/loupe/forensic/finding"
	"github.com/loupe-forensics/loupe/forensic/record"
)

// sweepRow is one hit line of `loupe-cli sweep --json` (a public contract:
// add fields only).
type sweepRow struct {
	Kind       string `json:"kind"`
	Type       string `json:"type"`
	Value      string `json:"value"`
	Coin       string `json:"coin,omitempty"`
	Network    string `json:"network,omitempty"`
	Detail     string `json:"detail,omitempty"`
	Encoding   string `json:"encoding"`
	Region     string `json:"region"`
	Offset     int64  `json:"offset"` // absolute image offset; -1 when the file offset maps to no image byte
	Length     int64  `json:"length"`
	Path       string `json:"path,omitempty"`
	FileOffset *int64 `json:"file_offset,omitempty"`
	SHA256     string `json:"sha256,omitempty"`
	Source     string `json:"source"`
}

// jsonSink prints artefacts as sweep rows.
type jsonSink struct {
	mu  sync.Mutex
	enc *json.Encoder
}

func (s *jsonSink) Artefact(_ context.Context, a finding.Artefact) error {
	row := sweepRow{Kind: a.Kind, Source: a.Source.String(), SHA256: a.SourceSHA256}
	for _, at := range a.Attrs {
		switch at.Name {
		case "type":
			row.Type = at.Str
		case "value":
			row.Value = at.Str
		case "coin":
			row.Coin = at.Str
		case "network":
			row.Network = at.Str
		case "detail":
			row.Detail = at.Str
		case "encoding":
			row.Encoding = at.Str
		case "region":
			row.Region = at.Str
		case "offset":
			row.Offset = at.Int
		case "length":
			row.Length = at.Int
		case "path":
			row.Path = at.Str
		case "file_offset":
			v := at.Int
			row.FileOffset = &v
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.enc.Encode(row)
}

func (s *jsonSink) Warn(context.Context, finding.Warning) error { return nil }

// runSweep: loupe-cli sweep [--json] [--whole-image] [--chunk BYTES] IMAGE...
// The IMAGE arguments are the segments of one image. Hits are JSON lines,
// then one line {"search_log": …}.
//
// loupe-cli sweep RECORD --image IMAGE... --examiner NAME --reason WHY writes
// the hits into the record as a run and the search log into its audit chain.
func runSweep(ctx context.Context, e env, args []string) int {
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") && hasFlag(args[1:], "image") {
		return runSweepRecord(ctx, e, args[0], args[1:])
	}
	fl := flag.NewFlagSet("sweep", flag.ContinueOnError)
	fl.SetOutput(io.Discard)
	_ = fl.Bool("json", true, "JSON lines (the only output form)")
	whole := fl.Bool("whole-image", false, "sweep the image as one byte range")
	chunk := fl.Int64("chunk", sweep.DefaultChunk, "chunk size in bytes")
	progress := fl.Bool("progress", false, "report bytes swept on stderr every second")
	if err := fl.Parse(args); err != nil {
		return fail(e, exitUsage, "sweep: %v", err)
	}
	if fl.NArg() == 0 {
		return fail(e, exitUsage, "usage: loupe-cli sweep [--json] [--whole-image] [--chunk BYTES] IMAGE...")
	}
	if *chunk < 1 {
		return fail(e, exitUsage, "sweep: --chunk must be positive")
	}
	d, err := openDiskPaths(ctx, fl.Args())
	if err != nil {
		return fail(e, exitUsage, "sweep: %v", err)
	}
	defer d.Close()
	enc := json.NewEncoder(e.stdout)
	enc.SetEscapeHTML(false)
	eng := sweep.Engine{Chunk: *chunk}
	if *progress {
		stop := reportProgress(e, &eng, d.Image.Size())
		defer stop()
	}
	log, err := sweep.Run(ctx, d, &jsonSink{enc: enc}, sweep.Options{Engine: eng, WholeImage: *whole})
	if err != nil {
		return fail(e, exitUsage, "sweep: %v", err)
	}
	if err := enc.Encode(struct {
		Log *sweep.Log `json:"search_log"`
	}{log}); err != nil {
		return fail(e, exitUsage, "sweep: %v", err)
	}
	return exitOK
}

func hasFlag(args []string, name string) bool {
	for _, a := range args {
		if a == "-"+name || a == "--"+name || strings.HasPrefix(a, "-"+name+"=") || strings.HasPrefix(a, "--"+name+"=") {
			return true
		}
	}
	return false
}

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

// runSweepRecord sweeps into an existing examination record: the hits are
// one run's artefacts, and the search log is an audit entry ("search",
// kind regex, with the pattern list and version verbatim) followed by the
// full log ("sweep.log": regions covered, counts per type, duration).
func runSweepRecord(ctx context.Context, e env, recPath string, args []string) int {
	fl := flag.NewFlagSet("sweep", flag.ContinueOnError)
	fl.SetOutput(io.Discard)
	var images multiFlag
	fl.Var(&images, "image", "an image segment (repeat for split or E01 segments)")
	examiner := fl.String("examiner", "", "examiner's name (required)")
	keyDir := fl.String("key-dir", "", "examiner key directory")
	reason := fl.String("reason", "identifier sweep (AG Guidelines Annex A)", "why the search was run")
	whole := fl.Bool("whole-image", false, "sweep the image as one byte range")
	chunk := fl.Int64("chunk", sweep.DefaultChunk, "chunk size in bytes")
	if err := fl.Parse(args); err != nil {
		return fail(e, exitUsage, "sweep: %v", err)
	}
	if len(images) == 0 || *examiner == "" || fl.NArg() != 0 || *chunk < 1 {
		return fail(e, exitUsage, "usage: loupe-cli sweep RECORD --image IMAGE... --examiner NAME [--reason WHY] [--whole-image] [--chunk BYTES]")
	}
	rec, err := record.Open(ctx, recPath, record.Examiner{Name: *examiner}, record.Options{KeyDir: *keyDir})
	if err != nil {
		return fail(e, exitUsage, "sweep: %v", err)
	}
	defer rec.Close()
	res, err := sweepIntoRecord(ctx, rec, images, sweep.Options{Engine: sweep.Engine{Chunk: *chunk}, WholeImage: *whole}, *reason)
	if err != nil {
		return fail(e, exitUsage, "sweep: %v", err)
	}
	enc := json.NewEncoder(e.stdout)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(map[string]any{"record": recPath, "run_id": res.runID, "hits": res.hits, "rejected": res.rejected,
		"duration_ns": res.durationNS})
	return exitOK
}

type sweepResult struct {
	runID, hits, rejected, durationNS int64
}

// sweepIntoRecord sweeps one image into its own run of rec and records the
// search (patterns, version, scope, counts: AG Guidelines Annex A) in the
// audit chain. Both `sweep RECORD` and `examine --sweep` use it.
func sweepIntoRecord(ctx context.Context, rec *record.Record, images []string, opts sweep.Options, reason string) (sweepResult, error) {
	var res sweepResult
	d, err := openDiskPaths(ctx, images)
	if err != nil {
		return res, err
	}
	defer d.Close()
	run, err := rec.StartRun(ctx, record.RunSpec{Tool: "loupe-cli " + Version, Parsers: []string{sweep.Parser + "@" + sweep.Version},
		Params: map[string]string{"images": strings.Join(images, "\n"), "whole_image": fmt.Sprint(opts.WholeImage)}})
	if err != nil {
		return res, err
	}
	res.runID = run.ID
	log, err := sweep.Run(ctx, d, run, opts)
	if err != nil {
		_ = run.Fail(context.WithoutCancel(ctx), err.Error())
		return res, err
	}
	if err := run.Finish(ctx); err != nil {
		return res, err
	}
	for _, n := range log.Counts.Hits {
		res.hits += n
	}
	for _, n := range log.Counts.Rejected {
		res.rejected += n
	}
	res.durationNS = log.DurationNS
	scope := make([]string, 0, len(log.Regions))
	for _, r := range log.Regions {
		scope = append(scope, fmt.Sprintf("%s %s (%d bytes)", r.Region, r.Source, r.Bytes))
	}
	if _, err := rec.LogSearch(ctx, record.Search{Kind: "regex", Terms: log.Patterns, ListName: "identifier sweep",
		Version: log.Version, Scope: strings.Join(scope, "; "), Hits: res.hits, Excluded: res.rejected, Reason: reason}); err != nil {
		return res, err
	}
	if _, err := rec.Log(ctx, "sweep.log", map[string]any{"run_id": run.ID, "search_log": log,
		"duration": time.Duration(log.DurationNS).String()}); err != nil {
		return res, err
	}
	return res, nil
}

// reportProgress prints the bytes swept so far once a second until stop is
// called. The total is the image size: files, slack and free space add up to
// about that, so the percentage is a guide, not a promise.
func reportProgress(e env, eng *sweep.Engine, total int64) (stop func()) {
	var done atomic.Int64
	eng.Progress = func(n int64) { done.Add(n) }
	quit := make(chan struct{})
	finished := make(chan struct{})
	start := time.Now()
	go func() {
		defer close(finished)
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-quit:
				return
			case <-t.C:
				n := done.Load()
				fmt.Fprintf(e.stderr, "sweep: %d of ~%d bytes (%.0f%%), %.1f MB/s\n", n, total,
					100*float64(n)/float64(max(total, 1)), float64(n)/1e6/time.Since(start).Seconds())
			}
		}
	}()
	return func() { close(quit); <-finished }
}
