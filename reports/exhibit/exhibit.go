// Package exhibit renders the officer-facing exhibit report from an
// examination record, as HTML or PDF, in one of three modes:
//
//   - sfr (default): a streamlined forensic report (SFR1-style, ISO/IEC
//     17025 7.8.1.3 simplified report) with plain-language findings;
//   - mg11: a witness statement under CJA 1967 s.9 and CrimPR 16.2;
//   - expert: an expert report laid out by CrimPR 19.4(a)-(k).
//
// Every mode states the exhibits and their continuity, the hashes and their
// verification, the record's chain head and signer, limitations, the
// accreditation statement and the FSR Code declaration, and that the results
// apply only to the items examined.
//
// Items tagged sensitive (and not withdrawn) never reach this report, nor
// anything derived from them or repeating their identifying values; the
// report does not say that anything was withheld. Findings are generated
// from the artefacts only: Loupe writes facts, and leaves opinion to the
// examiner.
package exhibit

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/loupe-forensics/loupe/forensic/record"
	"github.com/loupe-forensics/loupe/reports/htmldoc"
	"github.com/loupe-forensics/loupe/reports/pdfdoc"
	"github.com/loupe-forensics/loupe/reports/report"
)

// Render writes the exhibit report in opts.Format (html or pdf).
func Render(ctx context.Context, rec *record.Record, opts report.Options, w io.Writer) error {
	if rec == nil {
		return report.ErrNoRecord
	}
	if opts.Format != report.FormatHTML && opts.Format != report.FormatPDF {
		return fmt.Errorf("exhibit: format %q: %w", opts.Format, report.ErrUnsupported)
	}
	mode := opts.Mode
	if mode == "" {
		mode = report.ModeSFR
	}
	if mode != report.ModeSFR && mode != report.ModeMG11 && mode != report.ModeExpert {
		return fmt.Errorf("exhibit: mode %q: %w", opts.Mode, report.ErrUnsupported)
	}
	f, err := load(ctx, rec)
	if err != nil {
		return err
	}
	doc := build(f, opts, mode)
	if opts.Format == report.FormatPDF {
		return htmldoc.WritePDF(w, doc)
	}
	return htmldoc.WriteHTML(w, doc)
}

type builder struct {
	f    *facts
	opts report.Options
	mode string
	zone *time.Location
	n    int // section number
}

func (b *builder) when(t time.Time) string {
	if t.IsZero() {
		return "not recorded"
	}
	local := t.In(b.zone)
	s := t.UTC().Format(time.RFC3339)
	if b.zone != time.UTC {
		s += " (" + local.Format("2 January 2006 15:04:05 MST") + ")"
	}
	return s
}

func (b *builder) section(title string, blocks ...htmldoc.Block) htmldoc.Section {
	b.n++
	return htmldoc.Section{Heading: strconv.Itoa(b.n) + ". " + title, Blocks: blocks}
}

func build(f *facts, opts report.Options, mode string) htmldoc.Document {
	b := &builder{f: f, opts: opts, mode: mode, zone: opts.DisplayZone()}
	exRef := f.exhibit["reference"]
	title := map[string]string{
		report.ModeSFR:    "Streamlined forensic report (SFR1): digital device examination",
		report.ModeMG11:   "Witness statement (MG11): digital device examination",
		report.ModeExpert: "Expert report: digital device examination",
	}[mode]
	doc := htmldoc.Document{
		Title:      title,
		Subtitle:   fmt.Sprintf("Exhibit %s, case %s", orUnknown(exRef), orUnknown(f.caseDetails["urn"])),
		Marking:    report.EffectiveMarking(opts.Marking, "OFFICIAL"),
		DocumentID: opts.DocumentID,
		Generated:  opts.Generated,
		Creator:    strings.TrimSpace(opts.ToolName + " " + opts.ToolVersion),
	}
	var s []htmldoc.Section
	if mode == report.ModeMG11 {
		s = append(s, b.mg11Header())
	}
	s = append(s, b.details(), b.question(), b.exhibits(), b.hashes())
	if mode == report.ModeMG11 || mode == report.ModeExpert {
		s = append(s, b.method())
	}
	s = append(s, b.findings()...)
	if mode == report.ModeExpert {
		s = append(s, b.expertOpinion())
	}
	s = append(s, b.limitations(), b.integrity(), b.accreditation(), b.declarations())
	doc.Sections = s
	return doc
}

func (b *builder) examinerNames() string {
	if len(b.f.examiners) == 0 {
		return "not recorded"
	}
	return strings.Join(b.f.examiners, "; ")
}

func (b *builder) mg11Header() htmldoc.Section {
	role := "Digital forensic examiner"
	return b.section("Statement of witness",
		htmldoc.Para("Criminal Procedure Rules r.16.2; Criminal Justice Act 1967 s.9; Magistrates' Courts Act 1980 ss.5A(3)(a) and 5B."),
		htmldoc.Fields(
			pdfdoc.Field{Label: "Statement of", Value: b.examinerNames()},
			pdfdoc.Field{Label: "Age of witness", Value: "Over 18"},
			pdfdoc.Field{Label: "Occupation", Value: role},
		),
		htmldoc.Bold("This statement, consisting of the numbered pages of this document each signed by me, is true to the best of my knowledge and belief and I make it knowing that, if it is tendered in evidence, I shall be liable to prosecution if I have wilfully stated in it anything which I know to be false, or do not believe to be true."),
		htmldoc.Para("Signature: ____________________    Date: ____________________"),
	)
}

func (b *builder) details() htmldoc.Section {
	f := b.f
	org := f.caseDetails["organisation"]
	fields := []pdfdoc.Field{
		{Label: "Case reference", Value: orUnknown(f.caseDetails["urn"])},
	}
	for _, k := range sortedKeys(f.caseDetails) {
		if k == "urn" || k == "organisation" {
			continue
		}
		fields = append(fields, pdfdoc.Field{Label: "Case " + strings.ReplaceAll(k, "_", " "), Value: f.caseDetails[k]})
	}
	fields = append(fields,
		pdfdoc.Field{Label: "Exhibit", Value: orUnknown(f.exhibit["reference"])},
		pdfdoc.Field{Label: "Examiner", Value: b.examinerNames()},
		pdfdoc.Field{Label: "Organisation", Value: orUnknown(org)},
		pdfdoc.Field{Label: "Report issued", Value: b.when(b.opts.Generated)},
		pdfdoc.Field{Label: "Document ID", Value: b.opts.DocumentID},
		pdfdoc.Field{Label: "Prepared for", Value: orUnknown(b.opts.Recipient)},
		pdfdoc.Field{Label: "Reason for disclosure", Value: orUnknown(b.opts.Reason)},
		pdfdoc.Field{Label: "Examination record", Value: f.recordID},
		pdfdoc.Field{Label: "Produced with", Value: orUnknown(strings.TrimSpace(b.opts.ToolName + " " + b.opts.ToolVersion))},
	)
	return b.section("Report details", htmldoc.Fields(fields...),
		htmldoc.Para("This report must not be reproduced except in full. The results in it apply only to the items examined, as received."))
}

func (b *builder) question() htmldoc.Section {
	in := strings.TrimSpace(b.f.instructions)
	if in == "" {
		return b.section("The question asked", htmldoc.Para("No written instructions are recorded in the examination record."))
	}
	return b.section("The question asked",
		htmldoc.Para("The instructions received, as recorded (information supplied by the customer):"),
		htmldoc.Para("%s", in))
}

func (b *builder) exhibits() htmldoc.Section {
	f := b.f
	var blocks []htmldoc.Block
	ex := []pdfdoc.Field{{Label: "Reference", Value: orUnknown(f.exhibit["reference"])}}
	for _, k := range sortedKeys(f.exhibit) {
		if k != "reference" {
			ex = append(ex, pdfdoc.Field{Label: strings.ReplaceAll(k, "_", " "), Value: f.exhibit[k]})
		}
	}
	blocks = append(blocks, htmldoc.Fields(ex...))
	rows := [][]string{}
	for i, s := range f.sources {
		segs := ""
		if l, ok := s["segments"].([]any); ok {
			parts := make([]string, 0, len(l))
			for _, p := range l {
				parts = append(parts, str(p))
			}
			segs = strings.Join(parts, ", ")
		}
		rows = append(rows, []string{strconv.Itoa(i + 1), str(s["ref"]), str(s["format"]), segs, str(s["size"]) + " bytes"})
	}
	blocks = append(blocks, htmldoc.Sub("Evidence files examined"),
		htmldoc.Table([]pdfdoc.Column{{Header: "No", Width: 0.5}, {Header: "Source", Width: 3, Mono: true}, {Header: "Format", Width: 1}, {Header: "Files", Width: 2.5}, {Header: "Size", Width: 1.5}}, rows))
	for i, s := range f.sources {
		md, ok := s["metadata"].(map[string]any)
		if !ok || len(md) == 0 {
			continue
		}
		var mf []pdfdoc.Field
		for _, k := range sortedKeys(md) {
			mf = append(mf, pdfdoc.Field{Label: strings.ReplaceAll(k, "_", " "), Value: str(md[k])})
		}
		blocks = append(blocks, htmldoc.Sub(fmt.Sprintf("Acquisition details stored in source %d (supplied with the evidence, not checked by Loupe)", i+1)), htmldoc.Fields(mf...))
	}
	blocks = append(blocks, htmldoc.Sub("Continuity in the examination record"), htmldoc.Table(
		[]pdfdoc.Column{{Header: "Entry", Width: 0.7}, {Header: "Time (UTC)", Width: 2}, {Header: "Event", Width: 5}},
		b.continuity()))
	return b.section("Exhibits examined and continuity", blocks...)
}

// continuity lists the chain entries an officer needs to follow the item:
// the record's creation, evidence added and verified, each run, reports.
func (b *builder) continuity() [][]string {
	var rows [][]string
	for _, e := range b.f.entries {
		var what string
		switch e.Action {
		case "create":
			what = "Examination record created"
		case "source.add":
			what = "Evidence file added to the record (opened read-only)"
		case "source.verify":
			what = "Evidence verified against its acquisition hashes"
		case "run.start":
			what = "Examination run started"
		case "run.finish":
			what = "Examination run finished"
		case record.ActionReport:
			what = "Report issued"
		case record.ActionExport:
			what = "Export issued"
		case record.ActionReview:
			what = "Review signed off"
		default:
			continue
		}
		rows = append(rows, []string{strconv.FormatInt(e.Seq, 10), e.Time.UTC().Format(time.RFC3339), what})
	}
	return rows
}

func (b *builder) hashes() htmldoc.Section {
	f := b.f
	var rows [][]string
	for i, s := range f.sources {
		acq, _ := s["acquisition"].(map[string]any)
		var ver map[string]any
		for _, v := range f.verifs {
			if str(v["source_id"]) == strconv.Itoa(i+1) {
				ver = v
			}
		}
		comp, _ := ver["computed"].(map[string]any)
		result := "not verified"
		if ver != nil {
			result = str(ver["result"])
		}
		for _, alg := range []string{"md5", "sha1", "sha256"} {
			a, c := str(acq[alg]), str(comp[alg])
			if a == "" && c == "" {
				continue
			}
			rows = append(rows, []string{strconv.Itoa(i + 1), strings.ToUpper(alg), orUnknown(a), orUnknown(c)})
		}
		rows = append(rows, []string{strconv.Itoa(i + 1), "Result", result, ""})
	}
	return b.section("Hashes and verification",
		htmldoc.Para("Each evidence file was opened read-only and its media hashed at examination. The hashes recorded at acquisition (stored in the evidence container) are compared with those computed. A match shows the media examined is the media acquired."),
		htmldoc.Table([]pdfdoc.Column{{Header: "Source", Width: 0.7}, {Header: "Algorithm", Width: 1}, {Header: "At acquisition", Width: 3.5, Mono: true}, {Header: "At examination", Width: 3.5, Mono: true}}, rows))
}

func (b *builder) method() htmldoc.Section {
	var rows [][]string
	for _, r := range b.f.runs {
		rows = append(rows, []string{strconv.FormatInt(r.ID, 10), orUnknown(r.Started), r.Tool, strings.Join(r.Parsers, ", "), r.Status, strconv.FormatInt(r.Artefacts, 10)})
	}
	intro := "What was done, in order. Each run read the evidence read-only and recorded its findings, with where each was found, in the examination record."
	if b.mode == report.ModeMG11 {
		exRef := orUnknown(b.f.exhibit["reference"])
		intro = fmt.Sprintf("I produce the examination record of exhibit %s (record %s), and this report, as exhibits. %s", exRef, b.f.recordID, intro)
	}
	return b.section("What was done",
		htmldoc.Para("%s", intro),
		htmldoc.Table([]pdfdoc.Column{{Header: "Run", Width: 0.6}, {Header: "Started", Width: 2}, {Header: "Tool", Width: 1.4}, {Header: "Parsers (name@version)", Width: 4}, {Header: "Status", Width: 1.1}, {Header: "Items", Width: 0.8}}, rows))
}

func (b *builder) findings() []htmldoc.Section {
	groups, other := grouped(b.f.artefacts)
	intro := "These are facts found on the exhibit, in plain language, with where each was found. They state what is present, not who put it there or when it was used, except where a time is given by the item itself."
	if b.mode == report.ModeExpert {
		intro += " They are the facts on which any opinion in this report is based (CrimPR 19.4(c)); they were found by the examination described, not supplied by others."
	}
	out := []htmldoc.Section{b.section("Key findings", htmldoc.Para("%s", intro), b.summaryTable(groups, other))}
	for i, fam := range families {
		if len(groups[i]) == 0 {
			continue
		}
		out = append(out, b.familySection(fam, groups[i]))
	}
	if len(other) > 0 {
		out = append(out, b.familySection(family{title: "Other findings", intro: "Items of kinds this report has no plain-language wording for, listed with their recorded attributes."}, other))
	}
	return out
}

func (b *builder) summaryTable(groups [][]record.StoredArtefact, other []record.StoredArtefact) htmldoc.Block {
	var rows [][]string
	for i, fam := range families {
		if len(groups[i]) > 0 {
			rows = append(rows, []string{fam.title, strconv.Itoa(len(groups[i]))})
		}
	}
	if len(other) > 0 {
		rows = append(rows, []string{"Other findings", strconv.Itoa(len(other))})
	}
	if len(rows) == 0 {
		return htmldoc.Para("The examination recorded no findings.")
	}
	return htmldoc.Table([]pdfdoc.Column{{Header: "Area", Width: 4}, {Header: "Items recorded", Width: 1}}, rows)
}

func (b *builder) familySection(fam family, as []record.StoredArtefact) htmldoc.Section {
	blocks := []htmldoc.Block{htmldoc.Para("%s", fam.intro)}
	var counts [][]string
	for _, kc := range kindCounts(as) {
		counts = append(counts, []string{kc[0], kc[1]})
	}
	blocks = append(blocks, htmldoc.Table([]pdfdoc.Column{{Header: "Kind of item", Width: 4}, {Header: "Count", Width: 1}}, counts))
	list := as
	if fam.countOnly {
		list = nil
		if fam.prefix == "identifier." {
			blocks = append(blocks, b.distinctValues(as))
		}
	}
	if len(list) > 0 {
		var rows [][]string
		for i, a := range list {
			if i == MaxItems {
				break
			}
			rows = append(rows, []string{strconv.FormatInt(a.ID, 10), describe(a), where(a)})
		}
		blocks = append(blocks, htmldoc.Table([]pdfdoc.Column{{Header: "Item", Width: 0.7}, {Header: "Finding", Width: 5}, {Header: "Where found", Width: 3}}, rows))
		if len(list) > MaxItems {
			blocks = append(blocks, htmldoc.Para("%d further items of this area are not listed here; the technical record lists every item.", len(list)-MaxItems))
		}
	}
	return b.section(fam.title, blocks...)
}

// distinctValues lists each identifier value once with how often it was
// found, so an officer sees which addresses were found, not every hit.
func (b *builder) distinctValues(as []record.StoredArtefact) htmldoc.Block {
	type v struct {
		kind, value, first string
		n                  int
	}
	seen := map[string]*v{}
	var order []*v
	for _, a := range as {
		m := attrs(a)
		k := a.Kind + "\x00" + m["value"]
		if e, ok := seen[k]; ok {
			e.n++
			continue
		}
		e := &v{kind: strings.TrimPrefix(a.Kind, "identifier."), value: m["value"], first: where(a), n: 1}
		seen[k] = e
		order = append(order, e)
	}
	var rows [][]string
	for i, e := range order {
		if i == MaxItems {
			rows = append(rows, []string{"", fmt.Sprintf("%d further values are listed in the technical record", len(order)-MaxItems), "", ""})
			break
		}
		rows = append(rows, []string{e.kind, e.value, strconv.Itoa(e.n), e.first})
	}
	return htmldoc.Table([]pdfdoc.Column{{Header: "Type", Width: 1.2}, {Header: "Value", Width: 4, Mono: true}, {Header: "Hits", Width: 0.6}, {Header: "First found in", Width: 3}}, rows)
}

func (b *builder) expertOpinion() htmldoc.Section {
	return b.section("Opinion (CrimPR 19.4(f)-(i))",
		htmldoc.Para("Loupe generates the facts in this report from the examination record; it generates no opinion. Any opinion, the range of opinion on the matters it covers, any qualification to it and a summary of conclusions are the expert's own and must be written by the expert below, labelled as opinion, with their basis."),
		htmldoc.Fields(
			pdfdoc.Field{Label: "19.4(a) Qualifications, experience, accreditation", Value: "To be completed by the expert."},
			pdfdoc.Field{Label: "19.4(b) Literature relied on", Value: "To be completed by the expert."},
			pdfdoc.Field{Label: "19.4(c) Facts relied on", Value: "The key findings above, each traceable to its item in the examination record."},
			pdfdoc.Field{Label: "19.4(d) Facts within own knowledge", Value: "The findings were made by the examination recorded; the case and exhibit details and the instructions were supplied by the customer."},
			pdfdoc.Field{Label: "19.4(e) Who carried out the examination", Value: b.examinerNames()},
			pdfdoc.Field{Label: "19.4(f) Range of opinion", Value: "To be completed by the expert."},
			pdfdoc.Field{Label: "19.4(g) Qualifications to the opinion", Value: "To be completed by the expert."},
			pdfdoc.Field{Label: "19.4(h) Reliability", Value: "See the methods, limitations and record integrity sections."},
			pdfdoc.Field{Label: "19.4(i) Summary of conclusions", Value: "To be completed by the expert."},
		))
}

func (b *builder) limitations() htmldoc.Section {
	f := b.f
	blocks := []htmldoc.Block{
		htmldoc.Para("The results apply only to the items examined, as received. They come from the parsers named in the technical record, each for the file formats and versions it was validated on; data in formats they do not read, in encrypted containers, or overwritten, is not reported."),
		htmldoc.Para("The presence of an item shows that it is on the exhibit. On its own it does not show who created or used it, or when, except where the item records a time."),
		htmldoc.Para("Times are as recorded by the exhibit's software and file systems, shown in UTC; the exhibit's clock was not verified."),
	}
	incomplete := 0
	for _, r := range f.runs {
		if r.Status != record.RunComplete {
			incomplete++
		}
	}
	if incomplete > 0 {
		blocks = append(blocks, htmldoc.Bold(fmt.Sprintf("%d of %d examination runs did not complete; their results may be partial.", incomplete, len(f.runs))))
	}
	if f.warnings > 0 {
		blocks = append(blocks, htmldoc.Para("The parsers recorded %d warnings (for example damaged or truncated data); they are listed in the technical record.", f.warnings))
	} else {
		blocks = append(blocks, htmldoc.Para("The parsers recorded no warnings."))
	}
	return b.section("Limitations", blocks...)
}

func (b *builder) integrity() htmldoc.Section {
	f := b.f
	result := "passed"
	if f.verify == nil || !f.verify.OK {
		result = "FAILED"
		if f.verify != nil && f.verify.Problem != nil {
			result += ": " + f.verify.Problem.Error()
		}
	}
	signers := "none"
	if f.verify != nil && len(f.verify.Signers) > 0 {
		signers = strings.Join(f.verify.Signers, ", ")
	}
	return b.section("Record integrity",
		htmldoc.Para("Every action and finding of the examination is an entry in a hash-chained audit log whose head is signed with the examiner's key. The record was verified when this report was produced."),
		htmldoc.Fields(
			pdfdoc.Field{Label: "Record ID", Value: f.recordID},
			pdfdoc.Field{Label: "Audit entries", Value: strconv.FormatInt(f.headSeq, 10)},
			pdfdoc.Field{Label: "Verification", Value: result},
		),
		// Hashes in fixed width, so each prints on one line and can be read back.
		htmldoc.Sub("Chain head hash (SHA-256)"), htmldoc.Mono(f.headHash),
		htmldoc.Sub("Signer key fingerprint(s)"), htmldoc.Mono(signers))
}

func (b *builder) accreditation() htmldoc.Section {
	acc := b.f.caseDetails["accreditation"]
	if acc == "" {
		acc = "The examination record does not state that this activity (FSA-DIG 100) falls within the examining unit's UKAS accreditation scope. Its accreditation status must be stated by the unit before this report is served."
	}
	return b.section("Accreditation", htmldoc.Para("%s", acc))
}

func (b *builder) declarations() htmldoc.Section {
	fsr := b.f.caseDetails["fsr_declaration"]
	if fsr == "" {
		fsr = "Forensic Science Regulator's statutory Code of Practice (version 2, in force from 2 October 2025), activity FSA-DIG 100: no declaration of compliance is recorded for this examination. Until one is made, this report is to be treated as not declared compliant with the Code; a declaration of compliance, or of non-compliance with its mitigation, is required before service."
	}
	blocks := []htmldoc.Block{htmldoc.Sub("Forensic Science Regulator Code"), htmldoc.Para("%s", fsr)}
	switch b.mode {
	case report.ModeSFR:
		blocks = append(blocks,
			htmldoc.Sub("Further material"),
			htmldoc.Para("The full technical record of this examination (every action, method and finding, with its provenance) and the derived exhibits exist and can be served. Anything that might undermine the prosecution case or assist the defence has been passed to the investigator."),
			htmldoc.Sub("Declaration (Criminal Justice Act 1967 s.9; CrimPR 16.2)"),
			htmldoc.Bold("This statement is true to the best of my knowledge and belief and I make it knowing that, if it is tendered in evidence, I shall be liable to prosecution if I have wilfully stated in it anything which I know to be false, or do not believe to be true."))
	case report.ModeMG11:
		blocks = append(blocks, htmldoc.Sub("Declaration"),
			htmldoc.Bold("I have made this statement within my competence as a practitioner of the activity reported, and have reported anything I am aware of that might undermine the prosecution case or assist the defence."))
	case report.ModeExpert:
		blocks = append(blocks, htmldoc.Sub("Expert's declaration (CrimPR 19.4(j) and (k); Criminal Practice Directions 7.2)"),
			htmldoc.Bold("I understand that my duty is to help the court to achieve the overriding objective by giving opinion which is objective and unbiased, in relation to matters within my expertise; that this duty overrides any obligation to the party by whom I am engaged or paid; and I have complied and will continue to comply with that duty."),
			htmldoc.Bold("This statement is true to the best of my knowledge and belief and I make it knowing that, if it is tendered in evidence, I shall be liable to prosecution if I have wilfully stated in it anything which I know to be false, or do not believe to be true."))
	}
	blocks = append(blocks,
		htmldoc.Fields(
			pdfdoc.Field{Label: "Name", Value: b.examinerNames()},
			pdfdoc.Field{Label: "Signature", Value: "____________________"},
			pdfdoc.Field{Label: "Date", Value: "____________________"},
		))
	return b.section("Declarations", blocks...)
}
