package viewmodel

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/loupe-forensics/loupe/artefacts"
	"github.com/loupe-forensics/loupe/forensic/disk"
	"github.com/loupe-forensics/loupe/forensic/finding"
	"github.com/loupe-forensics/loupe/forensic/record"
	"github.com/loupe-forensics/loupe/forensic/recordstore"
	"github.com/loupe-forensics/loupe/forensic/scan"
	"github.com/loupe-forensics/loupe/forensic/volume"
	"github.com/loupe-forensics/loupe/imaging"
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
			Registry: reg, Open: scan.Openers{Image: imaging.Open, Disk: openScanDisk},
			Progress: &lineWriter{fn: progress}, Tool: tool,
			Params: map[string]string{"sources": strings.Join(names, " "), "started_from": "new-examination wizard"},
		})
		if err != nil {
			return nil, err
		}
		return s.Examine(ctx, recordstore.New(rec), specs)
	}
}

// openScanDisk splits an image into the pipeline's volumes. disk.Disk.Close
// would close the image, which the pipeline owns, so the Disk is not kept.
func openScanDisk(ctx context.Context, img imaging.Image) (*scan.Disk, error) {
	d, err := disk.Open(ctx, img)
	if err != nil {
		return nil, err
	}
	out := &scan.Disk{}
	scheme := volume.KindNone
	if d.Volumes != nil {
		scheme = d.Volumes.Kind
	}
	for _, w := range d.Warnings {
		ref := w.Ref
		if ref == nil {
			ref = img.Ref()
		}
		out.Warnings = append(out.Warnings, finding.Warning{Parser: "disk", Source: ref, Message: fmt.Sprintf("at image offset %d: %v", w.Offset, w.Err)})
	}
	for _, m := range d.FileSystems {
		p := m.Partition
		ref := p.Ref
		if ref == nil {
			ref = img.Ref()
		}
		out.Volumes = append(out.Volumes, scan.Volume{Ref: ref, Index: p.Index, Scheme: scheme, Start: p.Start, Length: p.Length, Type: p.Description, Label: p.Label, FS: m.FS})
	}
	return out, nil
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
