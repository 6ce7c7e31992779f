package pgp

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/loupe-forensics/loupe/artefacts"
	"github.com/loupe-forensics/loupe/forensic/finding"
)

func withWorkDir(t *testing.T, in *artefacts.Input) *artefacts.Input {
	in.WorkDir = t.TempDir()
	return in
}

// keyboxd's pubring.db against gpg's own listing of the same keys.
func TestKeyboxdAgainstGPG(t *testing.T) {
	root := filepath.Join(fixtures, "keyboxd")
	colons, err := os.ReadFile(filepath.Join(root, "list-keys.colons"))
	if err != nil {
		t.Fatal(err)
	}
	want := parseColons(t, string(colons))
	c := run(t, NewKeyboxd(), withWorkDir(t, input(t, root, "public-keys.d/pubring.db")))
	if len(c.Warnings) != 0 {
		t.Fatalf("warnings: %+v", c.Warnings)
	}
	got := map[string]finding.Artefact{}
	for _, k := range []string{"pgp.key", "pgp.subkey"} {
		for _, a := range c.Kind(k) {
			got[str(a, "fingerprint")] = a
		}
	}
	if len(got) != len(want) {
		t.Fatalf("%d keys and subkeys, gpg lists %d", len(got), len(want))
	}
	grips, _ := filepath.Glob(filepath.Join(root, "private-keys-v1.d", "*.key"))
	secrets := 0
	for _, w := range want {
		a, ok := got[w.fpr]
		if !ok {
			t.Fatalf("%s missing", w.fpr)
		}
		if str(a, "key_id") != w.keyID || str(a, "keygrip") != w.grip || unix(a, "created") != w.created || unix(a, "expires") != w.expires {
			t.Errorf("%s: %+v, gpg %+v", w.fpr, a.Attrs, w)
		}
		if w.typ == "pub" {
			if str(a, "uids") != strings.Join(w.uids, "\n") || str(a, "container") != "keyboxd" {
				t.Errorf("%s uids %q, gpg %q", w.fpr, str(a, "uids"), w.uids)
			}
			if !strings.Contains(a.Source.String(), "row:pubkey#") {
				t.Errorf("provenance %s", a.Source)
			}
		}
		if v, _ := a.Get("has_secret"); v.Bool {
			secrets++
		}
	}
	if secrets != len(grips) {
		t.Errorf("%d keys with a secret, %d agent files beside the database", secrets, len(grips))
	}
	if s := c.Kind("pgp.keyboxd"); len(s) != 1 || num(s[0], "key_blocks") != 4 || num(s[0], "fingerprints") != int64(len(want)) {
		t.Errorf("summary %+v", s)
	}
}

// A keyboxd row whose stored keygrip disagrees with the key material is
// reported, and a damaged key block is a warning, not a crash.
func TestKeyboxdTampered(t *testing.T) {
	root := filepath.Join(fixtures, "keyboxd")
	dir := t.TempDir()
	b, _ := os.ReadFile(filepath.Join(root, "public-keys.d", "pubring.db"))
	db := filepath.Join(dir, "pubring.db")
	os.WriteFile(db, b, 0o644)
	sql := "UPDATE fingerprint SET keygrip = x'00' WHERE subkey = 0 AND rowid = 1; UPDATE pubkey SET keyblob = substr(keyblob, 1, 40) WHERE rowid = 2;"
	if out, err := execSQLite(db, sql); err != nil {
		t.Skipf("sqlite3: %v %s", err, out)
	}
	c := run(t, NewKeyboxd(), withWorkDir(t, input(t, dir, "pubring.db")))
	var msgs []string
	for _, w := range c.Warnings {
		msgs = append(msgs, w.Message)
	}
	all := strings.Join(msgs, "\n")
	if !strings.Contains(all, "keyboxd stores keygrip 00") || !strings.Contains(all, "keyblob") {
		t.Errorf("warnings:\n%s", all)
	}
}

// tofu.db written by gpg against gpg's --with-tofu-info listing (tfs:
// validity, sign count, encryption count, policy, first/last signature,
// first/last encryption).
func TestTofuAgainstGPG(t *testing.T) {
	root := filepath.Join(fixtures, "tofu")
	colons, err := os.ReadFile(filepath.Join(root, "list-keys-tofu.colons"))
	if err != nil {
		t.Fatal(err)
	}
	c := run(t, NewTofu(), withWorkDir(t, input(t, root, "tofu.db")))
	if len(c.Warnings) != 0 {
		t.Fatalf("warnings %+v", c.Warnings)
	}
	byUID := map[string]finding.Artefact{}
	for _, a := range c.Kind("pgp.tofu_binding") {
		byUID[str(a, "uid")] = a
	}
	checked := 0
	var fpr, uid string
	for _, l := range strings.Split(string(colons), "\n") {
		f := strings.Split(l, ":")
		switch f[0] {
		case "pub":
			fpr = ""
		case "fpr":
			if fpr == "" {
				fpr = f[9]
			}
		case "uid":
			uid = f[9]
		case "tfs":
			sigs, _ := strconv.ParseInt(f[3], 10, 64)
			encs, _ := strconv.ParseInt(f[4], 10, 64)
			sf, _ := strconv.ParseInt(f[6], 10, 64)
			sl, _ := strconv.ParseInt(f[7], 10, 64)
			ef, _ := strconv.ParseInt(f[8], 10, 64)
			el, _ := strconv.ParseInt(f[9], 10, 64)
			a, ok := byUID[uid]
			if sigs == 0 && encs == 0 {
				if ok {
					t.Errorf("%s: binding without use, gpg lists none", uid)
				}
				continue
			}
			if !ok {
				t.Fatalf("no binding for %s", uid)
			}
			checked++
			if str(a, "fingerprint") != fpr || num(a, "signatures_verified") != sigs || num(a, "encryptions") != encs ||
				unix(a, "first_signature_seen") != sf || unix(a, "last_signature_seen") != sl ||
				unix(a, "first_encryption") != ef || unix(a, "last_encryption") != el || str(a, "policy") != "auto" || str(a, "effective_policy") != f[5] {
				t.Errorf("%s: %+v, gpg %s", uid, a.Attrs, l)
			}
		}
	}
	if checked != 3 || len(byUID) != 3 {
		t.Errorf("checked %d bindings of %d", checked, len(byUID))
	}
}

func TestSQLStoresIgnoreOtherSQLite(t *testing.T) {
	root := filepath.Join(fixtures, "tofu")
	for _, p := range []artefacts.Parser{NewKeyboxd()} {
		var c finding.Collector
		err := artefacts.Run(context.Background(), p, withWorkDir(t, input(t, root, "tofu.db")), &c)
		if err != artefacts.ErrWrongFormat || len(c.Artefacts) != 0 || len(c.Warnings) != 0 {
			t.Errorf("%s on tofu.db: %v %+v %+v", p.Name(), err, c.Artefacts, c.Warnings)
		}
	}
}

func execSQLite(db, sql string) ([]byte, error) {
	return exec.Command("sqlite3", db, sql).CombinedOutput()
}

func TestThunderbirdAcceptance(t *testing.T) {
	root := filepath.Join(fixtures, "thunderbird")
	b, err := os.ReadFile(filepath.Join(root, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var want map[string]map[string][]string
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	c := run(t, NewThunderbird(), withWorkDir(t, input(t, root, "openpgp.sqlite")))
	got := c.Kind("pgp.acceptance")
	if len(c.Warnings) != 0 || len(got) != 2 {
		t.Fatalf("%d decisions, warnings %+v", len(got), c.Warnings)
	}
	for _, a := range got {
		emails := want[str(a, "decision")][str(a, "fingerprint")]
		if emails == nil || str(a, "emails") != strings.Join(emails, "\n") || !strings.Contains(a.Source.String(), "row:acceptance_decision#") {
			t.Errorf("%+v, manifest %v", a.Attrs, want)
		}
	}
	// Another parser's database is not this one's.
	var other finding.Collector
	if err := artefacts.Run(context.Background(), NewThunderbird(), withWorkDir(t, input(t, filepath.Join(fixtures, "tofu"), "tofu.db")), &other); err != artefacts.ErrWrongFormat {
		t.Errorf("tofu.db: %v", err)
	}
}
