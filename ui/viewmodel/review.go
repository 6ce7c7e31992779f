package viewmodel

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"

	"github.com/loupe-forensics/loupe/forensic/record"
)

// Write runs fn with a writer of the session's record. An examiner's
// session writes through its own Record. A review session holds the record
// read-only, so the reviewer's writes (review notes, tags, the search and
// access log, the sign-off) go through the reviewer's own writer, as
// `loupe-cli note` does: record.Open under the reviewer's name and key,
// write, Close (which checkpoints and folds the WAL back). The read-only
// handle is then reopened so every view reads what was just written.
// Changed is called after a successful write.
func (s *Session) Write(ctx context.Context, fn func(w *record.Record) error) error {
	if s == nil || s.Record == nil {
		return errors.New("no record is open")
	}
	if !s.ReadOnly {
		if err := fn(s.Record); err != nil {
			return err
		}
		s.changed()
		return nil
	}
	if strings.TrimSpace(s.Examiner.Name) == "" {
		return errors.New("review writes need the reviewer's name (set up the examiner first)")
	}
	opts := record.Options{KeyDir: s.KeyDir}
	w, err := record.Open(ctx, s.RecordPath, s.Examiner, opts)
	if err != nil {
		return fmt.Errorf("open %s for the reviewer's writes: %w", s.RecordPath, err)
	}
	werr := fn(w)
	if cerr := w.Close(); werr == nil && cerr != nil {
		werr = fmt.Errorf("close the reviewer's writer: %w", cerr)
	}
	// Reopen even when fn failed part-way: whatever was written is in the
	// file, and a read-only handle over a copy would not see it.
	ro, rerr := record.OpenReadOnly(ctx, s.RecordPath, opts)
	if rerr == nil {
		old := s.Record
		s.Record = ro
		_ = old.Close()
	}
	if werr != nil {
		return werr
	}
	if rerr != nil {
		return fmt.Errorf("reopen %s read-only after the review write: %w", s.RecordPath, rerr)
	}
	s.changed()
	return nil
}

func (s *Session) changed() {
	if s.Changed != nil {
		s.Changed()
	}
}

// viewLog remembers which artefacts' viewing has been logged in this
// session, so opening the same detail again does not add another entry.
type viewLog struct {
	mu   sync.Mutex
	seen map[int64]bool
}

// LogView records that the examiner opened an artefact's detail, once per
// artefact per session (record.Viewed is the DPA s.62 access log; repeating
// it on every click would bury the log). It reports whether an entry was added.
func (s *Session) LogView(ctx context.Context, artefactID int64, reason string) (bool, error) {
	s.views.mu.Lock()
	defer s.views.mu.Unlock()
	if s.views.seen[artefactID] {
		return false, nil
	}
	if err := s.Write(ctx, func(w *record.Record) error {
		_, err := w.Viewed(ctx, artefactID, reason)
		return err
	}); err != nil {
		return false, err
	}
	if s.views.seen == nil {
		s.views.seen = map[int64]bool{}
	}
	s.views.seen[artefactID] = true
	return true, nil
}

// ReproduceResult is what a re-run of the recorded parsers found: the
// shape of `loupe-cli reproduce`'s JSON (identical, differences, runs).
type ReproduceResult struct {
	Identical   bool            `json:"identical"`
	Differences int             `json:"differences"`
	Runs        []ReproducedRun `json:"runs"`
}

// ReproducedRun is one run's comparison.
type ReproducedRun struct {
	Run         int64    `json:"run"`
	Status      string   `json:"status"`
	Skipped     string   `json:"skipped,omitempty"`
	Recorded    int      `json:"recorded"`
	Reproduced  int      `json:"reproduced"`
	ParserDiffs []string `json:"parser_differences,omitempty"`
	Differences []struct {
		Side   string `json:"side"`
		Kind   string `json:"kind"`
		Parser string `json:"parser"`
		Source string `json:"source"`
		Attrs  string `json:"attrs"`
		Count  int    `json:"count"`
	} `json:"differences"`
}

// Reproducer re-runs the parsers of one complete run of the record at
// recordPath over the evidence and compares with what was recorded.
// progress receives human-readable lines as the re-run goes.
type Reproducer func(ctx context.Context, recordPath string, evidence []string, run int64, progress func(line string)) (*ReproduceResult, error)

// CLIReproducer runs `loupe-cli reproduce RECORD --run N --image …`, the
// same code path a reviewer runs by hand, and reads its JSON. The parser
// registry and evidence openers live in the CLI, so the workstation uses it
// rather than keeping a second list that could drift. cli "" looks beside
// this executable, then on PATH.
func CLIReproducer(cli string) Reproducer {
	return func(ctx context.Context, recordPath string, evidence []string, run int64, progress func(string)) (*ReproduceResult, error) {
		bin, err := findCLI(cli)
		if err != nil {
			return nil, err
		}
		if len(evidence) == 0 {
			return nil, errors.New("reproduce needs the evidence: no image files are known for this record")
		}
		args := []string{"reproduce", recordPath, "--run", fmt.Sprint(run)}
		for _, e := range evidence {
			args = append(args, "--image", e)
		}
		cmd := exec.CommandContext(ctx, bin, args...)
		var out bytes.Buffer
		cmd.Stdout = &out
		stderr, err := cmd.StderrPipe()
		if err != nil {
			return nil, err
		}
		if err := cmd.Start(); err != nil {
			return nil, fmt.Errorf("start %s: %w", bin, err)
		}
		var last string
		readLines(stderr, func(l string) {
			last = l
			if progress != nil {
				progress(l)
			}
		})
		werr := cmd.Wait()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		var res ReproduceResult
		if jerr := json.Unmarshal(out.Bytes(), &res); jerr != nil {
			// No JSON: the command failed before comparing (bad usage,
			// unreadable evidence); its last line says why.
			if werr != nil {
				return nil, fmt.Errorf("loupe-cli reproduce --run %d: %v: %s", run, werr, last)
			}
			return nil, fmt.Errorf("loupe-cli reproduce --run %d: output is not JSON: %w", run, jerr)
		}
		// Exit 1 with a report means differences, which res carries.
		return &res, nil
	}
}

func findCLI(cli string) (string, error) {
	if cli != "" {
		return cli, nil
	}
	if exe, err := os.Executable(); err == nil {
		p := filepath.Join(filepath.Dir(exe), "loupe-cli")
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p, nil
		}
	}
	p, err := exec.LookPath("loupe-cli")
	if err != nil {
		return "", fmt.Errorf("loupe-cli is needed to reproduce (not beside loupe nor on PATH): %w", err)
	}
	return p, nil
}

func readLines(r io.Reader, fn func(string)) {
	buf := make([]byte, 0, 4096)
	tmp := make([]byte, 4096)
	for {
		n, err := r.Read(tmp)
		buf = append(buf, tmp[:n]...)
		for {
			i := bytes.IndexByte(buf, '\n')
			if i < 0 {
				break
			}
			fn(strings.TrimRight(string(buf[:i]), "\r"))
			buf = buf[i+1:]
		}
		if len(buf) > 64<<10 { // a line with no end: pass it on rather than grow
			fn(string(buf))
			buf = buf[:0]
		}
		if err != nil {
			if len(buf) > 0 {
				fn(string(buf))
			}
			return
		}
	}
}

// ReviewState is what the review view shows.
type ReviewState struct {
	Busy     bool
	Stage    string  // "verify", "reproduce", ""
	Fraction float64 // -1 when unknown (the view shows an activity bar)
	Status   string  // the newest progress line
	Banner   string
	Kind     BannerKind
	Details  []Field
}

// ReviewVM runs a peer review over a record opened read-only: verify the
// chain, reproduce the runs, then add review notes and sign off with the
// reviewer's own writer.
type ReviewVM struct {
	s        *Session
	evidence []string
	onChange func()

	mu    sync.Mutex
	state ReviewState
}

// NewReviewVM makes the view model. evidence are the image files to
// reproduce from (the session's EvidencePaths unless the reviewer picks
// others). onChange is called (from any goroutine) when the state changed.
func NewReviewVM(s *Session, onChange func()) *ReviewVM {
	vm := &ReviewVM{s: s, onChange: onChange, evidence: append([]string(nil), s.EvidencePaths...)}
	vm.state.Banner = "Not yet checked: run Verify and Reproduce before signing off."
	vm.state.Kind = BannerInfo
	return vm
}

// SetEvidence replaces the image files reproduce runs on.
func (vm *ReviewVM) SetEvidence(paths []string) {
	vm.mu.Lock()
	vm.evidence = append([]string(nil), paths...)
	vm.mu.Unlock()
}

// State returns a copy of the current state.
func (vm *ReviewVM) State() ReviewState {
	vm.mu.Lock()
	defer vm.mu.Unlock()
	st := vm.state
	st.Details = append([]Field(nil), vm.state.Details...)
	return st
}

func (vm *ReviewVM) update(fn func(st *ReviewState)) {
	vm.mu.Lock()
	fn(&vm.state)
	vm.mu.Unlock()
	if vm.onChange != nil {
		vm.onChange()
	}
}

// Check runs record.Verify and then reproduce, one after the other, and
// sets a pass/fail banner. It blocks; the view calls it on a goroutine.
// A tampered chain stops before reproduce: nothing it holds can be trusted.
func (vm *ReviewVM) Check(ctx context.Context) error {
	vm.mu.Lock()
	if vm.state.Busy {
		vm.mu.Unlock()
		return errors.New("a check is already running")
	}
	vm.state = ReviewState{Busy: true, Stage: "verify", Fraction: -1, Status: "Verifying the audit chain, row hashes and signatures…"}
	evidence := vm.evidence
	vm.mu.Unlock()
	if vm.onChange != nil {
		vm.onChange()
	}

	res, err := vm.s.Record.Verify(ctx)
	if err != nil {
		vm.finish("VERIFY FAILED TO RUN: "+err.Error(), BannerFail, nil)
		return err
	}
	details := []Field{
		{"Record", vm.s.RecordPath},
		{"Entries", fmt.Sprintf("%d (rows %d, checkpoints %d)", res.Entries, res.Rows, res.Checkpoints)},
		{"Chain head", res.Head},
		{"Signed by", strings.Join(res.Signers, ", ")},
		{"Anchors checked", strings.Join(res.Anchors, ", ")},
	}
	if !res.OK {
		details = append(details, Field{"Problem", res.Problem.Error()})
		vm.finish("TAMPERING FOUND — "+res.Problem.Error(), BannerFail, details)
		return nil
	}
	details = append(details, Field{"Chain", "intact"})
	vm.update(func(st *ReviewState) {
		st.Stage, st.Status, st.Details = "reproduce", "Re-running the recorded parsers over the evidence…", details
	})

	rep := vm.s.Reproduce
	if rep == nil {
		rep = CLIReproducer("")
	}
	runs, err := vm.s.Record.Runs(ctx)
	if err != nil {
		vm.finish("CHAIN INTACT — REPRODUCE NOT RUN: "+err.Error(), BannerInfo, details)
		return err
	}
	// Each complete run that examined evidence is re-run on its own. A run
	// that names no source (the identifier sweep) or did not complete is
	// listed as not reproduced, and the banner says so.
	var diffs, done, skipped int
	for i, run := range runs {
		label := fmt.Sprintf("Run %d", run.ID)
		switch {
		case run.Status != record.RunComplete:
			details = append(details, Field{label, "not reproduced: the run is " + run.Status})
			skipped++
			continue
		case len(run.Sources) == 0:
			details = append(details, Field{label, "not reproduced: the run names no evidence source (" + strings.Join(run.Parsers, ", ") + ")"})
			skipped++
			continue
		}
		vm.update(func(st *ReviewState) {
			st.Status = fmt.Sprintf("Reproducing run %d (%d of %d)…", run.ID, i+1, len(runs))
			st.Fraction = float64(i) / float64(len(runs))
		})
		rr, err := rep(ctx, vm.s.RecordPath, evidence, run.ID, func(line string) {
			vm.update(func(st *ReviewState) { st.Status = line })
		})
		if err != nil {
			details = append(details, Field{label, "reproduce failed: " + err.Error()})
			vm.finish(fmt.Sprintf("CHAIN INTACT — REPRODUCE OF RUN %d FAILED: %v", run.ID, err), BannerFail, details)
			return err
		}
		for _, r := range rr.Runs {
			details = append(details, Field{fmt.Sprintf("Run %d", r.Run), describeRun(r)})
		}
		diffs += rr.Differences
		if !rr.Identical && rr.Differences == 0 {
			diffs++ // a report that says not identical counts, whatever its tally
		}
		done++
	}
	switch {
	case diffs > 0:
		vm.finish(fmt.Sprintf("CHAIN INTACT — REPRODUCE FOUND %d DIFFERENCE(S)", diffs), BannerFail, details)
	case done == 0:
		vm.finish("CHAIN INTACT — NO RUN COULD BE REPRODUCED (see the runs below)", BannerInfo, details)
	case skipped > 0:
		vm.finish(fmt.Sprintf("PASS WITH GAPS — chain intact; %d run(s) reproduced identically, %d not reproducible (see below)", done, skipped), BannerInfo, details)
	default:
		vm.finish(fmt.Sprintf("PASS — chain intact and all %d run(s) reproduced identically", done), BannerOK, details)
	}
	return nil
}

func describeRun(r ReproducedRun) string {
	v := fmt.Sprintf("%s: recorded %d, reproduced %d", r.Status, r.Recorded, r.Reproduced)
	if r.Skipped != "" {
		v = r.Skipped
	}
	for _, p := range r.ParserDiffs {
		v += "\n" + p
	}
	for _, d := range r.Differences {
		v += fmt.Sprintf("\n%s ×%d: %s %s at %s", d.Side, d.Count, d.Parser, d.Kind, d.Source)
	}
	return v
}

func (vm *ReviewVM) finish(banner string, kind BannerKind, details []Field) {
	vm.update(func(st *ReviewState) {
		st.Busy, st.Stage, st.Fraction, st.Banner, st.Kind = false, "", 1, banner, kind
		if details != nil {
			st.Details = details
		}
	})
}

// SignOff records the review with the reviewer's writer and returns its
// audit entry's sequence number.
func (vm *ReviewVM) SignOff(ctx context.Context, rv record.Review) (int64, error) {
	var seq int64
	err := vm.s.Write(ctx, func(w *record.Record) error {
		var err error
		seq, err = w.SignOff(ctx, rv)
		return err
	})
	return seq, err
}

// Reviews lists the sign-offs in the record, oldest first, as
// "time — outcome (type) by name: scope".
func (vm *ReviewVM) Reviews(ctx context.Context) ([]string, error) {
	entries, err := vm.s.Record.EntriesByAction(ctx, record.ActionReview)
	if err != nil {
		return nil, err
	}
	names, _ := vm.s.Record.ExaminerNames(ctx)
	var out []string
	for _, e := range entries {
		var p struct {
			Review record.Review `json:"review"`
		}
		if err := json.Unmarshal(e.Params, &p); err != nil {
			return nil, fmt.Errorf("review entry %d: %w", e.Seq, err)
		}
		who := names[e.Actor]
		if who == "" {
			who = e.Actor
		}
		out = append(out, fmt.Sprintf("#%d %s — %s (%s) by %s: %s", e.Seq, vm.s.FormatTime(e.Time), p.Review.Outcome, p.Review.Type, who, p.Review.Scope))
	}
	return out, nil
}
