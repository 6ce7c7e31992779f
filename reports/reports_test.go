package reports

import (
	"errors"
	"testing"

	"github.com/loupe-forensics/loupe/reports/report"
)

func TestDispatch(t *testing.T) {
	pairs := Supported()
	if len(pairs) != 18 {
		t.Errorf("%d supported pairs, want 18 (exhibit 2, technical 2, MG6C/D/E 9, intel 3, CASE 1, DFXML 1)", len(pairs))
	}
	for _, p := range pairs {
		if r, err := Lookup(p.Kind, p.Format); err != nil || r == nil {
			t.Errorf("%s/%s listed but not found: %v", p.Kind, p.Format, err)
		}
	}
	tests := []struct {
		kind   report.Kind
		format report.Format
	}{
		{report.KindExhibit, report.FormatCSV},
		{report.KindMG6C, report.FormatHTML},
		{report.KindCASE, report.FormatXML},
		{"nonsense", report.FormatPDF},
	}
	for _, tc := range tests {
		if _, err := Lookup(tc.kind, tc.format); !errors.Is(err, report.ErrUnsupported) {
			t.Errorf("%s/%s: %v, want ErrUnsupported", tc.kind, tc.format, err)
		}
	}
	if err := Render(t.Context(), nil, report.Options{Kind: report.KindExhibit, Format: report.FormatHTML}, nil); !errors.Is(err, report.ErrNoRecord) {
		t.Errorf("nil record: %v, want ErrNoRecord", err)
	}
}
