// Command loupe is Loupe's desktop examination workstation (Fyne). This file
// only wires things together: the views live in ui/, the logic in ui/viewmodel
// and the evidence layers in imaging and forensic.
//
//	loupe [IMAGE...]   opens the window, with the named evidence if given
package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"
	"github.com/dustin/go-humanize"

	"github.com/loupe-forensics/loupe/imaging"
	"github.com/loupe-forensics/loupe/ui"
	"github.com/loupe-forensics/loupe/ui/viewmodel"
)

func main() {
	a := app.NewWithID("uk.police.roccu.loupe")
	w := a.NewWindow("Loupe — forensic examination")
	view := ui.NewEvidenceView(w, openEvidence)
	w.SetContent(view.Content())
	w.Resize(fyne.NewSize(1000, 700))
	if len(os.Args) > 1 {
		go func() {
			_ = view.VM.Open(context.Background(), os.Args[1:])
		}()
	}
	w.ShowAndRun()
}

// evidence adapts an imaging.Image to what the evidence view needs.
type evidence struct{ img imaging.Image }

func openEvidence(ctx context.Context, paths []string) (viewmodel.Evidence, error) {
	img, err := imaging.Open(ctx, paths...)
	if err != nil {
		return nil, err
	}
	return evidence{img}, nil
}

func (e evidence) Close() error { return e.img.Close() }

func (e evidence) Describe() []viewmodel.Field {
	f := []viewmodel.Field{
		{Label: "Format", Value: strings.ToUpper(e.img.Format())},
		{Label: "Media size", Value: fmt.Sprintf("%s (%d bytes, %d-byte sectors)", humanize.IBytes(uint64(e.img.Size())), e.img.Size(), e.img.SectorSize())},
		{Label: "Files", Value: strings.Join(e.img.Segments(), "\n")},
	}
	m := e.img.Metadata()
	for _, kv := range [][2]string{{"Case number", m.CaseNumber}, {"Evidence number", m.EvidenceNumber}, {"Examiner (acquisition)", m.Examiner},
		{"Description", m.Description}, {"Notes", m.Notes}, {"Acquisition software", m.AcquisitionSoftware}} {
		if kv[1] != "" {
			f = append(f, viewmodel.Field{Label: kv[0], Value: kv[1]})
		}
	}
	if m.Acquired != nil {
		f = append(f, viewmodel.Field{Label: "Acquired", Value: m.Acquired.UTC().Format(time.RFC3339)})
	}
	s := e.img.Stored()
	if s.MD5 != "" {
		f = append(f, viewmodel.Field{Label: "Stored MD5", Value: s.MD5})
	}
	if s.SHA1 != "" {
		f = append(f, viewmodel.Field{Label: "Stored SHA-1", Value: s.SHA1})
	}
	if len(m.AcquisitionErrors) > 0 {
		f = append(f, viewmodel.Field{Label: "Acquisition read errors", Value: fmt.Sprint(m.AcquisitionErrors)})
	}
	return f
}

func (e evidence) Verify(ctx context.Context, progress func(viewmodel.Progress)) (viewmodel.Outcome, error) {
	res, err := imaging.Verify(ctx, e.img, func(p imaging.Progress) {
		progress(viewmodel.Progress{Done: p.Done, Total: p.Total, Rate: p.Rate, ETA: p.ETA})
	})
	if err != nil {
		return viewmodel.Outcome{}, err
	}
	out := viewmodel.Outcome{MD5: res.Computed.MD5, SHA1: res.Computed.SHA1, SHA256: res.Computed.SHA256, StoredMatch: res.StoredMatch}
	for _, ce := range res.Errors {
		out.Errors = append(out.Errors, ce.Error())
	}
	return out, nil
}
