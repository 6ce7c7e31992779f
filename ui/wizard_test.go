package ui

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/loupe-forensics/loupe/artefacts"
	"github.com/loupe-forensics/loupe/artefacts/filetype"
	"github.com/loupe-forensics/loupe/forensic/evidencetest"
	"github.com/loupe-forensics/loupe/forensic/record"
	"github.com/loupe-forensics/loupe/ui/viewmodel"
)

func fileTypeOnly() (*artefacts.Registry, error) { return artefacts.NewRegistry(filetype.New()) }

// fillWizard types the case details and creates the record.
func fillWizard(t *testing.T, v *WizardView, recPath string) {
	t.Helper()
	test.Type(v.Case, "OP-LANTERN-2026")
	test.Type(v.Exhibit, "RX/1")
	v.Examiner.SetText("")
	test.Type(v.Examiner, "DC Test Examiner")
	test.Type(v.Instructions, "Examine for Tor and wallet artefacts.")
	v.RecordPath.SetText(recPath)
	if !v.ImagePath.Disabled() || !v.VerifyButton.Disabled() {
		t.Fatal("evidence step enabled before the record exists")
	}
	test.Tap(v.CreateButton)
	if v.VM.Record() == nil {
		t.Fatal("Create record made no record")
	}
	if !v.Case.Disabled() || v.AddButton.Disabled() {
		t.Fatal("after creating the record the details should lock and the evidence step open")
	}
}

func verifyEntries(t *testing.T, rec *record.Record) []map[string]any {
	t.Helper()
	es, err := rec.EntriesByAction(context.Background(), viewmodel.ActionEvidenceVerify)
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	for _, e := range es {
		var p map[string]any
		if err := json.Unmarshal(e.Params, &p); err != nil {
			t.Fatal(err)
		}
		out = append(out, p)
	}
	return out
}

func waitChan(t *testing.T, c <-chan error, what string) error {
	t.Helper()
	if c == nil {
		t.Fatalf("tapping started no %s", what)
	}
	select {
	case err := <-c:
		return err
	case <-time.After(60 * time.Second):
		t.Fatalf("%s did not finish", what)
	}
	return nil
}

// TestWizardVerifiesAndExamines drives the wizard on the committed
// two-segment E01: details typed, record created, image added (format
// detected, both segments found), verified to a green banner that is
// recorded, examined through the scan pipeline, then opened in the shell.
func TestWizardVerifiesAndExamines(t *testing.T) {
	test.NewTempApp(t)
	w := test.NewTempWindow(t, nil)
	keys := t.TempDir()
	recPath := filepath.Join(t.TempDir(), "rx1.loupe")
	var opened *viewmodel.Session
	v := NewWizardView(w, viewmodel.ScanExaminer(fileTypeOnly, "loupe test"), keys, viewmodel.ExaminerProfile{Name: "prefilled"},
		func(rec *record.Record, d viewmodel.WizardDetails, images []viewmodel.WizardImage) {
			opened = &viewmodel.Session{Record: rec, RecordPath: d.RecordPath, EvidencePaths: images[0].Paths}
		})
	w.SetContent(v.Content())
	if v.Examiner.Text != "prefilled" || v.Zone.Text != "Europe/London" {
		t.Errorf("prefill: examiner %q zone %q", v.Examiner.Text, v.Zone.Text)
	}
	fillWizard(t, v, recPath)

	segs := evidencetest.E01(t, "gpt")
	info := evidencetest.DiskInfo(t, "gpt")
	v.ImagePath.SetText(segs[0])
	test.Tap(v.AddButton)
	images := v.VM.Images()
	if len(images) != 1 || images[0].Format != "e01" || len(images[0].Paths) != len(segs) || images[0].Size != info.Size {
		t.Fatalf("added image = %+v, want e01 of %d bytes in %d segments", images, info.Size, len(segs))
	}
	if !strings.Contains(v.Images.Text, "gpt.E01 — E01") || !strings.Contains(v.Images.Text, "2 segments") {
		t.Errorf("image list = %q", v.Images.Text)
	}
	waitFor(t, func() bool { return !v.VerifyButton.Disabled() })
	test.Tap(v.VerifyButton)
	if err := waitChan(t, v.verifying, "verification"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return strings.HasPrefix(v.Banner.Text, "VERIFIED") })
	if v.BannerBG.FillColor != bannerColour(viewmodel.BannerOK) {
		t.Errorf("banner colour = %v, want green", v.BannerBG.FillColor)
	}
	if v.Progress.Value != 1 {
		t.Errorf("progress = %v", v.Progress.Value)
	}
	got := verifyEntries(t, v.VM.Record())
	if len(got) != 1 || got[0]["result"] != "match" || got[0]["md5"] != info.MD5 || got[0]["sha256"] != info.SHA256 {
		t.Fatalf("recorded verification = %v, want one match with md5 %s", got, info.MD5)
	}

	waitFor(t, func() bool { return !v.ExamineButton.Disabled() })
	test.Tap(v.ExamineButton)
	if err := waitChan(t, v.examining, "examination"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return !v.OpenButton.Disabled() })
	st := v.VM.State()
	if st.Summary == nil || st.Summary.Status != "complete" || st.Summary.Files < int64(len(info.Files)/2) {
		t.Fatalf("examination summary = %+v", st.Summary)
	}
	if !strings.HasPrefix(v.ExamineStatus.Text, "Examination complete") {
		t.Errorf("examine status = %q", v.ExamineStatus.Text)
	}
	ctx := context.Background()
	ver, err := v.VM.Record().Rows(ctx, "verifications")
	if err != nil || len(ver) != 1 || ver[0]["result"] != "match" {
		t.Errorf("pipeline verification rows = %v (%v)", ver, err)
	}
	arts := 0
	for _, err := range v.VM.Record().Artefacts(ctx, "file.type") {
		if err != nil {
			t.Fatal(err)
		}
		arts++
	}
	if arts == 0 || int64(arts) != st.Summary.Artefacts {
		t.Errorf("%d file.type artefacts in the record, summary says %d", arts, st.Summary.Artefacts)
	}
	test.Tap(v.OpenButton)
	if opened == nil || len(opened.EvidencePaths) != len(segs) {
		t.Fatalf("Open examination gave session %+v", opened)
	}
	paths, err := viewmodel.SessionEvidence(ctx, v.VM.Record())
	if err != nil || len(paths) != 1 || filepath.Base(paths[0][1]) != "gpt.E02" {
		t.Errorf("recorded evidence = %v (%v)", paths, err)
	}
	if res, err := v.VM.Record().Verify(ctx); err != nil || !res.OK {
		t.Errorf("record does not verify: %+v %v", res, err)
	}
}

// TestWizardCorruptSegmentIsRed verifies a copy of the E01 whose second
// segment has one byte changed inside its chunk data: the banner must be
// red and the failure recorded.
func TestWizardCorruptSegmentIsRed(t *testing.T) {
	test.NewTempApp(t)
	w := test.NewTempWindow(t, nil)
	dir := t.TempDir()
	var copies []string
	for _, s := range evidencetest.E01(t, "gpt") {
		b, err := os.ReadFile(s)
		if err != nil {
			t.Fatal(err)
		}
		dst := filepath.Join(dir, filepath.Base(s))
		if filepath.Ext(s) == ".E02" {
			// The middle of the last segment is compressed chunk data
			// (the incompressible containers are stored there).
			b[len(b)/2] ^= 0xff
		}
		if err := os.WriteFile(dst, b, 0o444); err != nil {
			t.Fatal(err)
		}
		copies = append(copies, dst)
	}
	v := NewWizardView(w, nil, t.TempDir(), viewmodel.ExaminerProfile{}, nil)
	w.SetContent(v.Content())
	fillWizard(t, v, filepath.Join(t.TempDir(), "bad.loupe"))
	v.ImagePath.SetText(copies[0])
	test.Tap(v.AddButton)
	waitFor(t, func() bool { return !v.VerifyButton.Disabled() })
	test.Tap(v.VerifyButton)
	_ = waitChan(t, v.verifying, "verification")
	waitFor(t, func() bool { return v.Banner.Text != "" })
	if !strings.HasPrefix(v.Banner.Text, "HASH MISMATCH") && !strings.HasPrefix(v.Banner.Text, "UNREADABLE REGIONS") {
		t.Errorf("banner = %q", v.Banner.Text)
	}
	if v.BannerBG.FillColor != bannerColour(viewmodel.BannerFail) {
		t.Errorf("banner colour = %v, want red", v.BannerBG.FillColor)
	}
	got := verifyEntries(t, v.VM.Record())
	if len(got) != 1 || (got[0]["result"] != "mismatch" && got[0]["result"] != "unreadable") {
		t.Fatalf("recorded verification = %v", got)
	}
	t.Logf("corrupt segment: %q, recorded %v", v.Banner.Text, got[0]["result"])
}
