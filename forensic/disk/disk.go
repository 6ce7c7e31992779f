// Package disk ties the layers together: an opened evidence image, its
// volume system (MBR, GPT or none) and the file system of every allocated
// partition, in one call, as TSK's img → vs → fs chain does.
package disk

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/loupe-forensics/loupe/forensic/filesystem"
	"github.com/loupe-forensics/loupe/forensic/filesystem/ext4"
	"github.com/loupe-forensics/loupe/forensic/filesystem/ntfs"
	"github.com/loupe-forensics/loupe/forensic/volume"
	"github.com/loupe-forensics/loupe/imaging"
)

// ErrNoFS is returned by FS for a partition without a recognised file system.
var ErrNoFS = errors.New("disk: no recognised file system")

// Disk is an image with its volumes and mounted file systems.
type Disk struct {
	Image   imaging.Image
	Volumes *volume.System
	// FileSystems has one element per allocated partition, in mmls order;
	// FS is nil where no supported file system was recognised.
	FileSystems []Mounted
	// Warnings are the volume system's problems and the reasons a
	// partition that looked like a file system could not be opened. Each
	// FS keeps its own warnings (FS.Warnings) as it is read.
	Warnings []filesystem.Warning
}

// Mounted is an allocated partition and its file system (nil if unknown).
type Mounted struct {
	Partition volume.Partition
	FS        filesystem.FS
}

// openers are tried in order on each partition.
var openers = []struct {
	kind string
	open filesystem.Opener
}{
	{filesystem.KindNTFS, ntfs.Open},
	{filesystem.KindExt4, ext4.Open},
}

// Open detects the volume system of img and opens the file system of every
// allocated partition (the whole image when there is no partition table).
// It fails only when the image cannot be read at all or ctx ends.
func Open(ctx context.Context, img imaging.Image) (*Disk, error) {
	sys, err := volume.Detect(ctx, img, img.Size(), img.SectorSize(), img.Ref())
	if err != nil {
		return nil, fmt.Errorf("disk: %w", err)
	}
	d := &Disk{Image: img, Volumes: sys}
	for _, w := range sys.Warnings {
		d.Warnings = append(d.Warnings, filesystem.Warning{Ref: w.Ref, Offset: w.Offset, Err: w.Err})
	}
	for _, p := range sys.Partitions {
		if !p.Allocated {
			continue
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		m := Mounted{Partition: p}
		ref := p.Ref
		if ref == nil {
			ref = img.Ref()
		}
		sec := io.NewSectionReader(img, p.Start, p.Length)
		for _, o := range openers {
			fsys, err := o.open(ctx, sec, p.Length, p.Start, ref)
			if err == nil {
				m.FS = fsys
				break
			}
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			if !errors.Is(err, filesystem.ErrWrongFormat) {
				// The signature was there but the file system could not
				// be opened: say so, and keep the partition.
				d.Warnings = append(d.Warnings, filesystem.Warning{Ref: ref.FS(o.kind, p.Start), Offset: p.Start,
					Err: fmt.Errorf("disk: partition %d: %s: %w", p.Index, o.kind, err)})
			}
		}
		d.FileSystems = append(d.FileSystems, m)
	}
	return d, nil
}

// FS returns the file system of the allocated partition with the given
// index (mmls order from 1; 1 for a file system on the whole image).
func (d *Disk) FS(partitionIndex int) (filesystem.FS, error) {
	for _, m := range d.FileSystems {
		if m.Partition.Index != partitionIndex {
			continue
		}
		if m.FS == nil {
			return nil, fmt.Errorf("disk: partition %d: %w", partitionIndex, ErrNoFS)
		}
		return m.FS, nil
	}
	return nil, fmt.Errorf("disk: no allocated partition %d (the image has %d)", partitionIndex, len(d.FileSystems))
}

// Close closes the image.
func (d *Disk) Close() error { return d.Image.Close() }
