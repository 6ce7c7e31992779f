package viewmodel

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/loupe-forensics/loupe/forensic/record"
)

func TestSearchCountsAndLogs(t *testing.T) {
	ctx := context.Background()
	s := demoSession(t, false)
	for _, term := range []string{"alice@example.org", "ONION", "obfs4", "no-such-thing-in-the-demo"} {
		// Expected: artefacts whose kind or some attribute value holds the
		// term, case-insensitively, worked out here from the raw JSON values.
		var want []int64
		for a, err := range s.Record.Artefacts(ctx, "") {
			if err != nil {
				t.Fatal(err)
			}
			hay := []string{a.Kind}
			for _, at := range a.Attrs {
				hay = append(hay, strings.ToLower(jsonText(at.Value())))
			}
			for _, h := range hay {
				if strings.Contains(strings.ToLower(h), strings.ToLower(term)) {
					want = append(want, a.ID)
					break
				}
			}
		}
		before := entryCount(t, s)
		res, err := Search(ctx, s, term, "looking for the suspect's identities")
		if err != nil {
			t.Fatal(err)
		}
		if res.Count != int64(len(want)) || len(res.Hits) != len(want) {
			t.Fatalf("%q: %d hits, want %d", term, res.Count, len(want))
		}
		for i, h := range res.Hits {
			if h.ID != want[i] {
				t.Fatalf("%q hit %d is artefact %d, want %d", term, i, h.ID, want[i])
			}
		}
		if entryCount(t, s)-before != 1 {
			t.Errorf("%q: search not logged as one entry", term)
		}
		logged, err := s.Record.EntriesByAction(ctx, record.ActionSearch)
		if err != nil {
			t.Fatal(err)
		}
		var p struct{ Search record.Search }
		if err := json.Unmarshal(logged[len(logged)-1].Params, &p); err != nil {
			t.Fatal(err)
		}
		if p.Search.Hits != res.Count || len(p.Search.Terms) != 1 || p.Search.Terms[0] != term || p.Search.Kind != "keyword" || p.Search.Scope != SearchScope {
			t.Errorf("%q logged as %+v", term, p.Search)
		}
	}
	if _, err := Search(ctx, s, "alice", ""); err == nil {
		t.Error("a search without a reason was run")
	}
}

// jsonText is how a value reads in the record's JSON (strings bare).
func jsonText(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	b, _ := json.Marshal(v)
	return string(b)
}
