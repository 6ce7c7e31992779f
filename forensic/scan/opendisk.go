package scan

import (
	"context"
	"fmt"

	"github.com/loupe-forensics/loupe/forensic/disk"
	"github.com/loupe-forensics/loupe/forensic/finding"
	"github.com/loupe-forensics/loupe/forensic/volume"
	"github.com/loupe-forensics/loupe/imaging"
)

// DefaultOpeners wires the real image, volume and file-system layers into
// the pipeline: what every front end examines with.
func DefaultOpeners() Openers {
	return Openers{Image: imaging.Open, Disk: OpenDisk, Hash: HashImage}
}

// OpenDisk splits an image into the pipeline's volumes through
// forensic/disk. disk.Disk.Close would close the image, which the pipeline
// owns, so the Disk is deliberately not kept.
func OpenDisk(ctx context.Context, img imaging.Image) (*Disk, error) {
	d, err := disk.Open(ctx, img)
	if err != nil {
		return nil, err
	}
	out := &Disk{}
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
		out.Volumes = append(out.Volumes, Volume{Ref: ref, Index: p.Index, Scheme: scheme, Start: p.Start, Length: p.Length, Type: p.Description, Label: p.Label, FS: m.FS})
	}
	return out, nil
}
