package evidencetest

import (
	"bytes"
	"compress/gzip"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func hashFiles(t *testing.T, paths ...string) (md5hex, sha1hex, sha256hex string, n int64) {
	t.Helper()
	hs := []hash.Hash{md5.New(), sha1.New(), sha256.New()}
	w := io.MultiWriter(hs[0], hs[1], hs[2])
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		c, err := io.Copy(w, f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		n += c
	}
	return hex.EncodeToString(hs[0].Sum(nil)), hex.EncodeToString(hs[1].Sum(nil)), hex.EncodeToString(hs[2].Sum(nil)), n
}

func TestDir(t *testing.T) {
	d := Dir(t)
	if !filepath.IsAbs(d) || filepath.Base(d) != "evidence" || filepath.Base(filepath.Dir(d)) != "testdata" {
		t.Fatalf("Dir = %q, want an absolute .../testdata/evidence", d)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(filepath.Dir(d)), "go.mod")); err != nil {
		t.Fatalf("no go.mod next to testdata: %v", err)
	}
}

// TestManifestConsistency checks the manifest against itself and against
// what the generator promised: two disks, the GPT one with two E01
// segments and a split form, partitions inside the disk, deleted files on
// both file systems that icat recovered, one alternate data stream.
func TestManifestConsistency(t *testing.T) {
	m := Manifest(t)
	if m.Generated.IsZero() || m.FixtureDate.IsZero() {
		t.Fatalf("generated %v / fixture_date %v missing", m.Generated, m.FixtureDate)
	}
	for _, name := range []string{"gpt", "mbr"} {
		d := m.Disks[name]
		if d == nil {
			t.Fatalf("disk %q missing", name)
		}
		if d.SectorSize != 512 || d.Size <= 0 || d.Size%512 != 0 {
			t.Errorf("%s: size %d sector %d", name, d.Size, d.SectorSize)
		}
		if d.E01Stored.MD5 != d.MD5 || d.E01Stored.SHA1 != d.SHA1 {
			t.Errorf("%s: E01 stored %+v, raw md5 %s sha1 %s", name, d.E01Stored, d.MD5, d.SHA1)
		}
		if len(d.Partitions) != 2 {
			t.Fatalf("%s: %d partitions, want 2", name, len(d.Partitions))
		}
		fsSeen := map[string]bool{}
		for i, p := range d.Partitions {
			if p.Index != i+1 {
				t.Errorf("%s: partition %d has index %d", name, i, p.Index)
			}
			if end := (p.StartSector + p.Sectors) * 512; p.StartSector <= 0 || end > d.Size {
				t.Errorf("%s: partition %d ends at byte %d, disk is %d", name, p.Index, end, d.Size)
			}
			fsSeen[p.FS] = true
		}
		if !fsSeen["ntfs"] || !fsSeen["ext4"] {
			t.Errorf("%s: file systems %v, want ntfs and ext4", name, fsSeen)
		}
		if len(d.Gaps) == 0 {
			t.Errorf("%s: no gaps", name)
		}
		deleted := map[string]int{}
		streams := 0
		for _, f := range d.Files {
			p := d.Partition(f.Partition)
			if p == nil || p.FS != f.FS {
				t.Fatalf("%s: %s on unknown partition %d", name, f.Path, f.Partition)
			}
			if !strings.HasPrefix(f.Path, "/") || f.Inode == "" || (f.Type != "file" && f.Type != "dir") {
				t.Errorf("%s: malformed entry %+v", name, f)
			}
			if f.Type == "file" && !f.Deleted && len(f.SHA256) != 64 {
				t.Errorf("%s: live file %s has no sha256", name, f.Path)
			}
			if f.OriginalPath != "" {
				if !f.Deleted || !f.Recoverable {
					t.Errorf("%s: %s deleted=%v recoverable=%v", name, f.OriginalPath, f.Deleted, f.Recoverable)
				}
				deleted[f.FS]++
			}
			// The generator's time model (testdata/gen/times.py): user
			// entries have four distinct times, crtime < mtime < atime.
			if !f.System && !f.Deleted && f.Path != "/" && !strings.HasPrefix(f.Path, "/lost+found") {
				if !f.Crtime.Before(f.Mtime) || f.Atime.Before(f.Mtime) {
					t.Errorf("%s: %s: crtime %v mtime %v atime %v out of order", name, f.Path, f.Crtime, f.Mtime, f.Atime)
				}
			}
			if f.FS == "ext4" && f.Deleted && f.Dtime.IsZero() {
				t.Errorf("%s: deleted inode %s has no dtime", name, f.Inode)
			}
			for _, s := range f.StreamDetails {
				if s.Name == "Zone.Identifier" && len(s.SHA256) == 64 {
					streams++
				}
			}
		}
		if deleted["ntfs"] < 2 || deleted["ext4"] < 2 {
			t.Errorf("%s: generator-deleted files per fs %v, want >= 2 each", name, deleted)
		}
		if streams != 1 {
			t.Errorf("%s: %d Zone.Identifier streams, want 1", name, streams)
		}
		for _, seg := range d.E01 {
			if _, err := os.Stat(filepath.Join(Dir(t), seg)); err != nil {
				t.Error(err)
			}
		}
	}
	if g := m.Disks["gpt"]; len(g.E01) != 2 || len(g.Split) < 2 {
		t.Errorf("gpt: e01 %v split %v, want 2 segments and >= 2 pieces", g.E01, g.Split)
	}
	if len(m.Disks["mbr"].E01) != 1 {
		t.Errorf("mbr: e01 %v, want one segment", m.Disks["mbr"].E01)
	}
}

func TestDiskLookups(t *testing.T) {
	d := DiskInfo(t, "gpt")
	var live *File
	for i := range d.Files {
		if d.Files[i].Type == "file" && !d.Files[i].Deleted && !d.Files[i].System {
			live = &d.Files[i]
			break
		}
	}
	if live == nil {
		t.Fatal("no live user file")
	}
	if got := d.File(live.Partition, live.Path); got == nil || got.Inode != live.Inode {
		t.Fatalf("File(%d, %q) = %+v, want inode %s", live.Partition, live.Path, got, live.Inode)
	}
	if d.File(live.Partition, live.Path+".absent") != nil {
		t.Fatal("File found an absent path")
	}
	total := 0
	for _, p := range d.Partitions {
		total += len(d.FilesOn(p.Index))
	}
	if total != len(d.Files) {
		t.Fatalf("FilesOn covers %d entries, manifest has %d", total, len(d.Files))
	}
	if d.Partition(0) != nil || d.Partition(len(d.Partitions)+1) != nil {
		t.Fatal("Partition accepted an out-of-range index")
	}
}

// The decompressed raw disks must carry the hashes the manifest records
// (which the generator took from the same bytes the E01s were made of).
func TestRawHashes(t *testing.T) {
	for _, name := range []string{"gpt", "mbr"} {
		d := DiskInfo(t, name)
		p := Raw(t, name)
		md, s1, s256, n := hashFiles(t, p)
		if n != d.Size || md != d.MD5 || s1 != d.SHA1 || s256 != d.SHA256 {
			t.Errorf("%s: %d bytes md5 %s sha1 %s sha256 %s; manifest %d %s %s %s",
				name, n, md, s1, s256, d.Size, d.MD5, d.SHA1, d.SHA256)
		}
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm()&0o222 != 0 {
			t.Errorf("%s: cached raw is writable (%v)", name, fi.Mode())
		}
	}
}

func TestSplitConcatenatesToRaw(t *testing.T) {
	d := DiskInfo(t, "gpt")
	ps := Split(t, "gpt")
	if len(ps) != len(d.Split) {
		t.Fatalf("%d pieces, manifest lists %d", len(ps), len(d.Split))
	}
	for i, p := range ps {
		if filepath.Dir(p) != filepath.Dir(ps[0]) {
			t.Fatalf("piece %d in %s, piece 0 in %s", i, filepath.Dir(p), filepath.Dir(ps[0]))
		}
		if want := strings.TrimSuffix(d.Split[i], ".gz"); filepath.Base(p) != want {
			t.Fatalf("piece %d named %s, want %s", i, filepath.Base(p), want)
		}
	}
	_, _, s256, n := hashFiles(t, ps...)
	if n != d.Size || s256 != d.SHA256 {
		t.Fatalf("split: %d bytes sha256 %s; manifest %d %s", n, s256, d.Size, d.SHA256)
	}
}

func TestE01Paths(t *testing.T) {
	d := DiskInfo(t, "gpt")
	ps := E01(t, "gpt")
	if len(ps) != len(d.E01) {
		t.Fatalf("got %v, manifest %v", ps, d.E01)
	}
	for i, p := range ps {
		if p != filepath.Join(Dir(t), d.E01[i]) {
			t.Errorf("segment %d at %s, want the committed %s", i, p, d.E01[i])
		}
		b := make([]byte, 8)
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		_, err = io.ReadFull(f, b)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(b, []byte("EVF\x09\x0d\x0a\xff\x00")) {
			t.Errorf("%s: signature % x, not EWF", p, b)
		}
	}
}

// writeGz makes a gzip fixture in dir with Go's encoder; the format is
// the same one gzip(1) writes and the helper only needs it to round-trip.
func writeGz(t *testing.T, dir, name string, data []byte) {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// Many goroutines (standing in for parallel test binaries) materialise the
// same fixture into an empty cache: all get the same complete file and no
// temporary file is left behind.
func TestMaterializeConcurrent(t *testing.T) {
	src := t.TempDir()
	tmp := t.TempDir()
	data := bytes.Repeat([]byte("loupe fixture payload "), 50000)
	writeGz(t, src, "x.bin.gz", data)

	const n = 8
	paths := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			paths[i], errs[i] = materialize(src, tmp, "x.bin.gz")
		}()
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if paths[i] != paths[0] {
			t.Fatalf("goroutine %d got %s, goroutine 0 %s", i, paths[i], paths[0])
		}
	}
	got, err := os.ReadFile(paths[0])
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, data) {
		t.Fatalf("materialised %d bytes differ from the %d written", len(got), len(data))
	}
	if filepath.Base(paths[0]) != "x.bin" || !strings.HasPrefix(paths[0], filepath.Join(tmp, cacheRoot)+string(filepath.Separator)) {
		t.Fatalf("path %s not in the cache under %s", paths[0], tmp)
	}
	ents, err := os.ReadDir(filepath.Dir(paths[0]))
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) != 1 {
		t.Fatalf("cache dir holds %d entries, want just x.bin", len(ents))
	}
}

// A damaged cached copy (wrong size) is replaced; a regenerated fixture
// (different compressed bytes) lands in a different directory.
func TestMaterializeRepairsAndKeys(t *testing.T) {
	src := t.TempDir()
	tmp := t.TempDir()
	writeGz(t, src, "y.raw.gz", []byte("first version of the fixture"))
	p1, err := materialize(src, tmp, "y.raw.gz")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p1, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p1, []byte("trunc"), 0o644); err != nil {
		t.Fatal(err)
	}
	p2, err := materialize(src, tmp, "y.raw.gz")
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(p2); p2 != p1 || string(got) != "first version of the fixture" {
		t.Fatalf("repair: %s holds %q", p2, got)
	}
	writeGz(t, src, "y.raw.gz", []byte("second version"))
	p3, err := materialize(src, tmp, "y.raw.gz")
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Dir(p3) == filepath.Dir(p1) {
		t.Fatalf("regenerated fixture reused cache dir %s", filepath.Dir(p1))
	}
	if got, _ := os.ReadFile(p3); string(got) != "second version" {
		t.Fatalf("regenerated fixture reads %q", got)
	}
}

func TestMaterializeRejects(t *testing.T) {
	src := t.TempDir()
	tmp := t.TempDir()
	if err := os.WriteFile(filepath.Join(src, "bad.gz"), []byte("this is not gzip data at all"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(src, "tiny.gz"), []byte{0x1f, 0x8b}, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"", ".", "..", "../evidence/manifest.json", "sub/x.gz", "absent.gz", "absent.E01", "bad.gz", "tiny.gz"} {
		if p, err := materialize(src, tmp, name); err == nil {
			t.Errorf("materialize(%q) = %s, want an error", name, p)
		}
	}
	if _, err := materializeSet(src, tmp, []string{"plain.E01"}); err == nil {
		t.Error("materializeSet accepted a non-.gz name")
	}
	// Nothing half-written may remain in the cache.
	_ = filepath.WalkDir(tmp, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			t.Errorf("leftover %s", p)
		}
		return nil
	})
}

// helperEnv makes the test binary act as one "test process" that
// materialises a fixture and prints the path (see TestMaterializeProcesses).
const helperEnv = "LOUPE_EVIDENCETEST_HELPER"

func TestMain(m *testing.M) {
	if spec := os.Getenv(helperEnv); spec != "" {
		src, name, _ := strings.Cut(spec, "|")
		p, err := materialize(src, os.TempDir(), name)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(3)
		}
		fmt.Print(p)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// Separate processes racing on one cold cache (what go test ./... does
// when several packages materialise the same disk) all get the one
// complete file.
func TestMaterializeProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	src := t.TempDir()
	tmp := t.TempDir()
	data := bytes.Repeat([]byte("0123456789abcdef"), 1<<18) // 4 MiB
	writeGz(t, src, "p.raw.gz", data)

	const n = 6
	cmds := make([]*exec.Cmd, n)
	outs := make([]bytes.Buffer, n)
	for i := range n {
		c := exec.Command(os.Args[0], "-test.run=^$")
		c.Env = append(os.Environ(), helperEnv+"="+src+"|p.raw.gz", "TMPDIR="+tmp)
		c.Stdout = &outs[i]
		c.Stderr = os.Stderr
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		cmds[i] = c
	}
	for i, c := range cmds {
		if err := c.Wait(); err != nil {
			t.Fatalf("process %d: %v", i, err)
		}
	}
	for i := range n {
		if outs[i].String() != outs[0].String() {
			t.Fatalf("process %d got %q, process 0 %q", i, outs[i].String(), outs[0].String())
		}
	}
	got, err := os.ReadFile(outs[0].String())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, data) {
		t.Fatalf("materialised %d bytes differ from the %d written", len(got), len(data))
	}
	ents, err := os.ReadDir(filepath.Dir(outs[0].String()))
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) != 1 {
		t.Fatalf("cache dir holds %d entries, want only p.raw", len(ents))
	}
}

// The committed peer listings and the manifest must come from the same run:
// every manifest entry is in the partition's fls listing with the same
// address and deletion mark, and ewfinfo shows the stored hashes.
func TestPeersAgreeWithManifest(t *testing.T) {
	m := Manifest(t)
	for name, d := range m.Disks {
		for _, p := range d.Partitions {
			b, err := os.ReadFile(filepath.Join(Dir(t), "peers", fmt.Sprintf("%s.p%d.fls.txt", name, p.Index)))
			if err != nil {
				t.Fatal(err)
			}
			listed := map[string]string{} // "/path" -> "addr" or "* addr"
			for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
				head, path, ok := strings.Cut(line, ":\t")
				if !ok || len(head) < 5 {
					t.Fatalf("%s p%d: bad fls line %q", name, p.Index, line)
				}
				listed["/"+path] = strings.TrimSuffix(head[4:], "(realloc)")
			}
			n := 0
			for _, f := range d.FilesOn(p.Index) {
				want := f.TSKAddr
				if f.Deleted {
					want = "* " + want
				}
				if got := listed[f.Path]; got != want {
					t.Errorf("%s p%d: %s listed as %q, manifest %q", name, p.Index, f.Path, got, want)
				}
				for _, s := range f.StreamDetails {
					if got := listed[f.Path+":"+s.Name]; got != s.TSKAddr {
						t.Errorf("%s p%d: stream %s:%s listed as %q, manifest %q", name, p.Index, f.Path, s.Name, got, s.TSKAddr)
					}
				}
				n++
			}
			if n == 0 {
				t.Errorf("%s p%d: no manifest entries", name, p.Index)
			}
		}
		b, err := os.ReadFile(filepath.Join(Dir(t), "peers", name+".ewfinfo.txt"))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), "MD5:\t\t\t"+d.E01Stored.MD5) || !strings.Contains(string(b), "SHA1:\t\t\t"+d.E01Stored.SHA1) {
			t.Errorf("%s: ewfinfo listing does not show the manifest's stored hashes", name)
		}
	}
}
