package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// StartView is the start screen: recent records, open a record (for
// examination, or read-only for review), and the new-examination wizard.
type StartView struct {
	Recent       *widget.List
	OpenButton   *widget.Button
	ReviewButton *widget.Button
	NewButton    *widget.Button
	SetupButton  *widget.Button
	Examiner     *widget.Label

	recent  []string
	content fyne.CanvasObject
}

// StartActions are what the start screen's buttons do.
type StartActions struct {
	Open         func(path string, readOnly bool) // a recent record (opened for examination)
	ChooseRecord func(readOnly bool)              // Open record… / Open for review…
	New          func()
	SetUp        func()
}

// NewStartView builds the start screen.
func NewStartView(recent []string, examiner string, act StartActions) *StartView {
	v := &StartView{recent: recent}
	v.Recent = widget.NewList(
		func() int { return len(v.recent) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.Truncation = fyne.TextTruncateEllipsis
			return container.NewBorder(nil, nil, widget.NewIcon(theme.DocumentIcon()), nil, l)
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			o.(*fyne.Container).Objects[0].(*widget.Label).SetText(v.recent[i])
		})
	v.Recent.OnSelected = func(i widget.ListItemID) {
		v.Recent.UnselectAll()
		if act.Open != nil && i < len(v.recent) {
			act.Open(v.recent[i], false)
		}
	}
	call := func(f func()) func() {
		return func() {
			if f != nil {
				f()
			}
		}
	}
	v.NewButton = widget.NewButtonWithIcon("New examination…", theme.ContentAddIcon(), call(act.New))
	v.NewButton.Importance = widget.HighImportance
	v.OpenButton = widget.NewButtonWithIcon("Open record…", theme.FolderOpenIcon(), func() {
		if act.ChooseRecord != nil {
			act.ChooseRecord(false)
		}
	})
	v.ReviewButton = widget.NewButtonWithIcon("Open for review (read-only)…", theme.VisibilityIcon(), func() {
		if act.ChooseRecord != nil {
			act.ChooseRecord(true)
		}
	})
	v.SetupButton = widget.NewButtonWithIcon("Examiner set-up…", theme.AccountIcon(), call(act.SetUp))
	v.Examiner = widget.NewLabel("")
	v.SetExaminer(examiner)
	title := widget.NewLabelWithStyle("Loupe — forensic examination workstation", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	buttons := container.NewVBox(v.NewButton, v.OpenButton, v.ReviewButton, widget.NewSeparator(), v.SetupButton, v.Examiner,
		widget.NewLabel(shortcutHelp))
	recentBox := container.NewBorder(widget.NewLabelWithStyle("Recent records", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), nil, nil, nil, v.Recent)
	body := container.NewHSplit(container.NewPadded(buttons), recentBox)
	body.Offset = 0.35
	v.content = container.NewBorder(container.NewPadded(title), nil, nil, nil, body)
	return v
}

// SetExaminer shows who is set up.
func (v *StartView) SetExaminer(name string) {
	if name == "" {
		v.Examiner.SetText("No examiner set up yet.")
		return
	}
	v.Examiner.SetText("Examiner: " + name)
}

// SetRecent replaces the recent records.
func (v *StartView) SetRecent(r []string) {
	v.recent = r
	v.Recent.Refresh()
}

// Content is the start screen's root object.
func (v *StartView) Content() fyne.CanvasObject { return v.content }
