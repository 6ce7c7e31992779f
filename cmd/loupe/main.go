// Command loupe is Loupe's desktop examination workstation (Fyne). This file
// only wires things together: the views live in ui/, the logic in ui/viewmodel
// and the evidence layers in imaging and forensic.
//
//	loupe                  the start screen (recent records, new examination, review)
//	loupe RECORD.loupe     opens a record for examination
//	loupe --review RECORD  opens a record read-only for review
//	loupe IMAGE...         browses evidence without a record (nothing is logged)
//	loupe --new            the new-examination wizard
//
// With LOUPE_SHOW=N:/path the file at /path on partition N is shown once the
// evidence is open (the screenshot script uses it).
package main

import (
	"fmt"
	"os"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"

	"github.com/loupe-forensics/loupe/ui"
	"github.com/loupe-forensics/loupe/ui/viewmodel"
)

// Version is the app's version, set at build time (-ldflags -X main.Version=…).
var Version = "0.1.0-dev"

func main() {
	a := app.NewWithID("uk.police.roccu.loupe")
	ui.ApplySavedTheme(a)
	w := a.NewWindow("Loupe — forensic examination")
	w.Resize(fyne.NewSize(1400, 900))
	ctl := ui.NewApp(w, ui.Deps{
		Examine: viewmodel.ScanExaminer(buildRegistry, "loupe "+Version),
		KeyDir:  os.Getenv("LOUPE_KEY_DIR"),
		Prefs:   a.Preferences(),
	})
	w.SetOnClosed(ctl.Close)
	args := os.Args[1:]
	review := len(args) > 0 && args[0] == "--review"
	if review {
		args = args[1:]
	}
	ctl.ShowOnOpen = os.Getenv("LOUPE_SHOW")
	switch {
	case len(args) == 1 && args[0] == "--new":
		ctl.ShowWizard()
	case len(args) == 1 && strings.HasSuffix(args[0], ".loupe"):
		ctl.OpenRecord(args[0], review)
	case len(args) > 0:
		if err := ctl.OpenEvidenceOnly(args); err != nil {
			fmt.Fprintln(os.Stderr, "loupe:", err)
		}
	}
	w.ShowAndRun()
}
