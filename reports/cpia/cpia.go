// Package cpia renders the CPIA 1996 unused-material schedules from an
// examination record: the MG6C (non-sensitive material, served on the
// defence), the MG6D (sensitive material, never served) and the MG6E (the
// disclosure officer's report of material that might undermine the
// prosecution case or assist the defence), each as CSV, XLSX or PDF.
//
// # What goes on the schedules
//
// Together the MG6C and MG6D are the examiner's index of unused material
// (CPS Expert Guidance, Appendix A): everything the examination received or
// generated. The rule, applied in this order, which is also the item order:
//
//  1. each evidence source received (the image, with its acquisition hashes);
//  2. the examination record itself (audit chain, head hash);
//  3. each parser run (the tool's log and the extraction it produced);
//  4. each contemporaneous note and correction;
//  5. each artefact with a tag in force (relevant, notable, undermines,
//     assists), listed individually with a content summary, its relevant
//     date, its provenance reference as location and the relevance reason;
//  6. every other artefact as a block entry per run and kind (quantity,
//     generic title and why item-by-item listing is impractical, as the
//     CPIA Code allows), with the span of the items' dates;
//  7. each run's warnings as a block entry (negative results and failures);
//  8. each search or filter in the search log, and each report or export
//     already made from the record.
//
// An artefact with a sensitive tag in force goes on the MG6D and nowhere
// else: not on the MG6C (individually or counted in a block), not on the
// MG6E, and not in the intelligence report. A tag is in force unless a
// later tag of the same flag on the same artefact has Removes set (see
// ResolveTags). The identifying values of sensitive artefacts (addresses,
// keys, accounts, names, long text: see SensitiveValues) are also withheld
// from every other row that repeats them, and such a row is marked
// "edited", as the Code asks for items mixing sensitive and non-sensitive
// content.
//
// Items tagged sensitive with a category naming highly sensitive, CHIS or
// intercept material are not described on the MG6D either: the row says
// they are flagged for separate handling (Disclosure Manual ch. 9, 25, 27).
//
// # Numbering
//
// Each schedule numbers its items 1..n. A shared sequence would leave gaps
// on the MG6C where sensitive items sit, and the gaps would tell the
// defence how many there are and where. The MG6E names the schedule and
// number of each item it reports. Numbers are stable for a given record;
// a later tag can renumber, so every schedule prints the chain head it was
// built at, and the MG6D and MG6E print each row's link back to the audit
// entries that created or assessed the item (the MG6C, which the defence
// receives, does not).
//
// # MG6E and sensitive items
//
// The MG6E lists the MG6C items flagged undermines or assists with the
// reason. Sensitive items never appear on it: their undermine/assist
// reasons are printed on the MG6D row, and the MG6E says only how many
// MG6D items carry such a flag, so the prosecutor knows to read them there.
//
// # Formats and hostile text
//
// Record content is hostile. CSV is written with encoding/csv; every cell
// (in CSV and XLSX alike) that starts with = + - @, a tab or a carriage
// return gets a leading apostrophe, because spreadsheet programs treat such
// a cell as a formula (CSV injection: a tag reason "=HYPERLINK(…)" would run
// when the disclosure officer opens the file). XLSX cells are written as
// strings, never formulas, and get the same apostrophe so a copy re-saved
// as CSV stays inert. The PDF goes through reports/pdfdoc, which draws
// every character visibly. Bytes are deterministic: XLSX and PDF dates come
// from Options.Generated and the XLSX parts are written in name order.
//
// Marking: the MG6C carries the caller's marking (default OFFICIAL) and
// says it is for service on the defence; the MG6D and MG6E are raised to at
// least OFFICIAL-SENSITIVE, printed in the first row, the header and the
// footer of every page.
package cpia

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/loupe-forensics/loupe/forensic/record"
	"github.com/loupe-forensics/loupe/reports/report"
)

var errNoRecord = report.ErrNoRecord

// Render writes the schedule opts.Kind (mg6c, mg6d, mg6e) in opts.Format
// (csv, xlsx, pdf); any other combination is report.ErrUnsupported.
func Render(ctx context.Context, rec *record.Record, opts report.Options, w io.Writer) error {
	switch opts.Kind {
	case report.KindMG6C, report.KindMG6D, report.KindMG6E:
	default:
		return fmt.Errorf("cpia: kind %q: %w", opts.Kind, report.ErrUnsupported)
	}
	switch opts.Format {
	case report.FormatCSV, report.FormatXLSX, report.FormatPDF:
	default:
		return fmt.Errorf("cpia: %s as %q: %w", opts.Kind, opts.Format, report.ErrUnsupported)
	}
	if rec == nil {
		return report.ErrNoRecord
	}
	s, err := Build(ctx, rec, opts.DisplayZone())
	if err != nil {
		return err
	}
	var sh *sheet
	switch opts.Kind {
	case report.KindMG6C:
		sh = s.mg6c(opts)
	case report.KindMG6D:
		sh = s.mg6d(opts)
	default:
		sh = s.mg6e(opts)
	}
	switch opts.Format {
	case report.FormatCSV:
		return writeCSV(w, sh)
	case report.FormatXLSX:
		return writeXLSX(w, sh, opts.Generated)
	default:
		return writePDF(w, sh, opts)
	}
}

// sheet is one schedule laid out as a table, independent of the format.
type sheet struct {
	name     string // XLSX sheet name
	title    string
	marking  string
	handling string // the instruction printed under the marking on page 1
	fields   [][2]string
	cols     []column
	rows     [][]string
	notes    []string
	sign     []string // signature block lines
}

type column struct {
	header string
	width  float64 // relative (PDF) and in characters/4 (XLSX)
	mono   bool
}

func (s *Schedules) fields(opts report.Options, kind string) [][2]string {
	h := s.Header
	f := [][2]string{
		{"URN", h.URN},
	}
	if h.Operation != "" {
		f = append(f, [2]string{"Operation", h.Operation})
	}
	if h.Defendant != "" {
		f = append(f, [2]string{"R v", h.Defendant})
	}
	f = append(f,
		[2]string{"Exhibit", h.Exhibit},
		[2]string{"Examiner", strings.Join(h.Examiners, "; ")},
		[2]string{"Document ID", opts.DocumentID},
		[2]string{"Generated", generated(opts)},
		[2]string{"Built at", fmt.Sprintf("record %s, audit entry %d, head %s", h.RecordID, h.HeadSeq, h.HeadHash)},
	)
	if opts.ToolName != "" {
		f = append(f, [2]string{"Software", strings.TrimSpace(opts.ToolName + " " + opts.ToolVersion)})
	}
	return f
}

func generated(opts report.Options) string {
	if opts.Generated.IsZero() {
		return ""
	}
	return opts.Generated.In(opts.DisplayZone()).Format(time.RFC3339) + " (" + opts.Generated.UTC().Format(time.RFC3339) + ")"
}

var officerSign = []string{
	"Disclosure officer: name ______________________  signature ______________________  date ____________",
	"Reviewing lawyer: name ______________________  signature ______________________  date ____________",
}

func (s *Schedules) mg6c(opts report.Options) *sheet {
	sh := &sheet{
		name:     "MG6C",
		title:    "MG6C Police schedule of non-sensitive unused material",
		marking:  report.EffectiveMarking(opts.Marking, "OFFICIAL"),
		handling: "For service on the defence. Not to be marked up or highlighted.",
		fields:   s.fields(opts, "mg6c"),
		cols: []column{{"Item No.", 1, false}, {"Description and relevant date", 6, false}, {"Location", 4, true},
			{"CPIA relevance", 2.5, false}, {"CPS decision (D / I / CND)", 1.4, false}, {"CPS comment", 2, false}},
		sign: officerSign,
	}
	for _, r := range s.MG6C {
		desc := r.Description
		if r.Date != "" {
			desc += " [" + r.Date + "]"
		}
		sh.rows = append(sh.rows, []string{strconv.Itoa(r.No), desc, r.Location, r.Relevance, "", ""})
	}
	return sh
}

func (s *Schedules) mg6d(opts report.Options) *sheet {
	sh := &sheet{
		name:     "MG6D",
		title:    "MG6D Police schedule of sensitive unused material",
		marking:  report.EffectiveMarking(opts.Marking, "OFFICIAL-SENSITIVE"),
		handling: "Not for service on the defence. Highly sensitive, CHIS and intercept material is handled separately.",
		fields:   s.fields(opts, "mg6d"),
		cols: []column{{"Item No.", 1, false}, {"Description and relevant date", 5, false}, {"Location", 3.5, true},
			{"Reason for sensitivity", 3, false}, {"Undermine / assist", 2.5, false},
			{"Prosecutor (agree / disagree / PII)", 1.8, false}, {"Record link", 2, true}},
		sign: officerSign,
	}
	for _, r := range s.MG6D {
		desc := r.Description
		if r.Date != "" {
			desc += " [" + r.Date + "]"
		}
		sh.rows = append(sh.rows, []string{strconv.Itoa(r.No), desc, r.Location, r.Sensitivity, r.Flags, "", r.Link})
	}
	if len(s.MG6D) == 0 {
		sh.notes = append(sh.notes, "NIL RETURN: the examination record holds no item tagged sensitive. This nil schedule is signed and submitted.")
	}
	return sh
}

func (s *Schedules) mg6e(opts report.Options) *sheet {
	sh := &sheet{
		name:     "MG6E",
		title:    "MG6E Disclosure officer's report",
		marking:  report.EffectiveMarking(opts.Marking, "OFFICIAL-SENSITIVE"),
		handling: "Not for service on the defence.",
		fields:   s.fields(opts, "mg6e"),
		cols: []column{{"Item No.", 1, false}, {"Schedule", 1.2, false}, {"Test", 2.5, false},
			{"Reason (including any link to the defence case)", 6, false}, {"Copy provided (Y/N)", 1.4, false}, {"Record link", 3, true}},
		sign: []string{
			"Certification: to the best of my knowledge and belief, all relevant material which has been retained and made available to me has been revealed to the prosecutor in accordance with the CPIA 1996 Code of Practice.",
			"Disclosure officer: name ______________________  signature ______________________  date ____________",
		},
	}
	for _, f := range s.MG6E {
		sh.rows = append(sh.rows, []string{strconv.Itoa(f.No), f.Schedule, f.Test, f.Reason, "", f.Link})
	}
	if len(s.MG6E) == 0 {
		sh.notes = append(sh.notes, "No item on the MG6C is flagged as one that might undermine the prosecution case or assist the defence.")
	}
	if s.SensitiveFlagged > 0 {
		sh.notes = append(sh.notes, fmt.Sprintf("%d item(s) on the MG6D are also flagged as might undermine or assist; their reasons are set out on the MG6D.", s.SensitiveFlagged))
	}
	return sh
}

// Neutralise makes a cell inert in a spreadsheet: text starting with a
// character that starts a formula (= + - @) or with a tab or carriage
// return (which some programs skip before looking for one) gets a leading
// apostrophe. See the package comment.
func Neutralise(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}

// ErrTooLarge is returned when a schedule would exceed what one file may
// hold (XLSX's row limit).
var ErrTooLarge = errors.New("cpia: schedule too large for one file")
