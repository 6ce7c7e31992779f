package pgp

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/loupe-forensics/loupe/artefacts"
	"github.com/loupe-forensics/loupe/forensic/finding"
	"github.com/loupe-forensics/loupe/forensic/source"
)

const fixtures = "../../testdata/artefacts/pgp"

// colonKey is one pub/sub line of gpg --with-colons plus its fpr/grp/uid lines.
type colonKey struct {
	typ, keyID, fpr, grip, curve, usage string
	algo, bits                          int
	created, expires                    int64
	uids                                []string
	primary                             string
}

// parseColons reads gpg's colon listing (doc/DETAILS in GnuPG).
func parseColons(t *testing.T, text string) []*colonKey {
	t.Helper()
	var out []*colonKey
	var last, prim *colonKey
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		f := strings.Split(sc.Text(), ":")
		switch f[0] {
		case "pub", "sub", "sec", "ssb":
			k := &colonKey{typ: f[0], keyID: f[4], usage: f[11]}
			k.algo, _ = strconv.Atoi(f[3])
			k.bits, _ = strconv.Atoi(f[2])
			k.created, _ = strconv.ParseInt(f[5], 10, 64)
			k.expires, _ = strconv.ParseInt(f[6], 10, 64)
			if len(f) > 16 {
				k.curve = f[16]
			}
			if f[0] == "pub" || f[0] == "sec" {
				prim = k
			} else {
				k.primary = prim.keyID
			}
			out = append(out, k)
			last = k
		case "fpr":
			if last != nil && last.fpr == "" {
				last.fpr = f[9]
			}
		case "grp":
			if last != nil && last.grip == "" {
				last.grip = f[9]
			}
		case "uid":
			prim.uids = append(prim.uids, f[9])
		}
	}
	return out
}

func input(t *testing.T, root, rel string) *artefacts.Input {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, rel))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	head := b
	if len(head) > artefacts.HeadSize {
		head = head[:artefacts.HeadSize]
	}
	return &artefacts.Input{Ref: source.Folder(root).Entry("/"+rel, ""), Path: "/" + rel, Size: int64(len(b)), Head: head,
		Reader: strings.NewReader(string(b)), SHA256: hex.EncodeToString(sum[:]), FS: os.DirFS(root)}
}

func run(t *testing.T, p artefacts.Parser, in *artefacts.Input) *finding.Collector {
	t.Helper()
	if !p.Match(in) {
		t.Fatalf("%s does not match %s", p.Name(), in.Path)
	}
	c := &finding.Collector{}
	if err := artefacts.Run(context.Background(), p, in, c); err != nil {
		t.Fatalf("%s on %s: %v", p.Name(), in.Path, err)
	}
	return c
}

func str(a finding.Artefact, n string) string { v, _ := a.Get(n); return v.Str }
func num(a finding.Artefact, n string) int64  { v, _ := a.Get(n); return v.Int }
func unix(a finding.Artefact, n string) int64 {
	v, ok := a.Get(n)
	if !ok {
		return 0
	}
	return v.Time.Unix()
}

// compareListing checks every key of a gpg listing against our artefacts.
func compareListing(t *testing.T, c *finding.Collector, listing []*colonKey, wantGrip bool) {
	t.Helper()
	byFpr := map[string]finding.Artefact{}
	for _, kind := range []string{"pgp.key", "pgp.subkey"} {
		for _, a := range c.Kind(kind) {
			byFpr[str(a, "fingerprint")] = a
		}
	}
	uids := map[string][]string{}
	for _, a := range c.Kind("pgp.uid") {
		uids[str(a, "fingerprint")] = append(uids[str(a, "fingerprint")], str(a, "uid"))
	}
	if len(byFpr) != len(listing) {
		t.Errorf("%d keys and subkeys, gpg lists %d", len(byFpr), len(listing))
	}
	for _, k := range listing {
		a, ok := byFpr[k.fpr]
		if !ok {
			t.Errorf("gpg's %s %s not found", k.typ, k.fpr)
			continue
		}
		if got := str(a, "key_id"); got != k.keyID {
			t.Errorf("%s key ID %s, gpg %s", k.fpr, got, k.keyID)
		}
		if got := num(a, "algorithm"); got != int64(k.algo) {
			t.Errorf("%s algorithm %d, gpg %d", k.fpr, got, k.algo)
		}
		if got := num(a, "bits"); got != int64(k.bits) {
			t.Errorf("%s bits %d, gpg %d", k.fpr, got, k.bits)
		}
		if got := str(a, "curve"); got != k.curve {
			t.Errorf("%s curve %q, gpg %q", k.fpr, got, k.curve)
		}
		if got := unix(a, "created"); got != k.created {
			t.Errorf("%s created %d, gpg %d", k.fpr, got, k.created)
		}
		if got := unix(a, "expires"); got != k.expires {
			t.Errorf("%s expires %d, gpg %d", k.fpr, got, k.expires)
		}
		// gpg's field 12: lower case = this key's capabilities, upper case
		// = the whole key's; only the former is ours to compare.
		own := strings.Map(func(r rune) rune {
			if r >= 'A' && r <= 'Z' {
				return -1
			}
			return r
		}, k.usage)
		if got := str(a, "usage"); got != own {
			t.Errorf("%s usage %q, gpg %q", k.fpr, got, k.usage)
		}
		if wantGrip {
			if got := str(a, "keygrip"); got != k.grip {
				t.Errorf("%s keygrip %s, gpg %s", k.fpr, got, k.grip)
			}
		}
		if k.typ == "pub" || k.typ == "sec" {
			got, want := append([]string(nil), uids[k.fpr]...), append([]string(nil), k.uids...)
			sort.Strings(got)
			sort.Strings(want)
			if strings.Join(got, "|") != strings.Join(want, "|") {
				t.Errorf("%s UIDs %q, gpg %q", k.fpr, got, want)
			}
		}
	}
}

func readListing(t *testing.T, name string) []*colonKey {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fixtures, name))
	if err != nil {
		t.Fatal(err)
	}
	return parseColons(t, string(b))
}

func TestKeyboxAgainstGpgListing(t *testing.T) {
	c := run(t, NewKeyring(), input(t, fixtures, "alice/pubring.kbx"))
	for _, w := range c.Warnings {
		t.Errorf("warning: %s", w.Message)
	}
	listing := readListing(t, "alice.list-keys.colons")
	if len(listing) != 6 {
		t.Fatalf("fixture listing has %d keys, want 6 (4 primaries, 2 subkeys)", len(listing))
	}
	compareListing(t, c, listing, true)
	if n := len(c.Kind("pgp.key")); n != 4 {
		t.Errorf("%d pgp.key, want 4", n)
	}
	// Secret linking: every key gpg lists as secret has has_secret with the
	// protection its agent file has; bob's imported key has none.
	secret := map[string]bool{}
	for _, k := range readListing(t, "alice.list-secret-keys.colons") {
		secret[k.fpr] = true
	}
	wantProt := map[string]string{}
	for _, a := range c.Kind("pgp.key") {
		if strings.Contains(str(a, "uids"), "Alice Unprotected") {
			wantProt[str(a, "fingerprint")] = "unprotected"
		}
	}
	for _, kind := range []string{"pgp.key", "pgp.subkey"} {
		for _, a := range c.Kind(kind) {
			fpr := str(a, "fingerprint")
			hs, _ := a.Get("has_secret")
			if hs.Bool != secret[fpr] {
				t.Errorf("%s has_secret %v, gpg secret listing %v", fpr, hs.Bool, secret[fpr])
			}
			if secret[fpr] {
				want := "protected"
				if w, ok := wantProt[fpr]; ok {
					want = w
				}
				if got := str(a, "secret_protection"); got != want {
					t.Errorf("%s secret_protection %q, want %q", fpr, got, want)
				}
			}
			if v, _ := a.Get("blob_checksum"); kind == "pgp.key" && v.Str != "sha1-ok" {
				t.Errorf("%s blob checksum %q", fpr, v.Str)
			}
		}
	}
	// bob's key carries alice's certification.
	var aliceID string
	for _, k := range listing {
		if k.typ == "pub" && len(k.uids) > 0 && strings.Contains(k.uids[0], "alice@example.org") {
			aliceID = k.keyID
		}
	}
	found := false
	for _, u := range c.Kind("pgp.uid") {
		if str(u, "email") == "bob@example.com" {
			found = strings.Contains(str(u, "certified_by"), aliceID)
		}
	}
	if !found {
		t.Errorf("bob's UID lacks alice's certification %s", aliceID)
	}
}

func TestLegacyRingAgainstGpgListing(t *testing.T) {
	c := run(t, NewKeyring(), input(t, fixtures, "legacy/pubring.gpg"))
	for _, w := range c.Warnings {
		t.Errorf("warning: %s", w.Message)
	}
	compareListing(t, c, readListing(t, "legacy.list-keys.colons"), false)
	for _, a := range c.Kind("pgp.key") {
		if num(a, "trust_packets") == 0 {
			t.Errorf("%s: no trust packets in a gnupg-ring", str(a, "fingerprint"))
		}
	}
	s := run(t, NewKeyring(), input(t, fixtures, "legacy/secring.gpg"))
	keys := s.Kind("pgp.key")
	if len(keys) != 1 || str(keys[0], "secret_packet_protection") != "none" {
		t.Fatalf("secring: %d keys, %+v", len(keys), keys)
	}
}

func TestPrivateKeysGripEqualsFileName(t *testing.T) {
	dir := filepath.Join(fixtures, "alice/private-keys-v1.d")
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	secret := map[string]*colonKey{}
	for _, k := range readListing(t, "alice.list-secret-keys.colons") {
		secret[k.grip] = k
	}
	if len(ents) != 4 {
		t.Fatalf("%d key files, want 4", len(ents))
	}
	prot := map[string]int{}
	for _, e := range ents {
		c := run(t, NewPrivateKey(), input(t, fixtures, "alice/private-keys-v1.d/"+e.Name()))
		a := c.Kind("pgp.secret_key")
		if len(a) != 1 {
			t.Fatalf("%s: %d artefacts", e.Name(), len(a))
		}
		grip := str(a[0], "keygrip")
		if grip+".key" != e.Name() {
			t.Errorf("computed keygrip %s, file %s", grip, e.Name())
		}
		k := secret[grip]
		if k == nil {
			t.Errorf("%s not in gpg's secret listing", grip)
			continue
		}
		if num(a[0], "bits") != int64(k.bits) || str(a[0], "curve") != k.curve {
			t.Errorf("%s: bits %d curve %q, gpg %d %q", grip, num(a[0], "bits"), str(a[0], "curve"), k.bits, k.curve)
		}
		if got := unix(a[0], "created"); got != k.created {
			t.Errorf("%s created %d, gpg %d", grip, got, k.created)
		}
		prot[str(a[0], "protection")]++
		if str(a[0], "protection") == "protected" && str(a[0], "protection_mode") != "openpgp-s2k3-ocb-aes" {
			t.Errorf("%s mode %q", grip, str(a[0], "protection_mode"))
		}
	}
	if prot["protected"] != 3 || prot["unprotected"] != 1 {
		t.Errorf("protection counts %v, want 3 protected 1 unprotected", prot)
	}
}

func TestArmourDocsAndChat(t *testing.T) {
	want := map[string][]string{
		"docs/alice-public.asc":             {"PUBLIC KEY BLOCK"},
		"docs/alice-unprotected-secret.asc": {"PRIVATE KEY BLOCK"},
		"docs/note.txt.asc":                 {"SIGNED MESSAGE", "SIGNATURE"},
		"docs/msg.asc":                      {"MESSAGE"},
		"docs/chat.log":                     {"PUBLIC KEY BLOCK", "PUBLIC KEY BLOCK", "MESSAGE"},
	}
	pub := map[string]bool{}
	for _, k := range readListing(t, "alice.list-keys.colons") {
		pub[k.fpr] = true
	}
	for rel, types := range want {
		in := input(t, fixtures, rel)
		c := run(t, NewArmour(), in)
		for _, w := range c.Warnings {
			t.Errorf("%s: warning %s", rel, w.Message)
		}
		blocks := c.Kind("pgp.armour")
		sort.Slice(blocks, func(i, j int) bool { return num(blocks[i], "offset") < num(blocks[j], "offset") })
		var got []string
		for _, b := range blocks {
			got = append(got, str(b, "block_type"))
			if v, ok := b.Get("crc_ok"); ok && !v.Bool {
				t.Errorf("%s: CRC of %s block not ok", rel, str(b, "block_type"))
			}
		}
		if strings.Join(got, ",") != strings.Join(types, ",") {
			t.Errorf("%s: blocks %v, want %v", rel, got, types)
		}
		for _, k := range c.Kind("pgp.key") {
			if !pub[str(k, "fingerprint")] {
				t.Errorf("%s: armoured key %s not in gpg's listing", rel, str(k, "fingerprint"))
			}
		}
	}
}

// TestGpgLive lists a temporary copy of the committed home with the
// installed gpg and compares fingerprints with the committed listing.
func TestGpgLive(t *testing.T) {
	if _, err := exec.LookPath("gpg"); err != nil {
		t.Skip("gpg not installed; the committed listings are the reference")
	}
	home := t.TempDir()
	for _, f := range []string{"pubring.kbx", "trustdb.gpg"} {
		b, err := os.ReadFile(filepath.Join(fixtures, "alice", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(home, f), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command("gpg", "--homedir", home, "--batch", "--no-auto-check-trustdb", "--with-colons", "--with-keygrip", "--fingerprint", "--list-keys")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("gpg: %v", err)
	}
	defer exec.Command("gpgconf", "--homedir", home, "--kill", "all").Run()
	c := run(t, NewKeyring(), input(t, fixtures, "alice/pubring.kbx"))
	compareListing(t, c, parseColons(t, string(out)), true)
}

func TestRevocationCertificates(t *testing.T) {
	dir := filepath.Join(fixtures, "alice/openpgp-revocs.d")
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	pub := map[string]*colonKey{}
	for _, k := range readListing(t, "alice.list-keys.colons") {
		pub[k.fpr] = k
	}
	if len(ents) != 3 {
		t.Fatalf("%d revocation certificates, want 3 (one per generated primary)", len(ents))
	}
	for _, e := range ents {
		c := run(t, NewArmour(), input(t, fixtures, "alice/openpgp-revocs.d/"+e.Name()))
		r := c.Kind("pgp.revocation")
		if len(r) != 1 {
			t.Fatalf("%s: %d revocations", e.Name(), len(r))
		}
		fpr := str(r[0], "issuer_fingerprint")
		if fpr+".rev" != e.Name() || pub[fpr] == nil || str(r[0], "issuer_key_id") != pub[fpr].keyID {
			t.Errorf("%s: issuer %s / %s", e.Name(), fpr, str(r[0], "issuer_key_id"))
		}
		// gpg signs the certificate right after the key; faketime's clock
		// ticks on, so it is a few seconds later than the key's creation.
		if cr := unix(r[0], "created"); num(r[0], "signature_type") != 0x20 || cr < pub[fpr].created || cr > pub[fpr].created+60 {
			t.Errorf("%s: type %#x created %d", e.Name(), num(r[0], "signature_type"), unix(r[0], "created"))
		}
		if a := c.Kind("pgp.armour"); len(a) != 1 {
			t.Errorf("%s: %d armour blocks", e.Name(), len(a))
		} else if v, _ := a[0].Get("disarmed"); !v.Bool {
			t.Errorf("%s: block not marked disarmed", e.Name())
		}
	}
}

// The manifest written by testdata/gen/pgp.sh (from the same gpg run) is
// the reference where gpg is absent; check it against the keybox too.
func TestManifest(t *testing.T) {
	var m struct {
		AlicePublic []struct {
			Fpr, Keyid, Keygrip string
			Created, Expires    int64
			Uids                []string
			Subkeys             []struct {
				Fpr, Keyid, Keygrip string
				Created, Expires    int64
			}
		} `json:"alice_public"`
	}
	if err := json.Unmarshal(mustRead(t, "manifest.json"), &m); err != nil {
		t.Fatal(err)
	}
	c := run(t, NewKeyring(), input(t, fixtures, "alice/pubring.kbx"))
	got := map[string]finding.Artefact{}
	for _, k := range []string{"pgp.key", "pgp.subkey"} {
		for _, a := range c.Kind(k) {
			got[str(a, "fingerprint")] = a
		}
	}
	n := 0
	check := func(fpr, keyid, grip string, created, expires int64) {
		n++
		a, ok := got[fpr]
		if !ok || str(a, "key_id") != keyid || str(a, "keygrip") != grip || unix(a, "created") != created || unix(a, "expires") != expires {
			t.Errorf("manifest key %s: ours %v", fpr, a.Attrs)
		}
	}
	for _, k := range m.AlicePublic {
		check(k.Fpr, k.Keyid, k.Keygrip, k.Created, k.Expires)
		for _, s := range k.Subkeys {
			check(s.Fpr, s.Keyid, s.Keygrip, s.Created, s.Expires)
		}
	}
	if n != len(got) || n != 6 {
		t.Errorf("manifest has %d keys, parser %d, want 6", n, len(got))
	}
}

// Owner trust equals gpg --export-ownertrust on the same home.
func TestTrustDBOwnertrust(t *testing.T) {
	want := map[string]int64{}
	for _, l := range strings.Split(string(mustRead(t, "alice.ownertrust")), "\n") {
		if f := strings.Split(l, ":"); len(f) >= 2 && !strings.HasPrefix(l, "#") {
			v, _ := strconv.ParseInt(f[1], 10, 64)
			want[f[0]] = v
		}
	}
	if len(want) != 3 {
		t.Fatalf("fixture ownertrust has %d keys", len(want))
	}
	c := run(t, NewTrustDB(), input(t, fixtures, "alice/trustdb.gpg"))
	got := map[string]int64{}
	for _, a := range c.Kind("pgp.ownertrust") {
		got[str(a, "fingerprint")] = num(a, "ownertrust")
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("ownertrust %v, gpg %v", got, want)
	}
	db := c.Kind("pgp.trustdb")
	if len(db) != 1 || str(db[0], "trust_model") != "pgp" || num(db[0], "version") != 3 {
		t.Errorf("version record %+v", db)
	}
	if NewTrustDB().Match(input(t, fixtures, "alice/pubring.kbx")) {
		t.Error("trustdb parser matches a keybox")
	}
}

// gpg --export-secret-subkeys leaves a GNU dummy stub for the primary key
// and a passphrase-protected (S2K usage 254) subkey.
func TestSecretSubkeysOnlyExport(t *testing.T) {
	c := run(t, NewKeyring(), input(t, fixtures, "docs/alice-subkeys-only.gpg"))
	k, s := c.Kind("pgp.key"), c.Kind("pgp.subkey")
	if len(k) != 1 || len(s) != 1 {
		t.Fatalf("%d keys, %d subkeys", len(k), len(s))
	}
	if got := str(k[0], "secret_packet_protection"); got != "gnu-dummy" {
		t.Errorf("primary protection %q, want gnu-dummy", got)
	}
	if got := str(s[0], "secret_packet_protection"); got != "s2k-usage-254" {
		t.Errorf("subkey protection %q, want s2k-usage-254", got)
	}
	listing := readListing(t, "alice.list-keys.colons")
	if str(k[0], "fingerprint") != listing[0].fpr || str(s[0], "fingerprint") != listing[1].fpr {
		t.Errorf("fingerprints %s %s, gpg %s %s", str(k[0], "fingerprint"), str(s[0], "fingerprint"), listing[0].fpr, listing[1].fpr)
	}
}
