package ui

import (
	"fmt"
	"image/color"
	"io"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/loupe-forensics/loupe/ui/viewmodel"
)

// hexLines is how many lines the viewer shows; only these are read.
const hexLines = 32

// hitStyle marks the highlighted range (a hit) in both columns.
var hitStyle = &widget.CustomTextGridStyle{BGColor: color.NRGBA{R: 0xff, G: 0xc1, B: 0x07, A: 0xd0}, FGColor: color.Black}

// HexPanel is the hex and text viewer: a window of lines drawn in a text
// grid, a go-to-offset entry, paging and a highlighted hit. It reads only
// the window through the content's io.ReaderAt.
type HexPanel struct {
	VM *viewmodel.HexView

	Title  *widget.Label
	Grid   *widget.TextGrid
	GoTo   *widget.Entry
	Status *widget.Label
	PgUp   *widget.Button
	PgDn   *widget.Button

	win     fyne.Window
	content fyne.CanvasObject
}

// NewHexPanel builds an empty viewer.
func NewHexPanel(w fyne.Window) *HexPanel {
	h := &HexPanel{win: w}
	h.Title = widget.NewLabelWithStyle("No content selected", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	h.Title.Truncation = fyne.TextTruncateEllipsis
	h.Grid = widget.NewTextGrid()
	h.Grid.ShowLineNumbers = false
	h.GoTo = widget.NewEntry()
	h.GoTo.SetPlaceHolder("Go to offset (decimal or 0x…)   Ctrl+G")
	h.GoTo.OnSubmitted = func(s string) { h.goTo(s) }
	h.Status = widget.NewLabel("")
	h.PgUp = widget.NewButtonWithIcon("", theme.MoveUpIcon(), func() { h.page(-1) })
	h.PgDn = widget.NewButtonWithIcon("", theme.MoveDownIcon(), func() { h.page(1) })
	bar := container.NewBorder(nil, nil, nil, container.NewHBox(h.PgUp, h.PgDn), h.GoTo)
	surface := newScrollSurface(h.Grid, func(lines int) {
		if h.VM != nil {
			h.VM.ScrollLines(lines)
			h.redraw()
		}
	})
	h.content = container.NewBorder(container.NewVBox(h.Title, bar), h.Status, nil, nil, surface)
	return h
}

// Content is the viewer's root object.
func (h *HexPanel) Content() fyne.CanvasObject { return h.content }

// SetContent shows new content from its start, without a highlight.
func (h *HexPanel) SetContent(title string, r io.ReaderAt, size int64) {
	h.Title.SetText(title)
	h.VM = viewmodel.NewHexView(r, size, hexLines)
	h.redraw()
}

// Clear empties the viewer.
func (h *HexPanel) Clear(title string) {
	h.VM = nil
	h.Title.SetText(title)
	h.Grid.SetText("")
	h.Status.SetText("")
}

// Highlight marks a hit and scrolls to it.
func (h *HexPanel) Highlight(off, length int64) {
	if h.VM == nil {
		return
	}
	if err := h.VM.Highlight(off, length); err != nil {
		h.Status.SetText(err.Error())
		return
	}
	h.redraw()
}

// FocusGoTo puts the keyboard focus in the go-to-offset entry (Ctrl+G).
func (h *HexPanel) FocusGoTo() {
	if c := h.win.Canvas(); c != nil {
		c.Focus(h.GoTo)
	}
}

func (h *HexPanel) goTo(s string) {
	if h.VM == nil {
		return
	}
	off, err := viewmodel.ParseOffset(s)
	if err == nil {
		err = h.VM.GoTo(off)
	}
	if err != nil {
		h.Status.SetText("Cannot go there: " + err.Error())
		return
	}
	h.redraw()
}

func (h *HexPanel) page(dir int) {
	if h.VM == nil {
		return
	}
	if dir < 0 {
		h.VM.PageUp()
	} else {
		h.VM.PageDown()
	}
	h.redraw()
}

func (h *HexPanel) redraw() {
	if h.VM == nil {
		return
	}
	lines := h.VM.Window()
	rows := make([]widget.TextGridRow, len(lines))
	for i, l := range lines {
		text := []rune(l.Text())
		cells := make([]widget.TextGridCell, len(text))
		for j, r := range text {
			cells[j] = widget.TextGridCell{Rune: r}
		}
		for b := l.HighlightFrom; b < l.HighlightTo; b++ {
			for _, c := range []int{viewmodel.HexColumn(b), viewmodel.HexColumn(b) + 1, viewmodel.TextColumn(b)} {
				if c < len(cells) {
					cells[c].Style = hitStyle
				}
			}
		}
		rows[i] = widget.TextGridRow{Cells: cells}
	}
	h.Grid.Rows = rows
	h.Grid.Refresh()
	status := fmt.Sprintf("Offset %d (0x%x) of %d bytes", h.VM.Top(), h.VM.Top(), h.VM.Size())
	if off, n := h.VM.Highlighted(); n > 0 {
		status += fmt.Sprintf("; hit at %d, %d bytes", off, n)
	}
	if err := h.VM.Err(); err != nil {
		status += "; READ ERROR: " + err.Error()
	}
	h.Status.SetText(status)
}

// scrollSurface turns mouse-wheel movement over the grid into line
// scrolling of the window (the grid itself holds only the visible lines).
type scrollSurface struct {
	widget.BaseWidget
	inner  fyne.CanvasObject
	scroll func(lines int)
}

func newScrollSurface(inner fyne.CanvasObject, scroll func(int)) *scrollSurface {
	s := &scrollSurface{inner: inner, scroll: scroll}
	s.ExtendBaseWidget(s)
	return s
}

func (s *scrollSurface) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(s.inner)
}

// Scrolled moves three lines per wheel notch.
func (s *scrollSurface) Scrolled(ev *fyne.ScrollEvent) {
	switch {
	case ev.Scrolled.DY < 0:
		s.scroll(3)
	case ev.Scrolled.DY > 0:
		s.scroll(-3)
	}
}
