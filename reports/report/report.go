// Package report holds what every Loupe report renderer shares: the kinds
// and formats a report can take, the options a caller passes (marking,
// recipient, reason, document ID), and the rules about what may appear in
// which audience's report. Renderers live in sibling packages and read the
// examination record only; package reports dispatches between them.
package report

import (
	"errors"
	"time"
)

// Kind names a report. The strings are the CLI's --kind values (a public
// contract: keep them stable).
type Kind string

const (
	KindExhibit   Kind = "exhibit"   // officer-facing exhibit report (SFR1, MG11 or expert mode)
	KindTechnical Kind = "technical" // technical record for the peer reviewer
	KindMG6C      Kind = "mg6c"      // CPIA schedule of non-sensitive unused material
	KindMG6D      Kind = "mg6d"      // CPIA schedule of sensitive unused material
	KindMG6E      Kind = "mg6e"      // CPIA disclosure officer's report (undermine/assist)
	KindIntel     Kind = "intel"     // 3x5x2 intelligence report, not for evidential use
	KindCASE      Kind = "case"      // CASE/UCO 1.4 JSON-LD
	KindDFXML     Kind = "dfxml"     // DFXML file objects with byte runs and hashes
)

// Format names an output format: the CLI's --format values.
type Format string

const (
	FormatHTML   Format = "html"
	FormatPDF    Format = "pdf"
	FormatCSV    Format = "csv"
	FormatXLSX   Format = "xlsx"
	FormatJSONLD Format = "jsonld"
	FormatXML    Format = "xml"
)

// Exhibit report modes.
const (
	ModeSFR    = "sfr"    // streamlined forensic report (SFR1-style), the default
	ModeMG11   = "mg11"   // witness statement (CJA 1967 s.9 declaration)
	ModeExpert = "expert" // expert report under CrimPR 19.4
)

// Options is what the caller decides about one report. Renderers must be
// deterministic given the record and Options: Generated comes from here, never
// from the clock, so the same record and options give the same bytes.
type Options struct {
	Kind   Kind
	Format Format
	Mode   string // exhibit only: ModeSFR (default), ModeMG11, ModeExpert

	// Marking is the Government Security Classification printed in the
	// header and footer of every page (e.g. "OFFICIAL", "OFFICIAL-SENSITIVE").
	// Renderers for sensitive material (MG6D, intel) raise it to at least
	// OFFICIAL-SENSITIVE; see EffectiveMarking.
	Marking string

	Recipient string // who the report is for (DPA 2018 s.62)
	Reason    string // why it is disclosed (DPA 2018 s.62)

	// DocumentID identifies this document on every page: the caller builds it
	// from the record ID, the kind and the chain head (see DocumentID).
	DocumentID string

	Generated time.Time      // UTC; printed as RFC 3339 (and in Zone)
	Zone      *time.Location // display zone for times (nil: Europe/London, falling back to UTC)

	ToolName    string // "Loupe"
	ToolVersion string

	// Intel only: 3x5x2 source evaluation (1-3), intelligence assessment
	// default (A-E) and handling code (P or C) with its conditions.
	SourceEvaluation string
	Assessment       string
	Handling         string
	HandlingNotes    string
}

// Errors shared by renderers.
var (
	ErrUnsupported = errors.New("report: kind and format not supported together")
	ErrNoRecord    = errors.New("report: no record")
)

// Marking levels in ascending order.
var markingOrder = []string{"OFFICIAL", "OFFICIAL-SENSITIVE", "SECRET", "TOP SECRET"}

// EffectiveMarking returns the marking to print: the caller's marking, raised
// to at least min (both compared by markingOrder; an unknown caller marking is
// kept as given because forces add descriptors such as "OFFICIAL-SENSITIVE
// PERSONAL").
func EffectiveMarking(given, min string) string {
	if given == "" {
		return min
	}
	gi, mi := rank(given), rank(min)
	if gi < 0 {
		return given
	}
	if gi < mi {
		return min
	}
	return given
}

func rank(m string) int {
	best := -1
	for i, s := range markingOrder {
		if m == s || (len(m) > len(s) && m[:len(s)] == s && m[len(s)] == ' ') {
			best = i
		}
	}
	return best
}

// DisplayZone returns o.Zone, or Europe/London, or UTC when the tz database is absent.
func (o Options) DisplayZone() *time.Location {
	if o.Zone != nil {
		return o.Zone
	}
	if l, err := time.LoadLocation("Europe/London"); err == nil {
		return l
	}
	return time.UTC
}

// DocumentID builds a stable document identifier from the record ID, the
// kind and the chain sequence number the report was built at.
func DocumentID(recordID string, kind Kind, headSeq int64) string {
	id := recordID
	if len(id) > 8 {
		id = id[:8]
	}
	return "LOUPE-" + id + "-" + string(kind) + "-" + itoa(headSeq)
}

func itoa(n int64) string {
	if n == 0 {
		return "0"
	}
	neg := n < 0
	if neg {
		n = -n
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}
