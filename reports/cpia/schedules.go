package cpia

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/loupe-forensics/loupe/forensic/finding"
	"github.com/loupe-forensics/loupe/forensic/record"
)

// Header is what heads every schedule: the case, the exhibit, who made the
// record, and the chain head the schedules were built at.
type Header struct {
	URN         string
	Operation   string
	Defendant   string // "R v …" when the case details name one
	Exhibit     string
	Examiners   []string // "name (role)", sorted
	RecordID    string
	HeadSeq     int64
	HeadHash    string
	GeneratedAt time.Time
}

// Row is one item on the MG6C (non-sensitive) or MG6D (sensitive) schedule.
type Row struct {
	No          int
	Description string // content summary
	Date        string // relevant date, RFC 3339 in the display zone ("" when none)
	Location    string // provenance reference or where in the record
	Relevance   string // MG6C: why it is relevant unused material
	Sensitivity string // MG6D: reason category and reason
	Flags       string // MG6D: undermine/assist reasons of a sensitive item
	Link        string // audit entries and record rows behind the item (not printed on MG6C)
	Edited      bool   // MG6C: a sensitive value was withheld from this row
	Quantity    int    // block entries: how many items the row stands for (1 otherwise)
	artefact    int64
}

// Flagged is one MG6E row: a scheduled item that might undermine the
// prosecution case or assist the defence, with the reason.
type Flagged struct {
	Schedule string // "MG6C"
	No       int
	Test     string // "Might undermine the prosecution case" / "Might assist the defence"
	Reason   string
	Link     string
}

// Schedules is the examiner's index of unused material split the way the
// disclosure officer needs it.
type Schedules struct {
	Header Header
	MG6C   []Row
	MG6D   []Row
	MG6E   []Flagged
	// SensitiveFlagged counts MG6D items that are also flagged undermines or
	// assists: MG6E names only this count and points to the MG6D, which
	// carries their reasons (see the package comment).
	SensitiveFlagged int
}

// Bounds on what one row may hold, so a hostile attribute cannot make a
// schedule of megabytes per cell.
const (
	maxAttrText   = 200 // runes of one attribute value in a description
	maxDescAttrs  = 8   // attributes named in an artefact's description
	maxNoteText   = 500 // runes of a note's text
	maxSearchText = 300 // runes of a search's terms
)

// Build reads the record and assigns every item to its schedule. Item
// numbers run 1..n on each schedule separately, in a fixed order (see the
// package comment), so the same record gives the same numbers.
func Build(ctx context.Context, rec *record.Record, zone *time.Location) (*Schedules, error) {
	if rec == nil {
		return nil, fmt.Errorf("cpia: %w", errNoRecord)
	}
	if zone == nil {
		zone = time.UTC
	}
	disc, err := LoadDisclosure(ctx, rec)
	if err != nil {
		return nil, err
	}
	rowsBy, err := rowEntries(ctx, rec)
	if err != nil {
		return nil, err
	}
	s := &Schedules{}
	if err := s.header(ctx, rec); err != nil {
		return nil, err
	}
	at := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.In(zone).Format(time.RFC3339)
	}
	var c []Row // MG6C candidates, in schedule order
	var d []Row

	// 1. Material received: the evidence sources.
	srcRows, err := rec.Rows(ctx, "sources")
	if err != nil {
		return nil, fmt.Errorf("cpia: sources: %w", err)
	}
	for i, src := range srcRows {
		id := int64(i + 1)
		var sr struct {
			Ref         string            `json:"ref"`
			Format      string            `json:"format"`
			Segments    []string          `json:"segments"`
			Size        int64             `json:"size"`
			Acquisition map[string]string `json:"acquisition"`
		}
		remarshal(src, &sr)
		desc := fmt.Sprintf("Evidence source received for examination: %s (%s, %d bytes", sr.Ref, sr.Format, sr.Size)
		if len(sr.Segments) > 1 {
			desc += fmt.Sprintf(", %d segments", len(sr.Segments))
		}
		desc += ")"
		for _, k := range []string{"md5", "sha1", "sha256"} {
			if v := sr.Acquisition[k]; v != "" {
				desc += fmt.Sprintf("; acquisition %s %s", strings.ToUpper(k), v)
			}
		}
		e := rowsBy["sources"][id]
		c = append(c, Row{Description: desc, Date: at(e.Time), Location: sr.Ref,
			Relevance: "Material received (the exhibit as imaged)", Link: seqLink(e.Seq), Quantity: 1})
	}

	// 2. The examination record itself: the contemporaneous technical record.
	var first time.Time
	for e, err := range rec.Entries(ctx, 1) {
		if err != nil {
			return nil, fmt.Errorf("cpia: audit chain: %w", err)
		}
		first = e.Time
		break
	}
	c = append(c, Row{
		Description: fmt.Sprintf("Examination record %s: contemporaneous technical record and hash-chained audit log of %d entries (head %s)",
			s.Header.RecordID, s.Header.HeadSeq, s.Header.HeadHash),
		Date: at(first), Location: "Examination record " + s.Header.RecordID,
		Relevance: "Examiner's record (CPIA Code para 4: recording)", Link: "audit 1-" + strconv.FormatInt(s.Header.HeadSeq, 10), Quantity: 1})

	// 3. Each parser run: the tool's log and the extraction it produced.
	runs, err := rec.Runs(ctx)
	if err != nil {
		return nil, fmt.Errorf("cpia: runs: %w", err)
	}
	runIdx := map[int64]int{}
	for i, r := range runs {
		runIdx[r.ID] = i
		e := rowsBy["runs"][r.ID]
		started, _ := time.Parse(time.RFC3339Nano, r.Started)
		c = append(c, Row{
			Description: fmt.Sprintf("Parser run %d (%s, %s): %d parsers (%s); %d findings, %d warnings",
				r.ID, r.Tool, r.Status, len(r.Parsers), strings.Join(capList(r.Parsers, 20), ", "), r.Artefacts, r.Warnings),
			Date: at(started), Location: fmt.Sprintf("Examination record %s, run %d", s.Header.RecordID, r.ID),
			Relevance: "Tool log and extraction output", Link: seqLink(e.Seq), Quantity: 1})
	}

	// 4. Contemporaneous notes.
	notes, err := rec.Notes(ctx)
	if err != nil {
		return nil, fmt.Errorf("cpia: notes: %w", err)
	}
	for _, n := range notes {
		if n.Seq == 0 {
			n.Seq = rowsBy["notes"][n.ID].Seq
		}
		desc := "Contemporaneous note: " + capRunes(n.Text, maxNoteText)
		if n.Corrects != 0 {
			desc = fmt.Sprintf("Correction of audit entry %d: %s", n.Corrects, capRunes(n.Text, maxNoteText))
		}
		c = append(c, Row{Description: desc, Date: at(n.Time),
			Location:  fmt.Sprintf("Examination record %s, audit entry %d", s.Header.RecordID, n.Seq),
			Relevance: "Examiner's notes", Link: seqLink(n.Seq), Quantity: 1})
	}

	// 5, 6. Artefacts: tagged ones individually, sensitive ones to the MG6D,
	// the rest as block entries per run and kind.
	type blockKey struct {
		run  int64
		kind string
	}
	blocks := map[blockKey]*Row{}
	var blockOrder []blockKey
	var sensitiveValues []string
	var tagged []Row
	for a, err := range rec.Artefacts(ctx, "") {
		if err != nil {
			return nil, fmt.Errorf("cpia: artefacts: %w", err)
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if disc.Sensitive(a.ID) {
			sensitiveValues = append(sensitiveValues, SensitiveValues(a)...)
			d = append(d, sensitiveRow(a, disc, at))
			continue
		}
		if disc.Tagged(a.ID) {
			tagged = append(tagged, taggedRow(a, disc, at))
			continue
		}
		k := blockKey{a.RunID, a.Kind}
		b := blocks[k]
		if b == nil {
			b = &Row{Location: fmt.Sprintf("Examination record %s, run %d, findings of kind %s", s.Header.RecordID, a.RunID, a.Kind),
				Relevance: "Examination output not relied on (unused material)", Link: fmt.Sprintf("run %d", a.RunID)}
			blocks[k] = b
			blockOrder = append(blockOrder, k)
		}
		b.Quantity++
		if t := relevantDate(a.Attrs); !t.IsZero() {
			// Block entries give the span of their items' dates.
			b.Date = widen(b.Date, t.In(zone).Format(time.RFC3339))
		}
		if b.Description == "" {
			b.Description = a.Parser
		}
	}
	c = append(c, tagged...)
	sort.SliceStable(blockOrder, func(i, j int) bool {
		if blockOrder[i].run != blockOrder[j].run {
			return runIdx[blockOrder[i].run] < runIdx[blockOrder[j].run]
		}
		return blockOrder[i].kind < blockOrder[j].kind
	})
	for _, k := range blockOrder {
		b := blocks[k]
		b.Description = fmt.Sprintf("Block entry: %d %s findings from run %d (parser %s), not listed item by item because their number makes that impractical; any of them that meets the disclosure test is listed individually",
			b.Quantity, k.kind, k.run, b.Description)
		c = append(c, *b)
	}

	// 7. Warnings: the negative results and failures of each run.
	for _, r := range runs {
		if r.Warnings == 0 {
			continue
		}
		c = append(c, Row{
			Description: fmt.Sprintf("Block entry: %d parser warnings of run %d (negative results, unreadable or damaged items), each with its provenance", r.Warnings, r.ID),
			Location:    fmt.Sprintf("Examination record %s, run %d, warnings", s.Header.RecordID, r.ID),
			Relevance:   "Negative results and failures (CPIA Code para 4)", Link: fmt.Sprintf("run %d", r.ID), Quantity: int(r.Warnings)})
	}

	// 8. Searches and filters, and the reports and exports already made.
	searches, err := rec.EntriesByAction(ctx, record.ActionSearch)
	if err != nil {
		return nil, fmt.Errorf("cpia: search log: %w", err)
	}
	for _, e := range searches {
		var wrap struct {
			Search record.Search `json:"search"`
		}
		_ = json.Unmarshal(e.Params, &wrap)
		p := wrap.Search
		c = append(c, Row{
			Description: fmt.Sprintf("Search log: %s %s (%s); %d hits, %d excluded; reason: %s", p.Kind,
				capRunes(strings.Join(p.Terms, " | "), maxSearchText), capRunes(p.ListName+" "+p.Version, 100), p.Hits, p.Excluded, capRunes(p.Reason, 200)),
			Date: at(e.Time), Location: fmt.Sprintf("Examination record %s, audit entry %d", s.Header.RecordID, e.Seq),
			Relevance: "Record of the search strategy (AG Guidelines Annex A)", Link: seqLink(e.Seq), Quantity: 1})
	}
	for _, action := range []string{record.ActionReport, record.ActionExport} {
		es, err := rec.EntriesByAction(ctx, action)
		if err != nil {
			return nil, fmt.Errorf("cpia: %s log: %w", action, err)
		}
		for _, e := range es {
			var wrap struct {
				Export exportParams `json:"export"`
			}
			_ = json.Unmarshal(e.Params, &wrap)
			p := wrap.Export
			what := "Export"
			if action == record.ActionReport {
				what = "Report"
			}
			if p.Kind != "" {
				what += " (" + p.Kind + ")"
			}
			c = append(c, Row{
				Description: fmt.Sprintf("%s produced as %s, %d bytes, SHA-256 %s, for %s", what, p.Format, p.Size, p.SHA256, capRunes(p.Recipient, 200)),
				Date:        at(e.Time), Location: fmt.Sprintf("Examination record %s, audit entry %d", s.Header.RecordID, e.Seq),
				Relevance: "Material generated by the examiner", Link: seqLink(e.Seq), Quantity: 1})
		}
	}

	// Withhold sensitive values wherever else they would be printed; mark
	// the rows that lost something "edited", as the Code asks.
	w := NewWithholder(sensitiveValues)
	for i := range c {
		r := &c[i]
		var e1, e2, e3 bool
		r.Description, e1 = w.Apply(r.Description)
		r.Location, e2 = w.Apply(r.Location)
		r.Relevance, e3 = w.Apply(r.Relevance)
		if e1 || e2 || e3 {
			r.Edited = true
			r.Description += " (edited)"
		}
		r.No = i + 1
	}
	for i := range d {
		d[i].No = i + 1
		if d[i].Flags != "" {
			s.SensitiveFlagged++
		}
	}
	s.MG6C, s.MG6D = c, d

	// MG6E: the flagged MG6C items, undermine before assist for each.
	for _, r := range c {
		if r.artefact == 0 {
			continue
		}
		for _, f := range []struct{ flag, test string }{
			{record.FlagUndermines, "Might undermine the prosecution case"},
			{record.FlagAssists, "Might assist the defence"},
		} {
			t, ok := disc.Tag(r.artefact, f.flag)
			if !ok {
				continue
			}
			reason, _ := w.Apply(t.Reason)
			s.MG6E = append(s.MG6E, Flagged{Schedule: "MG6C", No: r.No, Test: f.test, Reason: reason,
				Link: fmt.Sprintf("artefact %d; tag audit entry %d", r.artefact, disc.TagSeq(t))})
		}
	}
	return s, nil
}

// exportParams is the part of a report or export entry's params the
// schedules print (record.Export, plus the kind when the writer adds it).
type exportParams struct {
	Kind          string `json:"kind"`
	Format        string `json:"format"`
	SHA256        string `json:"sha256"`
	Size          int64  `json:"size"`
	Recipient     string `json:"recipient"`
	Justification string `json:"justification"`
}

func (s *Schedules) header(ctx context.Context, rec *record.Record) error {
	cs, err := rec.Details(ctx, "case")
	if err != nil {
		return fmt.Errorf("cpia: case details: %w", err)
	}
	ex, err := rec.Details(ctx, "exhibit")
	if err != nil {
		return fmt.Errorf("cpia: exhibit details: %w", err)
	}
	names, err := rec.ExaminerNames(ctx)
	if err != nil {
		return fmt.Errorf("cpia: examiners: %w", err)
	}
	seq, head, err := rec.Head(ctx)
	if err != nil {
		return fmt.Errorf("cpia: chain head: %w", err)
	}
	s.Header = Header{URN: cs["urn"], Operation: cs["operation"], Defendant: cs["defendant"], Exhibit: ex["reference"],
		RecordID: rec.ID(), HeadSeq: seq, HeadHash: head}
	for _, n := range names {
		s.Header.Examiners = append(s.Header.Examiners, n)
	}
	sort.Strings(s.Header.Examiners)
	return nil
}

func taggedRow(a record.StoredArtefact, disc *Disclosure, at func(time.Time) string) Row {
	rel := "Relevant unused material"
	if t, ok := disc.Tag(a.ID, record.FlagRelevant); ok && strings.TrimSpace(t.Reason) != "" {
		rel = "Relevant: " + capRunes(t.Reason, maxNoteText)
	}
	var links []string
	for _, f := range []string{record.FlagRelevant, record.FlagNotable, record.FlagUndermines, record.FlagAssists} {
		if t, ok := disc.Tag(a.ID, f); ok {
			links = append(links, fmt.Sprintf("%s tag audit entry %d", f, disc.TagSeq(t)))
		}
	}
	return Row{Description: Describe(a), Date: at(relevantDate(a.Attrs)), Location: a.Ref, Relevance: rel,
		Link: fmt.Sprintf("artefact %d; %s", a.ID, strings.Join(links, "; ")), Quantity: 1, artefact: a.ID}
}

// highlySensitive reports whether a sensitivity category is one the
// Disclosure Manual keeps off the MG6D's detail (chapters 9, 25 and 27):
// such items are listed only as flagged for separate handling.
func highlySensitive(category string) bool {
	c := strings.ToLower(category)
	return strings.Contains(c, "highly") || strings.Contains(c, "chis") || strings.Contains(c, "intercept")
}

func sensitiveRow(a record.StoredArtefact, disc *Disclosure, at func(time.Time) string) Row {
	t, _ := disc.Tag(a.ID, record.FlagSensitive)
	reason := t.Category
	if strings.TrimSpace(t.Reason) != "" {
		reason += ": " + capRunes(t.Reason, maxNoteText)
	}
	r := Row{Description: Describe(a), Date: at(relevantDate(a.Attrs)), Location: a.Ref, Sensitivity: reason,
		Link: fmt.Sprintf("artefact %d; sensitive tag audit entry %d", a.ID, disc.TagSeq(t)), Quantity: 1, artefact: a.ID}
	var flags []string
	for _, f := range []struct{ flag, test string }{
		{record.FlagUndermines, "Might undermine the prosecution case"},
		{record.FlagAssists, "Might assist the defence"},
	} {
		if ft, ok := disc.Tag(a.ID, f.flag); ok {
			flags = append(flags, f.test+": "+capRunes(ft.Reason, maxNoteText))
			r.Link += fmt.Sprintf("; %s tag audit entry %d", f.flag, disc.TagSeq(ft))
		}
	}
	r.Flags = strings.Join(flags, "; ")
	if highlySensitive(t.Category) {
		r.Description = "Not described here: flagged for separate handling as " + t.Category + " material (Disclosure Manual ch. 9, 25, 27)"
		r.Location = "Withheld; see the examination record"
		r.Date = ""
		if r.Flags != "" {
			r.Flags = "Flagged undermine/assist; reasons held with the item for separate handling"
		}
	}
	return r
}

// Describe is an artefact's content summary: its kind and its first
// attributes in the parser's order, each value capped.
func Describe(a record.StoredArtefact) string {
	var b strings.Builder
	b.WriteString(a.Kind)
	n := 0
	for _, at := range a.Attrs {
		if n == maxDescAttrs {
			b.WriteString("; …")
			break
		}
		v := attrText(at)
		if v == "" {
			continue
		}
		if n == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString("; ")
		}
		b.WriteString(at.Name)
		b.WriteString(" ")
		b.WriteString(capRunes(v, maxAttrText))
		n++
	}
	return b.String()
}

func attrText(a finding.Attr) string {
	switch a.Type {
	case finding.TString:
		return strings.ReplaceAll(a.Str, "\n", " / ")
	case finding.TInt:
		return strconv.FormatInt(a.Int, 10)
	case finding.TBool:
		return strconv.FormatBool(a.Bool)
	case finding.TTime:
		if a.Time.IsZero() {
			return ""
		}
		return a.Time.UTC().Format(time.RFC3339Nano)
	case finding.TBytes:
		return fmt.Sprintf("%d bytes", len(a.Bytes))
	}
	return ""
}

// dateAttrs are the attribute names whose time is an item's relevant date,
// most telling first.
var dateAttrs = []string{"time", "last_visit", "last_accessed", "visited", "created", "added", "modified", "last_written", "received", "self_signed"}

// relevantDate is the item's own date: the first of dateAttrs present, else
// the first time-typed attribute.
func relevantDate(attrs []finding.Attr) time.Time {
	for _, name := range dateAttrs {
		for _, a := range attrs {
			if a.Name != name {
				continue
			}
			if t := attrTime(a); !t.IsZero() {
				return t
			}
		}
	}
	for _, a := range attrs {
		if a.Type == finding.TTime && !a.Time.IsZero() {
			return a.Time
		}
	}
	return time.Time{}
}

func attrTime(a finding.Attr) time.Time {
	switch a.Type {
	case finding.TTime:
		return a.Time
	case finding.TString:
		if t, err := time.Parse(time.RFC3339Nano, a.Str); err == nil && t.Year() > 1970 {
			return t
		}
	}
	return time.Time{}
}

// widen keeps "first to last" of RFC 3339 times (which sort as text only
// within one zone offset, so compare as times).
func widen(span, t string) string {
	if span == "" {
		return t
	}
	lo, hi, _ := strings.Cut(span, " to ")
	if hi == "" {
		hi = lo
	}
	tt, _ := time.Parse(time.RFC3339, t)
	if l, err := time.Parse(time.RFC3339, lo); err == nil && tt.Before(l) {
		lo = t
	}
	if h, err := time.Parse(time.RFC3339, hi); err == nil && tt.After(h) {
		hi = t
	}
	if lo == hi {
		return lo
	}
	return lo + " to " + hi
}

func seqLink(seq int64) string {
	if seq == 0 {
		return ""
	}
	return "audit entry " + strconv.FormatInt(seq, 10)
}

func capRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	i := 0
	for j := range s {
		if i == n {
			return s[:j] + " […]"
		}
		i++
	}
	return s
}

func capList(xs []string, n int) []string {
	if len(xs) <= n {
		return xs
	}
	return append(append([]string(nil), xs[:n]...), fmt.Sprintf("and %d more", len(xs)-n))
}

func remarshal(in any, out any) {
	b, err := json.Marshal(in)
	if err == nil {
		_ = json.Unmarshal(b, out)
	}
}
