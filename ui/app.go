package ui

import (
	"fmt"
	"image/color"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/widget"

	"github.com/loupe-forensics/loupe/forensic/source"
	"github.com/loupe-forensics/loupe/ui/viewmodel"
)

// Tab is one tab of the main window: a title and the constructor of its
// content. Constructors get the session and the window and nothing else;
// they read and write the record through the session.
type Tab struct {
	Title string
	New   func(s *viewmodel.Session, w fyne.Window) fyne.CanvasObject
}

// tabs is THE list of the main window's tabs, in order. files is the Files
// tab, which shares its state with the evidence tree and so is built by the
// shell. Add a view with one line here.
func tabs(files func(*viewmodel.Session, fyne.Window) fyne.CanvasObject) []Tab {
	return []Tab{
		{"Files", files},
		{"Artefacts", ArtefactsTab},
		{"Timeline", TimelineTab},
		{"Search", SearchTab},
		{"Notes", NotesTab},
		{"Review", ReviewTab},
		{"Reports", ReportsTab},
		{"Display", DisplayTab},
	}
}

// Shell is the main window's content for an open examination: a header
// with the case and display zone, the evidence tree on the left, the tab
// area, and a status line.
type Shell struct {
	S      *viewmodel.Session
	Browse *BrowseView // nil when the evidence is not open (review without the images)
	Tabs   *container.AppTabs
	Status *widget.Label
	Header *widget.Label

	// SearchHook and NoteHook run on Ctrl+F and Ctrl+N; by default they
	// select the tab titled "Search" or "Notes" when there is one.
	SearchHook, NoteHook func()
	// OpenHook runs on Ctrl+O (the app wires it to Open record…).
	OpenHook func()

	win     fyne.Window
	content fyne.CanvasObject
	built   []Tab
}

// NewShell builds the main window's content for a session. title is the
// case line shown in the header.
func NewShell(s *viewmodel.Session, w fyne.Window, title string) *Shell {
	sh := &Shell{S: s, win: w}
	sh.Status = widget.NewLabel("")
	sh.Status.Truncation = fyne.TextTruncateEllipsis
	mode := "Examination"
	if s.ReadOnly {
		mode = "REVIEW (read-only record)"
	}
	sh.Header = widget.NewLabelWithStyle(fmt.Sprintf("%s — %s — times shown in %s", mode, title, s.DisplayZone()),
		fyne.TextAlignLeading, fyne.TextStyle{Bold: true})

	var left fyne.CanvasObject
	if s.Disk != nil {
		name := "evidence"
		if len(s.EvidencePaths) > 0 {
			name = baseName(s.EvidencePaths[0])
		}
		sh.Browse = NewBrowseView(s, viewmodel.NewBrowser(s.Disk, name), w)
		sh.Browse.ShowError = func(err error) { sh.SetStatus("Problem: " + err.Error()) }
		// The tab area's panes have wide minimums (the hex grid); keep
		// the tree readable beside them.
		minWidth := canvas.NewRectangle(color.Transparent)
		minWidth.SetMinSize(fyne.NewSize(320, 0))
		left = container.NewStack(minWidth, sh.Browse.Tree)
		sh.Browse.Tree.OpenBranch(viewmodel.ImageNodeID)
	} else {
		left = widget.NewLabel("Evidence not open:\nthe record can be read,\nbut the file tree needs the images.")
	}
	files := func(*viewmodel.Session, fyne.Window) fyne.CanvasObject {
		if sh.Browse == nil {
			return widget.NewLabel("The evidence images are not open.")
		}
		return sh.Browse.Files()
	}
	sh.Tabs = container.NewAppTabs()
	for _, t := range tabs(files) {
		sh.Tabs.Append(container.NewTabItem(t.Title, t.New(s, w)))
		sh.built = append(sh.built, t)
	}
	s.ShowSource = sh.ShowSource
	prevChanged := s.Changed
	s.Changed = func() {
		fyne.Do(func() {
			sh.SetStatus("Record updated.")
			if prevChanged != nil {
				prevChanged()
			}
		})
	}
	sh.SearchHook = func() { sh.selectTab("Search") }
	sh.NoteHook = func() { sh.selectTab("Notes") }

	split := container.NewHSplit(left, sh.Tabs)
	split.Offset = 0.25
	band := canvas.NewRectangle(color.NRGBA{R: 0x1f, G: 0x3a, B: 0x5f, A: 0x40})
	if s.ReadOnly {
		band.FillColor = color.NRGBA{R: 0xf0, G: 0xa0, B: 0x20, A: 0x60}
	}
	header := container.NewStack(band, container.NewPadded(sh.Header))
	sh.content = container.NewBorder(header, sh.Status, nil, nil, split)
	return sh
}

// Content is the shell's root object.
func (sh *Shell) Content() fyne.CanvasObject { return sh.content }

// SetStatus shows a line in the status bar.
func (sh *Shell) SetStatus(s string) { sh.Status.SetText(s) }

// TabTitles lists the tabs in order.
func (sh *Shell) TabTitles() []string {
	var out []string
	for _, t := range sh.built {
		out = append(out, t.Title)
	}
	return out
}

func (sh *Shell) selectTab(title string) {
	for i, t := range sh.built {
		if t.Title == title {
			sh.Tabs.SelectIndex(i)
			return
		}
	}
	sh.SetStatus("There is no " + title + " view in this build.")
}

// ShowSource is Session.ShowSource: it selects the Files tab, the ref's
// folder and file, and opens the hex viewer at the ref's byte range.
func (sh *Shell) ShowSource(ref *source.Ref) {
	if ref == nil {
		return
	}
	fyne.Do(func() {
		if sh.Browse == nil {
			sh.SetStatus("Cannot show " + ref.String() + ": the evidence is not open.")
			return
		}
		sh.selectTab("Files")
		sh.SetStatus("Showing " + ref.String())
		sh.Browse.ShowSource(ref)
	})
}

// InstallShortcuts binds the keyboard shortcuts on the window's canvas:
// Ctrl+O open, Ctrl+G go to offset, Ctrl+F search, Ctrl+N note.
func (sh *Shell) InstallShortcuts() {
	c := sh.win.Canvas()
	bind := func(key fyne.KeyName, fn func()) {
		c.AddShortcut(&desktop.CustomShortcut{KeyName: key, Modifier: fyne.KeyModifierShortcutDefault}, func(fyne.Shortcut) {
			if fn != nil {
				fn()
			}
		})
	}
	bind(fyne.KeyO, func() {
		if sh.OpenHook != nil {
			sh.OpenHook()
		}
	})
	bind(fyne.KeyG, func() {
		if sh.Browse != nil {
			sh.selectTab("Files")
			sh.Browse.Hex.FocusGoTo()
		}
	})
	bind(fyne.KeyF, func() { sh.SearchHook() })
	bind(fyne.KeyN, func() { sh.NoteHook() })
}

func baseName(p string) string {
	if i := strings.LastIndexAny(p, `/\`); i >= 0 {
		return p[i+1:]
	}
	return p
}

// shortcutHelp is shown in the start screen and the Help menu.
const shortcutHelp = "Ctrl+O open a record · Ctrl+G go to offset · Ctrl+F search · Ctrl+N note"
