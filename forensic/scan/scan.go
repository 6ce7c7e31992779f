// Package scan is the examine pipeline: it opens each evidence source
// (a disk image or a folder of loose files), verifies it, finds its volumes
// and file systems, offers every file to the parsers whose Match accepts its
// content, and writes what they find to the examination record.
//
// The pipeline depends on small interfaces rather than on the concrete
// record and disk packages: Store is what it needs from the record, and
// Openers is how it opens images and their file systems. The CLI wires the
// real ones; tests can wire fakes or the real ones.
//
// Concurrency: a walker goroutine per file system feeds a bounded queue;
// Config.Workers goroutines (default: one per core) open, hash and parse the
// files; image verification (the triple hash) runs beside them, so on two
// cores examine costs little more than the hash pass alone. Memory is
// bounded: file content is streamed, never read whole.
//
// Atomicity per file: a worker collects a file's findings in memory and
// hands them to the run only once every parser has finished with the file.
// A cancelled or killed examination therefore leaves whole files in the
// record, never half of one, and the run is recorded as incomplete.
package scan

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/loupe-forensics/loupe/artefacts"
	"github.com/loupe-forensics/loupe/forensic/filesystem"
	"github.com/loupe-forensics/loupe/forensic/finding"
	"github.com/loupe-forensics/loupe/forensic/source"
	"github.com/loupe-forensics/loupe/imaging"
)

// ParserName is how the pipeline itself signs warnings it records (a file
// that cannot be opened or read, a file-system or volume problem).
const ParserName = "scan"

// Errors.
var (
	// ErrSource means a source could not be opened at all (missing file,
	// not an image, not a folder). The CLI maps it to exit code 2.
	ErrSource = errors.New("scan: unreadable source")
	// ErrInterrupted means the examination was cancelled; the run has been
	// recorded as incomplete.
	ErrInterrupted = errors.New("scan: interrupted")
)

// SourceSpec names one evidence source on the command line: either the
// files of one image (all segments, or just the first) or one folder.
type SourceSpec struct {
	Paths  []string // image segment paths
	Folder string   // a folder of loose files (logical evidence)
}

func (s SourceSpec) String() string {
	if s.Folder != "" {
		return s.Folder
	}
	if len(s.Paths) > 0 {
		return s.Paths[0]
	}
	return "(empty source)"
}

// Volume is one partition (or the whole image) and the file system found on it.
type Volume struct {
	Ref    *source.Ref // the partition step, or the image root when there is no volume system
	Index  int         // mmls order from 1; 0 for the whole image
	Scheme string      // "gpt", "mbr", "none"
	Start  int64       // bytes on the image
	Length int64
	Type   string // partition type as text
	Label  string
	FS     filesystem.FS // nil when no supported file system was recognised
}

// Disk is an opened image split into volumes.
type Disk struct {
	Volumes  []Volume
	Warnings []finding.Warning // volume-system and file-system opening problems
}

// Openers is how the pipeline opens evidence. The CLI wires imaging.Open
// and forensic/disk; Hash defaults to the package's own triple hash.
type Openers struct {
	Image func(ctx context.Context, paths ...string) (imaging.Image, error)
	Disk  func(ctx context.Context, img imaging.Image) (*Disk, error)
	// Hash computes MD5, SHA-1 and SHA-256 of the whole image. Chunk errors
	// (a corrupt E01 chunk) are reported in detail and do not stop it.
	Hash func(ctx context.Context, img imaging.Image) (d imaging.Digests, detail string, err error)
}

// SourceInfo is what the record keeps about a source.
type SourceInfo struct {
	Ref        *source.Ref
	Format     string // imaging format, or "folder"
	Segments   []string
	Size       int64
	SectorSize int
	Stored     imaging.Digests
	Metadata   imaging.Metadata
}

// Verification is the outcome of hashing a source.
type Verification struct {
	Computed imaging.Digests
	// Result is "match", "mismatch" or "no-reference".
	Result   string
	Detail   string
	Duration time.Duration
}

// Verification results.
const (
	Match       = "match"
	Mismatch    = "mismatch"
	NoReference = "no-reference"
)

// RunSpec describes a run for the record.
type RunSpec struct {
	Tool    string
	Parsers []string // name@version, sorted
	Sources []int64
	Params  map[string]string
}

// Store is what the pipeline needs from the examination record. It must be
// safe for concurrent use.
type Store interface {
	AddSource(ctx context.Context, s SourceInfo) (int64, error)
	AddVolume(ctx context.Context, sourceID int64, v Volume) error
	AddVerification(ctx context.Context, sourceID int64, v Verification) error
	StartRun(ctx context.Context, spec RunSpec) (Run, error)
}

// Run receives one run's findings.
type Run interface {
	finding.Sink
	// Finish marks the run complete, Fail incomplete with a reason. Both
	// flush what is buffered.
	Finish(ctx context.Context) error
	Fail(ctx context.Context, reason string) error
}

// Config configures a Scanner.
type Config struct {
	Registry *artefacts.Registry
	Open     Openers
	// Workers is the number of file workers (default: GOMAXPROCS, at least 2).
	Workers int
	// Progress receives human-readable progress lines (stderr); nil for none.
	Progress io.Writer
	// ProgressEvery is the interval between progress lines (default 2 s).
	ProgressEvery time.Duration
	// WorkDir is where per-worker scratch folders are made (default: the
	// system temp dir). It must not be inside a folder source.
	WorkDir string
	// Tool and Params are recorded with the run.
	Tool   string
	Params map[string]string
	// Throttle sleeps this long after each file: a diagnostic knob that
	// makes a small examination last long enough to interrupt it in tests.
	Throttle time.Duration
}

// Summary is what an examination did.
type Summary struct {
	Sources       []SourceResult `json:"sources"`
	Files         int64          `json:"files"`
	Bytes         int64          `json:"bytes"`
	Artefacts     int64          `json:"artefacts"`
	Warnings      int64          `json:"warnings"`
	Status        string         `json:"status"` // "complete" or "incomplete"
	Reason        string         `json:"reason,omitempty"`
	DurationNanos int64          `json:"duration_ns"`
}

// SourceResult summarises one source.
type SourceResult struct {
	ID           int64           `json:"id"`
	Ref          string          `json:"ref"`
	Format       string          `json:"format"`
	Size         int64           `json:"size"`
	Volumes      int             `json:"volumes"`
	FileSystems  int             `json:"file_systems"`
	Verification string          `json:"verification,omitempty"`
	Computed     imaging.Digests `json:"computed"`
	Stored       imaging.Digests `json:"stored"`
}

// Scanner runs examinations.
type Scanner struct {
	cfg Config
	// progressMu serialises progress lines: the ticker and the examination
	// both write, and Progress need not be safe for concurrent use. A
	// pointer, as Collect copies the Scanner.
	progressMu *sync.Mutex
}

// New checks cfg and returns a Scanner.
func New(cfg Config) (*Scanner, error) {
	if cfg.Registry == nil {
		return nil, errors.New("scan: no parser registry")
	}
	if cfg.Open.Image == nil || cfg.Open.Disk == nil {
		return nil, errors.New("scan: image and disk openers are required")
	}
	if cfg.Open.Hash == nil {
		cfg.Open.Hash = HashImage
	}
	if cfg.Workers <= 0 {
		cfg.Workers = defaultWorkers()
	}
	if cfg.ProgressEvery <= 0 {
		cfg.ProgressEvery = 2 * time.Second
	}
	return &Scanner{cfg: cfg, progressMu: &sync.Mutex{}}, nil
}

func (s *Scanner) progressf(format string, a ...any) {
	if s.cfg.Progress != nil {
		s.progressMu.Lock()
		defer s.progressMu.Unlock()
		fmt.Fprintf(s.cfg.Progress, "examine: "+format+"\n", a...)
	}
}
