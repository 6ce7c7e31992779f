package ui

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/loupe-forensics/loupe/forensic/disk"
	"github.com/loupe-forensics/loupe/forensic/evidencetest"
	"github.com/loupe-forensics/loupe/forensic/filesystem"
	"github.com/loupe-forensics/loupe/forensic/record"
	"github.com/loupe-forensics/loupe/imaging"
	"github.com/loupe-forensics/loupe/ui/viewmodel"
)

// demoSession opens the committed GPT E01 with a fresh record.
func demoSession(t *testing.T) *viewmodel.Session {
	t.Helper()
	ctx := context.Background()
	segs := evidencetest.E01(t, "gpt")
	img, err := imaging.Open(ctx, segs...)
	if err != nil {
		t.Fatal(err)
	}
	d, err := disk.Open(ctx, img)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.Close() })
	keys := t.TempDir()
	path := filepath.Join(t.TempDir(), "shell.loupe")
	rec, err := record.Create(ctx, path, record.Setup{Case: map[string]string{"urn": "OP-TEST"}, Exhibit: map[string]string{"reference": "RX/1"},
		Examiner: record.Examiner{Name: "Shell Tester"}}, record.Options{KeyDir: keys})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rec.Close() })
	return &viewmodel.Session{Record: rec, RecordPath: path, EvidencePaths: segs, Disk: d, Zone: time.UTC, KeyDir: keys}
}

func waitPending(t *testing.T, v *BrowseView) {
	t.Helper()
	select {
	case <-v.pending:
	case <-time.After(10 * time.Second):
		t.Fatal("the browse view did not finish drawing")
	}
}

// TestShowSourceSelectsFileAndHighlightsHit is what an artefact's "show
// source" does: the Files tab shows the deleted file's folder with the file
// selected, its metadata, and its content with the hit highlighted; the
// view goes into the access log once.
func TestShowSourceSelectsFileAndHighlightsHit(t *testing.T) {
	test.NewTempApp(t)
	w := test.NewTempWindow(t, nil)
	s := demoSession(t)
	sh := NewShell(s, w, "OP-TEST — exhibit RX/1")
	w.SetContent(sh.Content())
	if got := sh.TabTitles(); len(got) == 0 || got[0] != "Files" {
		t.Fatalf("tabs = %v", got)
	}
	info := evidencetest.DiskInfo(t, "gpt")
	want := info.File(1, "/Users/alice/Documents/meeting-notes.txt")
	fsRef := sh.Browse.B.Node(viewmodel.DirNodeID(1, "/")).Ref
	s.ShowSource(fsRef.Entry(want.Path, want.Inode).At(16, 8))
	waitPending(t, sh.Browse)

	if got := sh.Browse.Folder.Text; !strings.HasPrefix(got, "/Users/alice/Documents  (") {
		t.Errorf("folder shown = %q", got)
	}
	list := sh.Browse.listed()
	if list == nil {
		t.Fatal("no folder listed")
	}
	if off, n := sh.Browse.Hex.VM.Highlighted(); off != 16 || n != 8 {
		t.Errorf("highlight = %d+%d, want 16+8", off, n)
	}
	if sh.Browse.Hex.VM.Size() != want.Size {
		t.Errorf("hex viewer size = %d, want %d", sh.Browse.Hex.VM.Size(), want.Size)
	}
	// The hit's cells are styled in the grid: line 0 holds bytes 0-15 (the
	// window starts at 0 for a 79-byte file), line 1 bytes 16-31.
	row := sh.Browse.Hex.Grid.Rows[1]
	if row.Cells[viewmodel.HexColumn(0)].Style != hitStyle || row.Cells[viewmodel.HexColumn(8)].Style == hitStyle {
		t.Error("the hit's bytes are not (only) the highlighted ones")
	}
	state := ""
	for _, it := range sh.Browse.Meta.Items {
		if it.Text == "State" {
			state = it.Widget.(*widget.Label).Text
		}
	}
	if !strings.HasPrefix(state, "DELETED") {
		t.Errorf("metadata state = %q", state)
	}
	views, err := s.Record.EntriesByAction(context.Background(), record.ActionView)
	if err != nil || len(views) != 1 {
		t.Fatalf("view entries = %d (%v), want 1", len(views), err)
	}
	var p map[string]any
	_ = json.Unmarshal(views[0].Params, &p)
	if ref, _ := p["ref"].(string); !strings.Contains(ref, "meeting-notes.txt") {
		t.Errorf("logged view params = %v", p)
	}
	// Selecting the same file again adds no second entry.
	sh.Browse.ShowEntry(list.Entry(list.IndexOf(findEntry(list, "meeting-notes.txt"))), 0, 0)
	waitPending(t, sh.Browse)
	if views, _ := s.Record.EntriesByAction(context.Background(), record.ActionView); len(views) != 1 {
		t.Errorf("re-selecting logged %d views", len(views))
	}
}

func findEntry(l *viewmodel.FileList, name string) *filesystem.Entry {
	for i := range l.Len() {
		if e := l.Entry(i); e.Name == name {
			return e
		}
	}
	return nil
}

// TestFilesTableSortsByHeader taps the Size header twice on a listed
// folder: ascending, then descending.
func TestFilesTableSortsByHeader(t *testing.T) {
	test.NewTempApp(t)
	w := test.NewTempWindow(t, nil)
	s := demoSession(t)
	sh := NewShell(s, w, "t")
	w.SetContent(sh.Content())
	w.Resize(w.Canvas().Size().Max(sh.Content().MinSize()))
	sh.Browse.ShowSource(sh.Browse.B.Node(viewmodel.DirNodeID(1, "/")).Ref.Entry("/Users/alice/Documents/nope", ""))
	waitPending(t, sh.Browse)
	l := sh.Browse.listed()
	if l == nil || l.Len() < 10 {
		t.Fatalf("Documents listed %v", l)
	}
	sh.Browse.SortBy(viewmodel.ColSize)
	first := l.Entry(0).Size
	sh.Browse.SortBy(viewmodel.ColSize)
	if c, asc := l.Sorted(); c != viewmodel.ColSize || asc {
		t.Errorf("second tap: sorted by %v asc=%v", c, asc)
	}
	if l.Entry(0).Size < first || l.Entry(0).Name != "backup.hc" {
		t.Errorf("descending starts with %s (%d)", l.Entry(0).Name, l.Entry(0).Size)
	}
}
