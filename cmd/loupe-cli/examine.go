package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/loupe-forensics/loupe/artefacts"
	"github.com/loupe-forensics/loupe/artefacts/sweep"
	"github.com/loupe-forensics/loupe/forensic/finding"
	"github.com/loupe-forensics/loupe/forensic/record"
	"github.com/loupe-forensics/loupe/forensic/recordstore"
	"github.com/loupe-forensics/loupe/forensic/scan"
)

type examineFlags struct {
	record, caseURN, exhibit, examiner, keyDir, workDir string
	workers                                             int
}

func runExamine(ctx context.Context, e env, args []string) int {
	fs := flag.NewFlagSet("examine", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	var f examineFlags
	fs.StringVar(&f.record, "record", "", "examination record to create, or to add a run to (required)")
	fs.StringVar(&f.caseURN, "case", "", "case reference (required for a new record)")
	fs.StringVar(&f.exhibit, "exhibit", "", "exhibit reference (required for a new record)")
	fs.StringVar(&f.examiner, "examiner", "", "examiner's name; their signing key is made on first use (required)")
	fs.StringVar(&f.keyDir, "key-dir", "", "examiner key directory (default $LOUPE_HOME/keys, else ~/.config/loupe/keys)")
	fs.StringVar(&f.workDir, "workdir", "", "scratch folder for copies (default the system temp dir)")
	fs.IntVar(&f.workers, "workers", 0, "file workers (default one per core, at least 2)")
	doSweep := fs.Bool("sweep", false, "after the parsers, sweep each image for identifiers (files, slack, unallocated space, gaps) into its own run")
	fs.Usage = func() {
		fmt.Fprintln(e.stderr, "usage: loupe-cli examine --record OUT.loupe --case URN --exhibit REF --examiner ID SOURCE...")
		fmt.Fprintln(e.stderr, "  SOURCE is a disk image (raw, split raw, E01; its segments may follow) or a folder of loose files")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if f.record == "" || f.examiner == "" || fs.NArg() == 0 {
		fs.Usage()
		return fail(e, exitUsage, "examine: --record, --examiner and at least one SOURCE are required")
	}
	specs, err := groupSources(ctx, fs.Args())
	if err != nil {
		return fail(e, exitUsage, "examine: %v", err)
	}
	reg, err := buildRegistry()
	if err != nil {
		return fail(e, exitUsage, "examine: %v", err)
	}
	var throttle time.Duration
	if v := os.Getenv(throttleEnv); v != "" {
		if throttle, err = time.ParseDuration(v); err != nil {
			return fail(e, exitUsage, "examine: %s: %v", throttleEnv, err)
		}
	}
	rec, created, err := openOrCreate(ctx, f)
	if err != nil {
		return fail(e, exitUsage, "examine: %v", err)
	}
	defer rec.Close()
	s, err := scan.New(scan.Config{
		Registry: reg, Open: openers(), Workers: f.workers, Progress: e.stderr,
		WorkDir: f.workDir, Tool: "loupe-cli " + Version, Throttle: throttle,
		Params: map[string]string{"sources": strings.Join(fs.Args(), " "), "workers": strconv.Itoa(f.workers)},
	})
	if err != nil {
		return fail(e, exitUsage, "examine: %v", err)
	}
	st := recordstore.New(rec)
	sum, err := s.Examine(ctx, st, specs)
	out := struct {
		Record  string `json:"record"`
		Created bool   `json:"created"`
		Run     int64  `json:"run"`
		*scan.Summary
	}{f.record, created, st.RunID(), sum}
	if sum != nil {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(out)
	}
	if err == nil && *doSweep {
		for _, sp := range specs {
			if len(sp.Paths) == 0 {
				continue // folders of loose files: their content was parsed file by file
			}
			res, serr := sweepIntoRecord(ctx, rec, sp.Paths, sweep.Options{}, "identifier sweep during examination (AG Guidelines Annex A)")
			if serr != nil {
				return fail(e, exitFailed, "examine: sweep of %s: %v", sp, serr)
			}
			fmt.Fprintf(e.stderr, "examine: swept %s: %d identifiers (%d candidates rejected), run %d\n", sp, res.hits, res.rejected, res.runID)
		}
	}
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, scan.ErrSource):
		return fail(e, exitUsage, "examine: %v", err)
	case errors.Is(err, scan.ErrInterrupted):
		return fail(e, exitFailed, "examine: interrupted; run %d is recorded as incomplete (run examine again to redo it)", st.RunID())
	default:
		return fail(e, exitFailed, "examine: %v", err)
	}
}

func openOrCreate(ctx context.Context, f examineFlags) (*record.Record, bool, error) {
	opts := record.Options{KeyDir: f.keyDir}
	ex := record.Examiner{Name: f.examiner}
	if _, err := os.Stat(f.record); err == nil {
		// A rerun adds a new run to the same record; a run left running by
		// a killed process is marked incomplete by Open.
		rec, err := record.Open(ctx, f.record, ex, opts)
		return rec, false, err
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, false, err
	}
	if f.caseURN == "" || f.exhibit == "" {
		return nil, false, errors.New("--case and --exhibit are required to create a record")
	}
	rec, err := record.Create(ctx, f.record, record.Setup{
		Case:     map[string]string{"urn": f.caseURN},
		Exhibit:  map[string]string{"reference": f.exhibit},
		Examiner: ex,
	}, opts)
	return rec, true, err
}

// ---------------------------------------------------------------- reproduce

type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(s string) error { *l = append(*l, s); return nil }

// reproduceReport is reproduce's JSON output (a public contract: add fields only).
type reproduceReport struct {
	Record      string          `json:"record"`
	Identical   bool            `json:"identical"`
	Differences int             `json:"differences"`
	Runs        []reproducedRun `json:"runs"`
}

type reproducedRun struct {
	Run         int64           `json:"run"`
	Status      string          `json:"status"`
	Skipped     string          `json:"skipped,omitempty"`
	Parsers     []string        `json:"parsers"`
	Recorded    int             `json:"recorded"`
	Reproduced  int             `json:"reproduced"`
	ParserDiffs []string        `json:"parser_differences,omitempty"`
	Differences []scan.DiffItem `json:"differences"`
}

func runReproduce(ctx context.Context, e env, args []string) int {
	fs := flag.NewFlagSet("reproduce", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	var images stringList
	var runID int64
	var workDir string
	fs.Var(&images, "image", "evidence the record was made from (repeat, or list after the record); a folder for a folder source")
	fs.Int64Var(&runID, "run", 0, "reproduce only this run (default every complete run)")
	fs.StringVar(&workDir, "workdir", "", "scratch folder (default the system temp dir)")
	fs.Usage = func() {
		fmt.Fprintln(e.stderr, "usage: loupe-cli reproduce RECORD --image IMAGE... [--run N]")
		fs.PrintDefaults()
	}
	// The record comes first, flags after it: reorder so flag parsing sees them.
	var recPath string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		recPath, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	rest := fs.Args()
	if recPath == "" && len(rest) > 0 {
		recPath, rest = rest[0], rest[1:]
	}
	images = append(images, rest...)
	if recPath == "" || len(images) == 0 {
		fs.Usage()
		return fail(e, exitUsage, "reproduce: a RECORD and at least one --image are required")
	}
	rec, err := record.OpenReadOnly(ctx, recPath, record.Options{})
	if err != nil {
		return fail(e, exitUsage, "reproduce: %v", err)
	}
	defer rec.Close()
	specs, err := groupSources(ctx, images)
	if err != nil {
		return fail(e, exitUsage, "reproduce: %v", err)
	}
	report, err := reproduce(ctx, rec, specs, runID, workDir, e.stderr)
	if err != nil {
		return fail(e, exitUsage, "reproduce: %v", err)
	}
	report.Record = recPath
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	_ = enc.Encode(report)
	if !report.Identical {
		for _, r := range report.Runs {
			for _, p := range r.ParserDiffs {
				fmt.Fprintf(e.stderr, "reproduce: run %d: %s\n", r.Run, p)
			}
			for _, d := range r.Differences {
				fmt.Fprintf(e.stderr, "reproduce: run %d: %s x%d: %s %s at %s: %s\n", r.Run, d.Side, d.Count, d.Parser, d.Kind, d.Source, d.Attrs)
			}
		}
		return fail(e, exitFailed, "reproduce: %d difference(s) between the record and a re-run", report.Differences)
	}
	return exitOK
}

// reproduce re-runs each complete run's parsers over the evidence and
// compares the artefacts with those recorded.
func reproduce(ctx context.Context, rec *record.Record, specs []scan.SourceSpec, only int64, workDir string, progress io.Writer) (*reproduceReport, error) {
	full, err := buildRegistry()
	if err != nil {
		return nil, err
	}
	sources, err := rec.Rows(ctx, "sources")
	if err != nil {
		return nil, err
	}
	refOf := map[int64]string{}
	for _, s := range sources {
		id, _ := s["id"].(int64)
		ref, _ := s["ref"].(string)
		refOf[id] = ref
	}
	// Which given evidence is which recorded source: by provenance root.
	bySource := map[string]scan.SourceSpec{}
	for _, sp := range specs {
		ref, err := specRef(ctx, sp)
		if err != nil {
			return nil, err
		}
		bySource[ref] = sp
	}
	runs, err := rec.Runs(ctx)
	if err != nil {
		return nil, err
	}
	rep := &reproduceReport{Identical: true}
	for _, run := range runs {
		if only != 0 && run.ID != only {
			continue
		}
		rr := reproducedRun{Run: run.ID, Status: run.Status, Parsers: run.Parsers, Differences: []scan.DiffItem{}}
		if run.Status != record.RunComplete {
			rr.Skipped = "run is " + run.Status + "; only complete runs are reproduced"
			rep.Runs = append(rep.Runs, rr)
			continue
		}
		if why := secretRunSkip(run); why != "" {
			rr.Skipped = why
			rep.Runs = append(rep.Runs, rr)
			continue
		}
		var col finding.Collector
		if isSweepRun(run) {
			// An identifier sweep is not a parser run: it is re-run over the
			// same image (named in its params) with the recorded options.
			if run.Parsers[0] != sweep.Parser+"@"+sweep.Version {
				rr.ParserDiffs = append(rr.ParserDiffs, fmt.Sprintf("sweep recorded as %s, this build has %s@%s", run.Parsers[0], sweep.Parser, sweep.Version))
			}
			paths, err := sweepImages(run, specs)
			if err != nil {
				return nil, fmt.Errorf("run %d: %w", run.ID, err)
			}
			d, err := openDiskPaths(ctx, paths)
			if err != nil {
				return nil, err
			}
			_, err = sweep.Run(ctx, d, &col, sweep.Options{WholeImage: run.Params["whole_image"] == "true"})
			d.Close()
			if err != nil {
				return nil, fmt.Errorf("run %d: sweep: %w", run.ID, err)
			}
		} else if err := collectRun(ctx, full, run, &rr, bySource, refOf, workDir, progress, &col); err != nil {
			return nil, err
		}
		var recorded []scan.Keyed
		for a, err := range rec.Artefacts(ctx, "") {
			if err != nil {
				return nil, err
			}
			if a.RunID != run.ID {
				continue
			}
			recorded = append(recorded, scan.Keyed{Source: a.Ref, A: finding.Artefact{
				Kind: a.Kind, Category: finding.Category(a.Category), Attrs: a.Attrs, Parser: a.Parser,
				ParserVersion: a.ParserVersion, Source: a.Source, SourceSHA256: a.SourceSHA256,
			}})
		}
		reproduced := make([]scan.Keyed, len(col.Artefacts))
		for i, a := range col.Artefacts {
			reproduced[i] = scan.Keyed{A: a}
		}
		rr.Recorded, rr.Reproduced = len(recorded), len(reproduced)
		rr.Differences = scan.Diff(recorded, reproduced)
		n := len(rr.Differences) + len(rr.ParserDiffs)
		rep.Differences += n
		if n > 0 {
			rep.Identical = false
		}
		rep.Runs = append(rep.Runs, rr)
	}
	if len(rep.Runs) == 0 {
		return nil, errors.New("the record has no runs to reproduce")
	}
	return rep, nil
}

// collectRun re-runs a parser run's parsers (those this build has at the
// recorded versions) over the run's sources into col.
func collectRun(ctx context.Context, full *artefacts.Registry, run record.RunInfo, rr *reproducedRun, bySource map[string]scan.SourceSpec,
	refOf map[int64]string, workDir string, progress io.Writer, col *finding.Collector) error {
	var use []artefacts.Parser
	for _, nv := range run.Parsers {
		name, ver, _ := strings.Cut(nv, "@")
		p, ok := full.Get(name)
		switch {
		case !ok:
			rr.ParserDiffs = append(rr.ParserDiffs, fmt.Sprintf("parser %s is not in this build", nv))
		case p.Version() != ver:
			rr.ParserDiffs = append(rr.ParserDiffs, fmt.Sprintf("parser %s recorded at version %s, this build has %s", name, ver, p.Version()))
		default:
			use = append(use, p)
		}
	}
	var runSpecs []scan.SourceSpec
	for _, id := range run.Sources {
		sp, ok := bySource[refOf[id]]
		if !ok {
			return fmt.Errorf("run %d examined %s, which was not given with --image", run.ID, refOf[id])
		}
		runSpecs = append(runSpecs, sp)
	}
	reg, err := artefacts.NewRegistry(use...)
	if err != nil {
		return err
	}
	s, err := scan.New(scan.Config{Registry: reg, Open: openers(), Progress: progress, WorkDir: workDir})
	if err != nil {
		return err
	}
	return s.Collect(ctx, runSpecs, col)
}

// isSweepRun says whether a run is an identifier sweep (sweepIntoRecord).
func isSweepRun(run record.RunInfo) bool {
	return len(run.Parsers) == 1 && strings.HasPrefix(run.Parsers[0], sweep.Parser+"@")
}

// sweepImages finds, among the evidence given to reproduce, the image a
// sweep run swept: its params name the image files; they are matched by
// file name, as the evidence may have moved.
func sweepImages(run record.RunInfo, specs []scan.SourceSpec) ([]string, error) {
	want := map[string]bool{}
	for _, p := range strings.Split(run.Params["images"], "\n") {
		if p != "" {
			want[filepath.Base(p)] = true
		}
	}
	for _, sp := range specs {
		for _, p := range sp.Paths {
			if want[filepath.Base(p)] {
				return sp.Paths, nil
			}
		}
	}
	return nil, fmt.Errorf("the sweep ran over %s, which was not given with --image", strings.ReplaceAll(run.Params["images"], "\n", ", "))
}
