// Package intel renders the intelligence report of an examination: a 3x5x2
// graded intelligence report (IR) listing the subjects the exhibit holds —
// onion addresses, cryptocurrency addresses and extended keys, PGP
// identities (fingerprint and user IDs), chat accounts and contacts, e-mail
// addresses — as HTML, PDF, or CSV of the subjects.
//
// # Grading (3x5x2)
//
//   - Source evaluation (1 reliable, 2 untested, 3 not reliable) is
//     Options.SourceEvaluation, default 1: the source is this unit's own
//     examination of a seized exhibit with recorded, validated methods, not
//     a person, and the report names it only as the exhibit examination.
//   - Each subject is a separately assessed item with its own grade (A–E).
//     The default is Options.Assessment, else A: what is reported is that the
//     identifier is present on the exhibit at the stated location, which the
//     examination observed directly. A subject every sighting of which the
//     parser marked as failing its own validation (an address whose checksum
//     failed, an onion hostname that is not valid, an armour CRC mismatch) is
//     graded D (not known): its presence is observed but what it is is not.
//   - Handling code P (lawful sharing permitted) by default, or C (sharing
//     with conditions) from Options.Handling; C requires Options.HandlingNotes
//     (the conditions and the risk-assessment reference) and is refused
//     without them.
//
// # Sanitisation
//
// The report is sanitised of sensitive material: an artefact with a
// sensitive tag in force (cpia.Disclosure, withdrawals honoured) never
// contributes a subject, and any subject whose value is an identifying
// value of a sensitive artefact is dropped even where another, untagged
// artefact repeats it (the value is what is sensitive). The standards ask
// the IR to cross-flag the CPIA schedules, not to carry the material, so
// the report says only how many items were withheld and that they are on
// the MG6D. It records that sanitisation was done by Loupe for the named
// examiner and leaves the supervisor's or evaluator's sign-off blank.
//
// The marking is at least OFFICIAL-SENSITIVE, top and bottom of every page
// (and of the HTML), and a "NOT FOR EVIDENTIAL USE" caveat heads the
// report. The HTML is built with html/template, so record text is escaped;
// the CSV neutralises formula-like cells (cpia.Neutralise); the PDF is drawn
// on reports/pdfdoc.
package intel

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/loupe-forensics/loupe/forensic/finding"
	"github.com/loupe-forensics/loupe/forensic/record"
	"github.com/loupe-forensics/loupe/reports/cpia"
	"github.com/loupe-forensics/loupe/reports/report"
)

// Caveat heads every intelligence report.
const Caveat = "NOT FOR EVIDENTIAL USE. This is intelligence derived from an exhibit examination. It must not be used as evidence or disclosed outside the handling conditions below; the examination record and the exhibit report are the evidential products."

// MaxSubjects bounds the subjects one report lists; past it the report says
// how many more there were.
const MaxSubjects = 5000

// ErrGrading is returned for a 3x5x2 option outside its codes, or handling
// code C without conditions.
var ErrGrading = errors.New("intel: invalid 3x5x2 grading")

// Subject types.
const (
	TypeOnion   = "Onion address"
	TypeCrypto  = "Cryptocurrency address"
	TypeXPub    = "Extended public key"
	TypePGP     = "PGP identity"
	TypeChat    = "Chat account"
	TypeContact = "Chat contact"
	TypeEmail   = "E-mail address"
)

// Subject is one structured subject and its assessment.
type Subject struct {
	No        int
	Type      string
	Value     string
	Detail    string // coin and network; PGP user IDs; chat client and name
	Sightings int
	Location  string // provenance of the first sighting (lowest artefact id)
	Grade     string // A-E
	valid     bool
	details   []string
	firstID   int64
}

// Report is the intelligence report's content.
type Report struct {
	Marking          string
	IRRef            string
	Officer          string
	Unit             string
	Reported         string
	Obtained         string
	SourceRef        string
	SourceEvaluation string
	Handling         string
	Conditions       string
	CaseRef          string
	Exhibit          string
	RecordRef        string
	Subjects         []Subject
	More             int // subjects past MaxSubjects
	Withheld         int // sensitive items withheld (on the MG6D)
	Sanitisation     string
	Dissemination    [][3]string // date, recipient, justification
	Generator        string
}

// Render writes the intelligence report as opts.Format (html, pdf, csv).
func Render(ctx context.Context, rec *record.Record, opts report.Options, w io.Writer) error {
	if opts.Kind != report.KindIntel {
		return fmt.Errorf("intel: kind %q: %w", opts.Kind, report.ErrUnsupported)
	}
	switch opts.Format {
	case report.FormatHTML, report.FormatPDF, report.FormatCSV:
	default:
		return fmt.Errorf("intel: format %q: %w", opts.Format, report.ErrUnsupported)
	}
	if rec == nil {
		return report.ErrNoRecord
	}
	r, err := Build(ctx, rec, opts)
	if err != nil {
		return err
	}
	switch opts.Format {
	case report.FormatHTML:
		return writeHTML(w, r)
	case report.FormatCSV:
		return writeCSV(w, r)
	default:
		return writePDF(w, r, opts)
	}
}

// grading validates and defaults the 3x5x2 options.
func grading(opts report.Options) (src, grade, handling, cond string, err error) {
	src, grade, handling = strings.TrimSpace(opts.SourceEvaluation), strings.ToUpper(strings.TrimSpace(opts.Assessment)), strings.ToUpper(strings.TrimSpace(opts.Handling))
	if src == "" {
		src = "1"
	}
	if grade == "" {
		grade = "A"
	}
	if handling == "" {
		handling = "P"
	}
	switch {
	case src != "1" && src != "2" && src != "3":
		return "", "", "", "", fmt.Errorf("%w: source evaluation %q (1, 2 or 3)", ErrGrading, opts.SourceEvaluation)
	case len(grade) != 1 || grade[0] < 'A' || grade[0] > 'E':
		return "", "", "", "", fmt.Errorf("%w: intelligence assessment %q (A to E)", ErrGrading, opts.Assessment)
	case handling != "P" && handling != "C":
		return "", "", "", "", fmt.Errorf("%w: handling code %q (P or C)", ErrGrading, opts.Handling)
	case handling == "C" && strings.TrimSpace(opts.HandlingNotes) == "":
		return "", "", "", "", fmt.Errorf("%w: handling code C needs its conditions and risk-assessment reference", ErrGrading)
	}
	return src, grade, handling, strings.TrimSpace(opts.HandlingNotes), nil
}

var sourceWords = map[string]string{"1": "1 (reliable)", "2": "2 (untested)", "3": "3 (not reliable)"}

// Build reads the record into the report.
func Build(ctx context.Context, rec *record.Record, opts report.Options) (*Report, error) {
	src, grade, handling, cond, err := grading(opts)
	if err != nil {
		return nil, err
	}
	zone := opts.DisplayZone()
	disc, err := cpia.LoadDisclosure(ctx, rec)
	if err != nil {
		return nil, err
	}
	cs, err := rec.Details(ctx, "case")
	if err != nil {
		return nil, fmt.Errorf("intel: case details: %w", err)
	}
	ex, err := rec.Details(ctx, "exhibit")
	if err != nil {
		return nil, fmt.Errorf("intel: exhibit details: %w", err)
	}
	names, err := rec.ExaminerNames(ctx)
	if err != nil {
		return nil, fmt.Errorf("intel: examiners: %w", err)
	}
	var officers []string
	for _, n := range names {
		officers = append(officers, n)
	}
	sort.Strings(officers)
	seq, head, err := rec.Head(ctx)
	if err != nil {
		return nil, fmt.Errorf("intel: chain head: %w", err)
	}
	runs, err := rec.Runs(ctx)
	if err != nil {
		return nil, fmt.Errorf("intel: runs: %w", err)
	}
	var lo, hi time.Time
	for _, ru := range runs {
		t, err := time.Parse(time.RFC3339Nano, ru.Started)
		if err != nil {
			continue
		}
		if lo.IsZero() || t.Before(lo) {
			lo = t
		}
		if t.After(hi) {
			hi = t
		}
	}
	r := &Report{
		Marking:          report.EffectiveMarking(opts.Marking, "OFFICIAL-SENSITIVE"),
		IRRef:            opts.DocumentID,
		Officer:          strings.Join(officers, "; "),
		Unit:             cs["unit"],
		SourceRef:        "Examination of exhibit " + ex["reference"] + " (derived from exhibit examination)",
		SourceEvaluation: sourceWords[src],
		Handling:         handling,
		Conditions:       cond,
		CaseRef:          strings.TrimSpace(strings.Join(nonEmpty(cs["urn"], cs["operation"], cs["crime_reference"], cs["lab_case_number"]), " / ")),
		Exhibit:          ex["reference"],
		RecordRef:        fmt.Sprintf("examination record %s at audit entry %d (head %s)", rec.ID(), seq, head),
		Generator:        strings.TrimSpace(opts.ToolName + " " + opts.ToolVersion),
	}
	if !opts.Generated.IsZero() {
		r.Reported = opts.Generated.In(zone).Format(time.RFC3339)
	}
	if !lo.IsZero() {
		r.Obtained = lo.In(zone).Format(time.RFC3339)
		if !hi.Equal(lo) {
			r.Obtained += " to " + hi.In(zone).Format(time.RFC3339)
		}
	}
	if r.Handling == "P" {
		r.Conditions = "P: lawful sharing permitted under this marking, for a policing purpose with a legitimate need to know."
	} else {
		r.Conditions = "C: lawful sharing permitted with conditions: " + r.Conditions
	}

	subjects := map[string]*Subject{}
	var order []string
	var sensitiveValues []string
	withheld := map[int64]bool{}
	for a, err := range rec.Artefacts(ctx, "") {
		if err != nil {
			return nil, fmt.Errorf("intel: artefacts: %w", err)
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if disc.Sensitive(a.ID) {
			withheld[a.ID] = true
			sensitiveValues = append(sensitiveValues, cpia.SensitiveValues(a)...)
			continue
		}
		for _, s := range Extract(a) {
			key := s.Type + "\x00" + s.Value
			cur := subjects[key]
			if cur == nil {
				if len(subjects) >= MaxSubjects {
					r.More++
					continue
				}
				s.firstID = a.ID
				s.Location = a.Ref
				subjects[key] = &s
				order = append(order, key)
				cur = &s
				cur.Sightings = 1
			} else {
				cur.Sightings++
				cur.valid = cur.valid || s.valid
				cur.details = append(cur.details, s.details...)
			}
		}
	}
	w := cpia.NewWithholder(sensitiveValues)
	for _, k := range order {
		s := subjects[k]
		if w.Contains(s.Value) {
			continue
		}
		if _, edited := w.Apply(s.Value); edited {
			continue
		}
		s.Detail = strings.Join(uniq(s.details), "\n")
		s.Detail, _ = w.Apply(s.Detail)
		s.Location, _ = w.Apply(s.Location)
		s.Grade = grade
		if !s.valid {
			s.Grade = "D"
		}
		r.Subjects = append(r.Subjects, *s)
	}
	sort.SliceStable(r.Subjects, func(i, j int) bool {
		a, b := r.Subjects[i], r.Subjects[j]
		if ta, tb := typeRank[a.Type], typeRank[b.Type]; ta != tb {
			return ta < tb
		}
		return a.Value < b.Value
	})
	for i := range r.Subjects {
		r.Subjects[i].No = i + 1
	}
	r.Withheld = len(withheld)
	r.Sanitisation = fmt.Sprintf("Sanitised by %s for %s: items tagged sensitive and every value identifying them removed (%d item(s) withheld; they are listed on the MG6D sensitive schedule). Source identity not recorded here.",
		orDefault(r.Generator, "Loupe"), orDefault(r.Officer, "the examiner"), r.Withheld)

	// Dissemination log: earlier intelligence reports from this record,
	// then this one.
	reports, err := rec.EntriesByAction(ctx, record.ActionReport)
	if err != nil {
		return nil, fmt.Errorf("intel: report log: %w", err)
	}
	for _, e := range reports {
		var wrap struct {
			Export struct {
				Kind          string `json:"kind"`
				Recipient     string `json:"recipient"`
				Justification string `json:"justification"`
			} `json:"export"`
		}
		_ = json.Unmarshal(e.Params, &wrap)
		p := wrap.Export
		if p.Kind != string(report.KindIntel) {
			continue
		}
		r.Dissemination = append(r.Dissemination, [3]string{e.Time.In(zone).Format(time.RFC3339), p.Recipient, p.Justification})
	}
	r.Dissemination = append(r.Dissemination, [3]string{r.Reported, opts.Recipient, opts.Reason})
	return r, nil
}

var typeRank = map[string]int{TypeOnion: 0, TypeCrypto: 1, TypeXPub: 2, TypePGP: 3, TypeChat: 4, TypeContact: 5, TypeEmail: 6}

// Extract returns the subjects one artefact names. Values are taken as
// recorded (onion hosts and e-mail addresses lower-cased, since both are
// case-insensitive) and capped at 512 bytes.
func Extract(a record.StoredArtefact) []Subject {
	get := func(name string) string {
		for _, at := range a.Attrs {
			if at.Name == name && at.Type == finding.TString {
				if len(at.Str) > 512 {
					return at.Str[:512]
				}
				return at.Str
			}
		}
		return ""
	}
	valid := true
	for _, at := range a.Attrs {
		switch at.Name {
		case "validated", "hostname_valid", "crc_ok", "checksum_ok":
			if at.Type == finding.TBool && !at.Bool {
				valid = false
			}
		}
	}
	mk := func(typ, value string, details ...string) Subject {
		return Subject{Type: typ, Value: value, valid: valid, details: nonEmpty(details...)}
	}
	var out []Subject
	coin := func() string { return strings.TrimSpace(get("coin") + " " + get("network")) }
	kind := a.Kind
	switch {
	case kind == "wallet.address":
		if v := get("address"); v != "" {
			out = append(out, mk(TypeCrypto, v, coin()))
		}
	case kind == "wallet.xpub":
		if v := get("xpub"); v != "" {
			out = append(out, mk(TypeXPub, v, coin()))
		}
	case kind == "identifier.btc" || kind == "identifier.eth" || kind == "identifier.xmr" || kind == "identifier.ltc" || kind == "identifier.doge":
		if v := get("value"); v != "" {
			c := coin()
			if c == "" {
				c = strings.ToUpper(strings.TrimPrefix(kind, "identifier."))
			}
			out = append(out, mk(TypeCrypto, v, c))
		}
	case kind == "identifier.onion-v3" || kind == "identifier.onion-v2" || kind == "identifier.onion":
		if h := onionHost(get("value")); h != "" {
			out = append(out, mk(TypeOnion, h))
		}
	case kind == "pgp.key":
		if fp := get("fingerprint"); fp != "" {
			out = append(out, mk(TypePGP, strings.ToUpper(fp), strings.Split(get("uids"), "\n")...))
		}
	case kind == "pgp.uid":
		if fp := get("fingerprint"); fp != "" {
			out = append(out, mk(TypePGP, strings.ToUpper(fp), get("uid")))
		}
		if e := strings.ToLower(get("email")); e != "" {
			out = append(out, mk(TypeEmail, e))
		}
	case kind == "identifier.pgp-fingerprint":
		if fp := get("value"); fp != "" {
			out = append(out, mk(TypePGP, strings.ToUpper(fp)))
		}
	case kind == "identifier.email":
		if e := strings.ToLower(get("value")); e != "" {
			out = append(out, mk(TypeEmail, e))
		}
	case kind == "chat.account":
		if v := get("account"); v != "" {
			out = append(out, mk(TypeChat, v, get("client"), get("name")))
		}
	case kind == "chat.contact":
		if v := get("contact"); v != "" {
			out = append(out, mk(TypeContact, v, get("client"), get("name")))
		}
	}
	// Onion hosts anywhere else: services, URLs of visits, bookmarks and tabs.
	if !strings.HasPrefix(kind, "identifier.") {
		for _, name := range []string{"address", "hostname", "url", "host"} {
			if h := onionHost(get(name)); h != "" {
				out = append(out, mk(TypeOnion, h))
			}
		}
	}
	return dedupe(out)
}

// onionHost returns the .onion host name in s (a bare host or a URL), or "".
func onionHost(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	host := s
	if strings.Contains(s, "://") {
		u, err := url.Parse(s)
		if err != nil {
			return ""
		}
		host = u.Hostname()
	}
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	if !strings.HasSuffix(host, ".onion") || strings.ContainsAny(host, " /\\:@") {
		return ""
	}
	// Keep the service name (the label before .onion), not subdomains.
	labels := strings.Split(strings.TrimSuffix(host, ".onion"), ".")
	return labels[len(labels)-1] + ".onion"
}

func dedupe(xs []Subject) []Subject {
	seen := map[string]bool{}
	out := xs[:0]
	for _, s := range xs {
		k := s.Type + "\x00" + s.Value
		if !seen[k] {
			seen[k] = true
			out = append(out, s)
		}
	}
	return out
}

func nonEmpty(xs ...string) []string {
	var out []string
	for _, x := range xs {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

func uniq(xs []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range xs {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	sort.Strings(out)
	return out
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// writeCSV writes the subjects table, the marking first and last.
func writeCSV(w io.Writer, r *Report) error {
	cw := csv.NewWriter(w)
	put := func(cells ...string) {
		out := make([]string, len(cells))
		for i, c := range cells {
			out[i] = cpia.Neutralise(c)
		}
		_ = cw.Write(out)
	}
	put(r.Marking)
	put("Intelligence report " + r.IRRef + ": subjects")
	put(Caveat)
	put("Source evaluation", r.SourceEvaluation, "Handling code", r.Handling, r.Conditions)
	put("No.", "Type", "Value", "Detail", "Sightings", "First location", "Assessment (A-E)")
	for _, s := range r.Subjects {
		put(strconv.Itoa(s.No), s.Type, s.Value, strings.ReplaceAll(s.Detail, "\n", "; "), strconv.Itoa(s.Sightings), s.Location, s.Grade)
	}
	if r.More > 0 {
		put("Note", fmt.Sprintf("%d further subjects not listed (limit %d); see the examination record", r.More, MaxSubjects))
	}
	put(r.Marking)
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("intel: write CSV: %w", err)
	}
	return nil
}
