package tor

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestOnionAuthRealFiles(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(torFixtures(t), "onion-auth", "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Address    string
		PrivateKey string `json:"private_key_b32"`
		PublicKey  string `json:"public_key_b32"`
		Client     string
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	_, lin := trees(t)
	c := parseIn(t, NewOnionAuth(), inputAt(t, lin, linApp+"/TorBrowser/Data/Tor/onion-auth/market.auth_private"))
	ca := c.Kind("tor.onion_auth")
	if len(ca) != 1 || len(c.Artefacts) != 1 || len(c.Warnings) != 0 {
		t.Fatalf("client: %+v %+v", c.Artefacts, c.Warnings)
	}
	a := ca[0]
	if attr(t, a, "address").Str != m.Address || !attr(t, a, "address_valid").Bool || attr(t, a, "private_key").Str != m.PrivateKey ||
		attr(t, a, "public_key").Str != m.PublicKey || !attr(t, a, "key_valid").Bool || attr(t, a, "file_name").Str != "market" || a.Source.ID != "1" {
		t.Errorf("client %+v", a.Attrs)
	}
	// The service's list names the same public key: the pair belongs together.
	c = parseIn(t, NewOnionAuth(), inputAt(t, lin, "home/bob/.local/share/tor/hidden_service/authorized_clients/bob.auth"))
	sa := c.Kind("tor.onion_authorized_client")
	if len(sa) != 1 || attr(t, sa[0], "public_key").Str != m.PublicKey || attr(t, sa[0], "file_name").Str != m.Client {
		t.Errorf("service: %+v", c.Artefacts)
	}
}

func TestOnionAuthHostile(t *testing.T) {
	dir := t.TempDir()
	good, _ := os.ReadFile(filepath.Join(torFixtures(t), "onion-auth", "market.auth_private"))
	// A second line with a short key and a third of garbage: warnings, the
	// good line still read.
	os.WriteFile(filepath.Join(dir, "x.auth_private"), append(append([]byte(nil), good...),
		"4637ch63ntgt4zu6mj2nhpdd4vdlzx2d765gtrhhdq5ezl45wjtv4hqd:descriptor:x25519:AAAA\nnonsense\n"...), 0o444)
	c := parseIn(t, NewOnionAuth(), inputAt(t, dir, "x.auth_private"))
	if len(c.Kind("tor.onion_auth")) != 2 || len(c.Warnings) != 2 || !strings.Contains(c.Warnings[0].Message, "not 32 bytes") {
		t.Errorf("%+v %+v", c.Artefacts, c.Warnings)
	}
	// A wrong address checksum is reported as invalid, not dropped.
	os.WriteFile(filepath.Join(dir, "y.auth_private"), []byte(strings.Replace(string(good), "4637", "4638", 1)), 0o444)
	c = parseIn(t, NewOnionAuth(), inputAt(t, dir, "y.auth_private"))
	if a := c.Kind("tor.onion_auth"); len(a) != 1 || attr(t, a[0], "address_valid").Bool {
		t.Errorf("bad address: %+v", c.Artefacts)
	}
	os.WriteFile(filepath.Join(dir, "z"), []byte("descriptor:x25519:short\n"), 0o444)
	if NewOnionAuth().Match(inputAt(t, dir, "z")) {
		t.Error("short key matched")
	}
}

func FuzzOnionAuth(f *testing.F) {
	b, _ := os.ReadFile(filepath.Join(torFixtures(f), "onion-auth", "market.auth_private"))
	f.Add(b)
	s, _ := os.ReadFile(filepath.Join(torFixtures(f), "onion-auth", "authorized_clients", "bob.auth"))
	f.Add(s)
	f.Fuzz(func(t *testing.T, data []byte) { run(t, NewOnionAuth(), data) })
}
