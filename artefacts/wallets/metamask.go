package wallets

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"path"
	"sort"
	"strings"

	"golang.org/x/crypto/pbkdf2"

	"github.com/loupe-forensics/loupe/artefacts"
	"github.com/loupe-forensics/loupe/artefacts/coins"
	"github.com/loupe-forensics/loupe/artefacts/leveldbcopy"
	"github.com/loupe-forensics/loupe/forensic/finding"
)

// MetaMask parser identity.
const (
	MetaMaskName    = "wallets/metamask"
	MetaMaskVersion = "1"
	KindMetaMask    = "wallet.metamask"
)

// Extension IDs MetaMask is published under (Chrome Web Store, Edge Add-ons).
var metaMaskIDs = map[string]string{
	"nkbihfbeogaeaoehlefnkodbefgpgknn": "chrome-web-store",
	"ejbalbakoplchlghecdalmeeeajnimhm": "edge-add-ons",
}

// metaMaskLegacyIterations: vaults without keyMetadata were made with
// browser-passworder's fixed 10,000 PBKDF2-SHA256 iterations.
const metaMaskLegacyIterations = 10000

// MetaMask reads MetaMask's Chromium extension storage (a LevelDB whose
// "data" key holds the extension state as JSON): the vault is recorded as
// encrypted with its KDF and iterations; accounts, the address book and
// transactions come from the clear state. Provenance is
// "<CURRENT> > record:leveldb#data > record:json#<path>".
type MetaMask struct{}

// NewMetaMask returns the MetaMask parser.
func NewMetaMask() *MetaMask { return &MetaMask{} }

func (*MetaMask) Name() string    { return MetaMaskName }
func (*MetaMask) Version() string { return MetaMaskVersion }

// Match: a LevelDB CURRENT file (the store's content decides in Parse).
func (*MetaMask) Match(in *artefacts.Input) bool { return leveldbcopy.Match(in) }

// MetaMaskVault is the encrypted vault as stored (browser-passworder).
type MetaMaskVault struct {
	Data        string `json:"data"`
	IV          string `json:"iv"`
	Salt        string `json:"salt"`
	KeyMetadata *struct {
		Algorithm string `json:"algorithm"`
		Params    struct {
			Iterations int `json:"iterations"`
		} `json:"params"`
	} `json:"keyMetadata"`
}

// Iterations is the PBKDF2 count: keyMetadata's, or the legacy 10,000.
func (v *MetaMaskVault) Iterations() (int, bool) {
	if v.KeyMetadata != nil {
		return v.KeyMetadata.Params.Iterations, true
	}
	return metaMaskLegacyIterations, false
}

// MetaMaskState is what Loupe reads from the clear state.
type MetaMaskState struct {
	Vault       *MetaMaskVault
	VaultRaw    string
	VaultErr    error
	Accounts    []mmAccount
	AddressBook []mmAccount
	Txs         []mmTx
	Selected    string
	Controllers []string
}

type mmAccount struct {
	Path, Address, Name, ChainID string
	Created                      int64 // ms
}

type mmTx struct {
	Path, ID, Hash, Status, ChainID, From, To, Value string
	Time                                             int64 // ms
}

// ParseMetaMaskState decodes the "data" value of the extension store.
// Unknown shapes are skipped: MetaMask has renamed its controllers over the
// years (identities moved from PreferencesController to AccountsController;
// transactions from an object keyed by id to a list).
func ParseMetaMaskState(b []byte) (*MetaMaskState, error) {
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("metamask state: %w", err)
	}
	if _, ok := doc["KeyringController"]; !ok {
		return nil, errors.New("metamask state: no KeyringController")
	}
	st := &MetaMaskState{}
	for k := range doc {
		st.Controllers = append(st.Controllers, k)
	}
	sort.Strings(st.Controllers)
	var kc struct {
		Vault json.RawMessage `json:"vault"`
	}
	_ = json.Unmarshal(doc["KeyringController"], &kc)
	if len(kc.Vault) > 0 {
		// The vault is a JSON string holding JSON (older versions: an object).
		var s string
		if json.Unmarshal(kc.Vault, &s) == nil {
			st.VaultRaw = s
		} else {
			st.VaultRaw = string(kc.Vault)
		}
		var v MetaMaskVault
		if err := json.Unmarshal([]byte(st.VaultRaw), &v); err != nil {
			st.VaultErr = fmt.Errorf("vault JSON: %w", err)
		} else if v.Data == "" || v.IV == "" || v.Salt == "" {
			st.VaultErr = errors.New("vault lacks data, iv or salt")
		} else {
			st.Vault = &v
		}
	}
	// Accounts: AccountsController (2023+) or PreferencesController.identities.
	var ac struct {
		Internal struct {
			Accounts map[string]struct {
				Address  string `json:"address"`
				Metadata struct {
					Name       string `json:"name"`
					ImportTime int64  `json:"importTime"`
				} `json:"metadata"`
			} `json:"accounts"`
		} `json:"internalAccounts"`
	}
	if json.Unmarshal(doc["AccountsController"], &ac) == nil {
		for _, id := range sortedMapKeys(ac.Internal.Accounts) {
			a := ac.Internal.Accounts[id]
			st.Accounts = append(st.Accounts, mmAccount{Path: "AccountsController.internalAccounts.accounts." + id,
				Address: a.Address, Name: a.Metadata.Name, Created: a.Metadata.ImportTime})
		}
	}
	var pc struct {
		Selected   string `json:"selectedAddress"`
		Identities map[string]struct {
			Address string `json:"address"`
			Name    string `json:"name"`
		} `json:"identities"`
	}
	if json.Unmarshal(doc["PreferencesController"], &pc) == nil {
		st.Selected = pc.Selected
		if len(st.Accounts) == 0 {
			for _, k := range sortedMapKeys(pc.Identities) {
				id := pc.Identities[k]
				st.Accounts = append(st.Accounts, mmAccount{Path: "PreferencesController.identities." + k, Address: id.Address, Name: id.Name})
			}
		}
	}
	var ab struct {
		Book map[string]map[string]struct {
			Address string `json:"address"`
			Name    string `json:"name"`
			ChainID string `json:"chainId"`
		} `json:"addressBook"`
	}
	if json.Unmarshal(doc["AddressBookController"], &ab) == nil {
		for _, chain := range sortedMapKeys(ab.Book) {
			for _, k := range sortedMapKeys(ab.Book[chain]) {
				e := ab.Book[chain][k]
				st.AddressBook = append(st.AddressBook, mmAccount{Path: "AddressBookController.addressBook." + chain + "." + k,
					Address: e.Address, Name: e.Name, ChainID: e.ChainID})
			}
		}
	}
	var tc struct {
		Transactions json.RawMessage `json:"transactions"`
	}
	if json.Unmarshal(doc["TransactionController"], &tc) == nil && len(tc.Transactions) > 0 {
		type rawTx struct {
			ID       json.RawMessage `json:"id"`
			Hash     string          `json:"hash"`
			Status   string          `json:"status"`
			ChainID  string          `json:"chainId"`
			Time     int64           `json:"time"`
			TxParams struct {
				From  string `json:"from"`
				To    string `json:"to"`
				Value string `json:"value"`
			} `json:"txParams"`
		}
		add := func(p string, t rawTx) {
			st.Txs = append(st.Txs, mmTx{Path: p, ID: strings.Trim(string(t.ID), `"`), Hash: t.Hash, Status: t.Status, ChainID: t.ChainID,
				From: t.TxParams.From, To: t.TxParams.To, Value: t.TxParams.Value, Time: t.Time})
		}
		var list []rawTx
		var byID map[string]rawTx
		if json.Unmarshal(tc.Transactions, &list) == nil {
			for i, t := range list {
				add(fmt.Sprintf("TransactionController.transactions.%d", i), t)
			}
		} else if json.Unmarshal(tc.Transactions, &byID) == nil {
			for _, k := range sortedMapKeys(byID) {
				add("TransactionController.transactions."+k, byID[k])
			}
		}
	}
	return st, nil
}

func sortedMapKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Parse opens a copy of the store and writes the findings.
func (p *MetaMask) Parse(ctx context.Context, in *artefacts.Input, out finding.Sink) error {
	c, err := leveldbcopy.Open(in)
	if err != nil {
		return err
	}
	defer c.Close()
	data, ok, err := leveldbcopy.GetCapped(c.DB, "data", MaxJSONSize)
	if !ok {
		return artefacts.ErrWrongFormat
	}
	e := &emitter{ctx: ctx, in: in, out: out, parser: MetaMaskName, version: MetaMaskVersion}
	dataRef := in.Ref.Record("leveldb", "data")
	if err != nil {
		return e.warnRef(dataRef, "metamask: %v", err)
	}
	st, err := ParseMetaMaskState(data)
	if err != nil {
		// Some other extension's "data" key.
		return artefacts.ErrWrongFormat
	}
	attrs := []finding.Attr{finding.S("leveldb_folder", "/"+c.Dir), finding.I("leveldb_files", int64(len(c.Files)))}
	if src, ok := metaMaskIDs[path.Base(c.Dir)]; ok {
		attrs = append(attrs, finding.S("extension_id", path.Base(c.Dir)), finding.S("extension_store", src))
	}
	if c.Repair {
		attrs = append(attrs, finding.B("leveldb_recovered", true))
	}
	if meta, ok, _ := leveldbcopy.GetCapped(c.DB, "meta", 1<<16); ok {
		var m struct {
			Version int64 `json:"version"`
		}
		if json.Unmarshal(meta, &m) == nil && m.Version > 0 {
			attrs = append(attrs, finding.I("state_version", m.Version))
		}
	}
	attrs = append(attrs, finding.B("vault_present", st.Vault != nil))
	if st.Vault != nil {
		iter, fromMeta := st.Vault.Iterations()
		src := "legacy default"
		if fromMeta {
			src = "keyMetadata"
		}
		attrs = append(attrs, finding.B("encrypted", true), finding.S("kdf", "pbkdf2-sha256"), finding.I("kdf_iterations", int64(iter)),
			finding.S("kdf_iterations_from", src), finding.S("cipher", "aes-256-gcm"))
	}
	attrs = append(attrs, finding.I("accounts", int64(len(st.Accounts))), finding.I("address_book", int64(len(st.AddressBook))),
		finding.I("transactions", int64(len(st.Txs))))
	if st.Selected != "" {
		attrs = append(attrs, finding.S("selected_address", normETH(st.Selected)))
	}
	if err := e.artefactRef(KindMetaMask, dataRef, attrs...); err != nil {
		return err
	}
	if st.VaultErr != nil {
		if err := e.warnRef(dataRef.Record("json", "KeyringController.vault"), "metamask: %v", st.VaultErr); err != nil {
			return err
		}
	}
	for _, set := range []struct {
		chain string
		list  []mmAccount
	}{{"account", st.Accounts}, {"address-book", st.AddressBook}} {
		for _, a := range set.list {
			if err := ctx.Err(); err != nil {
				return err
			}
			src := dataRef.Record("json", a.Path)
			v, ok := coins.ValidateETH(normETHInput(a.Address))
			attrs := []finding.Attr{finding.S("address", normETH(a.Address)), finding.S("chain", set.chain), finding.B("validated", ok)}
			if ok {
				attrs = append(attrs, finding.S("coin", string(v.Coin)), finding.S("checksum", string(v.Checksum)))
			}
			if a.Name != "" {
				attrs = append(attrs, finding.S("label", a.Name))
			}
			if a.ChainID != "" {
				attrs = append(attrs, finding.S("chain_id", a.ChainID))
			}
			if a.Created > 0 {
				attrs = append(attrs, finding.T("created", unixMilli(a.Created)))
			}
			if err := e.artefactRef(KindAddress, src, attrs...); err != nil {
				return err
			}
			if !ok {
				if err := e.warnRef(src, "metamask: %q is not an Ethereum address", a.Address); err != nil {
					return err
				}
			}
		}
	}
	for _, t := range st.Txs {
		attrs := []finding.Attr{finding.S("txid", t.Hash), finding.S("status", t.Status), finding.S("chain_id", t.ChainID),
			finding.S("from", normETH(t.From)), finding.S("to", normETH(t.To))}
		if wei, ok := new(big.Int).SetString(strings.TrimPrefix(t.Value, "0x"), 16); ok && strings.HasPrefix(t.Value, "0x") {
			attrs = append(attrs, finding.S("value_wei", wei.String()))
		}
		if t.ID != "" {
			attrs = append(attrs, finding.S("id", t.ID))
		}
		if t.Time > 0 {
			attrs = append(attrs, finding.T("time", unixMilli(t.Time)))
		}
		if err := e.artefactRef(KindTransaction, dataRef.Record("json", t.Path), attrs...); err != nil {
			return err
		}
	}
	return nil
}

// normETH gives an Ethereum address in EIP-55 form when it is one, else as found.
func normETH(s string) string {
	if v, ok := coins.ValidateETH(normETHInput(s)); ok {
		return coins.ChecksumETH(v.Payload)
	}
	return s
}

// normETHInput lower-cases an all-lower/all-upper address for validation:
// MetaMask stores addresses lower-case, which carry no EIP-55 checksum.
func normETHInput(s string) string {
	if strings.HasPrefix(s, "0x") && (strings.ToLower(s) == s || strings.ToUpper(s[2:]) == s[2:]) {
		return "0x" + strings.ToLower(s[2:])
	}
	return s
}

// MetaMaskKeyring is what a decrypted vault says about one keyring; the
// mnemonic and private keys themselves are never returned.
type MetaMaskKeyring struct {
	Type     string
	Accounts int // numberOfAccounts, or the count of imported keys
}

// ErrVaultPassword: GCM authentication failed (wrong password).
var ErrVaultPassword = errors.New("metamask vault: wrong password (GCM authentication failed)")

// Decrypt checks password against the vault: PBKDF2-SHA256(password,
// base64-decoded salt, iterations) → AES-256-GCM with the 16-byte IV over
// data (ciphertext‖tag). It returns the keyrings' types and sizes.
func (v *MetaMaskVault) Decrypt(password string) ([]MetaMaskKeyring, error) {
	iter, _ := v.Iterations()
	if iter <= 0 || iter > 1<<24 {
		return nil, fmt.Errorf("metamask vault: %d iterations out of range", iter)
	}
	if v.KeyMetadata != nil && v.KeyMetadata.Algorithm != "" && v.KeyMetadata.Algorithm != "PBKDF2" {
		return nil, fmt.Errorf("metamask vault: unsupported key algorithm %q", v.KeyMetadata.Algorithm)
	}
	salt, err1 := base64.StdEncoding.DecodeString(v.Salt)
	iv, err2 := base64.StdEncoding.DecodeString(v.IV)
	data, err3 := base64.StdEncoding.DecodeString(v.Data)
	if err := errors.Join(err1, err2, err3); err != nil {
		return nil, fmt.Errorf("metamask vault: base64: %w", err)
	}
	if len(iv) == 0 || len(data) < 16 {
		return nil, fmt.Errorf("metamask vault: iv of %d and data of %d bytes", len(iv), len(data))
	}
	key := pbkdf2.Key([]byte(password), salt, iter, 32, sha256.New)
	blk, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	gcm, err := cipher.NewGCMWithNonceSize(blk, len(iv))
	if err != nil {
		return nil, fmt.Errorf("metamask vault: %w", err)
	}
	plain, err := gcm.Open(nil, iv, data, nil)
	if err != nil {
		return nil, ErrVaultPassword
	}
	var rings []struct {
		Type string          `json:"type"`
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(plain, &rings); err != nil {
		return nil, fmt.Errorf("metamask vault: decrypted, but not a keyring list: %w", err)
	}
	out := make([]MetaMaskKeyring, 0, len(rings))
	for _, r := range rings {
		k := MetaMaskKeyring{Type: r.Type}
		var hd struct {
			N int `json:"numberOfAccounts"`
		}
		var keys []string
		if json.Unmarshal(r.Data, &hd) == nil && hd.N > 0 {
			k.Accounts = hd.N
		} else if json.Unmarshal(r.Data, &keys) == nil {
			k.Accounts = len(keys)
		}
		out = append(out, k)
	}
	return out, nil
}
