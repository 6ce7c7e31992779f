package ui

import (
	"context"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/loupe-forensics/loupe/forensic/record"
)

func TestSearchViewLogsAndOpensHits(t *testing.T) {
	test.NewTempApp(t)
	w := test.NewTempWindow(t, nil)
	s := viewsSession(t, false)
	v := NewSearchView(s, w)
	w.SetContent(v.Content())
	// Hits expected: artefacts with "obfs4" in their kind or a string value.
	want := 0
	for a, err := range s.Record.Artefacts(context.Background(), "") {
		if err != nil {
			t.Fatal(err)
		}
		for _, at := range a.Attrs {
			if strings.Contains(strings.ToLower(at.Str), "obfs4") {
				want++
				break
			}
		}
	}
	before := headSeq(t, s)
	test.Type(v.Term, "OBFS4")
	test.Tap(v.Go) // no reason: refused, nothing logged
	if err := waitDone(t, v.Done, "the refused search"); err == nil || headSeq(t, s) != before {
		t.Fatalf("search without reason: %v", err)
	}
	test.Type(v.Reason, "bridges the suspect configured")
	test.Tap(v.Go)
	if err := waitDone(t, v.Done, "the search"); err != nil {
		t.Fatal(err)
	}
	if want == 0 || v.Result.Count != int64(want) || len(v.Result.Hits) != want {
		t.Fatalf("%d hits, want %d", v.Result.Count, want)
	}
	if headSeq(t, s)-before != 1 {
		t.Errorf("search added %d entries", headSeq(t, s)-before)
	}
	logged, _ := s.Record.EntriesByAction(context.Background(), record.ActionSearch)
	if len(logged) == 0 || !strings.Contains(string(logged[len(logged)-1].Params), `"terms":["OBFS4"]`) {
		t.Errorf("search log %s", logged[len(logged)-1].Params)
	}
	v.Results.Select(widget.TableCellID{Row: 0, Col: 4})
	if err := waitDone(t, v.Detail.Done, "the hit's detail"); err != nil {
		t.Fatal(err)
	}
	if v.Detail.Current == nil || v.Detail.Current.Artefact.ID != v.Result.Hits[0].ID {
		t.Errorf("detail shows %+v, hit %d", v.Detail.Current, v.Result.Hits[0].ID)
	}
}
