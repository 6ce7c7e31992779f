// Package finding defines what parsers produce (artefacts and warnings) and
// the Sink they write to. The examination record implements Sink; tests use
// a slice-backed one. It is pure Go so parsers need no database to build.
package finding

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/loupe-forensics/loupe/forensic/source"
)

// Category splits facts read from the evidence from conclusions drawn on them
// (Autopsy's DATA_ARTIFACT / ANALYSIS_RESULT).
type Category string

const (
	Data     Category = "data"
	Analysis Category = "analysis"
)

// Attr is one typed attribute. Exactly one value field is meaningful, named
// by Type. Times are UTC.
type Attr struct {
	Name  string    `json:"name"`
	Type  AttrType  `json:"type"`
	Str   string    `json:"str,omitempty"`
	Int   int64     `json:"int,omitempty"`
	Bool  bool      `json:"bool,omitempty"`
	Time  time.Time `json:"time,omitempty"`
	Bytes []byte    `json:"bytes,omitempty"`
}

// AttrType names an attribute's value type.
type AttrType string

const (
	TString AttrType = "string"
	TInt    AttrType = "int"
	TBool   AttrType = "bool"
	TTime   AttrType = "time"
	TBytes  AttrType = "bytes"
)

// Constructors keep call sites short.
func S(name, v string) Attr { return Attr{Name: name, Type: TString, Str: v} }
func I(name string, v int64) Attr {
	return Attr{Name: name, Type: TInt, Int: v}
}
func B(name string, v bool) Attr { return Attr{Name: name, Type: TBool, Bool: v} }
func T(name string, v time.Time) Attr {
	return Attr{Name: name, Type: TTime, Time: v.UTC()}
}
func Raw(name string, v []byte) Attr { return Attr{Name: name, Type: TBytes, Bytes: v} }

// Value returns the attribute's value as a plain Go value (for JSON output).
func (a Attr) Value() any {
	switch a.Type {
	case TInt:
		return a.Int
	case TBool:
		return a.Bool
	case TTime:
		return a.Time.UTC().Format(time.RFC3339Nano)
	case TBytes:
		return fmt.Sprintf("%x", a.Bytes)
	default:
		return a.Str
	}
}

// Artefact is one finding with its provenance.
type Artefact struct {
	Kind          string      // "family.type", e.g. "tor.bookmark", "file.type"
	Category      Category    // Data unless the parser concluded something
	Attrs         []Attr      // in the parser's order; names unique
	Parser        string      // registry name, e.g. "tor/places"
	ParserVersion string      // bumped whenever output could change
	Source        *source.Ref // down to the row, record or byte offset
	SourceSHA256  string      // of the file or stream the artefact came from
}

// Get returns the attribute with the given name.
func (a *Artefact) Get(name string) (Attr, bool) {
	for _, x := range a.Attrs {
		if x.Name == name {
			return x, true
		}
	}
	return Attr{}, false
}

// Warning is a parse or read problem recorded as data, never printed.
type Warning struct {
	Parser  string
	Source  *source.Ref
	Message string
}

// Sink receives findings. Implementations are safe for concurrent use.
type Sink interface {
	Artefact(ctx context.Context, a Artefact) error
	Warn(ctx context.Context, w Warning) error
}

// Collector is an in-memory Sink for tests and small tools.
type Collector struct {
	mu        sync.Mutex
	Artefacts []Artefact
	Warnings  []Warning
}

func (c *Collector) Artefact(_ context.Context, a Artefact) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.Artefacts = append(c.Artefacts, a)
	return nil
}

func (c *Collector) Warn(_ context.Context, w Warning) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.Warnings = append(c.Warnings, w)
	return nil
}

// Kind returns the artefacts of one kind, sorted by source reference.
func (c *Collector) Kind(kind string) []Artefact {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []Artefact
	for _, a := range c.Artefacts {
		if a.Kind == kind {
			out = append(out, a)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Source.String() < out[j].Source.String() })
	return out
}
