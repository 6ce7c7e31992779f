package ui

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/loupe-forensics/loupe/ui/viewmodel"
)

// ArtefactsTab is the artefact navigator's tab constructor.
func ArtefactsTab(s *viewmodel.Session, w fyne.Window) fyne.CanvasObject {
	if s.Record == nil {
		return noRecord()
	}
	v := NewArtefactsView(s, w)
	return lazy(v.Content(), v.load, nil)
}

// ArtefactsView is the artefact navigator: families on the left, the
// family's table (virtualised: only visible cells are built, from the
// compact index), and the detail pane of the selected artefact.
type ArtefactsView struct {
	S        *viewmodel.Session
	Families *widget.List
	Table    *widget.Table
	Detail   *DetailPane
	Status   *widget.Label
	Reload   *widget.Button

	index  *viewmodel.ArtefactIndex
	counts []viewmodel.FamilyCount
	family string
	rows   []viewmodel.Row
	cols   []viewmodel.Column

	win     fyne.Window
	content fyne.CanvasObject
	// firstShown is closed when the first family's table is in place.
	firstShown   chan struct{}
	firstShownAt time.Time
	// cellUpdates counts table cells filled, to show the table only ever
	// fills what is on screen (UI goroutine only).
	cellUpdates int
}

// NewArtefactsView builds the navigator; its load (the tab runs it off the
// UI goroutine when first shown) fills it.
func NewArtefactsView(s *viewmodel.Session, w fyne.Window) *ArtefactsView {
	v := &ArtefactsView{S: s, win: w, firstShown: make(chan struct{})}
	v.Status = widget.NewLabel("Loading artefacts…")
	v.Reload = widget.NewButtonWithIcon("Reload", theme.ViewRefreshIcon(), func() {
		v.Status.SetText("Reading the record again…")
		go v.readAll(context.Background())
	})
	v.Families = widget.NewList(
		func() int { return len(v.counts) },
		func() fyne.CanvasObject { return widget.NewLabel("Identifiers (00000)") },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			c := v.counts[i]
			o.(*widget.Label).SetText(fmt.Sprintf("%s (%d)", c.Name, c.Count))
		})
	v.Families.OnSelected = func(i widget.ListItemID) { v.SelectFamily(v.counts[i].Name) }

	v.Table = widget.NewTableWithHeaders(
		func() (int, int) { return len(v.rows), len(v.cols) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.Truncation = fyne.TextTruncateEllipsis
			return l
		},
		func(id widget.TableCellID, o fyne.CanvasObject) {
			v.cellUpdates++
			if id.Row < len(v.rows) && id.Col < len(v.rows[id.Row].Cells) {
				o.(*widget.Label).SetText(v.rows[id.Row].Cells[id.Col])
			}
		})
	v.Table.CreateHeader = func() fyne.CanvasObject {
		// The template's text sizes the row-header column: room for ids.
		return widget.NewLabelWithStyle("0000000", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	}
	v.Table.UpdateHeader = func(id widget.TableCellID, o fyne.CanvasObject) {
		l := o.(*widget.Label)
		switch {
		case id.Row < 0 && id.Col >= 0 && id.Col < len(v.cols):
			l.SetText(v.cols[id.Col].Title)
		case id.Col < 0 && id.Row >= 0 && id.Row < len(v.rows):
			l.SetText(fmt.Sprint(v.rows[id.Row].ID))
		default:
			l.SetText("")
		}
	}
	v.Table.OnSelected = func(id widget.TableCellID) {
		if id.Row >= 0 && id.Row < len(v.rows) {
			v.open(v.rows[id.Row])
		}
	}
	v.Detail = NewDetailPane(s, w)

	left := container.NewBorder(widget.NewLabelWithStyle("Families", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), nil, nil, nil, v.Families)
	split := container.NewHSplit(v.Table, v.Detail.Content())
	split.Offset = 0.62
	outer := container.NewHSplit(left, split)
	outer.Offset = 0.16
	v.content = container.NewBorder(nil, container.NewBorder(nil, nil, nil, v.Reload, v.Status), nil, nil, outer)
	return v
}

// Content returns the view's root object.
func (v *ArtefactsView) Content() fyne.CanvasObject { return v.content }

// load draws the first family from the record's kind index first, then
// reads the whole record once for every family's rows and counts.
func (v *ArtefactsView) load() {
	ctx := context.Background()
	fam, rows, err := viewmodel.FirstFamily(ctx, v.S)
	fyne.Do(func() {
		defer func() { v.firstShownAt = time.Now(); close(v.firstShown) }()
		if err != nil || fam == "" {
			return
		}
		v.family, v.rows, v.cols = fam, rows, v.columns(fam)
		v.showTable()
		v.Status.SetText("Showing " + fam + "; reading the other families…")
	})
	v.readAll(ctx)
}

// readAll reads every family's rows and counts (the first load, and Reload:
// new artefacts or tags, another display zone).
func (v *ArtefactsView) readAll(ctx context.Context) {
	ix, err := viewmodel.LoadArtefacts(ctx, v.S)
	fyne.Do(func() {
		if err != nil {
			v.Status.SetText("Could not read the artefacts: " + err.Error())
			return
		}
		v.index = ix
		v.counts = ix.Counts()
		v.Status.SetText(fmt.Sprintf("%d artefacts in %d families; times in %s.", ix.Total, len(ix.Families), v.S.DisplayZone()))
		v.Families.Refresh()
		if v.family != "" {
			// A reload keeps the family shown, with its rows read again.
			v.rows = ix.Rows[v.family]
			v.Table.Refresh()
		}
		for i, c := range v.counts {
			if (v.family == "" && c.Count > 0) || (v.family != "" && c.Name == v.family) {
				v.Families.Select(i)
				break
			}
		}
	})
}

func (v *ArtefactsView) columns(family string) []viewmodel.Column {
	if family == viewmodel.WarningsFamily {
		return viewmodel.WarningColumns()
	}
	for _, f := range viewmodel.Families() {
		if f.Name == family {
			return f.Columns
		}
	}
	return nil
}

func (v *ArtefactsView) showTable() {
	for i, c := range v.cols {
		v.Table.SetColumnWidth(i, c.Width)
	}
	v.Table.Refresh()
}

// SelectFamily shows one family's table.
func (v *ArtefactsView) SelectFamily(name string) {
	if v.index == nil {
		return
	}
	rows := v.index.Rows[name]
	if name == v.family && len(rows) == len(v.rows) {
		v.rows = rows // the full read's rows replace the first screen's, same order
		return
	}
	v.family, v.rows, v.cols = name, rows, v.index.Columns(name)
	v.Table.UnselectAll()
	v.Table.ScrollToTop()
	v.showTable()
	v.Detail.Clear()
}

// Family is the family shown; Rows its rows.
func (v *ArtefactsView) Family() string        { return v.family }
func (v *ArtefactsView) Rows() []viewmodel.Row { return v.rows }

func (v *ArtefactsView) open(r viewmodel.Row) {
	if v.family == viewmodel.WarningsFamily {
		v.Detail.ShowWarning(r)
		return
	}
	v.Detail.Load(r.ID, r.Kind)
}

// DetailPane shows one artefact: every attribute, the provenance chain,
// its tags and a tag form, and the Show source action. Loading is logged
// once per artefact per session.
type DetailPane struct {
	S          *viewmodel.Session
	Title      *widget.Label
	Fields     *widget.Form
	Chain      *widget.Form
	Tags       *widget.Label
	ShowSource *widget.Button
	// WalletPassword is the "Try passwords…" row, shown for locked wallets.
	WalletPassword *WalletPasswordRow

	TagFlag     *widget.Select
	TagReason   *widget.Entry
	TagCategory *widget.Entry
	TagButton   *widget.Button

	Current *viewmodel.Detail
	// Done receives the result of each Load once the pane shows it (tests
	// wait on it); buffered so nobody has to listen.
	Done chan error

	win     fyne.Window
	body    *fyne.Container
	content fyne.CanvasObject
}

// NewDetailPane builds an empty detail pane.
func NewDetailPane(s *viewmodel.Session, w fyne.Window) *DetailPane {
	d := &DetailPane{S: s, win: w, Done: make(chan error, 16)}
	d.Title = widget.NewLabelWithStyle("Select an artefact", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	d.Title.Wrapping = fyne.TextWrapWord
	d.Fields = widget.NewForm()
	d.Chain = widget.NewForm()
	d.Tags = widget.NewLabel("")
	d.Tags.Wrapping = fyne.TextWrapWord
	d.ShowSource = widget.NewButtonWithIcon("Show source", theme.SearchIcon(), func() {
		if d.Current != nil && d.S.ShowSource != nil {
			d.S.ShowSource(d.Current.Artefact.Source)
		}
	})
	d.ShowSource.Disable()
	d.WalletPassword = newWalletPasswordRow(d)
	d.TagFlag = widget.NewSelect(viewmodel.TagFlags, nil)
	d.TagFlag.PlaceHolder = "CPIA flag"
	d.TagReason = widget.NewEntry()
	d.TagReason.SetPlaceHolder("Reason (required for undermines / assists)")
	d.TagCategory = widget.NewEntry()
	d.TagCategory.SetPlaceHolder("Category (required for sensitive)")
	d.TagButton = widget.NewButtonWithIcon("Tag", theme.ContentAddIcon(), d.tag)
	d.TagButton.Disable()
	tagForm := container.NewVBox(widget.NewLabelWithStyle("Tag this artefact", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		d.TagFlag, d.TagReason, d.TagCategory, d.TagButton)
	d.body = container.NewVBox(d.Title, d.ShowSource, d.WalletPassword.Content(), d.Fields,
		widget.NewLabelWithStyle("Provenance (image → … → row/offset)", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), d.Chain,
		widget.NewLabelWithStyle("Tags", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), d.Tags, tagForm)
	d.content = container.NewVScroll(d.body)
	return d
}

// Content returns the pane's root object.
func (d *DetailPane) Content() fyne.CanvasObject { return d.content }

// Clear empties the pane.
func (d *DetailPane) Clear() {
	d.Current = nil
	d.Title.SetText("Select an artefact")
	d.Fields.Items = nil
	d.Fields.Refresh()
	d.Chain.Items = nil
	d.Chain.Refresh()
	d.Tags.SetText("")
	d.ShowSource.Disable()
	d.WalletPassword.Set(nil)
	d.TagButton.Disable()
	d.relayout()
}

// relayout lays the pane out again: the forms' heights changed.
func (d *DetailPane) relayout() {
	d.body.Refresh()
	d.content.Refresh()
}

// Load reads an artefact's detail off the UI goroutine, logs the viewing
// (once per artefact per session) and shows it.
func (d *DetailPane) Load(id int64, kind string) {
	d.Title.SetText(fmt.Sprintf("Loading artefact %d…", id))
	go func() {
		ctx := context.Background()
		det, err := viewmodel.LoadDetail(ctx, d.S, id, kind)
		var logErr error
		if err == nil && d.S.Record != nil {
			_, logErr = d.S.LogView(ctx, id, "detail opened in the artefact views")
		}
		fyne.Do(func() {
			if err != nil {
				d.Clear()
				d.Title.SetText("Could not read artefact: " + err.Error())
			} else {
				d.show(det, logErr)
			}
			d.signal(err)
		})
	}()
}

// signal tells a waiting test the pane settled, never blocking the UI.
func (d *DetailPane) signal(err error) {
	select {
	case d.Done <- err:
	default:
	}
}

func (d *DetailPane) show(det *viewmodel.Detail, logErr error) {
	d.Current = det
	d.Title.SetText(fmt.Sprintf("#%d %s", det.Artefact.ID, det.Artefact.Kind))
	if logErr != nil {
		d.Title.SetText(d.Title.Text + "\n(viewing not logged: " + logErr.Error() + ")")
	}
	d.Fields.Items = nil
	for _, f := range det.Fields {
		d.Fields.Append(f.Label, valueLabel(f.Value))
	}
	d.Fields.Refresh()
	d.Chain.Items = nil
	for _, f := range det.Chain {
		d.Chain.Append(f.Label, valueLabel(f.Value))
	}
	d.Chain.Refresh()
	var tags []string
	for _, t := range det.Tags {
		line := fmt.Sprintf("%s (%s)", t.Flag, d.S.FormatTime(t.Time))
		if t.Reason != "" {
			line += " — " + t.Reason
		}
		if t.Category != "" {
			line += " [" + t.Category + "]"
		}
		tags = append(tags, line)
	}
	if len(tags) == 0 {
		tags = []string{"none"}
	}
	d.Tags.SetText(strings.Join(tags, "\n"))
	if det.Artefact.Source != nil && d.S.ShowSource != nil {
		d.ShowSource.Enable()
	} else {
		d.ShowSource.Disable()
	}
	d.WalletPassword.Set(det)
	d.TagButton.Enable()
	d.relayout()
}

// ShowWarning shows a recorded warning (not an artefact: nothing to log or tag).
func (d *DetailPane) ShowWarning(r viewmodel.Row) {
	d.Clear()
	d.Title.SetText(fmt.Sprintf("Warning %d", r.ID))
	for i, c := range viewmodel.WarningColumns() {
		if i < len(r.Cells) {
			d.Fields.Append(c.Title, valueLabel(r.Cells[i]))
		}
	}
	d.Fields.Refresh()
	d.relayout()
}

func (d *DetailPane) tag() {
	if d.Current == nil {
		return
	}
	id := d.Current.Artefact.ID
	kind := d.Current.Artefact.Kind
	flag, reason, cat := d.TagFlag.Selected, d.TagReason.Text, d.TagCategory.Text
	if flag == "" {
		d.Tags.SetText(d.Tags.Text + "\nChoose a flag first.")
		return
	}
	d.TagButton.Disable()
	go func() {
		_, err := viewmodel.AddTag(context.Background(), d.S, id, flag, reason, cat)
		fyne.Do(func() {
			d.TagButton.Enable()
			if err != nil {
				d.Tags.SetText(d.Tags.Text + "\nNot tagged: " + err.Error())
				d.signal(err)
				return
			}
			d.TagReason.SetText("")
			d.TagCategory.SetText("")
			d.Load(id, kind)
		})
	}()
}

// lazyView holds a view's content and starts its loading (on a goroutine)
// the first time it is shown at a size: a tab nobody opens reads nothing,
// and the shell's construction never races a view's first load. again,
// when set, runs (on a goroutine) each later time the tab is shown, for
// views cheap enough to read afresh (notes, sign-offs, the export log).
type lazyView struct {
	widget.BaseWidget
	content   fyne.CanvasObject
	start     func()
	again     func()
	once      sync.Once
	wasHidden bool
}

func lazy(content fyne.CanvasObject, start, again func()) fyne.CanvasObject {
	l := &lazyView{content: content, start: start, again: again}
	l.ExtendBaseWidget(l)
	return l
}

func (l *lazyView) CreateRenderer() fyne.WidgetRenderer { return widget.NewSimpleRenderer(l.content) }

// Hide notes that the next Show is a return to the tab.
func (l *lazyView) Hide() {
	l.wasHidden = true
	l.BaseWidget.Hide()
}

// Show starts the load when a hidden tab is selected, or reads again.
func (l *lazyView) Show() {
	l.BaseWidget.Show()
	started := false
	l.once.Do(func() { started = true; go l.start() })
	if !started && l.wasHidden && l.again != nil {
		go l.again()
	}
	l.wasHidden = false
}

// Resize starts the load when the view is laid out visible (a selected
// tab, or the window's content).
func (l *lazyView) Resize(s fyne.Size) {
	l.BaseWidget.Resize(s)
	if l.Visible() && !s.IsZero() {
		l.once.Do(func() { go l.start() })
	}
}

// noRecord stands in for a view that needs a record when only evidence
// is open (nothing is recorded then, so nothing can be listed or written).
func noRecord() fyne.CanvasObject {
	return container.NewCenter(widget.NewLabel("No examination record is open: artefacts, notes and reports need one."))
}

func valueLabel(s string) *widget.Label {
	l := widget.NewLabel(s)
	l.Wrapping = fyne.TextWrapBreak
	l.Selectable = true
	return l
}
