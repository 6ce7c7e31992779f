package record

import (
	"context"
	"fmt"
	"strings"
)

// Typed audit actions for the examiner's and reviewer's work that produces
// no rows of its own. Each is one chain entry whose params hold the fields
// below verbatim, so the search and filter log, the access log (DPA s.62)
// and the review block of a technical record are read back from the chain.
const (
	ActionView       = "view"
	ActionSearch     = "search"
	ActionExport     = "export"
	ActionReport     = "report"
	ActionReview     = "review.signoff"
	ActionCorrection = "correction"
)

// Search is one search, filter, hash-set or sampling step as the AG
// Guidelines want it recorded: what was applied, verbatim, how many hits and
// exclusions, and why.
type Search struct {
	Kind       string   `json:"kind"`  // "keyword", "regex", "hashset", "filter", "daterange", "sample"
	Terms      []string `json:"terms"` // verbatim
	ListName   string   `json:"list_name,omitempty"`
	Version    string   `json:"version,omitempty"` // list version or hash-set release
	ListSHA256 string   `json:"list_sha256,omitempty"`
	Scope      string   `json:"scope,omitempty"` // what was searched (run, source, kind prefix)
	Hits       int64    `json:"hits"`
	Excluded   int64    `json:"excluded"`
	Reason     string   `json:"reason"`
}

// Export is an export or report leaving the record, with its recipient and
// justification (DPA s.62). The chain head before the entry is added.
type Export struct {
	Report        bool   `json:"-"`      // true: a report (action "report"), else an export
	Format        string `json:"format"` // "html", "pdf", "csv", "case-jsonld", "dfxml", "json"
	Path          string `json:"path,omitempty"`
	SHA256        string `json:"sha256"`
	Size          int64  `json:"size"`
	Recipient     string `json:"recipient"`
	Justification string `json:"justification"`
	// Reports only (omitted otherwise, so earlier entries keep their JSON).
	Kind       string `json:"kind,omitempty"`        // report kind, e.g. "exhibit"
	Mode       string `json:"mode,omitempty"`        // exhibit mode: "sfr", "mg11", "expert"
	Marking    string `json:"marking,omitempty"`     // GSC marking printed on the report
	DocumentID string `json:"document_id,omitempty"` // the ID printed on every page
}

// Review is a review sign-off by the writing examiner (the reviewer).
type Review struct {
	Type          string `json:"type"` // "technical", "administrative", "peer"
	Scope         string `json:"scope"`
	Findings      string `json:"findings,omitempty"`
	Disagreements string `json:"disagreements,omitempty"`
	Outcome       string `json:"outcome"` // "approved", "approved-with-comments", "rejected"
	Independence  string `json:"independence,omitempty"`
}

func need(what, v string) error {
	if strings.TrimSpace(v) == "" {
		return fmt.Errorf("%w: %s is required", ErrInvalid, what)
	}
	return nil
}

// Viewed records that the examiner viewed an artefact, and why.
func (r *Record) Viewed(ctx context.Context, artefactID int64, reason string) (int64, error) {
	if artefactID <= 0 {
		return 0, fmt.Errorf("%w: artefact id %d", ErrInvalid, artefactID)
	}
	return r.write(ctx, ActionView, map[string]any{"artefact_id": artefactID, "reason": reason}, 0, nil)
}

// LogSearch records a search or filter step.
func (r *Record) LogSearch(ctx context.Context, s Search) (int64, error) {
	switch s.Kind {
	case "keyword", "regex", "hashset", "filter", "daterange", "sample":
	default:
		return 0, fmt.Errorf("%w: search kind %q", ErrInvalid, s.Kind)
	}
	if err := need("search reason", s.Reason); err != nil {
		return 0, err
	}
	if s.Terms == nil {
		s.Terms = []string{}
	}
	return r.write(ctx, ActionSearch, map[string]any{"search": s}, 0, nil)
}

// LogExport records an export or report; recipient and justification are required.
func (r *Record) LogExport(ctx context.Context, e Export) (int64, error) {
	if err := need("recipient", e.Recipient); err != nil {
		return 0, err
	}
	if err := need("justification", e.Justification); err != nil {
		return 0, err
	}
	if len(e.SHA256) != 64 {
		return 0, fmt.Errorf("%w: export SHA-256 %q", ErrInvalid, e.SHA256)
	}
	seq, head, err := r.Head(ctx)
	if err != nil {
		return 0, err
	}
	action := ActionExport
	if e.Report {
		action = ActionReport
	}
	return r.write(ctx, action, map[string]any{"export": e, "head_seq": seq, "head": head}, 0, nil)
}

// SignOff records a review sign-off.
func (r *Record) SignOff(ctx context.Context, rv Review) (int64, error) {
	switch rv.Outcome {
	case "approved", "approved-with-comments", "rejected":
	default:
		return 0, fmt.Errorf("%w: review outcome %q", ErrInvalid, rv.Outcome)
	}
	if err := need("review type", rv.Type); err != nil {
		return 0, err
	}
	return r.write(ctx, ActionReview, map[string]any{"review": rv}, 0, nil)
}

// Correct appends a correction pointing at entry seq, with a reason. Nothing
// is changed in place; readers apply corrections when they present entries.
func (r *Record) Correct(ctx context.Context, seq int64, reason string) (int64, error) {
	if err := need("correction reason", reason); err != nil {
		return 0, err
	}
	if err := r.mustHaveEntry(ctx, seq); err != nil {
		return 0, err
	}
	return r.write(ctx, ActionCorrection, map[string]any{"reason": reason}, seq, nil)
}

// EntriesByAction returns the entries with the given action, oldest first
// (e.g. ActionSearch for the search log, ActionView and ActionExport for the
// access log).
func (r *Record) EntriesByAction(ctx context.Context, action string) ([]Entry, error) {
	var out []Entry
	for e, err := range r.Entries(ctx, 0) {
		if err != nil {
			return nil, err
		}
		if e.Action == action {
			out = append(out, e)
		}
	}
	return out, nil
}
