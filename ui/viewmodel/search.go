package viewmodel

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/loupe-forensics/loupe/forensic/finding"
	"github.com/loupe-forensics/loupe/forensic/record"
)

// SearchHit is one artefact a search matched, with where it matched.
type SearchHit struct {
	ID     int64
	Kind   string
	Family string
	Field  string // "kind" or the attribute's name
	Value  string // the matching value, shortened
}

// SearchScope is how searches are described in the search log.
const SearchScope = "artefacts: kinds and attribute values (case-insensitive substring)"

// MaxSearchHits bounds the hits a search keeps for display; the count
// logged is always the full count.
const MaxSearchHits = 10000

// SearchResult is a search's hits and the counts logged for it.
type SearchResult struct {
	Hits      []SearchHit // at most MaxSearchHits, in record order
	Count     int64       // every artefact that matched
	Searched  int64       // artefacts searched
	Truncated bool
	Seq       int64 // the search-log entry
}

// Search finds artefacts whose kind or any attribute value contains term
// (case-insensitive; times matched as printed in the display zone and as
// stored RFC 3339 UTC) and logs the search with its reason and hit count.
// One hit per artefact: the first field that matched.
func Search(ctx context.Context, s *Session, term, reason string) (*SearchResult, error) {
	if strings.TrimSpace(term) == "" {
		return nil, errors.New("enter something to search for")
	}
	if strings.TrimSpace(reason) == "" {
		return nil, errors.New("say why you search (it goes into the search log)")
	}
	needle := strings.ToLower(term)
	fams := Families()
	res := &SearchResult{}
	fm := newFormatter(s)
	for a, err := range s.Record.Artefacts(ctx, "") {
		if err != nil {
			return nil, fmt.Errorf("search artefacts: %w", err)
		}
		res.Searched++
		field, value := "", ""
		if strings.Contains(strings.ToLower(a.Kind), needle) {
			field, value = "kind", a.Kind
		}
		for _, at := range a.Attrs {
			if field != "" {
				break
			}
			v := fm.attr(at)
			if strings.Contains(strings.ToLower(v), needle) || (at.Type == finding.TString && strings.Contains(strings.ToLower(at.Str), needle)) {
				// The raw string too: a term typed with a hidden character
				// matches what Visible shows marked.
				field, value = at.Name, v
			} else if !at.Time.IsZero() && strings.Contains(strings.ToLower(at.Time.UTC().Format("2006-01-02T15:04:05.999999999Z07:00")), needle) {
				field, value = at.Name, v
			}
		}
		if field == "" {
			continue
		}
		res.Count++
		if len(res.Hits) < MaxSearchHits {
			res.Hits = append(res.Hits, SearchHit{ID: a.ID, Kind: a.Kind, Family: FamilyOf(fams, a.Kind), Field: field, Value: snippet(value, needle, 200)})
		} else {
			res.Truncated = true
		}
	}
	err := s.Write(ctx, func(w *record.Record) error {
		var err error
		res.Seq, err = w.LogSearch(ctx, record.Search{Kind: "keyword", Terms: []string{term}, Scope: SearchScope, Hits: res.Count, Reason: reason})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("log the search: %w", err)
	}
	return res, nil
}

// snippet shortens v to about n runes around the first match of needle
// (lower case), so a long value shows where it matched.
func snippet(v, needle string, n int) string {
	r := []rune(v)
	if len(r) <= n {
		return short(v, n)
	}
	at := len([]rune(v[:max(strings.Index(strings.ToLower(v), needle), 0)]))
	if len(strings.ToLower(v)) != len(v) {
		at = 0 // lower-casing changed byte lengths: no safe offset, show the start
	}
	start := max(0, min(at-n/3, len(r)-n))
	out := short(string(r[start:]), n)
	if start > 0 {
		out = "…" + out
	}
	return out
}
