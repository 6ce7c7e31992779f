package ui

import (
	"context"
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/loupe-forensics/loupe/ui/viewmodel"
)

// SearchTab is the artefact search tab constructor.
func SearchTab(s *viewmodel.Session, w fyne.Window) fyne.CanvasObject {
	if s.Record == nil {
		return noRecord()
	}
	return NewSearchView(s, w).Content()
}

// SearchView searches artefact kinds and attribute values; every search is
// written to the search log with its reason and hit count.
type SearchView struct {
	S       *viewmodel.Session
	Term    *widget.Entry
	Reason  *widget.Entry
	Go      *widget.Button
	Results *widget.Table
	Detail  *DetailPane
	Status  *widget.Label

	Result *viewmodel.SearchResult
	// Done receives each search's outcome (tests wait on it).
	Done chan error

	content fyne.CanvasObject
}

var searchColumns = []viewmodel.Column{{Title: "ID", Width: 60}, {Title: "Family", Width: 100}, {Title: "Kind", Width: 170}, {Title: "Field", Width: 110}, {Title: "Value", Width: 380}}

// NewSearchView builds the view.
func NewSearchView(s *viewmodel.Session, w fyne.Window) *SearchView {
	v := &SearchView{S: s, Done: make(chan error, 16)}
	v.Term = widget.NewEntry()
	v.Term.SetPlaceHolder("Text to find in artefact kinds and values (case-insensitive)")
	v.Term.OnSubmitted = func(string) { v.search() }
	v.Reason = widget.NewEntry()
	v.Reason.SetPlaceHolder("Why (recorded in the search log)")
	v.Go = widget.NewButtonWithIcon("Search", theme.SearchIcon(), v.search)
	v.Status = widget.NewLabel("Searches are logged with their terms, reason and hit count.")
	v.Results = widget.NewTableWithHeaders(
		func() (int, int) {
			if v.Result == nil {
				return 0, len(searchColumns)
			}
			return len(v.Result.Hits), len(searchColumns)
		},
		func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.Truncation = fyne.TextTruncateEllipsis
			return l
		},
		func(id widget.TableCellID, o fyne.CanvasObject) {
			h := v.Result.Hits[id.Row]
			o.(*widget.Label).SetText([]string{fmt.Sprint(h.ID), h.Family, h.Kind, h.Field, h.Value}[id.Col])
		})
	v.Results.ShowHeaderColumn = false
	v.Results.CreateHeader = func() fyne.CanvasObject {
		return widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	}
	v.Results.UpdateHeader = func(id widget.TableCellID, o fyne.CanvasObject) {
		if id.Col >= 0 && id.Col < len(searchColumns) {
			o.(*widget.Label).SetText(searchColumns[id.Col].Title)
		}
	}
	for i, c := range searchColumns {
		v.Results.SetColumnWidth(i, c.Width)
	}
	v.Detail = NewDetailPane(s, w)
	v.Results.OnSelected = func(id widget.TableCellID) {
		if v.Result != nil && id.Row >= 0 && id.Row < len(v.Result.Hits) {
			h := v.Result.Hits[id.Row]
			v.Detail.Load(h.ID, h.Kind)
		}
	}
	bar := container.NewBorder(nil, nil, nil, v.Go, container.NewGridWithColumns(2, v.Term, v.Reason))
	split := container.NewHSplit(v.Results, v.Detail.Content())
	split.Offset = 0.6
	v.content = container.NewBorder(container.NewVBox(bar, v.Status), nil, nil, nil, split)
	return v
}

// Content returns the view's root object.
func (v *SearchView) Content() fyne.CanvasObject { return v.content }

func (v *SearchView) search() {
	term, reason := v.Term.Text, v.Reason.Text
	v.Go.Disable()
	v.Status.SetText("Searching…")
	go func() {
		res, err := viewmodel.Search(context.Background(), v.S, term, reason)
		fyne.Do(func() {
			v.Go.Enable()
			if err != nil {
				v.Status.SetText("Not searched: " + err.Error())
			} else {
				v.Result = res
				msg := fmt.Sprintf("%d of %d artefacts match %q (search-log entry #%d).", res.Count, res.Searched, term, res.Seq)
				if res.Truncated {
					msg += fmt.Sprintf(" The first %d are listed.", len(res.Hits))
				}
				v.Status.SetText(msg)
				v.Results.UnselectAll()
				v.Results.ScrollToTop()
				v.Results.Refresh()
				v.Detail.Clear()
			}
			select {
			case v.Done <- err:
			default:
			}
		})
	}()
}
