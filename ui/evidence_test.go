package ui

import (
	"context"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/loupe-forensics/loupe/ui/viewmodel"
)

type stubEvidence struct{ match bool }

func (s stubEvidence) Describe() []viewmodel.Field {
	return []viewmodel.Field{{Label: "Format", Value: "e01"}, {Label: "Size", Value: "48 MiB"}}
}
func (s stubEvidence) Close() error { return nil }
func (s stubEvidence) Verify(_ context.Context, p func(viewmodel.Progress)) (viewmodel.Outcome, error) {
	p(viewmodel.Progress{Done: 1, Total: 2})
	return viewmodel.Outcome{MD5: "m", SHA1: "s", SHA256: "x", StoredMatch: &s.match}, nil
}

func TestEvidenceViewVerifyFlow(t *testing.T) {
	a := test.NewTempApp(t)
	w := test.NewTempWindow(t, nil)
	_ = a
	v := NewEvidenceView(w, func(context.Context, []string) (viewmodel.Evidence, error) { return stubEvidence{match: true}, nil })
	w.SetContent(v.Content())

	if !v.VerifyButton.Disabled() {
		t.Error("Verify enabled with no evidence open")
	}
	if err := v.VM.Open(context.Background(), []string{"demo.E01"}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return len(v.Details.Items) == 2 && !v.VerifyButton.Disabled() })
	if v.Details.Items[0].Text != "Format" {
		t.Errorf("first detail row = %q", v.Details.Items[0].Text)
	}
	test.Tap(v.VerifyButton)
	waitVerify(t, v)
	if !strings.HasPrefix(v.Banner.Text, "VERIFIED") {
		t.Errorf("banner = %q", v.Banner.Text)
	}
	if v.Progress.Value != 1 {
		t.Errorf("progress = %v, want 1", v.Progress.Value)
	}
	if len(v.Details.Items) != 5 {
		t.Errorf("details rows after verify = %d, want 5 (with the three computed hashes)", len(v.Details.Items))
	}
}

func TestEvidenceViewMismatchIsUnmistakable(t *testing.T) {
	test.NewTempApp(t)
	w := test.NewTempWindow(t, nil)
	v := NewEvidenceView(w, func(context.Context, []string) (viewmodel.Evidence, error) { return stubEvidence{match: false}, nil })
	w.SetContent(v.Content())
	_ = v.VM.Open(context.Background(), nil)
	waitFor(t, func() bool { return !v.VerifyButton.Disabled() })
	test.Tap(v.VerifyButton)
	waitVerify(t, v)
	if !strings.HasPrefix(v.Banner.Text, "HASH MISMATCH") {
		t.Errorf("banner = %q", v.Banner.Text)
	}
	if v.BannerBG.FillColor != bannerColour(viewmodel.BannerFail) {
		t.Errorf("mismatch banner colour = %v", v.BannerBG.FillColor)
	}
}

func waitVerify(t *testing.T, v *EvidenceView) {
	t.Helper()
	if v.verifying == nil {
		t.Fatal("tapping Verify started nothing")
	}
	select {
	case <-v.verifying:
	case <-time.After(5 * time.Second):
		t.Fatal("verification did not finish")
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
