package scan

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/loupe-forensics/loupe/artefacts"
	"github.com/loupe-forensics/loupe/artefacts/filetype"
	"github.com/loupe-forensics/loupe/forensic/finding"
)

// countingCorrelator lists the sources of the file.type artefacts it saw,
// sorted, in one artefact: so the test sees whether every artefact was
// observed, whether its own output was fed back, and the determinism.
type countingCorrelator struct{ panicAt int }

func (*countingCorrelator) Name() string                { return "test/correlator" }
func (*countingCorrelator) Version() string             { return "1" }
func (*countingCorrelator) Match(*artefacts.Input) bool { return false }
func (*countingCorrelator) Parse(context.Context, *artefacts.Input, finding.Sink) error {
	return artefacts.ErrWrongFormat
}
func (c *countingCorrelator) Correlation() artefacts.Correlation {
	return &countingState{panicAt: c.panicAt}
}

type countingState struct {
	panicAt int
	seen    []string
	kinds   map[string]int
}

func (s *countingState) Observe(a finding.Artefact) {
	if s.kinds == nil {
		s.kinds = map[string]int{}
	}
	s.kinds[a.Kind]++
	s.seen = append(s.seen, a.Source.String())
	if s.panicAt > 0 && len(s.seen) == s.panicAt {
		panic("boom")
	}
}

func (s *countingState) Finish(ctx context.Context, out finding.Sink) error {
	sort.Strings(s.seen)
	return out.Artefact(ctx, finding.Artefact{Kind: "test.summary", Parser: "test/correlator", ParserVersion: "1",
		Attrs: []finding.Attr{finding.I("observed", int64(len(s.seen))), finding.I("summaries_seen", int64(s.kinds["test.summary"])),
			finding.S("sources", strings.Join(s.seen, "\n"))}})
}

func TestCorrelatorSeesEveryArtefactOnce(t *testing.T) {
	dir := t.TempDir()
	for i := 0; i < 40; i++ {
		os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%02d.txt", i)), []byte(fmt.Sprintf("file %d\n", i)), 0o644)
	}
	var outs []string
	for rerun := 0; rerun < 2; rerun++ {
		s := newScanner(t, Config{Workers: 4}, filetype.New(), &countingCorrelator{})
		st := &memStore{}
		sum, err := s.Examine(context.Background(), st, []SourceSpec{{Folder: dir}})
		if err != nil || sum.Status != "complete" {
			t.Fatalf("%v %+v", err, sum)
		}
		run := st.runs[0]
		got := run.Kind("test.summary")
		if len(got) != 1 {
			t.Fatalf("%d summaries", len(got))
		}
		observed, _ := got[0].Get("observed")
		again, _ := got[0].Get("summaries_seen")
		if n := len(run.Kind("file.type")); observed.Int != int64(n) || n != 40 || again.Int != 0 {
			t.Fatalf("observed %d of %d file.type artefacts; own output seen %d times", observed.Int, n, again.Int)
		}
		if sum.Artefacts != 41 {
			t.Errorf("summary counts %d artefacts, want 41", sum.Artefacts)
		}
		if !strings.Contains(strings.Join(run.spec.Parsers, ","), "test/correlator@1") {
			t.Errorf("correlator not recorded with the run: %v", run.spec.Parsers)
		}
		src, _ := got[0].Get("sources")
		outs = append(outs, src.Str)
	}
	if outs[0] != outs[1] {
		t.Error("two runs with 4 workers gave different correlator output")
	}
}

func TestCorrelatorPanicIsAWarning(t *testing.T) {
	dir := t.TempDir()
	for i := 0; i < 5; i++ {
		os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%d", i)), []byte("x"), 0o644)
	}
	s := newScanner(t, Config{}, filetype.New(), &countingCorrelator{panicAt: 2})
	st := &memStore{}
	sum, err := s.Examine(context.Background(), st, []SourceSpec{{Folder: dir}})
	if err != nil || sum.Status != "complete" {
		t.Fatalf("%v %+v", err, sum)
	}
	run := st.runs[0]
	if len(run.Kind("test.summary")) != 0 || len(run.Warnings) != 1 || !strings.Contains(run.Warnings[0].Message, "correlator panicked") {
		t.Fatalf("artefacts %d, warnings %+v", len(run.Kind("test.summary")), run.Warnings)
	}
}
