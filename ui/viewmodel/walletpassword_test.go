package viewmodel

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/loupe-forensics/loupe/artefacts/wallets/passwordtrial"
	"github.com/loupe-forensics/loupe/forensic/disk"
	"github.com/loupe-forensics/loupe/forensic/record"
	"github.com/loupe-forensics/loupe/imaging"
)

// openEvidence opens the session's evidence as the app shell does.
func openEvidence(t *testing.T, s *Session) {
	t.Helper()
	img, err := imaging.Open(context.Background(), s.EvidencePaths...)
	if err != nil {
		t.Fatal(err)
	}
	d, err := disk.Open(context.Background(), img)
	if err != nil {
		img.Close()
		t.Fatal(err)
	}
	s.Disk = d
	t.Cleanup(func() { d.Close() })
}

func bitcoinCorePassword(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../../testdata/artefacts/wallets/bitcoin-core/manifest.json")
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]struct {
		Password string `json:"password"`
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if m["encrypted"].Password == "" {
		t.Fatal("the Bitcoin Core manifest gives no password")
	}
	return m["encrypted"].Password
}

// lockedWallet finds the demo disk's encrypted Bitcoin Core wallet summary.
func lockedWallet(t *testing.T, s *Session) record.StoredArtefact {
	t.Helper()
	for a, err := range s.Record.Artefacts(context.Background(), "wallet.bitcoin-core") {
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(passwordtrial.FileStep(a.Source).Path(), "/Bitcoin/wallets/market/wallet.dat") {
			return a
		}
	}
	t.Fatal("the demo record has no encrypted Bitcoin Core wallet")
	return record.StoredArtefact{}
}

// TestWalletLocked: of the demo disk's wallet artefacts, exactly those of
// the encrypted wallets the trial can test get the button.
func TestWalletLocked(t *testing.T) {
	s := demoSession(t, true)
	files := map[string]bool{}
	kinds := map[string]int{}
	for a, err := range s.Record.Artefacts(context.Background(), "wallet.") {
		if err != nil {
			t.Fatal(err)
		}
		if WalletLocked(a) {
			files[passwordtrial.FileStep(a.Source).Path()] = true
			kinds[a.Kind]++
		}
	}
	var got []string
	for f := range files {
		got = append(got, f)
	}
	slices.Sort(got)
	want := []string{
		"/Users/alice/AppData/Local/Bitcoin/wallets/market/wallet.dat",
		"/Users/alice/AppData/Local/Google/Chrome/User Data/Default/Local Extension Settings/nkbihfbeogaeaoehlefnkodbefgpgknn/CURRENT",
		"/Users/alice/AppData/Roaming/Electrum/wallets/cold_storage",
		"/Users/alice/AppData/Roaming/Electrum/wallets/market",
		"/Users/alice/AppData/Roaming/Ethereum/keystore/UTC--2017-03-08T10-55-25.436540812Z--45dea0fb0bba44f4fcf290bba71fd57d7117cbb8",
		"/home/bob/.electrum/wallets/paper_keys",
		"/home/bob/.ethereum/keystore/UTC--2017-03-08T10-55-25.436540812Z--45dea0fb0bba44f4fcf290bba71fd57d7117cbb8",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("locked wallet files:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// 11 keys: the summary's encrypted_keys; 4 keystores: two Electrum, two Ethereum copies.
	if fmt.Sprint(kinds) != "map[wallet.bitcoin-core:1 wallet.electrum:3 wallet.key:11 wallet.keystore:4 wallet.masterkey:1 wallet.metamask:1]" {
		t.Fatalf("locked artefacts by kind: %v", kinds)
	}
}

// TestWalletPasswordAllowed: the examiner with the evidence open may try;
// review mode and a session without its evidence may not, and say why.
func TestWalletPasswordAllowed(t *testing.T) {
	ro := demoSession(t, true)
	openEvidence(t, ro)
	if ok, why := WalletPasswordAllowed(ro); ok || !strings.Contains(why, "Review mode is read-only") {
		t.Fatalf("review mode: %v %q", ok, why)
	}
	s := demoSession(t, false)
	if ok, why := WalletPasswordAllowed(s); ok || !strings.Contains(why, "evidence is not open") {
		t.Fatalf("no evidence: %v %q", ok, why)
	}
	before := entryCount(t, s)
	list, err := PasswordListSpec{Kind: TypedPasswords, Typed: "letmein\n"}.Load()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := TryWalletPasswords(context.Background(), s, lockedWallet(t, s).ID, list, nil); err == nil || !strings.Contains(err.Error(), "evidence is not open") {
		t.Fatalf("tried without the evidence: %v", err)
	}
	if entryCount(t, s) != before {
		t.Fatal("a refused trial wrote to the record")
	}
	openEvidence(t, s)
	if ok, why := WalletPasswordAllowed(s); !ok {
		t.Fatalf("examiner with evidence: %q", why)
	}
}

// TestTryWalletPasswords: typed passwords open the demo disk's encrypted
// Bitcoin Core wallet on the right line, each attempt an audit entry with
// no candidate text; a wrong list ends "Not found".
func TestTryWalletPasswords(t *testing.T) {
	pw := bitcoinCorePassword(t)
	s := demoSession(t, false)
	openEvidence(t, s)
	a := lockedWallet(t, s)
	if !WalletLocked(a) {
		t.Fatal("the encrypted wallet is not offered")
	}
	cases := []struct {
		typed    string
		attempts int
		outcome  string
	}{
		{"letmein\n\n" + pw + "\nhunter2\n", 2, "Found: line 3 of the list opened the bitcoin-core-mkey lock"},
		{"letmein\nhunter2\n", 2, "Not found: none of the 2 candidates opened bitcoin-core-mkey; 2 attempts logged"},
	}
	for _, tc := range cases {
		from := entryCount(t, s) + 1
		list, err := PasswordListSpec{Kind: TypedPasswords, Typed: tc.typed}.Load()
		if err != nil {
			t.Fatal(err)
		}
		var progress []int
		res, err := TryWalletPasswords(context.Background(), s, a.ID, list, func(d, n int) {
			if n != len(list.Candidates) {
				t.Errorf("total %d, want %d", n, len(list.Candidates))
			}
			progress = append(progress, d)
		})
		out := WalletPasswordOutcome(res, err)
		if err != nil || res.Attempts != tc.attempts || len(progress) != tc.attempts || !strings.Contains(out, tc.outcome) {
			t.Fatalf("%q: %v %+v %v\n%s", tc.typed, err, res, progress, out)
		}
		counts := map[string]int{}
		for en, err := range s.Record.Entries(context.Background(), from) {
			if err != nil {
				t.Fatal(err)
			}
			counts[en.Action]++
			for _, c := range []string{pw, "letmein", "hunter2"} {
				if bytes.Contains(en.Params, []byte(c)) {
					t.Fatalf("entry %d holds %q", en.Seq, c)
				}
			}
		}
		found := 0
		if strings.HasPrefix(tc.outcome, "Found") {
			found = 1
		}
		if counts["wallet.password-session"] != 1 || counts["wallet.password-attempt"] != tc.attempts || counts["wallet.password-found"] != found {
			t.Fatalf("audit %v", counts)
		}
	}
}

// TestPasswordListSpec: each kind of list has its cap, refused before any
// attempt, and a wordlist's cap is bounded.
func TestPasswordListSpec(t *testing.T) {
	dir := t.TempDir()
	made := 0
	file := func(n int) string {
		made++
		p := filepath.Join(dir, fmt.Sprintf("list%d.txt", made))
		if err := os.WriteFile(p, []byte(strings.Repeat("pw\n", n)), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cases := []struct {
		spec PasswordListSpec
		cap  int
		n    int    // candidates read
		err  string // or the refusal
	}{
		{PasswordListSpec{Kind: PasswordFile, Path: file(100)}, 100, 100, ""},
		{PasswordListSpec{Kind: PasswordFile, Path: file(101)}, 100, 0, "does not brute-force"},
		{PasswordListSpec{Kind: Wordlist, Path: file(1000)}, 1000, 1000, ""},
		{PasswordListSpec{Kind: Wordlist, Path: file(1001)}, 1000, 0, "more than 1000"},
		{PasswordListSpec{Kind: Wordlist, Path: file(1001), Max: 2000}, 2000, 1001, ""},
		{PasswordListSpec{Kind: Wordlist, Path: file(3), Max: 100001}, 100001, 0, "cap is 1 to 100000"},
		{PasswordListSpec{Kind: TypedPasswords, Typed: strings.Repeat("pw\n", 100)}, 100, 100, ""},
		{PasswordListSpec{Kind: TypedPasswords, Typed: strings.Repeat("pw\n", 100), TryEmpty: true}, 100, 0, "more than 100"},
		{PasswordListSpec{Kind: TypedPasswords, Typed: "\n \n", TryEmpty: true}, 100, 2, ""},
		{PasswordListSpec{Kind: PasswordFile}, 100, 0, "choose a file first"},
	}
	for i, tc := range cases {
		if tc.spec.Cap() != tc.cap {
			t.Fatalf("%d: cap %d, want %d", i, tc.spec.Cap(), tc.cap)
		}
		l, err := tc.spec.Load()
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Fatalf("%d: %v, want %q", i, err, tc.err)
			}
			continue
		}
		if err != nil || len(l.Candidates) != tc.n {
			t.Fatalf("%d: %d candidates, %v", i, len(l.Candidates), err)
		}
	}
	if !strings.HasPrefix(WalletPasswordOutcome(&passwordtrial.Result{Attempts: 1, Seqs: map[string]int64{"last_attempt": 9}}, context.Canceled), "Cancelled: 1 attempt logged (audit entries up to #9).") {
		t.Fatal(WalletPasswordOutcome(nil, context.Canceled))
	}
}
