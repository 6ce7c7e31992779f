package tor

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/loupe-forensics/loupe/artefacts"
	"github.com/loupe-forensics/loupe/forensic/finding"
	"github.com/loupe-forensics/loupe/forensic/source"
)

func torFixtures(t testing.TB) string {
	_, self, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(self), "..", "..", "testdata", "artefacts", "tor")
}

type torManifest struct {
	OnionServices map[string]struct {
		Hostname     string
		PublicKeyHex string `json:"public_key_hex"`
	} `json:"onion_services"`
}

func manifest(t *testing.T) torManifest {
	b, err := os.ReadFile(filepath.Join(torFixtures(t), "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m torManifest
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// copyServices copies the real tor-made service folders into a private
// tree, so a test can swap files between them.
func copyServices(t *testing.T) string {
	root := t.TempDir()
	for _, s := range []string{"market", "forum"} {
		os.MkdirAll(filepath.Join(root, "srv", s), 0o755)
		for _, f := range []string{"hostname", "hs_ed25519_public_key", "hs_ed25519_secret_key"} {
			b, err := os.ReadFile(filepath.Join(torFixtures(t), "onion-services", s, f))
			if err != nil {
				t.Fatal(err)
			}
			os.WriteFile(filepath.Join(root, "srv", s, f), b, 0o600)
		}
	}
	return root
}

// parseSecret offers root/srv/<svc>/hs_ed25519_secret_key to the parser the
// way the pipeline does: Path absolute, FS rooted at the file system root.
func parseSecret(t *testing.T, root, svc string) (*finding.Collector, bool) {
	t.Helper()
	p := filepath.Join(root, "srv", svc, "hs_ed25519_secret_key")
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	rel := "/srv/" + svc + "/hs_ed25519_secret_key"
	in := &artefacts.Input{Ref: source.Folder("evidence").Entry(rel, ""), Path: rel, Size: int64(len(b)), Head: b,
		Reader: strings.NewReader(string(b)), SHA256: hex.EncodeToString(sum[:]), FS: os.DirFS(root)}
	p2 := NewOnionService()
	if !p2.Match(in) {
		return nil, false
	}
	var c finding.Collector
	if err := artefacts.Run(context.Background(), p2, in, &c); err != nil {
		t.Fatal(err)
	}
	return &c, true
}

func attr(t *testing.T, a finding.Artefact, name string) finding.Attr {
	t.Helper()
	x, ok := a.Get(name)
	if !ok {
		t.Fatalf("artefact has no %s: %+v", name, a.Attrs)
	}
	return x
}

func TestOnionServiceProofOnRealTorKeys(t *testing.T) {
	m := manifest(t)
	root := copyServices(t)
	for _, svc := range []string{"market", "forum"} {
		c, ok := parseSecret(t, root, svc)
		if !ok {
			t.Fatalf("%s: secret key not matched", svc)
		}
		if len(c.Artefacts) != 1 || len(c.Warnings) != 0 {
			t.Fatalf("%s: %d artefacts, %d warnings: %+v", svc, len(c.Artefacts), len(c.Warnings), c.Warnings)
		}
		a := c.Artefacts[0]
		want := m.OnionServices[svc]
		if a.Kind != "tor.onion_service" || attr(t, a, "address").Str != want.Hostname || attr(t, a, "public_key").Str != want.PublicKeyHex ||
			attr(t, a, "hostname").Str != want.Hostname || !attr(t, a, "proof").Bool || !attr(t, a, "public_key_matches_secret").Bool ||
			!attr(t, a, "hostname_matches_secret").Bool {
			t.Errorf("%s: %+v", svc, a.Attrs)
		}
		if a.Source.Path() != "/srv/"+svc+"/hs_ed25519_secret_key" || a.SourceSHA256 == "" {
			t.Errorf("%s: provenance %s %s", svc, a.Source, a.SourceSHA256)
		}
	}
}

func TestOnionServiceProofFailsOnSwappedFiles(t *testing.T) {
	m := manifest(t)
	tests := []struct {
		name       string
		change     func(root string)
		pubOK      bool
		hostOK     bool
		warnings   int
		hostnameIs string
	}{
		{"hostname of another service", func(root string) {
			b, _ := os.ReadFile(filepath.Join(root, "srv", "forum", "hostname"))
			os.WriteFile(filepath.Join(root, "srv", "market", "hostname"), b, 0o600)
		}, true, false, 0, m.OnionServices["forum"].Hostname},
		{"public key of another service", func(root string) {
			b, _ := os.ReadFile(filepath.Join(root, "srv", "forum", "hs_ed25519_public_key"))
			os.WriteFile(filepath.Join(root, "srv", "market", "hs_ed25519_public_key"), b, 0o600)
		}, false, true, 0, m.OnionServices["market"].Hostname},
		{"hostname missing", func(root string) { os.Remove(filepath.Join(root, "srv", "market", "hostname")) }, true, false, 1, ""},
		{"public key file garbage", func(root string) {
			os.WriteFile(filepath.Join(root, "srv", "market", "hs_ed25519_public_key"), []byte("not a key"), 0o600)
		}, false, true, 1, m.OnionServices["market"].Hostname},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			root := copyServices(t)
			tc.change(root)
			c, _ := parseSecret(t, root, "market")
			if len(c.Artefacts) != 1 || len(c.Warnings) != tc.warnings {
				t.Fatalf("%d artefacts, warnings %+v", len(c.Artefacts), c.Warnings)
			}
			a := c.Artefacts[0]
			if attr(t, a, "proof").Bool {
				t.Error("proof holds for a folder whose files do not belong together")
			}
			if x, ok := a.Get("public_key_matches_secret"); ok && x.Bool != tc.pubOK {
				t.Errorf("public_key_matches_secret = %v", x.Bool)
			}
			if x, ok := a.Get("hostname_matches_secret"); (ok && x.Bool != tc.hostOK) || (!ok && tc.hostOK) {
				t.Errorf("hostname_matches_secret = %v", x.Bool)
			}
			if attr(t, a, "address").Str != m.OnionServices["market"].Hostname {
				t.Error("the derived address must come from the secret key alone")
			}
			if tc.hostnameIs != "" && attr(t, a, "hostname").Str != tc.hostnameIs {
				t.Errorf("hostname = %s", attr(t, a, "hostname").Str)
			}
		})
	}
}

func TestOnionServiceHostileInputs(t *testing.T) {
	root := copyServices(t)
	p := filepath.Join(root, "srv", "market", "hs_ed25519_secret_key")
	b, _ := os.ReadFile(p)
	os.WriteFile(p, b[:95], 0o600) // truncated: not offered to the parser
	if _, ok := parseSecret(t, root, "market"); ok {
		t.Error("truncated secret key matched")
	}
	// A 96-byte file with the header and random key: a valid derivation that
	// matches nothing beside it.
	junk := append([]byte(nil), b...)
	for i := 32; i < 96; i++ {
		junk[i] ^= 0x5a
	}
	os.WriteFile(p, junk, 0o600)
	huge := filepath.Join(root, "srv", "market", "hostname")
	os.WriteFile(huge, []byte(strings.Repeat("a", 10000)), 0o600) // over the sibling read limit
	c, ok := parseSecret(t, root, "market")
	if !ok || len(c.Artefacts) != 1 || attr(t, c.Artefacts[0], "proof").Bool || len(c.Warnings) != 1 {
		t.Errorf("junk key: %+v %+v", c.Artefacts, c.Warnings)
	}
}

func FuzzOnionService(f *testing.F) {
	b, err := os.ReadFile(filepath.Join(torFixtures(f), "onion-services", "market", "hs_ed25519_secret_key"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Fuzz(func(t *testing.T, data []byte) {
		in := &artefacts.Input{Ref: source.Folder("f").Entry("/k", ""), Path: "/k", Size: int64(len(data)), Head: data, Reader: strings.NewReader(string(data))}
		p := NewOnionService()
		if !p.Match(in) {
			return
		}
		var c finding.Collector
		_ = artefacts.Run(context.Background(), p, in, &c)
		for _, w := range c.Warnings {
			if strings.Contains(w.Message, "panic") {
				t.Fatal(w.Message)
			}
		}
	})
}

// RFC 8032 section 7.1 TEST 1 as a Tor key file: the expanded secret key is
// SHA-512 of the RFC's seed with the scalar clamped, as tor stores it; the
// public key must be the RFC's and the address the one the catalogue
// recomputed with Python's hashlib.sha3_256.
func TestOnionServiceRFC8032Vector(t *testing.T) {
	seed, _ := hex.DecodeString("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
	exp := sha512.Sum512(seed)
	exp[0] &= 248
	exp[31] &= 127
	exp[31] |= 64
	tor, _ := base64.StdEncoding.DecodeString("MHyDhk8oM8tCei7xwAoBPP3/J2jZgMCjpSDwBpBN6U+bTwr+KAt0aneGhOdUQlAgV7dHOgPwj5b1o46Sh+Afjw==")
	if !bytes.Equal(exp[:], tor) {
		t.Fatalf("expanded key %x, catalogue's %x", exp, tor)
	}
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "srv", "rfc"), 0o755)
	hdr := make([]byte, 32)
	copy(hdr, secretHeader)
	os.WriteFile(filepath.Join(root, "srv", "rfc", "hs_ed25519_secret_key"), append(hdr, exp[:]...), 0o600)
	c, ok := parseSecret(t, root, "rfc")
	if !ok || len(c.Artefacts) != 1 {
		t.Fatalf("not parsed: %v", ok)
	}
	a := c.Artefacts[0]
	if attr(t, a, "public_key").Str != "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a" ||
		attr(t, a, "address").Str != "25njqamcweflpvkl73j4szahhihoc4xt3ktcgjnpaingr5yhkenl5sid.onion" || attr(t, a, "proof").Bool {
		t.Errorf("%+v", a.Attrs)
	}
	// Missing public key and hostname: two warnings, no proof.
	if len(c.Warnings) != 2 {
		t.Errorf("warnings %+v", c.Warnings)
	}
}
