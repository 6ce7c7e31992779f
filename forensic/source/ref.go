// Package source defines the provenance reference that every object Loupe
// finds carries: a chain image > partition > file system > entry > stream,
// row or byte offset. It is a leaf package: it imports nothing of Loupe's.
//
// The idea is dfVFS's chained path specification: each step names its layer
// type and its position inside the parent, and the whole chain has one
// canonical string form that serves as identity in the record, in reports
// and in reproduce diffs.
package source

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Layer types. A Ref's Type is one of these.
const (
	TypeImage     = "image"     // an evidence container; Locator is the first segment's base name
	TypeFolder    = "folder"    // a folder of loose files used as logical evidence
	TypePartition = "partition" // Locator "p<N>" (mmls slot order, from 1) or "gap<N>"; Offset/Length in bytes on the image
	TypeFS        = "fs"        // a file system; Locator "ntfs" | "ext4"; Offset = byte offset of the volume on the image
	TypeEntry     = "entry"     // a file-system entry; Locator = absolute path, ID = inode or MFT "entry-seq"
	TypeStream    = "stream"    // a named data stream (NTFS ADS); Locator = stream name
	TypeRow       = "row"       // a database row; Locator = table, ID = rowid or key
	TypeOffset    = "offset"    // a byte range inside the parent; Offset/Length
	TypeRegion    = "region"    // a disk region swept as bytes; Locator "unallocated" | "slack" | "gap" | "image"
	TypeRecord    = "record"    // a record inside a container file (BDB key, LevelDB key, JSON path, log line)
)

// ErrInvalid is returned when a Ref step lacks what its layer needs.
var ErrInvalid = errors.New("source: invalid reference")

// Ref is one step of a provenance chain. Refs are immutable once built:
// use the constructors and Child methods, which validate each step.
type Ref struct {
	Type    string `json:"type"`
	Locator string `json:"locator,omitempty"`
	ID      string `json:"id,omitempty"`
	Offset  int64  `json:"offset,omitempty"`
	Length  int64  `json:"length,omitempty"`
	Parent  *Ref   `json:"parent,omitempty"`
}

// Image returns the root reference of an evidence container.
func Image(name string) *Ref { return &Ref{Type: TypeImage, Locator: name} }

// Folder returns the root reference of a folder of loose files.
func Folder(name string) *Ref { return &Ref{Type: TypeFolder, Locator: name} }

// Child returns a new step below r. It panics on nothing; validation errors
// are reported by Validate so hostile input never aborts a walk.
func (r *Ref) Child(typ, locator, id string, offset, length int64) *Ref {
	return &Ref{Type: typ, Locator: locator, ID: id, Offset: offset, Length: length, Parent: r}
}

// Partition returns the partition step; index follows mmls slot order from 1.
func (r *Ref) Partition(index int, start, length int64) *Ref {
	return r.Child(TypePartition, "p"+strconv.Itoa(index), "", start, length)
}

// Gap returns the step for an unallocated gap between partitions.
func (r *Ref) Gap(index int, start, length int64) *Ref {
	return r.Child(TypePartition, "gap"+strconv.Itoa(index), "", start, length)
}

// FS returns the file-system step (kind "ntfs" or "ext4").
func (r *Ref) FS(kind string, volumeOffset int64) *Ref {
	return r.Child(TypeFS, kind, "", volumeOffset, 0)
}

// Entry returns the step for a file-system entry.
func (r *Ref) Entry(path, id string) *Ref { return r.Child(TypeEntry, path, id, 0, 0) }

// Stream returns the step for a named data stream of an entry.
func (r *Ref) Stream(name string) *Ref { return r.Child(TypeStream, name, "", 0, 0) }

// Row returns the step for a database row.
func (r *Ref) Row(table, rowid string) *Ref { return r.Child(TypeRow, table, rowid, 0, 0) }

// At returns the step for a byte range inside r.
func (r *Ref) At(offset, length int64) *Ref { return r.Child(TypeOffset, "", "", offset, length) }

// Record returns the step for a record inside a container file.
func (r *Ref) Record(kind, key string) *Ref { return r.Child(TypeRecord, kind, key, 0, 0) }

// Validate checks every step of the chain.
func (r *Ref) Validate() error {
	for s := r; s != nil; s = s.Parent {
		switch s.Type {
		case TypeImage, TypeFolder:
			if s.Parent != nil {
				return fmt.Errorf("%w: %s step must be the root", ErrInvalid, s.Type)
			}
		case TypePartition, TypeFS, TypeRegion:
			if s.Locator == "" {
				return fmt.Errorf("%w: %s step without locator", ErrInvalid, s.Type)
			}
		case TypeEntry:
			if s.Locator == "" && s.ID == "" {
				return fmt.Errorf("%w: entry step needs a path or an id", ErrInvalid)
			}
		case TypeStream, TypeRow, TypeRecord:
			if s.Locator == "" && s.ID == "" {
				return fmt.Errorf("%w: %s step without locator or id", ErrInvalid, s.Type)
			}
		case TypeOffset:
			if s.Offset < 0 || s.Length < 0 {
				return fmt.Errorf("%w: negative offset or length", ErrInvalid)
			}
		default:
			return fmt.Errorf("%w: unknown type %q", ErrInvalid, s.Type)
		}
		if s.Parent == nil && s.Type != TypeImage && s.Type != TypeFolder {
			return fmt.Errorf("%w: chain does not start at an image or folder", ErrInvalid)
		}
	}
	return nil
}

// Chain returns the steps from the root down to r.
func (r *Ref) Chain() []*Ref {
	var out []*Ref
	for s := r; s != nil; s = s.Parent {
		out = append(out, s)
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}

// Find returns the nearest step of the given type at or above r, or nil.
func (r *Ref) Find(typ string) *Ref {
	for s := r; s != nil; s = s.Parent {
		if s.Type == typ {
			return s
		}
	}
	return nil
}

// String is the canonical form, e.g.
//
//	image:disk.E01 > partition:p2@1048576+33554432 > fs:ntfs@1048576 > entry:/Users/a/places.sqlite#64-1 > row:moz_places#42
//
// Locators are escaped so that the separators " > ", "#", "@" and "+" inside
// them cannot be confused with structure.
func (r *Ref) String() string {
	if r == nil {
		return ""
	}
	var b strings.Builder
	for i, s := range r.Chain() {
		if i > 0 {
			b.WriteString(" > ")
		}
		b.WriteString(s.Type)
		b.WriteByte(':')
		b.WriteString(escape(s.Locator))
		if s.ID != "" {
			b.WriteByte('#')
			b.WriteString(escape(s.ID))
		}
		if s.Offset != 0 || s.Length != 0 || s.Type == TypeOffset {
			b.WriteByte('@')
			b.WriteString(strconv.FormatInt(s.Offset, 10))
			if s.Length != 0 {
				b.WriteByte('+')
				b.WriteString(strconv.FormatInt(s.Length, 10))
			}
		}
	}
	return b.String()
}

// escape percent-encodes the characters that carry structure in String.
func escape(s string) string {
	if !strings.ContainsAny(s, "%>#@+\n\r") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '%', '>', '#', '@', '+', '\n', '\r':
			fmt.Fprintf(&b, "%%%02X", c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// Path returns the entry path of the nearest entry step, or "".
func (r *Ref) Path() string {
	if e := r.Find(TypeEntry); e != nil {
		return e.Locator
	}
	return ""
}

// PartitionIndex returns the partition number of the chain, or 0 when the
// file system sits on the whole image or the chain has no partition.
func (r *Ref) PartitionIndex() int {
	p := r.Find(TypePartition)
	if p == nil || !strings.HasPrefix(p.Locator, "p") {
		return 0
	}
	n, _ := strconv.Atoi(p.Locator[1:])
	return n
}
