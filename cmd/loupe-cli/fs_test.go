package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/loupe-forensics/loupe/forensic/evidencetest"
	"github.com/loupe-forensics/loupe/forensic/source"
)

func runCLI(t *testing.T, args ...string) (int, []byte, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), env{stdout: &out, stderr: &errb}, args)
	return code, out.Bytes(), errb.String()
}

func lsRows(t *testing.T, out []byte) []lsRow {
	t.Helper()
	var rows []lsRow
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		dec := json.NewDecoder(bytes.NewReader(sc.Bytes()))
		dec.DisallowUnknownFields()
		var r lsRow
		if err := dec.Decode(&r); err != nil {
			t.Fatalf("ls line %q: %v", sc.Text(), err)
		}
		rows = append(rows, r)
	}
	return rows
}

// TestLsMatchesManifest: every regular file and directory fls listed
// (manifest) is in `ls --json` with the same inode, size, deleted flag and
// istat's times, and ls lists nothing fls does not (root and entries fls
// shows only through their named attributes aside).
func TestLsMatchesManifest(t *testing.T) {
	for _, disk := range []string{"gpt", "mbr"} {
		t.Run(disk, func(t *testing.T) {
			info := evidencetest.DiskInfo(t, disk)
			code, out, stderr := runCLI(t, "ls", "--json", evidencetest.Raw(t, disk))
			if code != exitOK {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			rows := lsRows(t, out)
			got := map[string]lsRow{}
			for _, r := range rows {
				k := fmt.Sprint(r.Partition, r.Path, r.Inode)
				if _, dup := got[k]; dup {
					t.Errorf("listed twice: %s", k)
				}
				got[k] = r
				for _, ts := range []*string{r.Mtime, r.Atime, r.Ctime, r.Crtime} {
					if ts == nil {
						continue
					}
					if tm, err := time.Parse(time.RFC3339Nano, *ts); err != nil || !strings.HasSuffix(*ts, "Z") || tm.Format(time.RFC3339Nano) != *ts {
						t.Errorf("%s: time %q is not RFC 3339 UTC", r.Path, *ts)
					}
				}
			}
			streamBases := map[string]bool{}
			for _, f := range info.Files {
				base, _, named := strings.Cut(f.Path, ":")
				if named {
					streamBases[fmt.Sprint(f.Partition, base)] = true
					continue
				}
				r, ok := got[fmt.Sprint(f.Partition, f.Path, f.Inode)]
				if !ok {
					t.Errorf("missing p%d %s #%s", f.Partition, f.Path, f.Inode)
					continue
				}
				if r.Size != f.Size || r.Deleted != f.Deleted || r.Type != f.Type || r.FS != info.Partition(f.Partition).FS {
					t.Errorf("%s: size %d deleted %v type %s fs %s; TSK %d %v %s %s", f.Path, r.Size, r.Deleted, r.Type, r.FS, f.Size, f.Deleted, f.Type, info.Partition(f.Partition).FS)
				}
				if !f.Mtime.IsZero() && (r.Mtime == nil || *r.Mtime != f.Mtime.UTC().Format(time.RFC3339Nano)) {
					t.Errorf("%s: mtime %v, istat %s", f.Path, r.Mtime, f.Mtime.Format(time.RFC3339Nano))
				}
				if len(f.Streams) > 0 && strings.Join(r.Streams, ",") != strings.Join(f.Streams, ",") {
					t.Errorf("%s: streams %v, fls %v", f.Path, r.Streams, f.Streams)
				}
				delete(got, fmt.Sprint(f.Partition, f.Path, f.Inode))
			}
			for _, r := range got {
				if r.Path == "/" || streamBases[fmt.Sprint(r.Partition, r.Path)] {
					continue
				}
				t.Errorf("ls lists p%d %s #%s, fls does not", r.Partition, r.Path, r.Inode)
			}
		})
	}
}

// TestLsContainersAndFlagOrder: the split and E01 forms list exactly what
// the raw image lists, with the flag before or after the paths.
func TestLsContainersAndFlagOrder(t *testing.T) {
	_, raw, _ := runCLI(t, "ls", "--json", evidencetest.Raw(t, "gpt"))
	for name, args := range map[string][]string{
		"raw, flag last": append([]string{"ls", evidencetest.Raw(t, "gpt")}, "--json"),
		"split":          append([]string{"ls"}, append(evidencetest.Split(t, "gpt"), "--json")...),
		"e01":            append([]string{"ls", "--json"}, evidencetest.E01(t, "gpt")...),
	} {
		code, out, stderr := runCLI(t, args...)
		if code != exitOK {
			t.Fatalf("%s: exit %d: %s", name, code, stderr)
		}
		if !bytes.Equal(out, raw) {
			t.Errorf("%s: listing differs from the raw image's", name)
		}
	}
	if len(lsRows(t, raw)) < 90 {
		t.Fatalf("only %d rows", len(lsRows(t, raw)))
	}
}

func sum(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// TestCat reads files by path and by inode (a deleted one too) and a named
// stream, and compares with icat's SHA-256 in the manifest.
func TestCat(t *testing.T) {
	info := evidencetest.DiskInfo(t, "gpt")
	img := evidencetest.Raw(t, "gpt")
	n := 0
	for _, f := range info.Files {
		if f.Type != "file" || f.SHA256 == "" || strings.Contains(f.Path, ":") {
			continue
		}
		part := fmt.Sprint(f.Partition)
		args := []string{"cat", img, "--partition", part, "--inode", f.Inode}
		if !f.Deleted {
			args = []string{"cat", "--path=" + f.Path, img, "--partition=" + part}
		}
		code, out, stderr := runCLI(t, args...)
		if code != exitOK {
			t.Errorf("%v: exit %d: %s", args, code, stderr)
			continue
		}
		if sum(out) != f.SHA256 {
			t.Errorf("%s: sha256 %s, icat %s", f.Path, sum(out), f.SHA256)
		}
		n++
		for _, s := range f.StreamDetails {
			if s.SHA256 == "" {
				continue // icat could not return it in full ($BadClus:$Bad)
			}
			code, out, stderr := runCLI(t, "cat", img, "--partition", part, "--path", f.Path, "--stream", s.Name)
			if code != exitOK || sum(out) != s.SHA256 {
				t.Errorf("%s:%s: exit %d sha256 %s, icat %s (%s)", f.Path, s.Name, code, sum(out), s.SHA256, stderr)
			}
			n++
		}
	}
	if n < 40 {
		t.Fatalf("only %d contents compared", n)
	}
}

// TestStat checks the JSON of stat: the runs point at the file's bytes on
// the image (resident and non-resident), and the provenance string names
// image, partition, file system and entry.
func TestStat(t *testing.T) {
	info := evidencetest.DiskInfo(t, "gpt")
	imgPath := evidencetest.Raw(t, "gpt")
	image, err := os.ReadFile(imgPath)
	if err != nil {
		t.Fatal(err)
	}
	checked := map[string]bool{}
	for _, f := range info.Files {
		if f.Type != "file" || f.SHA256 == "" || strings.Contains(f.Path, ":") || f.Size == 0 {
			continue
		}
		code, out, stderr := runCLI(t, "stat", imgPath, "--partition", fmt.Sprint(f.Partition), "--inode", f.Inode)
		if code != exitOK {
			t.Fatalf("%s: exit %d: %s", f.Path, code, stderr)
		}
		var st struct {
			Path  string `json:"path"`
			Inode string `json:"inode"`
			Size  int64  `json:"size"`
			Runs  []struct {
				FileOffset int64 `json:"file_offset"`
				ImgOffset  int64 `json:"img_offset"`
				Len        int64 `json:"len"`
				Sparse     bool  `json:"sparse"`
				Resident   bool  `json:"resident"`
			} `json:"runs"`
			Ref   string `json:"ref"`
			Times struct {
				Mtime time.Time `json:"mtime"`
			} `json:"times"`
		}
		if err := json.Unmarshal(out, &st); err != nil {
			t.Fatal(err)
		}
		if st.Path != f.Path || st.Inode != f.Inode || st.Size != f.Size || !st.Times.Mtime.Equal(f.Mtime) {
			t.Errorf("stat %s: %+v", f.Path, st)
		}
		_, catOut, _ := runCLI(t, "cat", imgPath, "--partition", fmt.Sprint(f.Partition), "--inode", f.Inode)
		if sum(catOut) != f.SHA256 {
			t.Fatalf("%s: cat differs from icat", f.Path)
		}
		var content []byte
		for _, r := range st.Runs {
			if r.FileOffset != int64(len(content)) {
				t.Fatalf("%s: run at %d after %d bytes", f.Path, r.FileOffset, len(content))
			}
			if r.Sparse {
				content = append(content, make([]byte, r.Len)...)
			} else {
				content = append(content, image[r.ImgOffset:r.ImgOffset+r.Len]...)
			}
			if r.Resident {
				checked["resident"] = true
				// On disk, the last two bytes of every 512-byte sector of an
				// MFT record hold the update sequence number; the real bytes
				// are in the record's fixup array. Those positions of
				// resident data therefore differ on the image.
				for o := r.ImgOffset; o < r.ImgOffset+r.Len; o++ {
					if o%512 >= 510 {
						i := r.FileOffset + o - r.ImgOffset
						content[i] = catOut[i]
					}
				}
			} else if !r.Sparse {
				checked["non-resident "+info.Partition(f.Partition).FS] = true
			}
		}
		if sum(content) != f.SHA256 {
			t.Errorf("%s: bytes at the runs hash to %s, icat %s", f.Path, sum(content), f.SHA256)
		}
		want := fmt.Sprintf("partition:p%d@", f.Partition)
		if !strings.HasPrefix(st.Ref, "image:"+filepath.Base(imgPath)+" > "+want) || !strings.HasSuffix(st.Ref, " > "+strings.TrimPrefix(source.Folder("x").Entry(f.Path, f.Inode).String(), "folder:x > ")) {
			t.Errorf("%s: ref %q", f.Path, st.Ref)
		}
	}
	for _, k := range []string{"resident", "non-resident ntfs", "non-resident ext4"} {
		if !checked[k] {
			t.Errorf("no %s run checked", k)
		}
	}
}

func TestFSUsageErrors(t *testing.T) {
	img := evidencetest.Raw(t, "gpt")
	for _, args := range [][]string{
		{"ls"},
		{"ls", "--bogus", img},
		{"ls", filepath.Join(t.TempDir(), "absent.raw")},
		{"cat", img, "--path", "/x"},
		{"cat", img, "--partition", "1"},
		{"cat", img, "--partition", "1", "--path", "/a", "--inode", "64-1"},
		{"cat", img, "--partition", "0", "--path", "/a"},
		{"cat", img, "--partition", "9", "--path", "/a"},
		{"cat", img, "--partition", "1", "--path", "/no/such/file"},
		{"cat", img, "--partition", "1", "--inode", "64-9"},
		{"cat", img, "--partition", "1", "--path", "/Users"},
		{"stat", img, "--partition"},
		{"stat", img, "--partition", "1", "--inode", "nonsense"},
	} {
		code, out, stderr := runCLI(t, args...)
		if code != exitUsage || len(out) != 0 || strings.Count(stderr, "\n") != 1 || !strings.HasPrefix(stderr, "loupe-cli: ") {
			t.Errorf("%v: exit %d, stdout %d bytes, stderr %q", args, code, len(out), stderr)
		}
	}
}
