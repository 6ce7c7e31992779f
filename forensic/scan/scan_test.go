package scan

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/loupe-forensics/loupe/artefacts"
	"github.com/loupe-forensics/loupe/artefacts/filetype"
	"github.com/loupe-forensics/loupe/artefacts/notable"
	"github.com/loupe-forensics/loupe/forensic/finding"
	"github.com/loupe-forensics/loupe/forensic/source"
	"github.com/loupe-forensics/loupe/imaging"
)

// memStore is an in-memory Store that records what the pipeline asks of it.
type memStore struct {
	mu        sync.Mutex
	sources   []SourceInfo
	volumes   []Volume
	verifs    []Verification
	runs      []*memRun
	failAfter int // artefacts accepted before Artefact fails; 0 = never
}

type memRun struct {
	finding.Collector
	st       *memStore
	spec     RunSpec
	status   string
	reason   string
	accepted int // guarded by st.mu
}

func (m *memStore) AddSource(_ context.Context, s SourceInfo) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sources = append(m.sources, s)
	return int64(len(m.sources)), nil
}

func (m *memStore) AddVolume(_ context.Context, _ int64, v Volume) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.volumes = append(m.volumes, v)
	return nil
}

func (m *memStore) AddVerification(_ context.Context, _ int64, v Verification) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.verifs = append(m.verifs, v)
	return nil
}

func (m *memStore) StartRun(_ context.Context, spec RunSpec) (Run, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r := &memRun{st: m, spec: spec, status: "running"}
	m.runs = append(m.runs, r)
	return r, nil
}

var errDiskFull = errors.New("disk full")

func (r *memRun) Artefact(ctx context.Context, a finding.Artefact) error {
	r.st.mu.Lock()
	r.accepted++
	full := r.st.failAfter > 0 && r.accepted > r.st.failAfter
	r.st.mu.Unlock()
	if full {
		return errDiskFull
	}
	return r.Collector.Artefact(ctx, a)
}

func (r *memRun) Finish(context.Context) error { r.status = "complete"; return nil }
func (r *memRun) Fail(_ context.Context, reason string) error {
	r.status, r.reason = "incomplete", reason
	return nil
}

func noImages(context.Context, ...string) (imaging.Image, error) {
	return nil, errors.New("no images in this test")
}
func noDisk(context.Context, imaging.Image) (*Disk, error) { return nil, errors.New("no disks") }

func newScanner(t *testing.T, cfg Config, ps ...artefacts.Parser) *Scanner {
	t.Helper()
	if len(ps) == 0 {
		ps = []artefacts.Parser{filetype.New(), notable.New()}
	}
	reg, err := artefacts.NewRegistry(ps...)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Registry = reg
	if cfg.Open.Image == nil {
		cfg.Open = Openers{Image: noImages, Disk: noDisk}
	}
	if cfg.WorkDir == "" {
		cfg.WorkDir = t.TempDir()
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func sh(t *testing.T, dir, script string) string {
	t.Helper()
	cmd := exec.Command("bash", "-c", "set -e -o pipefail; "+script)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", script, err, out)
	}
	return string(out)
}

// makeEvidence builds a folder of real files with real tools: an SQLite
// database with its -wal, gzip and zip archives, a PNG, a random
// 1.5 MiB "container", text, an empty file, nested folders and a symlink.
func makeEvidence(t *testing.T) string {
	dir := filepath.Join(t.TempDir(), "triage export")
	if err := os.MkdirAll(filepath.Join(dir, "Users/a/AppData/Tor Browser"), 0o755); err != nil {
		t.Fatal(err)
	}
	sh(t, dir, `
sqlite3 'Users/a/AppData/Tor Browser/places.sqlite' 'CREATE TABLE moz_places(id INTEGER PRIMARY KEY, url TEXT); INSERT INTO moz_places(url) VALUES ("http://example.onion/");'
printf 'meeting at the usual place\n' > Users/a/notes.txt
gzip -n -c Users/a/notes.txt > Users/a/notes.txt.gz
(cd Users/a && zip -q -X archive.zip notes.txt)
convert -size 8x8 xc:red Users/a/photo.png
head -c 1572864 /dev/urandom > Users/a/vault.bin
cp Users/a/photo.png Users/a/renamed.txt
: > Users/a/empty
ln -s notes.txt Users/a/link-to-notes
find . -type f -exec touch -a -d '2020-01-01 00:00:00' {} +
`)
	return dir
}

type fileState struct {
	size         int64
	mtime, atime time.Time
	sha          string
}

func snapshot(t *testing.T, dir string) map[string]fileState {
	t.Helper()
	out := map[string]fileState{}
	err := filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil || !fi.Mode().IsRegular() {
			return err
		}
		b, err := os.ReadFile(p) // after the atime read below
		if err != nil {
			return err
		}
		st := fi.Sys().(*syscall.Stat_t)
		sum := sha256.Sum256(b)
		out[p] = fileState{fi.Size(), fi.ModTime(), time.Unix(st.Atim.Sec, st.Atim.Nsec), hex.EncodeToString(sum[:])}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestExamineFolder(t *testing.T) {
	for _, tool := range []string{"sqlite3", "gzip", "zip", "convert", "sha256sum"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed", tool)
		}
	}
	dir := makeEvidence(t)
	// The peer: coreutils' sha256sum over every regular file, and the
	// manifest digest the pipeline documents, computed by the shell.
	peer := sh(t, dir, `find . -type f -printf '%P\n' | sort | while IFS= read -r f; do printf '%s  %s  /%s\n' "$(sha256sum < "$f" | cut -d' ' -f1)" "$(stat -c %s "$f")" "$f"; done`)
	manifest := sha256.Sum256([]byte(peer))
	peerSums := map[string]string{}
	for _, l := range strings.Split(strings.TrimSpace(peer), "\n") {
		f := strings.SplitN(l, "  ", 3)
		peerSums[f[2]] = f[0]
	}
	before := snapshot(t, dir)

	var progress strings.Builder
	s := newScanner(t, Config{Progress: &progress, Tool: "test"})
	st := &memStore{}
	sum, err := s.Examine(context.Background(), st, []SourceSpec{{Folder: dir}})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Status != "complete" || len(st.runs) != 1 || st.runs[0].status != "complete" {
		t.Fatalf("summary %+v, runs %+v", sum, st.runs)
	}
	run := st.runs[0]
	if want := len(peerSums); sum.Files != int64(want) {
		t.Fatalf("files = %d, want %d (sha256sum saw %v)", sum.Files, want, peerSums)
	}
	if len(run.Warnings) != 0 {
		t.Fatalf("warnings: %+v", run.Warnings)
	}
	types := run.Kind(filetype.Kind)
	if len(types) != len(peerSums) {
		t.Fatalf("%d file.type artefacts, want %d", len(types), len(peerSums))
	}
	wantType := map[string]string{
		"/Users/a/AppData/Tor Browser/places.sqlite": "sqlite", "/Users/a/notes.txt": "text",
		"/Users/a/notes.txt.gz": "gzip", "/Users/a/archive.zip": "zip", "/Users/a/photo.png": "png",
		"/Users/a/vault.bin": "data", "/Users/a/renamed.txt": "png", "/Users/a/empty": "empty",
	}
	for _, a := range types {
		p := a.Source.Path()
		if a.SourceSHA256 != peerSums[p] {
			t.Errorf("%s: sha256 %s, sha256sum says %s", p, a.SourceSHA256, peerSums[p])
		}
		if typ, _ := a.Get("type"); typ.Str != wantType[p] {
			t.Errorf("%s: type %q, want %q", p, typ.Str, wantType[p])
		}
		if mm, _ := a.Get("extension_mismatch"); mm.Bool != (p == "/Users/a/renamed.txt") {
			t.Errorf("%s: extension_mismatch %v", p, mm.Bool)
		}
		root := a.Source.Chain()[0]
		if root.Type != source.TypeFolder || root.Locator != "triage export" || a.Source.Type != source.TypeEntry || a.Source.ID == "" {
			t.Errorf("%s: ref %s", p, a.Source)
		}
	}
	nb := run.Kind(notable.Kind)
	if len(nb) != 1 || nb[0].Source.Path() != "/Users/a/vault.bin" {
		t.Fatalf("notable artefacts: %+v", nb)
	}
	if len(st.sources) != 1 || st.sources[0].Format != FormatFolder || len(st.verifs) != 1 {
		t.Fatalf("sources %+v verifications %+v", st.sources, st.verifs)
	}
	var total int64
	for _, fs := range before {
		total += fs.size
	}
	if st.sources[0].Size != total {
		t.Errorf("source size %d, want %d", st.sources[0].Size, total)
	}
	if v := st.verifs[0]; v.Computed.SHA256 != hex.EncodeToString(manifest[:]) || v.Result != NoReference {
		t.Errorf("verification %+v; shell manifest digest %x", v, manifest)
	}
	if run.spec.Tool != "test" || strings.Join(run.spec.Parsers, ",") != "file/type@1,notable/encrypted-container@1" {
		t.Errorf("run spec %+v", run.spec)
	}
	if !strings.Contains(progress.String(), "run complete: 8 files") {
		t.Errorf("progress: %q", progress.String())
	}
	// The evidence is untouched: content, size, mtime, and even atime.
	after := snapshot(t, dir)
	for p, b := range before {
		if a := after[p]; a != b {
			t.Errorf("%s changed: before %+v after %+v", p, b, a)
		}
	}
	if len(after) != len(before) {
		t.Errorf("evidence folder has %d files, had %d", len(after), len(before))
	}
}

// slowParser blocks per file so a test can interrupt mid-way; it writes two
// artefacts per file so that dropped halves would show.
type slowParser struct{ started chan struct{} }

func (*slowParser) Name() string                { return "test/slow" }
func (*slowParser) Version() string             { return "1" }
func (*slowParser) Match(*artefacts.Input) bool { return true }
func (p *slowParser) Parse(ctx context.Context, in *artefacts.Input, out finding.Sink) error {
	select {
	case p.started <- struct{}{}:
	default:
	}
	if err := out.Artefact(ctx, finding.Artefact{Kind: "test.first", Source: in.Ref}); err != nil {
		return err
	}
	select {
	case <-time.After(20 * time.Millisecond):
	case <-ctx.Done():
		return ctx.Err()
	}
	return out.Artefact(ctx, finding.Artefact{Kind: "test.second", Source: in.Ref})
}

func manyFiles(t *testing.T, n int) string {
	dir := filepath.Join(t.TempDir(), "many")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	sh(t, dir, fmt.Sprintf(`for i in $(seq 1 %d); do printf 'file %%s\n' $i > f$i.txt; done`, n))
	return dir
}

func TestExamineInterrupted(t *testing.T) {
	dir := manyFiles(t, 200)
	sp := &slowParser{started: make(chan struct{}, 1)}
	s := newScanner(t, Config{}, sp)
	st := &memStore{}
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-sp.started
		time.Sleep(100 * time.Millisecond)
		cancel()
	}()
	sum, err := s.Examine(ctx, st, []SourceSpec{{Folder: dir}})
	if !errors.Is(err, ErrInterrupted) {
		t.Fatalf("err = %v, want ErrInterrupted", err)
	}
	run := st.runs[0]
	if run.status != "incomplete" || !strings.Contains(run.reason, "interrupted") || sum.Status != "incomplete" {
		t.Fatalf("run %s %q, summary %+v", run.status, run.reason, sum)
	}
	if sum.Files == 0 || sum.Files >= 200 {
		t.Fatalf("files done = %d; the test did not interrupt mid-way", sum.Files)
	}
	// Whole files only: every file has both artefacts or none.
	per := map[string]int{}
	for _, a := range run.Artefacts {
		per[a.Source.String()]++
	}
	for ref, n := range per {
		if n != 2 {
			t.Errorf("%s has %d of its 2 artefacts", ref, n)
		}
	}
	if int64(len(per)) != sum.Files {
		t.Errorf("%d files with artefacts, summary says %d", len(per), sum.Files)
	}
	if len(st.verifs) != 0 {
		t.Errorf("an interrupted folder walk recorded a verification: %+v", st.verifs)
	}
}

func TestSinkFailureAborts(t *testing.T) {
	dir := manyFiles(t, 50)
	s := newScanner(t, Config{})
	st := &memStore{failAfter: 10}
	_, err := s.Examine(context.Background(), st, []SourceSpec{{Folder: dir}})
	if !errors.Is(err, errDiskFull) {
		t.Fatalf("err = %v, want the store's error", err)
	}
	if r := st.runs[0]; r.status != "incomplete" || !strings.Contains(r.reason, "disk full") {
		t.Fatalf("run %s %q", r.status, r.reason)
	}
}

type panicParser struct{}

func (panicParser) Name() string                { return "test/panic" }
func (panicParser) Version() string             { return "1" }
func (panicParser) Match(*artefacts.Input) bool { return true }
func (panicParser) Parse(context.Context, *artefacts.Input, finding.Sink) error {
	var m map[string]int
	m["boom"]++ // a nil-map write, the kind of bug hostile input finds
	return nil
}

func TestParserPanicIsolated(t *testing.T) {
	dir := manyFiles(t, 3)
	s := newScanner(t, Config{}, panicParser{}, filetype.New())
	st := &memStore{}
	if _, err := s.Examine(context.Background(), st, []SourceSpec{{Folder: dir}}); err != nil {
		t.Fatal(err)
	}
	run := st.runs[0]
	if len(run.Warnings) != 3 || len(run.Kind(filetype.Kind)) != 3 {
		t.Fatalf("warnings %d, file.type %d; want 3 and 3", len(run.Warnings), len(run.Kind(filetype.Kind)))
	}
	for _, w := range run.Warnings {
		if w.Parser != "test/panic" || !strings.Contains(w.Message, "parser panic") || w.Source == nil {
			t.Errorf("warning %+v", w)
		}
	}
}

func TestBadSources(t *testing.T) {
	dir := manyFiles(t, 1)
	s := newScanner(t, Config{WorkDir: dir})
	st := &memStore{}
	if _, err := s.Examine(context.Background(), st, []SourceSpec{{Folder: dir}}); !errors.Is(err, ErrSource) {
		t.Fatalf("work dir inside evidence: err = %v", err)
	}
	s = newScanner(t, Config{})
	for _, sp := range []SourceSpec{{Folder: filepath.Join(dir, "missing")}, {Folder: filepath.Join(dir, "f1.txt")}, {Paths: []string{"/nonexistent.E01"}}} {
		if _, err := s.Examine(context.Background(), st, []SourceSpec{sp}); !errors.Is(err, ErrSource) {
			t.Errorf("%v: err = %v, want ErrSource", sp, err)
		}
	}
	if len(st.sources) != 0 || len(st.runs) != 0 {
		t.Fatalf("a bad source still wrote to the record: %+v %+v", st.sources, st.runs)
	}
}

func keyed(as []finding.Artefact) []Keyed {
	out := make([]Keyed, len(as))
	for i, a := range as {
		out[i] = Keyed{A: a}
	}
	return out
}

func TestCollectAndDiff(t *testing.T) {
	for _, tool := range []string{"sqlite3", "gzip", "zip", "convert"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed", tool)
		}
	}
	dir := makeEvidence(t)
	s := newScanner(t, Config{})
	var a, b finding.Collector
	for _, c := range []*finding.Collector{&a, &b} {
		if err := s.Collect(context.Background(), []SourceSpec{{Folder: dir}}, c); err != nil {
			t.Fatal(err)
		}
	}
	if len(a.Artefacts) != 9 {
		t.Fatalf("%d artefacts, want 9 (8 file.type + 1 notable)", len(a.Artefacts))
	}
	if d := Diff(keyed(a.Artefacts), keyed(b.Artefacts)); len(d) != 0 {
		t.Fatalf("two re-runs differ: %+v", d)
	}
	// Alter one attribute of one artefact: one item on each side.
	altered := append([]finding.Artefact(nil), b.Artefacts...)
	sort.Slice(altered, func(i, j int) bool { return altered[i].Source.String() < altered[j].Source.String() })
	x := altered[0]
	x.Attrs = append([]finding.Attr(nil), x.Attrs...)
	x.Attrs[0].Str = "tampered"
	altered[0] = x
	d := Diff(keyed(a.Artefacts), keyed(altered))
	if len(d) != 2 || d[0].Side == d[1].Side || d[0].Source != x.Source.String() {
		t.Fatalf("diff = %+v", d)
	}
	// A missing artefact is one recorded-only item.
	d = Diff(keyed(a.Artefacts), keyed(b.Artefacts[1:]))
	if len(d) != 1 || d[0].Side != "recorded-only" || d[0].Count != 1 {
		t.Fatalf("diff = %+v", d)
	}
}

// fileImage is a raw image over a file, standing in for imaging.Open in
// the hash test (the imaging package has its own readers and tests).
type fileImage struct {
	*os.File
	size int64
}

func (f fileImage) Format() string             { return imaging.FormatRaw }
func (f fileImage) Size() int64                { return f.size }
func (f fileImage) SectorSize() int            { return 512 }
func (f fileImage) Segments() []string         { return []string{f.Name()} }
func (f fileImage) Stored() imaging.Digests    { return imaging.Digests{} }
func (f fileImage) Metadata() imaging.Metadata { return imaging.Metadata{} }
func (f fileImage) Ref() *source.Ref           { return source.Image(filepath.Base(f.Name())) }

func TestHashImageAgreesWithCoreutils(t *testing.T) {
	dir := t.TempDir()
	// 9 MiB + 512: more than two of HashImage's 4 MiB buffers and a partial one.
	sh(t, dir, "head -c 9437696 /dev/urandom > disk.raw")
	want := strings.Fields(sh(t, dir, "md5sum < disk.raw; sha1sum < disk.raw; sha256sum < disk.raw"))
	f, err := os.Open(filepath.Join(dir, "disk.raw"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d, detail, err := HashImage(context.Background(), fileImage{f, 9437696})
	if err != nil || detail != "" {
		t.Fatal(err, detail)
	}
	if got := []string{d.MD5, "-", d.SHA1, "-", d.SHA256, "-"}; strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("digests %v, coreutils %v", got, want)
	}
	// An image shorter than it claims is an error with the offset.
	_, _, err = HashImage(context.Background(), fileImage{f, 9437696 + 4096})
	if !errors.Is(err, imaging.ErrTruncated) || !strings.Contains(err.Error(), "9437696") {
		t.Fatalf("short image: %v", err)
	}
}

func TestCompare(t *testing.T) {
	c := imaging.Digests{MD5: "aa", SHA1: "bb", SHA256: "cc"}
	for _, tc := range []struct {
		stored imaging.Digests
		want   string
	}{
		{imaging.Digests{}, NoReference},
		{imaging.Digests{MD5: "AA", SHA1: "bb"}, Match},
		{imaging.Digests{MD5: "aa", SHA1: "bx"}, Mismatch},
		{imaging.Digests{SHA256: "cd"}, Mismatch},
	} {
		if got := compare(tc.stored, c); got != tc.want {
			t.Errorf("compare(%+v) = %s, want %s", tc.stored, got, tc.want)
		}
	}
}
