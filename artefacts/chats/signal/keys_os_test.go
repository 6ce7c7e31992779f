package signal

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/loupe-forensics/loupe/artefacts/chats"
)

// TestOSWrappedKeys: the macOS (Keychain password) and Windows
// (DPAPI-unwrapped AES-GCM key) encryptedKey fixtures stay locked without
// the secret and with a wrong one, and open with the manifest's secret to
// exactly the messages SQLCipher counted.
func TestOSWrappedKeys(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(fixtures, "signal-oskeys/manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	cases := []struct{ os, how string }{{"macos", "macOS Keychain secret"}, {"windows", "Windows DPAPI-unwrapped key"}}
	for _, tc := range cases {
		var want struct {
			Secret   string `json:"secret"`
			Messages int    `json:"messages"`
		}
		if err := json.Unmarshal(m[tc.os], &want); err != nil || want.Secret == "" || want.Messages == 0 {
			t.Fatalf("%s manifest: %v %+v", tc.os, err, want)
		}
		root := filepath.Join(fixtures, "signal-oskeys", tc.os)
		for _, secret := range []string{"", "not the secret", strings.Repeat("ab", 32), want.Secret} {
			c := parse(t, New(Options{KeyringSecret: secret}), inputAt(t, root, "sql/db.sqlite"))
			msgs, verified, keySource := 0, false, ""
			for _, a := range c.Artefacts {
				switch a.Kind {
				case chats.KindMessage:
					msgs++
				case chats.KindStore:
					v, _ := attrOf(a, "key_verified")
					verified = v == true
					s, _ := attrOf(a, chats.AttrKeySource)
					keySource, _ = s.(string)
				}
			}
			if secret != want.Secret {
				if msgs != 0 || verified || len(c.Warnings) != 1 || !strings.Contains(c.Warnings[0].Message, "key not available") {
					t.Errorf("%s with %q: %d messages, verified %v, warnings %v", tc.os, secret, msgs, verified, c.Warnings)
				}
				continue
			}
			if msgs != want.Messages || !verified || !strings.HasSuffix(keySource, tc.how) {
				t.Errorf("%s with its secret: %d messages (want %d), verified %v, key source %q", tc.os, msgs, want.Messages, verified, keySource)
			}
		}
	}
}

// FuzzUnwrapKey: any encryptedKey, backend and secret; never panics, and a
// key it returns is always 64 hex digits.
func FuzzUnwrapKey(f *testing.F) {
	b, err := os.ReadFile(filepath.Join(fixtures, "signal-oskeys/windows/config.json"))
	if err != nil {
		f.Fatal(err)
	}
	var c config
	if err := json.Unmarshal(b, &c); err != nil {
		f.Fatal(err)
	}
	f.Add(c.EncryptedKey, "", strings.Repeat("00", 32))
	f.Add("763130", "basic_text", "")
	f.Add("763131aabb", "gnome_libsecret", "x")
	f.Fuzz(func(t *testing.T, encHex, backend, secret string) {
		k, _, err := unwrapKey(encHex, backend, secret)
		if err == nil {
			if _, ok := hexKey([]byte(k)); !ok {
				t.Fatalf("key %q is not 64 hex", k)
			}
		}
	})
}
