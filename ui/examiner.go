package ui

import (
	"errors"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"github.com/loupe-forensics/loupe/ui/viewmodel"
)

// ShowExaminerSetup asks for the examiner's name and role on first run (or
// to change them), makes the signing key and saves the profile. done gets
// the profile with its key fingerprint, or is not called when cancelled.
func ShowExaminerSetup(w fyne.Window, prefs viewmodel.Prefs, keyDir string, done func(viewmodel.ExaminerProfile)) {
	cur, _ := viewmodel.LoadExaminer(prefs)
	name := widget.NewEntry()
	name.SetText(cur.Name)
	name.Validator = func(s string) error {
		if s == "" {
			return errors.New("required")
		}
		return nil
	}
	role := widget.NewEntry()
	role.SetText(cur.Role)
	role.SetPlaceHolder("Digital Forensic Examiner")
	items := []*widget.FormItem{
		widget.NewFormItem("Name", name),
		widget.NewFormItem("Role", role),
		widget.NewFormItem("", widget.NewLabel("A personal Ed25519 signing key is made in the key folder;\nthe record holds only its public key and fingerprint.")),
	}
	d := dialog.NewForm("Examiner set-up", "Save", "Cancel", items, func(ok bool) {
		if !ok {
			return
		}
		ex, err := viewmodel.SetUpExaminer(prefs, keyDir, viewmodel.ExaminerProfile{Name: name.Text, Role: role.Text})
		if err != nil {
			dialog.ShowError(err, w)
			return
		}
		dialog.ShowInformation("Examiner set up", ex.Name+"\nkey fingerprint "+ex.Fingerprint, w)
		if done != nil {
			done(ex)
		}
	}, w)
	d.Resize(fyne.NewSize(520, 260))
	d.Show()
}
