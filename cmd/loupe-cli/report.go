package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/loupe-forensics/loupe/forensic/record"
	"github.com/loupe-forensics/loupe/reports"
	"github.com/loupe-forensics/loupe/reports/intel"
	"github.com/loupe-forensics/loupe/reports/report"
)

const reportUsage = "usage: loupe-cli report --record RECORD --kind KIND --format FORMAT --out FILE --marking MARKING --recipient WHO --reason WHY [--mode sfr|mg11|expert] [--source-evaluation 1|2|3 --assessment A-E --handling P|C --handling-notes TEXT (intel)] [--zone Europe/London] [--generated RFC3339] [--examiner NAME] [--json]"

// runReport renders a report from a record into exactly the file --out
// names, and logs it in the record's chain with its SHA-256 (DPA 2018 s.62:
// every disclosure has a recipient and a reason). The report is written to a
// temporary file in the same folder, synced, and linked into place, so a
// reader never sees a partial report and nothing is written anywhere but
// that folder; an existing file is never replaced.
func runReport(ctx context.Context, e env, args []string) int {
	pos, flags, err := recordArgs(args, "json")
	if err == nil {
		err = checkFlags(flags, "record", "kind", "format", "out", "marking", "recipient", "reason", "mode", "zone", "generated", "examiner", "key-dir", "json",
			"source-evaluation", "assessment", "handling", "handling-notes")
	}
	if err == nil && len(pos) != 0 {
		err = fmt.Errorf("unexpected argument %q", pos[0])
	}
	if err != nil {
		return fail(e, exitUsage, "%s (%v)", reportUsage, err)
	}
	for _, name := range []string{"record", "kind", "format", "out", "marking", "recipient", "reason"} {
		if one(flags, name) == "" {
			return fail(e, exitUsage, "report: --%s is required (%s)", name, reportUsage)
		}
	}
	opts := report.Options{
		Kind:        report.Kind(one(flags, "kind")),
		Format:      report.Format(one(flags, "format")),
		Mode:        one(flags, "mode"),
		Marking:     one(flags, "marking"),
		Recipient:   one(flags, "recipient"),
		Reason:      one(flags, "reason"),
		ToolName:    "Loupe",
		ToolVersion: Version,
		Generated:   time.Now().UTC().Truncate(time.Second),
	}
	if opts.Mode != "" && opts.Kind != report.KindExhibit {
		return fail(e, exitUsage, "report: --mode applies to --kind exhibit only")
	}
	// 3x5x2 grading of an intelligence report (defaults in reports/intel).
	opts.SourceEvaluation, opts.Assessment = one(flags, "source-evaluation"), one(flags, "assessment")
	opts.Handling, opts.HandlingNotes = one(flags, "handling"), one(flags, "handling-notes")
	if opts.Kind != report.KindIntel && opts.SourceEvaluation+opts.Assessment+opts.Handling+opts.HandlingNotes != "" {
		return fail(e, exitUsage, "report: the 3x5x2 grading flags apply to --kind intel only")
	}
	if z := one(flags, "zone"); z != "" {
		if opts.Zone, err = time.LoadLocation(z); err != nil {
			return fail(e, exitUsage, "report: --zone %q: %v", z, err)
		}
	}
	if g := one(flags, "generated"); g != "" {
		t, err := time.Parse(time.RFC3339, g)
		if err != nil {
			return fail(e, exitUsage, "report: --generated %q is not RFC 3339: %v", g, err)
		}
		opts.Generated = t.UTC()
	}
	render, err := reports.Lookup(opts.Kind, opts.Format)
	if err != nil {
		return fail(e, exitUsage, "report: %v", err)
	}
	out, err := outputPath(one(flags, "out"))
	if err != nil {
		return fail(e, exitUsage, "report: %v", err)
	}

	rec, code := openForWriting(ctx, e, one(flags, "record"), flags)
	if rec == nil {
		return code
	}
	defer rec.Close()
	headSeq, _, err := rec.Head(ctx)
	if err != nil {
		return fail(e, exitFailed, "report: %v", err)
	}
	opts.DocumentID = report.DocumentID(rec.ID(), opts.Kind, headSeq)

	sum, size, err := writeReport(ctx, out, func(w io.Writer) error { return render(ctx, rec, opts, w) })
	if errors.Is(err, intel.ErrGrading) {
		return fail(e, exitUsage, "report: %v", err)
	}
	if err != nil {
		return fail(e, exitFailed, "report: %v", err)
	}
	mode := opts.Mode
	if opts.Kind == report.KindExhibit && mode == "" {
		mode = report.ModeSFR
	}
	seq, err := rec.LogExport(ctx, record.Export{
		Report: true, Format: string(opts.Format), Path: out, SHA256: sum, Size: size,
		Recipient: opts.Recipient, Justification: opts.Reason,
		Kind: string(opts.Kind), Mode: mode, Marking: opts.Marking, DocumentID: opts.DocumentID,
	})
	if err != nil {
		// A disclosure that is not in the chain must not leave the building.
		_ = os.Remove(out)
		return fail(e, exitFailed, "report: logging the report in the record failed, output removed: %v", err)
	}
	if one(flags, "json") != "" {
		return writeJSON(e, map[string]any{"path": out, "sha256": sum, "size": size, "kind": opts.Kind, "format": opts.Format, "seq": seq})
	}
	fmt.Fprintf(e.stdout, "%s %s report %s (%d bytes, sha256 %s), audit entry %d\n", opts.Kind, opts.Format, out, size, sum, seq)
	return exitOK
}

// outputPath checks --out names a new file in an existing folder and
// returns it absolute. Directories, names that are "." or "..", and files
// that exist already are refused.
func outputPath(p string) (string, error) {
	base := filepath.Base(p)
	if p == "" || base == "." || base == ".." || base == string(filepath.Separator) || os.IsPathSeparator(p[len(p)-1]) {
		return "", fmt.Errorf("--out %q does not name a file", p)
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", fmt.Errorf("--out %q: %w", p, err)
	}
	if fi, err := os.Lstat(abs); err == nil {
		if fi.IsDir() {
			return "", fmt.Errorf("--out %q is a directory; name the report file", p)
		}
		return "", fmt.Errorf("--out %q exists; reports are never overwritten", p)
	} else if !errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("--out %q: %w", p, err)
	}
	dir := filepath.Dir(abs)
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return "", fmt.Errorf("--out %q: folder %s does not exist", p, dir)
	}
	return abs, nil
}

// writeReport renders into a temporary file beside out, syncs it, links it
// to out (which fails if out appeared meanwhile) and syncs the folder. It
// returns the SHA-256 and size of what was written.
func writeReport(ctx context.Context, out string, render func(io.Writer) error) (string, int64, error) {
	dir := filepath.Dir(out)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(out)+".tmp-*")
	if err != nil {
		return "", 0, fmt.Errorf("temporary file in %s: %w", dir, err)
	}
	tmpName := tmp.Name()
	defer os.Remove(tmpName) // after the link, only the temporary name goes
	h := sha256.New()
	cw := &countWriter{w: io.MultiWriter(tmp, h)}
	if err := render(cw); err != nil {
		tmp.Close()
		return "", 0, fmt.Errorf("render: %w", err)
	}
	if err := ctx.Err(); err != nil {
		tmp.Close()
		return "", 0, err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return "", 0, fmt.Errorf("sync %s: %w", tmpName, err)
	}
	if err := tmp.Close(); err != nil {
		return "", 0, fmt.Errorf("close %s: %w", tmpName, err)
	}
	if err := os.Link(tmpName, out); err != nil {
		return "", 0, fmt.Errorf("place report at %s: %w", out, err)
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return hex.EncodeToString(h.Sum(nil)), cw.n, nil
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
