package main

import (
	"context"
	"encoding/json"
	"flag"
	"io"
	"sync"

	"github.com/loupe-forensics/loupe/artefacts/sweep"
	"github.com/loupe-forensics/loupe/forensic/finding"
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
func runSweep(ctx context.Context, e env, args []string) int {
	fl := flag.NewFlagSet("sweep", flag.ContinueOnError)
	fl.SetOutput(io.Discard)
	_ = fl.Bool("json", true, "JSON lines (the only output form)")
	whole := fl.Bool("whole-image", false, "sweep the image as one byte range")
	chunk := fl.Int64("chunk", sweep.DefaultChunk, "chunk size in bytes")
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
	log, err := sweep.Run(ctx, d, &jsonSink{enc: enc}, sweep.Options{Engine: sweep.Engine{Chunk: *chunk}, WholeImage: *whole})
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
