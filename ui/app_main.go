package ui

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/widget"

	"github.com/loupe-forensics/loupe/forensic/disk"
	"github.com/loupe-forensics/loupe/forensic/record"
	"github.com/loupe-forensics/loupe/imaging"
	"github.com/loupe-forensics/loupe/ui/viewmodel"
)

// Deps is what cmd/loupe wires into the app.
type Deps struct {
	Examine viewmodel.Examiner // the scan pipeline with the parser list
	KeyDir  string             // examiner keys ("" = record.DefaultKeyDir)
	Prefs   viewmodel.Prefs    // fyne.App.Preferences()
}

// App drives the window: start screen → wizard or open record → shell.
type App struct {
	Win   fyne.Window
	D     Deps
	Start *StartView
	Wiz   *WizardView
	Shell *Shell
	// ShowOnOpen ("N:/path") shows that file of partition N when an
	// examination opens (for scripted screenshots).
	ShowOnOpen string

	session *viewmodel.Session
}

// NewApp makes the controller and shows the start screen; on first run it
// asks for the examiner's set-up.
func NewApp(w fyne.Window, d Deps) *App {
	app := &App{Win: w, D: d}
	app.ShowStart()
	if _, ok := viewmodel.LoadExaminer(d.Prefs); !ok {
		ShowExaminerSetup(w, d.Prefs, d.KeyDir, func(ex viewmodel.ExaminerProfile) { app.Start.SetExaminer(ex.Name) })
	}
	return app
}

// ShowStart shows the start screen (closing any open examination).
func (app *App) ShowStart() {
	app.closeSession()
	ex, _ := viewmodel.LoadExaminer(app.D.Prefs)
	app.Start = NewStartView(viewmodel.RecentRecords(app.D.Prefs), ex.Name, StartActions{
		Open:         func(p string, ro bool) { app.OpenRecord(p, ro) },
		ChooseRecord: app.chooseRecord,
		New:          app.ShowWizard,
		SetUp: func() {
			ShowExaminerSetup(app.Win, app.D.Prefs, app.D.KeyDir, func(ex viewmodel.ExaminerProfile) { app.Start.SetExaminer(ex.Name) })
		},
	})
	app.Win.SetContent(app.Start.Content())
	app.installGlobalShortcuts()
}

func (app *App) installGlobalShortcuts() {
	app.Win.Canvas().AddShortcut(&ctrlO, func(fyne.Shortcut) { app.chooseRecord(false) })
}

// ShowWizard shows the new-examination wizard.
func (app *App) ShowWizard() {
	ex, _ := viewmodel.LoadExaminer(app.D.Prefs)
	app.Wiz = NewWizardView(app.Win, app.D.Examine, app.D.KeyDir, ex, func(rec *record.Record, d viewmodel.WizardDetails, images []viewmodel.WizardImage) {
		viewmodel.RememberRecord(app.D.Prefs, d.RecordPath)
		var paths []string
		if len(images) > 0 {
			paths = images[0].Paths
		}
		zone, _ := time.LoadLocation(d.Zone)
		app.openSession(&viewmodel.Session{Record: rec, RecordPath: d.RecordPath, EvidencePaths: paths, Zone: zone,
			Examiner: record.Examiner{Name: d.ExaminerName, Role: d.ExaminerRole}, KeyDir: app.D.KeyDir},
			d.Case+" — exhibit "+d.Exhibit)
	})
	back := widget.NewButton("Back to start", func() {
		if r := app.Wiz.VM.Record(); r != nil {
			_ = r.Close()
		}
		app.ShowStart()
	})
	app.Win.SetContent(container.NewBorder(nil, container.NewHBox(back), nil, nil, app.Wiz.Content()))
}

func (app *App) chooseRecord(readOnly bool) {
	d := dialog.NewFileOpen(func(rc fyne.URIReadCloser, err error) {
		if err != nil || rc == nil {
			return
		}
		p := rc.URI().Path()
		_ = rc.Close() // the record is reopened through forensic/record
		app.OpenRecord(p, readOnly)
	}, app.Win)
	d.Show()
}

// OpenRecord opens a record (read-only for review) and its evidence off
// the UI goroutine, then shows the shell.
func (app *App) OpenRecord(path string, readOnly bool) {
	ex, ok := viewmodel.LoadExaminer(app.D.Prefs)
	if !readOnly && !ok {
		ShowExaminerSetup(app.Win, app.D.Prefs, app.D.KeyDir, func(viewmodel.ExaminerProfile) { app.OpenRecord(path, readOnly) })
		return
	}
	prog := dialog.NewCustomWithoutButtons("Opening "+path, widget.NewProgressBarInfinite(), app.Win)
	prog.Show()
	go func() {
		s, title, err := OpenSession(context.Background(), path, readOnly, record.Examiner{Name: ex.Name, Role: ex.Role}, app.D.KeyDir)
		fyne.Do(func() {
			prog.Hide()
			if err != nil {
				dialog.ShowError(err, app.Win)
				return
			}
			viewmodel.RememberRecord(app.D.Prefs, path)
			// The zone the examiner chose for this record in the Display
			// tab wins over the case default, so every view agrees.
			if z := RememberedZone(fyne.CurrentApp(), s.Record.ID()); z != nil {
				s.Zone = z
			}
			app.openSession(s, title)
		})
	}()
}

// OpenSession opens a record and the evidence its sources name (the first
// image source; the tree needs the images to be where they were examined).
// The zone is the case's display_zone detail (Europe/London by default).
func OpenSession(ctx context.Context, path string, readOnly bool, ex record.Examiner, keyDir string) (*viewmodel.Session, string, error) {
	opts := record.Options{KeyDir: keyDir}
	var rec *record.Record
	var err error
	if readOnly {
		rec, err = record.OpenReadOnly(ctx, path, opts)
	} else {
		rec, err = record.Open(ctx, path, ex, opts)
	}
	if err != nil {
		return nil, "", err
	}
	s := &viewmodel.Session{Record: rec, RecordPath: path, ReadOnly: readOnly, Examiner: ex, KeyDir: keyDir}
	caseD, _ := rec.Details(ctx, "case")
	exhibit, _ := rec.Details(ctx, "exhibit")
	if z := caseD["display_zone"]; z != "" {
		if loc, err := time.LoadLocation(z); err == nil {
			s.Zone = loc
		}
	}
	title := strings.TrimSpace(caseD["urn"] + " — exhibit " + exhibit["reference"])
	images, err := viewmodel.SessionEvidence(ctx, rec)
	if err == nil && len(images) > 0 {
		s.EvidencePaths = resolveEvidence(path, images[0])
	}
	return s, title, nil
}

// resolveEvidence finds recorded segment paths: as recorded when they
// exist, else by base name beside the record (the sources row may hold the
// names only, and a case folder usually keeps the images with the record).
func resolveEvidence(recordPath string, segs []string) []string {
	out := make([]string, len(segs))
	for i, sgm := range segs {
		out[i] = sgm
		if _, err := os.Stat(sgm); err == nil {
			continue
		}
		if alt := filepath.Join(filepath.Dir(recordPath), filepath.Base(sgm)); alt != sgm {
			if _, err := os.Stat(alt); err == nil {
				out[i] = alt
			}
		}
	}
	return out
}

// openSession opens the session's evidence (when it has paths and no Disk)
// and shows the shell.
func (app *App) openSession(s *viewmodel.Session, title string) {
	app.closeSession()
	app.session = s
	status := ""
	if s.Disk == nil && len(s.EvidencePaths) > 0 {
		d, err := openDisk(context.Background(), s.EvidencePaths)
		if err != nil {
			status = fmt.Sprintf("Evidence %s not opened: %v", s.EvidencePaths[0], err)
		} else {
			s.Disk = d
		}
	}
	app.Shell = NewShell(s, app.Win, title)
	app.Shell.OpenHook = func() { app.chooseRecord(false) }
	if status != "" {
		app.Shell.SetStatus(status)
	} else {
		app.Shell.SetStatus(fmt.Sprintf("Opened %s. Times are shown in %s.", s.RecordPath, s.DisplayZone()))
	}
	closeBtn := widget.NewButton("Close examination", app.ShowStart)
	app.Win.SetContent(container.NewBorder(nil, container.NewHBox(closeBtn), nil, nil, app.Shell.Content()))
	app.Shell.InstallShortcuts()
	if part, p, ok := strings.Cut(app.ShowOnOpen, ":"); ok && app.Shell.Browse != nil {
		if n, err := strconv.Atoi(part); err == nil {
			if fsNode := app.Shell.Browse.B.Node(viewmodel.DirNodeID(n, "/")); fsNode != nil {
				app.Shell.Browse.ShowSource(fsNode.Ref.Entry(p, "").At(0, 16))
			}
		}
	}
}

// OpenEvidenceOnly shows the shell over images without a record (loupe
// IMAGE...): browsing and the hex viewer work; nothing is recorded.
func (app *App) OpenEvidenceOnly(paths []string) error {
	d, err := openDisk(context.Background(), paths)
	if err != nil {
		return err
	}
	app.openSession(&viewmodel.Session{EvidencePaths: d.Image.Segments(), Disk: d, ReadOnly: true}, "evidence only, no record (nothing is logged)")
	return nil
}

func openDisk(ctx context.Context, paths []string) (*disk.Disk, error) {
	img, err := imaging.Open(ctx, paths...)
	if err != nil {
		return nil, err
	}
	d, err := disk.Open(ctx, img)
	if err != nil {
		_ = img.Close()
		return nil, err
	}
	return d, nil
}

func (app *App) closeSession() {
	s := app.session
	app.session, app.Shell = nil, nil
	if s == nil {
		return
	}
	if s.Record != nil {
		_ = s.Record.Close()
	}
	if s.Disk != nil {
		_ = s.Disk.Close()
	}
}

// Close closes the open examination (on window close).
func (app *App) Close() { app.closeSession() }

var ctrlO = desktop.CustomShortcut{KeyName: fyne.KeyO, Modifier: fyne.KeyModifierShortcutDefault}
