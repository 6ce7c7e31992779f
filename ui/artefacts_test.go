package ui

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/loupe-forensics/loupe/forensic/record"
	"github.com/loupe-forensics/loupe/forensic/source"
	"github.com/loupe-forensics/loupe/ui/viewmodel"
)

// Selecting an artefact row shows its detail (every attribute and the
// provenance chain), logs the viewing once, and Show source hands the
// artefact's reference to the shell.
func TestArtefactsRowSelectShowsDetailAndSource(t *testing.T) {
	test.NewTempApp(t)
	w := test.NewTempWindow(t, nil)
	s := viewsSession(t, false)
	var shown []*source.Ref
	s.ShowSource = func(r *source.Ref) { shown = append(shown, r) }
	v := NewArtefactsView(s, w)
	w.SetContent(v.Content())
	w.Resize(fyne.NewSize(1200, 700))
	v.load() // the tab runs it off the UI goroutine; here it runs on the test goroutine

	// The family list shows every family with its count, Warnings last.
	if n := v.Families.Length(); n != len(viewmodel.Families())+1 {
		t.Fatalf("%d families listed", n)
	}
	if v.Family() != "Tor" {
		t.Errorf("first family shown %q, want Tor (the first non-empty one)", v.Family())
	}
	var want []record.StoredArtefact
	for _, prefix := range []string{"tor.", "firefox."} {
		for a, err := range s.Record.Artefacts(context.Background(), prefix) {
			if err != nil {
				t.Fatal(err)
			}
			want = append(want, a)
		}
	}
	if len(v.Rows()) != len(want) {
		t.Fatalf("Tor table has %d rows, record %d", len(v.Rows()), len(want))
	}
	row := 3
	a := v.Rows()[row]
	var stored record.StoredArtefact
	for _, x := range want {
		if x.ID == a.ID {
			stored = x
		}
	}

	before := headSeq(t, s)
	v.Table.Select(widget.TableCellID{Row: row, Col: 1})
	if err := waitDone(t, v.Detail.Done, "the detail"); err != nil {
		t.Fatal(err)
	}
	if got := v.Detail.Title.Text; got != fmt.Sprintf("#%d %s", stored.ID, stored.Kind) {
		t.Errorf("detail title %q", got)
	}
	fields := map[string]string{}
	for _, it := range v.Detail.Fields.Items {
		fields[it.Text] = it.Widget.(*widget.Label).Text
	}
	for _, at := range stored.Attrs {
		if fields[at.Name] != viewmodel.FormatAttr(s, at) {
			t.Errorf("detail %s = %q, want %q", at.Name, fields[at.Name], viewmodel.FormatAttr(s, at))
		}
	}
	if len(v.Detail.Chain.Items) != len(stored.Source.Chain()) || v.Detail.Chain.Items[0].Text != "image" {
		t.Errorf("provenance chain has %d steps, want %d", len(v.Detail.Chain.Items), len(stored.Source.Chain()))
	}
	test.Tap(v.Detail.ShowSource)
	if len(shown) != 1 || shown[0].String() != stored.Source.String() {
		t.Fatalf("Show source gave %v, want %s", shown, stored.Source)
	}
	if got := headSeq(t, s) - before; got != 1 {
		t.Errorf("opening the detail added %d entries, want 1 (the access log)", got)
	}
	// Reopening the same artefact is not logged again.
	v.Table.Select(widget.TableCellID{Row: row + 1, Col: 0})
	waitDone(t, v.Detail.Done, "the second detail")
	v.Table.Select(widget.TableCellID{Row: row, Col: 0})
	waitDone(t, v.Detail.Done, "the detail again")
	if got := headSeq(t, s) - before; got != 2 {
		t.Errorf("three openings of two artefacts added %d entries, want 2", got)
	}
}

// Tagging from the detail pane adds one tag entry and shows it.
func TestDetailPaneTags(t *testing.T) {
	test.NewTempApp(t)
	w := test.NewTempWindow(t, nil)
	s := viewsSession(t, false)
	v := NewArtefactsView(s, w)
	w.SetContent(v.Content())
	v.load() // the tab runs it off the UI goroutine; here it runs on the test goroutine
	v.SelectFamily("Wallets")
	id := v.Rows()[0].ID
	v.Table.Select(widget.TableCellID{Row: 0, Col: 0})
	waitDone(t, v.Detail.Done, "the detail")
	before := headSeq(t, s)

	v.Detail.TagFlag.SetSelected(record.FlagUndermines)
	test.Tap(v.Detail.TagButton) // no reason: refused by the record
	if err := waitDone(t, v.Detail.Done, "the refused tag"); err == nil {
		t.Fatal("undermines without a reason was accepted")
	}
	test.Type(v.Detail.TagReason, "address labelled as someone else's escrow")
	test.Tap(v.Detail.TagButton)
	if err := waitDone(t, v.Detail.Done, "the tag"); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(v.Detail.Tags.Text, "undermines (") || !strings.HasSuffix(v.Detail.Tags.Text, "— address labelled as someone else's escrow") {
		t.Errorf("tags shown %q", v.Detail.Tags.Text)
	}
	tags, err := s.Record.Tags(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(tags) != 1 || tags[0].ArtefactID != id || tags[0].Flag != record.FlagUndermines {
		t.Errorf("record tags %+v", tags)
	}
	if got := headSeq(t, s) - before; got != 1 {
		t.Errorf("one tag added %d entries", got)
	}
}

// An evidence-only session (no record) gets a plain message, not a panic.
func TestViewsWithoutRecord(t *testing.T) {
	test.NewTempApp(t)
	w := test.NewTempWindow(t, nil)
	s := &viewmodel.Session{ReadOnly: true}
	for _, tab := range []func(*viewmodel.Session, fyne.Window) fyne.CanvasObject{ArtefactsTab, TimelineTab, SearchTab, NotesTab, ReviewTab, ReportsTab} {
		if o := tab(s, w); o == nil {
			t.Error("a tab built nothing")
		}
	}
}

// A tab's view loads when first shown, never while hidden, once; showing
// it again re-reads only views that asked for it.
func TestLazyViewStartsOnFirstShow(t *testing.T) {
	test.NewTempApp(t)
	started, again := make(chan struct{}, 4), make(chan struct{}, 4)
	l := lazy(widget.NewLabel("x"), func() { started <- struct{}{} }, func() { again <- struct{}{} })
	l.Hide()
	l.Resize(fyne.NewSize(100, 100)) // a hidden tab laid out: nothing read
	select {
	case <-started:
		t.Fatal("a hidden view started loading")
	case <-time.After(100 * time.Millisecond):
	}
	l.Show()
	waitSignal(t, started, "the first load")
	l.Resize(fyne.NewSize(200, 200))
	l.Hide()
	l.Show()
	waitSignal(t, again, "the reload on return")
	if len(started) != 0 {
		t.Error("the first load ran twice")
	}
}

func waitSignal(t *testing.T, c <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-c:
	case <-time.After(5 * time.Second):
		t.Fatalf("%s did not run", what)
	}
}
