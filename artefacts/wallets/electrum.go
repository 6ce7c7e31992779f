package wallets

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/loupe-forensics/loupe/artefacts"
	"github.com/loupe-forensics/loupe/artefacts/coins"
	"github.com/loupe-forensics/loupe/forensic/finding"
)

// Electrum parser identity.
const (
	ElectrumName    = "wallets/electrum"
	ElectrumVersion = "1"
)

// Electrum reads Electrum wallet files (and forks that keep its format):
// every seed_version from the 1.x "old" format to 4.x, plaintext or with
// encrypted keystore secrets, and whole-file encryption (BIE1/BIE2), which
// is detected and described but not opened.
type Electrum struct{}

// NewElectrum returns the Electrum wallet parser.
func NewElectrum() *Electrum { return &Electrum{} }

func (*Electrum) Name() string    { return ElectrumName }
func (*Electrum) Version() string { return ElectrumVersion }

// Base64 of "BIE1" and "BIE2": the first six characters of a wallet
// encrypted with a password or with a hardware wallet's key.
const (
	bie1Prefix = "QklFMQ"
	bie2Prefix = "QklFMg"
)

// electrumKeys are top-level keys only Electrum writes; json.dumps with
// sort_keys puts "addr_history" or "accounts" first, so one of them is in
// the head even when a long history pushes "seed_version" past it.
var electrumKeys = [][]byte{
	[]byte(`"addr_history"`), []byte(`"seed_version"`), []byte(`"wallet_type"`),
	[]byte(`"use_encryption"`), []byte(`"master_public_keys"`), []byte(`"accounts"`),
}

// Match accepts a JSON object naming Electrum's keys in its head, or text
// that starts with the base64 of BIE1/BIE2.
func (*Electrum) Match(in *artefacts.Input) bool {
	h := bytes.TrimLeft(in.Head, " \t\r\n")
	if bytes.HasPrefix(h, []byte(bie1Prefix)) || bytes.HasPrefix(h, []byte(bie2Prefix)) {
		return isBase64(h[:min(len(h), 512)])
	}
	if len(h) == 0 || h[0] != '{' {
		return false
	}
	hits := 0
	for _, k := range electrumKeys {
		if bytes.Contains(h, k) {
			hits++
		}
	}
	// "accounts" alone is too common; any other key, or two of them.
	return hits >= 2 || (hits == 1 && !bytes.Contains(h, []byte(`"accounts"`)))
}

func isBase64(b []byte) bool {
	for _, c := range b {
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/' || c == '=' || c == '\n' || c == '\r') {
			return false
		}
	}
	return true
}

// Parse reads the wallet and writes a wallet.electrum summary, then its
// keystores, extended public keys, addresses and transactions.
func (p *Electrum) Parse(ctx context.Context, in *artefacts.Input, out finding.Sink) error {
	e := &emitter{ctx: ctx, in: in, out: out, parser: ElectrumName, version: ElectrumVersion}
	data, err := readAll(in, MaxJSONSize)
	if errors.Is(err, errTooLarge) {
		return e.warn(nil, "electrum: %v; not parsed", err)
	}
	if err != nil {
		return fmt.Errorf("electrum: %w", err)
	}
	trimmed := bytes.TrimSpace(data)
	if bytes.HasPrefix(trimmed, []byte(bie1Prefix)) || bytes.HasPrefix(trimmed, []byte(bie2Prefix)) {
		return p.encrypted(e, trimmed)
	}
	db, err := ReadElectrumJSON(data)
	if err != nil {
		if in.Size > 0 && bytes.HasPrefix(trimmed, []byte("{")) {
			return e.warn(nil, "%v", err)
		}
		return artefacts.ErrWrongFormat
	}
	if !looksElectrum(db.Doc) {
		return artefacts.ErrWrongFormat
	}
	for _, pr := range db.Problems {
		if err := e.warn(nil, "electrum: %s", pr); err != nil {
			return err
		}
	}
	return p.plaintext(e, db)
}

func looksElectrum(doc map[string]any) bool {
	for _, k := range []string{"seed_version", "wallet_type", "addr_history", "use_encryption", "master_public_keys"} {
		if _, ok := doc[k]; ok {
			return true
		}
	}
	return false
}

// encrypted describes a whole-file encrypted wallet: base64 of
// "BIE1"/"BIE2" ‖ ephemeral public key (33) ‖ ciphertext ‖ HMAC (32).
func (p *Electrum) encrypted(e *emitter, text []byte) error {
	raw, err := base64.StdEncoding.DecodeString(string(bytes.Join(bytes.Fields(text), nil)))
	if err != nil {
		return e.warn(nil, "electrum: BIE prefix but invalid base64: %v", err)
	}
	if len(raw) < 4 {
		return e.warn(nil, "electrum: BIE prefix but only %d bytes", len(raw))
	}
	magic := string(raw[:4])
	if magic != "BIE1" && magic != "BIE2" {
		return e.warn(nil, "electrum: base64 starts like BIE1/BIE2 but decodes to magic %q", magic)
	}
	scheme := "BIE1: ECIES on secp256k1 with a key from the user's password (PBKDF2-HMAC-SHA512, 1024 iterations)"
	if magic == "BIE2" {
		scheme = "BIE2: ECIES on secp256k1 with a key from a hardware wallet"
	}
	attrs := []finding.Attr{
		finding.S("format", "electrum"),
		finding.B("file_encrypted", true),
		finding.S("encryption", strings.ToLower(magic)),
		finding.S("encryption_scheme", scheme),
		finding.I("ciphertext_bytes", int64(max(0, len(raw)-4-33-32))),
	}
	structural := len(raw) >= 4+33+16+32 && coins.OnCurve(raw[4:37]) && (len(raw)-4-33-32)%16 == 0
	attrs = append(attrs, finding.B("structure_valid", structural))
	if err := e.artefact(KindElectrum, nil, attrs...); err != nil {
		return err
	}
	if !structural {
		return e.warn(nil, "electrum: %s header but the ephemeral key or ciphertext length is not what Electrum writes", magic)
	}
	return nil
}

// keystoreInfo is what one keystore holds, secrets reduced to flags.
type keystoreInfo struct {
	name, path string
	m          map[string]any
}

func (p *Electrum) plaintext(e *emitter, db *ElectrumDB) error {
	doc := db.Doc
	seedVersion, _ := jsonInt(doc["seed_version"])
	walletType := str(doc["wallet_type"])
	useEnc, _ := doc["use_encryption"].(bool)

	var keystores []keystoreInfo
	for _, k := range sortedKeys(doc) {
		if m, ok := doc[k].(map[string]any); ok && (k == "keystore" || isCosignerKey(k)) {
			keystores = append(keystores, keystoreInfo{name: k, path: k, m: m})
		}
	}
	// 2.x files before the keystore split keep master keys in one map.
	if mpks, ok := doc["master_public_keys"].(map[string]any); ok {
		for _, k := range sortedKeys(mpks) {
			ks := map[string]any{"type": "bip32", "xpub": mpks[k]}
			if mprv, ok := doc["master_private_keys"].(map[string]any); ok && mprv[k] != nil {
				ks["xprv"] = mprv[k]
			}
			if s, ok := doc["seed"]; ok && s != nil {
				ks["seed"] = s
			}
			keystores = append(keystores, keystoreInfo{name: k, path: "master_public_keys." + k, m: ks})
		}
	}

	watchOnly := len(keystores) > 0
	for _, ks := range keystores {
		if ks.m["xprv"] != nil || ks.m["seed"] != nil || ks.m["keypairs"] != nil || str(ks.m["type"]) == "hardware" {
			watchOnly = false
		}
	}
	addrs, badAddrs := electrumAddresses(doc)
	txs := mapOf(doc["transactions"])
	labels := mapOf(doc["labels"])

	encState := "none"
	if useEnc {
		encState = "keystore secrets encrypted (use_encryption)"
	}
	attrs := []finding.Attr{
		finding.S("format", "electrum"),
		finding.B("file_encrypted", false),
		finding.B("use_encryption", useEnc),
		finding.S("encryption", encState),
		finding.I("seed_version", seedVersion),
		finding.S("era", electrumEra(seedVersion)),
		finding.S("wallet_type", walletType),
		finding.I("keystores", int64(len(keystores))),
		finding.B("watch_only", watchOnly),
		finding.I("addresses", int64(len(addrs))),
		finding.I("transactions", int64(len(txs))),
		finding.I("labels", int64(len(labels))),
		finding.I("patches_applied", int64(db.Patches)),
	}
	if _, ok := doc["channels"].(map[string]any); ok {
		attrs = append(attrs, finding.I("lightning_channels", int64(len(mapOf(doc["channels"])))))
	}
	if err := e.artefact(KindElectrum, nil, attrs...); err != nil {
		return err
	}
	for _, ks := range keystores {
		if err := e.ctx.Err(); err != nil {
			return err
		}
		if err := p.keystore(e, ks, useEnc); err != nil {
			return err
		}
	}
	// 1.x wallet files: one hex master public key at the top level.
	if mpk := str(doc["master_public_key"]); mpk != "" {
		if err := p.oldMPK(e, keystoreInfo{name: "old", path: "", m: map[string]any{"mpk": mpk}}); err != nil {
			return err
		}
	}
	for _, path := range badAddrs {
		if err := e.warn(at(path), "electrum: address entry is not a string"); err != nil {
			return err
		}
	}
	for i, a := range addrs {
		if i%256 == 0 {
			if err := e.ctx.Err(); err != nil {
				return err
			}
		}
		if err := p.address(e, a, labels); err != nil {
			return err
		}
	}
	return p.transactions(e, doc, txs, labels)
}

func isCosignerKey(k string) bool {
	if len(k) < 3 || k[0] != 'x' || k[len(k)-1] != '/' {
		return false
	}
	_, err := strconv.Atoi(k[1 : len(k)-1])
	return err == nil
}

// electrumEra names the client generation that wrote a seed_version: 4 is
// the 1.x format, 11–13 the 2.x formats, 14 the 3.0 upgrade (imported
// wallets converted), and later clients count up from there (4.3 writes 50).
func electrumEra(v int64) string {
	switch {
	case v <= 0:
		return "unknown"
	case v <= 4:
		return "1.x"
	case v <= 13:
		return "2.x"
	default:
		return "3.0 or later"
	}
}

func (p *Electrum) keystore(e *emitter, ks keystoreInfo, useEnc bool) error {
	m := ks.m
	typ := str(m["type"])
	attrs := []finding.Attr{
		finding.S("keystore", ks.name),
		finding.S("type", typ),
	}
	secret := func(name string, v any, plain func(string) bool) {
		s := str(v)
		switch {
		case v == nil || s == "":
			attrs = append(attrs, finding.S(name, "absent"))
		case plain(s):
			attrs = append(attrs, finding.S(name, "plaintext"))
		case electrumCiphertext(s):
			attrs = append(attrs, finding.S(name, "encrypted"))
		default:
			attrs = append(attrs, finding.S(name, "unrecognised"))
		}
	}
	secret("seed", m["seed"], func(s string) bool { return len(strings.Fields(s)) >= 12 || (len(s) == 32 && isHex(s)) })
	secret("xprv", m["xprv"], func(s string) bool { _, ok := coins.ValidateExtendedKey(s); return ok })
	if kp := mapOf(m["keypairs"]); len(kp) > 0 {
		// Imported keys: pubkey → WIF (with Electrum's "type:" prefix) in
		// the clear, or base64 cipher text under use_encryption.
		plain, enc := 0, 0
		for _, v := range kp {
			w := str(v)
			if i := strings.IndexByte(w, ':'); i >= 0 {
				w = w[i+1:]
			}
			if _, ok := coins.ValidateWIF(w); ok {
				plain++
			} else if electrumCiphertext(str(v)) {
				enc++
			}
		}
		state := "mixed or unrecognised"
		switch len(kp) {
		case plain:
			state = "plaintext"
		case enc:
			state = "encrypted"
		}
		attrs = append(attrs, finding.I("imported_keys", int64(len(kp))), finding.S("keypairs", state))
	}
	for _, k := range []string{"seed_type", "derivation", "root_fingerprint", "hw_type", "label", "soft_device_id"} {
		if s := str(m[k]); s != "" {
			attrs = append(attrs, finding.S(k, s))
		}
	}
	if s := str(m["passphrase"]); s != "" {
		// The seed extension is a secret; its presence is the fact.
		attrs = append(attrs, finding.B("seed_extension", true))
	}
	attrs = append(attrs, finding.B("use_encryption", useEnc))
	if err := e.artefact(KindKeystore, at(ks.path), attrs...); err != nil {
		return err
	}
	if typ == "old" {
		return p.oldMPK(e, ks)
	}
	xpub := str(m["xpub"])
	if xpub == "" {
		if m["xpub"] != nil {
			return e.warn(at(ks.path+".xpub"), "electrum: xpub is not a string")
		}
		return nil
	}
	xattrs := []finding.Attr{finding.S("xpub", xpub), finding.S("keystore", ks.name), finding.S("keystore_type", typ)}
	k, ok := coins.ValidateExtendedKey(xpub)
	xattrs = append(xattrs, finding.B("validated", ok))
	if ok {
		xattrs = append(xattrs, finding.S("prefix", k.Prefix), finding.S("coin", string(k.Coin)),
			finding.S("network", string(k.Network)), finding.S("script", k.Script), finding.I("depth", int64(k.Depth)))
	}
	for _, f := range []string{"derivation", "root_fingerprint", "hw_type", "label"} {
		if s := str(m[f]); s != "" {
			xattrs = append(xattrs, finding.S(f, s))
		}
	}
	path := ks.path
	if !strings.HasPrefix(path, "master_public_keys.") {
		path += ".xpub"
	}
	if err := e.artefact(KindXPub, at(path), xattrs...); err != nil {
		return err
	}
	if !ok {
		return e.warn(at(path), "electrum: extended key %q fails validation", xpub)
	}
	return nil
}

// electrumCiphertext reports whether s has the shape of Electrum's
// keystore encryption (pw_encode): base64 of a 16-byte IV followed by
// AES-256-CBC blocks.
func electrumCiphertext(s string) bool {
	b, err := base64.StdEncoding.DecodeString(s)
	return err == nil && len(b) >= 32 && len(b)%16 == 0
}

// oldMPK emits the master public key of an "old" (pre-2.0 seed) keystore:
// 64 bytes of an uncompressed secp256k1 point without its 0x04 prefix, in hex.
func (p *Electrum) oldMPK(e *emitter, ks keystoreInfo) error {
	mpk := str(ks.m["mpk"])
	path := ks.path + ".mpk"
	if ks.path == "" {
		path = "master_public_key"
	}
	if mpk == "" {
		return e.warn(at(path), "electrum: old keystore without a master public key")
	}
	if err := e.artefact(KindXPub, at(path), finding.S("xpub", mpk), finding.S("keystore", ks.name),
		finding.S("keystore_type", "old"), finding.S("format", "electrum-old-mpk"),
		finding.B("validated", validOldMPK(mpk))); err != nil {
		return err
	}
	if !validOldMPK(mpk) {
		return e.warn(at(path), "electrum: old master public key %q is not a point on secp256k1", mpk)
	}
	return nil
}

// validOldMPK checks that the hex is X‖Y of a point on the curve.
func validOldMPK(mpk string) bool {
	if len(mpk) != 128 || !isHex(mpk) {
		return false
	}
	b, _ := hex.DecodeString(mpk)
	return coins.OnCurveXY(b[:32], b[32:])
}

// walletAddress is one address and where it was listed.
type walletAddress struct {
	addr, chain, path string
	index             int
}

// electrumAddresses lists addresses from "addresses" (deterministic:
// receiving/change lists; imported: a map), then any only in addr_history
// or the old "imported_keys", without duplicates.
func electrumAddresses(doc map[string]any) (out []walletAddress, bad []string) {
	seen := map[string]bool{}
	add := func(a walletAddress) {
		if a.addr == "" {
			bad = append(bad, a.path)
			return
		}
		if !seen[a.addr] {
			seen[a.addr] = true
			out = append(out, a)
		}
	}
	switch v := doc["addresses"].(type) {
	case []any: // imported wallets before 3.0 kept a plain list
		for i, a := range v {
			add(walletAddress{addr: str(a), chain: "imported", index: -1, path: "addresses." + strconv.Itoa(i)})
		}
	case map[string]any:
		_, hasRecv := v["receiving"]
		_, hasChange := v["change"]
		if hasRecv || hasChange {
			for _, chain := range []string{"receiving", "change"} {
				for i, a := range listOf(v[chain]) {
					add(walletAddress{addr: str(a), chain: chain, index: i, path: "addresses." + chain + "." + strconv.Itoa(i)})
				}
			}
			// 2.x multi-account files: addresses.<account>.{0,1}
		} else {
			for _, k := range sortedKeys(v) {
				if acc, ok := v[k].(map[string]any); ok && (acc["0"] != nil || acc["1"] != nil) {
					for _, c := range []struct{ key, chain string }{{"0", "receiving"}, {"1", "change"}} {
						for i, a := range listOf(acc[c.key]) {
							add(walletAddress{addr: str(a), chain: c.chain, index: i, path: "addresses." + k + "." + c.key + "." + strconv.Itoa(i)})
						}
					}
					continue
				}
				add(walletAddress{addr: k, chain: "imported", index: -1, path: "addresses." + k})
			}
		}
	}
	for _, k := range sortedKeys(mapOf(doc["imported_keys"])) {
		add(walletAddress{addr: k, chain: "imported", index: -1, path: "imported_keys." + k})
	}
	for _, k := range sortedKeys(mapOf(doc["addr_history"])) {
		add(walletAddress{addr: k, chain: "history", index: -1, path: "addr_history." + k})
	}
	return out, bad
}

func (p *Electrum) address(e *emitter, a walletAddress, labels map[string]any) error {
	attrs := []finding.Attr{finding.S("address", a.addr), finding.S("chain", a.chain)}
	if a.index >= 0 {
		attrs = append(attrs, finding.I("index", int64(a.index)))
	}
	v, ok := coins.ValidateBTC(a.addr)
	attrs = append(attrs, finding.B("validated", ok))
	if ok {
		attrs = append(attrs, finding.S("coin", string(v.Coin)), finding.S("network", string(v.Network)), finding.S("script", string(v.Kind)))
	}
	if l := str(labels[a.addr]); l != "" {
		attrs = append(attrs, finding.S("label", l))
	}
	if err := e.artefact(KindAddress, at(a.path), attrs...); err != nil {
		return err
	}
	if !ok {
		return e.warn(at(a.path), "electrum: %q is not a valid Bitcoin-family address", a.addr)
	}
	return nil
}

// transactions emits stored raw transactions with their verified height
// and block time (verified_tx3: [height, timestamp, position, header hash]).
func (p *Electrum) transactions(e *emitter, doc map[string]any, txs, labels map[string]any) error {
	verified := mapOf(doc["verified_tx3"])
	for _, txid := range sortedKeys(txs) {
		if err := e.ctx.Err(); err != nil {
			return err
		}
		raw := str(txs[txid])
		attrs := []finding.Attr{finding.S("txid", txid), finding.I("raw_bytes", int64(len(raw)/2))}
		if !isHex(raw) || len(raw) < 120 {
			attrs = append(attrs, finding.B("raw_hex_valid", false))
		}
		if vi := listOf(verified[txid]); len(vi) >= 2 {
			if h, ok := jsonInt(vi[0]); ok {
				attrs = append(attrs, finding.I("height", h))
			}
			if ts, ok := jsonInt(vi[1]); ok && ts > 0 {
				attrs = append(attrs, finding.T("block_time", unixTime(ts)))
			}
		}
		if l := str(labels[txid]); l != "" {
			attrs = append(attrs, finding.S("label", l))
		}
		if err := e.artefact(KindTransaction, at("transactions."+txid), attrs...); err != nil {
			return err
		}
	}
	return nil
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func mapOf(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

func listOf(v any) []any {
	l, _ := v.([]any)
	return l
}

func jsonInt(v any) (int64, bool) {
	switch n := v.(type) {
	case json.Number:
		i, err := n.Int64()
		return i, err == nil
	case float64:
		return int64(n), true
	}
	return 0, false
}

func sortedKeys(m map[string]any) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

func isHex(s string) bool {
	if len(s)%2 != 0 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}
