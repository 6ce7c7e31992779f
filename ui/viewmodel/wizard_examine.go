package viewmodel

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"

	"github.com/loupe-forensics/loupe/artefacts"
	"github.com/loupe-forensics/loupe/forensic/disk"
	"github.com/loupe-forensics/loupe/forensic/finding"
	"github.com/loupe-forensics/loupe/forensic/record"
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
		return s.Examine(ctx, &recordStore{rec: rec}, specs)
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

// recordStore is the pipeline's Store over the record, with the row
// layouts loupe-cli writes (cmd/loupe-cli/examine.go: SourceRow,
// VolumeRow, VerificationRow).
type recordStore struct {
	rec *record.Record
	mu  sync.Mutex
}

type sourceRow struct {
	Ref         string            `json:"ref"`
	Format      string            `json:"format"`
	Segments    []string          `json:"segments,omitempty"`
	Size        int64             `json:"size"`
	SectorSize  int               `json:"sector_size,omitempty"`
	Acquisition imaging.Digests   `json:"acquisition"`
	Metadata    map[string]string `json:"metadata,omitempty"`
}

type volumeRow struct {
	SourceID int64  `json:"source_id"`
	Ref      string `json:"ref"`
	Index    int    `json:"index"`
	Scheme   string `json:"scheme"`
	Start    int64  `json:"start"`
	Length   int64  `json:"length"`
	Type     string `json:"type,omitempty"`
	Label    string `json:"label,omitempty"`
	FS       string `json:"fs,omitempty"`
}

type verificationRow struct {
	SourceID   int64           `json:"source_id"`
	Computed   imaging.Digests `json:"computed"`
	Result     string          `json:"result"`
	Detail     string          `json:"detail,omitempty"`
	DurationNS int64           `json:"duration_ns"`
}

func (s *recordStore) AddSource(ctx context.Context, si scan.SourceInfo) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rec.AddRow(ctx, "sources", "source.add", sourceRow{
		Ref: si.Ref.String(), Format: si.Format, Segments: si.Segments, Size: si.Size, SectorSize: si.SectorSize,
		Acquisition: si.Stored, Metadata: metadataMap(si.Metadata),
	})
}

func metadataMap(m imaging.Metadata) map[string]string {
	out := map[string]string{}
	b, err := json.Marshal(m)
	if err != nil {
		return out
	}
	var raw map[string]any
	if json.Unmarshal(b, &raw) != nil {
		return out
	}
	for k, v := range raw {
		out[k] = fmt.Sprint(v)
	}
	return out
}

func (s *recordStore) AddVolume(ctx context.Context, sourceID int64, v scan.Volume) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	row := volumeRow{SourceID: sourceID, Ref: v.Ref.String(), Index: v.Index, Scheme: v.Scheme, Start: v.Start, Length: v.Length, Type: v.Type, Label: v.Label}
	if v.FS != nil {
		row.FS = v.FS.Kind()
	}
	_, err := s.rec.AddRow(ctx, "volumes", "volume.add", row)
	return err
}

func (s *recordStore) AddVerification(ctx context.Context, sourceID int64, v scan.Verification) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, err := s.rec.AddRow(ctx, "verifications", "source.verify", verificationRow{
		SourceID: sourceID, Computed: v.Computed, Result: v.Result, Detail: v.Detail, DurationNS: v.Duration.Nanoseconds(),
	})
	return err
}

func (s *recordStore) StartRun(ctx context.Context, spec scan.RunSpec) (scan.Run, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rec.StartRun(ctx, record.RunSpec{Tool: spec.Tool, Parsers: spec.Parsers, Sources: spec.Sources, Params: spec.Params})
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
