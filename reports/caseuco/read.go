package caseuco

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/loupe-forensics/loupe/forensic/record"
	"github.com/loupe-forensics/loupe/forensic/source"
)

// What this file reads from the record, in the layouts loupe-cli's examine
// writes (forensic/recordstore): sources, verifications and the audit
// entries that date them.

type digests struct {
	MD5    string `json:"md5"`
	SHA1   string `json:"sha1"`
	SHA256 string `json:"sha256"`
}

type sourceRow struct {
	ID          int64             `json:"id"`
	Ref         string            `json:"ref"`
	Format      string            `json:"format"`
	Segments    []string          `json:"segments"`
	Size        int64             `json:"size"`
	Acquisition digests           `json:"acquisition"`
	Metadata    map[string]string `json:"metadata"`
}

type verificationRow struct {
	ID         int64   `json:"id"`
	SourceID   int64   `json:"source_id"`
	Computed   digests `json:"computed"`
	Result     string  `json:"result"`
	Detail     string  `json:"detail"`
	DurationNS int64   `json:"duration_ns"`
}

type examinerRow struct {
	ID          int64  `json:"id"`
	Fingerprint string `json:"fingerprint"`
	Name        string `json:"name"`
	Role        string `json:"role"`
}

// rows decodes every row of a content table into T (by id).
func rows[T any](ctx context.Context, rec *record.Record, table string) ([]T, error) {
	raw, err := rec.Rows(ctx, table)
	if err != nil {
		return nil, fmt.Errorf("caseuco: reading %s: %w", table, err)
	}
	out := make([]T, 0, len(raw))
	for _, m := range raw {
		b, err := json.Marshal(m)
		if err != nil {
			return nil, fmt.Errorf("caseuco: %s row %v: %w", table, m["id"], err)
		}
		var v T
		if err := json.Unmarshal(b, &v); err != nil {
			return nil, fmt.Errorf("caseuco: %s row %v: %w", table, m["id"], err)
		}
		out = append(out, v)
	}
	return out, nil
}

// rowEntry is the audit entry that wrote a row: who and when.
type rowEntry struct {
	Actor string
	Time  time.Time
}

// rowEntries maps row ids of table to the entries with the given action
// that wrote them (params.rows = {table: [[id, row_hash], ...]}).
func rowEntries(ctx context.Context, rec *record.Record, action, table string) (map[int64]rowEntry, error) {
	es, err := rec.EntriesByAction(ctx, action)
	if err != nil {
		return nil, fmt.Errorf("caseuco: audit %s: %w", action, err)
	}
	out := map[int64]rowEntry{}
	for _, e := range es {
		var p struct {
			Rows map[string][][]json.RawMessage `json:"rows"`
		}
		if json.Unmarshal(e.Params, &p) != nil {
			continue
		}
		for _, pair := range p.Rows[table] {
			if len(pair) == 0 {
				continue
			}
			id, err := strconv.ParseInt(string(pair[0]), 10, 64)
			if err == nil {
				out[id] = rowEntry{Actor: e.Actor, Time: e.Time.UTC()}
			}
		}
	}
	return out, nil
}

// runEnds maps run ids to the entry that finished them (run.finish or
// run.incomplete).
func runEnds(ctx context.Context, rec *record.Record) (map[int64]rowEntry, error) {
	out := map[int64]rowEntry{}
	for _, action := range []string{"run.finish", "run.incomplete"} {
		es, err := rec.EntriesByAction(ctx, action)
		if err != nil {
			return nil, fmt.Errorf("caseuco: audit %s: %w", action, err)
		}
		for _, e := range es {
			var p struct {
				RunID int64 `json:"run_id"`
			}
			if json.Unmarshal(e.Params, &p) == nil && p.RunID > 0 {
				out[p.RunID] = rowEntry{Actor: e.Actor, Time: e.Time.UTC()}
			}
		}
	}
	return out, nil
}

// SensitiveArtefacts returns the ids of artefacts with a sensitive tag in
// force (record.SensitiveIDs).
func SensitiveArtefacts(ctx context.Context, rec *record.Record) (map[int64]bool, error) {
	tags, err := rec.Tags(ctx)
	if err != nil {
		return nil, fmt.Errorf("caseuco: reading tags: %w", err)
	}
	return record.SensitiveIDs(tags), nil
}

// fileStep returns the step of ref that names a file: the named stream
// below an entry if there is one, else the entry; nil when the artefact
// does not come from a file (a swept disk region, a gap).
func fileStep(ref *source.Ref) *source.Ref {
	if ref == nil {
		return nil
	}
	chain := ref.Chain()
	for i := len(chain) - 1; i >= 0; i-- {
		if chain[i].Type != source.TypeEntry {
			continue
		}
		if i+1 < len(chain) && chain[i+1].Type == source.TypeStream {
			return chain[i+1]
		}
		return chain[i]
	}
	return nil
}

// fileName returns the full path of a file step: the entry path, with
// ":stream" for a named stream (as The Sleuth Kit prints it).
func fileName(step *source.Ref) string {
	if step.Type == source.TypeStream && step.Parent != nil {
		return step.Parent.Locator + ":" + step.Locator
	}
	return step.Locator
}

// splitTool splits "loupe-cli 0.1.0" into name and version.
func splitTool(s string) (name, version string) {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, ' '); i > 0 {
		return s[:i], s[i+1:]
	}
	return s, ""
}

// splitParser splits a run's "name@version" entry.
func splitParser(s string) (name, version string) {
	if i := strings.IndexByte(s, '@'); i > 0 {
		return s[:i], s[i+1:]
	}
	return s, ""
}

func sortedKeys(m map[string]string) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// isHex reports whether s is a lower- or upper-case hex digest of n bytes.
func isHex(s string, n int) bool {
	if len(s) != 2*n {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}
