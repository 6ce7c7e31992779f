// Package dfxml renders the files an examination record found artefacts in
// as DFXML 2.0.0-beta.0 (Digital Forensics XML), validating against the
// schema of dfxml-working-group/dfxml_schema.
//
// The document has the exhibit reference as dc:identifier, the case as
// dc:title and the marking as dc:rights; the creator (Loupe, its version and
// the Go toolchain it was built with, the generation time); the evidence
// image segments as the source; and per evidence image a diskimageobject
// whose byte run carries the media's MD5, SHA-1 and SHA-256, with a volume
// per file system (its byte run on the image) holding a fileobject per
// artefact source file:
//
//   - filename: the path relative to the volume root, as fls -p prints it
//     (a named stream as path:stream);
//   - partition, id (walk order in this document), name_type r, filesize
//     (from the file-type parser, when it saw the file), inode and, on NTFS,
//     seq (from the entry's "entry-sequence");
//   - byte_runs with loupe:scope="artefacts": the ranges of the file where
//     recorded artefacts lie (file_offset and len), with img_offset and
//     fs_offset where the artefact recorded where its first byte is on the
//     image. The record does not keep a file's data runs, so these are not
//     the file's whole allocation, and a mapped run is cut at the end of
//     its sector (the only span known to be contiguous); the rest of the
//     range follows as a run without image offsets;
//   - hashdigest sha256 of the content as examined (the record keeps no
//     MD5 or SHA-1 of files);
//   - loupe:artefact elements naming each artefact row (id, kind, parser,
//     canonical provenance reference), in Loupe's own namespace, which the
//     schema admits at the end of a fileobject.
//
// File-system times are not in the record, so none are written. Artefacts
// found outside files (swept unallocated space, slack, gaps) are not file
// objects and are left out, as are artefacts tagged sensitive and files
// whose only artefacts are sensitive (the rule of package caseuco).
//
// Output is deterministic: files in order of their first artefact row,
// runs sorted; nothing depends on the clock or map order.
package dfxml

import (
	"bufio"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"runtime"
	"sort"
	"strconv"
	"strings"

	"github.com/loupe-forensics/loupe/forensic/finding"
	"github.com/loupe-forensics/loupe/forensic/record"
	"github.com/loupe-forensics/loupe/forensic/source"
	"github.com/loupe-forensics/loupe/reports/report"
)

// Namespaces.
const (
	NS       = "http://www.forensicswiki.org/wiki/Category:Digital_Forensics_XML"
	NSDC     = "http://purl.org/dc/elements/1.1/"
	NSLoupe  = "https://github.com/loupe-forensics/loupe/dfxml"
	Version  = "2.0.0-beta.0"
	sector   = 512
	typeFile = "r"
)

// Render writes the record's artefact source files as DFXML. Only
// report.FormatXML (and the dfxml kind, when a kind is given) is supported.
func Render(ctx context.Context, rec *record.Record, opts report.Options, w io.Writer) error {
	if opts.Format != report.FormatXML || (opts.Kind != "" && opts.Kind != report.KindDFXML) {
		return fmt.Errorf("%w: %s as %s", report.ErrUnsupported, opts.Kind, opts.Format)
	}
	if rec == nil {
		return report.ErrNoRecord
	}
	m, err := load(ctx, rec)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	x := &xw{w: bw}
	if err := m.write(ctx, x, rec, opts); err != nil {
		return err
	}
	if x.err != nil {
		return fmt.Errorf("dfxml: writing: %w", x.err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("dfxml: writing: %w", err)
	}
	return nil
}

type digests struct {
	MD5    string `json:"md5"`
	SHA1   string `json:"sha1"`
	SHA256 string `json:"sha256"`
}

type sourceRow struct {
	ID         int64    `json:"id"`
	Ref        string   `json:"ref"`
	Format     string   `json:"format"`
	Segments   []string `json:"segments"`
	Size       int64    `json:"size"`
	SectorSize int      `json:"sector_size"`
	Acq        digests  `json:"acquisition"`
}

type volumeRow struct {
	SourceID int64  `json:"source_id"`
	Ref      string `json:"ref"`
	Index    int    `json:"index"`
	Start    int64  `json:"start"`
	Length   int64  `json:"length"`
	FS       string `json:"fs"`
}

type verificationRow struct {
	SourceID int64   `json:"source_id"`
	Computed digests `json:"computed"`
}

func rows[T any](ctx context.Context, rec *record.Record, table string) ([]T, error) {
	raw, err := rec.Rows(ctx, table)
	if err != nil {
		return nil, fmt.Errorf("dfxml: reading %s: %w", table, err)
	}
	out := make([]T, 0, len(raw))
	for _, m := range raw {
		b, err := json.Marshal(m)
		if err == nil {
			var v T
			if err = json.Unmarshal(b, &v); err == nil {
				out = append(out, v)
				continue
			}
		}
		return nil, fmt.Errorf("dfxml: %s row %v: %w", table, m["id"], err)
	}
	return out, nil
}

// run is a byte run of a file.
type run struct {
	fileOff, imgOff, fsOff, length int64
	mapped                         bool
}

type artefactRef struct {
	id                   int64
	kind, parser, source string
}

// file is an artefact source file.
type file struct {
	step      *source.Ref
	key       string
	sha256    string
	size      int64
	sized     bool
	runs      map[run]bool
	artefacts []artefactRef
}

// volume is a file system on an image, keyed by its fs step.
type volume struct {
	key       string
	offset    int64
	length    int64
	partition int
	fs        string
	files     []*file
}

type image struct {
	src     sourceRow
	hashes  digests
	volumes []*volume
	loose   []*file // files not on a file system (a folder source)
}

type model struct {
	images []*image
	orphan []*file // files whose source is not in the record's sources
}

// load reads what the document needs from the record.
func load(ctx context.Context, rec *record.Record) (*model, error) {
	srcs, err := rows[sourceRow](ctx, rec, "sources")
	if err != nil {
		return nil, err
	}
	vols, err := rows[volumeRow](ctx, rec, "volumes")
	if err != nil {
		return nil, err
	}
	vers, err := rows[verificationRow](ctx, rec, "verifications")
	if err != nil {
		return nil, err
	}
	sensitive, err := sensitiveArtefacts(ctx, rec)
	if err != nil {
		return nil, err
	}
	m := &model{}
	byRef := map[string]*image{}
	byID := map[int64]*image{}
	for _, s := range srcs {
		im := &image{src: s, hashes: s.Acq}
		m.images = append(m.images, im)
		byRef[s.Ref] = im
		byID[s.ID] = im
	}
	for _, v := range vers {
		if im := byID[v.SourceID]; im != nil {
			im.hashes = v.Computed
		}
	}
	volByKey := map[string]*volume{}
	for _, v := range vols {
		im := byID[v.SourceID]
		if im == nil || v.FS == "" {
			continue
		}
		// The file system's step is the volume's reference with the fs
		// step below it, as the walkers build it.
		key := v.Ref + " > " + (&source.Ref{Type: source.TypeFS, Locator: v.FS, Offset: v.Start}).String()
		vol := &volume{key: key, offset: v.Start, length: v.Length, partition: v.Index, fs: v.FS}
		volByKey[key] = vol
		im.volumes = append(im.volumes, vol)
	}

	ids := source.EntryIndex{}
	for a, err := range rec.Artefacts(ctx, "") {
		if err != nil {
			return nil, fmt.Errorf("dfxml: artefacts: %w", err)
		}
		if step, _ := fileStep(a.Source); step != nil {
			ids.Note(step)
		}
	}
	files := map[string]*file{}
	for a, err := range rec.Artefacts(ctx, "") {
		if err != nil {
			return nil, fmt.Errorf("dfxml: artefacts: %w", err)
		}
		if sensitive[a.ID] || a.Source == nil {
			continue
		}
		step, below := fileStep(a.Source)
		if step == nil {
			continue
		}
		step = ids.Resolve(step)
		key := step.String()
		f := files[key]
		if f == nil {
			f = &file{step: step, key: key, runs: map[run]bool{}}
			files[key] = f
			m.place(f, byRef, volByKey)
		}
		if f.sha256 == "" && isHex(a.SourceSHA256, 32) {
			f.sha256 = strings.ToLower(a.SourceSHA256)
		}
		if a.Kind == "file.type" && below == nil && !f.sized {
			if at, ok := (&finding.Artefact{Attrs: a.Attrs}).Get("size"); ok && at.Type == finding.TInt && at.Int >= 0 {
				f.size, f.sized = at.Int, true
			}
		}
		if below != nil && below.Type == source.TypeOffset && below.Length > 0 && below.Offset >= 0 {
			fsOff, fsKind := fsOf(step)
			f.addRuns(a, below, fsOff, fsKind)
		}
		f.artefacts = append(f.artefacts, artefactRef{id: a.ID, kind: a.Kind, parser: a.Parser + "@" + a.ParserVersion, source: a.Source.String()})
	}
	return m, nil
}

// place puts a new file under its image and volume.
func (m *model) place(f *file, byRef map[string]*image, volByKey map[string]*volume) {
	chain := f.step.Chain()
	im := byRef[chain[0].String()]
	if im == nil {
		m.orphan = append(m.orphan, f)
		return
	}
	fs := f.step.Find(source.TypeFS)
	if fs == nil {
		im.loose = append(im.loose, f)
		return
	}
	key := fs.String()
	vol := volByKey[key]
	if vol == nil {
		// A file system the volumes table does not list (a record written
		// by an older Loupe): made from the reference itself.
		vol = &volume{key: key, offset: fs.Offset, partition: f.step.PartitionIndex(), fs: fs.Locator}
		if p := f.step.Find(source.TypePartition); p != nil {
			vol.length = p.Length
		}
		volByKey[key] = vol
		im.volumes = append(im.volumes, vol)
	}
	vol.files = append(vol.files, f)
}

// addRuns records where an artefact lies in the file: the file range from
// its offset step and, when the artefact recorded the image offset of its
// first byte (the identifier sweep's "offset"), the image and file-system
// offsets of the part up to the end of that sector.
func (f *file) addRuns(a record.StoredArtefact, at *source.Ref, fsOff int64, fsKind string) {
	img := int64(-1)
	if str(a, "region") == "file" {
		if v, ok := (&finding.Artefact{Attrs: a.Attrs}).Get("offset"); ok && v.Type == finding.TInt {
			img = v.Int
		}
		if v, ok := (&finding.Artefact{Attrs: a.Attrs}).Get("file_offset"); !ok || v.Int != at.Offset {
			img = -1 // the offsets disagree: do not map
		}
	}
	if img < 0 || fsOff < 0 || img < fsOff {
		f.runs[run{fileOff: at.Offset, length: at.Length}] = true
		return
	}
	// An NTFS sector's last two bytes on disk hold the update sequence
	// number wherever the record fixes them up (MFT records, so resident
	// data): they are never claimed as the file's bytes.
	n := min(at.Length, sector-img%sector)
	if fsKind == "ntfs" {
		n = min(at.Length, sector-2-img%sector)
	}
	if n <= 0 {
		f.runs[run{fileOff: at.Offset, length: at.Length}] = true
		return
	}
	f.runs[run{fileOff: at.Offset, imgOff: img, fsOff: img - fsOff, length: n, mapped: true}] = true
	if n < at.Length {
		f.runs[run{fileOff: at.Offset + n, length: at.Length - n}] = true
	}
}

// fsOf returns the image offset and kind of the file system a step is on.
func fsOf(step *source.Ref) (int64, string) {
	if fs := step.Find(source.TypeFS); fs != nil {
		return fs.Offset, fs.Locator
	}
	return -1, ""
}

func str(a record.StoredArtefact, name string) string {
	if v, ok := (&finding.Artefact{Attrs: a.Attrs}).Get(name); ok && v.Type == finding.TString {
		return v.Str
	}
	return ""
}

// fileStep returns the step naming the artefact's file (a named stream
// below an entry, else the entry) and the step just below it (nil when
// the artefact is the file itself); nil when it is not in a file.
func fileStep(ref *source.Ref) (step, below *source.Ref) {
	chain := ref.Chain()
	for i := len(chain) - 1; i >= 0; i-- {
		if chain[i].Type != source.TypeEntry {
			continue
		}
		if i+1 < len(chain) && chain[i+1].Type == source.TypeStream {
			i++
		}
		if i+1 < len(chain) {
			below = chain[i+1]
		}
		return chain[i], below
	}
	return nil, nil
}

func sensitiveArtefacts(ctx context.Context, rec *record.Record) (map[int64]bool, error) {
	tags, err := rec.Tags(ctx)
	if err != nil {
		return nil, fmt.Errorf("dfxml: reading tags: %w", err)
	}
	return record.SensitiveIDs(tags), nil
}

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

// ---------------------------------------------------------------- writing

// xw writes indented XML, escaping every text and attribute value.
type xw struct {
	w     *bufio.Writer
	depth int
	err   error
}

func (x *xw) raw(s string) {
	if x.err == nil {
		_, x.err = x.w.WriteString(s)
	}
}

func (x *xw) indent() { x.raw("\n" + strings.Repeat("  ", x.depth)) }

func (x *xw) esc(s string) {
	if x.err == nil {
		x.err = xml.EscapeText(x.w, []byte(s))
	}
}

func (x *xw) attrs(kv []string) {
	for i := 0; i+1 < len(kv); i += 2 {
		x.raw(" " + kv[i] + `="`)
		x.esc(kv[i+1])
		x.raw(`"`)
	}
}

func (x *xw) open(name string, kv ...string) {
	x.indent()
	x.raw("<" + name)
	x.attrs(kv)
	x.raw(">")
	x.depth++
}

func (x *xw) close(name string) {
	x.depth--
	x.indent()
	x.raw("</" + name + ">")
}

func (x *xw) empty(name string, kv ...string) {
	x.indent()
	x.raw("<" + name)
	x.attrs(kv)
	x.raw("/>")
}

func (x *xw) text(name, value string, kv ...string) {
	x.indent()
	x.raw("<" + name)
	x.attrs(kv)
	x.raw(">")
	x.esc(value)
	x.raw("</" + name + ">")
}

func i64(n int64) string { return strconv.FormatInt(n, 10) }

func (m *model) write(ctx context.Context, x *xw, rec *record.Record, opts report.Options) error {
	cs, err := rec.Details(ctx, "case")
	if err != nil {
		return fmt.Errorf("dfxml: case details: %w", err)
	}
	ex, err := rec.Details(ctx, "exhibit")
	if err != nil {
		return fmt.Errorf("dfxml: exhibit details: %w", err)
	}
	x.raw(`<?xml version="1.0" encoding="UTF-8"?>`)
	x.open("dfxml", "xmlns", NS, "xmlns:dc", NSDC, "xmlns:loupe", NSLoupe, "version", Version)

	x.open("metadata")
	x.text("dc:type", "Artefact source files of a Loupe examination record")
	if r := ex["reference"]; r != "" {
		x.text("dc:identifier", r)
	}
	title := cs["urn"]
	if op := cs["operation"]; op != "" {
		title = strings.TrimPrefix(op+" / "+title, " / ")
	}
	if title != "" {
		x.text("dc:title", title)
	}
	x.text("dc:source", "Loupe examination record "+rec.ID())
	if opts.DocumentID != "" {
		x.text("dc:relation", opts.DocumentID)
	}
	x.text("dc:rights", report.EffectiveMarking(opts.Marking, "OFFICIAL"))
	x.close("metadata")

	x.open("creator")
	name := opts.ToolName
	if name == "" {
		name = "Loupe"
	}
	x.text("program", name)
	if opts.ToolVersion != "" {
		x.text("version", opts.ToolVersion)
	}
	x.open("build_environment")
	x.text("compiler", runtime.Version())
	x.close("build_environment")
	if !opts.Generated.IsZero() {
		x.open("execution_environment")
		x.text("start_time", opts.Generated.UTC().Format("2006-01-02T15:04:05.999999999Z07:00"))
		x.close("execution_environment")
	}
	x.close("creator")

	x.open("source")
	for _, im := range m.images {
		if len(im.src.Segments) == 0 {
			x.text("image_filename", im.src.Ref)
		}
		for _, s := range im.src.Segments {
			x.text("image_filename", s)
		}
	}
	x.close("source")

	id := 0
	for _, im := range m.images {
		if err := ctx.Err(); err != nil {
			return err
		}
		x.open("diskimageobject", "loupe:ref", im.src.Ref, "loupe:format", im.src.Format)
		if im.src.Size > 0 {
			x.open("byte_runs")
			x.open("byte_run", "img_offset", "0", "len", i64(im.src.Size))
			hashdigests(x, im.hashes)
			x.close("byte_run")
			x.close("byte_runs")
		}
		if im.src.SectorSize > 0 {
			x.text("sector_size", strconv.Itoa(im.src.SectorSize))
		}
		for _, v := range im.volumes {
			x.open("volume", "offset", i64(v.offset), "loupe:ref", v.key)
			if v.length > 0 {
				x.open("byte_runs")
				x.empty("byte_run", "img_offset", i64(v.offset), "len", i64(v.length))
				x.close("byte_runs")
			}
			x.text("partition_offset", i64(v.offset))
			if im.src.SectorSize > 0 {
				x.text("sector_size", strconv.Itoa(im.src.SectorSize))
			}
			x.text("ftype_str", v.fs)
			for _, f := range v.files {
				id++
				f.write(x, id, v.partition)
			}
			x.close("volume")
		}
		for _, f := range im.loose {
			id++
			f.write(x, id, 0)
		}
		x.close("diskimageobject")
	}
	for _, f := range m.orphan {
		id++
		f.write(x, id, f.step.PartitionIndex())
	}
	x.close("dfxml")
	x.raw("\n")
	return nil
}

func hashdigests(x *xw, d digests) {
	for _, h := range []struct {
		typ, v string
		n      int
	}{{"md5", d.MD5, 16}, {"sha1", d.SHA1, 20}, {"sha256", d.SHA256, 32}} {
		if isHex(h.v, h.n) {
			x.text("hashdigest", strings.ToLower(h.v), "type", h.typ)
		}
	}
}

// fileName is the path relative to the volume root (fls -p style); a named
// stream is path:stream.
func fileName(step *source.Ref) string {
	p := step.Locator
	if step.Type == source.TypeStream && step.Parent != nil {
		p = step.Parent.Locator + ":" + step.Locator
	}
	return strings.TrimPrefix(p, "/")
}

// inodeSeq splits an entry ID: ext4 "20", NTFS "100-1" (entry-sequence).
func inodeSeq(step *source.Ref) (inode, seq string) {
	e := step
	if e.Type == source.TypeStream && e.Parent != nil {
		e = e.Parent
	}
	in, sq, hasSeq := strings.Cut(e.ID, "-")
	if _, err := strconv.ParseUint(in, 10, 64); err != nil {
		return "", ""
	}
	if hasSeq {
		if _, err := strconv.ParseUint(sq, 10, 64); err != nil {
			sq = ""
		}
	}
	return in, sq
}

func (f *file) write(x *xw, id, partition int) {
	x.open("fileobject", "loupe:ref", f.key)
	x.text("filename", fileName(f.step))
	if partition > 0 {
		x.text("partition", strconv.Itoa(partition))
	}
	x.text("id", strconv.Itoa(id))
	x.text("name_type", typeFile)
	if f.sized {
		x.text("filesize", i64(f.size))
	}
	inode, seq := inodeSeq(f.step)
	if inode != "" {
		x.text("inode", inode)
	}
	if seq != "" {
		x.text("seq", seq)
	}
	if len(f.runs) > 0 {
		runs := make([]run, 0, len(f.runs))
		for r := range f.runs {
			runs = append(runs, r)
		}
		sort.Slice(runs, func(i, j int) bool {
			a, b := runs[i], runs[j]
			if a.fileOff != b.fileOff {
				return a.fileOff < b.fileOff
			}
			if a.length != b.length {
				return a.length < b.length
			}
			if a.mapped != b.mapped {
				return a.mapped
			}
			return a.imgOff < b.imgOff
		})
		x.open("byte_runs", "loupe:scope", "artefacts")
		for _, r := range runs {
			if r.mapped {
				x.empty("byte_run", "file_offset", i64(r.fileOff), "fs_offset", i64(r.fsOff), "img_offset", i64(r.imgOff), "len", i64(r.length))
			} else {
				x.empty("byte_run", "file_offset", i64(r.fileOff), "len", i64(r.length))
			}
		}
		x.close("byte_runs")
	}
	hashdigests(x, digests{SHA256: f.sha256})
	for _, a := range f.artefacts {
		x.empty("loupe:artefact", "id", i64(a.id), "kind", a.kind, "parser", a.parser, "ref", a.source)
	}
	x.close("fileobject")
}
