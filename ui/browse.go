package ui

import (
	"context"
	"fmt"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/loupe-forensics/loupe/forensic/filesystem"
	"github.com/loupe-forensics/loupe/forensic/record"
	"github.com/loupe-forensics/loupe/forensic/source"
	"github.com/loupe-forensics/loupe/ui/viewmodel"
)

// BrowseView is the evidence tree (the shell's left pane) and the Files tab:
// the folder's virtualised, sortable file list, the metadata pane and the
// hex viewer. Listing and opening run off the UI goroutine; widgets are
// updated through fyne.Do.
type BrowseView struct {
	S *viewmodel.Session
	B *viewmodel.Browser

	Tree   *widget.Tree
	Table  *widget.Table
	Meta   *widget.Form
	Hex    *HexPanel
	Folder *widget.Label

	win  fyne.Window
	mu   sync.Mutex
	list *viewmodel.FileList // nil until a folder is listed
	node string              // the folder listed
	// pending receives a value when the last started folder listing or
	// entry display has been drawn; tests wait on it.
	pending chan struct{}
	// logged holds the entries whose content viewing is already in the
	// access log this session, so re-selecting one does not repeat it.
	logged map[string]bool
	// ShowError reports problems (a status line in the shell).
	ShowError func(error)

	files fyne.CanvasObject
}

// NewBrowseView builds the tree and the Files tab for a session whose
// evidence is open (s.Disk); b lists it.
func NewBrowseView(s *viewmodel.Session, b *viewmodel.Browser, w fyne.Window) *BrowseView {
	v := &BrowseView{S: s, B: b, win: w, pending: make(chan struct{}, 16), logged: map[string]bool{}, ShowError: func(error) {}}
	ctx := context.Background()
	v.Tree = widget.NewTree(
		func(id widget.TreeNodeID) []widget.TreeNodeID {
			kids, err := b.Children(ctx, id)
			if err != nil {
				v.ShowError(err)
			}
			return kids
		},
		b.IsBranch,
		func(bool) fyne.CanvasObject {
			return container.NewHBox(widget.NewIcon(theme.FolderIcon()), widget.NewLabel("template"))
		},
		func(id widget.TreeNodeID, _ bool, o fyne.CanvasObject) {
			n := b.Node(id)
			if n == nil {
				return
			}
			box := o.(*fyne.Container)
			icon, label := box.Objects[0].(*widget.Icon), box.Objects[1].(*widget.Label)
			icon.SetResource(nodeIcon(n))
			text := n.Label
			label.Importance = widget.MediumImportance
			if n.Deleted {
				text = "✗ " + text + " (deleted)"
				label.Importance = widget.DangerImportance
			}
			label.SetText(text)
		})
	v.Tree.OnSelected = func(id widget.TreeNodeID) { v.ShowFolder(id, nil, 0, 0) }

	v.Folder = widget.NewLabelWithStyle("Select a folder in the evidence tree", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	v.Folder.Truncation = fyne.TextTruncateEllipsis
	v.Table = widget.NewTableWithHeaders(
		func() (int, int) {
			v.mu.Lock()
			defer v.mu.Unlock()
			if v.list == nil {
				return 0, viewmodel.NumFileColumns()
			}
			return v.list.Len(), viewmodel.NumFileColumns()
		},
		func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.Truncation = fyne.TextTruncateEllipsis
			return l
		},
		func(id widget.TableCellID, o fyne.CanvasObject) {
			l := o.(*widget.Label)
			v.mu.Lock()
			list := v.list
			v.mu.Unlock()
			if list == nil {
				l.SetText("")
				return
			}
			e := list.Entry(id.Row)
			l.Importance = widget.MediumImportance
			if e != nil && (e.Deleted || e.Orphan) {
				l.Importance = widget.DangerImportance
			}
			l.SetText(list.Cell(id.Row, viewmodel.FileColumn(id.Col)))
		})
	v.Table.ShowHeaderColumn = false
	v.Table.CreateHeader = func() fyne.CanvasObject { return widget.NewButton("", nil) }
	v.Table.UpdateHeader = func(id widget.TableCellID, o fyne.CanvasObject) {
		btn := o.(*widget.Button)
		col := viewmodel.FileColumn(id.Col)
		title := viewmodel.FileColumnTitle(col)
		v.mu.Lock()
		if v.list != nil {
			if c, asc := v.list.Sorted(); c == col {
				if asc {
					title += " ▲"
				} else {
					title += " ▼"
				}
			}
		}
		v.mu.Unlock()
		btn.SetText(title)
		btn.OnTapped = func() { v.SortBy(col) }
	}
	for c, w := range []float32{260, 90, 210, 210, 210, 210, 100, 60, 80} {
		v.Table.SetColumnWidth(c, w)
	}
	v.Table.OnSelected = func(id widget.TableCellID) {
		v.mu.Lock()
		list := v.list
		v.mu.Unlock()
		if list == nil {
			return
		}
		v.ShowEntry(list.Entry(id.Row), 0, 0)
	}
	v.Meta = widget.NewForm()
	v.Hex = NewHexPanel(w)
	meta := container.NewBorder(widget.NewLabelWithStyle("Metadata", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), nil, nil, nil,
		container.NewVScroll(v.Meta))
	lower := container.NewHSplit(meta, v.Hex.Content())
	lower.Offset = 0.4
	upper := container.NewBorder(v.Folder, nil, nil, nil, v.Table)
	split := container.NewVSplit(upper, lower)
	split.Offset = 0.45
	v.files = split
	return v
}

// Files is the Files tab's content.
func (v *BrowseView) Files() fyne.CanvasObject { return v.files }

func nodeIcon(n *viewmodel.TreeNode) fyne.Resource {
	switch n.Kind {
	case viewmodel.NodeImage:
		return theme.StorageIcon()
	case viewmodel.NodePartition:
		return theme.ViewRestoreIcon()
	case viewmodel.NodeGap:
		return theme.BrokenImageIcon()
	case viewmodel.NodeFS:
		return theme.ComputerIcon()
	}
	if n.Deleted {
		return theme.DeleteIcon()
	}
	return theme.FolderIcon()
}

func (v *BrowseView) done() {
	select {
	case v.pending <- struct{}{}:
	default:
	}
}

// SortBy sorts the list by a column; tapping the sorted column again
// reverses it.
func (v *BrowseView) SortBy(col viewmodel.FileColumn) {
	v.mu.Lock()
	if v.list == nil {
		v.mu.Unlock()
		return
	}
	asc := true
	if c, a := v.list.Sorted(); c == col {
		asc = !a
	}
	v.list.SortBy(col, asc)
	v.mu.Unlock()
	v.Table.UnselectAll()
	v.Table.Refresh()
}

// ShowFolder lists a tree node's folder in the file list (off the UI
// goroutine). When sel is given, that entry is selected and shown, with
// [off, off+length) highlighted in the hex viewer.
func (v *BrowseView) ShowFolder(id string, sel *filesystem.Entry, off, length int64) {
	n := v.B.Node(id)
	if n == nil {
		return
	}
	if n.Kind != viewmodel.NodeFS && n.Kind != viewmodel.NodeDir {
		v.mu.Lock()
		v.list, v.node = nil, id
		v.mu.Unlock()
		v.Folder.SetText(n.Label)
		v.Table.Refresh()
		v.showNodeFields(n)
		v.done()
		return
	}
	v.Folder.SetText("Listing " + n.Path + " …")
	go func() {
		entries, err := v.B.Entries(context.Background(), id)
		list := viewmodel.NewFileList(entries, v.S.FormatTime)
		fyne.Do(func() {
			if err != nil {
				v.ShowError(err)
			}
			label := fmt.Sprintf("%s  (%d entries)", n.Path, list.Len())
			if n.Deleted {
				label += "  DELETED FOLDER"
			}
			v.showList(id, list, label)
			if sel != nil {
				if row := list.IndexOf(sel); row >= 0 {
					v.Table.ScrollTo(widget.TableCellID{Row: row, Col: 0})
				}
				v.ShowEntry(sel, off, length)
				return
			}
			v.done()
		})
	}()
}

// showList puts a folder's list in the table; the table then asks only
// for the rows it draws.
func (v *BrowseView) showList(id string, list *viewmodel.FileList, label string) {
	v.mu.Lock()
	v.list, v.node = list, id
	v.mu.Unlock()
	v.Folder.SetText(label)
	v.Table.UnselectAll()
	v.Table.ScrollToTop()
	v.Table.Refresh()
}

func (v *BrowseView) showNodeFields(n *viewmodel.TreeNode) {
	v.Meta.Items = nil
	v.Meta.Append("Node", widget.NewLabel(n.Label))
	if n.Ref != nil {
		l := widget.NewLabel(n.Ref.String())
		l.Wrapping = fyne.TextWrapBreak
		v.Meta.Append("Provenance", l)
	}
	v.Meta.Refresh()
	v.Hex.Clear(n.Label)
}

// ShowEntry shows an entry's metadata and, for a file, its content in the
// hex viewer with [off, off+length) highlighted. Showing a file's content
// is logged in the record's access log (action "view") once per session.
func (v *BrowseView) ShowEntry(e *filesystem.Entry, off, length int64) {
	if e == nil {
		return
	}
	v.mu.Lock()
	node := v.B.Node(v.node)
	v.mu.Unlock()
	fsys, _ := v.B.FS(node)
	go func() {
		ctx := context.Background()
		fields := viewmodel.EntryFields(ctx, v.S, fsys, e)
		var file filesystem.File
		var err error
		if fsys != nil && e.Type == filesystem.TypeFile && e.ID != "" {
			file, err = fsys.OpenID(ctx, e.ID, "")
		}
		logErr := v.logView(ctx, e)
		fyne.Do(func() {
			v.Meta.Items = nil
			for _, f := range fields {
				l := widget.NewLabel(f.Value)
				l.Wrapping = fyne.TextWrapBreak
				l.Selectable = true
				if f.Label == "State" && (e.Deleted || e.Orphan) {
					l.Importance = widget.DangerImportance
				}
				v.Meta.Append(f.Label, l)
			}
			v.Meta.Refresh()
			switch {
			case err != nil:
				v.Hex.Clear(e.Path + ": cannot open: " + err.Error())
			case file != nil:
				v.Hex.SetContent(e.Path, file, e.Size)
				if length > 0 {
					v.Hex.Highlight(off, length)
				}
			default:
				v.Hex.Clear(e.Path)
			}
			if logErr != nil {
				v.ShowError(fmt.Errorf("the view of %s was not logged: %w", e.Path, logErr))
			}
			v.done()
		})
	}()
}

// logView adds the access-log entry for viewing a file's content.
func (v *BrowseView) logView(ctx context.Context, e *filesystem.Entry) error {
	if v.S.Record == nil || e.Ref == nil || e.Type != filesystem.TypeFile {
		return nil
	}
	key := e.Ref.String()
	v.mu.Lock()
	seen := v.logged[key]
	v.logged[key] = true
	v.mu.Unlock()
	if seen {
		return nil
	}
	return v.S.Write(ctx, func(w *record.Record) error {
		_, err := w.Log(ctx, record.ActionView, map[string]any{"ref": key, "reason": "file content shown in the hex viewer"})
		return err
	})
}

// ShowSource selects the reference's file in the tree and list and opens
// the hex viewer at the reference's byte range (its nearest offset step).
func (v *BrowseView) ShowSource(ref *source.Ref) {
	go func() {
		trail, e, err := v.B.Reveal(context.Background(), ref)
		var off, length int64
		if at := ref.Find(source.TypeOffset); at != nil {
			off, length = at.Offset, max(at.Length, 1)
		}
		fyne.Do(func() {
			if err != nil {
				v.ShowError(fmt.Errorf("show source %s: %w", ref, err))
			}
			if len(trail) == 0 {
				v.done()
				return
			}
			for _, id := range trail[:len(trail)-1] {
				v.Tree.OpenBranch(id)
			}
			last := trail[len(trail)-1]
			v.Tree.ScrollTo(last)
			// Select without re-listing through OnSelected, then list with
			// the entry selected.
			v.Tree.OnSelected = nil
			v.Tree.Select(last)
			v.Tree.OnSelected = func(id widget.TreeNodeID) { v.ShowFolder(id, nil, 0, 0) }
			v.ShowFolder(last, e, off, length)
		})
	}()
}

// Selected returns the entry shown in the metadata pane's list row, for tests.
func (v *BrowseView) listed() *viewmodel.FileList {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.list
}
