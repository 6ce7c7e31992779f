package wallets

import (
	"bytes"
	"context"
	"os"
	"path"
	"testing"

	"github.com/loupe-forensics/loupe/artefacts"
	"github.com/loupe-forensics/loupe/forensic/finding"
)

func fsInput(t *testing.T, rel string) *artefacts.Input {
	t.Helper()
	in, _ := fixtureInput(t, rel)
	in.FS = os.DirFS(fixtures)
	in.WorkDir = t.TempDir()
	return in
}

func TestExodusFixtures(t *testing.T) {
	var m struct {
		Wallets []struct {
			Folder      string `json:"folder"`
			PasswordSet bool   `json:"password_set"`
			Seco        map[string]struct {
				N, R, P     int64
				Cipher      string
				BlobBytes   int64  `json:"blob_bytes"`
				AppNameJ    string `json:"app_name"`
				AppVersionJ string `json:"app_version"`
			} `json:"seco"`
		} `json:"wallets"`
	}
	loadJSON(t, "exodus/manifest.json", &m)
	if len(m.Wallets) != 2 {
		t.Fatalf("%d wallets in the manifest", len(m.Wallets))
	}
	for _, w := range m.Wallets {
		for name, s := range w.Seco {
			in := fsInput(t, path.Join(w.Folder, name))
			p := NewExodus()
			if !p.Match(in) {
				t.Fatalf("%s/%s: no match", w.Folder, name)
			}
			c, err := run(t, p, in)
			if err != nil || len(c.Warnings) != 0 {
				t.Fatalf("%s/%s: %v %+v", w.Folder, name, err, c.Warnings)
			}
			a := c.Kind(KindExodus)
			if len(a) != 1 {
				t.Fatalf("%d artefacts", len(a))
			}
			if ok, _ := attrBool(a[0], "checksum_valid"); !ok || attrInt(a[0], "kdf_n") != s.N || attrInt(a[0], "kdf_r") != s.R ||
				attrInt(a[0], "kdf_p") != s.P || attrStr(a[0], "cipher") != s.Cipher || attrStr(a[0], "app_name") != s.AppNameJ ||
				attrStr(a[0], "app_version") != s.AppVersionJ || attrInt(a[0], "blob_bytes") != s.BlobBytes {
				t.Errorf("%s/%s: %+v, want %+v", w.Folder, name, a[0].Attrs, s)
			}
			pw, has := attrBool(a[0], "password_set")
			if (name == "seed.seco") != has || (has && pw != w.PasswordSet) {
				t.Errorf("%s/%s: password_set %v (present %v), want %v", w.Folder, name, pw, has, w.PasswordSet)
			}
		}
	}
	// A flipped blob byte breaks the checksum: reported, not fatal.
	in, b := fixtureInput(t, "exodus/locked/exodus.wallet/seed.seco")
	b = bytes.Clone(b)
	b[len(b)-1] ^= 1
	in = input(in.Path, b)
	c, err := run(t, NewExodus(), in)
	if err != nil || len(c.Warnings) != 1 || len(c.Kind(KindExodus)) != 1 {
		t.Fatalf("damaged: %v %+v", err, c.Warnings)
	}
	// Truncated to the header: no artefact, no panic.
	c, _ = run(t, NewExodus(), input(in.Path, b[:300]))
	if len(c.Artefacts) != 0 {
		t.Fatalf("truncated: %+v", c.Artefacts)
	}
}

func TestMoneroFixture(t *testing.T) {
	var m struct {
		Wallets []struct {
			Keys, Address, Network string
			Bytes                  int64 `json:"keys_data_bytes"`
		} `json:"wallets"`
	}
	loadJSON(t, "monero/manifest.json", &m)
	w := m.Wallets[0]
	in := fsInput(t, w.Keys)
	p := NewMonero()
	if !p.Match(in) {
		t.Fatal("no match")
	}
	c, err := run(t, p, in)
	if err != nil || len(c.Warnings) != 0 {
		t.Fatalf("%v %+v", err, c.Warnings)
	}
	k := c.Kind(KindMonero)
	if len(k) != 1 || attrInt(k[0], "account_data_bytes") != w.Bytes {
		t.Fatalf("%+v", k)
	}
	a := c.Kind(KindAddress)
	if len(a) != 1 || attrStr(a[0], "address") != w.Address || attrStr(a[0], "network") != w.Network {
		t.Fatalf("addresses %+v", a)
	}
	if ok, _ := attrBool(a[0], "validated"); !ok {
		t.Fatal("not validated")
	}
	// The cache and the address file are not .keys files.
	for _, rel := range []string{"monero/wallets/market/market", "monero/wallets/market/market.address.txt"} {
		in, _ := fixtureInput(t, rel)
		if p.Match(in) {
			t.Errorf("%s matched", rel)
		}
	}
}

func TestWasabiFixtures(t *testing.T) {
	var m struct {
		Wallets []struct {
			File, XPub, Network string
			Encrypted           bool   `json:"encrypted_secret"`
			WatchOnly           bool   `json:"watch_only"`
			Fingerprint         string `json:"master_fingerprint"`
		} `json:"wallets"`
	}
	loadJSON(t, "wasabi/manifest.json", &m)
	if len(m.Wallets) != 2 {
		t.Fatal("manifest")
	}
	for _, w := range m.Wallets {
		in := fsInput(t, w.File)
		p := NewWasabi()
		if !p.Match(in) {
			t.Fatalf("%s: no match", w.File)
		}
		c, err := run(t, p, in)
		if err != nil || len(c.Warnings) != 0 {
			t.Fatalf("%s: %v %+v", w.File, err, c.Warnings)
		}
		s := c.Kind(KindWasabi)
		enc, _ := attrBool(s[0], "encrypted")
		wo, _ := attrBool(s[0], "watch_only")
		if len(s) != 1 || enc != w.Encrypted || wo != w.WatchOnly || attrStr(s[0], "master_fingerprint") != w.Fingerprint || attrStr(s[0], "network") != w.Network {
			t.Errorf("%s: %+v", w.File, s)
		}
		if w.Encrypted && attrStr(s[0], "encrypted_secret") != "bip38" {
			t.Errorf("%s: secret %q", w.File, attrStr(s[0], "encrypted_secret"))
		}
		x := c.Kind(KindXPub)
		if len(x) != 1 || attrStr(x[0], "xpub") != w.XPub {
			t.Errorf("%s: xpubs %+v", w.File, x)
		}
	}
}

func TestLedgerLiveFixtures(t *testing.T) {
	var m struct {
		Wallets []struct {
			File      string
			Encrypted bool
			Accounts  []struct {
				Currency     string
				FreshAddress string `json:"fresh_address"`
				XPub         string
			}
		} `json:"wallets"`
	}
	loadJSON(t, "ledger-live/manifest.json", &m)
	for _, w := range m.Wallets {
		in := fsInput(t, w.File)
		p := NewLedgerLive()
		if !p.Match(in) {
			t.Fatalf("%s: no match", w.File)
		}
		c, err := run(t, p, in)
		if err != nil || len(c.Warnings) != 0 {
			t.Fatalf("%s: %v %+v", w.File, err, c.Warnings)
		}
		s := c.Kind(KindLedgerLive)
		if enc, _ := attrBool(s[0], "encrypted"); len(s) != 1 || enc != w.Encrypted {
			t.Fatalf("%s: %+v", w.File, s)
		}
		var gotA, wantA, gotX, wantX []string
		for _, a := range c.Kind(KindAddress) {
			if ok, _ := attrBool(a, "validated"); !ok {
				t.Errorf("%s not validated", attrStr(a, "address"))
			}
			gotA = append(gotA, attrStr(a, "currency")+" "+attrStr(a, "address"))
		}
		for _, x := range c.Kind(KindXPub) {
			gotX = append(gotX, attrStr(x, "xpub"))
		}
		for _, a := range w.Accounts {
			wantA = append(wantA, a.Currency+" "+a.FreshAddress)
			if a.XPub != "" {
				wantX = append(wantX, a.XPub)
			}
		}
		sameSet(t, w.File+" addresses", gotA, wantA)
		sameSet(t, w.File+" xpubs", gotX, wantX)
	}
}

// TestJSONParsersDeclineOthers: each JSON parser declines the others' files
// and Electrum/keystore fixtures without findings.
func TestJSONParsersDeclineOthers(t *testing.T) {
	files := []string{"wasabi/Wallets/Market.json", "ledger-live/open/app.json", "electrum/standard_wallet", "metamask/manifest.json"}
	for _, p := range []artefacts.Parser{NewWasabi(), NewLedgerLive(), NewExodus(), NewMonero()} {
		for _, f := range files {
			in := fsInput(t, f)
			if !p.Match(in) {
				continue
			}
			var c finding.Collector
			err := p.Parse(context.Background(), in, &c)
			own := (p.Name() == WasabiName && f == files[0]) || (p.Name() == LedgerLiveName && f == files[1])
			if !own && (err != artefacts.ErrWrongFormat || len(c.Artefacts) != 0) {
				t.Errorf("%s on %s: %v, %d artefacts", p.Name(), f, err, len(c.Artefacts))
			}
		}
	}
}
