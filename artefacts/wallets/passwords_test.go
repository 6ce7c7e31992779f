package wallets

import (
	"context"
	"github.com/loupe-forensics/loupe/artefacts"
	"strings"
	"testing"
)

// TestLocks: every encrypted fixture yields exactly one lock that its
// manifest password opens and a wrong password does not; plain fixtures
// yield none.
func TestLocks(t *testing.T) {
	if testing.Short() {
		t.Skip("slow KDFs")
	}
	m := loadManifest(t)
	cm := loadCoreManifest(t)
	var mm metaMaskManifest
	loadJSON(t, "metamask/manifest.json", &mm)
	type tc struct {
		name, rel, password, format string
		leveldb                     bool
	}
	var cases []tc
	for _, e := range m.Electrum {
		switch {
		case e.FileEncrypted:
			cases = append(cases, tc{e.File, e.File, e.Password, "electrum-file", false})
		case e.KeystoreEncrypt || e.Password != "":
			cases = append(cases, tc{e.File, e.File, e.Password, "electrum-keystore", false})
		default:
			cases = append(cases, tc{e.File, e.File, "", "", false})
		}
	}
	for _, e := range m.Ethereum {
		cases = append(cases, tc{e.File, "ethereum/" + strings.TrimPrefix(e.File, "ethereum/"), e.Password, "ethereum-keystore", false})
	}
	for name, w := range cm {
		if w.Encrypted {
			cases = append(cases, tc{"core-" + name, w.File, w.Password, "bitcoin-core-mkey", false})
		} else {
			cases = append(cases, tc{"core-" + name, w.File, "", "", false})
		}
	}
	cases = append(cases, tc{"metamask", metaMaskStore, mm.Password, "metamask-vault", true}, tc{"atomic", atomicStore, "", "", true})
	opened := 0
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			input := storeInputOrFile(t, c.rel, c.leveldb)
			locks, err := Locks(context.Background(), input)
			if err != nil {
				t.Fatal(err)
			}
			if c.format == "" {
				if len(locks) != 0 {
					t.Fatalf("%d locks on an unencrypted wallet", len(locks))
				}
				return
			}
			if len(locks) != 1 || locks[0].Format != c.format {
				t.Fatalf("locks %+v, want one %s", locks, c.format)
			}
			ok, detail, err := locks[0].Try(c.password + "x")
			if ok || err != nil {
				t.Fatalf("wrong password: opened %v (%s), %v", ok, detail, err)
			}
			ok, detail, err = locks[0].Try(c.password)
			if !ok || err != nil || detail == "" {
				t.Fatalf("manifest password: opened %v (%s), %v", ok, detail, err)
			}
			if c.password != "" && strings.Contains(detail, c.password) {
				t.Fatalf("detail repeats the password: %s", detail)
			}
			opened++
		})
	}
	// electrum file, keystore and imported keys, ethereum, core encrypted, metamask.
	if opened != 6 {
		t.Errorf("%d locks opened, want 6", opened)
	}
}

func storeInputOrFile(t *testing.T, rel string, leveldb bool) *artefacts.Input {
	if leveldb {
		return storeInput(t, rel)
	}
	in, _ := fixtureInput(t, rel)
	in.WorkDir = t.TempDir()
	return in
}
