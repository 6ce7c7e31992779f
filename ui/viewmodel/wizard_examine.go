package viewmodel

import (
	"bytes"
	"context"
	"strings"
	"sync"

	"github.com/loupe-forensics/loupe/artefacts"
	"github.com/loupe-forensics/loupe/forensic/record"
	"github.com/loupe-forensics/loupe/forensic/recordstore"
	"github.com/loupe-forensics/loupe/forensic/scan"
)

// ScanExaminer runs examinations through the forensic/scan pipeline, as
// `loupe-cli examine` does: the same openers and the same row layouts for
// sources, volumes and verifications, so a record made in the app reads
// exactly like one made by the CLI. newRegistry builds the parser list (the
// app passes the same constructors as the CLI); tool names the run.
func ScanExaminer(newRegistry func() (*artefacts.Registry, error), tool string) Examiner {
	return func(ctx context.Context, rec *record.Record, images [][]string, progress func(string)) (*scan.Summary, error) {
		reg, err := newRegistry()
		if err != nil {
			return nil, err
		}
		var specs []scan.SourceSpec
		var names []string
		for _, im := range images {
			specs = append(specs, scan.SourceSpec{Paths: im})
			names = append(names, strings.Join(im, " "))
		}
		s, err := scan.New(scan.Config{
			Registry: reg, Open: scan.DefaultOpeners(),
			Progress: &lineWriter{fn: progress}, Tool: tool,
			Params: map[string]string{"sources": strings.Join(names, " "), "started_from": "new-examination wizard"},
		})
		if err != nil {
			return nil, err
		}
		return s.Examine(ctx, recordstore.New(rec), specs)
	}
}

// lineWriter turns the pipeline's progress lines into callbacks.
type lineWriter struct {
	mu  sync.Mutex
	buf []byte
	fn  func(string)
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, p...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			break
		}
		line := strings.TrimPrefix(string(w.buf[:i]), "examine: ")
		w.buf = w.buf[i+1:]
		if w.fn != nil {
			w.fn(line)
		}
	}
	return len(p), nil
}

// SessionEvidence returns the segment lists of a record's image sources
// (what the wizard or the CLI examined), for reopening the evidence.
func SessionEvidence(ctx context.Context, rec *record.Record) ([][]string, error) {
	rows, err := rec.Rows(ctx, "sources")
	if err != nil {
		return nil, err
	}
	var out [][]string
	for _, r := range rows {
		segs, _ := r["segments"].([]any)
		var paths []string
		for _, s := range segs {
			if p, ok := s.(string); ok {
				paths = append(paths, p)
			}
		}
		if len(paths) > 0 {
			out = append(out, paths)
		}
	}
	return out, nil
}
