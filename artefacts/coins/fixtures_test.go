package coins

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// walletManifest is the part of testdata/artefacts/wallets/manifest.json
// (written by testdata/gen/wallets.sh from electrum's own output) used here.
type walletManifest struct {
	Electrum []struct {
		File         string `json:"file"`
		RestoredFrom string `json:"restored_from"`
		Reports      struct {
			Addresses []string `json:"addresses"`
			MPK       string   `json:"mpk"`
		} `json:"electrum_reports"`
	} `json:"electrum"`
	Text []struct {
		File             string `json:"file"`
		BIP39            string `json:"bip39"`
		ElectrumSeed     string `json:"electrum_seed"`
		ElectrumSeedType string `json:"electrum_seed_type"`
	} `json:"text"`
}

const walletFixtures = "../../testdata/artefacts/wallets"

func loadWalletManifest(t *testing.T) walletManifest {
	var m walletManifest
	readJSON(t, filepath.Join(walletFixtures, "manifest.json"), &m)
	if len(m.Electrum) != 10 {
		t.Fatalf("%d electrum wallets in manifest", len(m.Electrum))
	}
	return m
}

// Every address and master public key electrum reported for its own wallets
// must validate, with the kind its prefix implies.
func TestElectrumReportedIdentifiers(t *testing.T) {
	m := loadWalletManifest(t)
	addrs, mpks := 0, 0
	for _, w := range m.Electrum {
		for _, s := range w.Reports.Addresses {
			a, ok := ValidateBTC(s)
			net := Mainnet
			if w.File == "electrum/testnet_wallet" {
				net = Testnet
			}
			if !ok || a.Coin != BTC || a.Network != net {
				t.Errorf("%s: electrum address %s: %+v %v", w.File, s, a, ok)
				continue
			}
			want := map[byte]Kind{'1': P2PKH, '3': P2SH, 'b': P2WPKH, 't': P2WPKH}[s[0]]
			if a.Kind != want {
				t.Errorf("%s: %s kind %s", w.File, s, a.Kind)
			}
			addrs++
		}
		if w.Reports.MPK == "" || w.File == "electrum/old_seed" { // old seeds have a hex mpk, checked below
			continue
		}
		k, ok := ValidateExtendedKey(w.Reports.MPK)
		if !ok || k.Kind != ExtendedPublicKey || k.Prefix != w.Reports.MPK[:4] {
			t.Errorf("%s: mpk %s: %+v %v", w.File, w.Reports.MPK, k, ok)
		}
		mpks++
		// Electrum's seed type decides the script: standard → xpub, segwit → zpub.
		if typ, ok := ElectrumSeedVersion(w.RestoredFrom); ok {
			if want := map[string]string{"standard": "xpub", "segwit": "zpub"}[typ]; want != k.Prefix && !(k.Prefix == "vpub" && typ == "segwit") {
				t.Errorf("%s: seed type %s but mpk %s", w.File, typ, k.Prefix)
			}
		}
	}
	// 6 seeded wallets (one old-style, one testnet) × 30 + watch-only 30
	// + multisig 30 + 3 imported addresses + 2 imported keys.
	if addrs != 245 || mpks != 7 {
		t.Fatalf("validated %d addresses and %d master keys, want 245 and 7", addrs, mpks)
	}
}

func TestElectrumSeedVersion(t *testing.T) {
	m := loadWalletManifest(t)
	want := map[string]string{
		"electrum/standard_wallet": ElectrumStandard, "electrum/file_encrypted": ElectrumStandard,
		"electrum/segwit_wallet": ElectrumSegwit, "electrum/keystore_encrypted": ElectrumSegwit,
		"electrum/testnet_wallet": ElectrumSegwit,
	}
	seen := 0
	for _, w := range m.Electrum {
		typ, ok := ElectrumSeedVersion(w.RestoredFrom)
		if exp, seeded := want[w.File]; seeded {
			seen++
			if !ok || typ != exp {
				t.Errorf("%s: seed type %q %v, want %s", w.File, typ, ok, exp)
			}
			// Electrum normalises case and spacing.
			if typ2, _ := ElectrumSeedVersion("  " + strings.ToUpper(strings.ReplaceAll(w.RestoredFrom, " ", "\n\t"))); typ2 != exp {
				t.Errorf("%s: normalised form gave %q", w.File, typ2)
			}
		} else if ok && w.File != "electrum/old_seed" { // an old seed passes by chance 1 time in 256
			t.Errorf("%s: %q is not a seed but gave %s", w.File, w.RestoredFrom, typ)
		}
	}
	if seen != 5 {
		t.Fatalf("%d seeded wallets", seen)
	}
	if _, ok := ElectrumSeedVersion("wild father tree among universe such mobile favorite target dynamic credit"); ok {
		t.Error("11 words accepted")
	}
}

// The planted note holds a BIP39 phrase among other text; FindMnemonics
// finds exactly it (the 12-word Electrum seed beside it may or may not pass
// BIP39's 4-bit checksum by chance, so only its absence as a longer hit is
// asserted).
func TestFindMnemonicsInNote(t *testing.T) {
	m := loadWalletManifest(t)
	b, err := os.ReadFile(filepath.Join(walletFixtures, m.Text[0].File))
	if err != nil {
		t.Fatal(err)
	}
	tokens := strings.FieldsFunc(string(b), func(r rune) bool { return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') })
	hits := FindMnemonics(tokens)
	found := false
	for _, h := range hits {
		switch p := h.Mnemonic.Phrase(); {
		case p == m.Text[0].BIP39:
			found = true
			if h.Mnemonic.ChecksumBits != 8 || h.Mnemonic.Confidence != 1-1.0/256 {
				t.Errorf("24-word hit: %+v", h.Mnemonic)
			}
		case p == m.Text[0].ElectrumSeed && h.Mnemonic.ChecksumBits == 4:
		default:
			t.Errorf("unexpected hit %q", p)
		}
	}
	if !found {
		t.Fatalf("BIP39 phrase not found among %d hits", len(hits))
	}
}

// FindSeedLines on the planted note finds the BIP39 phrase and, on its own
// line, the Electrum seed electrum made, with the type electrum gave it.
func TestFindSeedLinesInNote(t *testing.T) {
	m := loadWalletManifest(t)
	b, err := os.ReadFile(filepath.Join(walletFixtures, m.Text[0].File))
	if err != nil {
		t.Fatal(err)
	}
	lines := FindSeedLines(b)
	var bip39, electrum int
	for _, l := range lines {
		phrase := strings.Join(l.Words, " ")
		if string(b[l.Offset:l.Offset+len(l.Words[0])]) != l.Words[0] {
			t.Fatalf("offset %d does not point at %q", l.Offset, l.Words[0])
		}
		switch phrase {
		case m.Text[0].BIP39:
			if l.BIP39 == nil || l.BIP39.Phrase() != phrase {
				t.Errorf("BIP39 line: %+v", l)
			}
			bip39++
		case m.Text[0].ElectrumSeed:
			if l.Electrum != m.Text[0].ElectrumSeedType {
				t.Errorf("electrum line typed %q, electrum says %s", l.Electrum, m.Text[0].ElectrumSeedType)
			}
			electrum++
		default:
			t.Errorf("unexpected seed line %q", phrase)
		}
	}
	if bip39 != 1 || electrum != 1 {
		t.Fatalf("found %d BIP39 and %d Electrum lines, want 1 and 1", bip39, electrum)
	}
}
