package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/loupe-forensics/loupe/forensic/disk"
	"github.com/loupe-forensics/loupe/forensic/finding"
	"github.com/loupe-forensics/loupe/forensic/scan"
	"github.com/loupe-forensics/loupe/forensic/source"
	"github.com/loupe-forensics/loupe/forensic/volume"
	"github.com/loupe-forensics/loupe/imaging"
)

// throttleEnv names a diagnostic knob: a Go duration slept after each file,
// so that tests can interrupt a small examination part-way.
const throttleEnv = "LOUPE_EXAMINE_THROTTLE"

// openers wires the real image, volume and file-system layers into the pipeline.
func openers() scan.Openers {
	return scan.Openers{
		Image: imaging.Open,
		Disk:  openDisk,
		Hash:  hashImage,
	}
}

func openDisk(ctx context.Context, img imaging.Image) (*scan.Disk, error) {
	// disk.Disk.Close would close the image, which the pipeline owns: it
	// is deliberately not kept.
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

// hashImage is the same triple-hash pass `loupe-cli image verify` makes.
// Unreadable chunks were hashed as zeros (as ewfverify does) and are listed.
func hashImage(ctx context.Context, img imaging.Image) (imaging.Digests, string, error) {
	res, err := imaging.Verify(ctx, img, nil)
	if err != nil {
		return imaging.Digests{}, "", err
	}
	if len(res.Errors) == 0 {
		return res.Computed, "", nil
	}
	msgs := make([]string, len(res.Errors))
	for i, e := range res.Errors {
		msgs[i] = e.Error()
	}
	return res.Computed, fmt.Sprintf("%d unreadable region(s) hashed as zeros: %s", len(msgs), strings.Join(msgs, "; ")), nil
}

// groupSources turns command-line paths into sources: a folder is a source
// of its own; an image path absorbs the later paths that are its other
// segments (gpt.E01 gpt.E02, or disk.001 disk.002 …), so giving every
// segment or only the first are the same.
func groupSources(ctx context.Context, args []string) ([]scan.SourceSpec, error) {
	var out []scan.SourceSpec
	used := map[string]bool{}
	abs := func(p string) string {
		a, err := filepath.Abs(p)
		if err != nil {
			return p
		}
		return a
	}
	for i, a := range args {
		if used[abs(a)] {
			continue
		}
		fi, err := os.Stat(a)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", scan.ErrSource, err)
		}
		if fi.IsDir() {
			out = append(out, scan.SourceSpec{Folder: a})
			continue
		}
		img, err := imaging.Open(ctx, a)
		if err != nil && i+1 < len(args) {
			// The container may need its segments named explicitly.
			var rest []string
			for _, b := range args[i:] {
				if st, e := os.Stat(b); e == nil && !st.IsDir() && !used[abs(b)] {
					rest = append(rest, b)
				}
			}
			img, err = imaging.Open(ctx, rest...)
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %w", scan.ErrSource, a, err)
		}
		segs := img.Segments()
		_ = img.Close()
		for _, s := range segs {
			used[abs(s)] = true
		}
		used[abs(a)] = true
		out = append(out, scan.SourceSpec{Paths: segs})
	}
	return out, nil
}

// specRef is the provenance root of a source as the record names it.
func specRef(ctx context.Context, sp scan.SourceSpec) (string, error) {
	if sp.Folder != "" {
		abs, err := filepath.Abs(sp.Folder)
		if err == nil {
			abs, err = filepath.EvalSymlinks(abs)
		}
		if err != nil {
			return "", err
		}
		return source.Folder(filepath.Base(abs)).String(), nil
	}
	img, err := imaging.Open(ctx, sp.Paths...)
	if err != nil {
		return "", err
	}
	defer img.Close()
	return img.Ref().String(), nil
}
