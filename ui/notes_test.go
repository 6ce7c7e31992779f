package ui

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/loupe-forensics/loupe/forensic/record"
)

// Entering a note adds one audit entry and lists it; a correction points
// at the note it corrects, which stays as written.
func TestNotesViewEntersNoteAndCorrection(t *testing.T) {
	test.NewTempApp(t)
	w := test.NewTempWindow(t, nil)
	s := viewsSession(t, false)
	v := NewNotesView(s, w)
	w.SetContent(v.Content())
	v.reload()
	waitDone(t, v.Done, "the first load")
	if len(v.Notes) != 0 {
		t.Fatalf("%d notes on a fresh record", len(v.Notes))
	}
	before := headSeq(t, s)
	test.Type(v.Entry, "Bag ABC/1 opened, seal 0042 intact")
	test.Tap(v.Add)
	if err := waitDone(t, v.Done, "the note"); err != nil {
		t.Fatal(err)
	}
	if got := headSeq(t, s) - before; got != 1 {
		t.Fatalf("a note added %d entries, want 1", got)
	}
	if len(v.Notes) != 1 || v.Notes[0].Text != "Bag ABC/1 opened, seal 0042 intact" || v.Notes[0].Seq != before+1 || v.Entry.Text != "" {
		t.Fatalf("notes %+v, entry %q", v.Notes, v.Entry.Text)
	}
	first := v.Notes[0].Seq

	test.Type(v.Entry, "Correction: seal 0043")
	test.Type(v.Corrects, "#"+strconv.FormatInt(first, 10))
	test.Tap(v.Add)
	if err := waitDone(t, v.Done, "the correction"); err != nil {
		t.Fatal(err)
	}
	if len(v.Notes) != 2 || v.Notes[1].Corrects != first || len(v.Notes[0].CorrectedBy) != 1 || v.Notes[0].Text != "Bag ABC/1 opened, seal 0042 intact" {
		t.Fatalf("notes after correction %+v", v.Notes)
	}
	// The list shows the correction on the corrected note.
	item := v.List.CreateItem()
	v.List.UpdateItem(0, item)
	if txt := labelText(item); !strings.Contains(txt, "[corrected by #") {
		t.Errorf("corrected note shows %q", txt)
	}

	// An empty note is refused without an entry.
	before = headSeq(t, s)
	test.Tap(v.Add)
	if err := waitDone(t, v.Done, "the empty note"); err == nil || headSeq(t, s) != before {
		t.Errorf("empty note: err %v, entries +%d", err, headSeq(t, s)-before)
	}
}

// In review mode a note is written by the reviewer's own writer, under the
// reviewer's key, and the view reads it back.
func TestNotesViewReviewNote(t *testing.T) {
	test.NewTempApp(t)
	w := test.NewTempWindow(t, nil)
	s := viewsSession(t, true)
	v := NewNotesView(s, w)
	w.SetContent(v.Content())
	v.reload()
	waitDone(t, v.Done, "the first load")
	test.Type(v.Entry, "Review: run 1 reproduced, sweep run checked by hand")
	test.Tap(v.Add)
	if err := waitDone(t, v.Done, "the review note"); err != nil {
		t.Fatal(err)
	}
	if len(v.Notes) != 1 || !strings.HasPrefix(v.Notes[0].Author, "Rita Reviewer") {
		t.Fatalf("notes %+v", v.Notes)
	}
	res, err := s.Record.Verify(context.Background())
	if err != nil || !res.OK || len(res.Signers) != 2 {
		t.Errorf("record after the review note: %+v %v", res, err)
	}
	if _, err := s.Record.AddNote(context.Background(), "x", 0); err != record.ErrReadOnly && !strings.Contains(err.Error(), "read-only") {
		t.Errorf("the session's record is writable after a review write: %v", err)
	}
}

func labelText(o fyne.CanvasObject) string { return o.(*widget.Label).Text }
