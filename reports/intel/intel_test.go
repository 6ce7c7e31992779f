package intel_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"html"
	"strings"
	"testing"
	"time"

	"github.com/loupe-forensics/loupe/forensic/finding"
	"github.com/loupe-forensics/loupe/forensic/record"
	"github.com/loupe-forensics/loupe/reports/cpia"
	"github.com/loupe-forensics/loupe/reports/cpia/cpiatest"
	"github.com/loupe-forensics/loupe/reports/intel"
	"github.com/loupe-forensics/loupe/reports/report"
)

func opts(kind report.Kind, format report.Format) report.Options {
	return report.Options{Kind: kind, Format: format, DocumentID: "LOUPE-TEST-" + string(kind) + "-1",
		Generated: time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC), Zone: time.UTC,
		ToolName: "Loupe", ToolVersion: "test", Recipient: "Regional intelligence unit", Reason: "dark-web market research"}
}

type output struct {
	kind   report.Kind
	format report.Format
	raw    []byte
	text   string // what a reader sees: CSV as is, HTML as is, XLSX unzipped, PDF through pdftotext
}

func renderAll(t *testing.T, rec *record.Record) []output {
	t.Helper()
	var outs []output
	add := func(k report.Kind, f report.Format, render func(context.Context, *record.Record, report.Options, io2) error) {
		var b bytes.Buffer
		if err := render(context.Background(), rec, opts(k, f), &b); err != nil {
			t.Fatalf("%s %s: %v", k, f, err)
		}
		o := output{kind: k, format: f, raw: b.Bytes()}
		switch f {
		case report.FormatPDF:
			o.text = cpiatest.PDFText(t, o.raw)
		case report.FormatXLSX:
			o.text = cpiatest.XLSXText(t, o.raw)
		case report.FormatCSV:
			r := csv.NewReader(bytes.NewReader(o.raw))
			r.FieldsPerRecord = -1
			recs, err := r.ReadAll()
			if err != nil {
				t.Fatalf("%s CSV: %v", k, err)
			}
			var cells []string
			for _, rec := range recs {
				cells = append(cells, rec...)
			}
			o.text = "\n" + strings.Join(cells, "\n") + "\n"
		default:
			o.text = string(o.raw)
		}
		outs = append(outs, o)
	}
	for _, k := range []report.Kind{report.KindMG6C, report.KindMG6D, report.KindMG6E} {
		for _, f := range []report.Format{report.FormatCSV, report.FormatXLSX, report.FormatPDF} {
			add(k, f, func(ctx context.Context, r *record.Record, o report.Options, w io2) error {
				return cpia.Render(ctx, r, o, w)
			})
		}
	}
	for _, f := range []report.Format{report.FormatHTML, report.FormatPDF, report.FormatCSV} {
		add(report.KindIntel, f, func(ctx context.Context, r *record.Record, o report.Options, w io2) error {
			return intel.Render(ctx, r, o, w)
		})
	}
	return outs
}

type io2 = *bytes.Buffer

// TestSensitiveOnlyOnMG6D scans every output of both packages: a sensitive
// item (its value, its provenance, its reason) appears on the MG6D in
// every format and in no other output.
func TestSensitiveOnlyOnMG6D(t *testing.T) {
	f := cpiatest.Examine(t)
	s := f.Tags(t)
	needles := map[string]string{
		"address":         s.AddrValue,
		"onion":           s.OnionValue,
		"address ref":     s.SensitiveAddr.Ref,
		"onion ref":       s.SensitiveOnion.Ref,
		"reason":          s.SensitiveReason,
		"undermines text": "service key found in an old backup folder",
	}
	outs := renderAll(t, f.Rec)
	if len(outs) != 12 {
		t.Fatalf("%d outputs", len(outs))
	}
	for _, o := range outs {
		// PDF cells wrap long values: compare without white space, and
		// also look for a prefix short enough never to wrap.
		text, squashed := o.text, cpiatest.Squash(o.text)
		for what, n := range needles {
			found := strings.Contains(text, n) || strings.Contains(squashed, cpiatest.Squash(n))
			if o.format == report.FormatPDF && len(n) > 12 && !strings.Contains(n, " ") {
				found = found || strings.Contains(text, n[:12])
			}
			if o.kind == report.KindMG6D {
				if what == "onion" || what == "address" {
					// MG6D describes the items with their values.
					if !found {
						t.Errorf("MG6D %s lacks the sensitive %s %q", o.format, what, n)
					}
				}
				continue
			}
			if found {
				t.Errorf("%s %s contains the sensitive %s %q", o.kind, o.format, what, n)
			}
		}
	}
}

// TestHostileTextInert: markup and a traversal name from the record come
// out escaped in HTML, neutralised in CSV/XLSX and legible in PDF.
func TestHostileTextInert(t *testing.T) {
	f := cpiatest.Examine(t)
	s := f.Tags(t)
	for _, o := range renderAll(t, f.Rec) {
		switch o.format {
		case report.FormatHTML:
			if bytes.Contains(o.raw, []byte("<script")) {
				t.Errorf("%s HTML holds a raw <script", o.kind)
			}
		case report.FormatCSV, report.FormatXLSX:
			if strings.Contains(o.text, "\n"+s.Formula) || strings.Contains(o.text, ","+s.Formula) || strings.Contains(o.text, ">"+s.Formula) {
				t.Errorf("%s %s holds a formula cell", o.kind, o.format)
			}
		}
	}
	// Where the hostile item and reasons are shown, they are shown legibly.
	for _, o := range renderAll(t, f.Rec) {
		if o.kind != report.KindMG6C && o.kind != report.KindMG6E {
			continue
		}
		text := o.text
		if o.format == report.FormatPDF {
			text = cpiatest.Squash(text)
		}
		want := []string{}
		switch o.kind {
		case report.KindMG6C:
			want = append(want, cpiatest.HostileName, cpiatest.HostileText)
		case report.KindMG6E:
			want = append(want, `<script>alert("reason")</script>`, "'"+s.Formula)
		}
		for _, w := range want {
			if o.format == report.FormatPDF {
				// PDF is not a spreadsheet: the text is drawn as it is.
				w = cpiatest.Squash(strings.TrimPrefix(w, "'"))
			}
			if !strings.Contains(text, w) {
				t.Errorf("%s %s: %q not shown", o.kind, o.format, w)
			}
		}
	}
}

func TestIntelReport(t *testing.T) {
	ctx := context.Background()
	f := cpiatest.Examine(t)
	s := f.Tags(t)
	r, err := intel.Build(ctx, f.Rec, opts(report.KindIntel, report.FormatHTML))
	if err != nil {
		t.Fatal(err)
	}
	// Expected subjects, computed here from the record's artefacts.
	want := map[string]map[string]int{} // type -> value -> sightings
	withheldVals := map[string]bool{s.AddrValue: true, s.OnionValue: true}
	add := func(typ, v string) {
		if want[typ] == nil {
			want[typ] = map[string]int{}
		}
		want[typ][v]++
	}
	for a, err := range f.Rec.Artefacts(ctx, "") {
		if err != nil {
			t.Fatal(err)
		}
		if a.ID == s.SensitiveAddr.ID || a.ID == s.SensitiveOnion.ID {
			continue
		}
		get := func(n string) string { at, _ := (&finding.Artefact{Attrs: a.Attrs}).Get(n); return at.Str }
		switch a.Kind {
		case "wallet.address":
			add(intel.TypeCrypto, get("address"))
		case "identifier.btc", "identifier.eth", "identifier.xmr", "identifier.ltc", "identifier.doge":
			add(intel.TypeCrypto, get("value"))
		case "wallet.xpub":
			add(intel.TypeXPub, get("xpub"))
		case "tor.onion_service":
			add(intel.TypeOnion, get("address"))
		case "identifier.onion-v3":
			add(intel.TypeOnion, strings.ToLower(get("value")))
		case "pgp.key", "pgp.uid":
			add(intel.TypePGP, get("fingerprint"))
		case "identifier.pgp-fingerprint":
			add(intel.TypePGP, get("value"))
		}
	}
	got := map[string]map[string]int{}
	for _, sub := range r.Subjects {
		if withheldVals[sub.Value] {
			t.Errorf("withheld value %s listed", sub.Value)
		}
		if sub.Grade != "A" && sub.Grade != "D" {
			t.Errorf("subject %s graded %q", sub.Value, sub.Grade)
		}
		if got[sub.Type] == nil {
			got[sub.Type] = map[string]int{}
		}
		got[sub.Type][sub.Value] = sub.Sightings
	}
	for _, typ := range []string{intel.TypeCrypto, intel.TypeXPub, intel.TypeOnion, intel.TypePGP} {
		for v := range withheldVals {
			delete(want[typ], v)
		}
		if len(got[typ]) != len(want[typ]) {
			t.Errorf("%s: %d subjects, want %d", typ, len(got[typ]), len(want[typ]))
		}
		for v, n := range want[typ] {
			if typ == intel.TypePGP || typ == intel.TypeOnion {
				// Sightings also come from other kinds' onion URLs and
				// from both keys and UIDs; presence is what is checked.
				if got[typ][v] == 0 {
					t.Errorf("%s %s missing", typ, v)
				}
				continue
			}
			if got[typ][v] != n {
				t.Errorf("%s %s: %d sightings, want %d", typ, v, got[typ][v], n)
			}
		}
	}
	if len(want[intel.TypeCrypto]) == 0 || len(want[intel.TypePGP]) == 0 || len(want[intel.TypeOnion]) == 0 {
		t.Fatalf("fixture lacks subjects: %v", want)
	}
	// The PGP identity carries its UIDs.
	for _, sub := range r.Subjects {
		if sub.Type == intel.TypePGP && sub.Value == "E0B1A459BA1E3EFCCA9D4C6859C696DABC6E15FC" &&
			!(strings.Contains(sub.Detail, "Alice Example (work) <alice@example.org>") && strings.Contains(sub.Detail, "Alice Private <alice.p@example.net>")) {
			t.Errorf("PGP identity detail %q", sub.Detail)
		}
	}
	if r.Withheld != 2 || r.Marking != "OFFICIAL-SENSITIVE" || r.Handling != "P" || r.SourceEvaluation != "1 (reliable)" {
		t.Errorf("withheld %d, marking %q, handling %q, source %q", r.Withheld, r.Marking, r.Handling, r.SourceEvaluation)
	}
	var h bytes.Buffer
	if err := intel.Render(ctx, f.Rec, opts(report.KindIntel, report.FormatHTML), &h); err != nil {
		t.Fatal(err)
	}
	page := h.String()
	if strings.Count(page, `<div class="marking`) != 2 || !strings.Contains(page, "NOT FOR EVIDENTIAL USE") ||
		!strings.Contains(page, "Regional intelligence unit") || !strings.Contains(page, "2 item(s) tagged sensitive were withheld") {
		t.Error("HTML lacks marking top and bottom, caveat, dissemination or cross-flag")
	}
	if strings.Count(page, "<tr><td>") != len(r.Subjects)+1 { // subjects + one dissemination row
		t.Errorf("HTML table rows %d, want %d", strings.Count(page, "<tr><td>"), len(r.Subjects)+1)
	}
	_ = html.UnescapeString
}

func TestGradingOptions(t *testing.T) {
	f := cpiatest.Examine(t)
	cases := []struct {
		src, grade, handling, notes string
		err                         bool
		wantHandling                string
	}{
		{"", "", "", "", false, "P"},
		{"2", "B", "P", "", false, "P"},
		{"3", "e", "c", "no onward sharing; RA ref RA/123", false, "C"},
		{"", "", "C", "", true, ""},
		{"4", "", "", "", true, ""},
		{"", "F", "", "", true, ""},
		{"", "", "X", "", true, ""},
	}
	for _, c := range cases {
		o := opts(report.KindIntel, report.FormatHTML)
		o.SourceEvaluation, o.Assessment, o.Handling, o.HandlingNotes = c.src, c.grade, c.handling, c.notes
		r, err := intel.Build(context.Background(), f.Rec, o)
		if c.err {
			if !errors.Is(err, intel.ErrGrading) {
				t.Errorf("%+v: err %v, want ErrGrading", c, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%+v: %v", c, err)
		}
		if r.Handling != c.wantHandling || (c.notes != "" && !strings.Contains(r.Conditions, c.notes)) {
			t.Errorf("%+v: handling %q conditions %q", c, r.Handling, r.Conditions)
		}
		if c.grade != "" && len(r.Subjects) > 0 && r.Subjects[0].Grade != strings.ToUpper(c.grade) && r.Subjects[0].Grade != "D" {
			t.Errorf("%+v: grade %q", c, r.Subjects[0].Grade)
		}
	}
}

func TestIntelPDFAndDeterminism(t *testing.T) {
	f := cpiatest.Examine(t)
	f.Tags(t)
	for _, format := range []report.Format{report.FormatHTML, report.FormatPDF, report.FormatCSV} {
		var a, b bytes.Buffer
		if err := intel.Render(context.Background(), f.Rec, opts(report.KindIntel, format), &a); err != nil {
			t.Fatal(err)
		}
		if err := intel.Render(context.Background(), f.Rec, opts(report.KindIntel, format), &b); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a.Bytes(), b.Bytes()) {
			t.Errorf("%s: two renderings differ", format)
		}
		if format != report.FormatPDF {
			continue
		}
		pages := strings.Split(strings.TrimRight(cpiatest.PDFText(t, a.Bytes()), "\f"), "\f")
		for i, p := range pages {
			if strings.Count(p, "OFFICIAL-SENSITIVE") < 2 || !strings.Contains(p, fmt.Sprintf("Page %d of %d", i+1, len(pages))) {
				t.Errorf("intel PDF page %d of %d: marking or page number missing", i+1, len(pages))
			}
		}
		if !strings.Contains(pages[0], "NOT FOR EVIDENTIAL USE") {
			t.Error("intel PDF page 1 lacks the caveat")
		}
	}
	for _, o := range []report.Options{{Kind: report.KindIntel, Format: report.FormatXLSX}, {Kind: report.KindMG6C, Format: report.FormatHTML}} {
		if err := intel.Render(context.Background(), f.Rec, o, &bytes.Buffer{}); !errors.Is(err, report.ErrUnsupported) {
			t.Errorf("%s/%s: %v", o.Kind, o.Format, err)
		}
	}
}

func TestOnionHostExtraction(t *testing.T) {
	v3 := "dnyv2bzkix6narlcyfkpayiykh7vpcdedf3kirpvuw2tpkmgk2nlmgad.onion"
	cases := []struct {
		kind, attr, value string
		want              []string
	}{
		{"tor.session_tab", "url", "http://" + strings.ToUpper(v3[:56]) + ".onion/market?x=1", []string{v3}},
		{"tor.bookmark", "url", "http://shop." + v3 + "/", []string{v3}},
		{"tor.session_tab", "url", "about:tor", nil},
		{"tor.session_tab", "url", "https://example.org/", nil},
		{"identifier.onion-v3", "value", v3, []string{v3}},
	}
	for _, c := range cases {
		a := record.StoredArtefact{ArtefactContent: record.ArtefactContent{Kind: c.kind, Attrs: []finding.Attr{finding.S(c.attr, c.value)}}}
		var got []string
		for _, s := range intel.Extract(a) {
			if s.Type == intel.TypeOnion {
				got = append(got, s.Value)
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("%s %s=%q: %v, want %v", c.kind, c.attr, c.value, got, c.want)
		}
	}
}
