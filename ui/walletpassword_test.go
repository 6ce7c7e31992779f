package ui

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/loupe-forensics/loupe/artefacts/wallets/passwordtrial"
	"github.com/loupe-forensics/loupe/forensic/record"
	"github.com/loupe-forensics/loupe/ui/viewmodel"
)

// withEvidence opens the session's evidence as the shell does.
func withEvidence(t *testing.T, s *viewmodel.Session) {
	t.Helper()
	d, err := openDisk(context.Background(), s.EvidencePaths)
	if err != nil {
		t.Fatal(err)
	}
	s.Disk = d
	t.Cleanup(func() { d.Close() })
}

// marketWallet is the demo disk's encrypted Bitcoin Core wallet summary and
// the password its generator's manifest gives.
func marketWallet(t *testing.T, s *viewmodel.Session) (record.StoredArtefact, string) {
	t.Helper()
	b, err := os.ReadFile("../testdata/artefacts/wallets/bitcoin-core/manifest.json")
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]struct {
		Password string `json:"password"`
	}
	if err := json.Unmarshal(b, &m); err != nil || m["encrypted"].Password == "" {
		t.Fatalf("manifest: %v", err)
	}
	for a, err := range s.Record.Artefacts(context.Background(), "wallet.bitcoin-core") {
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(passwordtrial.FileStep(a.Source).Path(), "/Bitcoin/wallets/market/wallet.dat") {
			return a, m["encrypted"].Password
		}
	}
	t.Fatal("no encrypted Bitcoin Core wallet in the demo record")
	return record.StoredArtefact{}, ""
}

// onUI reads widget state on the UI goroutine.
func onUI[T any](f func() T) T {
	var v T
	fyne.DoAndWait(func() { v = f() })
	return v
}

func passwordAudit(t *testing.T, s *viewmodel.Session, from int64, cands ...string) map[string]int {
	t.Helper()
	n := map[string]int{}
	for en, err := range s.Record.Entries(context.Background(), from) {
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(en.Action, "wallet.password") {
			n[en.Action]++
		}
		for _, c := range cands {
			if bytes.Contains(en.Params, []byte(c)) {
				t.Fatalf("entry %d holds the candidate %q", en.Seq, c)
			}
		}
	}
	return n
}

// TestWalletPasswordButton: the detail pane offers "Try passwords…" for the
// encrypted wallet, enabled for the examiner with the evidence open,
// disabled with the reason in review mode or without the evidence, and not
// at all for an unencrypted wallet.
func TestWalletPasswordButton(t *testing.T) {
	test.NewTempApp(t)
	cases := []struct {
		name     string
		readOnly bool
		evidence bool
		enabled  bool
		why      string
	}{
		{"examiner with evidence", false, true, true, "The record says this wallet is encrypted"},
		{"examiner without evidence", false, false, false, "The evidence is not open in this session"},
		{"review mode", true, true, false, "Review mode is read-only"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := viewsSession(t, tc.readOnly)
			if tc.evidence {
				withEvidence(t, s)
			}
			a, _ := marketWallet(t, s)
			w := test.NewTempWindow(t, nil)
			d := NewDetailPane(s, w)
			w.SetContent(d.Content())
			d.Load(a.ID, a.Kind)
			if err := waitDone(t, d.Done, "the detail"); err != nil {
				t.Fatal(err)
			}
			row := d.WalletPassword
			visible, disabled, why := onUI(func() bool { return row.Content().Visible() }), onUI(row.Button.Disabled), onUI(func() string { return row.Why.Text })
			if !visible || disabled == tc.enabled || !strings.HasPrefix(why, tc.why) {
				t.Fatalf("visible %v disabled %v why %q", visible, disabled, why)
			}
			// An unencrypted Electrum wallet gets no button.
			var plain *record.StoredArtefact
			for b, err := range s.Record.Artefacts(context.Background(), "wallet.electrum") {
				if err != nil {
					t.Fatal(err)
				}
				if strings.HasSuffix(passwordtrial.FileStep(b.Source).Path(), "/Electrum/wallets/default_wallet") {
					plain = &b
					break
				}
			}
			if plain == nil {
				t.Fatal("no plain Electrum wallet in the demo record")
			}
			d.Load(plain.ID, plain.Kind)
			waitDone(t, d.Done, "the plain wallet")
			if onUI(func() bool { return row.Content().Visible() }) {
				t.Fatal("the button is offered for an unencrypted wallet")
			}
		})
	}
}

// TestWalletPasswordDialog drives the dialog on the examined demo disk:
// typed passwords find the manifest's password on line 3; a wordlist over
// its cap is refused before any attempt; a file of wrong passwords ends
// "Not found"; a long list is cancelled part-way. Each attempt is exactly
// one audit entry, and no candidate reaches the record.
func TestWalletPasswordDialog(t *testing.T) {
	test.NewTempApp(t)
	s := viewsSession(t, false)
	withEvidence(t, s)
	changed := 0
	s.Changed = func() { changed++ }
	a, pw := marketWallet(t, s)
	w := test.NewTempWindow(t, nil)
	w.Resize(fyne.NewSize(1000, 760))
	d := NewDetailPane(s, w)
	w.SetContent(d.Content())
	d.Load(a.ID, a.Kind)
	waitDone(t, d.Done, "the detail")
	test.Tap(d.WalletPassword.Button)
	dlg := d.WalletPassword.Dialog
	if dlg == nil {
		t.Fatal("no dialog opened")
	}
	if !strings.Contains(dlg.Caps.Text, "at most 100 candidates") || !strings.Contains(dlg.Caps.Text, "1,000") || !strings.Contains(dlg.Caps.Text, "100,000") {
		t.Fatalf("caps not shown: %q", dlg.Caps.Text)
	}
	dir := t.TempDir()
	wrong := filepath.Join(dir, "found-on-the-desk.txt")
	if err := os.WriteFile(wrong, []byte("letmein\r\nhunter2\r\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(dir, "wordlist.txt")
	if err := os.WriteFile(big, []byte(strings.Repeat("guess\n", 11)), 0o600); err != nil {
		t.Fatal(err)
	}
	var many strings.Builder
	for i := range 100 {
		fmt.Fprintf(&many, "wrong-%03d\n", i)
	}

	type step struct {
		name     string
		set      func()
		err      bool // the trial (or its list) failed
		result   string
		attempts int
		found    int
		cancel   bool
	}
	steps := []step{
		{name: "typed, found on line 3", set: func() {
			dlg.Source.SetSelected(viewmodel.PasswordListKinds[viewmodel.TypedPasswords])
			dlg.Typed.SetText("letmein\n\n" + pw + "\n")
		}, result: "Found: line 3 of the list opened the bitcoin-core-mkey lock", attempts: 2, found: 1},
		{name: "wordlist over its cap", set: func() {
			dlg.Source.SetSelected(viewmodel.PasswordListKinds[viewmodel.Wordlist])
			dlg.Path.SetText(big)
			dlg.Max.SetText("10")
		}, err: true, result: "Not started: " + big + " holds more than 10 candidates; this command tries passwords found in the investigation, it does not brute-force"},
		{name: "password file, not found", set: func() {
			dlg.Source.SetSelected(viewmodel.PasswordListKinds[viewmodel.PasswordFile])
			dlg.Path.SetText(wrong)
		}, result: "Not found: none of the 2 candidates opened bitcoin-core-mkey; 2 attempts logged", attempts: 2},
		{name: "cancelled", set: func() {
			dlg.Source.SetSelected(viewmodel.PasswordListKinds[viewmodel.TypedPasswords])
			dlg.Typed.SetText(many.String())
		}, err: true, result: "Cancelled: ", cancel: true},
	}
	for _, st := range steps {
		from := headSeq(t, s) + 1
		st.set()
		changedBefore := changed
		if st.cancel {
			// Cancel as the examiner would once "Attempt 3 of 100" shows.
			dlg.OnAttempt = func(done, _ int) {
				if done == 3 {
					if !strings.HasPrefix(dlg.Status.Text, "Attempt 3 of 100") {
						t.Errorf("progress shows %q", dlg.Status.Text)
					}
					test.Tap(dlg.Cancel)
				}
			}
		}
		test.Tap(dlg.Start)
		err := waitDone(t, dlg.Done, st.name)
		if (err != nil) != st.err {
			t.Fatalf("%s: %v", st.name, err)
		}
		result := onUI(func() string { return dlg.Result.Text })
		if !strings.HasPrefix(result, st.result) {
			t.Fatalf("%s: result %q", st.name, result)
		}
		n := passwordAudit(t, s, from, pw, "letmein", "hunter2", "guess", "wrong-0")
		if st.cancel {
			// Cancelled after attempt 3: those are logged, and said.
			st.attempts = n["wallet.password-attempt"]
			if st.attempts != 3 || dlg.Last == nil || dlg.Last.Attempts != st.attempts ||
				!strings.Contains(result, fmt.Sprintf("%d attempt", st.attempts)) {
				t.Fatalf("cancel: %d attempts logged, result %q", st.attempts, result)
			}
			if onUI(dlg.Start.Disabled) || !onUI(dlg.Cancel.Disabled) {
				t.Fatal("buttons not reset after the cancel")
			}
		}
		sessions := 0
		if st.attempts > 0 {
			sessions = 1
		}
		if n["wallet.password-session"] != sessions || n["wallet.password-attempt"] != st.attempts || n["wallet.password-found"] != st.found {
			t.Fatalf("%s: audit %v", st.name, n)
		}
		if st.attempts > 0 && changed != changedBefore+1 {
			t.Fatalf("%s: Changed not called", st.name)
		}
		if st.found == 1 && (dlg.Last == nil || dlg.Last.Opened[0].CandidateHMAC != passwordtrial.CandidateHMAC(s.Record.ID(), pw)) {
			t.Fatalf("%s: result %+v", st.name, dlg.Last)
		}
	}
	// The record still verifies, and its bytes hold none of the candidates.
	if v, err := s.Record.Verify(context.Background()); err != nil || !v.OK {
		t.Fatalf("verify: %+v %v", v, err)
	}
	s.Record.Close()
	files, _ := filepath.Glob(s.RecordPath + "*")
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []string{pw, "letmein", "hunter2", "wrong-0"} {
			if bytes.Contains(b, []byte(c)) {
				t.Fatalf("%s holds the candidate %q", f, c)
			}
		}
	}
}

// TestScreenshotWalletPassword saves the artefact navigator with the
// encrypted wallet selected and the dialog after a successful trial to
// $LOUPE_SCREENSHOTS (docs/screenshot-walletpassword.sh runs it under Xvfb).
func TestScreenshotWalletPassword(t *testing.T) {
	dir := os.Getenv("LOUPE_SCREENSHOTS")
	if dir == "" {
		t.Skip("set LOUPE_SCREENSHOTS=DIR to save screenshots")
	}
	test.NewTempApp(t)
	s := viewsSession(t, false)
	withEvidence(t, s)
	a, pw := marketWallet(t, s)
	w := test.NewTempWindow(t, nil)
	w.Resize(fyne.NewSize(1400, 820))
	av := NewArtefactsView(s, w)
	w.SetContent(av.Content())
	av.load()
	for i, c := range av.counts {
		if c.Name == "Wallets" {
			av.Families.Select(i)
		}
	}
	row := -1
	for i, r := range av.Rows() {
		if r.ID == a.ID {
			row = i
		}
	}
	if row < 0 {
		t.Fatalf("wallet %d not in the %s table", a.ID, av.Family())
	}
	av.Table.Select(widget.TableCellID{Row: row, Col: 1})
	waitDone(t, av.Detail.Done, "the wallet detail")
	shoot := func(name string) {
		img := w.Canvas().Capture()
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if err := png.Encode(f, img); err != nil {
			t.Fatal(err)
		}
	}
	test.Tap(av.Detail.WalletPassword.Button)
	dlg := av.Detail.WalletPassword.Dialog
	dlg.Source.SetSelected(viewmodel.PasswordListKinds[viewmodel.TypedPasswords])
	dlg.Typed.SetText("letmein\nhunter2\n" + pw + "\n")
	test.Tap(dlg.Start)
	waitDone(t, dlg.Done, "the trial")
	shoot("wallet-password.png")
}
