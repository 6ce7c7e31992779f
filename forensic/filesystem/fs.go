// Package filesystem is the one read-only file-system contract that NTFS and
// ext4 implement: io/fs compatible, plus what an examiner needs (entry ids,
// every timestamp, deleted and orphan entries, streams, data runs).
package filesystem

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"time"

	"github.com/loupe-forensics/loupe/forensic/source"
)

// Kinds, as in the CLI's "fs" field.
const (
	KindNTFS = "ntfs"
	KindExt4 = "ext4"
)

// Sentinel errors.
var (
	ErrWrongFormat = errors.New("filesystem: not this file system")
	ErrCorrupt     = errors.New("filesystem: corrupt structure")
	ErrUnsupported = errors.New("filesystem: unsupported feature")
)

// EntryID identifies an entry independent of its name: an ext4 inode number
// ("12") or an NTFS MFT entry and sequence ("64-1").
type EntryID string

// Type of an entry, as in the CLI's "type" field.
const (
	TypeFile    = "file"
	TypeDir     = "dir"
	TypeSymlink = "symlink"
	TypeOther   = "other"
)

// Timestamps holds every time the file system keeps, all in UTC. A nil
// pointer means the file system does not keep it or the value is unset.
type Timestamps struct {
	Modified *time.Time `json:"mtime,omitempty"`
	Accessed *time.Time `json:"atime,omitempty"`
	Changed  *time.Time `json:"ctime,omitempty"` // ext4 inode change; NTFS $SI MFT-entry modified
	Born     *time.Time `json:"crtime,omitempty"`
	Deleted  *time.Time `json:"dtime,omitempty"` // ext4 dtime
	// NTFS $FILE_NAME times (of the name the entry was reached by).
	FNModified *time.Time `json:"fn_mtime,omitempty"`
	FNAccessed *time.Time `json:"fn_atime,omitempty"`
	FNChanged  *time.Time `json:"fn_ctime,omitempty"`
	FNBorn     *time.Time `json:"fn_crtime,omitempty"`
}

// Run maps a range of a file's logical content to the image. ImageOffset is
// absolute on the image (partition offset already added), so it is direct
// provenance and a DFXML byte_run. Sparse runs have no image bytes.
type Run struct {
	FileOffset  int64 `json:"file_offset"`
	ImageOffset int64 `json:"img_offset"`
	Length      int64 `json:"len"`
	Sparse      bool  `json:"sparse,omitempty"`
	Resident    bool  `json:"resident,omitempty"` // NTFS: data lives inside the MFT record at ImageOffset
}

// Entry is everything known about one file-system entry.
type Entry struct {
	Path     string      `json:"path"` // absolute, "/" separated; for orphans a synthetic path under /$OrphanFiles
	Name     string      `json:"name"`
	ID       EntryID     `json:"inode"`
	ParentID EntryID     `json:"parent,omitempty"`
	Type     string      `json:"type"`
	Size     int64       `json:"size"`
	Mode     fs.FileMode `json:"-"`
	Perm     uint32      `json:"mode,omitempty"` // raw permission bits where the FS has them
	UID      *uint32     `json:"uid,omitempty"`
	GID      *uint32     `json:"gid,omitempty"`
	Links    uint32      `json:"links,omitempty"`
	Times    Timestamps  `json:"times"`
	Deleted  bool        `json:"deleted"`          // name or metadata no longer allocated
	Orphan   bool        `json:"orphan,omitempty"` // metadata found without a name
	Streams  []string    `json:"streams,omitempty"`
	Target   string      `json:"target,omitempty"` // symlink target
	Ref      *source.Ref `json:"-"`
}

// Info returns an fs.FileInfo view of the entry.
func (e *Entry) Info() fs.FileInfo { return entryInfo{e} }

type entryInfo struct{ e *Entry }

func (i entryInfo) Name() string { return i.e.Name }
func (i entryInfo) Size() int64  { return i.e.Size }
func (i entryInfo) Mode() fs.FileMode {
	return i.e.Mode
}
func (i entryInfo) ModTime() time.Time {
	if i.e.Times.Modified != nil {
		return *i.e.Times.Modified
	}
	return time.Time{}
}
func (i entryInfo) IsDir() bool { return i.e.Type == TypeDir }
func (i entryInfo) Sys() any    { return i.e }

// File is an opened entry or stream.
type File interface {
	fs.File
	io.ReaderAt
	Entry() *Entry
	// Runs maps logical offsets of the opened stream to image offsets.
	Runs() []Run
}

// WalkFunc receives each entry of a walk, allocated or not. Returning an
// error stops the walk with that error.
type WalkFunc func(e *Entry) error

// Warning is a problem found while reading file-system structures: recorded,
// never fatal.
type Warning struct {
	Ref    *source.Ref
	Offset int64 // image offset of the structure, when known
	Err    error
}

// FS is a read-only forensic file system. Implementations are safe for
// concurrent use.
type FS interface {
	fs.FS
	fs.ReadDirFS
	fs.StatFS
	Kind() string
	Ref() *source.Ref
	// Walk visits every entry: allocated ones in directory order, then
	// deleted and orphan entries. It honours ctx cancellation.
	Walk(ctx context.Context, fn WalkFunc) error
	// OpenID opens an entry by id (deleted entries too), optionally a named stream.
	OpenID(ctx context.Context, id EntryID, stream string) (File, error)
	// StatID returns the entry for an id.
	StatID(ctx context.Context, id EntryID) (*Entry, error)
	// Warnings returns the problems seen so far.
	Warnings() []Warning
}

// Opener opens a file system on a volume. r covers exactly the volume;
// volumeOffset is its byte offset on the image so Runs can be absolute.
type Opener func(ctx context.Context, r io.ReaderAt, size, volumeOffset int64, parent *source.Ref) (FS, error)
