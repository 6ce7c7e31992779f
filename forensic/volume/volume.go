// Package volume finds the volume system of a disk image (GPT, MBR with
// extended partitions, or none) and lists its allocated partitions and the
// unallocated gaps between them, numbered the way The Sleuth Kit's mmls
// lists them so that references agree with TSK output.
//
// Everything read here is hostile: every table is bounds-checked, problems
// become Warnings and detection carries on with what can be trusted.
package volume

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"

	"github.com/loupe-forensics/loupe/forensic/source"
)

// Volume-system kinds.
const (
	KindGPT  = "gpt"
	KindMBR  = "mbr"
	KindNone = "none"
)

// Sentinel errors.
var (
	// ErrCorrupt marks a structure that failed a check (signature, CRC, bounds).
	ErrCorrupt = errors.New("volume: corrupt structure")
	// ErrShortRead marks a read that returned fewer bytes than the structure needs.
	ErrShortRead = errors.New("volume: short read")
)

// Partition is an allocated partition or an unallocated gap.
type Partition struct {
	// Index numbers allocated partitions from 1 in mmls listing order; 0 for gaps.
	Index int `json:"index"`
	// Slot is mmls's slot column: "000:001" (MBR table:entry) or "002" (GPT entry).
	Slot        string      `json:"slot,omitempty"`
	Start       int64       `json:"start"`          // bytes on the image
	Length      int64       `json:"length"`         // bytes
	Type        string      `json:"type,omitempty"` // GPT type GUID or MBR type like "0x83"
	Description string      `json:"description"`
	Label       string      `json:"label,omitempty"` // GPT partition name
	GUID        string      `json:"guid,omitempty"`  // GPT unique partition GUID
	Allocated   bool        `json:"allocated"`
	Ref         *source.Ref `json:"-"`
}

// Warning is a problem found in the volume system: recorded, never fatal.
type Warning struct {
	Ref    *source.Ref
	Offset int64 // byte offset of the structure on the image
	Err    error
}

func (w Warning) Error() string { return fmt.Sprintf("at byte %d: %v", w.Offset, w.Err) }

// System is a detected volume system.
type System struct {
	Kind       string      `json:"kind"`
	SectorSize int         `json:"sector_size"`
	Partitions []Partition `json:"partitions"` // allocated partitions and gaps, sorted by Start
	Warnings   []Warning   `json:"-"`
}

// Allocated returns the allocated partitions in Index order.
func (s *System) Allocated() []Partition {
	var out []Partition
	for _, p := range s.Partitions {
		if p.Allocated {
			out = append(out, p)
		}
	}
	return out
}

// Gaps returns the unallocated gaps in order.
func (s *System) Gaps() []Partition {
	var out []Partition
	for _, p := range s.Partitions {
		if !p.Allocated {
			out = append(out, p)
		}
	}
	return out
}

// Section returns a reader over exactly the partition's bytes.
func (p Partition) Section(r io.ReaderAt) *io.SectionReader {
	return io.NewSectionReader(r, p.Start, p.Length)
}

// rawPart is a partition found by a table parser before numbering.
type rawPart struct {
	slot        string
	start, n    int64 // in sectors
	typ, desc   string
	label, guid string
	order       int // table discovery order, to keep sorting stable
}

// Detect reads the volume system of an image of size bytes. sectorSize 0
// means 512. parent is the image's Ref. It fails only when ctx is cancelled
// or the image cannot be read at all; corrupt tables become warnings.
func Detect(ctx context.Context, r io.ReaderAt, size int64, sectorSize int, parent *source.Ref) (*System, error) {
	if sectorSize == 0 {
		sectorSize = 512
	}
	if sectorSize < 512 || sectorSize > 65536 || sectorSize&(sectorSize-1) != 0 {
		return nil, fmt.Errorf("volume: sector size %d: %w", sectorSize, ErrCorrupt)
	}
	if size < 0 {
		return nil, fmt.Errorf("volume: negative image size %d: %w", size, ErrCorrupt)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	d := &detector{ctx: ctx, r: r, size: size, ss: int64(sectorSize), parent: parent}
	sys := &System{SectorSize: sectorSize}

	var sector0 []byte
	if size >= 512 {
		b, err := d.read(0, 512)
		if err != nil {
			return nil, fmt.Errorf("volume: reading sector 0: %w", err)
		}
		sector0 = b
	}

	var parts []rawPart
	switch {
	case sector0 != nil && looksLikeMBR(sector0):
		if hasProtective(sector0) {
			gp, ss, err := d.gptAnySectorSize()
			if err == nil {
				sys.Kind, parts = KindGPT, gp
				sys.SectorSize = int(ss)
				d.ss = ss
				break
			}
			if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
				return nil, err
			}
			d.warn(512, fmt.Errorf("protective MBR but no usable GPT, listing the MBR: %w", err))
		}
		sys.Kind = KindMBR
		mp, err := d.mbr(sector0)
		if err != nil {
			return nil, err
		}
		parts = mp
	default:
		// A GPT without a protective MBR (wiped sector 0) is still a GPT.
		if size >= 2*512 {
			if gp, ss, err := d.gptAnySectorSize(); err == nil {
				d.warn(0, fmt.Errorf("GPT found without a protective MBR: %w", ErrCorrupt))
				sys.Kind, parts = KindGPT, gp
				sys.SectorSize = int(ss)
				d.ss = ss
				break
			}
		}
		sys.Kind = KindNone
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if !d.fsAtZero(sector0) {
			d.warn(0, fmt.Errorf("no partition table and no recognised file system at offset 0: %w", ErrCorrupt))
		}
		if size == 0 {
			sys.Warnings = d.warnings
			return sys, nil
		}
		// The whole image is the volume; its Ref is the image itself so that
		// PartitionIndex reports 0 (no partition step) for whole-image file systems.
		sys.Partitions = []Partition{{
			Index: 1, Start: 0, Length: size, Description: "whole image",
			Allocated: true, Ref: parent,
		}}
		sys.Warnings = d.warnings
		return sys, nil
	}
	sys.Partitions = d.number(parts)
	sys.Warnings = d.warnings
	return sys, nil
}

type detector struct {
	ctx      context.Context
	r        io.ReaderAt
	size     int64
	ss       int64
	parent   *source.Ref
	warnings []Warning
}

func (d *detector) warn(off int64, err error) {
	d.warnings = append(d.warnings, Warning{Ref: d.parent.At(off, 0), Offset: off, Err: err})
}

// read reads exactly n bytes at off; a short read is an error, never zeros.
func (d *detector) read(off int64, n int) ([]byte, error) {
	if off < 0 || n < 0 || off > d.size || int64(n) > d.size-off {
		return nil, fmt.Errorf("read of %d bytes at %d beyond image size %d: %w", n, off, d.size, ErrShortRead)
	}
	b := make([]byte, n)
	got, err := d.r.ReadAt(b, off)
	if got == n {
		return b, nil
	}
	if err == nil || err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return nil, fmt.Errorf("read of %d bytes at %d got %d: %w (%w)", n, off, got, ErrShortRead, err)
}

// number sorts the found partitions by start as mmls does, numbers them
// from 1, and adds the unallocated gaps (the complement of the allocated
// partitions over the image, as TSK computes its "Unallocated" rows).
func (d *detector) number(parts []rawPart) []Partition {
	sort.SliceStable(parts, func(i, j int) bool {
		if parts[i].start != parts[j].start {
			return parts[i].start < parts[j].start
		}
		return parts[i].order < parts[j].order
	})
	ss := d.ss
	total := d.size / ss // whole sectors on the image
	var out []Partition
	var next int64 // first sector not covered by any allocated partition so far
	gapN := 0
	addGap := func(s, e int64) { // [s, e) in sectors
		if e > total {
			e = total
		}
		if e <= s {
			return
		}
		gapN++
		out = append(out, Partition{
			Slot: "", Start: s * ss, Length: (e - s) * ss, Description: "Unallocated",
			Ref: d.parent.Gap(gapN, s*ss, (e-s)*ss),
		})
	}
	for i, p := range parts {
		if p.start > next {
			addGap(next, p.start)
		}
		if end := p.start + p.n; end > next {
			next = end
		}
		start, length := p.start*ss, p.n*ss
		out = append(out, Partition{
			Index: i + 1, Slot: p.slot, Start: start, Length: length,
			Type: p.typ, Description: p.desc, Label: p.label, GUID: p.guid,
			Allocated: true, Ref: d.parent.Partition(i+1, start, length),
		})
	}
	addGap(next, total)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Start < out[j].Start })
	return out
}

// fsAtZero reports whether a file system we know starts at byte 0.
func (d *detector) fsAtZero(sector0 []byte) bool {
	if sector0 != nil && bootSectorFS(sector0) != "" {
		return true
	}
	if d.size >= 2048 {
		if sb, err := d.read(1024, 1024); err == nil && sb[56] == 0x53 && sb[57] == 0xEF {
			return true
		}
	}
	return false
}

// bootSectorFS names the file system whose boot sector this is, or "".
// A volume boot record also ends in 55 AA, so it must not be taken for an MBR.
func bootSectorFS(b []byte) string {
	switch {
	case string(b[3:11]) == "NTFS    ":
		return "ntfs"
	case string(b[3:11]) == "EXFAT   ":
		return "exfat"
	case string(b[54:59]) == "FAT12" || string(b[54:59]) == "FAT16" || string(b[82:87]) == "FAT32":
		return "fat"
	}
	return ""
}
