package viewmodel

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/loupe-forensics/loupe/forensic/record"
	"github.com/loupe-forensics/loupe/reports"
	"github.com/loupe-forensics/loupe/reports/report"
)

// ReportRenderer writes one report of the record to w: reports.Render, or
// a stand-in in tests.
type ReportRenderer func(ctx context.Context, rec *record.Record, opts report.Options, w io.Writer) error

// reportTitles names each kind in plain words for the dialog.
var reportTitles = map[report.Kind]string{
	report.KindExhibit:   "Exhibit report (officer-facing)",
	report.KindTechnical: "Technical record (for peer review)",
	report.KindMG6C:      "MG6C — non-sensitive unused material",
	report.KindMG6D:      "MG6D — sensitive unused material",
	report.KindMG6E:      "MG6E — disclosure officer's report",
	report.KindIntel:     "Intelligence report (3x5x2)",
	report.KindCASE:      "CASE/UCO JSON-LD",
	report.KindDFXML:     "DFXML",
}

// reportOrder is the dialog's menu order: the officer's report first.
var reportOrder = []report.Kind{report.KindExhibit, report.KindTechnical, report.KindMG6C, report.KindMG6D, report.KindMG6E,
	report.KindIntel, report.KindCASE, report.KindDFXML}

// ReportChoices lists what the dialog offers: every kind package reports
// can render, with its formats, in menu order (kinds the menu does not
// know yet come last, so a new renderer is never hidden).
func ReportChoices() []ReportKind {
	formats := map[report.Kind][]report.Format{}
	var unknown []report.Kind
	for _, p := range reports.Supported() {
		if _, ok := formats[p.Kind]; !ok && reportTitles[p.Kind] == "" {
			unknown = append(unknown, p.Kind)
		}
		formats[p.Kind] = append(formats[p.Kind], p.Format)
	}
	var out []ReportKind
	for _, k := range append(append([]report.Kind(nil), reportOrder...), unknown...) {
		fs, ok := formats[k]
		if !ok {
			continue
		}
		// PDF first where there is one: it is what leaves the lab.
		sort.SliceStable(fs, func(i, j int) bool { return fs[i] == report.FormatPDF && fs[j] != report.FormatPDF })
		title := reportTitles[k]
		if title == "" {
			title = string(k)
		}
		out = append(out, ReportKind{Kind: k, Title: title, Formats: fs})
	}
	return out
}

// extensionFits reports whether a file name's extension suits the format
// (none at all is accepted), so a PDF name never holds JSON.
func extensionFits(path string, f report.Format) bool {
	ext := strings.ToLower(filepath.Ext(path))
	switch {
	case ext == "":
		return true
	case f == report.FormatJSONLD:
		return ext == ".jsonld" || ext == ".json"
	case f == report.FormatHTML:
		return ext == ".html" || ext == ".htm"
	}
	return ext == "."+string(f)
}

// ReportKind is one entry of the dialog's kind menu.
type ReportKind struct {
	Kind    report.Kind
	Title   string
	Formats []report.Format
}

// Markings offered by the dialog (a force may type its own descriptor).
var Markings = []string{"OFFICIAL", "OFFICIAL-SENSITIVE", "SECRET"}

// ExhibitModes are the audiences of an exhibit report.
var ExhibitModes = []string{report.ModeSFR, report.ModeMG11, report.ModeExpert}

// ReportRequest is what the examiner chose in the dialog.
type ReportRequest struct {
	Kind      report.Kind
	Format    report.Format
	Mode      string
	Marking   string
	Recipient string
	Reason    string
	Path      string // file to write; must not exist

	// Intelligence reports only: 3x5x2 grading (reports/intel's defaults
	// apply when empty).
	SourceEvaluation, Assessment, Handling, HandlingNotes string
}

// ReportOutcome is the written file and its export entry.
type ReportOutcome struct {
	Path   string
	SHA256 string
	Size   int64
	Seq    int64 // the "report" audit entry
}

// WriteReport renders the report into a new file, hashes it as written and
// records the export (recipient and reason, DPA 2018 s.62) in the chain.
// now stamps the report (the renderers never read the clock).
func WriteReport(ctx context.Context, s *Session, render ReportRenderer, req ReportRequest, now time.Time) (*ReportOutcome, error) {
	if render == nil {
		return nil, errors.New("this build has no report renderers")
	}
	for _, f := range []struct{ what, v string }{{"recipient", req.Recipient}, {"reason for disclosure", req.Reason}, {"output file", req.Path}, {"marking", req.Marking}} {
		if strings.TrimSpace(f.v) == "" {
			return nil, fmt.Errorf("the %s is required", f.what)
		}
	}
	if !extensionFits(req.Path, req.Format) {
		return nil, fmt.Errorf("%s does not end in .%s: the file name should say what it holds", filepath.Base(req.Path), req.Format)
	}
	headSeq, _, err := s.Record.Head(ctx)
	if err != nil {
		return nil, err
	}
	opts := report.Options{
		Kind: req.Kind, Format: req.Format, Mode: req.Mode, Marking: req.Marking,
		Recipient: req.Recipient, Reason: req.Reason,
		DocumentID: report.DocumentID(s.Record.ID(), req.Kind, headSeq),
		Generated:  now.UTC(), Zone: s.DisplayZone(), ToolName: "Loupe",
	}
	if req.Kind == report.KindIntel {
		opts.SourceEvaluation, opts.Assessment, opts.Handling, opts.HandlingNotes = req.SourceEvaluation, req.Assessment, req.Handling, req.HandlingNotes
	}
	if _, err := os.Stat(req.Path); err == nil {
		return nil, fmt.Errorf("%s already exists: choose a new file (reports are never overwritten)", req.Path)
	}
	// Write beside the target and rename, so a failed render never leaves
	// a half report under the name the examiner chose.
	tmp, err := os.CreateTemp(filepath.Dir(req.Path), ".loupe-report-*")
	if err != nil {
		return nil, fmt.Errorf("create the report file: %w", err)
	}
	defer os.Remove(tmp.Name())
	h := sha256.New()
	cw := &countWriter{w: io.MultiWriter(tmp, h)}
	if err := render(ctx, s.Record, opts, cw); err != nil {
		tmp.Close()
		return nil, fmt.Errorf("render %s %s: %w", req.Kind, req.Format, err)
	}
	if err := tmp.Close(); err != nil {
		return nil, err
	}
	if err := os.Link(tmp.Name(), req.Path); err != nil { // fails if the name was taken meanwhile
		return nil, fmt.Errorf("save %s: %w", req.Path, err)
	}
	out := &ReportOutcome{Path: req.Path, SHA256: hex.EncodeToString(h.Sum(nil)), Size: cw.n}
	err = s.Write(ctx, func(w *record.Record) error {
		var err error
		out.Seq, err = w.LogExport(ctx, record.Export{Report: true, Format: string(req.Format), Path: req.Path, SHA256: out.SHA256,
			Size: out.Size, Recipient: req.Recipient, Justification: req.Reason,
			Kind: string(req.Kind), Mode: opts.Mode, Marking: req.Marking, DocumentID: opts.DocumentID})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("%s was written but its export could not be recorded: %w", req.Path, err)
	}
	return out, nil
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
