package ui

import (
	"context"
	"image/color"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/loupe-forensics/loupe/forensic/record"
	"github.com/loupe-forensics/loupe/ui/viewmodel"
)

// WizardView is the new-examination wizard, three steps on one page, each
// enabled when the one before it is done: 1 case details (creates the
// record), 2 evidence images (format detected on adding; verification with
// progress, MB/s, ETA, cancel and a result banner, recorded), 3 examine
// (the scan pipeline, with progress and cancel), then open the examination.
type WizardView struct {
	VM *viewmodel.WizardVM

	Case, Exhibit, Examiner, Role, Zone, RecordPath *widget.Entry
	Instructions                                    *widget.Entry
	CreateButton                                    *widget.Button

	ImagePath                                *widget.Entry
	AddButton, BrowseButton                  *widget.Button
	Images                                   *widget.Label
	VerifyButton, CancelButton               *widget.Button
	Progress                                 *widget.ProgressBar
	Status, Banner                           *widget.Label
	BannerBG                                 *canvas.Rectangle
	ExamineButton, CancelExamine, OpenButton *widget.Button
	ExamineProgress                          *widget.ProgressBarInfinite
	ExamineStatus                            *widget.Label
	caseCard, evidenceCard, examineCard      *widget.Card
	verifying, examining                     <-chan error
	win                                      fyne.Window
	content                                  fyne.CanvasObject
	onOpen                                   func(rec *record.Record, d viewmodel.WizardDetails, images []viewmodel.WizardImage)
}

// NewWizardView builds the wizard. examiner prefills the examiner fields;
// onOpen receives the created record when the examiner opens it.
func NewWizardView(w fyne.Window, examine viewmodel.Examiner, keyDir string, examiner viewmodel.ExaminerProfile,
	onOpen func(*record.Record, viewmodel.WizardDetails, []viewmodel.WizardImage)) *WizardView {
	v := &WizardView{win: w, onOpen: onOpen}
	v.VM = viewmodel.NewWizardVM(examine, keyDir, func() { fyne.Do(v.refresh) })

	entry := func(placeholder string) *widget.Entry {
		e := widget.NewEntry()
		e.SetPlaceHolder(placeholder)
		return e
	}
	v.Case = entry("e.g. URN 01/23456/26 or operation name")
	v.Exhibit = entry("e.g. ABC/1")
	v.Examiner = entry("your name")
	v.Examiner.SetText(examiner.Name)
	v.Role = entry("e.g. Digital Forensic Examiner")
	v.Role.SetText(examiner.Role)
	v.Zone = entry(viewmodel.DefaultZone)
	v.Zone.SetText(viewmodel.DefaultZone)
	v.RecordPath = entry("/cases/ABC-1.loupe")
	v.Instructions = widget.NewMultiLineEntry()
	v.Instructions.SetPlaceHolder("Instructions received, verbatim")
	v.Instructions.SetMinRowsVisible(3)
	v.CreateButton = widget.NewButtonWithIcon("Create record", theme.DocumentCreateIcon(), v.createRecord)
	form := widget.NewForm(
		widget.NewFormItem("Case", v.Case), widget.NewFormItem("Exhibit", v.Exhibit),
		widget.NewFormItem("Examiner", v.Examiner), widget.NewFormItem("Role", v.Role),
		widget.NewFormItem("Instructions", v.Instructions), widget.NewFormItem("Display time zone", v.Zone),
		widget.NewFormItem("Record file", v.RecordPath))
	v.caseCard = widget.NewCard("1. Case", "Creates the examination record; everything after is recorded in it.",
		container.NewVBox(form, container.NewHBox(v.CreateButton)))

	v.ImagePath = entry("image file (raw, split raw .001, EnCase .E01)")
	v.AddButton = widget.NewButtonWithIcon("Add", theme.ContentAddIcon(), func() { v.addImage(v.ImagePath.Text) })
	v.BrowseButton = widget.NewButtonWithIcon("Browse…", theme.FolderOpenIcon(), v.browse)
	v.Images = widget.NewLabel("No images added.")
	v.Images.Wrapping = fyne.TextWrapWord
	v.VerifyButton = widget.NewButtonWithIcon("Verify", theme.ConfirmIcon(), v.verify)
	v.CancelButton = widget.NewButtonWithIcon("Cancel", theme.CancelIcon(), v.VM.Evidence.Cancel)
	v.Progress = widget.NewProgressBar()
	v.Status = widget.NewLabel("")
	v.Banner = widget.NewLabelWithStyle("", fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	v.Banner.Wrapping = fyne.TextWrapWord
	v.BannerBG = canvas.NewRectangle(color.Transparent)
	v.evidenceCard = widget.NewCard("2. Evidence", "Images are opened read-only; verification compares with the acquisition hashes.",
		container.NewVBox(container.NewBorder(nil, nil, nil, container.NewHBox(v.AddButton, v.BrowseButton), v.ImagePath),
			v.Images, container.NewHBox(v.VerifyButton, v.CancelButton), v.Progress, v.Status,
			container.NewStack(v.BannerBG, v.Banner)))

	v.ExamineButton = widget.NewButtonWithIcon("Examine", theme.SearchIcon(), v.examine)
	v.CancelExamine = widget.NewButtonWithIcon("Cancel", theme.CancelIcon(), v.VM.CancelExamine)
	v.OpenButton = widget.NewButtonWithIcon("Open examination", theme.NavigateNextIcon(), v.open)
	v.ExamineProgress = widget.NewProgressBarInfinite()
	v.ExamineProgress.Stop()
	v.ExamineProgress.Hide()
	v.ExamineStatus = widget.NewLabel("")
	v.ExamineStatus.Wrapping = fyne.TextWrapWord
	v.examineCard = widget.NewCard("3. Examine", "Volumes, file systems and every parser; findings go to the record with provenance.",
		container.NewVBox(container.NewHBox(v.ExamineButton, v.CancelExamine, v.OpenButton), v.ExamineProgress, v.ExamineStatus))

	v.content = container.NewVScroll(container.NewVBox(
		widget.NewLabelWithStyle("New examination", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		v.caseCard, v.evidenceCard, v.examineCard))
	v.refresh()
	return v
}

// Content is the wizard's root object.
func (v *WizardView) Content() fyne.CanvasObject { return v.content }

func (v *WizardView) details() viewmodel.WizardDetails {
	return viewmodel.WizardDetails{Case: v.Case.Text, Exhibit: v.Exhibit.Text, ExaminerName: v.Examiner.Text,
		ExaminerRole: v.Role.Text, Instructions: v.Instructions.Text, Zone: v.Zone.Text, RecordPath: strings.TrimSpace(v.RecordPath.Text)}
}

func (v *WizardView) createRecord() {
	if _, err := v.VM.CreateRecord(context.Background(), v.details()); err != nil {
		dialog.ShowError(err, v.win)
		return
	}
	v.refresh()
}

func (v *WizardView) addImage(path string) {
	path = strings.TrimSpace(path)
	if path == "" {
		return
	}
	if _, err := v.VM.AddImage(context.Background(), path); err != nil {
		dialog.ShowError(err, v.win)
		return
	}
	v.ImagePath.SetText("")
	v.refresh()
}

func (v *WizardView) browse() {
	d := dialog.NewFileOpen(func(rc fyne.URIReadCloser, err error) {
		if err != nil || rc == nil {
			return
		}
		p := rc.URI().Path()
		_ = rc.Close() // only the name is used; the image is reopened read-only
		v.addImage(p)
	}, v.win)
	d.Show()
}

func (v *WizardView) verify() {
	done, err := v.VM.StartVerify(context.Background())
	if err != nil {
		dialog.ShowError(err, v.win)
		return
	}
	v.verifying = done
}

func (v *WizardView) examine() {
	done, err := v.VM.StartExamine(context.Background())
	if err != nil {
		dialog.ShowError(err, v.win)
		return
	}
	v.examining = done
}

func (v *WizardView) open() {
	if v.onOpen != nil && v.VM.Record() != nil {
		v.onOpen(v.VM.Record(), v.VM.Details(), v.VM.Images())
	}
}

func enable(on bool, ws ...fyne.Disableable) {
	for _, w := range ws {
		if on {
			w.Enable()
		} else {
			w.Disable()
		}
	}
}

func (v *WizardView) refresh() {
	created := v.VM.Record() != nil
	ev := v.VM.Evidence.Snapshot()
	st := v.VM.State()
	images := v.VM.Images()
	enable(!created, v.Case, v.Exhibit, v.Examiner, v.Role, v.Zone, v.RecordPath, v.Instructions, v.CreateButton)
	enable(created && !ev.Busy && !st.Examining, v.ImagePath, v.AddButton, v.BrowseButton)
	enable(created && len(images) > 0 && !ev.Busy && !st.Examining, v.VerifyButton)
	enable(ev.Busy, v.CancelButton)
	enable(created && len(images) > 0 && !ev.Busy && !st.Examining && st.Summary == nil, v.ExamineButton)
	enable(st.Examining, v.CancelExamine)
	enable(created && !st.Examining && !ev.Busy && st.Summary != nil, v.OpenButton)
	if len(images) > 0 {
		var lines []string
		for _, im := range images {
			lines = append(lines, im.Describe())
		}
		v.Images.SetText(strings.Join(lines, "\n"))
	}
	v.Progress.SetValue(ev.Fraction)
	v.Status.SetText(ev.Status)
	v.Banner.SetText(ev.Banner)
	v.BannerBG.FillColor = bannerColour(ev.Kind)
	v.BannerBG.Refresh()
	if st.Examining {
		v.ExamineProgress.Show()
		v.ExamineProgress.Start()
	} else {
		v.ExamineProgress.Stop()
		v.ExamineProgress.Hide()
	}
	v.ExamineStatus.SetText(st.Status)
}
