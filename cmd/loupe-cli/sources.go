package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/loupe-forensics/loupe/forensic/scan"
	"github.com/loupe-forensics/loupe/forensic/source"
	"github.com/loupe-forensics/loupe/imaging"
)

// throttleEnv names a diagnostic knob: a Go duration slept after each file,
// so that tests can interrupt a small examination part-way.
const throttleEnv = "LOUPE_EXAMINE_THROTTLE"

// openers wires the real image, volume and file-system layers into the pipeline.
func openers() scan.Openers { return scan.DefaultOpeners() }

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
