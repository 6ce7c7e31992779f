package ui

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/loupe-forensics/loupe/forensic/record"
	"github.com/loupe-forensics/loupe/reports"
	"github.com/loupe-forensics/loupe/reports/report"
	"github.com/loupe-forensics/loupe/ui/viewmodel"
)

// ReportsTab is the reports tab constructor: the report form and the list
// of reports and exports already made from this record.
func ReportsTab(s *viewmodel.Session, w fyne.Window) fyne.CanvasObject {
	if s.Record == nil {
		return noRecord()
	}
	v := NewReportsView(s, w, reports.Render)
	return lazy(v.Content(), v.loadHistory, v.loadHistory)
}

// ShowReportDialog opens the report form in a dialog over w.
func ShowReportDialog(s *viewmodel.Session, w fyne.Window) {
	v := NewReportsView(s, w, reports.Render)
	go v.loadHistory()
	d := dialog.NewCustom("Write a report", "Close", v.Form(), w)
	d.Resize(fyne.NewSize(640, 520))
	d.Show()
}

// ReportsView chooses kind, format, audience (exhibit mode), marking,
// recipient and reason, writes the file and records the export.
type ReportsView struct {
	S         *viewmodel.Session
	Kind      *widget.Select
	Format    *widget.Select
	Mode      *widget.Select
	Marking   *widget.SelectEntry
	Recipient *widget.Entry
	Reason    *widget.Entry
	// 3x5x2 grading, shown for intelligence reports.
	SourceEval, Assessment, Handling *widget.Select
	HandlingNotes                    *widget.Entry
	grading                          fyne.CanvasObject
	Path                             *widget.Entry
	Choose                           *widget.Button
	Write                            *widget.Button
	Status                           *widget.Label
	History                          *widget.Label

	Outcome *viewmodel.ReportOutcome
	// Done receives each write's result (tests wait on it).
	Done chan error
	// Now stamps reports (tests set it); default time.Now.
	Now func() time.Time

	render  viewmodel.ReportRenderer
	choices []viewmodel.ReportKind
	win     fyne.Window
	form    fyne.CanvasObject
	content fyne.CanvasObject
}

// NewReportsView builds the form over a renderer (reports.Render).
func NewReportsView(s *viewmodel.Session, w fyne.Window, render viewmodel.ReportRenderer) *ReportsView {
	v := &ReportsView{S: s, win: w, render: render, Done: make(chan error, 16), Now: time.Now, choices: viewmodel.ReportChoices()}
	var titles []string
	for _, c := range v.choices {
		titles = append(titles, c.Title)
	}
	v.Format = widget.NewSelect(nil, func(string) { v.suggestPath() })
	v.Mode = widget.NewSelect(viewmodel.ExhibitModes, nil)
	v.Mode.SetSelected(report.ModeSFR)
	v.Kind = widget.NewSelect(titles, func(string) { v.kindChanged() })
	v.Marking = widget.NewSelectEntry(viewmodel.Markings)
	v.Marking.SetText("OFFICIAL-SENSITIVE")
	v.Recipient = widget.NewEntry()
	v.Recipient.SetPlaceHolder("Who it is for (e.g. DC Smith, officer in the case)")
	v.Reason = widget.NewEntry()
	v.Reason.SetPlaceHolder("Why it is disclosed (e.g. evidential use at trial)")
	v.SourceEval = widget.NewSelect([]string{"1", "2", "3"}, nil)
	v.SourceEval.SetSelected("1")
	v.Assessment = widget.NewSelect([]string{"A", "B", "C", "D", "E"}, nil)
	v.Assessment.SetSelected("A")
	v.Handling = widget.NewSelect([]string{"P", "C"}, nil)
	v.Handling.SetSelected("P")
	v.HandlingNotes = widget.NewEntry()
	v.HandlingNotes.SetPlaceHolder("Conditions and risk-assessment reference (required for C)")
	v.grading = widget.NewForm(widget.NewFormItem("Source evaluation (3x5x2)", v.SourceEval),
		widget.NewFormItem("Intelligence assessment", v.Assessment), widget.NewFormItem("Handling code", v.Handling),
		widget.NewFormItem("Handling conditions", v.HandlingNotes))
	v.Path = widget.NewEntry()
	v.Path.SetPlaceHolder("Output file (never overwritten)")
	v.Choose = widget.NewButtonWithIcon("", theme.FolderOpenIcon(), v.chooseFile)
	v.Write = widget.NewButtonWithIcon("Write report", theme.DocumentSaveIcon(), v.write)
	v.Status = widget.NewLabel("")
	v.Status.Wrapping = fyne.TextWrapWord
	v.History = widget.NewLabel("")
	v.History.Wrapping = fyne.TextWrapWord
	if len(titles) > 0 {
		v.Kind.SetSelected(titles[0])
	}
	if s.ReadOnly {
		v.Status.SetText("Review mode: the report's export entry is written with the reviewer's own key.")
	}
	v.form = container.NewVBox(widget.NewForm(
		widget.NewFormItem("Kind", v.Kind), widget.NewFormItem("Format", v.Format), widget.NewFormItem("Audience (exhibit)", v.Mode),
		widget.NewFormItem("Marking", v.Marking), widget.NewFormItem("Recipient", v.Recipient), widget.NewFormItem("Reason", v.Reason),
		widget.NewFormItem("File", container.NewBorder(nil, nil, nil, v.Choose, v.Path))), v.grading, v.Write, v.Status)
	v.kindChanged()
	v.content = container.NewHSplit(container.NewVScroll(v.form),
		container.NewBorder(widget.NewLabelWithStyle("Reports and exports from this record", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), nil, nil, nil,
			container.NewVScroll(v.History)))
	return v
}

// Content returns the tab's root object; Form only the form (the dialog's body).
func (v *ReportsView) Content() fyne.CanvasObject { return v.content }
func (v *ReportsView) Form() fyne.CanvasObject    { return v.form }

func (v *ReportsView) chosen() (viewmodel.ReportKind, bool) {
	for _, c := range v.choices {
		if c.Title == v.Kind.Selected {
			return c, true
		}
	}
	return viewmodel.ReportKind{}, false
}

func (v *ReportsView) kindChanged() {
	c, ok := v.chosen()
	if !ok {
		return
	}
	var fs []string
	for _, f := range c.Formats {
		fs = append(fs, string(f))
	}
	v.Format.Options = fs
	v.Format.SetSelected(fs[0])
	if c.Kind == report.KindExhibit {
		v.Mode.Enable()
	} else {
		v.Mode.Disable()
	}
	if v.grading != nil {
		if c.Kind == report.KindIntel {
			v.grading.Show()
		} else {
			v.grading.Hide()
		}
	}
}

// suggestPath proposes a file beside the record named after the document.
func (v *ReportsView) suggestPath() {
	c, ok := v.chosen()
	if !ok || v.S.RecordPath == "" || v.Format.Selected == "" {
		return
	}
	cur := v.Path.Text
	if cur != "" && !strings.HasPrefix(filepath.Base(cur), "report-") {
		return // the examiner chose a name: keep it
	}
	dir := filepath.Dir(v.S.RecordPath)
	v.Path.SetText(filepath.Join(dir, fmt.Sprintf("report-%s-%s.%s", c.Kind, time.Now().UTC().Format("20060102-150405"), v.Format.Selected)))
}

func (v *ReportsView) chooseFile() {
	d := dialog.NewFileSave(func(wc fyne.URIWriteCloser, err error) {
		if err != nil || wc == nil {
			return
		}
		p := wc.URI().Path()
		_ = wc.Close()
		// The dialog created an empty file; the report is written beside it
		// and never over an existing file, so take the name back.
		_ = removeIfEmpty(p)
		v.Path.SetText(p)
	}, v.win)
	d.Show()
}

func (v *ReportsView) write() {
	c, ok := v.chosen()
	if !ok {
		v.Status.SetText("Choose a report kind.")
		return
	}
	req := viewmodel.ReportRequest{Kind: c.Kind, Format: report.Format(v.Format.Selected), Marking: v.Marking.Text,
		Recipient: v.Recipient.Text, Reason: v.Reason.Text, Path: v.Path.Text}
	if c.Kind == report.KindExhibit {
		req.Mode = v.Mode.Selected
	}
	if c.Kind == report.KindIntel {
		req.SourceEvaluation, req.Assessment, req.Handling, req.HandlingNotes = v.SourceEval.Selected, v.Assessment.Selected, v.Handling.Selected, v.HandlingNotes.Text
	}
	v.Write.Disable()
	v.Status.SetText("Writing the report…")
	now := v.Now()
	go func() {
		out, err := viewmodel.WriteReport(context.Background(), v.S, v.render, req, now)
		var hist []string
		var herr error
		if err == nil {
			hist, herr = v.history()
		}
		fyne.Do(func() {
			v.Write.Enable()
			if err != nil {
				v.Status.SetText("No report: " + err.Error())
			} else {
				v.Outcome = out
				v.Status.SetText(fmt.Sprintf("Written %s (%d bytes, SHA-256 %s); export recorded as audit entry #%d.", out.Path, out.Size, out.SHA256, out.Seq))
				v.Path.SetText("")
				v.suggestPath()
				v.showHistory(hist, herr)
			}
			select {
			case v.Done <- err:
			default:
			}
		})
	}()
}

func (v *ReportsView) loadHistory() {
	lines, err := v.history()
	fyne.Do(func() { v.showHistory(lines, err) })
}

func (v *ReportsView) showHistory(lines []string, err error) {
	switch {
	case err != nil:
		v.History.SetText("Could not read the export log: " + err.Error())
	case len(lines) == 0:
		v.History.SetText("none yet")
	default:
		v.History.SetText(strings.Join(lines, "\n"))
	}
}

// history lists the report and export entries of the record.
func (v *ReportsView) history() ([]string, error) {
	ctx := context.Background()
	var lines []string
	var err error
	for _, action := range []string{record.ActionReport, record.ActionExport} {
		var es []record.Entry
		es, err = v.S.Record.EntriesByAction(ctx, action)
		if err != nil {
			break
		}
		for _, e := range es {
			var p struct{ Export record.Export }
			if json.Unmarshal(e.Params, &p) != nil {
				continue
			}
			lines = append(lines, fmt.Sprintf("#%d %s — %s %s to %s (%s)\n    %s  sha256 %s", e.Seq, v.S.FormatTime(e.Time), action, p.Export.Format,
				p.Export.Recipient, p.Export.Justification, p.Export.Path, p.Export.SHA256))
		}
	}
	return lines, err
}
