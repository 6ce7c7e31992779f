package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/loupe-forensics/loupe/forensic/finding"
	"github.com/loupe-forensics/loupe/forensic/record"
	"github.com/loupe-forensics/loupe/forensic/source"
	"github.com/loupe-forensics/loupe/imaging"
)

// recordArgs parses "RECORD [positional...] --flag value ..." in any order.
// Flags named in bools take no value.
func recordArgs(args []string, bools ...string) (pos []string, flags map[string][]string, err error) {
	flags = map[string][]string{}
	isBool := map[string]bool{}
	for _, b := range bools {
		isBool[b] = true
	}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if !strings.HasPrefix(a, "-") || a == "-" {
			pos = append(pos, a)
			continue
		}
		name := strings.TrimLeft(a, "-")
		if k, v, ok := strings.Cut(name, "="); ok {
			flags[k] = append(flags[k], v)
			continue
		}
		if isBool[name] {
			flags[name] = append(flags[name], "true")
			continue
		}
		if i+1 >= len(args) {
			return nil, nil, fmt.Errorf("option --%s needs a value", name)
		}
		i++
		flags[name] = append(flags[name], args[i])
	}
	return pos, flags, nil
}

func one(flags map[string][]string, name string) string {
	if v := flags[name]; len(v) > 0 {
		return v[len(v)-1]
	}
	return ""
}

// checkFlags rejects options the command does not know.
func checkFlags(flags map[string][]string, known ...string) error {
	ok := map[string]bool{}
	for _, k := range known {
		ok[k] = true
	}
	for k := range flags {
		if !ok[k] {
			return fmt.Errorf("unknown option --%s", k)
		}
	}
	return nil
}

func recordOptions(flags map[string][]string) record.Options {
	return record.Options{KeyDir: one(flags, "key-dir")}
}

// runVerify: loupe-cli verify RECORD [--image IMAGE...] [--json]
func runVerify(ctx context.Context, e env, args []string) int {
	pos, flags, err := recordArgs(args, "json")
	if err == nil {
		err = checkFlags(flags, "json", "image", "key-dir")
	}
	if err != nil || len(pos) == 0 {
		return fail(e, exitUsage, "usage: loupe-cli verify RECORD [--image IMAGE...] [--json] (%v)", err)
	}
	// Every argument after --image is an image segment.
	var images []string
	for i, a := range args {
		if a == "--image" || a == "-image" {
			for _, p := range args[i+1:] {
				if strings.HasPrefix(p, "-") {
					break
				}
				images = append(images, p)
			}
		}
	}
	recPath := pos[0]
	rec, err := record.OpenReadOnly(ctx, recPath, recordOptions(flags))
	if err != nil {
		return fail(e, exitUsage, "%v", err)
	}
	defer rec.Close()
	res, err := rec.Verify(ctx)
	if err != nil {
		return fail(e, exitUsage, "verify %s: %v", recPath, err)
	}
	type imageCheck struct {
		Image    string          `json:"image"`
		Ref      string          `json:"ref"`
		SHA256   string          `json:"sha256"`
		Computed imaging.Digests `json:"computed"`
		Recorded bool            `json:"recorded"` // the computed hash equals a verification in the record
		Problem  string          `json:"problem,omitempty"`
	}
	out := struct {
		*record.Result
		Images []imageCheck `json:"images,omitempty"`
	}{Result: res}
	imageOK := true
	if len(images) > 0 {
		img, err := imaging.Open(ctx, images...)
		if err != nil {
			return fail(e, exitUsage, "%v", err)
		}
		ref := img.Ref().String()
		vr, err := imaging.Verify(ctx, img, nil)
		img.Close()
		if err != nil {
			return fail(e, exitFailed, "re-hash %s: %v", images[0], err)
		}
		ic := imageCheck{Image: images[0], Ref: ref, SHA256: vr.Computed.SHA256, Computed: vr.Computed}
		ic.Recorded, ic.Problem, err = checkEvidence(ctx, rec, ref, vr)
		if err != nil {
			return fail(e, exitUsage, "%v", err)
		}
		imageOK = ic.Problem == ""
		out.Images = append(out.Images, ic)
	}
	if one(flags, "json") != "" {
		writeJSON(e, out)
	} else {
		fmt.Fprintf(e.stdout, "Record:      %s (id %s)\nEntries:     %d, rows %d, checkpoints %d\nHead:        %s\nSigned by:   %s\nAnchors:     %s\n",
			recPath, rec.ID(), res.Entries, res.Rows, res.Checkpoints, res.Head, strings.Join(res.Signers, ", "), strings.Join(res.Anchors, ", "))
		for _, ic := range out.Images {
			fmt.Fprintf(e.stdout, "Evidence:    %s sha256 %s (recorded: %v)\n", ic.Image, ic.Computed.SHA256, ic.Recorded)
		}
	}
	if !res.OK {
		return fail(e, exitFailed, "TAMPERING FOUND: %v", res.Problem)
	}
	if !imageOK {
		return fail(e, exitFailed, "EVIDENCE MISMATCH: %s", out.Images[0].Problem)
	}
	if one(flags, "json") == "" {
		fmt.Fprintln(e.stdout, "Result:      INTACT")
	}
	return exitOK
}

// checkEvidence compares a fresh re-hash of an image with the source of the
// same reference in the record: every acquisition hash the source recorded
// and every verification of it must equal the computed digests, and the
// image must have read without chunk errors. problem is "" when all agree.
func checkEvidence(ctx context.Context, rec *record.Record, ref string, vr imaging.VerifyResult) (recorded bool, problem string, err error) {
	sources, err := rec.Rows(ctx, "sources")
	if err != nil {
		return false, "", err
	}
	verifs, err := rec.Rows(ctx, "verifications")
	if err != nil {
		return false, "", err
	}
	if len(vr.Errors) > 0 {
		return false, fmt.Sprintf("%s: %d unreadable region(s), first %v", ref, len(vr.Errors), vr.Errors[0]), nil
	}
	digests := func(v any) imaging.Digests {
		var d imaging.Digests
		b, _ := json.Marshal(v)
		json.Unmarshal(b, &d)
		return d
	}
	differs := func(what string, want imaging.Digests) string {
		for _, c := range []struct{ alg, want, got string }{
			{"md5", want.MD5, vr.Computed.MD5}, {"sha1", want.SHA1, vr.Computed.SHA1}, {"sha256", want.SHA256, vr.Computed.SHA256},
		} {
			if c.want != "" && !strings.EqualFold(c.want, c.got) {
				return fmt.Sprintf("%s: %s %s recorded as %s, computed %s", ref, what, c.alg, c.want, c.got)
			}
		}
		return ""
	}
	found := false
	for _, src := range sources {
		if src["ref"] != ref {
			continue
		}
		found = true
		if p := differs("acquisition", digests(src["acquisition"])); p != "" {
			return false, p, nil
		}
		for _, v := range verifs {
			srcID, _ := src["id"].(int64)
			if id, _ := v["source_id"].(float64); int64(id) != srcID {
				continue
			}
			if p := differs(fmt.Sprintf("verification %v", v["id"]), digests(v["computed"])); p != "" {
				return false, p, nil
			}
			recorded = true
		}
	}
	if !found {
		return false, fmt.Sprintf("%s is not a source of this record", ref), nil
	}
	if !recorded {
		return false, fmt.Sprintf("%s: the record holds no verification of this source to compare with", ref), nil
	}
	return true, "", nil
}

// artefactJSON is the public shape of `artefacts --json`.
type artefactJSON struct {
	ID           int64          `json:"id"`
	Kind         string         `json:"kind"`
	Category     string         `json:"category"`
	Source       sourceJSON     `json:"source"`
	SourceSHA256 string         `json:"source_sha256"`
	Parser       string         `json:"parser"`
	Attrs        map[string]any `json:"attrs"`
	RunID        int64          `json:"run_id"`
}

type sourceJSON struct {
	Ref       string `json:"ref"`
	Partition int    `json:"partition"`
	FS        string `json:"fs"`
	Path      string `json:"path"`
	Inode     string `json:"inode"`
	Offset    int64  `json:"offset"`
}

func describeSource(r *source.Ref) sourceJSON {
	s := sourceJSON{Ref: r.String(), Partition: r.PartitionIndex(), Path: r.Path()}
	if f := r.Find(source.TypeFS); f != nil {
		s.FS = f.Locator
	}
	if en := r.Find(source.TypeEntry); en != nil {
		s.Inode = en.ID
	}
	for st := r; st != nil; st = st.Parent {
		if st.Type == source.TypeOffset || st.Type == source.TypeRegion {
			s.Offset = st.Offset
			break
		}
	}
	return s
}

func attrMap(attrs []finding.Attr) map[string]any {
	m := make(map[string]any, len(attrs))
	for _, a := range attrs {
		m[a.Name] = a.Value()
	}
	return m
}

// runArtefacts: loupe-cli artefacts --json RECORD [--kind PREFIX] [--run ID]
// (--run keeps one run's artefacts, e.g. the complete rerun after a killed one).
func runArtefacts(ctx context.Context, e env, args []string) int {
	pos, flags, err := recordArgs(args, "json")
	if err == nil {
		err = checkFlags(flags, "json", "kind", "run", "key-dir")
	}
	var runID int64
	if err == nil && one(flags, "run") != "" {
		if runID, err = strconv.ParseInt(one(flags, "run"), 10, 64); err == nil && runID <= 0 {
			err = fmt.Errorf("--run takes a run id")
		}
	}
	if err != nil || len(pos) != 1 {
		return fail(e, exitUsage, "usage: loupe-cli artefacts --json RECORD [--kind PREFIX] [--run ID] (%v)", err)
	}
	rec, err := record.OpenReadOnly(ctx, pos[0], recordOptions(flags))
	if err != nil {
		return fail(e, exitUsage, "%v", err)
	}
	defer rec.Close()
	enc := json.NewEncoder(e.stdout)
	enc.SetEscapeHTML(false)
	for a, err := range rec.Artefacts(ctx, one(flags, "kind")) {
		if err != nil {
			return fail(e, exitUsage, "%v", err)
		}
		if runID != 0 && a.RunID != runID {
			continue
		}
		src := a.Source
		if src == nil {
			src = &source.Ref{Type: source.TypeImage}
		}
		j := artefactJSON{ID: a.ID, Kind: a.Kind, Category: a.Category, Source: describeSource(src), SourceSHA256: a.SourceSHA256,
			Parser: a.Parser + "@" + a.ParserVersion, Attrs: attrMap(a.Attrs), RunID: a.RunID}
		if err := enc.Encode(j); err != nil {
			return fail(e, exitFailed, "write: %v", err)
		}
	}
	return exitOK
}

// runNote: loupe-cli note RECORD --text TEXT --examiner NAME [--corrects SEQ]
func runNote(ctx context.Context, e env, args []string) int {
	pos, flags, err := recordArgs(args)
	if err == nil {
		err = checkFlags(flags, "text", "examiner", "corrects", "key-dir")
	}
	if err != nil || len(pos) != 1 || one(flags, "text") == "" {
		return fail(e, exitUsage, "usage: loupe-cli note RECORD --text TEXT [--examiner NAME] [--corrects SEQ] (%v)", err)
	}
	var corrects int64
	if c := one(flags, "corrects"); c != "" {
		if corrects, err = strconv.ParseInt(c, 10, 64); err != nil {
			return fail(e, exitUsage, "--corrects takes an audit entry number")
		}
	}
	rec, code := openForWriting(ctx, e, pos[0], flags)
	if rec == nil {
		return code
	}
	defer rec.Close()
	seq, err := rec.AddNote(ctx, one(flags, "text"), corrects)
	if err != nil {
		return fail(e, exitUsage, "%v", err)
	}
	return writeJSON(e, map[string]any{"seq": seq})
}

// runTag: loupe-cli tag RECORD ARTEFACT-ID --flag FLAG [--reason R] [--category C] [--examiner NAME]
func runTag(ctx context.Context, e env, args []string) int {
	pos, flags, err := recordArgs(args)
	if err == nil {
		err = checkFlags(flags, "flag", "reason", "category", "examiner", "key-dir")
	}
	if err != nil || len(pos) != 2 || one(flags, "flag") == "" {
		return fail(e, exitUsage, "usage: loupe-cli tag RECORD ARTEFACT-ID --flag relevant|undermines|assists|sensitive|notable [--reason R] [--category C] (%v)", err)
	}
	id, err := strconv.ParseInt(pos[1], 10, 64)
	if err != nil {
		return fail(e, exitUsage, "artefact id %q is not a number", pos[1])
	}
	rec, code := openForWriting(ctx, e, pos[0], flags)
	if rec == nil {
		return code
	}
	defer rec.Close()
	seq, err := rec.AddTag(ctx, id, one(flags, "flag"), one(flags, "reason"), one(flags, "category"))
	if err != nil {
		return fail(e, exitUsage, "%v", err)
	}
	return writeJSON(e, map[string]any{"seq": seq})
}

// runUntag: loupe-cli untag RECORD TAG-ID --reason R [--examiner NAME]
// withdraws a tag (a revised disclosure decision) by a correcting entry.
func runUntag(ctx context.Context, e env, args []string) int {
	pos, flags, err := recordArgs(args)
	if err == nil {
		err = checkFlags(flags, "reason", "examiner", "key-dir")
	}
	if err != nil || len(pos) != 2 || one(flags, "reason") == "" {
		return fail(e, exitUsage, "usage: loupe-cli untag RECORD TAG-ID --reason R (%v)", err)
	}
	id, err := strconv.ParseInt(pos[1], 10, 64)
	if err != nil {
		return fail(e, exitUsage, "tag id %q is not a number", pos[1])
	}
	rec, code := openForWriting(ctx, e, pos[0], flags)
	if rec == nil {
		return code
	}
	defer rec.Close()
	seq, err := rec.WithdrawTag(ctx, id, one(flags, "reason"))
	if err != nil {
		return fail(e, exitUsage, "%v", err)
	}
	return writeJSON(e, map[string]any{"seq": seq})
}

// openForWriting opens a record as the examiner named by --examiner or,
// failing that, $LOUPE_EXAMINER.
func openForWriting(ctx context.Context, e env, path string, flags map[string][]string) (*record.Record, int) {
	name := one(flags, "examiner")
	if name == "" {
		name = envOr("LOUPE_EXAMINER", "")
	}
	if name == "" {
		return nil, fail(e, exitUsage, "say who you are: --examiner NAME (or set LOUPE_EXAMINER)")
	}
	rec, err := record.Open(ctx, path, record.Examiner{Name: name}, recordOptions(flags))
	if err != nil {
		if errors.Is(err, record.ErrNotRecord) {
			return nil, fail(e, exitUsage, "%v", err)
		}
		return nil, fail(e, exitUsage, "open %s: %v", path, err)
	}
	return rec, exitOK
}

// runLog: loupe-cli log RECORD [--json]
func runLog(ctx context.Context, e env, args []string) int {
	pos, flags, err := recordArgs(args, "json")
	if err == nil {
		err = checkFlags(flags, "json", "key-dir")
	}
	if err != nil || len(pos) != 1 {
		return fail(e, exitUsage, "usage: loupe-cli log RECORD [--json] (%v)", err)
	}
	rec, err := record.OpenReadOnly(ctx, pos[0], recordOptions(flags))
	if err != nil {
		return fail(e, exitUsage, "%v", err)
	}
	defer rec.Close()
	names, _ := rec.ExaminerNames(ctx)
	asJSON := one(flags, "json") != ""
	for en, err := range rec.Entries(ctx, 0) {
		if err != nil {
			return fail(e, exitUsage, "%v", err)
		}
		if asJSON {
			if code := writeJSON(e, en); code != exitOK {
				return code
			}
			continue
		}
		who := names[en.Actor]
		if who == "" {
			who = en.Actor[:min(16, len(en.Actor))]
		}
		fmt.Fprintf(e.stdout, "%6d  %s  %-16s %s  %s\n", en.Seq, en.Time.UTC().Format(time.RFC3339), en.Action, who, summarise(en))
	}
	return exitOK
}

// summarise renders an entry's params in one readable line: row lists are
// counted, not printed.
func summarise(en record.Entry) string {
	var p map[string]any
	if json.Unmarshal(en.Params, &p) != nil {
		return string(en.Params)
	}
	var parts []string
	if rows, ok := p["rows"].(map[string]any); ok {
		// Tables in name order so the same chain always prints the same.
		tables := make([]string, 0, len(rows))
		for t := range rows {
			tables = append(tables, t)
		}
		sort.Strings(tables)
		for _, t := range tables {
			if list, ok := rows[t].([]any); ok {
				parts = append(parts, fmt.Sprintf("%d %s", len(list), t))
			}
		}
		delete(p, "rows")
	}
	delete(p, "sig")
	if len(p) > 0 {
		b, _ := json.Marshal(p)
		parts = append(parts, string(b))
	}
	if en.Corrects != 0 {
		parts = append(parts, fmt.Sprintf("corrects entry %d", en.Corrects))
	}
	return strings.Join(parts, "; ")
}

func envOr(name, def string) string {
	if v := strings.TrimSpace(os.Getenv(name)); v != "" {
		return v
	}
	return def
}
