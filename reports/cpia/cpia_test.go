package cpia_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/loupe-forensics/loupe/forensic/record"
	"github.com/loupe-forensics/loupe/reports/cpia"
	"github.com/loupe-forensics/loupe/reports/cpia/cpiatest"
	"github.com/loupe-forensics/loupe/reports/report"
)

func TestResolveTags(t *testing.T) {
	tag := func(id, art int64, flag string, removes bool) record.Tag {
		return record.Tag{ID: id, ArtefactID: art, Flag: flag, Removes: removes, Category: "c", Reason: "r" + strconv.FormatInt(id, 10)}
	}
	cases := []struct {
		name      string
		tags      []record.Tag
		sensitive map[int64]bool
		reason    map[int64]string // artefact -> reason of its relevant tag in force
	}{
		{"none", nil, map[int64]bool{1: false}, nil},
		{"sensitive", []record.Tag{tag(1, 7, record.FlagSensitive, false)}, map[int64]bool{7: true, 8: false}, nil},
		{"withdrawn", []record.Tag{tag(1, 7, record.FlagSensitive, false), tag(2, 7, record.FlagSensitive, true)}, map[int64]bool{7: false}, nil},
		{"withdrawn then tagged again", []record.Tag{tag(1, 7, record.FlagSensitive, false), tag(2, 7, record.FlagSensitive, true), tag(3, 7, record.FlagSensitive, false)}, map[int64]bool{7: true}, nil},
		{"withdrawal of another flag keeps sensitive", []record.Tag{tag(1, 7, record.FlagSensitive, false), tag(2, 7, record.FlagRelevant, true)}, map[int64]bool{7: true}, nil},
		{"withdrawal of another artefact keeps sensitive", []record.Tag{tag(1, 7, record.FlagSensitive, false), tag(2, 8, record.FlagSensitive, true)}, map[int64]bool{7: true, 8: false}, nil},
		{"order is by id, not slice order", []record.Tag{tag(2, 7, record.FlagSensitive, true), tag(1, 7, record.FlagSensitive, false)}, map[int64]bool{7: false}, nil},
		{"newest reason wins", []record.Tag{tag(1, 7, record.FlagRelevant, false), tag(4, 7, record.FlagRelevant, false)}, map[int64]bool{7: false}, map[int64]string{7: "r4"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := cpia.NewDisclosure(c.tags)
			for art, want := range c.sensitive {
				if got := d.Sensitive(art); got != want {
					t.Errorf("Sensitive(%d) = %v, want %v", art, got, want)
				}
			}
			for art, want := range c.reason {
				if got, _ := d.Tag(art, record.FlagRelevant); got.Reason != want {
					t.Errorf("relevant reason of %d = %q, want %q", art, got.Reason, want)
				}
			}
		})
	}
}

func TestNeutralise(t *testing.T) {
	cases := map[string]string{
		"":                     "",
		"plain":                "plain",
		"=1+1":                 "'=1+1",
		"+44 20":               "'+44 20",
		"-2":                   "'-2",
		"@SUM(A1)":             "'@SUM(A1)",
		"\t=1":                 "'\t=1",
		"\r=1":                 "'\r=1",
		"a=1":                  "a=1",
		"<script>x</script>":   "<script>x</script>",
		"2026-11-28T09:30:00Z": "2026-11-28T09:30:00Z",
		"'already":             "'already",
	}
	for in, want := range cases {
		if got := cpia.Neutralise(in); got != want {
			t.Errorf("Neutralise(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestWithholder(t *testing.T) {
	w := cpia.NewWithholder([]string{"bc1qabcdef", "bc1qabcdefgh", "BTC", "bc1qabcdef"})
	cases := []struct {
		in, out string
		edited  bool
	}{
		{"address bc1qabcdefgh seen", "address [withheld] seen", true}, // the longer value whole, not its prefix
		{"address bc1qabcdef seen", "address [withheld] seen", true},
		{"coin BTC", "coin BTC", false}, // too short to identify anything
		{"nothing here", "nothing here", false},
	}
	for _, c := range cases {
		got, edited := w.Apply(c.in)
		if got != c.out || edited != c.edited {
			t.Errorf("Apply(%q) = %q, %v; want %q, %v", c.in, got, edited, c.out, c.edited)
		}
	}
	if !w.Contains("bc1qabcdef") || w.Contains("BTC") {
		t.Error("Contains")
	}
}

func opts(kind report.Kind, format report.Format) report.Options {
	return report.Options{Kind: kind, Format: format, DocumentID: "LOUPE-TEST-" + string(kind) + "-1",
		Generated: time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC), Zone: time.UTC,
		ToolName: "Loupe", ToolVersion: "test", Recipient: "Disclosure officer", Reason: "CPIA schedules"}
}

func render(t *testing.T, rec *record.Record, kind report.Kind, format report.Format) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := cpia.Render(context.Background(), rec, opts(kind, format), &b); err != nil {
		t.Fatalf("%s %s: %v", kind, format, err)
	}
	return b.Bytes()
}

// table returns the CSV's table rows: those after the header row whose
// first cell is an item number.
func table(t *testing.T, b []byte, firstHeader string) [][]string {
	t.Helper()
	r := csv.NewReader(bytes.NewReader(b))
	r.FieldsPerRecord = -1
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var out [][]string
	in := false
	for _, rec := range recs {
		if !in {
			in = rec[0] == firstHeader
			continue
		}
		if _, err := strconv.Atoi(rec[0]); err != nil {
			break
		}
		out = append(out, rec)
	}
	if !in {
		t.Fatalf("no header row %q", firstHeader)
	}
	return out
}

func TestSchedulesOnExaminedRecord(t *testing.T) {
	ctx := context.Background()
	f := cpiatest.Examine(t)
	s := f.Tags(t)
	rec := f.Rec

	// What the record holds, counted independently of the package.
	tagged := map[int64]bool{s.SensitiveAddr.ID: true, s.SensitiveOnion.ID: true, s.Relevant.ID: true,
		s.Undermines.ID: true, s.Assists.ID: true, s.Hostile: true}
	blocks := map[string]int{}
	total := 0
	for a, err := range rec.Artefacts(ctx, "") {
		if err != nil {
			t.Fatal(err)
		}
		total++
		if !tagged[a.ID] {
			blocks[fmt.Sprintf("%d/%s", a.RunID, a.Kind)]++
		}
	}
	sources, _ := rec.Rows(ctx, "sources")
	runs, _ := rec.Runs(ctx)
	notes, _ := rec.Notes(ctx)
	warnRuns := 0
	for _, r := range runs {
		if r.Warnings > 0 {
			warnRuns++
		}
	}
	if len(sources) != 1 || len(runs) != 3 || len(notes) != 1 {
		t.Fatalf("fixture: %d sources, %d runs, %d notes", len(sources), len(runs), len(notes))
	}
	searches, _ := rec.EntriesByAction(ctx, record.ActionSearch)
	if len(searches) != 1 {
		t.Fatalf("fixture: %d searches (the sweep logs one)", len(searches))
	}
	wantC := len(sources) + 1 + len(runs) + len(notes) + 4 + len(blocks) + warnRuns + len(searches)

	sch, err := cpia.Build(ctx, rec, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	if len(sch.MG6C) != wantC || len(sch.MG6D) != 2 || len(sch.MG6E) != 2 || sch.SensitiveFlagged != 1 {
		t.Fatalf("MG6C %d rows (want %d), MG6D %d (want 2), MG6E %d (want 2), sensitive flagged %d (want 1)",
			len(sch.MG6C), wantC, len(sch.MG6D), len(sch.MG6E), sch.SensitiveFlagged)
	}
	// Block quantities add up to every untagged artefact, exactly.
	sum := 0
	for _, r := range sch.MG6C {
		if strings.HasPrefix(r.Description, "Block entry: ") && !strings.Contains(r.Description, "parser warnings") {
			sum += r.Quantity
		}
	}
	if sum != total-len(tagged) {
		t.Errorf("block entries cover %d artefacts, want %d", sum, total-len(tagged))
	}

	// CSV tables hold exactly those rows.
	c := table(t, render(t, rec, report.KindMG6C, report.FormatCSV), "Item No.")
	d := table(t, render(t, rec, report.KindMG6D, report.FormatCSV), "Item No.")
	e := table(t, render(t, rec, report.KindMG6E, report.FormatCSV), "Item No.")
	if len(c) != wantC || len(d) != 2 || len(e) != 2 {
		t.Fatalf("CSV rows: MG6C %d (want %d), MG6D %d, MG6E %d", len(c), wantC, len(d), len(e))
	}
	for i, r := range c {
		if r[0] != strconv.Itoa(i+1) {
			t.Fatalf("MG6C row %d numbered %q", i+1, r[0])
		}
		if r[4] != "" || r[5] != "" {
			t.Errorf("MG6C row %d: CPS columns not empty: %q", i+1, r[4:])
		}
	}
	// The relevant item: listed with its provenance, formula neutralised.
	row := func(rows [][]string, col int, needle string) []string {
		t.Helper()
		var found []string
		for _, r := range rows {
			if strings.Contains(r[col], needle) {
				if found != nil {
					t.Fatalf("two rows contain %q", needle)
				}
				found = r
			}
		}
		if found == nil {
			t.Fatalf("no row contains %q in column %d", needle, col)
		}
		return found
	}
	rel := row(c, 2, s.Relevant.Ref)
	if rel[3] != "Relevant: "+cpiatest.RelevantReason || !strings.HasPrefix(rel[1], "tor.session_tab: ") {
		t.Errorf("relevant row %q", rel)
	}
	hostile := row(c, 1, "test.hostile")
	if hostile[2] != "folder:upload > entry:../../x" || hostile[3] != "Relevant: "+cpiatest.HostileText {
		t.Errorf("hostile row %q", hostile)
	}
	// MG6D: the two sensitive items, with reason category and audit link.
	addr := row(d, 2, s.SensitiveAddr.Ref)
	if !strings.Contains(addr[1], s.AddrValue) || addr[3] != "intelligence from a partner agency: "+s.SensitiveReason || !strings.Contains(addr[6], fmt.Sprintf("artefact %d; sensitive tag audit entry ", s.SensitiveAddr.ID)) {
		t.Errorf("MG6D address row %q", addr)
	}
	onion := row(d, 2, s.SensitiveOnion.Ref)
	if onion[4] != "Might undermine the prosecution case: service key found in an old backup folder" {
		t.Errorf("MG6D onion row %q", onion)
	}
	// MG6E: the undermines and assists items by their MG6C numbers.
	und := row(c, 2, s.Undermines.Ref)
	ass := row(c, 2, s.Assists.Ref)
	if e[0][0] != und[0] || e[0][1] != "MG6C" || e[0][2] != "Might undermine the prosecution case" || e[0][3] != s.Markup ||
		e[1][0] != ass[0] || e[1][2] != "Might assist the defence" || e[1][3] != "'"+s.Formula {
		t.Errorf("MG6E rows %q (MG6C items %s, %s)", e, und[0], ass[0])
	}
	// The note, and the sweep's untagged sighting of the sensitive address
	// inside a block entry: the value itself appears nowhere on the MG6C.
	if note := row(c, 1, "Contemporaneous note: "+s.NoteText); strings.HasSuffix(note[2], "audit entry 0") {
		t.Errorf("note row %q does not link its audit entry", note)
	}
	raw := string(render(t, rec, report.KindMG6C, report.FormatCSV))
	for _, leak := range []string{s.AddrValue, s.OnionValue, s.SensitiveAddr.Ref, s.SensitiveOnion.Ref, s.SensitiveReason} {
		if strings.Contains(raw, leak) {
			t.Errorf("MG6C CSV contains sensitive %q", leak)
		}
	}
	// Formula injection: no cell of any schedule starts a formula.
	for _, k := range []report.Kind{report.KindMG6C, report.KindMG6D, report.KindMG6E} {
		r := csv.NewReader(bytes.NewReader(render(t, rec, k, report.FormatCSV)))
		r.FieldsPerRecord = -1
		all, err := r.ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		for _, rr := range all {
			for _, cell := range rr {
				if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
					t.Errorf("%s: cell %q starts a formula", k, cell)
				}
			}
		}
		want := "OFFICIAL-SENSITIVE"
		if k == report.KindMG6C {
			want = "OFFICIAL"
		}
		if all[0][0] != want || all[len(all)-1][0] != want {
			t.Errorf("%s: first row %q is not the marking", k, all[0])
		}
	}
}

func TestNilMG6D(t *testing.T) {
	f := cpiatest.Examine(t)
	d := table(t, render(t, f.Rec, report.KindMG6D, report.FormatCSV), "Item No.")
	if len(d) != 0 {
		t.Fatalf("untagged record: MG6D rows %q", d)
	}
	if !bytes.Contains(render(t, f.Rec, report.KindMG6D, report.FormatCSV), []byte("NIL RETURN")) {
		t.Error("nil MG6D does not say so")
	}
}

func TestUnsupported(t *testing.T) {
	f := cpiatest.Examine(t)
	for _, o := range []report.Options{
		{Kind: report.KindMG6C, Format: report.FormatHTML},
		{Kind: report.KindMG6D, Format: report.FormatJSONLD},
		{Kind: report.KindIntel, Format: report.FormatCSV},
		{Kind: report.KindExhibit, Format: report.FormatPDF},
	} {
		if err := cpia.Render(context.Background(), f.Rec, o, &bytes.Buffer{}); !errors.Is(err, report.ErrUnsupported) {
			t.Errorf("%s/%s: err %v", o.Kind, o.Format, err)
		}
	}
	if err := cpia.Render(context.Background(), nil, opts(report.KindMG6C, report.FormatCSV), &bytes.Buffer{}); !errors.Is(err, report.ErrNoRecord) {
		t.Errorf("nil record: %v", err)
	}
}

func TestDeterministicAndMarked(t *testing.T) {
	f := cpiatest.Examine(t)
	f.Tags(t)
	for _, k := range []report.Kind{report.KindMG6C, report.KindMG6D, report.KindMG6E} {
		for _, format := range []report.Format{report.FormatCSV, report.FormatXLSX, report.FormatPDF} {
			a, b := render(t, f.Rec, k, format), render(t, f.Rec, k, format)
			if !bytes.Equal(a, b) {
				t.Errorf("%s %s: two renderings differ", k, format)
			}
			marking := "OFFICIAL-SENSITIVE"
			if k == report.KindMG6C {
				marking = "OFFICIAL"
			}
			switch format {
			case report.FormatPDF:
				pages := strings.Split(strings.TrimRight(cpiatest.PDFText(t, a), "\f"), "\f")
				if len(pages) < 1 {
					t.Fatalf("%s: no pages", k)
				}
				for i, p := range pages {
					// Header and footer: at least twice per page.
					if n := strings.Count(p, marking); n < 2 {
						t.Errorf("%s PDF page %d of %d: marking %q %d times", k, i+1, len(pages), marking, n)
					}
					if !strings.Contains(p, fmt.Sprintf("Page %d of %d", i+1, len(pages))) {
						t.Errorf("%s PDF page %d: no page x of y", k, i+1)
					}
				}
				if k == report.KindMG6C && len(pages) < 2 {
					t.Errorf("MG6C PDF has %d page(s); the test wants the marking checked on continuation pages", len(pages))
				}
			case report.FormatXLSX:
				parts := cpiatest.XLSXParts(t, a)
				sheet := parts["xl/worksheets/sheet1.xml"]
				if !strings.Contains(sheet, "<oddHeader>&amp;C&amp;B"+marking) || !strings.Contains(sheet, "<oddFooter>&amp;C&amp;B"+marking) {
					t.Errorf("%s XLSX: marking not in the printed header and footer", k)
				}
				if strings.Contains(sheet, "<f>") || strings.Contains(sheet, "<f ") {
					t.Errorf("%s XLSX: a cell holds a formula", k)
				}
				if !strings.Contains(parts["docProps/core.xml"], "2026-11-28T10:00:00Z") {
					t.Errorf("%s XLSX: document dates not from Options.Generated", k)
				}
			}
		}
	}
}
