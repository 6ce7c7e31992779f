// Package artefacts holds the parser contract and the explicit registry.
// Parsers live in sub-packages (tor, wallets, pgp, chat, filetype, …); each
// matches its input by content (magic bytes, SQLite schema), never by file
// name alone, and writes artefacts and warnings with provenance to a Sink.
package artefacts

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"sort"

	"github.com/loupe-forensics/loupe/forensic/finding"
	"github.com/loupe-forensics/loupe/forensic/source"
)

// ErrWrongFormat tells the pipeline the input is not what the parser reads
// after all (Match was a cheap pre-check). It is not a warning.
var ErrWrongFormat = errors.New("artefacts: wrong format")

// HeadSize is how many leading bytes of every file the pipeline reads for Match.
const HeadSize = 8192

// Input is one file (or stream) offered to parsers.
type Input struct {
	Ref     *source.Ref // provenance of the file or stream
	Path    string      // absolute path inside its file system ("/" separated), for context only
	Size    int64
	Head    []byte      // the first min(Size, HeadSize) bytes
	Reader  io.ReaderAt // the whole content
	SHA256  string      // of the whole content, lower-case hex
	FS      fs.FS       // the file system the file is on (paths without leading "/"), for parsers that read siblings
	WorkDir string      // a private scratch folder (SQLite copies); never inside the evidence
	Deleted bool        // the entry is deleted: content may be partly overwritten
}

// Parser reads one kind of artefact.
type Parser interface {
	// Name is unique in a registry, "family/format", e.g. "tor/places".
	Name() string
	// Version changes whenever the parser's output for the same input can change.
	Version() string
	// Match is a cheap content test on in.Head (and in.Size); no I/O beyond Head.
	Match(in *Input) bool
	// Parse writes findings to out. It returns ErrWrongFormat when the input
	// turns out not to be its format, ctx.Err() when cancelled, and any other
	// error only when it could not even start (the pipeline records it as a
	// warning). Problems with parts of the input are sink warnings.
	Parse(ctx context.Context, in *Input, out finding.Sink) error
}

// Registry is an ordered, explicitly built set of parsers. There is no
// global registry and no init() registration.
type Registry struct {
	parsers []Parser
	byName  map[string]Parser
}

// NewRegistry builds a registry and rejects duplicate names.
func NewRegistry(ps ...Parser) (*Registry, error) {
	r := &Registry{byName: map[string]Parser{}}
	for _, p := range ps {
		if _, dup := r.byName[p.Name()]; dup {
			return nil, fmt.Errorf("artefacts: parser %q registered twice", p.Name())
		}
		r.byName[p.Name()] = p
		r.parsers = append(r.parsers, p)
	}
	return r, nil
}

// Parsers returns the parsers in registration order.
func (r *Registry) Parsers() []Parser { return append([]Parser(nil), r.parsers...) }

// Get returns the parser with the given name.
func (r *Registry) Get(name string) (Parser, bool) { p, ok := r.byName[name]; return p, ok }

// Matching returns the parsers whose Match accepts in, in registration order.
func (r *Registry) Matching(in *Input) []Parser {
	var out []Parser
	for _, p := range r.parsers {
		if safeMatch(p, in) {
			out = append(out, p)
		}
	}
	return out
}

// Names returns "name@version" for every parser, sorted (for the record's methods section).
func (r *Registry) Names() []string {
	out := make([]string, 0, len(r.parsers))
	for _, p := range r.parsers {
		out = append(out, p.Name()+"@"+p.Version())
	}
	sort.Strings(out)
	return out
}

func safeMatch(p Parser, in *Input) (ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	return p.Match(in)
}

// Run calls p.Parse with panic isolation: a panic becomes a warning with the
// input's provenance, as hostile evidence must never abort an examination.
func Run(ctx context.Context, p Parser, in *Input, out finding.Sink) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = nil
			_ = out.Warn(ctx, finding.Warning{Parser: p.Name(), Source: in.Ref, Message: fmt.Sprintf("parser panic: %v", r)})
		}
	}()
	err = p.Parse(ctx, in, out)
	if err != nil && !errors.Is(err, ErrWrongFormat) && ctx.Err() == nil {
		_ = out.Warn(ctx, finding.Warning{Parser: p.Name(), Source: in.Ref, Message: err.Error()})
	}
	return err
}

// ReadAll reads the whole input after checking its size against limit, so
// a hostile size never reaches an allocation. A reader that ends early
// gives what it held (a partly overwritten deleted file still has lines to
// read); any other read error is returned with its offset.
func ReadAll(in *Input, limit int64) ([]byte, error) {
	if in.Size < 0 || in.Size > limit {
		return nil, fmt.Errorf("file of %d bytes is over the %d-byte limit", in.Size, limit)
	}
	b := make([]byte, in.Size)
	n, err := in.Reader.ReadAt(b, 0)
	if err != nil && err != io.EOF {
		return nil, fmt.Errorf("reading at byte %d: %w", n, err)
	}
	return b[:n], nil
}
