package ui

import (
	"context"
	"fmt"
	"image/color"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/loupe-forensics/loupe/forensic/record"
	"github.com/loupe-forensics/loupe/ui/viewmodel"
)

// ReviewTab is the review tab constructor.
func ReviewTab(s *viewmodel.Session, w fyne.Window) fyne.CanvasObject {
	if s.Record == nil {
		return noRecord()
	}
	v := NewReviewView(s, w)
	return lazy(v.Content(), v.loadReviews, v.loadReviews)
}

// ReviewView is the peer reviewer's bench: verify the chain and reproduce
// the runs with progress and a pass/fail banner, then sign off. Review
// notes go in the Notes tab, which writes as the reviewer in review mode.
type ReviewView struct {
	S        *viewmodel.Session
	VM       *viewmodel.ReviewVM
	Check    *widget.Button
	Evidence *widget.Entry // image files to reproduce from, one per line
	Progress *widget.ProgressBar
	Activity *widget.ProgressBarInfinite
	Status   *widget.Label
	Banner   *widget.Label
	BannerBG *canvas.Rectangle
	Details  *widget.Form

	Type          *widget.Select
	Scope         *widget.Entry
	Findings      *widget.Entry
	Disagreements *widget.Entry
	Outcome       *widget.Select
	Independence  *widget.Entry
	SignOff       *widget.Button
	Reviews       *widget.Label

	// Done receives the result of each check and sign-off (tests wait on it).
	Done chan error

	content fyne.CanvasObject
}

// NewReviewView builds the view.
func NewReviewView(s *viewmodel.Session, w fyne.Window) *ReviewView {
	v := &ReviewView{S: s, Done: make(chan error, 16)}
	v.VM = viewmodel.NewReviewVM(s, func() { fyne.Do(v.refresh) })
	v.Check = widget.NewButtonWithIcon("Verify and reproduce", theme.ConfirmIcon(), v.check)
	v.Evidence = widget.NewMultiLineEntry()
	v.Evidence.SetText(strings.Join(s.EvidencePaths, "\n"))
	v.Evidence.SetPlaceHolder("The evidence image files to reproduce from, one per line (all segments of an E01)")
	v.Evidence.SetMinRowsVisible(2)
	v.Progress = widget.NewProgressBar()
	v.Activity = widget.NewProgressBarInfinite()
	v.Activity.Hide()
	v.Activity.Stop()
	v.Status = widget.NewLabel("")
	v.Status.Truncation = fyne.TextTruncateEllipsis
	v.Banner = widget.NewLabelWithStyle("", fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	v.Banner.Wrapping = fyne.TextWrapWord
	v.BannerBG = canvas.NewRectangle(color.Transparent)
	v.Details = widget.NewForm()

	v.Type = widget.NewSelect([]string{"technical", "administrative", "peer"}, nil)
	v.Type.SetSelected("technical")
	v.Scope = widget.NewEntry()
	v.Scope.SetPlaceHolder("What the review covered (runs, notes, findings, report)")
	v.Findings = widget.NewMultiLineEntry()
	v.Findings.SetPlaceHolder("Findings of the review")
	v.Findings.SetMinRowsVisible(2)
	v.Disagreements = widget.NewMultiLineEntry()
	v.Disagreements.SetPlaceHolder("Disagreements and how they were resolved")
	v.Disagreements.SetMinRowsVisible(2)
	v.Outcome = widget.NewSelect([]string{"approved", "approved-with-comments", "rejected"}, nil)
	v.Outcome.PlaceHolder = "Outcome"
	v.Independence = widget.NewEntry()
	v.Independence.SetPlaceHolder("Independence (e.g. not involved in the examination)")
	v.SignOff = widget.NewButtonWithIcon("Sign off", theme.DocumentSaveIcon(), v.signOff)
	v.Reviews = widget.NewLabel("")
	v.Reviews.Wrapping = fyne.TextWrapWord

	who := s.Examiner.Name
	if who == "" {
		who = "(no examiner set up)"
	}
	mode := "Review mode: the record is open read-only; review notes (Notes tab) and the sign-off are written with the reviewer's own key as " + who + "."
	if !s.ReadOnly {
		mode = "The record is open for examination as " + who + ". A peer review is normally done by someone else, from the start screen's “Open for review”."
	}
	signForm := widget.NewForm(
		widget.NewFormItem("Type", v.Type), widget.NewFormItem("Scope", v.Scope), widget.NewFormItem("Findings", v.Findings),
		widget.NewFormItem("Disagreements", v.Disagreements), widget.NewFormItem("Independence", v.Independence), widget.NewFormItem("Outcome", v.Outcome))
	modeLabel := widget.NewLabel(mode)
	modeLabel.Wrapping = fyne.TextWrapWord
	left := container.NewVBox(
		modeLabel,
		widget.NewLabelWithStyle("Evidence to reproduce from", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), v.Evidence,
		container.NewHBox(v.Check), container.NewStack(v.Progress, v.Activity), v.Status,
		container.NewStack(v.BannerBG, container.NewPadded(v.Banner)), v.Details)
	right := container.NewVBox(widget.NewLabelWithStyle("Sign-off", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), signForm, v.SignOff,
		widget.NewLabelWithStyle("Sign-offs in this record", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), v.Reviews)
	split := container.NewHSplit(container.NewVScroll(left), container.NewVScroll(right))
	split.Offset = 0.55
	v.content = split
	v.refresh()
	return v
}

// Content returns the view's root object.
func (v *ReviewView) Content() fyne.CanvasObject { return v.content }

func (v *ReviewView) refresh() {
	st := v.VM.State()
	v.Banner.SetText(st.Banner)
	v.BannerBG.FillColor = bannerColour(st.Kind)
	v.BannerBG.Refresh()
	v.Status.SetText(st.Status)
	if st.Busy {
		v.Check.Disable()
		if st.Fraction < 0 {
			v.Progress.Hide()
			v.Activity.Show()
			v.Activity.Start()
		} else {
			v.Activity.Stop()
			v.Activity.Hide()
			v.Progress.Show()
			v.Progress.SetValue(st.Fraction)
		}
	} else {
		v.Check.Enable()
		v.Activity.Stop()
		v.Activity.Hide()
		v.Progress.Show()
		v.Progress.SetValue(st.Fraction)
	}
	v.Details.Items = nil
	for _, f := range st.Details {
		v.Details.Append(f.Label, valueLabel(f.Value))
	}
	v.Details.Refresh()
}

func (v *ReviewView) check() {
	var paths []string
	for _, l := range strings.Split(v.Evidence.Text, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			paths = append(paths, l)
		}
	}
	v.VM.SetEvidence(paths)
	v.Check.Disable()
	go func() {
		err := v.VM.Check(context.Background())
		fyne.Do(func() {
			v.refresh()
			v.signal(err)
		})
	}()
}

func (v *ReviewView) signOff() {
	rv := record.Review{Type: v.Type.Selected, Scope: v.Scope.Text, Findings: v.Findings.Text, Disagreements: v.Disagreements.Text,
		Outcome: v.Outcome.Selected, Independence: v.Independence.Text}
	if strings.TrimSpace(rv.Scope) == "" {
		v.Status.SetText("Say what the review covered (scope) before signing off.")
		return
	}
	v.SignOff.Disable()
	go func() {
		seq, err := v.VM.SignOff(context.Background(), rv)
		list, lerr := v.VM.Reviews(context.Background())
		fyne.Do(func() {
			v.SignOff.Enable()
			if err != nil {
				v.Status.SetText("Not signed off: " + err.Error())
			} else {
				v.Status.SetText(fmt.Sprintf("Signed off as audit entry #%d.", seq))
			}
			v.showReviews(list, lerr)
			v.signal(err)
		})
	}()
}

func (v *ReviewView) loadReviews() {
	list, err := v.VM.Reviews(context.Background())
	fyne.Do(func() { v.showReviews(list, err) })
}

func (v *ReviewView) showReviews(list []string, err error) {
	switch {
	case err != nil:
		v.Reviews.SetText("Could not read sign-offs: " + err.Error())
	case len(list) == 0:
		v.Reviews.SetText("none yet")
	default:
		v.Reviews.SetText(strings.Join(list, "\n"))
	}
}

func (v *ReviewView) signal(err error) {
	select {
	case v.Done <- err:
	default:
	}
}
