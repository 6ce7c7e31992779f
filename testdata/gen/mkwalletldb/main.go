// Command mkwalletldb writes the LevelDB wallet fixtures with goleveldb (the
// LevelDB implementation Loupe reads them with is the same library, but the
// on-disk format, log and table files, is LevelDB's own):
//
//	go run ./testdata/gen/mkwalletldb -kind metamask -o DIR > expected.json
//	go run ./testdata/gen/mkwalletldb -kind atomic -o DIR > expected.json
//
// metamask: a Chromium "Local Extension Settings/<id>" store as MetaMask's
// extension storage writes it: key "data" = the JSON state (KeyringController
// vault; AccountsController, PreferencesController identities,
// TransactionController transactions, AddressBookController), key "meta" =
// {"version": N}. An older state is written first and compacted into a
// table file, then the current state goes to the log, so both file kinds are
// present. The vault is encrypted the way @metamask/browser-passworder does
// it (PBKDF2-SHA256 with the iterations in keyMetadata, AES-256-GCM with a
// 16-byte IV, ciphertext‖tag, base64) with a password from the manifest,
// over the keyring of Hardhat's public test mnemonic, whose first accounts
// are the addresses every Ethereum developer knows.
//
// atomic: Atomic Wallet's Electron "Local Storage/leveldb" in Chromium's
// localStorage layout (key "_file://\x00\x01<name>", value "\x01" + Latin-1
// text): an addresses list in clear and an encrypted general_mnemonic. The
// key names follow public parsers of Atomic's store; no Atomic install was
// available to copy from.
//
// The expected values go to stdout as JSON for the manifest.
package main

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"

	"github.com/syndtr/goleveldb/leveldb"
	"github.com/syndtr/goleveldb/leveldb/util"
	"golang.org/x/crypto/pbkdf2"
	"golang.org/x/crypto/ripemd160" //nolint:staticcheck // hash160 needs RIPEMD-160

	"github.com/loupe-forensics/loupe/artefacts/coins"
)

// Hardhat's default accounts (public; printed by `npx hardhat node`).
const (
	testMnemonic = "test test test test test test test test test test test junk"
	hardhat0     = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
	hardhat1     = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
	password     = "m4rket-w4llet-2026"
	iterations   = 600000
)

func main() {
	kind := flag.String("kind", "", "metamask | atomic")
	out := flag.String("o", "", "output LevelDB folder (created)")
	flag.Parse()
	if *out == "" {
		fail(fmt.Errorf("-o is required"))
	}
	var exp any
	var err error
	switch *kind {
	case "metamask":
		exp, err = metamask(*out)
	case "atomic":
		exp, err = atomic(*out)
	default:
		err = fmt.Errorf("unknown -kind %q", *kind)
	}
	if err != nil {
		fail(err)
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", " ")
	if err := enc.Encode(exp); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "mkwalletldb:", err)
	os.Exit(1)
}

// ethAccount derives m/44'/60'/0'/0/i from the mnemonic (BIP39 seed with an
// empty passphrase, BIP32 private derivation) and returns its EIP-55 address.
func ethAccount(mnemonic string, i uint32) (string, error) {
	seed := pbkdf2.Key([]byte(mnemonic), []byte("mnemonic"), 2048, 64, sha512.New)
	k, c := coins.MasterKey(seed)
	for _, idx := range []uint32{44 | 1<<31, 60 | 1<<31, 1 << 31, 0, i} {
		var err error
		if k, c, err = childKey(k, c, idx); err != nil {
			return "", err
		}
	}
	acct, ok := coins.EthAccountFromPrivate(k)
	if !ok {
		return "", fmt.Errorf("no account for index %d", i)
	}
	return coins.ChecksumETH(acct), nil
}

var curveN, _ = new(big.Int).SetString("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141", 16)

func childKey(k, c []byte, idx uint32) ([]byte, []byte, error) {
	mac := hmac.New(sha512.New, c)
	if idx >= 1<<31 {
		mac.Write(append([]byte{0}, k...))
	} else {
		pub, ok := coins.PublicKey(k)
		if !ok {
			return nil, nil, fmt.Errorf("bad key")
		}
		comp := append([]byte{2 + pub[64]&1}, pub[1:33]...)
		mac.Write(comp)
	}
	var ib [4]byte
	binary.BigEndian.PutUint32(ib[:], idx)
	mac.Write(ib[:])
	I := mac.Sum(nil)
	n := new(big.Int).Add(new(big.Int).SetBytes(I[:32]), new(big.Int).SetBytes(k))
	n.Mod(n, curveN)
	out := make([]byte, 32)
	n.FillBytes(out)
	return out, I[32:], nil
}

// vault encrypts plaintext as browser-passworder does, with fixed salt and
// IV (derived from labels) so that regeneration is reproducible.
func vault(plain []byte, iter int) (string, error) {
	salt := sha256.Sum256([]byte("loupe metamask salt"))
	ivFull := sha256.Sum256([]byte("loupe metamask iv"))
	iv := ivFull[:16]
	key := pbkdf2.Key([]byte(password), salt[:], iter, 32, sha256.New)
	blk, err := aes.NewCipher(key)
	if err != nil {
		return "", err
	}
	gcm, err := cipher.NewGCMWithNonceSize(blk, 16)
	if err != nil {
		return "", err
	}
	v := map[string]any{
		"data": base64.StdEncoding.EncodeToString(gcm.Seal(nil, iv, plain, nil)),
		"iv":   base64.StdEncoding.EncodeToString(iv),
		"salt": base64.StdEncoding.EncodeToString(salt[:]),
		"keyMetadata": map[string]any{
			"algorithm": "PBKDF2",
			"params":    map[string]any{"iterations": iter},
		},
	}
	b, err := json.Marshal(v)
	return string(b), err
}

func metamask(dir string) (any, error) {
	a0, err := ethAccount(testMnemonic, 0)
	if err != nil {
		return nil, err
	}
	a1, err := ethAccount(testMnemonic, 1)
	if err != nil {
		return nil, err
	}
	if a0 != hardhat0 || a1 != hardhat1 {
		return nil, fmt.Errorf("derived %s %s, Hardhat publishes %s %s", a0, a1, hardhat0, hardhat1)
	}
	mn := make([]int, len(testMnemonic))
	for i, c := range []byte(testMnemonic) {
		mn[i] = int(c)
	}
	keyrings, _ := json.Marshal([]any{map[string]any{"type": "HD Key Tree", "data": map[string]any{
		"mnemonic": mn, "numberOfAccounts": 2, "hdPath": "m/44'/60'/0'/0"}}})
	v, err := vault(keyrings, iterations)
	if err != nil {
		return nil, err
	}
	counterparty := "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC" // Hardhat account 2
	const t0 = int64(1773300000000)                              // ms, 2026-03-12T07:20:00Z
	type tx struct {
		ID, Hash, Status, ChainID, From, To, Value string
		Time                                       int64
	}
	txs := []tx{
		{"a1b2c3d4-0001-4000-8000-000000000001", "0x" + strings.Repeat("1a", 32), "confirmed", "0x1", a0, counterparty, "0x16345785d8a0000", t0 + 3600_000},
		{"a1b2c3d4-0002-4000-8000-000000000002", "0x" + strings.Repeat("2b", 32), "submitted", "0x1", a1, a0, "0x2386f26fc10000", t0 + 7200_000},
	}
	var txList []any
	for _, t := range txs {
		txList = append(txList, map[string]any{"id": t.ID, "hash": t.Hash, "status": t.Status, "chainId": t.ChainID, "time": t.Time,
			"txParams": map[string]any{"from": strings.ToLower(t.From), "to": strings.ToLower(t.To), "value": t.Value, "gas": "0x5208"}})
	}
	accounts := map[string]any{
		"3f1d0e4c-0000-4000-8000-00000000000a": map[string]any{"id": "3f1d0e4c-0000-4000-8000-00000000000a", "address": strings.ToLower(a0), "type": "eip155:eoa",
			"metadata": map[string]any{"name": "Account 1", "importTime": t0, "keyring": map[string]any{"type": "HD Key Tree"}}},
		"3f1d0e4c-0000-4000-8000-00000000000b": map[string]any{"id": "3f1d0e4c-0000-4000-8000-00000000000b", "address": strings.ToLower(a1), "type": "eip155:eoa",
			"metadata": map[string]any{"name": "market", "importTime": t0 + 60_000, "keyring": map[string]any{"type": "HD Key Tree"}}},
	}
	state := map[string]any{
		"KeyringController": map[string]any{"vault": v},
		"AccountsController": map[string]any{"internalAccounts": map[string]any{"accounts": accounts,
			"selectedAccount": "3f1d0e4c-0000-4000-8000-00000000000b"}},
		"PreferencesController": map[string]any{"selectedAddress": strings.ToLower(a1), "identities": map[string]any{
			strings.ToLower(a0): map[string]any{"address": strings.ToLower(a0), "name": "Account 1"},
			strings.ToLower(a1): map[string]any{"address": strings.ToLower(a1), "name": "market"},
		}},
		"TransactionController": map[string]any{"transactions": txList},
		"AddressBookController": map[string]any{"addressBook": map[string]any{"0x1": map[string]any{
			counterparty: map[string]any{"address": counterparty, "name": "vendor", "chainId": "0x1", "memo": ""}}}},
	}
	// The state before the second account and the transactions existed,
	// compacted into a table file; the current state supersedes it in the log.
	old := map[string]any{
		"KeyringController": state["KeyringController"],
		"PreferencesController": map[string]any{"selectedAddress": strings.ToLower(a0), "identities": map[string]any{
			strings.ToLower(a0): map[string]any{"address": strings.ToLower(a0), "name": "Account 1"}}},
	}
	if err := writeDB(dir, func(db *leveldb.DB) error {
		if err := putJSON(db, "data", old); err != nil {
			return err
		}
		if err := putJSON(db, "meta", map[string]any{"version": 109}); err != nil {
			return err
		}
		if err := db.CompactRange(util.Range{}); err != nil {
			return err
		}
		if err := putJSON(db, "data", state); err != nil {
			return err
		}
		return putJSON(db, "meta", map[string]any{"version": 110})
	}); err != nil {
		return nil, err
	}
	type expTx struct {
		Hash   string `json:"hash"`
		From   string `json:"from"`
		To     string `json:"to"`
		Value  string `json:"value"`
		Status string `json:"status"`
		Time   int64  `json:"time_ms"`
	}
	var et []expTx
	for _, t := range txs {
		et = append(et, expTx{t.Hash, t.From, t.To, t.Value, t.Status, t.Time})
	}
	return map[string]any{
		"password":       password,
		"mnemonic":       testMnemonic,
		"vault_kdf":      "PBKDF2",
		"vault_iter":     iterations,
		"accounts":       []map[string]string{{"address": a0, "name": "Account 1"}, {"address": a1, "name": "market"}},
		"address_book":   []map[string]string{{"address": counterparty, "name": "vendor"}},
		"transactions":   et,
		"meta_version":   110,
		"derived_check":  "m/44'/60'/0'/0/0 and /1 of the mnemonic equal Hardhat's published accounts",
		"keyring_types":  []string{"HD Key Tree"},
		"keyring_counts": 1,
	}, nil
}

func atomic(dir string) (any, error) {
	// Litecoin P2PKH (version 0x30) of BIP32 vector 1's m/0'/1 public key.
	pub, _ := hexDecode("03501e454bf00751f24b1b489aa925215d66af2234e3891c3b21a52bedb3cd711c")
	sh := sha256.Sum256(pub)
	rh := ripemd160.New()
	rh.Write(sh[:])
	ltc := coins.EncodeBase58Check(append([]byte{0x30}, rh.Sum(nil)...))
	addrs := []map[string]string{
		{"id": "BTC", "address": "1JQheacLPdM5ySCkrZkV66G2ApAXe1mqLj"}, // BIP32 vector 1 m/0'/1, P2PKH
		{"id": "ETH", "address": strings.ToLower(hardhat0)},            // all-lower, as many wallets store it
		{"id": "LTC", "address": ltc},
		{"id": "XMR", "address": "not-an-address"}, // a damaged entry: reported, not validated
	}
	ab, _ := json.Marshal(addrs)
	mnemonic := "U2FsdGVkX1" + base64.StdEncoding.EncodeToString(sha512Sum("loupe atomic general_mnemonic"))
	if err := writeDB(dir, func(db *leveldb.DB) error {
		put := func(k, v string) error { return db.Put([]byte("_file://\x00\x01"+k), append([]byte{1}, v...), nil) }
		if err := db.Put([]byte("META:file://"), []byte{0x08, 0x80, 0x80, 0x80, 0x80, 0x10, 0x10, 0x64}, nil); err != nil {
			return err
		}
		if err := put("addresses", string(ab)); err != nil {
			return err
		}
		if err := put("general_mnemonic", mnemonic); err != nil {
			return err
		}
		return put("lastSelectedCoin", "BTC")
	}); err != nil {
		return nil, err
	}
	return map[string]any{"addresses": addrs, "mnemonic_encrypted": true,
		"valid": []string{"1JQheacLPdM5ySCkrZkV66G2ApAXe1mqLj", hardhat0, ltc}}, nil
}

func hexDecode(s string) ([]byte, error) { return hex.DecodeString(s) }

func sha512Sum(s string) []byte { h := sha512.Sum512([]byte(s)); return h[:] }

func putJSON(db *leveldb.DB, key string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return db.Put([]byte(key), b, nil)
}

// writeDB creates a fresh LevelDB in dir, runs fill, closes it and removes
// goleveldb's LOG (it holds wall-clock times) so output is reproducible.
func writeDB(dir string, fill func(*leveldb.DB) error) error {
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	db, err := leveldb.OpenFile(dir, nil)
	if err != nil {
		return err
	}
	if err := fill(db); err != nil {
		db.Close()
		return err
	}
	if err := db.Close(); err != nil {
		return err
	}
	for _, n := range []string{"LOG", "LOG.old"} {
		if err := os.Remove(filepath.Join(dir, n)); err != nil && !os.IsNotExist(err) {
			return err
		}
	}
	return nil
}
