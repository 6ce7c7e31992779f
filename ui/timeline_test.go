package ui

import (
	"context"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/loupe-forensics/loupe/forensic/finding"
	"github.com/loupe-forensics/loupe/ui/viewmodel"
)

// The plot's buckets hold every activity time of the record; tapping a bar
// lists exactly that bucket's events, and zooming in opens it.
func TestTimelineViewBucketsSelectAndZoom(t *testing.T) {
	test.NewTempApp(t)
	w := test.NewTempWindow(t, nil)
	s := viewsSession(t, true)
	v := NewTimelineView(s, w)
	w.SetContent(v.Content())
	w.Resize(fyne.NewSize(1000, 700))
	v.load()

	want := 0
	for a, err := range s.Record.Artefacts(context.Background(), "") {
		if err != nil {
			t.Fatal(err)
		}
		want += len(viewmodel.TimeAttrs(a.Attrs))
		for _, at := range a.Attrs {
			if at.Type == finding.TTime && at.Name == "expires" && len(viewmodel.TimeAttrs([]finding.Attr{at})) != 0 {
				t.Fatal("expiry counted as activity")
			}
		}
	}
	total := 0
	busiest := -1
	for i, b := range v.Buckets {
		total += b.Total
		if busiest < 0 || b.Total > v.Buckets[busiest].Total {
			busiest = i
		}
	}
	if want == 0 || total != want {
		t.Fatalf("plot holds %d events, record %d", total, want)
	}
	zoom := v.VM.Zoom

	// Tap the middle of the busiest bar.
	bw := v.Plot.Size().Width / float32(len(v.Buckets))
	test.TapAt(v.Plot, fyne.NewPos(bw*(float32(busiest)+0.5), 10))
	if len(v.Selected) != v.Buckets[busiest].Total {
		t.Fatalf("tapped bucket %d (%d events), %d listed", busiest, v.Buckets[busiest].Total, len(v.Selected))
	}
	for _, e := range v.Selected {
		if e.Time.Before(v.Buckets[busiest].Start) || !e.Time.Before(v.Buckets[busiest].End) {
			t.Fatalf("event at %s outside the bucket", e.Time)
		}
	}
	if v.VM.Zoom < viewmodel.ZoomMinute {
		if v.ZoomIn.Disabled() {
			t.Fatal("Zoom in disabled with one bucket selected")
		}
		inBucket := v.Buckets[busiest].Total
		test.Tap(v.ZoomIn)
		if v.VM.Zoom != zoom+1 {
			t.Fatalf("zoom %s after zooming in from %s", v.VM.Zoom, zoom)
		}
		sum := 0
		for _, b := range v.Buckets {
			sum += b.Total
		}
		if sum != inBucket {
			t.Errorf("zoomed-in buckets hold %d events, the bucket opened %d", sum, inBucket)
		}
		test.Tap(v.ZoomOut)
		if v.VM.Zoom != zoom {
			t.Errorf("zoom %s after zooming back out", v.VM.Zoom)
		}
	}
}
