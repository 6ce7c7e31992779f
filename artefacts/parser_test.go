package artefacts

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/loupe-forensics/loupe/forensic/finding"
	"github.com/loupe-forensics/loupe/forensic/source"
)

type fakeParser struct {
	name  string
	magic []byte
	parse func(ctx context.Context, in *Input, out finding.Sink) error
}

func (p fakeParser) Name() string         { return p.name }
func (p fakeParser) Version() string      { return "1" }
func (p fakeParser) Match(in *Input) bool { return bytes.HasPrefix(in.Head, p.magic) }
func (p fakeParser) Parse(ctx context.Context, in *Input, out finding.Sink) error {
	return p.parse(ctx, in, out)
}

func TestRegistryRejectsDuplicates(t *testing.T) {
	p := fakeParser{name: "x/y"}
	if _, err := NewRegistry(p, p); err == nil || !strings.Contains(err.Error(), "x/y") {
		t.Fatalf("NewRegistry with a duplicate = %v, want an error naming it", err)
	}
}

func TestMatchingByContent(t *testing.T) {
	a := fakeParser{name: "a", magic: []byte("SQLite format 3\x00")}
	b := fakeParser{name: "b", magic: []byte("KBXf")}
	boom := fakeParser{name: "boom"} // Match panics on a nil Head slice index below
	r, err := NewRegistry(a, b, panicMatcher{boom})
	if err != nil {
		t.Fatal(err)
	}
	got := r.Matching(&Input{Head: []byte("SQLite format 3\x00rest")})
	if len(got) != 1 || got[0].Name() != "a" {
		t.Fatalf("Matching = %v, want [a]", got)
	}
	if names := r.Names(); strings.Join(names, ",") != "a@1,b@1,boom@1" {
		t.Errorf("Names = %v", names)
	}
}

type panicMatcher struct{ fakeParser }

func (panicMatcher) Match(*Input) bool { panic("crafted input") }

func TestRunIsolatesPanicsAndRecordsErrors(t *testing.T) {
	ref := source.Image("d").Entry("/x", "5")
	in := &Input{Ref: ref}
	var c finding.Collector
	panicky := fakeParser{name: "p", parse: func(context.Context, *Input, finding.Sink) error { panic("index out of range") }}
	if err := Run(context.Background(), panicky, in, &c); err != nil {
		t.Fatalf("Run after panic = %v, want nil", err)
	}
	failing := fakeParser{name: "f", parse: func(context.Context, *Input, finding.Sink) error { return errors.New("truncated header at 0x10") }}
	_ = Run(context.Background(), failing, in, &c)
	wrong := fakeParser{name: "w", parse: func(context.Context, *Input, finding.Sink) error { return ErrWrongFormat }}
	_ = Run(context.Background(), wrong, in, &c)
	if len(c.Warnings) != 2 {
		t.Fatalf("got %d warnings, want 2 (panic and error; wrong-format is silent): %+v", len(c.Warnings), c.Warnings)
	}
	if c.Warnings[0].Parser != "p" || !strings.Contains(c.Warnings[0].Message, "panic") || c.Warnings[0].Source != ref {
		t.Errorf("panic warning = %+v", c.Warnings[0])
	}
	if c.Warnings[1].Message != "truncated header at 0x10" {
		t.Errorf("error warning = %+v", c.Warnings[1])
	}
}
