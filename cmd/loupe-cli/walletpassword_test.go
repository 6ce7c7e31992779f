package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/loupe-forensics/loupe/forensic/record"
)

// copyTree copies a fixture folder so the folder source is private to the test.
func copyTree(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.Walk(from, func(p string, fi os.FileInfo, err error) error {
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
		return os.WriteFile(filepath.Join(to, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestWalletPassword: an examined Bitcoin Core wallet is opened by the
// second line of a password file; every attempt is an audit entry carrying
// the line and an HMAC, never the candidate; the record still verifies.
func TestWalletPassword(t *testing.T) {
	var man map[string]struct {
		File     string `json:"file"`
		Password string `json:"password"`
	}
	b, err := os.ReadFile("../../testdata/artefacts/wallets/bitcoin-core/manifest.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &man); err != nil {
		t.Fatal(err)
	}
	pw := man["encrypted"].Password
	if pw == "" {
		t.Fatal("manifest has no password for the encrypted wallet")
	}
	dir := t.TempDir()
	ev := filepath.Join(dir, "evidence")
	copyTree(t, "../../testdata/artefacts/wallets/bitcoin-core", ev)
	keys := filepath.Join(dir, "keys")
	rec := filepath.Join(dir, "case.loupe")
	if code, _, errs := runExamineCLI(t, examineArgs(rec, keys, ev)...); code != exitOK {
		t.Fatalf("examine: %d %s", code, errs)
	}
	// The encrypted wallet's summary artefact.
	r, err := record.OpenReadOnly(context.Background(), rec, record.Options{KeyDir: keys})
	if err != nil {
		t.Fatal(err)
	}
	var id, plainID int64
	for a, err := range r.Artefacts(context.Background(), "wallet.bitcoin-core") {
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(a.Ref, "/encrypted/wallet.dat") {
			id = a.ID
		}
		if strings.Contains(a.Ref, "/legacy/wallet.dat") {
			plainID = a.ID
		}
	}
	r.Close()
	if id == 0 || plainID == 0 {
		t.Fatal("the Bitcoin Core wallets are not in the record")
	}
	list := filepath.Join(dir, "found-passwords.txt")
	if err := os.WriteFile(list, []byte("letmein\r\n"+pw+"\r\n\r\nhunter2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{"wallet-password", rec, "--artefact", itoa(id), "--image", ev, "--password-file", list, "--examiner", "tester", "--key-dir", keys}
	code, out, errs := runExamineCLI(t, args...)
	if code != exitOK {
		t.Fatalf("wallet-password: %d %s", code, errs)
	}
	var res walletPasswordResult
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	if res.Candidates != 3 || len(res.Locks) != 1 || res.Locks[0].Format != "bitcoin-core-mkey" || res.Attempts != 2 ||
		len(res.Opened) != 1 || res.Opened[0].CandidateLine != 2 {
		t.Fatalf("result %+v", res)
	}
	if strings.Contains(out, pw) {
		t.Fatal("the password is in the output")
	}
	// The audit: one session, two attempts, one success; no candidate text.
	r, err = record.OpenReadOnly(context.Background(), rec, record.Options{KeyDir: keys})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	count := map[string]int{}
	for en, err := range r.Entries(context.Background(), 1) {
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(en.Action, "wallet.password") {
			count[en.Action]++
			p, _ := json.Marshal(en.Params)
			for _, c := range []string{pw, "letmein", "hunter2"} {
				if strings.Contains(string(p), c) {
					t.Fatalf("audit entry %d holds a candidate: %s", en.Seq, p)
				}
			}
			if en.Action == "wallet.password-found" && !strings.Contains(string(p), candidateHMAC(r.ID(), pw)) {
				t.Fatalf("success entry lacks the candidate's HMAC: %s", p)
			}
		}
	}
	if count["wallet.password-session"] != 1 || count["wallet.password-attempt"] != 2 || count["wallet.password-found"] != 1 {
		t.Fatalf("audit entries %v", count)
	}
	if code, _, errs := runExamineCLI(t, "verify", rec, "--key-dir", keys); code != exitOK {
		t.Fatalf("verify after the attempts: %d %s", code, errs)
	}

	// An unencrypted wallet: nothing to try (usage error), nothing logged as an attempt.
	args[3] = itoa(plainID)
	if code, _, errs := runExamineCLI(t, args...); code != exitUsage || !strings.Contains(errs, "nothing encrypted") {
		t.Fatalf("plain wallet: %d %s", code, errs)
	}
	// A wordlist over the cap is refused before anything is tried.
	big := filepath.Join(dir, "big.txt")
	if err := os.WriteFile(big, []byte(strings.Repeat("x\n", 11)), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, errs = runExamineCLI(t, "wallet-password", rec, "--artefact", itoa(id), "--image", ev, "--wordlist", big, "--max", "10", "--examiner", "tester", "--key-dir", keys)
	if code != exitUsage || !strings.Contains(errs, "does not brute-force") {
		t.Fatalf("long wordlist: %d %s", code, errs)
	}
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }
