// Package ui is Loupe's Fyne desktop interface. Views are thin: state and
// logic live in ui/viewmodel, which has no Fyne import. Widget handles are
// struct fields so tests can drive them with fyne.io/fyne/v2/test.
package ui

import (
	"context"
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/loupe-forensics/loupe/ui/viewmodel"
)

// EvidenceView is the window's content for opening and verifying evidence.
type EvidenceView struct {
	VM *viewmodel.EvidenceVM

	OpenButton   *widget.Button
	VerifyButton *widget.Button
	CancelButton *widget.Button
	Progress     *widget.ProgressBar
	Status       *widget.Label
	Banner       *widget.Label
	BannerBG     *canvas.Rectangle
	Details      *widget.Form

	win     fyne.Window
	content fyne.CanvasObject
	// verifying receives the result of the last verification started from
	// the button; tests wait on it so their reads happen after the pass.
	verifying <-chan error
}

// NewEvidenceView builds the view. Verification runs off the UI goroutine;
// every widget update goes through fyne.Do.
func NewEvidenceView(win fyne.Window, open viewmodel.Opener) *EvidenceView {
	v := &EvidenceView{win: win}
	v.VM = viewmodel.NewEvidenceVM(open, func() { fyne.Do(v.refresh) })

	v.OpenButton = widget.NewButtonWithIcon("Open image…", theme.FolderOpenIcon(), v.chooseFile)
	v.VerifyButton = widget.NewButtonWithIcon("Verify", theme.ConfirmIcon(), func() {
		done, err := v.VM.StartVerify(context.Background())
		if err != nil {
			dialog.ShowError(err, v.win)
			return
		}
		v.verifying = done
	})
	v.CancelButton = widget.NewButtonWithIcon("Cancel", theme.CancelIcon(), v.VM.Cancel)
	v.Progress = widget.NewProgressBar()
	v.Status = widget.NewLabel("")
	v.Banner = widget.NewLabelWithStyle("", fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	v.Banner.Wrapping = fyne.TextWrapWord
	v.BannerBG = canvas.NewRectangle(color.Transparent)
	v.Details = widget.NewForm()

	toolbar := container.NewHBox(v.OpenButton, v.VerifyButton, v.CancelButton)
	header := container.NewVBox(
		widget.NewLabelWithStyle("Evidence (opened read-only)", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		toolbar, v.Progress, v.Status, container.NewStack(v.BannerBG, v.Banner))
	v.content = container.NewBorder(header, nil, nil, nil, container.NewVScroll(v.Details))
	v.refresh()
	return v
}

// Content returns the view's root object.
func (v *EvidenceView) Content() fyne.CanvasObject { return v.content }

func (v *EvidenceView) chooseFile() {
	d := dialog.NewFileOpen(func(rc fyne.URIReadCloser, err error) {
		if err != nil || rc == nil {
			return
		}
		path := rc.URI().Path()
		_ = rc.Close() // the dialog opened it; the evidence is reopened read-only by the opener
		_ = v.VM.Open(context.Background(), []string{path})
	}, v.win)
	d.Show()
}

// bannerColours maps a banner kind to its background: red for anything that
// must stop the examiner, green only for a verified match.
func bannerColour(k viewmodel.BannerKind) color.Color {
	switch k {
	case viewmodel.BannerOK:
		return color.NRGBA{R: 0x1b, G: 0x7f, B: 0x3b, A: 0x60}
	case viewmodel.BannerFail:
		return color.NRGBA{R: 0xc6, G: 0x28, B: 0x28, A: 0x90}
	case viewmodel.BannerInfo:
		return color.NRGBA{R: 0xf0, G: 0xa0, B: 0x20, A: 0x60}
	}
	return color.Transparent
}

func (v *EvidenceView) refresh() {
	s := v.VM.Snapshot()
	v.Progress.SetValue(s.Fraction)
	v.Status.SetText(s.Status)
	v.Banner.SetText(s.Banner)
	v.BannerBG.FillColor = bannerColour(s.Kind)
	v.BannerBG.Refresh()
	if s.Busy || !s.HasImage {
		v.VerifyButton.Disable()
	} else {
		v.VerifyButton.Enable()
	}
	if s.Busy {
		v.CancelButton.Enable()
		v.OpenButton.Disable()
	} else {
		v.CancelButton.Disable()
		v.OpenButton.Enable()
	}
	v.Details.Items = nil
	for _, f := range s.Fields {
		val := widget.NewLabel(f.Value)
		val.Wrapping = fyne.TextWrapBreak
		val.Selectable = true
		v.Details.Append(f.Label, val)
	}
	v.Details.Refresh()
}
