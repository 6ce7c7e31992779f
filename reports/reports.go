// Package reports dispatches a report request (kind and format) to the
// package that renders it. The table is explicit: a renderer is offered only
// if it is listed in table, never by registration at init time.
package reports

import (
	"context"
	"fmt"
	"io"
	"sort"

	"github.com/loupe-forensics/loupe/forensic/record"
	"github.com/loupe-forensics/loupe/reports/caseuco"
	"github.com/loupe-forensics/loupe/reports/cpia"
	"github.com/loupe-forensics/loupe/reports/dfxml"
	"github.com/loupe-forensics/loupe/reports/exhibit"
	"github.com/loupe-forensics/loupe/reports/intel"
	"github.com/loupe-forensics/loupe/reports/report"
	"github.com/loupe-forensics/loupe/reports/technical"
)

// Renderer writes one report from the record. Renderers only read the
// record and are deterministic given the record and the options.
type Renderer func(ctx context.Context, rec *record.Record, opts report.Options, w io.Writer) error

// Pair is a kind with a format.
type Pair struct {
	Kind   report.Kind
	Format report.Format
}

// table lists every supported kind and format with its renderer.
func table() map[Pair]Renderer {
	return map[Pair]Renderer{
		{report.KindExhibit, report.FormatHTML}:   exhibit.Render,
		{report.KindExhibit, report.FormatPDF}:    exhibit.Render,
		{report.KindTechnical, report.FormatHTML}: technical.Render,
		{report.KindTechnical, report.FormatPDF}:  technical.Render,
		{report.KindMG6C, report.FormatCSV}:       cpia.Render,
		{report.KindMG6C, report.FormatXLSX}:      cpia.Render,
		{report.KindMG6C, report.FormatPDF}:       cpia.Render,
		{report.KindMG6D, report.FormatCSV}:       cpia.Render,
		{report.KindMG6D, report.FormatXLSX}:      cpia.Render,
		{report.KindMG6D, report.FormatPDF}:       cpia.Render,
		{report.KindMG6E, report.FormatCSV}:       cpia.Render,
		{report.KindMG6E, report.FormatXLSX}:      cpia.Render,
		{report.KindMG6E, report.FormatPDF}:       cpia.Render,
		{report.KindIntel, report.FormatHTML}:     intel.Render,
		{report.KindIntel, report.FormatPDF}:      intel.Render,
		{report.KindIntel, report.FormatCSV}:      intel.Render,
		{report.KindCASE, report.FormatJSONLD}:    caseuco.Render,
		{report.KindDFXML, report.FormatXML}:      dfxml.Render,
	}
}

// Lookup returns the renderer for a kind and format, or an error wrapping
// report.ErrUnsupported that names them.
func Lookup(kind report.Kind, format report.Format) (Renderer, error) {
	r, ok := table()[Pair{kind, format}]
	if !ok {
		return nil, fmt.Errorf("reports: kind %q as %q: %w", kind, format, report.ErrUnsupported)
	}
	return r, nil
}

// Supported lists the supported pairs, sorted by kind then format.
func Supported() []Pair {
	t := table()
	out := make([]Pair, 0, len(t))
	for p := range t {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Kind != out[j].Kind {
			return out[i].Kind < out[j].Kind
		}
		return out[i].Format < out[j].Format
	})
	return out
}

// Render renders opts.Kind as opts.Format.
func Render(ctx context.Context, rec *record.Record, opts report.Options, w io.Writer) error {
	r, err := Lookup(opts.Kind, opts.Format)
	if err != nil {
		return err
	}
	return r(ctx, rec, opts, w)
}
