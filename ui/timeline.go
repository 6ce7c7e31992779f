package ui

import (
	"context"
	"fmt"
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/loupe-forensics/loupe/ui/viewmodel"
)

// TimelineTab is the timeline's tab constructor.
func TimelineTab(s *viewmodel.Session, w fyne.Window) fyne.CanvasObject {
	if s.Record == nil {
		return noRecord()
	}
	v := NewTimelineView(s, w)
	return lazy(v.Content(), v.load, nil)
}

// familyColours are the plot's colours per family,
// chosen to stay apart in both themes.
var familyColours = map[string]color.NRGBA{
	"Tor":           {0x7e, 0x57, 0xc2, 0xff},
	"Wallets":       {0xf5, 0x9e, 0x0b, 0xff},
	"PGP":           {0x10, 0xb9, 0x81, 0xff},
	"Chats":         {0x3b, 0x82, 0xf6, 0xff},
	"Identifiers":   {0xef, 0x44, 0x44, 0xff},
	"Notable files": {0xec, 0x48, 0x99, 0xff},
	"File types":    {0x64, 0x74, 0x8b, 0xff},
	"Other":         {0x9c, 0xa3, 0xaf, 0xff},
}

// TimelineView plots activity per family over time with zoom from years to
// minutes; tapping a bar (or dragging across bars) selects a span and lists
// its events.
type TimelineView struct {
	S       *viewmodel.Session
	Plot    *TimelinePlot
	ZoomIn  *widget.Button
	ZoomOut *widget.Button
	Reload  *widget.Button // reads the record again (new artefacts, another display zone)
	Caption *widget.Label
	Legend  *fyne.Container
	Events  *widget.List
	Show    *widget.Button
	Status  *widget.Label

	VM       *viewmodel.TimelineView
	Buckets  []viewmodel.Bucket
	Selected []viewmodel.Event
	picked   int // index into Selected, -1 for none

	content fyne.CanvasObject
}

// NewTimelineView builds the view; load (run off the UI goroutine by the
// tab when first shown) reads the events.
func NewTimelineView(s *viewmodel.Session, w fyne.Window) *TimelineView {
	v := &TimelineView{S: s, picked: -1}
	v.Plot = newTimelinePlot(v)
	v.Caption = widget.NewLabel("Loading the timeline…")
	v.Caption.Wrapping = fyne.TextWrapWord
	v.Status = widget.NewLabel("")
	v.Status.Truncation = fyne.TextTruncateEllipsis
	v.ZoomIn = widget.NewButtonWithIcon("Zoom in", theme.ZoomInIcon(), v.zoomIn)
	v.ZoomOut = widget.NewButtonWithIcon("Zoom out", theme.ZoomOutIcon(), v.zoomOut)
	v.Reload = widget.NewButtonWithIcon("", theme.ViewRefreshIcon(), func() { go v.load() })
	v.Legend = container.NewHBox()
	v.Events = widget.NewList(
		func() int { return len(v.Selected) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.Truncation = fyne.TextTruncateEllipsis
			return l
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			e := v.Selected[i]
			o.(*widget.Label).SetText(fmt.Sprintf("%s  %-12s #%d %s.%s  %s", v.S.FormatTime(e.Time), e.Family, e.ArtefactID, e.Kind, e.Attr, e.Summary))
		})
	v.Events.OnSelected = func(i widget.ListItemID) {
		v.picked = i
		e := v.Selected[i]
		v.Status.SetText(fmt.Sprintf("#%d %s — %s at %s", e.ArtefactID, e.Kind, e.Attr, v.S.FormatTime(e.Time)))
		if v.S.ShowSource != nil {
			v.Show.Enable()
		}
	}
	v.Show = widget.NewButtonWithIcon("Show source", theme.SearchIcon(), v.showSource)
	v.Show.Disable()
	v.ZoomIn.Disable()
	v.ZoomOut.Disable()

	top := container.NewVBox(container.NewBorder(nil, nil, container.NewHBox(v.Reload, v.ZoomOut, v.ZoomIn), nil, v.Caption), v.Legend)
	plot := container.NewBorder(top, nil, nil, nil, v.Plot)
	list := container.NewBorder(nil, container.NewBorder(nil, nil, nil, v.Show, v.Status), nil, nil, v.Events)
	split := container.NewVSplit(plot, list)
	split.Offset = 0.55
	v.content = split
	return v
}

// Content returns the view's root object.
func (v *TimelineView) Content() fyne.CanvasObject { return v.content }

func (v *TimelineView) load() {
	tl, err := viewmodel.LoadTimeline(context.Background(), v.S)
	fyne.Do(func() {
		if err != nil {
			v.Caption.SetText("Could not read the timeline: " + err.Error())
			return
		}
		v.VM = viewmodel.NewTimelineView(tl, v.S.DisplayZone())
		v.Legend.Objects = nil
		for _, f := range tl.Families {
			sw := canvas.NewRectangle(familyColours[f])
			sw.SetMinSize(fyne.NewSize(14, 14))
			v.Legend.Add(container.NewHBox(container.NewCenter(sw), widget.NewLabel(f)))
		}
		v.Legend.Refresh()
		v.redraw()
	})
}

func (v *TimelineView) redraw() {
	if v.VM == nil {
		return
	}
	if len(v.VM.TL.Events) == 0 {
		v.Caption.SetText("No artefact in this record carries a time.")
		return
	}
	bs, err := v.VM.Buckets()
	if err != nil {
		v.Caption.SetText(err.Error())
		return
	}
	v.Buckets = bs
	total := 0
	for _, b := range bs {
		total += b.Total
	}
	zone := v.S.DisplayZone()
	v.Caption.SetText(fmt.Sprintf("%d events in %d %s buckets, %s to %s — times in %s (%s)", total, len(bs), v.VM.Zoom,
		v.VM.From.Format("2006-01-02 15:04 MST"), v.VM.To.Format("2006-01-02 15:04 MST"), zone, v.VM.From.Format("MST")))
	v.Plot.selFrom, v.Plot.selTo = -1, -1
	v.setSelection(nil)
	v.ZoomOut.Enable()
	if v.VM.Zoom == viewmodel.ZoomYear {
		v.ZoomOut.Disable()
	}
	v.ZoomIn.Disable() // until a bucket is selected
	v.Plot.Refresh()
}

// SelectBuckets selects buckets i..j (inclusive, any order) and lists their events.
func (v *TimelineView) SelectBuckets(i, j int) {
	if len(v.Buckets) == 0 {
		return
	}
	if j < i {
		i, j = j, i
	}
	i, j = max(i, 0), min(j, len(v.Buckets)-1)
	v.Plot.selFrom, v.Plot.selTo = i, j
	from, to := v.Buckets[i].Start, v.Buckets[j].End
	v.setSelection(v.VM.TL.EventsIn(from, to))
	v.Status.SetText(fmt.Sprintf("%d events from %s to %s", len(v.Selected), v.S.FormatTime(from), v.S.FormatTime(to)))
	if i == j && v.VM.Zoom < viewmodel.ZoomMinute {
		v.ZoomIn.Enable()
	} else {
		v.ZoomIn.Disable()
	}
	v.Plot.Refresh()
}

func (v *TimelineView) setSelection(ev []viewmodel.Event) {
	v.Selected = ev
	v.picked = -1
	v.Events.UnselectAll()
	v.Events.Refresh()
	v.Show.Disable()
}

func (v *TimelineView) zoomIn() {
	if v.VM == nil || v.Plot.selFrom < 0 || v.Plot.selFrom != v.Plot.selTo {
		return
	}
	if v.VM.ZoomIn(v.Buckets[v.Plot.selFrom]) {
		v.redraw()
	}
}

func (v *TimelineView) zoomOut() {
	if v.VM != nil && v.VM.ZoomOut() {
		v.redraw()
	}
}

func (v *TimelineView) showSource() {
	if v.picked < 0 || v.S.ShowSource == nil {
		return
	}
	e := v.Selected[v.picked]
	go func() {
		ctx := context.Background()
		d, err := viewmodel.LoadDetail(ctx, v.S, e.ArtefactID, e.Kind)
		if err == nil {
			_, err = v.S.LogView(ctx, e.ArtefactID, "source shown from the timeline")
		}
		if err != nil {
			fyne.Do(func() { v.Status.SetText(err.Error()) })
			return
		}
		v.S.ShowSource(d.Artefact.Source)
	}()
}

// TimelinePlot draws the buckets as stacked bars per family with canvas
// rectangles, scaled to the fullest bucket.
type TimelinePlot struct {
	widget.BaseWidget
	v              *TimelineView
	selFrom, selTo int
	dragFrom       int
}

func newTimelinePlot(v *TimelineView) *TimelinePlot {
	p := &TimelinePlot{v: v, selFrom: -1, selTo: -1, dragFrom: -1}
	p.ExtendBaseWidget(p)
	return p
}

// MinSize keeps the plot readable.
func (p *TimelinePlot) MinSize() fyne.Size { return fyne.NewSize(400, 220) }

// Tapped selects the bucket under the pointer.
func (p *TimelinePlot) Tapped(e *fyne.PointEvent) {
	if i := p.bucketAt(e.Position.X); i >= 0 {
		p.v.SelectBuckets(i, i)
	}
}

// Dragged selects the buckets from where the drag began to the pointer.
func (p *TimelinePlot) Dragged(e *fyne.DragEvent) {
	i := p.bucketAt(e.Position.X)
	if i < 0 {
		return
	}
	if p.dragFrom < 0 {
		p.dragFrom = p.bucketAt(e.Position.X - e.Dragged.DX)
		if p.dragFrom < 0 {
			p.dragFrom = i
		}
	}
	p.v.SelectBuckets(p.dragFrom, i)
}

// DragEnd ends a span selection.
func (p *TimelinePlot) DragEnd() { p.dragFrom = -1 }

const plotAxis = 22 // points under the bars for the axis labels

func (p *TimelinePlot) bucketAt(x float32) int {
	n := len(p.v.Buckets)
	w := p.Size().Width
	if n == 0 || w <= 0 || x < 0 || x >= w {
		return -1
	}
	return min(int(x/(w/float32(n))), n-1)
}

// CreateRenderer draws from the view's buckets on every refresh.
func (p *TimelinePlot) CreateRenderer() fyne.WidgetRenderer {
	return &plotRenderer{p: p}
}

type plotRenderer struct {
	p    *TimelinePlot
	objs []fyne.CanvasObject
}

func (r *plotRenderer) Destroy()                     {}
func (r *plotRenderer) MinSize() fyne.Size           { return r.p.MinSize() }
func (r *plotRenderer) Objects() []fyne.CanvasObject { return r.objs }
func (r *plotRenderer) Layout(fyne.Size)             { r.Refresh() }

// Refresh rebuilds the rectangles: one per non-empty family segment of
// each bucket, a selection band, and labels at both ends of the axis.
func (r *plotRenderer) Refresh() {
	p := r.p
	v := p.v
	size := p.Size()
	r.objs = r.objs[:0]
	bg := canvas.NewRectangle(theme.Color(theme.ColorNameInputBackground))
	bg.Resize(size)
	r.objs = append(r.objs, bg)
	n := len(v.Buckets)
	if n == 0 || v.VM == nil {
		return
	}
	peak := 0
	for _, b := range v.Buckets {
		peak = max(peak, b.Total)
	}
	if peak == 0 {
		peak = 1
	}
	bw := size.Width / float32(n)
	h := size.Height - plotAxis
	if p.selFrom >= 0 {
		sel := canvas.NewRectangle(theme.Color(theme.ColorNameSelection))
		sel.Move(fyne.NewPos(float32(p.selFrom)*bw, 0))
		sel.Resize(fyne.NewSize(float32(p.selTo-p.selFrom+1)*bw, h))
		r.objs = append(r.objs, sel)
	}
	gap := float32(0)
	if bw > 4 {
		gap = 1
	}
	for i, b := range v.Buckets {
		y := h
		for fi, c := range b.Counts {
			if c == 0 {
				continue
			}
			segH := h * float32(c) / float32(peak)
			rect := canvas.NewRectangle(familyColours[v.VM.TL.Families[fi]])
			rect.Move(fyne.NewPos(float32(i)*bw+gap, y-segH))
			rect.Resize(fyne.NewSize(bw-2*gap, segH))
			r.objs = append(r.objs, rect)
			y -= segH
		}
	}
	fg := theme.Color(theme.ColorNameForeground)
	first := canvas.NewText(v.VM.Zoom.Label(v.Buckets[0].Start), fg)
	first.TextSize = theme.CaptionTextSize()
	first.Move(fyne.NewPos(2, h+4))
	last := canvas.NewText(v.VM.Zoom.Label(v.Buckets[n-1].Start), fg)
	last.TextSize = theme.CaptionTextSize()
	lw := last.MinSize().Width
	last.Move(fyne.NewPos(size.Width-lw-2, h+4))
	peakText := canvas.NewText(fmt.Sprintf("peak %d", peak), fg)
	peakText.TextSize = theme.CaptionTextSize()
	peakText.Move(fyne.NewPos(size.Width-peakText.MinSize().Width-4, 2))
	r.objs = append(r.objs, first, last, peakText)
	if n > 2 {
		mid := canvas.NewText(v.VM.Zoom.Label(v.Buckets[n/2].Start), fg)
		mid.TextSize = theme.CaptionTextSize()
		mid.Move(fyne.NewPos(float32(n/2)*bw, h+4))
		r.objs = append(r.objs, mid)
	}
}
