package scan

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"

	"github.com/loupe-forensics/loupe/forensic/finding"
	"github.com/loupe-forensics/loupe/imaging"
)

// Collect runs the parsers over the sources and sends every finding to
// sink, without hashing the images or writing a record: the re-run half of
// reproduce. Problems with the evidence reach sink as warnings, exactly as
// in Examine, so the same inputs give the same findings.
func (s *Scanner) Collect(ctx context.Context, specs []SourceSpec, sink finding.Sink) error {
	cp := *s
	cp.cfg.Open.Hash = func(context.Context, imaging.Image) (imaging.Digests, string, error) {
		return imaging.Digests{}, "", nil
	}
	cp.cfg.Tool = ""
	sum, err := cp.Examine(ctx, discardStore{sink}, specs)
	if err != nil {
		return err
	}
	if sum.Status != "complete" {
		return fmt.Errorf("scan: re-run incomplete: %s", sum.Reason)
	}
	return nil
}

type discardStore struct{ sink finding.Sink }

func (discardStore) AddSource(context.Context, SourceInfo) (int64, error)       { return 0, nil }
func (discardStore) AddVolume(context.Context, int64, Volume) error             { return nil }
func (discardStore) AddVerification(context.Context, int64, Verification) error { return nil }
func (d discardStore) StartRun(context.Context, RunSpec) (Run, error)           { return sinkRun{d.sink}, nil }

type sinkRun struct{ finding.Sink }

func (sinkRun) Finish(context.Context) error       { return nil }
func (sinkRun) Fail(context.Context, string) error { return nil }

// Canonical is the identity of an artefact for reproduce: kind, category,
// parser and version, the canonical source reference, the source digest
// and every attribute (sorted by name, typed, with its canonical value).
// Two runs that found the same thing give the same string.
func Canonical(a finding.Artefact, sourceString string) string {
	if sourceString == "" && a.Source != nil {
		sourceString = a.Source.String()
	}
	cat := a.Category
	if cat == "" {
		cat = finding.Data // the record stores an unset category as data
	}
	var b strings.Builder
	for _, f := range []string{a.Kind, string(cat), a.Parser + "@" + a.ParserVersion, sourceString, a.SourceSHA256} {
		b.WriteString(f)
		b.WriteByte(0x1f)
	}
	attrs := append([]finding.Attr(nil), a.Attrs...)
	sort.SliceStable(attrs, func(i, j int) bool { return attrs[i].Name < attrs[j].Name })
	for _, x := range attrs {
		fmt.Fprintf(&b, "%s\x1e%s\x1e%v\x1f", x.Name, x.Type, x.Value())
	}
	return b.String()
}

// DiffItem is one artefact present on one side only.
type DiffItem struct {
	Side   string `json:"side"` // "recorded-only" or "reproduced-only"
	Kind   string `json:"kind"`
	Parser string `json:"parser"`
	Source string `json:"source"`
	Attrs  string `json:"attrs"`  // name=value, for the examiner's eye
	Digest string `json:"digest"` // SHA-256 of Canonical
	Count  int    `json:"count"`  // how many more times on this side
}

// Keyed is an artefact with the canonical source string it was stored under.
type Keyed struct {
	A      finding.Artefact
	Source string
}

// Diff compares two artefact multisets by Canonical identity. The result
// is sorted by source, kind and side, so it is stable across runs.
func Diff(recorded, reproduced []Keyed) []DiffItem {
	type entry struct {
		n int
		k Keyed
	}
	count := map[string]*entry{}
	for _, k := range recorded {
		c := Canonical(k.A, k.Source)
		if e := count[c]; e != nil {
			e.n++
		} else {
			count[c] = &entry{1, k}
		}
	}
	for _, k := range reproduced {
		c := Canonical(k.A, k.Source)
		if e := count[c]; e != nil {
			e.n--
		} else {
			count[c] = &entry{-1, k}
		}
	}
	var out []DiffItem
	for c, e := range count {
		if e.n == 0 {
			continue
		}
		src := e.k.Source
		if src == "" && e.k.A.Source != nil {
			src = e.k.A.Source.String()
		}
		d := sha256.Sum256([]byte(c))
		it := DiffItem{Kind: e.k.A.Kind, Parser: e.k.A.Parser + "@" + e.k.A.ParserVersion, Source: src, Attrs: attrString(e.k.A.Attrs), Digest: hex.EncodeToString(d[:])}
		if e.n > 0 {
			it.Side, it.Count = "recorded-only", e.n
		} else {
			it.Side, it.Count = "reproduced-only", -e.n
		}
		out = append(out, it)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Source != b.Source {
			return a.Source < b.Source
		}
		if a.Kind != b.Kind {
			return a.Kind < b.Kind
		}
		if a.Side != b.Side {
			return a.Side < b.Side
		}
		return a.Digest < b.Digest
	})
	return out
}

func attrString(attrs []finding.Attr) string {
	parts := make([]string, 0, len(attrs))
	for _, a := range attrs {
		parts = append(parts, fmt.Sprintf("%s=%v", a.Name, a.Value()))
	}
	return strings.Join(parts, " ")
}
