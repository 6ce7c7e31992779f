package ui

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/loupe-forensics/loupe/forensic/record"
	"github.com/loupe-forensics/loupe/reports"
	"github.com/loupe-forensics/loupe/ui/viewmodel"
)

// The reports form writes a real exhibit report through package reports
// and records the export with recipient and reason.
func TestReportsViewWritesAndRecords(t *testing.T) {
	test.NewTempApp(t)
	w := test.NewTempWindow(t, nil)
	s := viewsSession(t, false)
	v := NewReportsView(s, w, reports.Render)
	v.Now = func() time.Time { return time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC) }
	w.SetContent(v.Content())
	if len(v.Kind.Options) != len(viewmodel.ReportChoices()) || v.Kind.Selected == "" {
		t.Fatalf("kinds offered %v", v.Kind.Options)
	}
	v.Kind.SetSelected("Exhibit report (officer-facing)")
	v.Format.SetSelected("html")
	v.Mode.SetSelected("mg11")
	if !strings.HasPrefix(filepath.Base(v.Path.Text), "report-exhibit-") {
		t.Errorf("suggested path %q", v.Path.Text)
	}
	out := filepath.Join(t.TempDir(), "ABC-1-exhibit.html")
	v.Path.SetText(out)
	before := headSeq(t, s)
	test.Tap(v.Write) // no recipient, no reason: refused
	if err := waitDone(t, v.Done, "the refused report"); err == nil {
		t.Fatal("a report without recipient was written")
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Fatalf("refused report left a file: %v", err)
	}
	test.Type(v.Recipient, "DC Smith (OIC)")
	test.Type(v.Reason, "evidential use")
	test.Tap(v.Write)
	if err := waitDone(t, v.Done, "the report"); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	if !strings.Contains(string(b), "OFFICIAL-SENSITIVE") || v.Outcome.SHA256 != hex.EncodeToString(sum[:]) {
		t.Errorf("report %d bytes, outcome %+v", len(b), v.Outcome)
	}
	reps, _ := s.Record.EntriesByAction(context.Background(), record.ActionReport)
	var p struct{ Export record.Export }
	if len(reps) != 1 || json.Unmarshal(reps[0].Params, &p) != nil || p.Export.Recipient != "DC Smith (OIC)" || p.Export.Justification != "evidential use" ||
		p.Export.SHA256 != v.Outcome.SHA256 || p.Export.Format != "html" || p.Export.Path != out {
		t.Errorf("report entries %d: %+v", len(reps), p.Export)
	}
	if headSeq(t, s)-before != 1 {
		t.Errorf("report added %d entries", headSeq(t, s)-before)
	}
}

func TestDisplaySettingsZoneAndTheme(t *testing.T) {
	a := test.NewTempApp(t)
	s := &viewmodel.Session{}
	changed := 0
	s.Changed = func() { changed++ }
	d := NewDisplaySettings(s, a)
	if d.Zone.Text != "Europe/London" {
		t.Errorf("default zone %q", d.Zone.Text)
	}
	if d.SetZone("Mars/Olympus") || s.Zone != nil || changed != 0 {
		t.Error("an unknown zone was taken")
	}
	d.Zone.SetText("UTC")
	if s.DisplayZone().String() != "UTC" || changed != 1 {
		t.Errorf("zone %s, changed %d", s.DisplayZone(), changed)
	}
	d.Theme.SetSelected("Dark")
	if got := a.Preferences().String(prefTheme); got != "dark" {
		t.Errorf("theme preference %q", got)
	}
	// A new settings view (next start) reads the saved choice back.
	if d2 := NewDisplaySettings(s, a); d2.Theme.Selected != "Dark" {
		t.Errorf("saved theme read back as %q", d2.Theme.Selected)
	}
}

// The zone chosen for a record is remembered for that record only.
func TestDisplayZoneRememberedPerRecord(t *testing.T) {
	a := test.NewTempApp(t)
	s := viewsSession(t, true)
	d := NewDisplaySettings(s, a)
	if !d.SetZone("America/New_York") {
		t.Fatal("zone refused")
	}
	again := &viewmodel.Session{Record: s.Record}
	NewDisplaySettings(again, a)
	if again.DisplayZone().String() != "America/New_York" || RememberedZone(a, s.Record.ID()).String() != "America/New_York" {
		t.Errorf("reopened record shows %s", again.DisplayZone())
	}
	other := &viewmodel.Session{}
	NewDisplaySettings(other, a)
	if other.DisplayZone().String() != "Europe/London" {
		t.Errorf("a session without that record shows %s", other.DisplayZone())
	}
}
