package ui

import (
	"context"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/loupe-forensics/loupe/forensic/source"
	"github.com/loupe-forensics/loupe/reports"
	"github.com/loupe-forensics/loupe/ui/viewmodel"
)

// TestScreenshotViews saves a PNG of each workstation view, drawn by Fyne's
// software painter over the examined demo record, to $LOUPE_SCREENSHOTS
// (docs/screenshot-views.sh runs it under Xvfb). Skipped unless set.
func TestScreenshotViews(t *testing.T) {
	dir := os.Getenv("LOUPE_SCREENSHOTS")
	if dir == "" {
		t.Skip("set LOUPE_SCREENSHOTS=DIR to save screenshots")
	}
	a := test.NewTempApp(t)
	size := fyne.NewSize(1400, 820)
	shoot := func(name string, w fyne.Window) {
		t.Helper()
		img := w.Canvas().Capture()
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := png.Encode(f, img); err != nil {
			t.Fatal(err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
	}
	for _, variant := range []string{"light", "dark"} {
		ApplyTheme(a, variant)
		s := viewsSession(t, false)
		s.ShowSource = func(*source.Ref) {}

		w := test.NewTempWindow(t, nil)
		w.Resize(size)
		av := NewArtefactsView(s, w)
		w.SetContent(av.Content())
		av.load()
		av.Table.Select(widget.TableCellID{Row: 2, Col: 1})
		waitDone(t, av.Detail.Done, "the detail")
		shoot("artefacts-"+variant+".png", w)
		if variant == "dark" {
			continue // one view is enough to show the dark theme
		}
		for i, c := range av.counts {
			if c.Name == "Identifiers" {
				av.Families.Select(i)
			}
		}
		av.Table.Select(widget.TableCellID{Row: 0, Col: 1})
		waitDone(t, av.Detail.Done, "the identifier detail")
		shoot("artefacts-identifiers.png", w)
		for i, c := range av.counts {
			if c.Name == "Chats" && c.Count > 0 {
				av.Families.Select(i)
				av.Table.Select(widget.TableCellID{Row: 1, Col: 1})
				waitDone(t, av.Detail.Done, "the chat detail")
				shoot("artefacts-chats.png", w)
			}
		}

		w2 := test.NewTempWindow(t, nil)
		w2.Resize(size)
		tv := NewTimelineView(s, w2)
		w2.SetContent(tv.Content())
		tv.load()
		busiest := 0
		for i, b := range tv.Buckets {
			if b.Total > tv.Buckets[busiest].Total {
				busiest = i
			}
		}
		tv.SelectBuckets(busiest, busiest)
		shoot("timeline.png", w2)

		w3 := test.NewTempWindow(t, nil)
		w3.Resize(size)
		sv := NewSearchView(s, w3)
		w3.SetContent(sv.Content())
		sv.Term.SetText("alice")
		sv.Reason.SetText("identities of the suspect")
		test.Tap(sv.Go)
		waitDone(t, sv.Done, "the search")
		sv.Results.Select(widget.TableCellID{Row: 0, Col: 4})
		waitDone(t, sv.Detail.Done, "the hit")
		shoot("search.png", w3)

		w4 := test.NewTempWindow(t, nil)
		w4.Resize(size)
		nv := NewNotesView(s, w4)
		w4.SetContent(nv.Content())
		nv.reload()
		waitDone(t, nv.Done, "the notes")
		for _, n := range []string{"Exhibit ABC/1 received sealed (seal 0042), bag intact.", "Examined the Tor Browser profile: bridges configured, session store read."} {
			nv.Entry.SetText(n)
			test.Tap(nv.Add)
			waitDone(t, nv.Done, "a note")
		}
		if _, err := viewmodel.AddTag(context.Background(), s, 5, "relevant", "", ""); err != nil {
			t.Fatal(err)
		}
		nv.reload()
		waitDone(t, nv.Done, "the notes again")
		shoot("notes.png", w4)

		w5 := test.NewTempWindow(t, nil)
		w5.Resize(size)
		rv := NewReportsView(s, w5, reports.Render)
		w5.SetContent(rv.Content())
		rv.Kind.SetSelected("Exhibit report (officer-facing)")
		rv.Format.SetSelected("pdf")
		rv.Recipient.SetText("DC Smith (officer in the case)")
		rv.Reason.SetText("evidential use at trial")
		rv.Path.SetText(filepath.Join(t.TempDir(), "ABC-1-exhibit.pdf"))
		test.Tap(rv.Write)
		if err := waitDone(t, rv.Done, "the report"); err != nil {
			t.Fatal(err)
		}
		rv.loadHistory()
		shoot("reports.png", w5)

		rs := viewsSession(t, true)
		w7 := test.NewTempWindow(t, nil)
		w7.Resize(size)
		rev := NewReviewView(rs, w7)
		w7.SetContent(rev.Content())
		test.Tap(rev.Check)
		waitDone(t, rev.Done, "the review check")
		rev.Scope.SetText("runs 1-2, notes and tags")
		rev.Outcome.SetSelected("approved-with-comments")
		rev.Independence.SetText("not involved in the examination")
		test.Tap(rev.SignOff)
		waitDone(t, rev.Done, "the sign-off")
		rev.loadReviews()
		shoot("review.png", w7)

		w6 := test.NewTempWindow(t, nil)
		w6.Resize(fyne.NewSize(700, 420))
		w6.SetContent(NewDisplaySettings(s, a).Content())
		shoot("display.png", w6)

	}
	a.Settings().SetTheme(theme.DefaultTheme())
}
