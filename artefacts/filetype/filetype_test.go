package filetype

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-pdf/fpdf"
	"github.com/syndtr/goleveldb/leveldb"
	"github.com/syndtr/goleveldb/leveldb/util"

	"github.com/loupe-forensics/loupe/artefacts"
	"github.com/loupe-forensics/loupe/forensic/finding"
	"github.com/loupe-forensics/loupe/forensic/source"
)

// sysPython is Debian's interpreter, which has python3-lz4; a pyenv shim
// earlier on PATH may not.
const sysPython = "/usr/bin/python3"

// realFile is a file made by a real tool, and the type it must be given.
type realFile struct {
	name   string // file name inside the temp dir (its extension matters)
	script string // bash, run in the temp dir; must create name
	tools  []string
	want   string
	// mismatch is the expected extension_mismatch flag.
	mismatch bool
}

func realFiles() []realFile {
	return []realFile{
		{"a.gz", "printf 'hello gzip\\n' > a && gzip -n a", []string{"gzip"}, "gzip", false},
		{"a.xz", "printf 'hello xz\\n' > a && xz a", []string{"xz"}, "xz", false},
		{"a.bz2", "printf 'hello bzip2\\n' > a && bzip2 a", []string{"bzip2"}, "bzip2", false},
		{"empty.bz2", "printf '' > empty && bzip2 empty", []string{"bzip2"}, "bzip2", false},
		{"a.zst", "printf 'hello zstd\\n' > a && zstd -q a", []string{"zstd"}, "zstd", false},
		{"a.lz4", "printf 'hello lz4\\n' > a && lz4 -q a a.lz4", []string{"lz4"}, "lz4", false},
		{"a.zip", "printf 'hello zip\\n' > a.txt && zip -q a.zip a.txt", []string{"zip"}, "zip", false},
		{"empty.zip", sysPython + ` -c 'import zipfile; zipfile.ZipFile("empty.zip","w").close()'`, []string{sysPython}, "zip", false},
		{"report.docx", sysPython + ` -c '
import zipfile
z = zipfile.ZipFile("report.docx", "w", zipfile.ZIP_DEFLATED)
z.writestr("[Content_Types].xml", "<?xml version=\"1.0\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"/>")
z.writestr("_rels/.rels", "<Relationships/>")
z.writestr("word/document.xml", "<w:document/>")
z.close()'`, []string{sysPython}, "ooxml", false},
		{"notes.txt", "printf 'x\\n' > f; tar -cf notes.txt f", []string{"tar"}, "tar", true},
		{"places.sqlite", "sqlite3 places.sqlite 'CREATE TABLE moz_places(id INTEGER PRIMARY KEY, url TEXT); INSERT INTO moz_places(url) VALUES (\"http://example.onion/\");'", []string{"sqlite3"}, "sqlite", false},
		{"holiday.jpg", "sqlite3 holiday.jpg 'CREATE TABLE t(x); INSERT INTO t VALUES (1);'", []string{"sqlite3"}, "sqlite", true},
		{"w.db-wal", "sqlite3 w.db 'PRAGMA journal_mode=WAL; CREATE TABLE t(x); INSERT INTO t VALUES (1);' >/dev/null && " +
			sysPython + ` -c '
import sqlite3, shutil
c = sqlite3.connect("w.db"); c.execute("PRAGMA wal_autocheckpoint=0"); c.execute("INSERT INTO t VALUES (2)"); c.commit()
shutil.copy("w.db-wal", "w.copy-wal"); c.close()
shutil.move("w.copy-wal", "w.db-wal")'`, []string{"sqlite3", sysPython}, "sqlite-wal", false},
		{"wallet.dat", "printf 'key1\\nvalue1\\n' | db5.3_load -T -t btree -c database=main wallet.dat", []string{"db5.3_load"}, "berkeley-db", false},
		{"a.png", "convert -size 4x4 xc:red a.png", []string{"convert"}, "png", false},
		{"a.jpg", "convert -size 4x4 xc:blue a.jpg", []string{"convert"}, "jpeg", false},
		{"a.gif", "convert -size 4x4 xc:green a.gif", []string{"convert"}, "gif", false},
		{"a.tiff", "convert -size 4x4 xc:green a.tiff", []string{"convert"}, "tiff", false},
		{"a.webp", "convert -size 4x4 xc:green a.webp", []string{"convert"}, "webp", false},
		{"recovery.jsonlz4", sysPython + ` -c '
import lz4.block
open("recovery.jsonlz4","wb").write(b"mozLz40\0" + lz4.block.compress(b"{\"windows\":[]}", store_size=True))'`, []string{sysPython}, "mozlz4", false},
		{"ls.bin", "cp /bin/ls ls.bin", nil, "elf", false},
		{"script.sh", "printf '#!/bin/sh\\necho hi\\n' > script.sh", nil, "text", false},
		{"pubring.kbx", gpgKeys + " && cp h/pubring.kbx .", []string{"gpg", "gpgconf"}, "gpg-keybox", false},
		{"key.asc", gpgKeys + " && gpg --homedir h --batch --armor --export > key.asc", []string{"gpg", "gpgconf"}, "pgp-armor", false},
		{"key.gpg", gpgKeys + " && gpg --homedir h --batch --export > key.gpg", []string{"gpg", "gpgconf"}, "pgp-binary", false},
		{"zero.bin", "head -c 4096 /dev/zero > zero.bin", nil, "data", false},
		{"empty.jpg", ": > empty.jpg", nil, "empty", false},
	}
}

// gpgKeys makes a throw-away GnuPG home with one ed25519 key and stops
// the agent it started.
const gpgKeys = `mkdir -m 700 h && gpg --homedir h --batch --pinentry-mode loopback --passphrase '' --quick-gen-key 'Test <t@example.org>' ed25519 sign,cert 1y 2>/dev/null; rc=$?; gpgconf --homedir h --kill gpg-agent; test $rc = 0`

func makeReal(t *testing.T, dir string, f realFile) string {
	t.Helper()
	for _, tool := range f.tools {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed", tool)
		}
	}
	cmd := exec.Command("bash", "-c", "set -e; "+f.script)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("making %s: %v\n%s", f.name, err, out)
	}
	return filepath.Join(dir, f.name)
}

func inputFor(t *testing.T, p, name string) *artefacts.Input {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	head := b
	if len(head) > artefacts.HeadSize {
		head = head[:artefacts.HeadSize]
	}
	sum := sha256.Sum256(b)
	return &artefacts.Input{
		Ref:    source.Folder("t").Entry("/"+name, ""),
		Path:   "/" + name,
		Size:   int64(len(b)),
		Head:   head,
		Reader: bytes.NewReader(b),
		SHA256: hex.EncodeToString(sum[:]),
	}
}

func TestRealFiles(t *testing.T) {
	p := New()
	for _, f := range realFiles() {
		t.Run(f.name, func(t *testing.T) {
			dir := t.TempDir()
			in := inputFor(t, makeReal(t, dir, f), f.name)
			if !p.Match(in) {
				t.Fatal("Match rejected a file; file/type must accept every file")
			}
			var c finding.Collector
			if err := artefacts.Run(context.Background(), p, in, &c); err != nil {
				t.Fatal(err)
			}
			if len(c.Artefacts) != 1 || len(c.Warnings) != 0 {
				t.Fatalf("got %d artefacts, %d warnings; want 1, 0", len(c.Artefacts), len(c.Warnings))
			}
			a := c.Artefacts[0]
			if a.Kind != Kind || a.Parser != Name || a.ParserVersion != Version || a.SourceSHA256 != in.SHA256 || a.Source != in.Ref {
				t.Fatalf("artefact header = %+v", a)
			}
			if got, _ := a.Get("type"); got.Str != f.want {
				t.Errorf("type = %q, want %q", got.Str, f.want)
			}
			if got, _ := a.Get("size"); got.Int != in.Size {
				t.Errorf("size = %d, want %d", got.Int, in.Size)
			}
			if got, _ := a.Get("extension_mismatch"); got.Bool != f.mismatch {
				t.Errorf("extension_mismatch = %v, want %v", got.Bool, f.mismatch)
			}
		})
	}
}

// TestPDF uses go-pdf/fpdf (a real PDF writer) since ImageMagick's policy
// forbids PDF output on Debian.
func TestPDF(t *testing.T) {
	doc := fpdf.New("P", "mm", "A4", "")
	doc.AddPage()
	doc.SetFont("Helvetica", "", 12)
	doc.Cell(40, 10, "Loupe")
	var buf bytes.Buffer
	if err := doc.Output(&buf); err != nil {
		t.Fatal(err)
	}
	if got := Identify(buf.Bytes()[:min(buf.Len(), artefacts.HeadSize)], nil, 0); got.ID != "pdf" {
		t.Fatalf("type = %q, want pdf", got.ID)
	}
}

// TestLevelDBTable identifies a table by its footer magic: the head of an
// .ldb is data blocks and says nothing.
func TestLevelDBTable(t *testing.T) {
	dir := t.TempDir()
	writeLevelDB(t, dir)
	m, err := filepath.Glob(filepath.Join(dir, "*.ldb"))
	if err != nil || len(m) == 0 {
		t.Fatalf("no .ldb table written (%v)", err)
	}
	in := inputFor(t, m[0], filepath.Base(m[0]))
	if got := Identify(in.Head, in.Reader, in.Size); got.ID != "leveldb-table" {
		t.Fatalf("type = %q, want leveldb-table", got.ID)
	}
	// Without the reader the tail cannot be seen: no false claim.
	if got := Identify(in.Head, nil, in.Size); got.ID == "leveldb-table" {
		t.Fatal("identified a table without reading its footer")
	}
}

func TestExtension(t *testing.T) {
	for in, want := range map[string]string{
		"/a/b.TXT": "txt", "/a/.bashrc": "", "/a/b": "", "/a/b.": "", "/x.tar.gz": "gz",
		"/a.averyveryverylongext": "", "/dir.d/file": "",
	} {
		if got := Extension(in); got != want {
			t.Errorf("Extension(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestTruncatedHeads checks every signature against every prefix of a real
// file's head: hostile or truncated evidence must never panic a matcher.
func TestTruncatedHeads(t *testing.T) {
	dir := t.TempDir()
	for _, f := range realFiles()[:12] {
		p := makeRealNoSkip(dir, f)
		if p == "" {
			continue
		}
		b, _ := os.ReadFile(p)
		for n := 0; n <= min(len(b), 600); n++ {
			Identify(b[:n], nil, int64(n))
		}
	}
}

func makeRealNoSkip(dir string, f realFile) string {
	for _, tool := range f.tools {
		if _, err := exec.LookPath(tool); err != nil {
			return ""
		}
	}
	cmd := exec.Command("bash", "-c", "set -e; "+f.script)
	cmd.Dir = dir
	if cmd.Run() != nil {
		return ""
	}
	return filepath.Join(dir, f.name)
}

func FuzzIdentify(f *testing.F) {
	dir := f.TempDir()
	for _, rf := range realFiles() {
		if p := makeRealNoSkip(dir, rf); p != "" {
			b, err := os.ReadFile(p)
			if err == nil {
				f.Add(b[:min(len(b), artefacts.HeadSize)])
			}
		}
	}
	p := New()
	f.Fuzz(func(t *testing.T, head []byte) {
		typ := Identify(head, bytes.NewReader(head), int64(len(head)))
		if typ.ID == "" {
			t.Fatal("empty type id")
		}
		var c finding.Collector
		in := &artefacts.Input{Ref: source.Folder("f").Entry("/x.jpg", ""), Path: "/x.jpg", Size: int64(len(head)), Head: head, Reader: bytes.NewReader(head)}
		if err := p.Parse(context.Background(), in, &c); err != nil || len(c.Artefacts) != 1 {
			t.Fatalf("parse: %v, %d artefacts", err, len(c.Artefacts))
		}
	})
}

// writeLevelDB writes a small database with goleveldb and compacts it so
// that its content lands in an .ldb table.
func writeLevelDB(t *testing.T, dir string) {
	t.Helper()
	db, err := leveldb.OpenFile(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 100; i++ {
		if err := db.Put([]byte(fmt.Sprintf("key-%03d", i)), []byte(strings.Repeat("v", i)), nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.CompactRange(util.Range{}); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}
