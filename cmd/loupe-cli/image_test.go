package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/loupe-forensics/loupe/forensic/evidencetest"
)

// imageForms lists every fixture container of every disk.
func imageForms(t *testing.T) map[string][]string {
	return map[string][]string{
		"gpt raw":   {evidencetest.Raw(t, "gpt")},
		"gpt split": evidencetest.Split(t, "gpt"),
		"gpt e01":   evidencetest.E01(t, "gpt"),
		"mbr raw":   {evidencetest.Raw(t, "mbr")},
		"mbr e01":   evidencetest.E01(t, "mbr"),
	}
}

func TestImageCommandsAgreeWithPeers(t *testing.T) {
	for name, paths := range imageForms(t) {
		t.Run(name, func(t *testing.T) {
			disk := evidencetest.DiskInfo(t, strings.Fields(name)[0])
			code, out, stderr := runCLI(t, append([]string{"image", "cat"}, paths...)...)
			if code != exitOK || sum(out) != disk.SHA256 {
				t.Fatalf("image cat: exit %d, sha256 %s, want %s (%s)", code, sum(out), disk.SHA256, stderr)
			}
			code, out, stderr = runCLI(t, append([]string{"image", "verify", "--json"}, paths...)...)
			if code != exitOK {
				t.Fatalf("verify exit %d: %s", code, stderr)
			}
			var v struct {
				MD5, SHA1, SHA256 string
				StoredMatch       *bool `json:"stored_match"`
				Errors            []any `json:"errors"`
			}
			if err := json.Unmarshal(out, &v); err != nil {
				t.Fatal(err)
			}
			if v.MD5 != disk.MD5 || v.SHA1 != disk.SHA1 || v.SHA256 != disk.SHA256 || v.Errors == nil || len(v.Errors) != 0 {
				t.Errorf("verify = %s", out)
			}
			code, out, _ = runCLI(t, append([]string{"image", "info", "--json"}, paths...)...)
			var info map[string]any
			if err := json.Unmarshal(out, &info); err != nil || code != exitOK {
				t.Fatalf("info exit %d: %v", code, err)
			}
			if info["size"].(float64) != float64(disk.Size) || info["sector_size"].(float64) != 512 {
				t.Errorf("info = %s", out)
			}
			if strings.HasSuffix(name, "e01") {
				if v.StoredMatch == nil || !*v.StoredMatch {
					t.Errorf("stored_match = %v", v.StoredMatch)
				}
				stored := info["stored"].(map[string]any)
				meta := info["metadata"].(map[string]any)
				if stored["md5"] != disk.E01Stored.MD5 || stored["sha1"] != disk.E01Stored.SHA1 ||
					meta["case_number"] != disk.E01Metadata.CaseNumber || meta["acquired"] != disk.E01Metadata.Acquired {
					t.Errorf("info = %s", out)
				}
			} else if v.StoredMatch != nil || info["stored"] != nil || info["metadata"] != nil {
				t.Errorf("raw image reports stored values: %s", out)
			}
		})
	}
}

func TestImageVerifyFailures(t *testing.T) {
	dir := t.TempDir()
	copySegs := func() []string {
		var out []string
		for _, p := range evidencetest.E01(t, "gpt") {
			b, _ := os.ReadFile(p)
			dst := filepath.Join(dir, filepath.Base(p))
			os.WriteFile(dst, b, 0o644)
			out = append(out, dst)
		}
		return out
	}
	segs := copySegs()
	// One flipped byte in the middle of E02's chunk data.
	f, _ := os.OpenFile(segs[1], os.O_RDWR, 0)
	fi, _ := f.Stat()
	b := make([]byte, 1)
	f.ReadAt(b, fi.Size()/2)
	b[0] ^= 0x01
	f.WriteAt(b, fi.Size()/2)
	f.Close()
	code, out, stderr := runCLI(t, "image", "verify", "--json", segs[0])
	var v struct {
		Errors []struct {
			Sectors [2]int64
			Reason  string
		}
	}
	json.Unmarshal(out, &v)
	if code != exitFailed || len(v.Errors) != 1 || v.Errors[0].Sectors[1]-v.Errors[0].Sectors[0] != 63 ||
		!strings.Contains(stderr, "sectors") {
		t.Errorf("flipped byte: exit %d, %s, %q", code, out, stderr)
	}
	segs = copySegs()
	os.Truncate(segs[1], fi.Size()-1000)
	code, _, stderr = runCLI(t, "image", "verify", "--json", segs[0])
	if code != exitFailed || !strings.Contains(stderr, "gpt.E02") || strings.Count(stderr, "\n") != 1 {
		t.Errorf("truncated E02: exit %d, %q", code, stderr)
	}
	os.Remove(segs[1])
	code, _, stderr = runCLI(t, "image", "verify", "--json", segs[0])
	if code != exitFailed || !strings.Contains(stderr, "gpt.E02") {
		t.Errorf("missing E02: exit %d, %q", code, stderr)
	}
	notImage := filepath.Join(dir, "photo.txt")
	os.WriteFile(notImage, []byte("not evidence"), 0o644)
	for _, sub := range []string{"info", "verify", "cat"} {
		code, out, stderr := runCLI(t, "image", sub, notImage)
		if code != exitUsage || len(out) != 0 || !strings.Contains(stderr, "photo.txt") || strings.Count(stderr, "\n") != 1 {
			t.Errorf("image %s on a non-image: exit %d, %q", sub, code, stderr)
		}
	}
	if code, _, _ := runCLI(t, "image", "frobnicate", notImage); code != exitUsage {
		t.Errorf("unknown subcommand: exit %d", code)
	}
	if code, _, _ := runCLI(t, "image", "info", "--nope", notImage); code != exitUsage {
		t.Errorf("unknown flag: exit %d", code)
	}
}

// TestImageVerifyMatchesEwfverify runs the peer on the same container when
// libewf's tools are installed.
func TestImageVerifyMatchesEwfverify(t *testing.T) {
	if _, err := exec.LookPath("ewfverify"); err != nil {
		t.Skip("ewfverify not installed")
	}
	segs := evidencetest.E01(t, "mbr")
	out, err := exec.Command("ewfverify", "-q", "-d", "sha1", segs[0]).CombinedOutput()
	if err != nil {
		t.Fatalf("ewfverify: %v\n%s", err, out)
	}
	code, ours, _ := runCLI(t, "image", "verify", "--json", segs[0])
	var v struct{ MD5, SHA1 string }
	json.Unmarshal(ours, &v)
	if code != exitOK || !strings.Contains(string(out), v.MD5) || !strings.Contains(string(out), v.SHA1) {
		t.Errorf("ewfverify said:\n%s\nwe said %s", out, ours)
	}
}
