package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/dustin/go-humanize"

	"github.com/loupe-forensics/loupe/imaging"
)

const imageUsage = `usage:
  loupe-cli image info   [--json] IMAGE...
  loupe-cli image verify [--json] [--progress] IMAGE...
  loupe-cli image cat    IMAGE...`

// imageArgs are the image subcommands' options; flags may stand anywhere.
type imageArgs struct {
	json, progress bool
	paths          []string
}

func parseImageArgs(args []string) (imageArgs, error) {
	var a imageArgs
	for _, s := range args {
		switch s {
		case "--json", "-json":
			a.json = true
		case "--progress", "-progress":
			a.progress = true
		default:
			if strings.HasPrefix(s, "-") && s != "-" {
				return a, fmt.Errorf("unknown option %s", s)
			}
			a.paths = append(a.paths, s)
		}
	}
	if len(a.paths) == 0 {
		return a, errors.New("no image given")
	}
	return a, nil
}

func runImage(ctx context.Context, e env, args []string) int {
	if len(args) == 0 {
		fmt.Fprintln(e.stderr, imageUsage)
		return exitUsage
	}
	sub := args[0]
	a, err := parseImageArgs(args[1:])
	if err != nil {
		fmt.Fprintln(e.stderr, imageUsage)
		return fail(e, exitUsage, "image %s: %v", sub, err)
	}
	switch sub {
	case "info":
		return imageInfo(ctx, e, a)
	case "verify":
		return imageVerify(ctx, e, a)
	case "cat":
		return imageCat(ctx, e, a)
	}
	fmt.Fprintln(e.stderr, imageUsage)
	return fail(e, exitUsage, "image: unknown subcommand %q", sub)
}

// imageInfoJSON is the public shape of `image info --json`.
type imageInfoJSON struct {
	Format     string            `json:"format"`
	Size       int64             `json:"size"`
	SectorSize int               `json:"sector_size"`
	Segments   []string          `json:"segments"`
	Stored     *imaging.Digests  `json:"stored,omitempty"`
	Metadata   *imaging.Metadata `json:"metadata,omitempty"`
}

func describeImage(img imaging.Image) imageInfoJSON {
	out := imageInfoJSON{Format: img.Format(), Size: img.Size(), SectorSize: img.SectorSize(), Segments: img.Segments()}
	if s := img.Stored(); s != (imaging.Digests{}) {
		out.Stored = &s
	}
	if m := img.Metadata(); m.Acquired != nil || m.CaseNumber != "" || m.EvidenceNumber != "" || m.Examiner != "" ||
		m.Description != "" || m.Notes != "" || m.AcquisitionSoftware != "" || len(m.AcquisitionErrors) > 0 {
		out.Metadata = &m
	}
	return out
}

func imageInfo(ctx context.Context, e env, a imageArgs) int {
	img, err := imaging.Open(ctx, a.paths...)
	if err != nil {
		return fail(e, exitUsage, "%v", err)
	}
	defer img.Close()
	info := describeImage(img)
	if a.json {
		return writeJSON(e, info)
	}
	fmt.Fprintf(e.stdout, "Format:       %s\nSize:         %s (%d bytes, %d-byte sectors)\nSegments:     %s\n",
		info.Format, humanize.IBytes(uint64(info.Size)), info.Size, info.SectorSize, strings.Join(info.Segments, ", "))
	if info.Stored != nil {
		fmt.Fprintf(e.stdout, "Stored MD5:   %s\nStored SHA-1: %s\n", orNone(info.Stored.MD5), orNone(info.Stored.SHA1))
	}
	if m := info.Metadata; m != nil {
		for _, kv := range [][2]string{{"Case", m.CaseNumber}, {"Evidence", m.EvidenceNumber}, {"Examiner", m.Examiner},
			{"Description", m.Description}, {"Notes", m.Notes}, {"Software", m.AcquisitionSoftware}} {
			if kv[1] != "" {
				fmt.Fprintf(e.stdout, "%-13s %s\n", kv[0]+":", kv[1])
			}
		}
		if m.Acquired != nil {
			fmt.Fprintf(e.stdout, "Acquired:     %s\n", m.Acquired.UTC().Format(time.RFC3339))
		}
	}
	return exitOK
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// verifyJSON is the public shape of `image verify --json`.
type verifyJSON struct {
	MD5         string            `json:"md5"`
	SHA1        string            `json:"sha1"`
	SHA256      string            `json:"sha256"`
	StoredMatch *bool             `json:"stored_match"`
	Errors      []verifyErrorJSON `json:"errors"`
	Stored      *imaging.Digests  `json:"stored,omitempty"`
	Format      string            `json:"format,omitempty"`
	Size        int64             `json:"size,omitempty"`
}

type verifyErrorJSON struct {
	Sectors [2]int64 `json:"sectors"`
	Reason  string   `json:"reason"`
	File    string   `json:"file,omitempty"`
}

func imageVerify(ctx context.Context, e env, a imageArgs) int {
	img, err := imaging.Open(ctx, a.paths...)
	if err != nil {
		// A missing, truncated or corrupt segment of a real container means
		// the evidence fails verification; a file that is no image at all is
		// unreadable input.
		if errors.Is(err, imaging.ErrMissingSegment) || errors.Is(err, imaging.ErrTruncated) || errors.Is(err, imaging.ErrCorrupt) {
			return fail(e, exitFailed, "verification failed: %v", err)
		}
		return fail(e, exitUsage, "%v", err)
	}
	defer img.Close()
	var progress func(imaging.Progress)
	if a.progress || isTerminal(e.stderr) {
		progress = func(p imaging.Progress) {
			fmt.Fprintf(e.stderr, "\rverify: %5.1f%%  %s of %s  %s/s  ETA %s   ", 100*float64(p.Done)/float64(max(p.Total, 1)),
				humanize.IBytes(uint64(p.Done)), humanize.IBytes(uint64(p.Total)), humanize.IBytes(uint64(p.Rate)), p.ETA.Round(time.Second))
		}
	}
	res, err := imaging.Verify(ctx, img, progress)
	if progress != nil {
		fmt.Fprintln(e.stderr)
	}
	if err != nil {
		if ctx.Err() != nil {
			return fail(e, exitFailed, "verification interrupted: the image is NOT verified")
		}
		return fail(e, exitFailed, "verification failed: %v", err)
	}
	out := verifyJSON{MD5: res.Computed.MD5, SHA1: res.Computed.SHA1, SHA256: res.Computed.SHA256,
		StoredMatch: res.StoredMatch, Errors: []verifyErrorJSON{}, Format: img.Format(), Size: img.Size()}
	if s := img.Stored(); s != (imaging.Digests{}) {
		out.Stored = &s
	}
	for _, ce := range res.Errors {
		out.Errors = append(out.Errors, verifyErrorJSON{Sectors: [2]int64{ce.FirstSector, ce.LastSector}, Reason: ce.Reason, File: ce.File})
	}
	if a.json {
		if code := writeJSON(e, out); code != exitOK {
			return code
		}
	} else {
		fmt.Fprintf(e.stdout, "MD5:     %s\nSHA-1:   %s\nSHA-256: %s\n", out.MD5, out.SHA1, out.SHA256)
		switch {
		case out.StoredMatch == nil:
			fmt.Fprintln(e.stdout, "Stored:  none in this container")
		case *out.StoredMatch:
			fmt.Fprintln(e.stdout, "Stored:  MATCH")
		default:
			fmt.Fprintln(e.stdout, "Stored:  MISMATCH")
		}
		for _, x := range out.Errors {
			fmt.Fprintf(e.stdout, "Unreadable sectors %d-%d: %s\n", x.Sectors[0], x.Sectors[1], x.Reason)
		}
	}
	if len(res.Errors) > 0 {
		return fail(e, exitFailed, "verification failed: %d unreadable region(s), first at sectors %d-%d", len(res.Errors), res.Errors[0].FirstSector, res.Errors[0].LastSector)
	}
	if res.StoredMatch != nil && !*res.StoredMatch {
		return fail(e, exitFailed, "verification failed: computed hashes do not match those stored in the container")
	}
	return exitOK
}

func imageCat(ctx context.Context, e env, a imageArgs) int {
	img, err := imaging.Open(ctx, a.paths...)
	if err != nil {
		return fail(e, exitUsage, "%v", err)
	}
	defer img.Close()
	w := bufio.NewWriterSize(e.stdout, 1<<20)
	buf := make([]byte, 4<<20)
	for off := int64(0); off < img.Size(); {
		if ctx.Err() != nil {
			return fail(e, exitFailed, "interrupted")
		}
		n, err := img.ReadAt(buf[:min(int64(len(buf)), img.Size()-off)], off)
		if _, werr := w.Write(buf[:n]); werr != nil {
			return fail(e, exitFailed, "write: %v", werr)
		}
		off += int64(n)
		if err != nil && !errors.Is(err, io.EOF) {
			w.Flush()
			return fail(e, exitFailed, "read media at byte %d: %v", off, err)
		}
	}
	if err := w.Flush(); err != nil {
		return fail(e, exitFailed, "write: %v", err)
	}
	return exitOK
}

func writeJSON(e env, v any) int {
	enc := json.NewEncoder(e.stdout)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fail(e, exitFailed, "write: %v", err)
	}
	return exitOK
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
