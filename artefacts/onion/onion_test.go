package onion

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

func repoFile(t testing.TB, rel string) string {
	_, self, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(self), "..", "..", rel)
}

func TestPublicVectors(t *testing.T) {
	b, err := os.ReadFile(repoFile(t, "../shared/vectors/onion/onion_v3_vectors.json"))
	if err != nil {
		t.Skip("shared vectors not present:", err)
	}
	var v struct {
		Valid []struct {
			PubkeyHex string `json:"pubkey_hex"`
			Address   string
		}
		Invalid []struct{ Address, Why string }
	}
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	if len(v.Valid) != 1 || len(v.Invalid) != 3 {
		t.Fatalf("vector file has %d valid and %d invalid, expected 1 and 3", len(v.Valid), len(v.Invalid))
	}
	for _, c := range v.Valid {
		a, err := Parse(c.Address)
		if err != nil || a.Version != 3 || hex.EncodeToString(a.PublicKey) != c.PubkeyHex {
			t.Errorf("%s: %+v %v", c.Address, a, err)
		}
		pub, _ := hex.DecodeString(c.PubkeyHex)
		if got, _ := FromPublicKey(pub); got != c.Address {
			t.Errorf("FromPublicKey = %s, want %s", got, c.Address)
		}
	}
	wantErr := map[string]error{"version byte 4, not 3": ErrVersion, "checksum does not match": ErrChecksum, "55 characters": ErrLength}
	for _, c := range v.Invalid {
		if _, err := Parse(c.Address); !errors.Is(err, wantErr[c.Why]) {
			t.Errorf("%s (%s): %v", c.Address, c.Why, err)
		}
	}
}

func TestRealTorHostnames(t *testing.T) {
	b, err := os.ReadFile(repoFile(t, "testdata/artefacts/tor/manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		OnionServices map[string]struct {
			Hostname     string
			PublicKeyHex string `json:"public_key_hex"`
		} `json:"onion_services"`
	}
	json.Unmarshal(b, &m)
	if len(m.OnionServices) != 2 {
		t.Fatalf("manifest lists %d services", len(m.OnionServices))
	}
	for name, s := range m.OnionServices {
		a, err := Parse(s.Hostname)
		if err != nil || hex.EncodeToString(a.PublicKey) != s.PublicKeyHex {
			t.Errorf("%s: tor's hostname %s: %+v %v", name, s.Hostname, a, err)
		}
	}
}

func TestForms(t *testing.T) {
	const good = "25njqamcweflpvkl73j4szahhihoc4xt3ktcgjnpaingr5yhkenl5sid.onion"
	for _, s := range []string{good, "25NJQAMCWEFLPVKL73J4SZAHHIHOC4XT3KTCGJNPAINGR5YHKENL5SID.ONION",
		"www." + good, "25njqamcweflpvkl73j4szahhihoc4xt3ktcgjnpaingr5yhkenl5sid"} {
		if a, err := Parse(s); err != nil || a.Host != good {
			t.Errorf("Parse(%q) = %+v, %v", s, a, err)
		}
	}
	if a, err := Parse("expyuzz4wqqyqhjn.onion"); err != nil || a.Version != 2 || a.PublicKey != nil {
		t.Errorf("v2: %+v %v", a, err)
	}
	for _, s := range []string{"", "expyuzz4wqqyqhj1.onion", "25njqamcweflpvkl73j4szahhihoc4xt3ktcgjnpaingr5yhkenl5si0.onion"} {
		if _, err := Parse(s); err == nil {
			t.Errorf("Parse(%q) accepted", s)
		}
	}
	if ValidV3("expyuzz4wqqyqhjn.onion") || !ValidV3(good) {
		t.Error("ValidV3")
	}
}

func FuzzParse(f *testing.F) {
	f.Add("25njqamcweflpvkl73j4szahhihoc4xt3ktcgjnpaingr5yhkenl5sid.onion")
	f.Add("expyuzz4wqqyqhjn.onion")
	f.Fuzz(func(t *testing.T, s string) {
		a, err := Parse(s)
		if err != nil || a.Version != 3 {
			return
		}
		// Every accepted v3 address round-trips through its public key.
		if back, _ := FromPublicKey(a.PublicKey); back != a.Host {
			t.Fatalf("%q parsed to %s but its key encodes %s", s, a.Host, back)
		}
	})
}
