package ui

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/loupe-forensics/loupe/artefacts/wallets/passwordtrial"
	"github.com/loupe-forensics/loupe/forensic/record"
	"github.com/loupe-forensics/loupe/ui/viewmodel"
)

// WalletPasswordRow is the detail pane's "Try passwords…" button, shown for
// an artefact the record says belongs to an encrypted wallet the trial can
// test; disabled, with the reason beside it, when this session may not try
// (review mode, evidence not open).
type WalletPasswordRow struct {
	Button *widget.Button
	Why    *widget.Label
	// Dialog is the last dialog opened (tests drive it).
	Dialog *WalletPasswordDialog

	d       *DetailPane
	art     *record.StoredArtefact
	content *fyne.Container
}

func newWalletPasswordRow(d *DetailPane) *WalletPasswordRow {
	r := &WalletPasswordRow{d: d}
	r.Button = widget.NewButtonWithIcon("Try passwords…", theme.LoginIcon(), r.open)
	r.Why = widget.NewLabel("")
	r.Why.Wrapping = fyne.TextWrapWord
	r.content = container.NewVBox(r.Button, r.Why)
	r.content.Hide()
	return r
}

// Content returns the row's root object.
func (r *WalletPasswordRow) Content() fyne.CanvasObject { return r.content }

// Set shows the row for det's artefact when it is a locked wallet (nil: hide).
func (r *WalletPasswordRow) Set(det *viewmodel.Detail) {
	if det == nil || !viewmodel.WalletLocked(det.Artefact) {
		r.art = nil
		r.content.Hide()
		return
	}
	a := det.Artefact
	r.art = &a
	ok, why := viewmodel.WalletPasswordAllowed(r.d.S)
	if ok {
		r.Button.Enable()
		r.Why.SetText("The record says this wallet is encrypted; try passwords found in the investigation.")
	} else {
		r.Button.Disable()
		r.Why.SetText(why)
	}
	r.content.Show()
}

func (r *WalletPasswordRow) open() {
	if r.art == nil {
		return
	}
	r.Dialog = NewWalletPasswordDialog(r.d.S, *r.art, r.d.win)
	r.Dialog.Show()
}

// WalletPasswordDialog lets the examiner try passwords found in the
// investigation against one encrypted wallet: a password file, a wordlist
// (with its cap) or a few typed in; the trial runs off the UI goroutine
// with progress and cancel, and every attempt is an audit entry
// (viewmodel.TryWalletPasswords, the CLI's core).
type WalletPasswordDialog struct {
	S        *viewmodel.Session
	Artefact record.StoredArtefact

	Source   *widget.RadioGroup
	Path     *widget.Entry
	Browse   *widget.Button
	Max      *widget.Entry
	Typed    *widget.Entry
	TryEmpty *widget.Check
	Caps     *widget.Label
	Progress *widget.ProgressBar
	Status   *widget.Label
	Result   *widget.Label
	Start    *widget.Button
	Cancel   *widget.Button
	Close    *widget.Button

	// Done receives each trial's error (nil when it ran, found or not)
	// once the dialog shows its result; buffered so nobody has to listen.
	Done chan error
	// Last is the last trial's result (UI goroutine).
	Last *passwordtrial.Result
	// OnAttempt, when set, is called on the trial's worker after each
	// attempt's progress is shown (tests cancel part-way with it).
	OnAttempt func(done, total int)

	win     fyne.Window
	dlg     dialog.Dialog
	content fyne.CanvasObject
	cancel  context.CancelFunc
}

// NewWalletPasswordDialog builds the dialog for one artefact's wallet.
func NewWalletPasswordDialog(s *viewmodel.Session, a record.StoredArtefact, w fyne.Window) *WalletPasswordDialog {
	d := &WalletPasswordDialog{S: s, Artefact: a, win: w, Done: make(chan error, 4)}
	file := a.Ref
	if f := passwordtrial.FileStep(a.Source); f != nil {
		file = f.Path()
	}
	title := widget.NewLabelWithStyle(fmt.Sprintf("#%d %s\n%s", a.ID, a.Kind, file), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	title.Wrapping = fyne.TextWrapBreak

	d.Path = widget.NewEntry()
	d.Path.SetPlaceHolder("Path of the password file or wordlist")
	d.Browse = widget.NewButtonWithIcon("Choose…", theme.FolderOpenIcon(), d.choose)
	d.Max = widget.NewEntry()
	d.Max.SetText(strconv.Itoa(passwordtrial.DefaultWordlist))
	d.Typed = widget.NewMultiLineEntry()
	d.Typed.SetPlaceHolder("One password per line (at most 100)")
	d.Typed.SetMinRowsVisible(4)
	d.TryEmpty = widget.NewCheck("Also try the empty password (line 0)", nil)
	d.Caps = widget.NewLabel(viewmodel.WalletPasswordCaps)
	d.Caps.Wrapping = fyne.TextWrapWord
	d.Source = widget.NewRadioGroup(viewmodel.PasswordListKinds, func(string) { d.sourceChanged() })
	d.Source.Required = true
	d.Source.SetSelected(viewmodel.PasswordListKinds[viewmodel.PasswordFile])

	d.Progress = widget.NewProgressBar()
	d.Status = widget.NewLabel("Not started.")
	d.Result = widget.NewLabel("")
	d.Result.Wrapping = fyne.TextWrapWord
	d.Result.TextStyle = fyne.TextStyle{Bold: true}
	d.Start = widget.NewButtonWithIcon("Try", theme.MediaPlayIcon(), d.start)
	d.Start.Importance = widget.HighImportance
	d.Cancel = widget.NewButtonWithIcon("Cancel", theme.CancelIcon(), func() {
		if d.cancel != nil {
			d.cancel()
			d.Status.SetText(d.Status.Text + " — cancelling…")
		}
	})
	d.Cancel.Disable()
	d.Close = widget.NewButton("Close", func() {
		if d.cancel != nil {
			d.cancel()
		}
		if d.dlg != nil {
			d.dlg.Hide()
		}
	})

	pathRow := container.NewBorder(nil, nil, nil, d.Browse, d.Path)
	maxRow := container.NewBorder(nil, nil, widget.NewLabel("Wordlist cap"), nil, d.Max)
	// The inputs scroll; the progress, the result and the buttons stay in view.
	inputs := container.NewVScroll(container.NewVBox(d.Source, pathRow, maxRow, d.Typed, d.TryEmpty, d.Caps))
	outcome := container.NewVBox(widget.NewSeparator(), container.NewHBox(d.Start, d.Cancel, d.Close),
		d.Progress, d.Status, d.Result)
	d.content = container.NewBorder(title, outcome, nil, nil, inputs)
	return d
}

// Content returns the dialog's body (tests and screenshots place it).
func (d *WalletPasswordDialog) Content() fyne.CanvasObject { return d.content }

// Show opens the dialog over the window.
func (d *WalletPasswordDialog) Show() {
	d.dlg = dialog.NewCustomWithoutButtons("Try passwords found in the investigation", d.content, d.win)
	d.dlg.Resize(fyne.NewSize(700, 760))
	d.dlg.Show()
}

func (d *WalletPasswordDialog) kind() viewmodel.PasswordListKind {
	for i, k := range viewmodel.PasswordListKinds {
		if d.Source.Selected == k {
			return viewmodel.PasswordListKind(i)
		}
	}
	return viewmodel.PasswordFile
}

// sourceChanged enables the inputs that belong to the chosen kind of list.
func (d *WalletPasswordDialog) sourceChanged() {
	if d.Path == nil {
		return // still being built
	}
	k := d.kind()
	enable(k != viewmodel.TypedPasswords, d.Path, d.Browse)
	enable(k == viewmodel.Wordlist, d.Max)
	enable(k == viewmodel.TypedPasswords, d.Typed)
}

func (d *WalletPasswordDialog) choose() {
	fd := dialog.NewFileOpen(func(rc fyne.URIReadCloser, err error) {
		if err != nil || rc == nil {
			return
		}
		d.Path.SetText(rc.URI().Path())
		_ = rc.Close() // the list is read again by path when the trial starts
	}, d.win)
	fd.Show()
}

// Spec is the examiner's choice as the view model takes it.
func (d *WalletPasswordDialog) Spec() (viewmodel.PasswordListSpec, error) {
	spec := viewmodel.PasswordListSpec{Kind: d.kind(), Path: strings.TrimSpace(d.Path.Text), Typed: d.Typed.Text, TryEmpty: d.TryEmpty.Checked}
	if spec.Kind == viewmodel.Wordlist {
		n, err := strconv.Atoi(strings.TrimSpace(d.Max.Text))
		if err != nil || n < 1 || n > passwordtrial.MaxWordlist {
			return spec, fmt.Errorf("the wordlist cap takes 1 to %d", passwordtrial.MaxWordlist)
		}
		spec.Max = n
	}
	return spec, nil
}

// start reads the list (refusing one over its cap before any attempt) and
// runs the trial on a goroutine, reporting attempt n of N.
func (d *WalletPasswordDialog) start() {
	spec, err := d.Spec()
	var list passwordtrial.List
	if err == nil {
		list, err = spec.Load()
	}
	if err != nil {
		d.Result.SetText("Not started: " + err.Error())
		d.content.Refresh()
		d.signal(err)
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	d.cancel = cancel
	d.Start.Disable()
	d.Cancel.Enable()
	d.Result.SetText("")
	d.Progress.SetValue(0)
	d.Status.SetText(fmt.Sprintf("Reading the wallet from the evidence; %d candidates…", len(list.Candidates)))
	go func() {
		defer cancel()
		res, err := viewmodel.TryWalletPasswords(ctx, d.S, d.Artefact.ID, list, func(done, total int) {
			fyne.Do(func() {
				d.Progress.SetValue(float64(done) / float64(total))
				d.Status.SetText(fmt.Sprintf("Attempt %d of %d", done, total))
			})
			if d.OnAttempt != nil {
				d.OnAttempt(done, total)
			}
		})
		fyne.Do(func() {
			d.cancel = nil
			d.Last = res
			d.Start.Enable()
			d.Cancel.Disable()
			if res != nil && res.Attempts > 0 && d.S.Changed != nil {
				d.S.Changed() // the audit chain grew
			}
			if res != nil && len(res.Opened) > 0 {
				d.Progress.SetValue(1)
			}
			d.Result.SetText(viewmodel.WalletPasswordOutcome(res, err))
			d.content.Refresh() // the wrapped result's height is known only now
			d.signal(err)
		})
	}()
}

// signal tells a waiting test the dialog settled, never blocking the UI.
func (d *WalletPasswordDialog) signal(err error) {
	select {
	case d.Done <- err:
	default:
	}
}
