package wallets

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/loupe-forensics/loupe/artefacts"
	"github.com/loupe-forensics/loupe/artefacts/coins"
)

func sharedVectors(t testing.TB) string {
	t.Helper()
	if d := os.Getenv("LOUPE_SHARED"); d != "" {
		return filepath.Join(d, "vectors")
	}
	d, _ := filepath.Abs(filepath.Join("..", "..", "..", "shared", "vectors"))
	if _, err := os.Stat(d); err != nil {
		t.Fatalf("public vectors not found (set LOUPE_SHARED): %v", err)
	}
	return d
}

// go-ethereum's keystore vectors: each file parses, and with the given
// password decrypts to the expected private key.
func TestKeystoreVectors(t *testing.T) {
	dir := filepath.Join(sharedVectors(t), "keystore")
	type vec struct {
		JSON     json.RawMessage `json:"json"`
		Password string          `json:"password"`
		Priv     string          `json:"priv"`
	}
	decrypted, wrongChecked := 0, 0
	for _, f := range []string{"v3_test_vector.json", "v1_test_vector.json"} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		var vs map[string]vec
		if err := json.Unmarshal(b, &vs); err != nil {
			t.Fatal(err)
		}
		for name, v := range vs {
			t.Run(f+"/"+name, func(t *testing.T) {
				in := input("/"+name, v.JSON)
				p := NewEthKeystore()
				if !p.Match(in) {
					t.Fatal("Match refused")
				}
				c, err := run(t, p, in)
				if err != nil {
					t.Fatal(err)
				}
				ks := c.Kind(KindKeystore)
				if len(ks) != 1 {
					t.Fatalf("%d keystore artefacts", len(ks))
				}
				k, err := ParseEthKeyFile(v.JSON)
				if err != nil {
					t.Fatal(err)
				}
				if attrStr(ks[0], "kdf") != k.crypto().KDF || attrStr(ks[0], "cipher") != k.crypto().Cipher || attrStr(ks[0], "id") != k.ID {
					t.Fatalf("attrs %+v", ks[0].Attrs)
				}
				priv, err := k.Decrypt(v.Password)
				if err != nil {
					t.Fatal(err)
				}
				if hex.EncodeToString(priv) != v.Priv {
					t.Fatalf("key %x, want %s", priv, v.Priv)
				}
				// A wrong password fails the MAC (checked on the cheap-KDF
				// vectors only: each scrypt try with N=2^18 costs up to 256 MiB).
				if paramInt(k.crypto().KDFParams["n"]) <= 1<<12 {
					if _, err := k.Decrypt(v.Password + "x"); !errors.Is(err, ErrWrongPassword) {
						t.Fatalf("wrong password: %v", err)
					}
					wrongChecked++
				}
				// Where the file names its account, the key must own it.
				if k.Address != "" {
					acc, ok := coins.EthAccountFromPrivate(priv)
					if !ok || hex.EncodeToString(acc) != k.Address {
						t.Fatalf("key's account %x, file says %s", acc, k.Address)
					}
					if len(c.Kind(KindAddress)) != 1 || len(c.Warnings) != 0 {
						t.Fatalf("address artefacts %d warnings %v", len(c.Kind(KindAddress)), c.Warnings)
					}
				} else if len(c.Kind(KindAddress)) != 0 || len(c.Warnings) != 1 {
					t.Fatalf("no-address file: %d addresses, warnings %v", len(c.Kind(KindAddress)), c.Warnings)
				}
				decrypted++
			})
		}
	}
	if decrypted != 5 || wrongChecked != 3 {
		t.Fatalf("decrypted %d vectors (want 5: 4 v3 + 1 v1), wrong password tried on %d (want 3: both light scrypt files and the PBKDF2 one)", decrypted, wrongChecked)
	}
}

// The fixture planted on the disks (go-ethereum's very-light-scrypt file
// under a geth file name) yields its account, KDF, cipher and the creation
// time in the name; with the empty password it decrypts to a key that owns
// that account.
func TestKeystoreFixture(t *testing.T) {
	m := loadManifest(t)
	e := m.Ethereum[0]
	in, data := fixtureInput(t, e.File)
	c, err := run(t, NewEthKeystore(), in)
	if err != nil || len(c.Warnings) != 0 {
		t.Fatalf("%v %v", err, c.Warnings)
	}
	ks := c.Kind(KindKeystore)
	if len(ks) != 1 {
		t.Fatalf("%d keystores", len(ks))
	}
	want := coins.ChecksumETH(mustHex(t, e.Address))
	if attrStr(ks[0], "address") != want || attrStr(ks[0], "kdf") != e.KDF || attrStr(ks[0], "cipher") != e.Cipher {
		t.Fatalf("attrs %+v", ks[0].Attrs)
	}
	if attrInt(ks[0], "kdf_n") != 2 || attrInt(ks[0], "kdf_r") != 8 || attrInt(ks[0], "kdf_p") != 1 || attrInt(ks[0], "version") != 3 {
		t.Fatalf("kdf params %+v", ks[0].Attrs)
	}
	ct, _ := ks[0].Get("created_from_filename")
	if !ct.Time.Equal(time.Date(2017, 3, 8, 10, 55, 25, 436540812, time.UTC)) {
		t.Fatalf("created %v", ct.Time)
	}
	addr := c.Kind(KindAddress)
	if len(addr) != 1 || attrStr(addr[0], "address") != want || addr[0].Source.ID != "address" {
		t.Fatalf("address %+v", addr)
	}
	k, _ := ParseEthKeyFile(data)
	priv, err := k.Decrypt(e.Password)
	if err != nil {
		t.Fatal(err)
	}
	acc, _ := coins.EthAccountFromPrivate(priv)
	if hex.EncodeToString(acc) != e.Address {
		t.Fatalf("decrypted key owns %x, not %s", acc, e.Address)
	}
	if _, err := k.Decrypt("not the password"); !errors.Is(err, ErrWrongPassword) {
		t.Fatalf("wrong password: %v", err)
	}
}

func mustHex(t *testing.T, s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestKeystoreHostile(t *testing.T) {
	for name, s := range map[string]string{
		"no crypto":        `{"crypto": null, "kdf": 1, "ciphertext": 2}`,
		"not json":         `{"crypto" "kdf" "ciphertext"`,
		"huge scrypt":      `{"crypto":{"cipher":"aes-128-ctr","ciphertext":"00","cipherparams":{"iv":"00000000000000000000000000000000"},"kdf":"scrypt","kdfparams":{"dklen":32,"n":1073741824,"r":8,"p":1,"salt":"00"},"mac":"00"},"version":3}`,
		"bad dklen":        `{"crypto":{"cipher":"aes-128-ctr","ciphertext":"00","cipherparams":{"iv":"00"},"kdf":"pbkdf2","kdfparams":{"dklen":8,"c":1,"prf":"hmac-sha256","salt":"00"},"mac":"00"},"version":3}`,
		"unknown kdf":      `{"crypto":{"cipher":"aes-128-ctr","ciphertext":"00","cipherparams":{"iv":"00"},"kdf":"argon9","kdfparams":{"dklen":32,"salt":"00"},"mac":"00"},"version":3}`,
		"bad address":      `{"address":"zz","crypto":{"cipher":"aes-128-ctr","ciphertext":"00","cipherparams":{"iv":"00"},"kdf":"scrypt","kdfparams":{"dklen":32},"mac":"00"},"version":3}`,
		"string kdfparams": `{"crypto":{"cipher":"x","ciphertext":"00","kdf":"scrypt","kdfparams":"x"}}`,
	} {
		t.Run(name, func(t *testing.T) {
			c, err := run(t, NewEthKeystore(), input("/k", []byte(s)))
			if err != nil && !errors.Is(err, artefacts.ErrWrongFormat) {
				t.Fatal(err)
			}
			for _, w := range c.Warnings {
				if strings.Contains(w.Message, "panic") {
					t.Fatal(w.Message)
				}
			}
			if k, err := ParseEthKeyFile([]byte(s)); err == nil {
				if _, err := k.Decrypt("x"); err == nil {
					t.Fatal("hostile keystore decrypted")
				}
			}
		})
	}
}
