package wallets

import (
	"encoding/json"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/loupe-forensics/loupe/artefacts"
	"github.com/loupe-forensics/loupe/artefacts/leveldbcopy"
	"github.com/loupe-forensics/loupe/forensic/finding"
)

const (
	metaMaskStore = "metamask/Default/Local Extension Settings/nkbihfbeogaeaoehlefnkodbefgpgknn"
	atomicStore   = "atomic/Local Storage/leveldb"
)

// storeInput is the CURRENT file of a committed LevelDB fixture, offered as
// the pipeline offers it: with the file system it sits on.
func storeInput(t testing.TB, store string) *artefacts.Input {
	t.Helper()
	in, _ := fixtureInput(t, path.Join(store, "CURRENT"))
	in.FS = os.DirFS(fixtures)
	in.WorkDir = t.TempDir()
	return in
}

type metaMaskManifest struct {
	Password    string                           `json:"password"`
	Mnemonic    string                           `json:"mnemonic"`
	Iter        int64                            `json:"vault_iter"`
	Accounts    []struct{ Address, Name string } `json:"accounts"`
	AddressBook []struct{ Address, Name string } `json:"address_book"`
	Txs         []struct {
		Hash, From, To, Value, Status string
		Time                          int64 `json:"time_ms"`
	} `json:"transactions"`
	MetaVersion int64 `json:"meta_version"`
}

func loadJSON(t testing.TB, rel string, v any) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fixtures, rel))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatal(err)
	}
}

func TestMetaMaskFixture(t *testing.T) {
	var m metaMaskManifest
	loadJSON(t, "metamask/manifest.json", &m)
	in := storeInput(t, metaMaskStore)
	p := NewMetaMask()
	if !p.Match(in) {
		t.Fatal("no match on CURRENT")
	}
	c, err := run(t, p, in)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Warnings) != 0 {
		t.Fatalf("warnings: %+v", c.Warnings)
	}
	s := c.Kind(KindMetaMask)
	if len(s) != 1 {
		t.Fatalf("%d summaries", len(s))
	}
	if enc, _ := attrBool(s[0], "encrypted"); !enc || attrInt(s[0], "kdf_iterations") != m.Iter ||
		attrStr(s[0], "kdf_iterations_from") != "keyMetadata" || attrInt(s[0], "state_version") != m.MetaVersion ||
		attrStr(s[0], "extension_id") != "nkbihfbeogaeaoehlefnkodbefgpgknn" {
		t.Errorf("summary %+v", s[0].Attrs)
	}
	var got, want []string
	for _, a := range c.Kind(KindAddress) {
		if ok, _ := attrBool(a, "validated"); !ok {
			t.Errorf("%s not validated", attrStr(a, "address"))
		}
		got = append(got, attrStr(a, "chain")+" "+attrStr(a, "address")+" "+attrStr(a, "label"))
	}
	for _, a := range m.Accounts {
		want = append(want, "account "+a.Address+" "+a.Name)
	}
	for _, a := range m.AddressBook {
		want = append(want, "address-book "+a.Address+" "+a.Name)
	}
	sameSet(t, "addresses", got, want)
	got, want = nil, nil
	for _, x := range c.Kind(KindTransaction) {
		tm, _ := x.Get("time")
		got = append(got, fmt.Sprintf("%s %s %s %s %s", attrStr(x, "txid"), attrStr(x, "from"), attrStr(x, "to"), attrStr(x, "status"), tm.Time.Format(time.RFC3339Nano)))
	}
	for _, x := range m.Txs {
		want = append(want, fmt.Sprintf("%s %s %s %s %s", x.Hash, x.From, x.To, x.Status, time.UnixMilli(x.Time).UTC().Format(time.RFC3339Nano)))
	}
	sameSet(t, "transactions", got, want)
	// The evidence folder is untouched: goleveldb only ever saw the copy.
	ents, _ := os.ReadDir(filepath.Join(fixtures, metaMaskStore))
	for _, e := range ents {
		if e.Name() == "LOG" || strings.HasPrefix(e.Name(), "LOG.") {
			t.Errorf("%s appeared in the evidence folder", e.Name())
		}
	}
}

// TestMetaMaskVaultVector: MetaMask's own vault-decryptor test vector (a
// vault made by MetaMask 10.24.2 in Chromium 108, legacy shape without
// keyMetadata; github.com/MetaMask/vault-decryptor, fixture
// chromium-108.0_5359.98_4.10.24.2) decrypts with its published password to
// one HD keyring, and a wrong password fails authentication.
func TestMetaMaskVaultVector(t *testing.T) {
	const vault = `{"data":"8w0Wn8LaR3kMTp++Crr/JMCd6/xrfI1xWJsBgZXIdaKvPHCpjK/o1d6drEvQ7/ThtCynS5jP5F2T5esc0cin6E+2g3zcHRIpYp1Ut3Zn4Gw5Of8yxEk+Whq5eV2O8kbxfeurqTBx3b377e9Jd4N39QFF9kyE3cr8j6fETQvKjOC6irIGL0vI+TkUUylKISZ2OksbQJEooWPW3S1O8xdazL32j7dOnLbkrq1Xan0EIC7sg41oWUyMuS5eVopigxJ0ehueZsFlkvcBb+9zp6eMW5rw+CHC8KHXZdWGU45Ag85PaO5smtkOzb+WrQbufpQgsgKY23SsM8I1uTK6738/IHQ7kzFYImX0AJdF60xiUpihA/iUdWn6lr+kS4uyp7NhMLb4D5fHQi7pDb29TIDj1267rCD3w1N9M1nwWUjcG0gw5AMdf4bwYjpKOeQv2M5dGiX41+iQ9Rs5R6t3qZTNZpNu/czZaCUU8Bbr/je6Z7Milwl3b5NMfO7u2GID7aSG8s8RQ6/D5PjmtJN3a5BY6WLm1IzV","iv":"SCr2xR/hqI6qqJQese4E9Q==","salt":"HQnH0ArgfCWp86acfYN5Kr9wCWFKE3uw0fwUQafJHMY="}`
	var v MetaMaskVault
	if err := json.Unmarshal([]byte(vault), &v); err != nil {
		t.Fatal(err)
	}
	if it, fromMeta := v.Iterations(); it != 10000 || fromMeta {
		t.Fatalf("iterations %d (from keyMetadata %v), want the legacy 10000", it, fromMeta)
	}
	rings, err := v.Decrypt("JooXegoodowu8mohf2ietah5kohgah5")
	if err != nil {
		t.Fatal(err)
	}
	if len(rings) != 1 || rings[0].Type != "HD Key Tree" || rings[0].Accounts != 1 {
		t.Fatalf("keyrings %+v", rings)
	}
	if _, err := v.Decrypt("JooXegoodowu8mohf2ietah5kohgah6"); err != ErrVaultPassword {
		t.Fatalf("wrong password: %v", err)
	}
}

func TestMetaMaskFixtureVault(t *testing.T) {
	if testing.Short() {
		t.Skip("600,000 PBKDF2 iterations")
	}
	var m metaMaskManifest
	loadJSON(t, "metamask/manifest.json", &m)
	in := storeInput(t, metaMaskStore)
	c, err := leveldbcopy.Open(in)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	data, _, err := leveldbcopy.GetCapped(c.DB, "data", MaxJSONSize)
	if err != nil {
		t.Fatal(err)
	}
	st, err := ParseMetaMaskState(data)
	if err != nil || st.Vault == nil {
		t.Fatalf("state: %v", err)
	}
	rings, err := st.Vault.Decrypt(m.Password)
	if err != nil || len(rings) != 1 || rings[0].Accounts != len(m.Accounts) {
		t.Fatalf("decrypt: %+v %v", rings, err)
	}
}

type atomicManifest struct {
	Addresses []struct{ ID, Address string } `json:"addresses"`
	Valid     []string                       `json:"valid"`
}

func TestAtomicFixture(t *testing.T) {
	var m atomicManifest
	loadJSON(t, "atomic/manifest.json", &m)
	in := storeInput(t, atomicStore)
	c, err := run(t, NewAtomic(), in)
	if err != nil {
		t.Fatal(err)
	}
	s := c.Kind(KindAtomic)
	if len(s) != 1 {
		t.Fatalf("%d summaries", len(s))
	}
	if enc, _ := attrBool(s[0], "mnemonic_encrypted"); !enc || attrInt(s[0], "addresses") != int64(len(m.Addresses)) {
		t.Errorf("summary %+v", s[0].Attrs)
	}
	var valid []string
	for _, a := range c.Kind(KindAddress) {
		if ok, _ := attrBool(a, "validated"); ok {
			valid = append(valid, attrStr(a, "address"))
		}
	}
	sameSet(t, "valid addresses", valid, m.Valid)
	if n := len(c.Kind(KindAddress)); n != len(m.Addresses) {
		t.Errorf("%d addresses, want %d", n, len(m.Addresses))
	}
	// Exactly one warning: the damaged entry.
	if len(c.Warnings) != len(m.Addresses)-len(m.Valid) {
		t.Errorf("warnings %+v", c.Warnings)
	}
}

// TestLevelDBStoresAreNotConfused: each parser declines the other's store.
func TestLevelDBStoresAreNotConfused(t *testing.T) {
	for _, tc := range []struct {
		p     artefacts.Parser
		store string
	}{{NewMetaMask(), atomicStore}, {NewAtomic(), metaMaskStore}} {
		var c finding.Collector
		err := tc.p.Parse(t.Context(), storeInput(t, tc.store), &c)
		if err != artefacts.ErrWrongFormat || len(c.Artefacts)+len(c.Warnings) != 0 {
			t.Errorf("%s on %s: %v, %d findings", tc.p.Name(), tc.store, err, len(c.Artefacts)+len(c.Warnings))
		}
	}
}

// FuzzMetaMaskState: the state extraction never panics.
func FuzzMetaMaskState(f *testing.F) {
	f.Add([]byte(`{"KeyringController":{"vault":"{\"data\":\"AA==\",\"iv\":\"AA==\",\"salt\":\"AA==\",\"keyMetadata\":{\"params\":{\"iterations\":1}}}"},"TransactionController":{"transactions":{"1":{"txParams":{"value":"0xzz"}}}}}`))
	f.Add([]byte(`{"KeyringController":{},"PreferencesController":{"identities":{"0xabc":{"address":7}}}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		st, err := ParseMetaMaskState(b)
		if err != nil {
			return
		}
		if st.Vault != nil {
			if it, _ := st.Vault.Iterations(); it < 1<<10 {
				st.Vault.Decrypt("x")
			}
		}
	})
}
