// Package imaging opens evidence containers (raw/dd, split raw, EnCase E01)
// read-only, detects their format by content, and hands every later layer an
// io.ReaderAt over the acquired media. It also computes and verifies media
// digests.
package imaging

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/loupe-forensics/loupe/forensic/source"
)

// Format names as they appear in the CLI's JSON ("format" field).
const (
	FormatRaw   = "raw"
	FormatSplit = "split"
	FormatE01   = "e01"
)

// Sentinel errors. Wrap them with the file name and offset.
var (
	ErrNotImage       = errors.New("imaging: not a recognised evidence image")
	ErrMissingSegment = errors.New("imaging: segment missing")
	ErrTruncated      = errors.New("imaging: segment truncated")
	ErrCorrupt        = errors.New("imaging: corrupt container")
	ErrWritable       = errors.New("imaging: block device is not read-only")
)

// Digests holds media hashes as lower-case hex; empty means absent.
type Digests struct {
	MD5    string `json:"md5,omitempty"`
	SHA1   string `json:"sha1,omitempty"`
	SHA256 string `json:"sha256,omitempty"`
}

// Metadata is what the container records about the acquisition. Fields the
// container lacks stay zero and are omitted from JSON.
type Metadata struct {
	CaseNumber          string     `json:"case_number,omitempty"`
	EvidenceNumber      string     `json:"evidence_number,omitempty"`
	Examiner            string     `json:"examiner,omitempty"`
	Description         string     `json:"description,omitempty"`
	Notes               string     `json:"notes,omitempty"`
	Acquired            *time.Time `json:"acquired,omitempty"` // UTC
	AcquisitionSoftware string     `json:"acquisition_software,omitempty"`
	// AcquisitionErrors are the sector ranges [first, last] the acquisition
	// could not read (EWF error2), as the container records them.
	AcquisitionErrors [][2]int64 `json:"acquisition_errors,omitempty"`
}

// Image is an opened evidence container. ReadAt is safe for concurrent use.
// Reads past Size return io.EOF as io.ReaderAt requires.
type Image interface {
	io.ReaderAt
	io.Closer
	Format() string
	Size() int64
	SectorSize() int
	// Segments lists the files that make up the container, in order.
	Segments() []string
	// Stored returns the digests the container itself records (E01), or zero.
	Stored() Digests
	Metadata() Metadata
	// Ref is the provenance root for everything found in this image.
	Ref() *source.Ref
}

// ChunkError describes a region of the media that could not be read
// faithfully (bad checksum, inflate error, short segment). Readers return it
// (wrapped) from ReadAt; the verifier collects them and continues.
type ChunkError struct {
	FirstSector, LastSector int64
	File                    string
	Reason                  string
}

func (e *ChunkError) Error() string {
	return fmt.Sprintf("imaging: sectors %d-%d in %s: %s", e.FirstSector, e.LastSector, e.File, e.Reason)
}

func (e *ChunkError) Unwrap() error { return ErrCorrupt }
