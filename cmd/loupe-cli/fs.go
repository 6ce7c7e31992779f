package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/loupe-forensics/loupe/forensic/disk"
	"github.com/loupe-forensics/loupe/forensic/filesystem"
	"github.com/loupe-forensics/loupe/forensic/filesystem/ntfs"
	"github.com/loupe-forensics/loupe/imaging"
)

// fsArgs are the options of ls, cat and stat. Flags may come before, between
// or after the image paths (the flag package stops at the first path).
type fsArgs struct {
	images    []string
	json      bool
	partition int
	path      string
	inode     string
	stream    string
	set       map[string]bool
}

// parseFSArgs parses "--name value", "--name=value" and "-name" forms of
// the flags in allowed ("json" is boolean, the others take a value);
// everything else is an image path, and "--" ends the flags.
func parseFSArgs(args []string, allowed ...string) (*fsArgs, error) {
	a := &fsArgs{set: map[string]bool{}}
	ok := map[string]bool{}
	for _, n := range allowed {
		ok[n] = true
	}
	for i := 0; i < len(args); i++ {
		arg := args[i]
		if arg == "--" {
			a.images = append(a.images, args[i+1:]...)
			break
		}
		if !strings.HasPrefix(arg, "-") || arg == "-" {
			a.images = append(a.images, arg)
			continue
		}
		name, val, hasVal := strings.Cut(strings.TrimLeft(arg, "-"), "=")
		if !ok[name] {
			return nil, fmt.Errorf("unknown flag %s", arg)
		}
		if a.set[name] {
			return nil, fmt.Errorf("flag --%s given twice", name)
		}
		a.set[name] = true
		if name == "json" {
			if hasVal {
				b, err := strconv.ParseBool(val)
				if err != nil {
					return nil, fmt.Errorf("--json=%s: %w", val, err)
				}
				a.json = b
			} else {
				a.json = true
			}
			continue
		}
		if !hasVal {
			if i+1 >= len(args) {
				return nil, fmt.Errorf("flag --%s needs a value", name)
			}
			i++
			val = args[i]
		}
		switch name {
		case "partition":
			n, err := strconv.Atoi(val)
			if err != nil || n < 1 {
				return nil, fmt.Errorf("--partition %q: want a partition number from 1", val)
			}
			a.partition = n
		case "path":
			a.path = val
		case "inode":
			a.inode = val
		case "stream":
			a.stream = val
		}
	}
	if len(a.images) == 0 {
		return nil, errors.New("no image given")
	}
	return a, nil
}

// openDiskPaths opens the image (every segment path given) and its file
// systems. The caller closes the disk.
func openDiskPaths(ctx context.Context, paths []string) (*disk.Disk, error) {
	img, err := imaging.Open(ctx, paths...)
	if err != nil {
		return nil, err
	}
	d, err := disk.Open(ctx, img)
	if err != nil {
		img.Close()
		return nil, err
	}
	return d, nil
}

// lsRow is one line of `loupe-cli ls --json` (a public contract: add
// fields only).
type lsRow struct {
	Partition int      `json:"partition"`
	FS        string   `json:"fs"`
	Path      string   `json:"path"`
	Inode     string   `json:"inode"`
	Size      int64    `json:"size"`
	Type      string   `json:"type"`
	Deleted   bool     `json:"deleted"`
	Mtime     *string  `json:"mtime"`
	Atime     *string  `json:"atime"`
	Ctime     *string  `json:"ctime"`
	Crtime    *string  `json:"crtime"`
	Streams   []string `json:"streams"`
}

// rfc3339 formats a time in UTC with nanoseconds; nil stays nil (unset).
func rfc3339(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := t.UTC().Format(time.RFC3339Nano)
	return &s
}

func runLs(ctx context.Context, e env, args []string) int {
	a, err := parseFSArgs(args, "json")
	if err != nil {
		return fail(e, exitUsage, "ls: %v (usage: loupe-cli ls --json IMAGE...)", err)
	}
	d, err := openDiskPaths(ctx, a.images)
	if err != nil {
		return fail(e, exitUsage, "ls: %v", err)
	}
	defer d.Close()
	enc := json.NewEncoder(e.stdout)
	enc.SetEscapeHTML(false)
	for _, w := range d.Warnings {
		fmt.Fprintf(e.stderr, "loupe-cli: warning: %s: %v\n", w.Ref, w.Err)
	}
	for _, m := range d.FileSystems {
		if m.FS == nil {
			continue
		}
		idx, kind := m.Partition.Index, m.FS.Kind()
		err := m.FS.Walk(ctx, func(en *filesystem.Entry) error {
			streams := en.Streams
			if streams == nil {
				streams = []string{}
			}
			return enc.Encode(lsRow{
				Partition: idx, FS: kind, Path: en.Path, Inode: string(en.ID), Size: en.Size,
				Type: en.Type, Deleted: en.Deleted,
				Mtime: rfc3339(en.Times.Modified), Atime: rfc3339(en.Times.Accessed),
				Ctime: rfc3339(en.Times.Changed), Crtime: rfc3339(en.Times.Born),
				Streams: streams,
			})
		})
		if err != nil {
			return fail(e, exitUsage, "ls: partition %d: %v", idx, err)
		}
		for _, w := range m.FS.Warnings() {
			fmt.Fprintf(e.stderr, "loupe-cli: warning: %s: %v\n", w.Ref, w.Err)
		}
	}
	return exitOK
}

// resolve finds the file system and entry a cat or stat command names.
func resolve(ctx context.Context, d *disk.Disk, a *fsArgs) (filesystem.FS, *filesystem.Entry, error) {
	fsys, err := d.FS(a.partition)
	if err != nil {
		return nil, nil, err
	}
	if a.inode != "" {
		en, err := fsys.StatID(ctx, filesystem.EntryID(a.inode))
		if err != nil || en.Path != "" {
			return fsys, en, err
		}
		// A file system that does not know an id's name by itself: find
		// the entry (and its path and provenance) in a walk.
		errFound := errors.New("found")
		werr := fsys.Walk(ctx, func(w *filesystem.Entry) error {
			if w.ID == en.ID {
				en = w
				return errFound
			}
			return nil
		})
		if werr != nil && !errors.Is(werr, errFound) {
			return nil, nil, werr
		}
		return fsys, en, nil
	}
	name := strings.TrimPrefix(a.path, "/")
	if name == "" {
		name = "."
	}
	f, err := fsys.Open(name)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	ff, ok := f.(filesystem.File)
	if !ok {
		return nil, nil, fmt.Errorf("%s: file system returned %T", a.path, f)
	}
	return fsys, ff.Entry(), nil
}

func checkTarget(a *fsArgs) error {
	if !a.set["partition"] {
		return errors.New("--partition N is required")
	}
	if (a.path == "") == (a.inode == "") {
		return errors.New("give exactly one of --path P or --inode I")
	}
	return nil
}

func runCat(ctx context.Context, e env, args []string) int {
	const usage = "usage: loupe-cli cat IMAGE... --partition N (--path P | --inode I) [--stream S]"
	a, err := parseFSArgs(args, "partition", "path", "inode", "stream")
	if err == nil {
		err = checkTarget(a)
	}
	if err != nil {
		return fail(e, exitUsage, "cat: %v (%s)", err, usage)
	}
	d, err := openDiskPaths(ctx, a.images)
	if err != nil {
		return fail(e, exitUsage, "cat: %v", err)
	}
	defer d.Close()
	fsys, en, err := resolve(ctx, d, a)
	if err != nil {
		return fail(e, exitUsage, "cat: %v", err)
	}
	f, err := fsys.OpenID(ctx, en.ID, a.stream)
	if err != nil {
		return fail(e, exitUsage, "cat: %v", err)
	}
	defer f.Close()
	if en.Type == filesystem.TypeDir && a.stream == "" {
		return fail(e, exitUsage, "cat: %s is a directory", en.Path)
	}
	if _, err := io.Copy(e.stdout, io.NewSectionReader(f, 0, f.Entry().Size)); err != nil {
		return fail(e, exitUsage, "cat: %s: %v", en.Path, err)
	}
	return exitOK
}

// statOut is the JSON of `loupe-cli stat`: the whole entry plus where it is.
type statOut struct {
	Partition int    `json:"partition"`
	FS        string `json:"fs"`
	*filesystem.Entry
	Runs       []filesystem.Run `json:"runs"`
	Ref        string           `json:"ref"`
	Attributes []ntfs.Attribute `json:"attributes,omitempty"`
}

func runStat(ctx context.Context, e env, args []string) int {
	const usage = "usage: loupe-cli stat IMAGE... --partition N (--path P | --inode I)"
	a, err := parseFSArgs(args, "partition", "path", "inode", "json")
	if err == nil {
		err = checkTarget(a)
	}
	if err != nil {
		return fail(e, exitUsage, "stat: %v (%s)", err, usage)
	}
	d, err := openDiskPaths(ctx, a.images)
	if err != nil {
		return fail(e, exitUsage, "stat: %v", err)
	}
	defer d.Close()
	fsys, en, err := resolve(ctx, d, a)
	if err != nil {
		return fail(e, exitUsage, "stat: %v", err)
	}
	out := statOut{Partition: a.partition, FS: fsys.Kind(), Entry: en, Runs: []filesystem.Run{}, Ref: en.Ref.String()}
	if en.Type != filesystem.TypeDir {
		f, err := fsys.OpenID(ctx, en.ID, "")
		if err != nil {
			return fail(e, exitUsage, "stat: %v", err)
		}
		if r := f.Runs(); r != nil {
			out.Runs = r
		}
		f.Close()
	}
	if nf, ok := fsys.(*ntfs.FS); ok {
		if out.Attributes, err = nf.Attributes(ctx, en.ID); err != nil {
			return fail(e, exitUsage, "stat: %v", err)
		}
	}
	enc := json.NewEncoder(e.stdout)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		return fail(e, exitUsage, "stat: %v", err)
	}
	return exitOK
}
