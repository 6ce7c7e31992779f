// Package recordstore is the examination pipeline's Store over the
// examination record: the one place the row layouts of the record's
// sources, volumes and verifications tables are defined, so that every front
// end (loupe-cli, the desktop app) writes them identically and readers
// (reports, review) can rely on them.
package recordstore

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/loupe-forensics/loupe/forensic/record"
	"github.com/loupe-forensics/loupe/forensic/scan"
	"github.com/loupe-forensics/loupe/imaging"
)

// Store adapts the examination record to the pipeline's Store. The row
// layouts below are the record's sources, volumes and verifications content
// (snake_case JSON; source_id is a queried column): a public contract, to
// be extended by adding fields only.
type Store struct {
	rec   *record.Record
	mu    sync.Mutex
	runID int64
}

// New returns a Store writing to rec.
func New(rec *record.Record) *Store { return &Store{rec: rec} }

// RunID is the ID of the run the pipeline started last (0 before any).
func (s *Store) RunID() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.runID
}

// SourceRow is a sources row's content.
type SourceRow struct {
	Ref         string            `json:"ref"`
	Format      string            `json:"format"`
	Segments    []string          `json:"segments,omitempty"`
	Size        int64             `json:"size"`
	SectorSize  int               `json:"sector_size,omitempty"`
	Acquisition imaging.Digests   `json:"acquisition"`
	Metadata    map[string]string `json:"metadata,omitempty"`
}

// VolumeRow is a volumes row's content.
type VolumeRow struct {
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

// VerificationRow is a verifications row's content.
type VerificationRow struct {
	SourceID   int64           `json:"source_id"`
	Computed   imaging.Digests `json:"computed"`
	Result     string          `json:"result"` // match, mismatch, no-reference
	Detail     string          `json:"detail,omitempty"`
	DurationNS int64           `json:"duration_ns"`
}

func (s *Store) AddSource(ctx context.Context, si scan.SourceInfo) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rec.AddRow(ctx, "sources", "source.add", SourceRow{
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

func (s *Store) AddVolume(ctx context.Context, sourceID int64, v scan.Volume) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	row := VolumeRow{SourceID: sourceID, Ref: v.Ref.String(), Index: v.Index, Scheme: v.Scheme, Start: v.Start, Length: v.Length, Type: v.Type, Label: v.Label}
	if v.FS != nil {
		row.FS = v.FS.Kind()
	}
	_, err := s.rec.AddRow(ctx, "volumes", "volume.add", row)
	return err
}

func (s *Store) AddVerification(ctx context.Context, sourceID int64, v scan.Verification) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, err := s.rec.AddRow(ctx, "verifications", "source.verify", VerificationRow{
		SourceID: sourceID, Computed: v.Computed, Result: v.Result, Detail: v.Detail, DurationNS: v.Duration.Nanoseconds(),
	})
	return err
}

func (s *Store) StartRun(ctx context.Context, spec scan.RunSpec) (scan.Run, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	run, err := s.rec.StartRun(ctx, record.RunSpec{Tool: spec.Tool, Parsers: spec.Parsers, Sources: spec.Sources, Params: spec.Params})
	if err != nil {
		return nil, err
	}
	s.runID = run.ID
	return run, nil
}
