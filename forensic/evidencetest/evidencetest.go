// Package evidencetest gives tests the committed evidence fixtures under
// testdata/evidence: the manifest of expected values and the images
// themselves, decompressed on demand.
//
// The fixtures are made by testdata/gen/make-fixtures.sh with real tools and
// committed compressed, so tests run where those tools are absent. Gzipped
// files are decompressed once into a cache shared by all test processes,
// $TMPDIR/loupe-fixtures/<key>/<name>, where key is derived from the SHA-256
// of the compressed bytes: a regenerated fixture gets a new directory, and a
// stale one can never be picked up. Files appear there by rename of a
// complete temporary file, so concurrent test binaries (go test ./... runs
// packages in parallel) never see a partial file. Cached files are made
// read-only: they are evidence.
//
// Only tests import this package.
package evidencetest

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// ManifestName is the manifest's file name inside Dir.
const ManifestName = "manifest.json"

// cacheRoot is the directory under os.TempDir that holds decompressed fixtures.
const cacheRoot = "loupe-fixtures"

// Dir returns the absolute path of testdata/evidence, found by walking up
// from the working directory (a test runs in its package directory) to the
// directory holding go.mod.
func Dir(t testing.TB) string {
	t.Helper()
	d, err := evidenceDir()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func evidenceDir() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("evidencetest: %w", err)
	}
	for d := wd; ; {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			ev := filepath.Join(d, "testdata", "evidence")
			if _, err := os.Stat(filepath.Join(ev, ManifestName)); err != nil {
				return "", fmt.Errorf("evidencetest: module root %s has no fixtures (run make fixtures): %w", d, err)
			}
			return ev, nil
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", fmt.Errorf("evidencetest: no go.mod above %s", wd)
		}
		d = parent
	}
}

// Manifest reads and decodes testdata/evidence/manifest.json. Each call
// returns a fresh value, so a test may modify what it gets.
func Manifest(t testing.TB) *Fixtures {
	t.Helper()
	m, err := readManifest(Dir(t))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func readManifest(dir string) (*Fixtures, error) {
	p := filepath.Join(dir, ManifestName)
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, fmt.Errorf("evidencetest: %w", err)
	}
	var m Fixtures
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("evidencetest: decode %s: %w", p, err)
	}
	if len(m.Disks) == 0 {
		return nil, fmt.Errorf("evidencetest: %s lists no disks", p)
	}
	return &m, nil
}

// DiskInfo returns the manifest entry of one disk ("gpt", "mbr"), failing the
// test when it is absent.
func DiskInfo(t testing.TB, name string) *Disk {
	t.Helper()
	d := Manifest(t).Disks[name]
	if d == nil {
		t.Fatalf("evidencetest: manifest has no disk %q", name)
	}
	return d
}

// Materialize returns a path to the fixture file name (a file in Dir). A
// ".gz" name is decompressed into the shared cache and the path of the
// decompressed file (name without ".gz") is returned; any other name is
// returned as its committed path, which tests must only read.
func Materialize(t testing.TB, name string) string {
	t.Helper()
	p, err := materialize(Dir(t), os.TempDir(), name)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// Raw returns the path of the decompressed whole-disk raw image.
func Raw(t testing.TB, disk string) string {
	t.Helper()
	d := DiskInfo(t, disk)
	p := Materialize(t, d.Raw)
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Size() != d.Size {
		t.Fatalf("evidencetest: %s is %d bytes, manifest says %d", p, fi.Size(), d.Size)
	}
	return p
}

// Split returns the decompressed pieces of a disk's split raw image, in
// order, all in one directory and named as committed without ".gz"
// (gpt.raw.001, gpt.raw.002, ...), as split-image readers expect.
func Split(t testing.TB, disk string) []string {
	t.Helper()
	d := DiskInfo(t, disk)
	if len(d.Split) == 0 {
		t.Fatalf("evidencetest: disk %q has no split image", disk)
	}
	ps, err := materializeSet(Dir(t), os.TempDir(), d.Split)
	if err != nil {
		t.Fatal(err)
	}
	return ps
}

// E01 returns the committed paths of a disk's EnCase segments, in order.
func E01(t testing.TB, disk string) []string {
	t.Helper()
	d := DiskInfo(t, disk)
	if len(d.E01) == 0 {
		t.Fatalf("evidencetest: disk %q has no E01 image", disk)
	}
	dir := Dir(t)
	out := make([]string, len(d.E01))
	for i, n := range d.E01 {
		p, err := materialize(dir, os.TempDir(), n)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = p
	}
	return out
}

// materialize handles one file; a .gz file gets its own cache directory.
func materialize(dir, tmp, name string) (string, error) {
	if err := checkName(name); err != nil {
		return "", err
	}
	if !strings.HasSuffix(name, ".gz") {
		p := filepath.Join(dir, name)
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("evidencetest: %w", err)
		}
		return p, nil
	}
	ps, err := materializeSet(dir, tmp, []string{name})
	if err != nil {
		return "", err
	}
	return ps[0], nil
}

// materializeSet decompresses gzipped fixtures into one cache directory
// keyed by the SHA-256 of all their compressed bytes, so the pieces of a
// split image stay together and a regenerated set never mixes with an old
// one.
func materializeSet(dir, tmp string, names []string) ([]string, error) {
	h := sha256.New()
	for _, n := range names {
		if err := checkName(n); err != nil {
			return nil, err
		}
		if !strings.HasSuffix(n, ".gz") {
			return nil, fmt.Errorf("evidencetest: %s is not a .gz fixture", n)
		}
		sum, err := fileSHA256(filepath.Join(dir, n))
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(h, "%s %x\n", n, sum)
	}
	cache := filepath.Join(tmp, cacheRoot, hex.EncodeToString(h.Sum(nil))[:24])
	if err := os.MkdirAll(cache, 0o755); err != nil {
		return nil, fmt.Errorf("evidencetest: %w", err)
	}
	out := make([]string, len(names))
	for i, n := range names {
		p, err := gunzipOnce(filepath.Join(dir, n), filepath.Join(cache, strings.TrimSuffix(n, ".gz")))
		if err != nil {
			return nil, err
		}
		out[i] = p
	}
	return out, nil
}

// checkName keeps names inside Dir: the manifest is data, not a path oracle.
func checkName(name string) error {
	if name == "" || name != filepath.Base(name) || name == "." || name == ".." {
		return fmt.Errorf("evidencetest: bad fixture name %q", name)
	}
	return nil
}

func fileSHA256(p string) ([]byte, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, fmt.Errorf("evidencetest: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return nil, fmt.Errorf("evidencetest: read %s: %w", p, err)
	}
	return h.Sum(nil), nil
}

// gunzipOnce decompresses src to dst unless dst already holds a complete
// copy. A copy is complete when its size matches the gzip trailer's ISIZE
// (size mod 2^32); since copies only appear by rename, a wrong size means
// someone damaged it, and it is replaced.
func gunzipOnce(src, dst string) (string, error) {
	want, err := gzipISize(src)
	if err != nil {
		return "", err
	}
	if fi, err := os.Stat(dst); err == nil && fi.Mode().IsRegular() && uint32(fi.Size()) == want {
		return dst, nil
	}
	in, err := os.Open(src)
	if err != nil {
		return "", fmt.Errorf("evidencetest: %w", err)
	}
	defer in.Close()
	zr, err := gzip.NewReader(in)
	if err != nil {
		return "", fmt.Errorf("evidencetest: %s: %w", src, err)
	}
	defer zr.Close()
	tmp, err := os.CreateTemp(filepath.Dir(dst), filepath.Base(dst)+".tmp*")
	if err != nil {
		return "", fmt.Errorf("evidencetest: %w", err)
	}
	tmpName := tmp.Name()
	ok := false
	defer func() {
		if !ok {
			tmp.Close()
			os.Remove(tmpName)
		}
	}()
	n, err := io.Copy(tmp, zr)
	if err != nil {
		return "", fmt.Errorf("evidencetest: gunzip %s at output offset %d: %w", src, n, err)
	}
	if uint32(n) != want {
		return "", fmt.Errorf("evidencetest: gunzip %s gave %d bytes, trailer says %d (mod 2^32)", src, n, want)
	}
	if err := tmp.Chmod(0o444); err != nil {
		return "", fmt.Errorf("evidencetest: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return "", fmt.Errorf("evidencetest: %w", err)
	}
	// rename is atomic: a concurrent reader sees the old complete file or
	// the new one; racing writers produce identical bytes.
	if err := os.Rename(tmpName, dst); err != nil {
		return "", fmt.Errorf("evidencetest: %w", err)
	}
	ok = true
	return dst, nil
}

// gzipISize reads the uncompressed size (mod 2^32) from a gzip trailer.
func gzipISize(p string) (uint32, error) {
	f, err := os.Open(p)
	if err != nil {
		return 0, fmt.Errorf("evidencetest: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return 0, fmt.Errorf("evidencetest: %w", err)
	}
	if fi.Size() < 18 { // 10-byte header + 8-byte trailer
		return 0, fmt.Errorf("evidencetest: %s: %w", p, errTooShort)
	}
	var tr [4]byte
	if _, err := f.ReadAt(tr[:], fi.Size()-4); err != nil {
		return 0, fmt.Errorf("evidencetest: %s: read trailer at offset %d: %w", p, fi.Size()-4, err)
	}
	return binary.LittleEndian.Uint32(tr[:]), nil
}

var errTooShort = errors.New("too short for a gzip file")
