package wallets

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/loupe-forensics/loupe/artefacts"
	"github.com/loupe-forensics/loupe/artefacts/coins"
	"github.com/loupe-forensics/loupe/forensic/finding"
)

// Each real Electrum wallet yields exactly the addresses, master public key,
// labels, wallet type and encryption state electrum reported for it.
func TestElectrumFixturesMatchManifest(t *testing.T) {
	m := loadManifest(t)
	p := NewElectrum()
	for _, w := range m.Electrum {
		t.Run(w.File, func(t *testing.T) {
			in, data := fixtureInput(t, w.File)
			if in.SHA256 != w.SHA256 {
				t.Fatalf("fixture sha256 %s, manifest %s", in.SHA256, w.SHA256)
			}
			if !p.Match(in) {
				t.Fatal("Match refused a real wallet")
			}
			c, err := run(t, p, in)
			if err != nil {
				t.Fatal(err)
			}
			if len(c.Warnings) != 0 {
				t.Fatalf("warnings: %+v", c.Warnings)
			}
			sum := c.Kind(KindElectrum)
			if len(sum) != 1 {
				t.Fatalf("%d wallet.electrum artefacts", len(sum))
			}
			s := sum[0]
			if fe, _ := attrBool(s, "file_encrypted"); fe != w.FileEncrypted {
				t.Fatalf("file_encrypted %v, want %v", fe, w.FileEncrypted)
			}
			if s.Source != in.Ref || s.SourceSHA256 != w.SHA256 || s.Parser != ElectrumName {
				t.Fatalf("provenance %s %s %s", s.Source, s.SourceSHA256, s.Parser)
			}
			if w.FileEncrypted {
				// Nothing inside is readable without the password: the
				// summary says how it is encrypted, nothing more.
				if attrStr(s, "encryption") != "bie1" || !mustBool(t, s, "structure_valid") || len(c.Artefacts) != 1 {
					t.Fatalf("encrypted file: %+v (%d artefacts)", s.Attrs, len(c.Artefacts))
				}
				if !strings.HasPrefix(string(data), "QklFMQ") {
					t.Fatal("fixture is not BIE1")
				}
				return
			}
			if got := mustBool(t, s, "use_encryption"); got != (w.Reports.UseEncryption == true) {
				t.Fatalf("use_encryption %v, electrum says %v", got, w.Reports.UseEncryption)
			}
			if attrStr(s, "wallet_type") != w.Reports.WalletType {
				t.Fatalf("wallet_type %q, electrum says %v", attrStr(s, "wallet_type"), w.Reports.WalletType)
			}
			if sv := attrInt(s, "seed_version"); fmt.Sprint(sv) != fmt.Sprint(w.Reports.SeedVersion) {
				t.Fatalf("seed_version %d, electrum says %v", sv, w.Reports.SeedVersion)
			}
			if attrInt(s, "addresses") != int64(len(w.Reports.Addresses)) {
				t.Fatalf("summary counts %d addresses, electrum lists %d", attrInt(s, "addresses"), len(w.Reports.Addresses))
			}

			// Addresses: same set as listaddresses, and for HD wallets the
			// same receiving/change order.
			var got []string
			chains := map[string]map[int64]string{"receiving": {}, "change": {}}
			labels := map[string]string{}
			for _, a := range c.Kind(KindAddress) {
				addr := attrStr(a, "address")
				got = append(got, addr)
				if ch, ok := chains[attrStr(a, "chain")]; ok {
					ch[attrInt(a, "index")] = addr
				}
				if ok, _ := attrBool(a, "validated"); !ok {
					t.Errorf("%s not validated", addr)
				}
				if l := attrStr(a, "label"); l != "" {
					labels[addr] = l
				}
				if a.Source.Parent != in.Ref || a.Source.Type != "record" || a.Source.Locator != "json" {
					t.Errorf("address provenance %s", a.Source)
				}
			}
			want := append([]string(nil), w.Reports.Addresses...)
			sort.Strings(got)
			sort.Strings(want)
			if strings.Join(got, ",") != strings.Join(want, ",") {
				t.Fatalf("addresses differ from electrum's:\n got %v\nwant %v", got, want)
			}
			if w.Reports.WalletType != "imported" {
				for chain, list := range map[string][]string{"receiving": w.Reports.Receiving, "change": w.Reports.Change} {
					if len(chains[chain]) != len(list) {
						t.Fatalf("%s chain: %d addresses, electrum lists %d", chain, len(chains[chain]), len(list))
					}
					for i, a := range list {
						if chains[chain][int64(i)] != a {
							t.Fatalf("%s[%d] = %s, electrum says %s", chain, i, chains[chain][int64(i)], a)
						}
					}
				}
				// The provenance of receiving address 0 names its JSON path.
				for _, a := range c.Kind(KindAddress) {
					if attrStr(a, "address") == w.Reports.Receiving[0] && a.Source.ID != "addresses.receiving.0" {
						t.Errorf("receiving[0] source %s", a.Source)
					}
				}
			}
			// Transactions: exactly electrum's onchain_history, with labels.
			var gotTx, wantTx []string
			for _, x := range c.Kind(KindTransaction) {
				gotTx = append(gotTx, attrStr(x, "txid")+"|"+attrStr(x, "label"))
				if attrInt(x, "raw_bytes") < 60 {
					t.Errorf("tx %s: %d raw bytes", attrStr(x, "txid"), attrInt(x, "raw_bytes"))
				}
				if _, bad := x.Get("raw_hex_valid"); bad || x.Source.ID != "transactions."+attrStr(x, "txid") {
					t.Errorf("tx %+v from %s", x.Attrs, x.Source)
				}
			}
			for _, h := range w.Reports.History {
				wantTx = append(wantTx, h.TxID+"|"+h.Label)
			}
			sort.Strings(gotTx)
			sort.Strings(wantTx)
			if strings.Join(gotTx, ",") != strings.Join(wantTx, ",") || attrInt(s, "transactions") != int64(len(wantTx)) {
				t.Fatalf("transactions %v, electrum history %v", gotTx, wantTx)
			}
			if fmt.Sprint(labels) != fmt.Sprint(nonNil(w.Reports.Labels)) {
				t.Fatalf("labels %v, electrum says %v", labels, w.Reports.Labels)
			}

			// Master public keys and keystore state, per kind of wallet.
			xpubs := c.Kind(KindXPub)
			ks := c.Kind(KindKeystore)
			var xs []string
			for _, x := range xpubs {
				xs = append(xs, attrStr(x, "xpub"))
				if !mustBool(t, x, "validated") {
					t.Errorf("xpub %s not validated", attrStr(x, "xpub"))
				}
			}
			watch := strings.HasPrefix(w.RestoredFrom, "xpub") || strings.HasPrefix(w.RestoredFrom, "zpub")
			type state struct{ seed, xprv string }
			var wantX []string
			var wantKS []state
			switch w.File {
			case "electrum/imported_addresses":
				if len(ks) != 0 || len(xpubs) != 0 {
					t.Fatal("imported addresses have no keystore")
				}
			case "electrum/imported_keys":
				if len(ks) != 1 || attrStr(ks[0], "type") != "imported" || attrStr(ks[0], "keypairs") != "encrypted" || attrInt(ks[0], "imported_keys") != 2 {
					t.Fatalf("imported keys keystore %+v", ks)
				}
			case "electrum/multisig_2of2":
				wantX = strings.Fields(w.RestoredFrom) // the cosigners' xpubs it was made from
				wantKS = []state{{"absent", "absent"}, {"absent", "absent"}}
				if xs[0] != w.Reports.MPK && xs[1] != w.Reports.MPK {
					t.Fatalf("getmpk %v not among %v", w.Reports.MPK, xs)
				}
				if !mustBool(t, s, "watch_only") {
					t.Fatal("multisig of two xpubs is watch-only")
				}
			case "electrum/old_seed":
				wantX = []string{w.Reports.MPK.(string)}
				wantKS = []state{{"plaintext", "absent"}}
				if attrStr(xpubs[0], "format") != "electrum-old-mpk" || xpubs[0].Source.ID != "keystore.mpk" {
					t.Fatalf("old mpk %+v %s", xpubs[0].Attrs, xpubs[0].Source)
				}
			default:
				wantX = []string{w.Reports.MPK.(string)}
				switch {
				case watch:
					wantKS = []state{{"absent", "absent"}}
				case w.KeystoreEncrypt:
					wantKS = []state{{"encrypted", "encrypted"}}
				default:
					wantKS = []state{{"plaintext", "plaintext"}}
				}
				if xpubs[0].Source.ID != "keystore.xpub" {
					t.Errorf("xpub source %s", xpubs[0].Source)
				}
				if mustBool(t, s, "watch_only") != watch {
					t.Fatalf("watch_only %v", !watch)
				}
				net := "mainnet"
				if w.File == "electrum/testnet_wallet" {
					net = "testnet"
				}
				if attrStr(xpubs[0], "network") != net {
					t.Fatalf("xpub network %s", attrStr(xpubs[0], "network"))
				}
				for _, a := range c.Kind(KindAddress) {
					if attrStr(a, "network") != net {
						t.Fatalf("%s network %s", attrStr(a, "address"), attrStr(a, "network"))
					}
				}
			}
			sort.Strings(xs)
			sort.Strings(wantX)
			if strings.Join(xs, ",") != strings.Join(wantX, ",") {
				t.Fatalf("master public keys %v, want %v", xs, wantX)
			}
			if wantKS != nil {
				if len(ks) != len(wantKS) {
					t.Fatalf("%d keystores, want %d", len(ks), len(wantKS))
				}
				for i, k := range ks {
					if got := (state{attrStr(k, "seed"), attrStr(k, "xprv")}); got != wantKS[i] {
						t.Fatalf("keystore %s: %+v, want %+v", attrStr(k, "keystore"), got, wantKS[i])
					}
				}
			}
			// Secrets never reach the findings: neither the seed nor an xprv.
			for _, a := range c.Artefacts {
				for _, x := range a.Attrs {
					if (!watch && x.Str == w.RestoredFrom) || strings.HasPrefix(x.Str, "xprv") || strings.HasPrefix(x.Str, "zprv") {
						t.Fatalf("secret material in %s.%s", a.Kind, x.Name)
					}
				}
			}
		})
	}
}

func nonNil(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

func mustBool(t *testing.T, a finding.Artefact, name string) bool {
	t.Helper()
	v, ok := attrBool(a, name)
	if !ok {
		t.Fatalf("%s has no %s", a.Kind, name)
	}
	return v
}

// Electrum 4.5+ appends ",\n" + JSON-Patch operations instead of rewriting
// the file. Electrum 4.3 (the one packaged here) never does, so the appends
// below are written by the test onto a real 4.3 wallet, in the form
// Electrum's json_db writes them.
func TestElectrumAppendedPatches(t *testing.T) {
	m := loadManifest(t)
	var segwit, standard = m.Electrum[1], m.Electrum[0]
	if segwit.File != "electrum/segwit_wallet" || standard.File != "electrum/standard_wallet" {
		t.Fatalf("manifest order changed: %s %s", segwit.File, standard.File)
	}
	_, base := fixtureInput(t, segwit.File)
	extra := standard.Reports.Receiving[0] // a valid address not in this wallet
	appended := string(base) +
		",\n" + `{"op": "add", "path": "/labels/` + segwit.Reports.Receiving[1] + `", "value": "vendor payout"}` +
		",\n" + `{"op": "add", "path": "/addresses/receiving/-", "value": "` + extra + `"}` +
		",\n" + `[{"op": "replace", "path": "/use_encryption", "value": true}, {"op": "remove", "path": "/addr_history/` + segwit.Reports.Receiving[2] + `"}]`
	db, err := ReadElectrumJSON([]byte(appended))
	if err != nil {
		t.Fatal(err)
	}
	if db.Patches != 4 || len(db.Problems) != 0 {
		t.Fatalf("patches %d problems %v", db.Patches, db.Problems)
	}
	c, err := run(t, NewElectrum(), input("/w", []byte(appended)))
	if err != nil || len(c.Warnings) != 0 {
		t.Fatalf("%v %v", err, c.Warnings)
	}
	s := c.Kind(KindElectrum)[0]
	if attrInt(s, "patches_applied") != 4 || !mustBool(t, s, "use_encryption") {
		t.Fatalf("summary %+v", s.Attrs)
	}
	found := map[string]finding.Artefact{}
	for _, a := range c.Kind(KindAddress) {
		found[attrStr(a, "address")] = a
	}
	if a, ok := found[extra]; !ok || attrStr(a, "chain") != "receiving" || attrInt(a, "index") != int64(len(segwit.Reports.Receiving)) {
		t.Fatalf("appended address: %+v", a.Attrs)
	}
	if attrStr(found[segwit.Reports.Receiving[1]], "label") != "vendor payout" {
		t.Fatal("appended label missing")
	}
	if len(found) != len(segwit.Reports.Addresses)+1 {
		t.Fatalf("%d addresses", len(found))
	}

	// A crash mid-append leaves a truncated last patch: everything before
	// it is still read, and the truncation is a warning.
	cut := appended[:len(appended)-20]
	c, err = run(t, NewElectrum(), input("/w", []byte(cut)))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Warnings) != 1 || !strings.Contains(c.Warnings[0].Message, "truncated") {
		t.Fatalf("warnings %+v", c.Warnings)
	}
	if attrInt(c.Kind(KindElectrum)[0], "patches_applied") != 2 {
		t.Fatal("patches before the truncated one not applied")
	}
	// A patch naming a missing path is a warning, the rest still applies.
	bad := string(base) + ",\n" + `{"op": "replace", "path": "/nope/x", "value": 1}` + ",\n" + `{"op": "add", "path": "/labels/x", "value": "y"}`
	db, _ = ReadElectrumJSON([]byte(bad))
	if db.Patches != 1 || len(db.Problems) != 1 {
		t.Fatalf("patches %d problems %v", db.Patches, db.Problems)
	}
}

// Hostile or damaged files give warnings or ErrWrongFormat, never a panic
// or a fabricated finding.
func TestElectrumHostile(t *testing.T) {
	m := loadManifest(t)
	_, base := fixtureInput(t, m.Electrum[0].File)
	_, enc := fixtureInput(t, m.Electrum[3].File)
	cases := map[string]struct {
		data     string
		warnings int
		wrong    bool
	}{
		"truncated wallet":     {string(base[:len(base)/2]), 1, false},
		"not electrum json":    {`{"name": "x", "version": 1}`, 0, true},
		"bie1 garbage":         {"QklFMQ!!!", 1, false},
		"bie1 short":           {"QklFMQ==", 1, false},
		"bie1 cut":             {string(enc[:60]), 1, false},
		"wrong types":          {`{"seed_version": "x", "wallet_type": 5, "keystore": {"xpub": 7, "seed": ["a"]}, "addresses": {"receiving": [1, null, "bc1qnotvalid"]}, "labels": [], "transactions": {"ab": 5}, "verified_tx3": {"ab": ["x"]}}`, 4, false},
		"unrecognised secrets": {`{"seed_version": 50, "wallet_type": "standard", "keystore": {"type": "bip32", "seed": "not a seed", "xprv": "QUJD"}}`, 0, false},
		"invalid xpub":         {`{"seed_version": 50, "keystore": {"type": "bip32", "xpub": "xpub661MyMwAqRbcFtXgS5sYJABqqG9YLmC4Q1Rdap9gSE8NqtwybGhePY2gZ29ESFjqJoCu1Rupje8YtGqsefD265TMg7usUDFdp6W1EGMcet9"}}`, 1, false},
		"top-level null":       {`null`, 0, true},
		"patch garbage":        {string(base) + ",\n{]", 1, false},
		"trailing junk":        {string(base) + "junk", 1, false},
		"patch on scalar":      {string(base) + `,` + `{"op":"add","path":"/seed_version/x","value":1}`, 1, false},
		"deep patch path":      {string(base) + `,` + `{"op":"add","path":"/addresses/receiving/99999","value":"x"}`, 1, false},
		"1.x layout, real mpk": {`{"seed_version": 4, "master_public_key": "` + m.Electrum[7].Reports.MPK.(string) + `", "use_encryption": false, "imported_keys": {}}`, 0, false},
		"2.x imported list":    {`{"seed_version": 13, "wallet_type": "imported", "addresses": ["` + m.Electrum[0].Reports.Receiving[0] + `", 5]}`, 1, false},
		"1.x layout, bad mpk":  {`{"seed_version": 4, "master_public_key": "` + strings.Repeat("ab", 64) + `", "use_encryption": false}`, 1, false},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			c, err := run(t, NewElectrum(), input("/x", []byte(tc.data)))
			if tc.wrong {
				if err != artefacts.ErrWrongFormat {
					t.Fatalf("err %v, want ErrWrongFormat", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(c.Warnings) != tc.warnings {
				t.Fatalf("%d warnings, want %d: %+v", len(c.Warnings), tc.warnings, c.Warnings)
			}
			for _, w := range c.Warnings {
				if strings.Contains(w.Message, "panic") {
					t.Fatal(w.Message)
				}
			}
		})
	}
}

func TestElectrumMatch(t *testing.T) {
	p := NewElectrum()
	for s, want := range map[string]bool{
		`{"addr_history": {}}`:                 true,
		`  {"seed_version": 50}`:               true,
		`{"accounts": {}}`:                     false,
		`{"accounts": {}, "wallet_type": "x"}`: true,
		`{"crypto": {"kdf": "scrypt"}}`:        false,
		`QklFMQOhHxU6TPn2wguK25Von8B0t4LLth2`:  true,
		`QklFMQ this is not base64`:            false,
		`seed_version`:                         false,
		``:                                     false,
	} {
		if got := p.Match(input("/x", []byte(s))); got != want {
			t.Errorf("Match(%q) = %v", s, got)
		}
	}
}

// With the password the examiner was given, the BIE1 fixture opens, and the
// wallet inside yields what electrum listed after opening it with the same
// password.
func TestDecryptElectrumFile(t *testing.T) {
	m := loadManifest(t)
	w := m.Electrum[3]
	if !w.FileEncrypted || w.Password == "" {
		t.Fatalf("%s is not the file-encrypted fixture", w.File)
	}
	_, data := fixtureInput(t, w.File)
	if _, err := DecryptElectrumFile(data, "wrong", MaxJSONSize); err != ErrElectrumPassword {
		t.Fatalf("wrong password: %v", err)
	}
	plain, err := DecryptElectrumFile(data, w.Password, MaxJSONSize)
	if err != nil {
		t.Fatal(err)
	}
	c, err := run(t, NewElectrum(), input("/decrypted", plain))
	if err != nil || len(c.Warnings) != 0 {
		t.Fatalf("%v %v", err, c.Warnings)
	}
	var got []string
	for _, a := range c.Kind(KindAddress) {
		got = append(got, attrStr(a, "address"))
	}
	want := append([]string(nil), w.Reports.Addresses...)
	sort.Strings(got)
	sort.Strings(want)
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("addresses %v, electrum %v", got, want)
	}
	x := c.Kind(KindXPub)
	if len(x) != 1 || attrStr(x[0], "xpub") != w.Reports.MPK {
		t.Fatalf("xpub %+v, electrum %v", x, w.Reports.MPK)
	}
	// Inside, the keystore secrets are encrypted too (use_encryption).
	ks := c.Kind(KindKeystore)
	if len(ks) != 1 || attrStr(ks[0], "seed") != "encrypted" || !mustBool(t, c.Kind(KindElectrum)[0], "use_encryption") {
		t.Fatalf("keystore %+v", ks)
	}
	if _, err := DecryptElectrumFile(data, w.Password, 100); err == nil {
		t.Fatal("size limit not enforced")
	}
}

// A secret that is neither plaintext nor Electrum's cipher text is not
// called "encrypted".
func TestElectrumSecretStates(t *testing.T) {
	c, err := run(t, NewElectrum(), input("/x", []byte(`{"seed_version": 50, "wallet_type": "standard", "keystore": {"type": "bip32", "seed": "not a seed", "xprv": "QUJD", "keypairs": {"02ab": "p2pkh:KwDiBf89QgGbjEhKnhXJuH7LrciVrZi3qYjgd9M7rFU73sVHnoWn"}}}`)))
	if err != nil {
		t.Fatal(err)
	}
	ks := c.Kind(KindKeystore)
	if len(ks) != 1 || attrStr(ks[0], "seed") != "unrecognised" || attrStr(ks[0], "xprv") != "unrecognised" || attrStr(ks[0], "keypairs") != "plaintext" {
		t.Fatalf("%+v", ks)
	}
}

// With the password, the keystore-encrypted wallet's seed decrypts to the
// seed electrum was restored from, and its xprv to the private key whose
// public key and chain code are those of the zpub electrum reported.
func TestDecryptElectrumSecrets(t *testing.T) {
	m := loadManifest(t)
	w := m.Electrum[2]
	if w.File != "electrum/keystore_encrypted" {
		t.Fatalf("manifest order changed: %s", w.File)
	}
	_, data := fixtureInput(t, w.File)
	db, err := ReadElectrumJSON(data)
	if err != nil {
		t.Fatal(err)
	}
	ks := mapOf(db.Doc["keystore"])
	seed, err := DecryptElectrumSecret(str(ks["seed"]), w.Password)
	if err != nil || seed != w.RestoredFrom {
		t.Fatalf("seed %q %v", seed, err)
	}
	// Without a MAC, a wrong password is caught by the padding check only
	// most of the time (PKCS#7 passes by chance about 1 in 256); it never
	// yields the seed.
	if s, err := DecryptElectrumSecret(str(ks["seed"]), "wrong"); err == nil && s == w.RestoredFrom {
		t.Fatal("wrong password decrypted the seed")
	}
	xprv, err := DecryptElectrumSecret(str(ks["xprv"]), w.Password)
	if err != nil {
		t.Fatal(err)
	}
	k, ok := coins.ValidateExtendedKey(xprv)
	if !ok || k.Prefix != "zprv" {
		t.Fatalf("decrypted xprv %+v %v", k, ok)
	}
	prv, _ := coins.DecodeBase58Check(xprv)
	pub, _ := coins.DecodeBase58Check(w.Reports.MPK.(string))
	point, ok := coins.PublicKey(prv[46:78])
	if !ok {
		t.Fatal("scalar")
	}
	comp := append([]byte{2 | point[64]&1}, point[1:33]...)
	if !bytes.Equal(comp, pub[45:78]) || !bytes.Equal(prv[4:45], pub[4:45]) {
		t.Fatal("decrypted xprv does not belong to electrum's zpub")
	}
}
