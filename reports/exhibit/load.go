package exhibit

import (
	"context"
	"encoding/hex"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/loupe-forensics/loupe/forensic/finding"
	"github.com/loupe-forensics/loupe/forensic/record"
)

// facts is what the exhibit report says, read from the record once.
type facts struct {
	recordID     string
	caseDetails  map[string]string
	exhibit      map[string]string
	instructions string
	examiners    []string // "name (role)", in the order they joined
	sources      []map[string]any
	verifs       []map[string]any
	runs         []record.RunInfo
	warnings     int
	entries      []record.Entry
	headSeq      int64
	headHash     string
	verify       *record.Result
	artefacts    []record.StoredArtefact // officer-visible only, by id
	withheld     int                     // artefacts left out as sensitive (never printed)
}

// load reads the record. Sensitive artefacts are dropped here, before any
// rendering code sees them, so no section can print one by mistake.
func load(ctx context.Context, rec *record.Record) (*facts, error) {
	f := &facts{recordID: rec.ID()}
	var err error
	if f.caseDetails, err = rec.Details(ctx, "case"); err != nil {
		return nil, fmt.Errorf("exhibit: case details: %w", err)
	}
	if f.exhibit, err = rec.Details(ctx, "exhibit"); err != nil {
		return nil, fmt.Errorf("exhibit: exhibit details: %w", err)
	}
	if in, err := rec.Details(ctx, "instructions"); err == nil {
		f.instructions = in["text"]
	}
	exRows, err := rec.Rows(ctx, "examiners")
	if err != nil {
		return nil, fmt.Errorf("exhibit: examiners: %w", err)
	}
	for _, r := range exRows {
		name, role := str(r["name"]), str(r["role"])
		if role != "" {
			name += " (" + role + ")"
		}
		f.examiners = append(f.examiners, name)
	}
	if f.sources, err = rec.Rows(ctx, "sources"); err != nil {
		return nil, fmt.Errorf("exhibit: sources: %w", err)
	}
	if f.verifs, err = rec.Rows(ctx, "verifications"); err != nil {
		return nil, fmt.Errorf("exhibit: verifications: %w", err)
	}
	if f.runs, err = rec.Runs(ctx); err != nil {
		return nil, fmt.Errorf("exhibit: runs: %w", err)
	}
	ws, err := rec.Warnings(ctx, 0)
	if err != nil {
		return nil, fmt.Errorf("exhibit: warnings: %w", err)
	}
	f.warnings = len(ws)
	for e, err := range rec.Entries(ctx, 0) {
		if err != nil {
			return nil, fmt.Errorf("exhibit: audit chain: %w", err)
		}
		f.entries = append(f.entries, e)
	}
	if f.headSeq, f.headHash, err = rec.Head(ctx); err != nil {
		return nil, fmt.Errorf("exhibit: chain head: %w", err)
	}
	if f.verify, err = rec.Verify(ctx); err != nil {
		return nil, fmt.Errorf("exhibit: verify: %w", err)
	}
	tags, err := rec.Tags(ctx)
	if err != nil {
		return nil, fmt.Errorf("exhibit: tags: %w", err)
	}
	sensitive := record.SensitiveIDs(tags)
	var all []record.StoredArtefact
	for a, err := range rec.Artefacts(ctx, "") {
		if err != nil {
			return nil, fmt.Errorf("exhibit: artefacts: %w", err)
		}
		all = append(all, a)
	}
	f.artefacts, f.withheld = withhold(all, sensitive)
	return f, nil
}

// withhold drops the sensitive artefacts and everything that would point
// at them: records inside them (their reference extends the sensitive one)
// and any other artefact carrying one of their identifying values (an
// address, fingerprint or URL the identifier sweep found again elsewhere),
// or containing one of 16 characters or more (a URL on a sensitive onion
// address, a path inside a sensitive folder).
// It returns the officer-visible artefacts and how many were withheld.
func withhold(all []record.StoredArtefact, sensitive map[int64]bool) ([]record.StoredArtefact, int) {
	if len(sensitive) == 0 {
		return all, 0
	}
	var refs []string
	values := map[string]bool{}
	for _, a := range all {
		if !sensitive[a.ID] {
			continue
		}
		refs = append(refs, a.Ref)
		for _, at := range a.Attrs {
			if v := attrString(at); len(v) >= 8 {
				values[v] = true
			}
		}
	}
	var keep []record.StoredArtefact
	for _, a := range all {
		if sensitive[a.ID] || linked(a, refs, values) {
			continue
		}
		keep = append(keep, a)
	}
	return keep, len(all) - len(keep)
}

func linked(a record.StoredArtefact, refs []string, values map[string]bool) bool {
	for _, r := range refs {
		if strings.HasPrefix(a.Ref, r+" > ") {
			return true
		}
	}
	for _, at := range a.Attrs {
		v := attrString(at)
		if values[v] {
			return true
		}
		// A URL or path that contains a sensitive address or folder.
		for sv := range values {
			if len(sv) >= 16 && strings.Contains(v, sv) {
				return true
			}
		}
	}
	return false
}

// attrString prints an attribute value for a reader: strings as they are,
// booleans as yes/no, times in UTC RFC 3339, bytes as hex (first 64).
func attrString(a finding.Attr) string {
	switch v := a.Value().(type) {
	case string:
		return v
	case bool:
		if v {
			return "yes"
		}
		return "no"
	case int64:
		return strconv.FormatInt(v, 10)
	case time.Time:
		return v.UTC().Format(time.RFC3339)
	case []byte:
		if len(v) > 64 {
			return hex.EncodeToString(v[:64]) + "..."
		}
		return hex.EncodeToString(v)
	case nil:
		return ""
	default:
		return fmt.Sprint(v)
	}
}

func attrs(a record.StoredArtefact) map[string]string {
	m := make(map[string]string, len(a.Attrs))
	for _, at := range a.Attrs {
		m[at.Name] = attrString(at)
	}
	return m
}

func str(v any) string {
	switch s := v.(type) {
	case string:
		return s
	case nil:
		return ""
	case float64:
		return strconv.FormatFloat(s, 'f', -1, 64)
	default:
		return fmt.Sprint(s)
	}
}

// sortedKeys returns a map's keys in order (deterministic output).
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
