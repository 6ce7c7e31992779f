package viewmodel

import (
	"context"
	"encoding/hex"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/loupe-forensics/loupe/forensic/finding"
	"github.com/loupe-forensics/loupe/forensic/record"
	"github.com/loupe-forensics/loupe/forensic/source"
)

// Column is one column of a family's table: the first of Attrs the
// artefact has, or a pseudo-column ("#kind", "#path", "#time").
type Column struct {
	Title string
	Attrs []string
	Width float32 // a hint for the view, in points
}

// Family groups artefact kinds by their prefix ("tor." …) for the
// navigator, with the columns that say most about that family.
type Family struct {
	Name     string
	Prefixes []string // kind prefixes; empty for Other (what no family claims)
	Columns  []Column
}

// Pseudo-columns.
const (
	colKind = "#kind"
	colPath = "#path"
	colTime = "#time" // the artefact's first time attribute
)

// WarningsFamily is the navigator's name for recorded warnings, which are
// not artefacts but are browsed beside them.
const WarningsFamily = "Warnings"

// Families lists the navigator's families in display order (Tor holds the
// firefox.* kinds too: the Tor parsers name a plain Firefox profile so). The list is
// explicit so a new kind prefix shows under Other until it is given a home.
func Families() []Family {
	kind := Column{"Kind", []string{colKind}, 170}
	path := Column{"Path", []string{colPath}, 320}
	when := Column{"Time", []string{colTime}, 210}
	return []Family{
		{"Tor", []string{"tor.", "firefox."}, []Column{kind, {"Item", []string{"url", "page_url", "address", "origin", "host", "name", "field", "input", "directive", "hostname", "install_path", "profile_path", "app_dir", "tor_version", "file_name", "folder", "path", "flavour"}, 300}, {"Value", []string{"title", "value", "transport", "state", "version", "firefox_version", "relays", "browser"}, 220}, when, path}},
		{"Wallets", []string{"wallet."}, []Column{kind, {"Item", []string{"address", "xpub", "txid", "root_fingerprint", "format"}, 330}, {"Coin", []string{"coin", "encryption"}, 70}, {"Label", []string{"label", "chain", "type", "derivation"}, 150}, path}},
		{"PGP", []string{"pgp."}, []Column{kind, {"Identity", []string{"uid", "fingerprint", "issuer_fingerprint", "keygrip", "block_type"}, 330}, {"Algorithm", []string{"curve", "algorithm", "ownertrust_name", "trust_model"}, 90}, {"Created", []string{"created", "blob_created"}, 210}, path}},
		{"Chats", []string{"chat."}, []Column{kind, {"Client", []string{"client"}, 80}, {"From", []string{"sender", "account", "contact", "name"}, 160}, {"Text", []string{"body", "conversation", "file_name", "name"}, 300}, {"Time", []string{"time", "received"}, 210}, path}},
		{"Identifiers", []string{"identifier."}, []Column{{"Type", []string{"type"}, 120}, {"Value", []string{"value"}, 360}, {"Detail", []string{"detail", "encoding"}, 160}, {"Region", []string{"region"}, 80}, {"Path", []string{"path", colPath}, 300}}},
		{"Notable files", []string{"notable."}, []Column{kind, {"Reason", []string{"reason", "candidates"}, 360}, {"Size", []string{"size"}, 90}, path}},
		{"File types", []string{"file."}, []Column{{"Type", []string{"type"}, 110}, {"MIME", []string{"mime"}, 200}, {"Size", []string{"size"}, 90}, {"Mismatch", []string{"extension_mismatch"}, 80}, path}},
		{"Other", nil, []Column{kind, {"Summary", nil, 420}, path}},
	}
}

// FamilyOf returns the name of the family a kind belongs to.
func FamilyOf(families []Family, kind string) string {
	for _, f := range families {
		for _, p := range f.Prefixes {
			if strings.HasPrefix(kind, p) {
				return f.Name
			}
		}
	}
	return "Other"
}

// Row is what the navigator keeps per artefact: its ID, kind and the key
// column texts, never the full content (details are read back on demand).
type Row struct {
	ID    int64
	Kind  string
	Cells []string
}

// ArtefactIndex is the navigator's in-memory table: per family, the rows
// in record order. Details are fetched from the record when opened.
type ArtefactIndex struct {
	Families []Family
	Rows     map[string][]Row // by family name; Warnings holds warnings (ID is the warning's)
	Total    int              // artefacts (warnings not included)
}

// LoadArtefacts reads the record once, keeping key columns only.
func LoadArtefacts(ctx context.Context, s *Session) (*ArtefactIndex, error) {
	fams := Families()
	byName := map[string]*Family{}
	for i := range fams {
		byName[fams[i].Name] = &fams[i]
	}
	ix := &ArtefactIndex{Families: fams, Rows: map[string][]Row{}}
	fm := newFormatter(s)
	for a, err := range s.Record.Artefacts(ctx, "") {
		if err != nil {
			return nil, fmt.Errorf("read artefacts: %w", err)
		}
		name := FamilyOf(fams, a.Kind)
		f := byName[name]
		ix.Rows[name] = append(ix.Rows[name], Row{ID: a.ID, Kind: a.Kind, Cells: cells(fm, f.Columns, a)})
		ix.Total++
	}
	ws, err := s.Record.Warnings(ctx, 0)
	if err != nil {
		return nil, fmt.Errorf("read warnings: %w", err)
	}
	for _, w := range ws {
		ix.Rows[WarningsFamily] = append(ix.Rows[WarningsFamily], Row{ID: w.ID, Kind: "warning", Cells: []string{w.Parser, w.Message, refString(w.Source, w.Ref)}})
	}
	return ix, nil
}

// FirstFamily reads the first non-empty family (Other aside) through the
// record's kind index, so the navigator can draw its first screen before
// the whole record has been read. It returns "" when no family has rows.
func FirstFamily(ctx context.Context, s *Session) (string, []Row, error) {
	fm := newFormatter(s)
	for _, f := range Families() {
		if len(f.Prefixes) == 0 {
			continue
		}
		var rows []Row
		for _, p := range f.Prefixes {
			for a, err := range s.Record.Artefacts(ctx, p) {
				if err != nil {
					return "", nil, fmt.Errorf("read %s artefacts: %w", f.Name, err)
				}
				rows = append(rows, Row{ID: a.ID, Kind: a.Kind, Cells: cells(fm, f.Columns, a)})
			}
		}
		if len(rows) > 0 {
			// Prefixes come back one after the other; the table is in record order.
			sort.Slice(rows, func(i, j int) bool { return rows[i].ID < rows[j].ID })
			return f.Name, rows, nil
		}
	}
	return "", nil, nil
}

// WarningColumns are the Warnings table's columns.
func WarningColumns() []Column {
	return []Column{{"Parser", nil, 140}, {"Message", nil, 420}, {"Source", nil, 420}}
}

// Columns returns a family's columns (the Warnings pseudo-family included).
func (ix *ArtefactIndex) Columns(family string) []Column {
	if family == WarningsFamily {
		return WarningColumns()
	}
	for _, f := range ix.Families {
		if f.Name == family {
			return f.Columns
		}
	}
	return nil
}

// Counts returns the number of rows per family in display order, Warnings last.
func (ix *ArtefactIndex) Counts() []FamilyCount {
	var out []FamilyCount
	for _, f := range ix.Families {
		out = append(out, FamilyCount{f.Name, len(ix.Rows[f.Name])})
	}
	return append(out, FamilyCount{WarningsFamily, len(ix.Rows[WarningsFamily])})
}

// FamilyCount is a family with how many rows it has.
type FamilyCount struct {
	Name  string
	Count int
}

func cells(f formatter, cols []Column, a record.StoredArtefact) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		if c.Attrs == nil {
			out[i] = summary(f, a.Attrs, 3)
			continue
		}
		for _, name := range c.Attrs {
			if v, ok := cell(f, name, a); ok {
				out[i] = v
				break
			}
		}
	}
	return out
}

func cell(f formatter, name string, a record.StoredArtefact) (string, bool) {
	switch name {
	case colKind:
		return a.Kind, true
	case colPath:
		if a.Source == nil {
			return "", false
		}
		return a.Source.Path(), a.Source.Path() != ""
	case colTime:
		for _, at := range a.Attrs {
			if at.Type == finding.TTime {
				return f.time(at.Time), true
			}
		}
		return "", false
	}
	for _, at := range a.Attrs {
		if at.Name == name {
			return short(f.attr(at), 200), true
		}
	}
	return "", false
}

func summary(f formatter, attrs []finding.Attr, n int) string {
	var parts []string
	for i, at := range attrs {
		if i == n {
			break
		}
		parts = append(parts, at.Name+"="+short(f.attr(at), 60))
	}
	return strings.Join(parts, "  ")
}

// short cuts s to at most n runes, marking the cut, and folds line breaks
// so one table cell stays one line.
func short(s string, n int) string {
	if strings.ContainsAny(s, "\r\n") {
		s = strings.NewReplacer("\r\n", " ⏎ ", "\n", " ⏎ ", "\r", " ⏎ ").Replace(s)
	}
	if len(s) <= n || utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

// FormatAttr prints an attribute's value for the examiner: times in the
// display zone with the zone shown, bytes as hex.
func FormatAttr(s *Session, a finding.Attr) string { return newFormatter(s).attr(a) }

// formatter prints values in one display zone. Session.DisplayZone may load
// the zone from the tz database on every call, so loops over thousands of
// artefacts resolve it once.
type formatter struct{ loc *time.Location }

func newFormatter(s *Session) formatter { return formatter{s.DisplayZone()} }

// time is Session.FormatTime with the zone resolved.
func (f formatter) time(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	l := t.In(f.loc)
	return l.Format(time.RFC3339) + " " + l.Format("MST")
}

func (f formatter) attr(a finding.Attr) string {
	switch a.Type {
	case finding.TTime:
		return f.time(a.Time)
	case finding.TBytes:
		return hex.EncodeToString(a.Bytes)
	case finding.TInt:
		return strconv.FormatInt(a.Int, 10)
	case finding.TBool:
		return strconv.FormatBool(a.Bool)
	}
	return Visible(a.Str)
}

// Visible makes invisible characters in evidence text visible: bidi
// overrides and isolates (which can reorder what the examiner reads, as in
// "txt.exe" shown as "exe.txt"), zero-width characters and control codes
// other than tab and line breaks are printed as ⟨U+XXXX⟩. Everything else,
// markup included, is shown exactly as recorded.
func Visible(s string) string {
	clean := true
	for _, r := range s {
		if hidden(r) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if hidden(r) {
			fmt.Fprintf(&b, "⟨U+%04X⟩", r)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func hidden(r rune) bool {
	switch {
	case r == '\t' || r == '\n' || r == '\r':
		return false
	case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0x200e || r == 0x200f || r == 0x061c:
		return true // bidi embeddings, overrides, isolates and marks
	case r >= 0x200b && r <= 0x200d, r == 0x2060, r == 0xfeff:
		return true // zero-width space, joiners, word joiner, BOM
	}
	return false
}

func refString(r *source.Ref, fallback string) string {
	if r != nil {
		return r.String()
	}
	return fallback
}

// Detail is everything the detail pane shows about one artefact.
type Detail struct {
	Artefact record.StoredArtefact
	Fields   []Field // summary fields, then every attribute in the parser's order
	Chain    []Field // provenance steps from the image down
	Tags     []record.Tag
}

// LoadDetail reads one artefact back from the record. kind narrows the scan
// to that kind's rows (the record iterates by kind prefix, then by id).
func LoadDetail(ctx context.Context, s *Session, id int64, kind string) (*Detail, error) {
	var found *record.StoredArtefact
	for a, err := range s.Record.Artefacts(ctx, kind) {
		if err != nil {
			return nil, err
		}
		if a.ID == id {
			found = &a
			break
		}
		if a.ID > id {
			break
		}
	}
	if found == nil {
		return nil, fmt.Errorf("artefact %d (%s): %w", id, kind, record.ErrNotFound)
	}
	a := *found
	d := &Detail{Artefact: a}
	d.Fields = []Field{
		{"Artefact", fmt.Sprintf("#%d %s (%s)", a.ID, a.Kind, a.Category)},
		{"Parser", a.Parser + "@" + a.ParserVersion},
		{"Run", strconv.FormatInt(a.RunID, 10)},
		{"Source", refString(a.Source, a.Ref)},
	}
	if a.SourceSHA256 != "" {
		d.Fields = append(d.Fields, Field{"Source SHA-256", a.SourceSHA256})
	}
	fm := newFormatter(s)
	for _, at := range a.Attrs {
		d.Fields = append(d.Fields, Field{at.Name, fm.attr(at)})
	}
	if a.Source != nil {
		for _, st := range a.Source.Chain() {
			d.Chain = append(d.Chain, Field{st.Type, stepText(st)})
		}
	}
	tags, err := s.Record.Tags(ctx)
	if err != nil {
		return nil, err
	}
	for _, t := range tags {
		if t.ArtefactID == id {
			d.Tags = append(d.Tags, t)
		}
	}
	return d, nil
}

func stepText(r *source.Ref) string {
	var parts []string
	if r.Locator != "" {
		parts = append(parts, r.Locator)
	}
	if r.ID != "" {
		parts = append(parts, "id "+r.ID)
	}
	if r.Offset != 0 || r.Length != 0 {
		parts = append(parts, fmt.Sprintf("offset %d, length %d", r.Offset, r.Length))
	}
	return strings.Join(parts, " · ")
}

// TimeAttrs returns the attributes of a that carry activity times, sorted
// by time: every time-typed attribute except those that name a future or
// configured moment rather than something that happened (expiry dates,
// next scheduled checks, validity ends such as a consensus's valid_until).
func TimeAttrs(attrs []finding.Attr) []finding.Attr {
	var out []finding.Attr
	for _, at := range attrs {
		if at.Type != finding.TTime || at.Time.IsZero() || notActivity(at.Name) {
			continue
		}
		out = append(out, at)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Time.Before(out[j].Time) })
	return out
}

func notActivity(name string) bool {
	return strings.Contains(name, "expir") || strings.HasPrefix(name, "next_") || strings.HasSuffix(name, "_until")
}
