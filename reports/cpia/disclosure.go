package cpia

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/loupe-forensics/loupe/forensic/finding"
	"github.com/loupe-forensics/loupe/forensic/record"
)

// Disclosure is the CPIA state of a record's artefacts: for each artefact,
// the tags in force. It is what every renderer asks before printing an
// artefact, so the sensitive rule lives in one place (the intelligence
// report uses it too).
type Disclosure struct {
	active map[int64]map[string]record.Tag // artefact id -> flag -> tag in force
	tagSeq map[int64]int64                 // tag row id -> the audit entry that wrote it
}

// ResolveTags decides which tags are in force: record.TagsInForce, the
// rule every report applies (a withdrawn sensitive tag no longer keeps the
// item off MG6C; a new sensitive tag after the withdrawal puts it back).
func ResolveTags(tags []record.Tag) map[int64]map[string]record.Tag { return record.TagsInForce(tags) }

// LoadDisclosure reads the record's tags and the audit entries that wrote
// them (so every schedule row can point back to its entry).
func LoadDisclosure(ctx context.Context, rec *record.Record) (*Disclosure, error) {
	tags, err := rec.Tags(ctx)
	if err != nil {
		return nil, fmt.Errorf("cpia: tags: %w", err)
	}
	d := &Disclosure{active: ResolveTags(tags), tagSeq: map[int64]int64{}}
	rows, err := rowEntries(ctx, rec)
	if err != nil {
		return nil, err
	}
	for id, e := range rows["tags"] {
		d.tagSeq[id] = e.Seq
	}
	return d, nil
}

// NewDisclosure builds the state from tags alone (no audit links).
func NewDisclosure(tags []record.Tag) *Disclosure {
	return &Disclosure{active: ResolveTags(tags), tagSeq: map[int64]int64{}}
}

// Tag returns the tag of flag in force on an artefact.
func (d *Disclosure) Tag(artefactID int64, flag string) (record.Tag, bool) {
	t, ok := d.active[artefactID][flag]
	return t, ok
}

// Sensitive reports whether an artefact has a sensitive tag in force.
func (d *Disclosure) Sensitive(artefactID int64) bool {
	_, ok := d.active[artefactID][record.FlagSensitive]
	return ok
}

// Tagged reports whether an artefact has any tag in force.
func (d *Disclosure) Tagged(artefactID int64) bool { return len(d.active[artefactID]) > 0 }

// TagSeq is the audit entry that wrote a tag (0 when unknown).
func (d *Disclosure) TagSeq(t record.Tag) int64 {
	if t.Seq != 0 {
		return t.Seq
	}
	return d.tagSeq[t.ID]
}

// rowEntries maps each content row to the audit entry that wrote it, from
// the entries' params.rows ({table: [[id, row_hash], ...]}).
func rowEntries(ctx context.Context, rec *record.Record) (map[string]map[int64]record.Entry, error) {
	out := map[string]map[int64]record.Entry{}
	for e, err := range rec.Entries(ctx, 1) {
		if err != nil {
			return nil, fmt.Errorf("cpia: audit chain: %w", err)
		}
		var p struct {
			Rows map[string][][]json.RawMessage `json:"rows"`
		}
		if len(e.Params) == 0 || json.Unmarshal(e.Params, &p) != nil {
			continue
		}
		for table, rows := range p.Rows {
			if table == "artefacts" || table == "warnings" {
				continue // many per entry; schedules link to runs instead
			}
			for _, r := range rows {
				var id int64
				if len(r) == 0 || json.Unmarshal(r[0], &id) != nil {
					continue
				}
				if out[table] == nil {
					out[table] = map[int64]record.Entry{}
				}
				out[table][id] = e
			}
		}
	}
	return out, nil
}

// identifyingAttrs are attribute names whose values identify a thing (an
// address, a key, an account, a message): when an artefact is sensitive,
// these values are withheld wherever else they would be printed.
var identifyingAttrs = map[string]bool{
	"address": true, "value": true, "hostname": true, "url": true, "host": true,
	"fingerprint": true, "primary_fingerprint": true, "issuer_fingerprint": true,
	"key_id": true, "keygrip": true, "public_key": true, "uid": true, "uids": true,
	"email": true, "name": true, "xpub": true, "txid": true, "label": true, "title": true,
	"account": true, "contact": true, "sender": true, "recipient": true, "body": true,
	"conversation": true, "conversation_id": true, "file_name": true, "path": true,
	"line": true, "folder": true,
}

// minWithheld is the shortest value withheld; shorter ones ("BTC", "in")
// are shared by too many unrelated items to identify anything.
const minWithheld = 6

// SensitiveValues returns the identifying values of a sensitive artefact:
// the values of identifyingAttrs, and any string value of 20 bytes or more
// (free text, long identifiers), longest first so a Replacer withholds the
// whole of a value before any part of it.
func SensitiveValues(a record.StoredArtefact) []string {
	var out []string
	for _, at := range a.Attrs {
		if at.Type != finding.TString {
			continue
		}
		for _, v := range strings.Split(at.Str, "\n") {
			v = strings.TrimSpace(v)
			if len(v) < minWithheld {
				continue
			}
			if identifyingAttrs[at.Name] || len(v) >= 20 {
				out = append(out, v)
			}
		}
	}
	return out
}

// Withholder replaces the identifying values of sensitive items with
// "[withheld]" in text bound for any output other than the MG6D, so that a
// value tagged sensitive on one artefact does not leak through another
// artefact, a note or a search term that repeats it.
type Withholder struct {
	set map[string]bool
	r   *strings.Replacer
}

// Withheld is what a withheld value is replaced with.
const Withheld = "[withheld]"

// NewWithholder builds a withholder over values (duplicates are fine).
func NewWithholder(values []string) *Withholder {
	seen := map[string]bool{}
	var vs []string
	for _, v := range values {
		if len(v) >= minWithheld && !seen[v] {
			seen[v] = true
			vs = append(vs, v)
		}
	}
	sort.Slice(vs, func(i, j int) bool {
		if len(vs[i]) != len(vs[j]) {
			return len(vs[i]) > len(vs[j])
		}
		return vs[i] < vs[j]
	})
	w := &Withholder{set: seen}
	if len(vs) > 0 {
		args := make([]string, 0, 2*len(vs))
		for _, v := range vs {
			args = append(args, v, Withheld)
		}
		w.r = strings.NewReplacer(args...)
	}
	return w
}

// Apply returns s with every withheld value replaced, and whether anything was.
func (w *Withholder) Apply(s string) (string, bool) {
	if w == nil || w.r == nil {
		return s, false
	}
	out := w.r.Replace(s)
	return out, out != s
}

// Contains reports whether v is one of the withheld values.
func (w *Withholder) Contains(v string) bool {
	return w != nil && w.set[v]
}
