package wallets

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/loupe-forensics/loupe/artefacts"
	"github.com/loupe-forensics/loupe/forensic/finding"
)

// seedFixtures adds every committed wallet fixture to a fuzz corpus.
func seedFixtures(f *testing.F, dirs ...string) {
	for _, d := range dirs {
		ents, err := os.ReadDir(filepath.Join(fixtures, d))
		if err != nil {
			f.Fatal(err)
		}
		for _, e := range ents {
			b, err := os.ReadFile(filepath.Join(fixtures, d, e.Name()))
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
		}
	}
}

// FuzzElectrumJSON: any input gives findings and warnings, never a panic
// (artefacts.Run would turn one into a "parser panic" warning, so the
// target calls Parse directly).
func FuzzElectrumJSON(f *testing.F) {
	seedFixtures(f, "electrum")
	f.Add([]byte(`{"seed_version": 50},` + "\n" + `{"op":"add","path":"/addresses","value":{"receiving":["1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"]}}`))
	f.Add([]byte(`{"seed_version":4,"master_public_key":"ab","imported_keys":{"x":1},"addresses":{"0":{"0":["a"],"1":["b"]}}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		db, err := ReadElectrumJSON(b)
		if err == nil && db.Doc == nil {
			t.Fatal("nil document without error")
		}
		if _, err := DecryptElectrumFile(b, "correct horse battery staple", 1<<20); err == nil && len(b) < 85 {
			t.Fatal("decrypted an impossibly short file")
		}
		in := input("/w", b)
		p := NewElectrum()
		p.Match(in)
		var c finding.Collector
		if err := p.Parse(context.Background(), in, &c); err != nil && err != artefacts.ErrWrongFormat {
			t.Fatalf("Parse: %v", err)
		}
	})
}

func FuzzEthKeystore(f *testing.F) {
	seedFixtures(f, "ethereum")
	f.Add([]byte(`{"crypto":{"cipher":"aes-128-cbc","ciphertext":"0011","cipherparams":{"iv":"000102030405060708090a0b0c0d0e0f"},"kdf":"pbkdf2","kdfparams":{"dklen":32,"c":2,"prf":"hmac-sha256","salt":"00"},"mac":"00"},"version":"1"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		in := input("/UTC--2017-03-08T10-55-25.436540812Z--45dea0fb0bba44f4fcf290bba71fd57d7117cbb8", b)
		p := NewEthKeystore()
		p.Match(in)
		var c finding.Collector
		if err := p.Parse(context.Background(), in, &c); err != nil && err != artefacts.ErrWrongFormat {
			t.Fatalf("Parse: %v", err)
		}
		if k, err := ParseEthKeyFile(b); err == nil {
			k.Decrypt("")
		}
	})
}

// FuzzWalletFiles: the Bitcoin Core (record decoding over any BDB or
// SQLite bytes), Exodus, Monero, Wasabi and Ledger Live parsers never panic.
func FuzzWalletFiles(f *testing.F) {
	for _, rel := range []string{"bitcoin-core/legacy/wallet.dat", "bitcoin-core/encrypted/wallet.dat", "exodus/locked/exodus.wallet/seed.seco",
		"monero/wallets/market/market.keys", "wasabi/Wallets/Market.json", "ledger-live/open/app.json", "ledger-live/locked/app.json"} {
		b, err := os.ReadFile(filepath.Join(fixtures, rel))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	parsers := []artefacts.Parser{NewBitcoinCore(), NewExodus(), NewMonero(), NewWasabi(), NewLedgerLive()}
	f.Fuzz(func(t *testing.T, b []byte) {
		in := input("/w/seed.seco", b)
		in.WorkDir = t.TempDir()
		for _, p := range parsers {
			if !p.Match(in) {
				continue
			}
			var c finding.Collector
			if err := p.Parse(context.Background(), in, &c); err != nil && err != artefacts.ErrWrongFormat {
				// Errors are allowed (the pipeline records them); panics are not.
				_ = err
			}
		}
		for _, tx := range [][]byte{b} {
			decodeTx(nil, tx)
			decodeKeyMeta(tx)
			decodeMasterKey(tx, tx)
		}
	})
}
