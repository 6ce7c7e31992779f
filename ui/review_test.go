package ui

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"github.com/loupe-forensics/loupe/forensic/record"
	"github.com/loupe-forensics/loupe/ui/viewmodel"
)

// Review mode: Verify and reproduce shows the banner; signing off adds a
// review entry to the chain under the reviewer's key.
func TestReviewViewCheckAndSignOff(t *testing.T) {
	test.NewTempApp(t)
	w := test.NewTempWindow(t, nil)
	s := viewsSession(t, true)
	v := NewReviewView(s, w)
	w.SetContent(v.Content())
	if !strings.HasPrefix(v.Banner.Text, "Not yet checked") {
		t.Errorf("initial banner %q", v.Banner.Text)
	}
	test.Tap(v.Check)
	if err := waitDone(t, v.Done, "verify and reproduce"); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(v.Banner.Text, "PASS WITH GAPS — chain intact; 1 run(s) reproduced identically") || v.BannerBG.FillColor != bannerColour(viewmodel.BannerInfo) {
		t.Errorf("banner %q colour %v", v.Banner.Text, v.BannerBG.FillColor)
	}
	if v.Progress.Value != 1 || v.Check.Disabled() {
		t.Errorf("after the check: progress %v, button disabled %v", v.Progress.Value, v.Check.Disabled())
	}

	before := headSeq(t, s)
	v.Outcome.SetSelected("approved-with-comments")
	test.Tap(v.SignOff) // no scope yet: refused before writing
	if headSeq(t, s) != before || !strings.Contains(v.Status.Text, "scope") {
		t.Fatalf("sign-off without scope: status %q", v.Status.Text)
	}
	test.Type(v.Scope, "runs 1-2, notes, tags")
	test.Type(v.Independence, "not involved in the examination")
	test.Tap(v.SignOff)
	if err := waitDone(t, v.Done, "the sign-off"); err != nil {
		t.Fatal(err)
	}
	reviews, err := s.Record.EntriesByAction(context.Background(), record.ActionReview)
	if err != nil {
		t.Fatal(err)
	}
	if len(reviews) != 1 {
		t.Fatalf("%d review entries", len(reviews))
	}
	var p struct{ Review record.Review }
	if err := json.Unmarshal(reviews[0].Params, &p); err != nil {
		t.Fatal(err)
	}
	if p.Review.Type != "technical" || p.Review.Scope != "runs 1-2, notes, tags" || p.Review.Outcome != "approved-with-comments" || p.Review.Independence != "not involved in the examination" {
		t.Errorf("review recorded as %+v", p.Review)
	}
	names, _ := s.Record.ExaminerNames(context.Background())
	if !strings.HasPrefix(names[reviews[0].Actor], "Rita Reviewer") {
		t.Errorf("signed by %q", names[reviews[0].Actor])
	}
	if res, err := s.Record.Verify(context.Background()); err != nil || !res.OK {
		t.Errorf("record after sign-off: %+v %v", res, err)
	}
}
