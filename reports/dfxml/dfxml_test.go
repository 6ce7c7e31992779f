package dfxml

import (
	"bufio"
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/loupe-forensics/loupe/forensic/evidencetest"
	"github.com/loupe-forensics/loupe/forensic/finding"
	"github.com/loupe-forensics/loupe/forensic/record"
	"github.com/loupe-forensics/loupe/forensic/source"
	"github.com/loupe-forensics/loupe/reports/report"
)

var generated = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

func options() report.Options {
	return report.Options{
		Kind: report.KindDFXML, Format: report.FormatXML, Marking: "OFFICIAL-SENSITIVE",
		DocumentID: "LOUPE-test-dfxml-1", Generated: generated, ToolName: "Loupe", ToolVersion: "0.1.0",
	}
}

func render(t *testing.T, rec *record.Record) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Render(context.Background(), rec, options(), &buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// The document as encoding/xml reads it back.
type xDoc struct {
	XMLName  xml.Name `xml:"http://www.forensicswiki.org/wiki/Category:Digital_Forensics_XML dfxml"`
	Version  string   `xml:"version,attr"`
	Metadata struct {
		Identifier string `xml:"http://purl.org/dc/elements/1.1/ identifier"`
		Title      string `xml:"http://purl.org/dc/elements/1.1/ title"`
		Rights     string `xml:"http://purl.org/dc/elements/1.1/ rights"`
	} `xml:"metadata"`
	Creator struct {
		Program   string `xml:"program"`
		Version   string `xml:"version"`
		StartTime string `xml:"execution_environment>start_time"`
	} `xml:"creator"`
	Images []string `xml:"source>image_filename"`
	Files  []xFile  `xml:"fileobject"`
	Disks  []struct {
		Ref     string  `xml:"https://github.com/loupe-forensics/loupe/dfxml ref,attr"`
		Runs    []xRun  `xml:"byte_runs>byte_run"`
		Volumes []xVol  `xml:"volume"`
		Files   []xFile `xml:"fileobject"`
	} `xml:"diskimageobject"`
}

type xVol struct {
	Offset int64   `xml:"offset,attr"`
	FType  string  `xml:"ftype_str"`
	Files  []xFile `xml:"fileobject"`
}

type xRun struct {
	FileOffset *int64  `xml:"file_offset,attr"`
	ImgOffset  *int64  `xml:"img_offset,attr"`
	FSOffset   *int64  `xml:"fs_offset,attr"`
	Len        int64   `xml:"len,attr"`
	Hashes     []xHash `xml:"hashdigest"`
}

type xHash struct {
	Type  string `xml:"type,attr"`
	Value string `xml:",chardata"`
}

type xFile struct {
	Ref       string `xml:"https://github.com/loupe-forensics/loupe/dfxml ref,attr"`
	Filename  string `xml:"filename"`
	Partition int    `xml:"partition"`
	ID        string `xml:"id"`
	Filesize  *int64 `xml:"filesize"`
	Inode     string `xml:"inode"`
	Seq       string `xml:"seq"`
	ByteRuns  struct {
		Scope string `xml:"https://github.com/loupe-forensics/loupe/dfxml scope,attr"`
		Runs  []xRun `xml:"byte_run"`
	} `xml:"byte_runs"`
	Hashes    []xHash `xml:"hashdigest"`
	Artefacts []struct {
		ID   int64  `xml:"id,attr"`
		Kind string `xml:"kind,attr"`
		Ref  string `xml:"ref,attr"`
	} `xml:"https://github.com/loupe-forensics/loupe/dfxml artefact"`
}

func decode(t *testing.T, b []byte) *xDoc {
	t.Helper()
	var d xDoc
	if err := xml.Unmarshal(b, &d); err != nil {
		t.Fatalf("output is not XML: %v", err)
	}
	return &d
}

func (d *xDoc) files() []xFile {
	var out []xFile
	for _, di := range d.Disks {
		for _, v := range di.Volumes {
			out = append(out, v.Files...)
		}
		out = append(out, di.Files...)
	}
	return append(out, d.Files...)
}

func TestUnsupported(t *testing.T) {
	for _, o := range []report.Options{
		{Kind: report.KindDFXML, Format: report.FormatJSONLD},
		{Kind: report.KindCASE, Format: report.FormatXML},
		{Kind: report.KindDFXML, Format: report.FormatHTML},
	} {
		if err := Render(context.Background(), nil, o, &bytes.Buffer{}); !errors.Is(err, report.ErrUnsupported) {
			t.Errorf("%s/%s: got %v, want ErrUnsupported", o.Kind, o.Format, err)
		}
	}
	if err := Render(context.Background(), nil, options(), &bytes.Buffer{}); !errors.Is(err, report.ErrNoRecord) {
		t.Errorf("nil record: got %v, want ErrNoRecord", err)
	}
}

// flsEntry is one line of the committed `fls -r -p -l` peer listing.
type flsEntry struct {
	addr    string
	deleted bool
	size    int64
}

func flsListing(t *testing.T, part int) map[string]flsEntry {
	t.Helper()
	f, err := os.Open(filepath.Join(evidencetest.Dir(t), "peers", "gpt.p"+strconv.Itoa(part)+".fls-l.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]flsEntry{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		head, rest, ok := strings.Cut(sc.Text(), ":\t")
		if !ok {
			continue
		}
		fields := strings.Split(rest, "\t")
		hf := strings.Fields(head)
		if len(fields) < 6 || len(hf) < 2 {
			continue
		}
		size, _ := strconv.ParseInt(fields[5], 10, 64)
		e := flsEntry{addr: hf[len(hf)-1], deleted: hf[1] == "*", size: size}
		if old, dup := out[fields[0]]; dup && !old.deleted {
			continue // the live entry wins
		}
		out[fields[0]] = e
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestExaminedRecord checks the document made from a real examination
// against the record, the fixture manifest and The Sleuth Kit's listing.
func TestExaminedRecord(t *testing.T) {
	ex := examineFixture(t)
	rec := ex.Open(t)
	ctx := context.Background()
	d := decode(t, render(t, rec))

	if d.Version != Version || d.Metadata.Identifier != "ABC/1" || d.Metadata.Title != "URN 01XX0001226" || d.Metadata.Rights != "OFFICIAL-SENSITIVE" {
		t.Errorf("header: version %q metadata %+v", d.Version, d.Metadata)
	}
	if d.Creator.Program != "Loupe" || d.Creator.Version != "0.1.0" || d.Creator.StartTime != "2026-11-28T12:00:00Z" {
		t.Errorf("creator %+v", d.Creator)
	}
	if strings.Join(d.Images, ",") != strings.Join(ex.Disk.E01, ",") {
		t.Errorf("image files %v, want %v", d.Images, ex.Disk.E01)
	}
	if len(d.Disks) != 1 || len(d.Disks[0].Runs) != 1 {
		t.Fatalf("%d disk images", len(d.Disks))
	}
	media := d.Disks[0].Runs[0]
	got := map[string]string{}
	for _, h := range media.Hashes {
		got[h.Type] = h.Value
	}
	if media.Len != ex.Disk.Size || got["md5"] != ex.Disk.MD5 || got["sha1"] != ex.Disk.SHA1 || got["sha256"] != ex.Disk.SHA256 || len(got) != 3 {
		t.Errorf("media run len %d hashes %v, want %d %s %s %s", media.Len, got, ex.Disk.Size, ex.Disk.MD5, ex.Disk.SHA1, ex.Disk.SHA256)
	}
	vols := d.Disks[0].Volumes
	if len(vols) != len(ex.Disk.Partitions) {
		t.Fatalf("%d volumes, manifest has %d partitions", len(vols), len(ex.Disk.Partitions))
	}
	for i, v := range vols {
		p := ex.Disk.Partitions[i]
		if v.Offset != p.StartSector*int64(ex.Disk.SectorSize) || v.FType != p.FS {
			t.Errorf("volume %d: offset %d fs %q, manifest %+v", i, v.Offset, v.FType, p)
		}
	}

	// Expected files: the entry or stream of every non-sensitive artefact.
	want := map[string]int{} // canonical file ref -> artefacts
	wantRuns := 0
	for a, err := range rec.Artefacts(ctx, "") {
		if err != nil {
			t.Fatal(err)
		}
		if a.ID == ex.Sensitive {
			continue
		}
		if f := pathOf(a.Source); f != "" {
			want[f]++
			if s := a.Source; s.Type == source.TypeOffset && (s.Parent.Type == source.TypeEntry || s.Parent.Type == source.TypeStream) {
				wantRuns++
			}
		}
	}
	files := d.files()
	if len(files) != len(want) {
		t.Errorf("%d file objects, want %d", len(files), len(want))
	}
	if len(want) < int(ex.Files) {
		t.Errorf("%d source files, fewer than the %d files examined", len(want), ex.Files)
	}
	raw, err := os.Open(evidencetest.Raw(t, "gpt"))
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	fls := map[int]map[string]flsEntry{1: flsListing(t, 1), 2: flsListing(t, 2)}
	var sized, peerChecked, mapped, artefacts int
	ids := map[string]bool{}
	for _, f := range files {
		artefacts += len(f.Artefacts)
		key := strconv.Itoa(f.Partition) + ":" + f.Filename
		if want[key] != len(f.Artefacts) {
			t.Errorf("%s: %d artefacts, want %d", key, len(f.Artefacts), want[key])
		}
		if ids[f.ID] {
			t.Errorf("id %s twice", f.ID)
		}
		ids[f.ID] = true
		for _, a := range f.Artefacts {
			if a.ID == ex.Sensitive {
				t.Errorf("sensitive artefact %d listed", a.ID)
			}
		}
		if f.Filesize != nil {
			sized++
		}
		if strings.Contains(f.Filename, ":") {
			continue // a named stream: fls lists it under its file
		}
		// The manifest (icat's content hash) and the peer listing.
		mf := ex.Disk.File(f.Partition, "/"+f.Filename)
		if mf == nil {
			continue // NTFS metadata files listed by fls under $Secure:$SDS and such
		}
		if len(f.Hashes) != 1 || f.Hashes[0].Type != "sha256" || (mf.SHA256 != "" && f.Hashes[0].Value != mf.SHA256) {
			t.Errorf("%s: hashes %v, manifest %s", f.Filename, f.Hashes, mf.SHA256)
		}
		if f.Filesize != nil && *f.Filesize != mf.Size {
			t.Errorf("%s: size %d, manifest %d", f.Filename, *f.Filesize, mf.Size)
		}
		if pe, ok := fls[f.Partition][f.Filename]; ok {
			inode, _, _ := strings.Cut(pe.addr, "-")
			if f.Inode != inode || (f.Filesize != nil && *f.Filesize != pe.size) {
				t.Errorf("%s: inode %s size %v, fls %+v", f.Filename, f.Inode, f.Filesize, pe)
			}
			if mf.MFTEntry > 0 && f.Seq != strconv.Itoa(int(mf.Sequence)) {
				t.Errorf("%s: seq %s, istat %d", f.Filename, f.Seq, mf.Sequence)
			}
			peerChecked++
		}
		// Mapped byte runs: the bytes at img_offset are the artefact's.
		for _, r := range f.ByteRuns.Runs {
			if r.ImgOffset == nil {
				continue
			}
			if *r.ImgOffset-*r.FSOffset != vols[f.Partition-1].Offset || *r.ImgOffset/512 != (*r.ImgOffset+r.Len-1)/512 {
				t.Errorf("%s: run %+v", f.Filename, r)
			}
			mapped++
		}
	}
	total := 0
	for _, n := range want {
		total += n
	}
	if artefacts != total {
		t.Errorf("%d artefacts listed, want %d", artefacts, total)
	}
	if sized != int(ex.Files) {
		t.Errorf("%d files with a size, want the %d examined", sized, ex.Files)
	}
	if peerChecked < int(ex.Files)-15 {
		t.Errorf("only %d of %d files checked against fls", peerChecked, ex.Files)
	}
	if mapped == 0 || wantRuns == 0 {
		t.Errorf("%d mapped runs of %d artefact ranges", mapped, wantRuns)
	}
	checkMappedBytes(t, rec, raw, files)
	t.Logf("%d file objects (%d sized, %d checked against fls and the manifest), %d artefacts, %d mapped byte runs", len(files), sized, peerChecked, artefacts, mapped)
}

// checkMappedBytes reads the image at every mapped run of an ASCII sweep
// hit and compares it with the hit's value.
func checkMappedBytes(t *testing.T, rec *record.Record, raw io.ReaderAt, files []xFile) {
	t.Helper()
	values := map[string]string{} // artefact ref -> value, for ASCII hits
	for a, err := range rec.Artefacts(context.Background(), "identifier.") {
		if err != nil {
			t.Fatal(err)
		}
		enc, _ := (&finding.Artefact{Attrs: a.Attrs}).Get("encoding")
		val, _ := (&finding.Artefact{Attrs: a.Attrs}).Get("value")
		if enc.Str == "ascii" {
			values[a.Source.String()] = val.Str
		}
	}
	checked := 0
	for _, f := range files {
		for _, a := range f.Artefacts {
			v, ok := values[a.Ref]
			if !ok {
				continue
			}
			at := a.Ref[strings.LastIndex(a.Ref, "offset:@")+len("offset:@"):]
			offS, _, _ := strings.Cut(at, "+")
			off, _ := strconv.ParseInt(offS, 10, 64)
			for _, r := range f.ByteRuns.Runs {
				if r.ImgOffset == nil || *r.FileOffset != off {
					continue
				}
				buf := make([]byte, r.Len)
				if _, err := raw.ReadAt(buf, *r.ImgOffset); err != nil {
					t.Fatal(err)
				}
				if int(r.Len) > len(v) || string(buf) != v[:r.Len] {
					t.Errorf("%s: image bytes %q at %d, value %q", a.Ref, buf, *r.ImgOffset, v)
				}
				checked++
			}
		}
	}
	if checked < 100 {
		t.Errorf("only %d mapped runs compared with the image", checked)
	}
	t.Logf("%d mapped runs compared byte for byte with the raw image", checked)
}

// pathOf identifies an artefact's file by partition and path (the
// fixture has one file per path), so that references to an entry with and
// without its inode count as one file; "" when not in a file.
func pathOf(r *source.Ref) string {
	chain := r.Chain()
	for i := len(chain) - 1; i >= 0; i-- {
		if chain[i].Type == source.TypeEntry {
			p := strings.TrimPrefix(chain[i].Locator, "/")
			if i+1 < len(chain) && chain[i+1].Type == source.TypeStream {
				p += ":" + chain[i+1].Locator
			}
			return strconv.Itoa(r.PartitionIndex()) + ":" + p
		}
	}
	return ""
}

func TestDeterministic(t *testing.T) {
	ex := examineFixture(t)
	a := render(t, ex.Open(t))
	b := render(t, ex.Open(t))
	if !bytes.Equal(a, b) {
		t.Fatal("two renders of the same record differ")
	}
}

// schemaPath is the DFXML schema shared with the project.
func schemaPath(t *testing.T) string {
	t.Helper()
	p := filepath.Join(filepath.Dir(filepath.Dir(filepath.Dir(evidencetest.Dir(t)))), "shared", "standards", "dfxml", "dfxml.xsd")
	if v := os.Getenv("LOUPE_DFXML_XSD"); v != "" {
		p = v
	}
	if _, err := os.Stat(p); err != nil {
		t.Skipf("DFXML schema not found at %s (set LOUPE_DFXML_XSD): %v", p, err)
	}
	if _, err := exec.LookPath("xmllint"); err != nil {
		t.Skip("schema validation needs xmllint (Debian: libxml2-utils; .ci/install-deps.sh installs it)")
	}
	return p
}

func xmllint(t *testing.T, xsd string, doc []byte) (bool, string) {
	t.Helper()
	f := filepath.Join(t.TempDir(), "out.dfxml")
	if err := os.WriteFile(f, doc, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("xmllint", "--noout", "--nonet", "--schema", xsd, f).CombinedOutput()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatal(err)
	}
	return err == nil, string(out)
}

func TestSchemaValid(t *testing.T) {
	xsd := schemaPath(t)
	ex := examineFixture(t)
	good := render(t, ex.Open(t))
	if ok, out := xmllint(t, xsd, good); !ok {
		t.Fatalf("xmllint rejects the examined record's DFXML:\n%s", out)
	}
	if ok, out := xmllint(t, xsd, render(t, hostileRecord(t))); !ok {
		t.Fatalf("xmllint rejects the hostile record's DFXML:\n%s", out)
	}
	// The check can fail: a hash type the schema does not know, and
	// children out of schema order.
	for name, broken := range map[string][]byte{
		"hash type": bytes.Replace(good, []byte(`hashdigest type="sha256"`), []byte(`hashdigest type="sha3-256"`), 1),
		"order": bytes.Replace(good, []byte("<partition>1</partition>\n        <id>1</id>"),
			[]byte("<id>1</id>\n        <partition>1</partition>"), 1),
	} {
		if bytes.Equal(broken, good) {
			t.Fatalf("%s: nothing to break", name)
		}
		ok, out := xmllint(t, xsd, broken)
		if ok {
			t.Errorf("%s: xmllint accepted a broken document:\n%s", name, out)
		}
		if why := map[string]string{"hash type": "sha3-256", "order": "partition"}[name]; !strings.Contains(out, why) {
			t.Errorf("%s: xmllint failed for another reason than %q:\n%s", name, why, out)
		}
	}
}

// hostileRecord is a record whose file name and values need escaping.
func hostileRecord(t *testing.T) *record.Record {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	rec, err := record.Create(ctx, filepath.Join(dir, "x.loupe"), record.Setup{
		Case:     map[string]string{"urn": hostileCase},
		Exhibit:  map[string]string{"reference": hostileExhibit},
		Examiner: record.Examiner{Name: `O'Brien <script>`},
	}, record.Options{KeyDir: filepath.Join(dir, "keys")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rec.Close() })
	run, err := rec.StartRun(ctx, record.RunSpec{Tool: "loupe-cli 0.1.0", Parsers: []string{"test/hostile@1"}})
	if err != nil {
		t.Fatal(err)
	}
	file := source.Image("x.E01").Partition(1, 1048576, 1<<20).FS("ext4", 1048576).Entry(hostileName, "12")
	for _, a := range []finding.Artefact{
		{Kind: "file.type", Attrs: []finding.Attr{finding.I("size", 79)}, Source: file},
		{Kind: "test.value", Attrs: []finding.Attr{finding.S("value", "<script>&")}, Source: file.Record("json", `a["<script>&"]`)},
	} {
		a.Parser, a.ParserVersion, a.Category = "test/hostile", "1", finding.Data
		a.SourceSHA256 = strings.Repeat("ab", 32)
		if err := run.Artefact(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	if err := run.Finish(ctx); err != nil {
		t.Fatal(err)
	}
	return rec
}

const (
	hostileName    = "../../x"
	hostileCase    = `URN "1" <script>alert(1)</script> & co`
	hostileExhibit = "X/1 & <b>"
)

func TestEscaping(t *testing.T) {
	rec := hostileRecord(t)
	out := render(t, rec)
	if bytes.Contains(out, []byte("<script>")) || bytes.Contains(out, []byte("<b>")) {
		t.Error("unescaped markup in the XML")
	}
	d := decode(t, out)
	if d.Metadata.Title != hostileCase || d.Metadata.Identifier != hostileExhibit {
		t.Errorf("metadata %+v", d.Metadata)
	}
	files := d.files()
	if len(files) != 1 {
		t.Fatalf("%d files", len(files))
	}
	f := files[0]
	if f.Filename != hostileName || f.Inode != "12" || f.Filesize == nil || *f.Filesize != 79 || f.Partition != 1 {
		t.Errorf("file %+v", f)
	}
	file := source.Image("x.E01").Partition(1, 1048576, 1<<20).FS("ext4", 1048576).Entry(hostileName, "12")
	if len(f.Artefacts) != 2 || f.Artefacts[1].Ref != file.Record("json", `a["<script>&"]`).String() || f.Artefacts[1].Kind != "test.value" {
		t.Errorf("artefact refs %+v", f.Artefacts)
	}
	if f.Ref != file.String() {
		t.Errorf("file ref %q", f.Ref)
	}
}
