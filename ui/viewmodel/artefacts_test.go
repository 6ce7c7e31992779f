package viewmodel

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/loupe-forensics/loupe/forensic/finding"
	"github.com/loupe-forensics/loupe/forensic/record"
)

func TestFamilyOf(t *testing.T) {
	fams := Families()
	for _, c := range []struct{ kind, want string }{
		{"tor.bookmark", "Tor"}, {"wallet.address", "Wallets"}, {"pgp.uid", "PGP"}, {"chat.message", "Chats"},
		{"identifier.btc", "Identifiers"}, {"notable.encrypted_container", "Notable files"}, {"file.type", "File types"},
		{"torrent.file", "Other"}, {"", "Other"}, {"tor", "Other"},
	} {
		if got := FamilyOf(fams, c.kind); got != c.want {
			t.Errorf("FamilyOf(%q) = %q, want %q", c.kind, got, c.want)
		}
	}
}

// The navigator's per-family counts equal what the record returns for each
// family's kind prefix, and together they are every artefact.
func TestLoadArtefactsCountsPerFamily(t *testing.T) {
	ctx := context.Background()
	s := demoSession(t, true)
	ix, err := LoadArtefacts(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	count := func(prefix string) int {
		n := 0
		for _, err := range s.Record.Artefacts(ctx, prefix) {
			if err != nil {
				t.Fatal(err)
			}
			n++
		}
		return n
	}
	all := count("")
	if ix.Total != all || all == 0 {
		t.Fatalf("index total %d, record %d", ix.Total, all)
	}
	sum := 0
	for _, f := range ix.Families {
		want := 0
		for _, p := range f.Prefixes {
			want += count(p)
		}
		if f.Name == "Other" {
			want = all - sum
		}
		if got := len(ix.Rows[f.Name]); got != want {
			t.Errorf("family %s: %d rows, record has %d", f.Name, got, want)
		}
		sum += len(ix.Rows[f.Name])
	}
	if sum != all {
		t.Errorf("families hold %d rows, record %d artefacts", sum, all)
	}
	// The demo disk's families: every one the examine run and sweep produce.
	for _, name := range []string{"Tor", "Wallets", "PGP", "Identifiers", "Notable files", "File types"} {
		if len(ix.Rows[name]) == 0 {
			t.Errorf("family %s is empty on the demo record", name)
		}
	}
	if n := len(ix.Rows["Other"]); n != 0 {
		t.Errorf("%d demo artefacts fell under Other, first %s", n, ix.Rows["Other"][0].Kind)
	}
	ws, err := s.Record.Warnings(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(ix.Rows[WarningsFamily]) != len(ws) {
		t.Errorf("warnings: %d rows, record %d", len(ix.Rows[WarningsFamily]), len(ws))
	}
	// Rows are in record (id) order and their cells are the family's key
	// attributes: check every identifier row against its stored value.
	stored := map[int64]record.StoredArtefact{}
	for a, err := range s.Record.Artefacts(ctx, "identifier.") {
		if err != nil {
			t.Fatal(err)
		}
		stored[a.ID] = a
	}
	var last int64
	for _, r := range ix.Rows["Identifiers"] {
		if r.ID <= last {
			t.Fatalf("identifier rows out of order at %d", r.ID)
		}
		last = r.ID
		a := stored[r.ID]
		fa := finding.Artefact{Attrs: a.Attrs}
		v, _ := fa.Get("value")
		typ, _ := fa.Get("type")
		if r.Cells[0] != typ.Str || r.Cells[1] != short(v.Str, 200) {
			t.Errorf("identifier %d: cells %q, stored type %q value %q", r.ID, r.Cells[:2], typ.Str, v.Str)
		}
	}
}

func TestLoadDetailHasEveryAttributeAndTheChain(t *testing.T) {
	ctx := context.Background()
	s := demoSession(t, true)
	var want record.StoredArtefact
	for a, err := range s.Record.Artefacts(ctx, "tor.onion_service") {
		if err != nil {
			t.Fatal(err)
		}
		want = a
		break
	}
	if want.ID == 0 {
		t.Fatal("no tor.onion_service on the demo record")
	}
	d, err := LoadDetail(ctx, s, want.ID, want.Kind)
	if err != nil {
		t.Fatal(err)
	}
	fields := map[string]string{}
	for _, f := range d.Fields {
		fields[f.Label] = f.Value
	}
	for _, at := range want.Attrs {
		if got, ok := fields[at.Name]; !ok || got != FormatAttr(s, at) {
			t.Errorf("detail %s = %q, want %q", at.Name, got, FormatAttr(s, at))
		}
	}
	if fields["Source"] != want.Source.String() || fields["Parser"] != want.Parser+"@"+want.ParserVersion {
		t.Errorf("source/parser fields %q %q", fields["Source"], fields["Parser"])
	}
	chain := want.Source.Chain()
	if len(d.Chain) != len(chain) || d.Chain[0].Label != "image" || !strings.Contains(d.Chain[0].Value, "gpt.E01") {
		t.Fatalf("chain %+v, want %d steps from image gpt.E01", d.Chain, len(chain))
	}
	if _, err := LoadDetail(ctx, s, want.ID+1_000_000, want.Kind); err == nil {
		t.Error("a missing artefact gave no error")
	}
}

// Opening a detail is logged once per artefact per session.
func TestLogViewOncePerArtefact(t *testing.T) {
	ctx := context.Background()
	s := demoSession(t, false)
	before := entryCount(t, s)
	for i, c := range []struct {
		id    int64
		added bool
	}{{5, true}, {5, false}, {7, true}, {5, false}} {
		added, err := s.LogView(ctx, c.id, "detail opened in the artefact navigator")
		if err != nil || added != c.added {
			t.Fatalf("view %d (artefact %d): added %v err %v, want added %v", i, c.id, added, err, c.added)
		}
	}
	if got := entryCount(t, s) - before; got != 2 {
		t.Errorf("%d entries added for two artefacts viewed", got)
	}
	views, err := s.Record.EntriesByAction(ctx, record.ActionView)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, e := range views {
		var p struct {
			ArtefactID int64 `json:"artefact_id"`
		}
		json.Unmarshal(e.Params, &p)
		ids = append(ids, p.ArtefactID)
	}
	if len(ids) != 2 || ids[0] != 5 || ids[1] != 7 {
		t.Errorf("view log artefacts %v, want [5 7]", ids)
	}
}

func TestTimeAttrsLeaveOutExpiry(t *testing.T) {
	a := []finding.Attr{
		finding.S("name", "x"),
		finding.T("expires", mustTime(t, "2036-02-27T10:00:00Z")),
		finding.T("created", mustTime(t, "2026-03-01T10:00:00Z")),
		finding.T("next_check", mustTime(t, "1970-01-01T00:00:01Z")),
		finding.T("last_visit", mustTime(t, "2026-01-01T00:00:00Z")),
		finding.T("expiry", mustTime(t, "2027-01-01T00:00:00Z")),
		finding.T("valid_until", mustTime(t, "2026-03-01T13:00:00Z")),
	}
	got := TimeAttrs(a)
	if len(got) != 2 || got[0].Name != "last_visit" || got[1].Name != "created" {
		t.Errorf("TimeAttrs = %+v", got)
	}
}

func TestVisibleShowsHiddenCharacters(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"invoice\u202Etxt.exe", "invoice⟨U+202E⟩txt.exe"},
		{"a\u200Bb\x1b[31m", "a⟨U+200B⟩b⟨U+001B⟩[31m"},
		{"line 1\nline 2\t<b>x</b>", "line 1\nline 2\t<b>x</b>"},
		{"مرحبا שלום", "مرحبا שלום"},
		{"\u2067x\u2069", "⟨U+2067⟩x⟨U+2069⟩"},
	} {
		if got := Visible(c.in); got != c.want {
			t.Errorf("Visible(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	s := &Session{Zone: time.UTC}
	if got := FormatAttr(s, finding.S("body", "x\u202Ey")); got != "x⟨U+202E⟩y" {
		t.Errorf("FormatAttr = %q", got)
	}
}
