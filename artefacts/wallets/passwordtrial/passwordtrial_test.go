package passwordtrial

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/loupe-forensics/loupe/forensic/record"
	"github.com/loupe-forensics/loupe/forensic/scan"
	"github.com/loupe-forensics/loupe/imaging"
)

// The trials run on real records: loupe-cli built from this tree (once per
// test binary) examines each test's private copy of the wallet fixtures
// (made by electrum, the Bitcoin Core layout generator, the MetaMask LevelDB
// writer, go-ethereum's vector). Each test examines its own copy because a
// folder source's provenance names inodes, which a copy changes.
var built struct {
	once     sync.Once
	dir, cli string
	err      error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if built.dir != "" {
		os.RemoveAll(built.dir)
	}
	os.Exit(code)
}

const fixtures = "../../../testdata/artefacts/wallets"

// setup returns a freshly examined record, its key folder and its evidence folder.
func setup(t *testing.T) (rec, keys, ev string) {
	t.Helper()
	built.once.Do(func() {
		built.dir, built.err = os.MkdirTemp("", "loupe-passwordtrial-")
		if built.err != nil {
			return
		}
		built.cli = filepath.Join(built.dir, "loupe-cli")
		if out, err := exec.Command("go", "build", "-o", built.cli, "github.com/loupe-forensics/loupe/cmd/loupe-cli").CombinedOutput(); err != nil {
			built.err = fmt.Errorf("go build loupe-cli: %v: %s", err, out)
		}
	})
	if built.err != nil {
		t.Fatal(built.err)
	}
	dir := t.TempDir()
	rec, keys, ev = filepath.Join(dir, "case.loupe"), filepath.Join(dir, "keys"), filepath.Join(dir, "ev")
	if err := copyTree(fixtures, ev); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(built.cli, "examine", "--record", rec, "--case", "OP-PW/1", "--exhibit", "ABC/1",
		"--examiner", "tester", "--key-dir", keys, ev).CombinedOutput()
	if err != nil {
		t.Fatalf("examine: %v: %s", err, out)
	}
	return rec, keys, ev
}

func copyTree(from, to string) error {
	return filepath.Walk(from, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		if fi.IsDir() {
			return os.MkdirAll(filepath.Join(to, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(to, rel), b, fi.Mode().Perm()|0o600)
	})
}

// folderOpeners: the evidence is a folder source, which needs no image or
// disk opener; these refuse loudly should the scan ever call them.
func folderOpeners() scan.Openers {
	return scan.Openers{
		Image: func(context.Context, ...string) (imaging.Image, error) {
			return nil, errors.New("no images in this test")
		},
		Disk: func(context.Context, imaging.Image) (*scan.Disk, error) {
			return nil, errors.New("no disks in this test")
		},
	}
}

// artefactFor finds the artefact of kind whose provenance ends in the file
// at suffix.
func artefactFor(t *testing.T, rec *record.Record, kind, suffix string) int64 {
	t.Helper()
	for a, err := range rec.Artefacts(context.Background(), kind) {
		if err != nil {
			t.Fatal(err)
		}
		if a.Kind == kind && strings.HasSuffix(FileStep(a.Source).Path(), suffix) {
			return a.ID
		}
	}
	t.Fatalf("no %s artefact for %s in the record", kind, suffix)
	return 0
}

// auditCounts counts the wallet.password-* entries from seq on, failing on
// any that holds one of the candidates' text.
func auditCounts(t *testing.T, rec *record.Record, from int64, cands []string) map[string]int {
	t.Helper()
	n := map[string]int{}
	for en, err := range rec.Entries(context.Background(), from) {
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(en.Action, "wallet.password") {
			continue
		}
		n[en.Action]++
		for _, c := range cands {
			if c != "" && bytes.Contains(en.Params, []byte(c)) {
				t.Fatalf("audit entry %d holds the candidate %q: %s", en.Seq, c, en.Params)
			}
		}
	}
	return n
}

// recordBytes is everything on disk that belongs to the record.
func recordBytes(t *testing.T, path string) []byte {
	t.Helper()
	var all []byte
	files, _ := filepath.Glob(path + "*")
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, b...)
	}
	if len(all) == 0 {
		t.Fatalf("no record bytes at %s", path)
	}
	return all
}

func manifestPasswords(t *testing.T) (btc, metamask, electrum string) {
	t.Helper()
	read := func(p string, v any) {
		b, err := os.ReadFile(filepath.Join(fixtures, p))
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
	}
	var bc map[string]struct {
		Password string `json:"password"`
	}
	read("bitcoin-core/manifest.json", &bc)
	var mm struct {
		Password string `json:"password"`
	}
	read("metamask/manifest.json", &mm)
	var top struct {
		Electrum []struct {
			File          string `json:"file"`
			Password      string `json:"password"`
			FileEncrypted bool   `json:"file_encrypted"`
		} `json:"electrum"`
	}
	read("manifest.json", &top)
	for _, w := range top.Electrum {
		if w.FileEncrypted {
			electrum = w.Password
		}
	}
	btc, metamask = bc["encrypted"].Password, mm.Password
	if btc == "" || metamask == "" || electrum == "" {
		t.Fatalf("manifests lack passwords: %q %q %q", btc, metamask, electrum)
	}
	return btc, metamask, electrum
}

// TestTrial: each supported lock on the real fixtures opens with the
// manifest's password on the right line, does not open with wrong ones,
// logs one attempt per candidate tried, and never writes a candidate.
func TestTrial(t *testing.T) {
	btc, metamask, electrum := manifestPasswords(t)
	cases := []struct {
		name, kind, file string
		list             string
		tryEmpty         bool
		lock             string
		attempts         int
		openedLine       int // -1: not opened
	}{
		{"bitcoin-core mkey", "wallet.bitcoin-core", "/bitcoin-core/encrypted/wallet.dat", "letmein\r\n" + btc + "\r\n\r\nhunter2\n", false, "bitcoin-core-mkey", 2, 2},
		{"bitcoin-core via its mkey artefact", "wallet.masterkey", "/bitcoin-core/encrypted/wallet.dat", "hunter2\n\n" + btc + "\n", false, "bitcoin-core-mkey", 2, 3},
		{"bitcoin-core wrong only", "wallet.bitcoin-core", "/bitcoin-core/encrypted/wallet.dat", "letmein\nhunter2\ntrustno1\n", false, "bitcoin-core-mkey", 3, -1},
		{"electrum whole file", "wallet.electrum", "/electrum/file_encrypted", "letmein\n" + electrum + "\n", false, "electrum-file", 2, 2},
		{"electrum keystore", "wallet.keystore", "/electrum/keystore_encrypted", electrum + "\n", false, "electrum-keystore", 1, 1},
		{"electrum keystore wrong", "wallet.electrum", "/electrum/keystore_encrypted", "correct horse\nbattery staple\n", false, "electrum-keystore", 2, -1},
		{"ethereum keystore, empty password", "wallet.keystore", "UTC--2017-03-08T10-55-25.436540812Z--45dea0fb0bba44f4fcf290bba71fd57d7117cbb8", "letmein\n", true, "ethereum-keystore", 1, 0},
		{"metamask vault", "wallet.metamask", "nkbihfbeogaeaoehlefnkodbefgpgknn/CURRENT", "letmein\n" + metamask + "\n", false, "metamask-vault", 2, 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			path, keys, ev := setup(t)
			var words []string
			for _, l := range strings.Split(strings.ReplaceAll(tc.list, "\r", ""), "\n") {
				if l != "" {
					words = append(words, l)
				}
			}
			before := recordBytes(t, path)
			for _, w := range words {
				if bytes.Contains(before, []byte(w)) {
					t.Fatalf("the examined record already holds %q: pick another candidate", w)
				}
			}
			rec, err := record.Open(ctx, path, record.Examiner{Name: "tester"}, record.Options{KeyDir: keys})
			if err != nil {
				t.Fatal(err)
			}
			id := artefactFor(t, rec, tc.kind, tc.file)
			head, _, err := rec.Head(ctx)
			if err != nil {
				t.Fatal(err)
			}
			list, err := Read(strings.NewReader(tc.list), "list", MaxPasswordFile, tc.tryEmpty)
			if err != nil {
				t.Fatal(err)
			}
			var progress []string
			res, err := Trial{Record: rec, Artefact: id, List: list, Sources: []scan.SourceSpec{{Folder: ev}}, Open: folderOpeners(),
				Progress: func(d, n int) { progress = append(progress, fmt.Sprintf("%d/%d", d, n)) }}.Run(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Locks) != 1 || res.Locks[0].Format != tc.lock || res.Attempts != tc.attempts || res.Candidates != len(list.Candidates) {
				t.Fatalf("result %+v", res)
			}
			want := []string{}
			for i := 1; i <= tc.attempts; i++ {
				want = append(want, fmt.Sprintf("%d/%d", i, len(list.Candidates)))
			}
			if strings.Join(progress, " ") != strings.Join(want, " ") {
				t.Fatalf("progress %v, want %v", progress, want)
			}
			found := 0
			if tc.openedLine >= 0 {
				found = 1
				c := list.Candidates[len(list.Candidates)-1]
				for _, cc := range list.Candidates {
					if cc.Line == tc.openedLine {
						c = cc
					}
				}
				if len(res.Opened) != 1 || res.Opened[0].CandidateLine != tc.openedLine || res.Opened[0].CandidateHMAC != CandidateHMAC(rec.ID(), c.Password) ||
					res.Opened[0].Format != tc.lock {
					t.Fatalf("opened %+v", res.Opened)
				}
			} else if len(res.Opened) != 0 {
				t.Fatalf("a wrong password opened the wallet: %+v", res.Opened)
			}
			n := auditCounts(t, rec, head+1, words)
			if n["wallet.password-session"] != 1 || n["wallet.password-attempt"] != tc.attempts || n["wallet.password-found"] != found || len(n) != 1+1+found {
				t.Fatalf("audit entries %v", n)
			}
			if err := rec.Close(); err != nil {
				t.Fatal(err)
			}
			after := recordBytes(t, path)
			if len(after) <= len(before) {
				t.Fatal("the record did not grow")
			}
			for _, w := range words {
				if bytes.Contains(after, []byte(w)) {
					t.Fatalf("the record's bytes hold the candidate %q", w)
				}
			}
			ro, err := record.OpenReadOnly(ctx, path, record.Options{KeyDir: keys})
			if err != nil {
				t.Fatal(err)
			}
			defer ro.Close()
			if v, err := ro.Verify(ctx); err != nil || !v.OK {
				t.Fatalf("verify after the trial: %+v %v", v, err)
			}
		})
	}
}

// TestReadCaps: lists over their cap are refused before anything is tried;
// lines are numbered as in the file, blank lines skipped.
func TestReadCaps(t *testing.T) {
	lines := func(n int) string { return strings.Repeat("pw\n", n) }
	cases := []struct {
		name     string
		text     string
		limit    int
		tryEmpty bool
		want     int    // candidates; 0 when refused
		err      string // part of the refusal
	}{
		{"password file at its cap", lines(MaxPasswordFile), MaxPasswordFile, false, 100, ""},
		{"password file over its cap", lines(MaxPasswordFile + 1), MaxPasswordFile, false, 0, "more than 100 candidates; this command tries passwords found in the investigation, it does not brute-force"},
		{"empty password counts against the cap", lines(MaxPasswordFile), MaxPasswordFile, true, 0, "more than 100"},
		{"blank lines are free", strings.Repeat("pw\n\r\n\n", MaxPasswordFile), MaxPasswordFile, false, 100, ""},
		{"wordlist default", lines(DefaultWordlist), DefaultWordlist, false, 1000, ""},
		{"wordlist over the default", lines(DefaultWordlist + 1), DefaultWordlist, false, 0, "more than 1000"},
		{"wordlist at the maximum", lines(MaxWordlist), MaxWordlist, false, 100000, ""},
		{"wordlist over the maximum", lines(MaxWordlist + 1), MaxWordlist, false, 0, "more than 100000"},
		{"a cap over the maximum", lines(1), MaxWordlist + 1, false, 0, "cap is 1 to 100000"},
		{"a zero cap", lines(1), 0, false, 0, "cap is 1 to 100000"},
		{"nothing to try", "\n\r\n", 10, false, 0, "holds no candidates"},
		{"a line over 4 KiB", strings.Repeat("x", 5000) + "\n", 10, false, 0, "a line over 4096 bytes"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l, err := Read(strings.NewReader(tc.text), "list.txt", tc.limit, tc.tryEmpty)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) || len(l.Candidates) != 0 {
					t.Fatalf("got %d candidates, %v; want a refusal with %q", len(l.Candidates), err, tc.err)
				}
				return
			}
			if err != nil || len(l.Candidates) != tc.want {
				t.Fatalf("got %d candidates, %v; want %d", len(l.Candidates), err, tc.want)
			}
		})
	}
	l, err := Read(strings.NewReader("a\r\n\r\nb c\n\nd"), "list.txt", 10, true)
	if err != nil {
		t.Fatal(err)
	}
	want := []Candidate{{"", 0}, {"a", 1}, {"b c", 3}, {"d", 5}}
	if fmt.Sprint(l.Candidates) != fmt.Sprint(want) || l.SHA256 != "c9dab0f9cb946787adf0605558d06d2a77fa96d9ecd605c433999978b4e0c593" {
		t.Fatalf("candidates %v, sha %s", l.Candidates, l.SHA256)
	}
}

// TestTrialRefusals: a wallet with nothing encrypted, a changed evidence
// file and a cancelled trial; each leaves exactly the attempts it made.
func TestTrialRefusals(t *testing.T) {
	ctx := context.Background()
	list, err := Read(strings.NewReader("letmein\nhunter2\ntrustno1\n"), "list", MaxPasswordFile, false)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name     string
		kind     string
		file     string
		prepare  func(t *testing.T, ev string)
		cancelAt int // cancel the trial after this many attempts (0: never)
		err      error
		attempts int
	}{
		{"plain wallet", "wallet.bitcoin-core", "/bitcoin-core/legacy/wallet.dat", nil, 0, ErrNothingEncrypted, 0},
		{"evidence changed", "wallet.electrum", "/electrum/keystore_encrypted", func(t *testing.T, ev string) {
			p := filepath.Join(ev, "electrum", "keystore_encrypted")
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			// Rewrite in place (same inode) with one byte changed.
			b[len(b)-1] ^= 1
			f, err := os.OpenFile(p, os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.WriteAt(b, 0); err != nil {
				t.Fatal(err)
			}
			f.Close()
		}, 0, ErrEvidenceChanged, 0},
		{"cancelled", "wallet.bitcoin-core", "/bitcoin-core/encrypted/wallet.dat", nil, 1, context.Canceled, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path, keys, ev := setup(t)
			if tc.prepare != nil {
				tc.prepare(t, ev)
			}
			rec, err := record.Open(ctx, path, record.Examiner{Name: "tester"}, record.Options{KeyDir: keys})
			if err != nil {
				t.Fatal(err)
			}
			defer rec.Close()
			id := artefactFor(t, rec, tc.kind, tc.file)
			head, _, err := rec.Head(ctx)
			if err != nil {
				t.Fatal(err)
			}
			cctx, cancel := context.WithCancel(ctx)
			defer cancel()
			tr := Trial{Record: rec, Artefact: id, List: list, Sources: []scan.SourceSpec{{Folder: ev}}, Open: folderOpeners()}
			if tc.cancelAt > 0 {
				tr.Progress = func(d, _ int) {
					if d == tc.cancelAt {
						cancel()
					}
				}
			}
			res, err := tr.Run(cctx)
			if !errors.Is(err, tc.err) {
				t.Fatalf("err %v, want %v", err, tc.err)
			}
			if res == nil || res.Attempts != tc.attempts || len(res.Opened) != 0 {
				t.Fatalf("result %+v", res)
			}
			n := auditCounts(t, rec, head+1, []string{"letmein", "hunter2", "trustno1"})
			sessions := 0
			if tc.attempts > 0 {
				sessions = 1
			}
			if n["wallet.password-session"] != sessions || n["wallet.password-attempt"] != tc.attempts || n["wallet.password-found"] != 0 {
				t.Fatalf("audit entries %v", n)
			}
		})
	}
	// An artefact that is not in the record.
	path, keys, ev := setup(t)
	rec, err := record.Open(ctx, path, record.Examiner{Name: "tester"}, record.Options{KeyDir: keys})
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Close()
	if _, err := (Trial{Record: rec, Artefact: 1 << 40, List: list, Sources: []scan.SourceSpec{{Folder: ev}}, Open: folderOpeners()}).Run(ctx); err == nil || !strings.Contains(err.Error(), "no artefact") {
		t.Fatalf("missing artefact: %v", err)
	}
}

// FuzzRead: any list text is read or refused, never more than the cap,
// every candidate non-empty (but the requested empty one) and under 4 KiB.
func FuzzRead(f *testing.F) {
	f.Add([]byte("a\r\nb\n\nc"), 3, true)
	f.Add([]byte(strings.Repeat("x", 4097)), 1, false)
	f.Add([]byte("\n\n\n"), 100, false)
	f.Fuzz(func(t *testing.T, data []byte, limit int, tryEmpty bool) {
		l, err := Read(bytes.NewReader(data), "fuzz", limit, tryEmpty)
		if err != nil {
			return
		}
		if len(l.Candidates) == 0 || len(l.Candidates) > limit || len(l.SHA256) != 64 {
			t.Fatalf("%d candidates with cap %d", len(l.Candidates), limit)
		}
		for i, c := range l.Candidates {
			if (c.Password == "") != (tryEmpty && i == 0) || len(c.Password) > maxLine {
				t.Fatalf("candidate %d: %+v", i, c)
			}
		}
	})
}
