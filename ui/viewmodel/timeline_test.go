package viewmodel

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/loupe-forensics/loupe/forensic/finding"
	"github.com/loupe-forensics/loupe/forensic/record"
	"github.com/loupe-forensics/loupe/forensic/source"
)

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// timelineSession makes a record whose artefacts carry the given times
// (one chat.message or tor.session_tab each), so bucket counts are known.
func timelineSession(t *testing.T, times map[string][]string) *Session {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	opts := record.Options{KeyDir: filepath.Join(dir, "keys")}
	rec, err := record.Create(ctx, filepath.Join(dir, "t.loupe"), record.Setup{
		Case: map[string]string{"urn": "T/1"}, Exhibit: map[string]string{"reference": "T/1"}, Examiner: record.Examiner{Name: "T"},
	}, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rec.Close() })
	run, err := rec.StartRun(ctx, record.RunSpec{Tool: "test", Parsers: []string{"test@1"}})
	if err != nil {
		t.Fatal(err)
	}
	root := source.Image("t.E01").FS("ext4", 0)
	n := 0
	for kind, ts := range map[string]string{"chat.message": "time", "tor.session_tab": "last_accessed"} {
		for _, v := range times[kind] {
			n++
			a := finding.Artefact{Kind: kind, Parser: "test", ParserVersion: "1",
				Source: root.Entry("/f", "12").Record("line", string(rune('a'+n))),
				Attrs:  []finding.Attr{finding.S("n", string(rune('a'+n))), finding.T(ts, mustTime(t, v))}}
			if err := run.Artefact(ctx, a); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := run.Finish(ctx); err != nil {
		t.Fatal(err)
	}
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Skip("no tz database")
	}
	return &Session{Record: rec, Zone: london}
}

func TestTimelineBucketsExact(t *testing.T) {
	s := timelineSession(t, map[string][]string{
		"chat.message": {
			"2025-12-31T23:59:59Z",           // 2025 in London (GMT)
			"2026-03-29T00:30:00Z",           // 00:30 GMT, before the clocks go forward
			"2026-03-29T01:30:00Z",           // 02:30 BST, same local day
			"2026-03-29T01:59:59.999999999Z", // still the 02:00 BST hour
			"2026-03-29T23:30:00Z",           // 00:30 BST on the 30th
		},
		"tor.session_tab": {"2026-03-29T01:00:00Z", "2026-07-01T12:00:00Z"},
	})
	ctx := context.Background()
	tl, err := LoadTimeline(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	if len(tl.Events) != 7 || len(tl.Families) != 2 || tl.Families[0] != "Tor" || tl.Families[1] != "Chats" {
		t.Fatalf("%d events, families %v", len(tl.Events), tl.Families)
	}
	loc := s.DisplayZone()
	type want struct {
		label string
		tor   int
		chats int
	}
	check := func(z Zoom, from, to time.Time, wants []want) {
		t.Helper()
		bs, err := tl.Buckets(z, from, to, loc)
		if err != nil {
			t.Fatal(err)
		}
		var got []want
		for _, b := range bs {
			if b.Total > 0 {
				got = append(got, want{z.Label(b.Start), b.Counts[0], b.Counts[1]})
			}
		}
		if len(got) != len(wants) {
			t.Fatalf("%s: non-empty buckets %+v, want %+v", z, got, wants)
		}
		for i := range got {
			if got[i] != wants[i] {
				t.Errorf("%s bucket %d: %+v, want %+v", z, i, got[i], wants[i])
			}
		}
	}
	from, to, _ := tl.Range(ZoomYear, loc)
	check(ZoomYear, from, to, []want{{"2025", 0, 1}, {"2026", 2, 4}})
	from, to, _ = tl.Range(ZoomMonth, loc)
	check(ZoomMonth, from, to, []want{{"2025-12", 0, 1}, {"2026-03", 1, 4}, {"2026-07", 1, 0}})
	day := time.Date(2026, 3, 29, 0, 0, 0, 0, loc)
	check(ZoomDay, day, day.AddDate(0, 0, 2), []want{{"2026-03-29", 1, 3}, {"2026-03-30", 0, 1}})
	// The 29th has 23 hours in London; the hour buckets follow absolute time.
	bs, _ := tl.Buckets(ZoomHour, day, day.AddDate(0, 0, 1), loc)
	if len(bs) != 23 {
		t.Errorf("29 March 2026 in London: %d hour buckets, want 23", len(bs))
	}
	check(ZoomHour, day, day.AddDate(0, 0, 1), []want{{"2026-03-29 00:00 GMT", 0, 1}, {"2026-03-29 02:00 BST", 1, 2}})
	h := time.Date(2026, 3, 29, 2, 0, 0, 0, loc)
	check(ZoomMinute, h, h.Add(time.Hour), []want{{"2026-03-29 02:00 BST", 1, 0}, {"2026-03-29 02:30 BST", 0, 1}, {"2026-03-29 02:59 BST", 0, 1}})

	// A span's events, oldest first, end exclusive.
	ev := tl.EventsIn(mustTime(t, "2026-03-29T01:00:00Z"), mustTime(t, "2026-03-29T01:59:59.999999999Z"))
	if len(ev) != 2 || ev[0].Kind != "tor.session_tab" || ev[1].Attr != "time" {
		t.Errorf("EventsIn = %+v", ev)
	}

	// Too many buckets is refused, not allocated.
	if _, err := tl.Buckets(ZoomMinute, from, to, loc); err == nil {
		t.Error("minute buckets over seven months were not refused")
	}
}

func TestTimelineViewZooms(t *testing.T) {
	s := timelineSession(t, map[string][]string{
		"chat.message": {"2026-03-29T00:30:00Z", "2026-03-29T01:30:00Z"},
	})
	tl, err := LoadTimeline(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	loc := s.DisplayZone()
	// Both events are in one year, month and day, so the view opens on
	// the 29th's hours, where they separate.
	v := NewTimelineView(tl, loc)
	if v.Zoom != ZoomHour || !v.From.Equal(time.Date(2026, 3, 29, 0, 0, 0, 0, loc)) {
		t.Fatalf("opened at %s from %s", v.Zoom, v.From)
	}
	if !v.ZoomOut() || v.Zoom != ZoomDay || !v.From.Equal(time.Date(2026, 3, 1, 0, 0, 0, 0, loc)) || !v.To.Equal(time.Date(2026, 4, 1, 0, 0, 0, 0, loc)) {
		t.Errorf("zoom out: %s %s..%s", v.Zoom, v.From, v.To)
	}
	bs, err := v.Buckets()
	if err != nil || len(bs) != 31 {
		t.Fatalf("March: %d day buckets (%v)", len(bs), err)
	}
	if !v.ZoomOut() || !v.ZoomOut() || v.Zoom != ZoomYear || v.ZoomOut() {
		t.Errorf("zooming out to years: %s", v.Zoom)
	}
	bs, _ = v.Buckets()
	if len(bs) != 1 || bs[0].Total != 2 {
		t.Errorf("years: %+v", bs)
	}
	for z := ZoomMonth; z <= ZoomMinute; z++ {
		bs, _ := v.Buckets()
		var in Bucket
		for _, b := range bs {
			if b.Total > 0 {
				in = b
				break
			}
		}
		if !v.ZoomIn(in) || v.Zoom != z {
			t.Fatalf("zoom in to %s: at %s", z, v.Zoom)
		}
	}
	if v.ZoomIn(Bucket{}) {
		t.Error("zoomed in below minutes")
	}
}

// On the demo record every time attribute that is activity becomes one
// event, and the year buckets hold them all.
func TestTimelineOnDemoRecord(t *testing.T) {
	ctx := context.Background()
	s := demoSession(t, true)
	tl, err := LoadTimeline(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	want := 0
	perYear := map[int]int{}
	for a, err := range s.Record.Artefacts(ctx, "") {
		if err != nil {
			t.Fatal(err)
		}
		for _, at := range a.Attrs {
			switch at.Name {
			case "expires", "expiry", "next_check", "valid_until", "fresh_until":
				continue // moments set for the future, not activity
			}
			if at.Type == finding.TTime && !at.Time.IsZero() {
				want++
				perYear[at.Time.In(s.DisplayZone()).Year()]++
			}
		}
	}
	if want == 0 || len(tl.Events) != want {
		t.Fatalf("%d events, want %d", len(tl.Events), want)
	}
	loc := s.DisplayZone()
	from, to, _ := tl.Range(ZoomYear, loc)
	bs, err := tl.Buckets(ZoomYear, from, to, loc)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range bs {
		if b.Total != perYear[b.Start.Year()] {
			t.Errorf("year %d: %d events, want %d", b.Start.Year(), b.Total, perYear[b.Start.Year()])
		}
	}
}
