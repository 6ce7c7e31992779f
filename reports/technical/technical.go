// Package technical renders the technical record for the peer reviewer
// (ISO/IEC 17025 7.5, FSR technical and administrative review) as HTML or
// PDF: the instructions, intake and continuity, the methods (each run with
// its parsers' names and versions), every audit entry in order, notes with
// their corrections, warnings, the search log, the access log, disclosure
// tags, the integrity table, every artefact with its provenance, the
// record's verification result with the chain head, and the review block.
//
// The technical record is not officer-facing: it lists everything in the
// record, sensitive items included, and is marked accordingly by the caller.
package technical

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/loupe-forensics/loupe/forensic/finding"
	"github.com/loupe-forensics/loupe/forensic/record"
	"github.com/loupe-forensics/loupe/reports/htmldoc"
	"github.com/loupe-forensics/loupe/reports/pdfdoc"
	"github.com/loupe-forensics/loupe/reports/report"
)

// MaxParams is the most bytes of one audit entry's parameters printed; the
// record keeps them all, and the entry hash printed beside them covers them.
const MaxParams = 4 << 10

// Render writes the technical record in opts.Format (html or pdf).
func Render(ctx context.Context, rec *record.Record, opts report.Options, w io.Writer) error {
	if rec == nil {
		return report.ErrNoRecord
	}
	if opts.Format != report.FormatHTML && opts.Format != report.FormatPDF {
		return fmt.Errorf("technical: format %q: %w", opts.Format, report.ErrUnsupported)
	}
	doc, err := build(ctx, rec, opts)
	if err != nil {
		return err
	}
	if opts.Format == report.FormatPDF {
		return htmldoc.WritePDF(w, doc)
	}
	return htmldoc.WriteHTML(w, doc)
}

type builder struct {
	ctx   context.Context
	rec   *record.Record
	opts  report.Options
	names map[string]string
	n     int
	docs  []htmldoc.Section
}

func (b *builder) add(title string, blocks ...htmldoc.Block) {
	b.n++
	b.docs = append(b.docs, htmldoc.Section{Heading: strconv.Itoa(b.n) + ". " + title, Blocks: blocks})
}

func (b *builder) who(fpr string) string {
	if n, ok := b.names[fpr]; ok {
		return n
	}
	return fpr
}

func utc(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

func build(ctx context.Context, rec *record.Record, opts report.Options) (htmldoc.Document, error) {
	b := &builder{ctx: ctx, rec: rec, opts: opts}
	var err error
	if b.names, err = rec.ExaminerNames(ctx); err != nil {
		return htmldoc.Document{}, fmt.Errorf("technical: examiners: %w", err)
	}
	caseD, _ := rec.Details(ctx, "case")
	exD, _ := rec.Details(ctx, "exhibit")
	steps := []func() error{
		func() error { return b.details(caseD, exD) },
		b.instructions,
		func() error { return b.intake(exD) },
		b.methods,
		b.audit,
		b.notes,
		b.warnings,
		b.searches,
		b.access,
		b.tags,
		b.integrity,
		b.artefacts,
		b.verification,
		b.review,
	}
	for _, s := range steps {
		if err := ctx.Err(); err != nil {
			return htmldoc.Document{}, err
		}
		if err := s(); err != nil {
			return htmldoc.Document{}, err
		}
	}
	return htmldoc.Document{
		Title:      "Technical record: digital device examination",
		Subtitle:   fmt.Sprintf("Exhibit %s, case %s, record %s", or(exD["reference"]), or(caseD["urn"]), rec.ID()),
		Marking:    report.EffectiveMarking(opts.Marking, "OFFICIAL"),
		DocumentID: opts.DocumentID,
		Generated:  opts.Generated,
		Creator:    strings.TrimSpace(opts.ToolName + " " + opts.ToolVersion),
		Sections:   b.docs,
	}, nil
}

func or(s string) string {
	if s == "" {
		return "not recorded"
	}
	return s
}

func fieldsOf(m map[string]string) []pdfdoc.Field {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]pdfdoc.Field, 0, len(keys))
	for _, k := range keys {
		out = append(out, pdfdoc.Field{Label: k, Value: m[k]})
	}
	return out
}

func (b *builder) details(caseD, exD map[string]string) error {
	rows, err := b.rec.Rows(b.ctx, "examiners")
	if err != nil {
		return fmt.Errorf("technical: examiners: %w", err)
	}
	var ex [][]string
	for _, r := range rows {
		ex = append(ex, []string{fmt.Sprint(r["name"]), fmt.Sprint(r["role"]), fmt.Sprint(r["fingerprint"])})
	}
	b.add("Record and report",
		htmldoc.Fields(
			pdfdoc.Field{Label: "Record ID", Value: b.rec.ID()},
			pdfdoc.Field{Label: "Document ID", Value: b.opts.DocumentID},
			pdfdoc.Field{Label: "Generated (UTC)", Value: utc(b.opts.Generated)},
			pdfdoc.Field{Label: "Prepared for", Value: or(b.opts.Recipient)},
			pdfdoc.Field{Label: "Reason", Value: or(b.opts.Reason)},
			pdfdoc.Field{Label: "Produced with", Value: or(strings.TrimSpace(b.opts.ToolName + " " + b.opts.ToolVersion))},
		),
		htmldoc.Sub("Case"), htmldoc.Fields(fieldsOf(caseD)...),
		htmldoc.Sub("Examiners (signing keys)"),
		htmldoc.Table([]pdfdoc.Column{{Header: "Name", Width: 2}, {Header: "Role", Width: 2}, {Header: "Key fingerprint (SHA-256)", Width: 5, Mono: true}}, ex))
	return nil
}

func (b *builder) instructions() error {
	in, err := b.rec.Details(b.ctx, "instructions")
	if err != nil {
		return fmt.Errorf("technical: instructions: %w", err)
	}
	text := strings.TrimSpace(in["text"])
	if text == "" {
		b.add("Instructions", htmldoc.Para("No written instructions are recorded."))
		return nil
	}
	b.add("Instructions", htmldoc.Para("As received, verbatim:"), htmldoc.Mono(text))
	return nil
}

func (b *builder) intake(exD map[string]string) error {
	srcs, err := b.rec.Rows(b.ctx, "sources")
	if err != nil {
		return fmt.Errorf("technical: sources: %w", err)
	}
	vols, err := b.rec.Rows(b.ctx, "volumes")
	if err != nil {
		return fmt.Errorf("technical: volumes: %w", err)
	}
	blocks := []htmldoc.Block{htmldoc.Sub("Exhibit"), htmldoc.Fields(fieldsOf(exD)...), htmldoc.Sub("Evidence sources (as recorded)")}
	for i, s := range srcs {
		blocks = append(blocks, htmldoc.Para("Source %d", i+1), htmldoc.Mono(jsonText(s)))
	}
	var vr [][]string
	for _, v := range vols {
		vr = append(vr, []string{fmt.Sprint(v["source_id"]), fmt.Sprint(v["ref"]), fmt.Sprint(v["scheme"]), fmt.Sprint(v["label"]), fmt.Sprint(v["fs"])})
	}
	blocks = append(blocks, htmldoc.Sub("Volumes"), htmldoc.Table([]pdfdoc.Column{{Header: "Source", Width: 0.7}, {Header: "Reference", Width: 4, Mono: true}, {Header: "Scheme", Width: 0.8}, {Header: "Label", Width: 1.5}, {Header: "FS", Width: 0.7}}, vr))
	b.add("Intake", blocks...)
	return nil
}

func (b *builder) methods() error {
	runs, err := b.rec.Runs(b.ctx)
	if err != nil {
		return fmt.Errorf("technical: runs: %w", err)
	}
	var rows [][]string
	parsers := map[string]bool{}
	for _, r := range runs {
		for _, p := range r.Parsers {
			parsers[p] = true
		}
		params := make([]string, 0, len(r.Params))
		for _, k := range sortedKeys(r.Params) {
			params = append(params, k+"="+r.Params[k])
		}
		srcs := make([]string, len(r.Sources))
		for i, s := range r.Sources {
			srcs[i] = strconv.FormatInt(s, 10)
		}
		rows = append(rows, []string{strconv.FormatInt(r.ID, 10), r.Started, r.Tool, strings.Join(srcs, ","), strings.Join(params, " "), r.Status + " " + r.Reason, fmt.Sprintf("%d / %d", r.Artefacts, r.Warnings)})
	}
	var prow [][]string
	for _, p := range sortedKeys(parsers) {
		name, ver, _ := strings.Cut(p, "@")
		prow = append(prow, []string{name, ver})
	}
	b.add("Methods",
		htmldoc.Table([]pdfdoc.Column{{Header: "Run", Width: 0.5}, {Header: "Started", Width: 1.8}, {Header: "Tool", Width: 1.2}, {Header: "Sources", Width: 0.7}, {Header: "Parameters", Width: 3}, {Header: "Status", Width: 1}, {Header: "Items / warnings", Width: 1}}, rows),
		htmldoc.Sub("Parsers and versions used"),
		htmldoc.Table([]pdfdoc.Column{{Header: "Parser", Width: 3}, {Header: "Version", Width: 1}}, prow))
	return nil
}

// paramsText prints an entry's parameters, with the row lists (id and row
// hash of every row the entry wrote) reduced to counts per table: the entry
// hash printed beside it covers them, and the record holds them.
func paramsText(raw json.RawMessage) string {
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return capText(string(raw))
	}
	if rows, ok := m["rows"].(map[string]any); ok {
		counts := map[string]int{}
		for t, v := range rows {
			if l, ok := v.([]any); ok {
				counts[t] = len(l)
			}
		}
		m["rows"] = counts
	}
	return capText(jsonText(m))
}

func capText(s string) string {
	if len(s) > MaxParams {
		return s[:MaxParams] + " [... cut; the record holds the full parameters]"
	}
	return s
}

// jsonText is compact JSON with sorted keys and no HTML escaping (escaping
// is the renderer's job).
func jsonText(v any) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Sprint(v)
	}
	return strings.TrimSpace(buf.String())
}

func (b *builder) audit() error {
	var rows [][]string
	for e, err := range b.rec.Entries(b.ctx, 0) {
		if err != nil {
			return fmt.Errorf("technical: audit chain: %w", err)
		}
		corr := ""
		if e.Corrects != 0 {
			corr = strconv.FormatInt(e.Corrects, 10)
		}
		rows = append(rows, []string{strconv.FormatInt(e.Seq, 10), utc(e.Time), b.who(e.Actor), e.Action, corr, paramsText(e.Params), e.Hash})
	}
	b.add("Audit log (every entry, in order)",
		htmldoc.Para("%d entries. Each entry's hash is SHA-256 over its sequence number, time, actor, action, corrected entry, parameters and the previous entry's hash; corrections are new entries that name the entry they correct.", len(rows)),
		htmldoc.Table([]pdfdoc.Column{{Header: "Seq", Width: 0.5}, {Header: "Time (UTC)", Width: 1.6}, {Header: "Actor", Width: 1.1}, {Header: "Action", Width: 1.1}, {Header: "Corr.", Width: 0.45}, {Header: "Parameters", Width: 3.6, Mono: true}, {Header: "Entry hash", Width: 1.7, Mono: true}}, rows))
	return nil
}

func (b *builder) notes() error {
	notes, err := b.rec.Notes(b.ctx)
	if err != nil {
		return fmt.Errorf("technical: notes: %w", err)
	}
	var rows [][]string
	for _, n := range notes {
		corr := ""
		if n.Corrects != 0 {
			corr = "corrects entry " + strconv.FormatInt(n.Corrects, 10)
		}
		rows = append(rows, []string{strconv.FormatInt(n.Seq, 10), utc(n.Time), b.who(n.Author), n.Text, corr})
	}
	if len(rows) == 0 {
		b.add("Contemporaneous notes", htmldoc.Para("No notes are recorded."))
		return nil
	}
	b.add("Contemporaneous notes",
		htmldoc.Table([]pdfdoc.Column{{Header: "Entry", Width: 0.6}, {Header: "Time (UTC)", Width: 1.8}, {Header: "Author", Width: 1.3}, {Header: "Note", Width: 5}, {Header: "Correction", Width: 1.2}}, rows))
	return nil
}

func (b *builder) warnings() error {
	ws, err := b.rec.Warnings(b.ctx, 0)
	if err != nil {
		return fmt.Errorf("technical: warnings: %w", err)
	}
	var rows [][]string
	for _, w := range ws {
		rows = append(rows, []string{strconv.FormatInt(w.ID, 10), strconv.FormatInt(w.RunID, 10), w.Parser, w.Message, w.Ref})
	}
	if len(rows) == 0 {
		b.add("Warnings", htmldoc.Para("The parsers recorded no warnings."))
		return nil
	}
	b.add("Warnings", htmldoc.Table([]pdfdoc.Column{{Header: "ID", Width: 0.5}, {Header: "Run", Width: 0.5}, {Header: "Parser", Width: 1.5}, {Header: "Message", Width: 3.5}, {Header: "Provenance", Width: 3.5, Mono: true}}, rows))
	return nil
}

func (b *builder) searches() error {
	es, err := b.rec.EntriesByAction(b.ctx, record.ActionSearch)
	if err != nil {
		return fmt.Errorf("technical: search log: %w", err)
	}
	var blocks []htmldoc.Block
	for _, e := range es {
		var p struct {
			Search record.Search `json:"search"`
		}
		if err := json.Unmarshal(e.Params, &p); err != nil {
			blocks = append(blocks, htmldoc.Para("Entry %d: parameters not readable: %v", e.Seq, err))
			continue
		}
		s := p.Search
		blocks = append(blocks, htmldoc.Sub(fmt.Sprintf("Entry %d, %s, by %s", e.Seq, utc(e.Time), b.who(e.Actor))),
			htmldoc.Fields(
				pdfdoc.Field{Label: "Kind", Value: s.Kind},
				pdfdoc.Field{Label: "List", Value: strings.TrimSpace(s.ListName + " " + s.Version)},
				pdfdoc.Field{Label: "List SHA-256", Value: s.ListSHA256},
				pdfdoc.Field{Label: "Scope", Value: s.Scope},
				pdfdoc.Field{Label: "Hits / excluded", Value: fmt.Sprintf("%d / %d", s.Hits, s.Excluded)},
				pdfdoc.Field{Label: "Reason", Value: s.Reason},
			),
			htmldoc.Mono(strings.Join(s.Terms, "\n")))
	}
	if len(blocks) == 0 {
		blocks = append(blocks, htmldoc.Para("No searches or filters are recorded."))
	}
	b.add("Search and filter log", blocks...)
	return nil
}

func (b *builder) access() error {
	var rows [][]string
	for _, action := range []string{record.ActionView, record.ActionExport, record.ActionReport} {
		es, err := b.rec.EntriesByAction(b.ctx, action)
		if err != nil {
			return fmt.Errorf("technical: access log: %w", err)
		}
		for _, e := range es {
			rows = append(rows, []string{strconv.FormatInt(e.Seq, 10), utc(e.Time), b.who(e.Actor), e.Action, paramsText(e.Params)})
		}
	}
	sort.SliceStable(rows, func(i, j int) bool {
		a, _ := strconv.Atoi(rows[i][0])
		c, _ := strconv.Atoi(rows[j][0])
		return a < c
	})
	if len(rows) == 0 {
		b.add("Access log (DPA 2018 s.62)", htmldoc.Para("No views, exports or reports are recorded before this one."))
		return nil
	}
	b.add("Access log (DPA 2018 s.62)", htmldoc.Table([]pdfdoc.Column{{Header: "Entry", Width: 0.6}, {Header: "Time (UTC)", Width: 1.8}, {Header: "By", Width: 1.3}, {Header: "Action", Width: 0.8}, {Header: "Details", Width: 5.5, Mono: true}}, rows))
	return nil
}

func (b *builder) tags() error {
	tags, err := b.rec.Tags(b.ctx)
	if err != nil {
		return fmt.Errorf("technical: tags: %w", err)
	}
	var rows [][]string
	for _, t := range tags {
		flag := t.Flag
		if t.Removes {
			flag += " (withdrawn)"
		}
		rows = append(rows, []string{strconv.FormatInt(t.Seq, 10), strconv.FormatInt(t.ArtefactID, 10), flag, t.Reason, t.Category, b.who(t.Author)})
	}
	if len(rows) == 0 {
		b.add("Disclosure tags (CPIA)", htmldoc.Para("No items are tagged."))
		return nil
	}
	b.add("Disclosure tags (CPIA)", htmldoc.Table([]pdfdoc.Column{{Header: "Entry", Width: 0.6}, {Header: "Item", Width: 0.6}, {Header: "Flag", Width: 1.2}, {Header: "Reason", Width: 3}, {Header: "Category", Width: 1.3}, {Header: "By", Width: 1.3}}, rows))
	return nil
}

func (b *builder) integrity() error {
	srcs, err := b.rec.Rows(b.ctx, "sources")
	if err != nil {
		return fmt.Errorf("technical: sources: %w", err)
	}
	vers, err := b.rec.Rows(b.ctx, "verifications")
	if err != nil {
		return fmt.Errorf("technical: verifications: %w", err)
	}
	var rows [][]string
	for i, s := range srcs {
		acq, _ := s["acquisition"].(map[string]any)
		id := strconv.Itoa(i + 1)
		found := false
		for _, v := range vers {
			if fmt.Sprint(v["source_id"]) != id {
				continue
			}
			found = true
			comp, _ := v["computed"].(map[string]any)
			for _, alg := range []string{"md5", "sha1", "sha256"} {
				a, c := str(acq[alg]), str(comp[alg])
				if a == "" && c == "" {
					continue
				}
				rows = append(rows, []string{id, fmt.Sprint(s["ref"]), strings.ToUpper(alg), a, c, fmt.Sprint(v["result"])})
			}
		}
		if !found {
			rows = append(rows, []string{id, fmt.Sprint(s["ref"]), "", "", "", "not verified"})
		}
	}
	b.add("Integrity table", htmldoc.Table([]pdfdoc.Column{{Header: "Source", Width: 0.6}, {Header: "Reference", Width: 1.3, Mono: true}, {Header: "Alg.", Width: 0.7}, {Header: "Acquisition", Width: 3, Mono: true}, {Header: "Computed", Width: 3, Mono: true}, {Header: "Result", Width: 0.8}}, rows))
	return nil
}

func str(v any) string {
	if v == nil {
		return ""
	}
	return fmt.Sprint(v)
}

func attrText(attrs []finding.Attr) string {
	parts := make([]string, 0, len(attrs))
	for _, a := range attrs {
		v := a.Value()
		switch t := v.(type) {
		case time.Time:
			v = t.UTC().Format(time.RFC3339)
		case []byte:
			v = fmt.Sprintf("%x", t)
		}
		parts = append(parts, fmt.Sprintf("%s=%v", a.Name, v))
	}
	return strings.Join(parts, "; ")
}

func (b *builder) artefacts() error {
	var rows [][]string
	for a, err := range b.rec.Artefacts(b.ctx, "") {
		if err != nil {
			return fmt.Errorf("technical: artefacts: %w", err)
		}
		rows = append(rows, []string{strconv.FormatInt(a.ID, 10), a.Kind, attrText(a.Attrs), a.Ref, a.Parser})
	}
	b.add("Artefacts (every item, with provenance)",
		htmldoc.Para("%d items.", len(rows)),
		htmldoc.Table([]pdfdoc.Column{{Header: "ID", Width: 0.5}, {Header: "Kind", Width: 1.3}, {Header: "Attributes", Width: 3.8}, {Header: "Provenance", Width: 3.4, Mono: true}, {Header: "Parser", Width: 1.1}}, rows))
	return nil
}

func (b *builder) verification() error {
	seq, head, err := b.rec.Head(b.ctx)
	if err != nil {
		return fmt.Errorf("technical: chain head: %w", err)
	}
	res, err := b.rec.Verify(b.ctx)
	if err != nil {
		return fmt.Errorf("technical: verify: %w", err)
	}
	result := "passed"
	if !res.OK {
		result = "FAILED"
		if res.Problem != nil {
			result += ": " + res.Problem.Error()
		}
	}
	b.add("Record verification (recomputed for this report)",
		htmldoc.Fields(
			pdfdoc.Field{Label: "Algorithm", Value: "SHA-256 hash chain; Ed25519-signed checkpoints"},
			pdfdoc.Field{Label: "Result", Value: result},
			pdfdoc.Field{Label: "Entries", Value: fmt.Sprintf("%d (1 to %d)", res.Entries, seq)},
			pdfdoc.Field{Label: "Rows covered", Value: strconv.FormatInt(res.Rows, 10)},
			pdfdoc.Field{Label: "Checkpoints", Value: strconv.Itoa(res.Checkpoints)},
			pdfdoc.Field{Label: "Signer fingerprints", Value: strings.Join(res.Signers, ", ")},
			pdfdoc.Field{Label: "External anchors checked", Value: strings.Join(res.Anchors, ", ")},
		),
		htmldoc.Sub("Chain head hash (SHA-256)"), htmldoc.Mono(head))
	return nil
}

func (b *builder) review() error {
	es, err := b.rec.EntriesByAction(b.ctx, record.ActionReview)
	if err != nil {
		return fmt.Errorf("technical: reviews: %w", err)
	}
	blocks := []htmldoc.Block{}
	for _, e := range es {
		var p struct {
			Review record.Review `json:"review"`
		}
		if err := json.Unmarshal(e.Params, &p); err != nil {
			blocks = append(blocks, htmldoc.Para("Entry %d: review not readable: %v", e.Seq, err))
			continue
		}
		r := p.Review
		blocks = append(blocks, htmldoc.Sub(fmt.Sprintf("Entry %d: %s review by %s, %s", e.Seq, r.Type, b.who(e.Actor), utc(e.Time))),
			htmldoc.Fields(
				pdfdoc.Field{Label: "Scope", Value: r.Scope},
				pdfdoc.Field{Label: "Independence", Value: r.Independence},
				pdfdoc.Field{Label: "Findings", Value: r.Findings},
				pdfdoc.Field{Label: "Disagreements", Value: r.Disagreements},
				pdfdoc.Field{Label: "Outcome", Value: r.Outcome},
			))
	}
	if len(es) == 0 {
		blocks = append(blocks, htmldoc.Para("No review is signed off in the record yet. The reviewer signs off with their own key; the sign-off is itself an entry in the audit chain."))
	}
	blocks = append(blocks, htmldoc.Sub("Reviewer"), htmldoc.Fields(
		pdfdoc.Field{Label: "Name and role", Value: "____________________"},
		pdfdoc.Field{Label: "Signature", Value: "____________________"},
		pdfdoc.Field{Label: "Date", Value: "____________________"},
	))
	b.add("Review", blocks...)
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
