package wallets

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/loupe-forensics/loupe/artefacts"
	"github.com/loupe-forensics/loupe/artefacts/coins"
	"github.com/loupe-forensics/loupe/forensic/finding"
)

// Wasabi and Ledger Live keep their wallets as JSON files.

// Parser identities.
const (
	WasabiName        = "wallets/wasabi"
	WasabiVersion     = "1"
	KindWasabi        = "wallet.wasabi"
	LedgerLiveName    = "wallets/ledger-live"
	LedgerLiveVersion = "1"
	KindLedgerLive    = "wallet.ledger-live"
)

// Wasabi reads a Wasabi Wallet file (WalletWasabi/Client/Wallets/*.json):
// the account's extended public keys (segwit and taproot), whether the
// BIP38-encrypted secret is present (null for watch-only and hardware
// wallets), master fingerprint, key paths and network.
type Wasabi struct{}

// NewWasabi returns the Wasabi parser.
func NewWasabi() *Wasabi { return &Wasabi{} }

func (*Wasabi) Name() string    { return WasabiName }
func (*Wasabi) Version() string { return WasabiVersion }

// Match: a JSON object naming ExtPubKey and MasterFingerprint or EncryptedSecret.
func (*Wasabi) Match(in *artefacts.Input) bool {
	h := bytes.TrimLeft(in.Head, " \t\r\n\xef\xbb\xbf")
	return in.Size <= MaxJSONSize && len(h) > 0 && h[0] == '{' && bytes.Contains(h, []byte(`"ExtPubKey"`)) &&
		(bytes.Contains(h, []byte(`"MasterFingerprint"`)) || bytes.Contains(h, []byte(`"EncryptedSecret"`)))
}

type wasabiFile struct {
	EncryptedSecret   *string `json:"EncryptedSecret"`
	ChainCode         *string `json:"ChainCode"`
	MasterFingerprint *string `json:"MasterFingerprint"`
	ExtPubKey         string  `json:"ExtPubKey"`
	TaprootExtPubKey  *string `json:"TaprootExtPubKey"`
	AccountKeyPath    string  `json:"AccountKeyPath"`
	TaprootKeyPath    string  `json:"TaprootAccountKeyPath"`
	BlockchainState   struct {
		Network string          `json:"Network"`
		Height  json.RawMessage `json:"Height"`
	} `json:"BlockchainState"`
}

func (p *Wasabi) Parse(ctx context.Context, in *artefacts.Input, out finding.Sink) error {
	e := &emitter{ctx: ctx, in: in, out: out, parser: WasabiName, version: WasabiVersion}
	b, err := readAll(in, MaxJSONSize)
	if err != nil {
		return fmt.Errorf("wasabi: %w", err)
	}
	var w wasabiFile
	if err := json.Unmarshal(b, &w); err != nil || w.ExtPubKey == "" {
		return artefacts.ErrWrongFormat
	}
	secret := "absent"
	if w.EncryptedSecret != nil && *w.EncryptedSecret != "" {
		secret = "unrecognised"
		if raw, ok := coins.DecodeBase58Check(*w.EncryptedSecret); ok && len(raw) == 39 && raw[0] == 0x01 && (raw[1] == 0x42 || raw[1] == 0x43) {
			secret = "bip38"
		}
	}
	attrs := []finding.Attr{finding.S("format", "wasabi"), finding.S("encrypted_secret", secret),
		finding.B("encrypted", secret != "absent"), finding.B("watch_only", secret == "absent")}
	if w.MasterFingerprint != nil {
		attrs = append(attrs, finding.S("master_fingerprint", *w.MasterFingerprint))
	}
	if w.AccountKeyPath != "" {
		attrs = append(attrs, finding.S("account_key_path", w.AccountKeyPath))
	}
	if w.BlockchainState.Network != "" {
		attrs = append(attrs, finding.S("network", w.BlockchainState.Network))
	}
	if h := strings.Trim(string(w.BlockchainState.Height), `"`); h != "" && h != "null" {
		attrs = append(attrs, finding.S("height", h))
	}
	if err := e.artefact(KindWasabi, nil, attrs...); err != nil {
		return err
	}
	keys := []struct{ path, key, script string }{{"ExtPubKey", w.ExtPubKey, "p2wpkh"}}
	if w.TaprootExtPubKey != nil && *w.TaprootExtPubKey != "" {
		keys = append(keys, struct{ path, key, script string }{"TaprootExtPubKey", *w.TaprootExtPubKey, "p2tr"})
	}
	for _, k := range keys {
		if err := emitXPub(e, k.path, k.key, finding.S("account_script", k.script)); err != nil {
			return err
		}
	}
	return nil
}

// emitXPub validates an extended public key and writes wallet.xpub (or a
// warning when it does not validate).
func emitXPub(e *emitter, jsonPath, key string, extra ...finding.Attr) error {
	x, ok := coins.ValidateExtendedKey(key)
	if !ok || x.Kind != coins.ExtendedPublicKey {
		return e.warn(at(jsonPath), "%s: %q is not a valid extended public key", e.parser, truncateString(key, 120))
	}
	attrs := append([]finding.Attr{finding.S("xpub", x.Text), finding.B("validated", true), finding.S("prefix", x.Prefix),
		finding.S("coin", string(x.Coin)), finding.S("network", string(x.Network)), finding.I("depth", int64(x.Depth))}, extra...)
	return e.artefact(KindXPub, at(jsonPath), attrs...)
}

// LedgerLive reads Ledger Live's app.json: with no password lock the
// accounts (currency, name, xpub, freshAddress, derivation) are in clear
// under data.accounts; with the lock on, "data" is an encrypted string.
type LedgerLive struct{}

// NewLedgerLive returns the Ledger Live parser.
func NewLedgerLive() *LedgerLive { return &LedgerLive{} }

func (*LedgerLive) Name() string    { return LedgerLiveName }
func (*LedgerLive) Version() string { return LedgerLiveVersion }

// Match: a JSON object with "data" and either accounts with freshAddress
// or a "user" beside an opaque data string.
func (*LedgerLive) Match(in *artefacts.Input) bool {
	h := bytes.TrimLeft(in.Head, " \t\r\n\xef\xbb\xbf")
	if in.Size > MaxJSONSize || len(h) == 0 || h[0] != '{' || !bytes.Contains(h, []byte(`"data"`)) {
		return false
	}
	return bytes.Contains(h, []byte(`"freshAddress"`)) || (bytes.Contains(h, []byte(`"user"`)) && bytes.Contains(h, []byte(`"data": "`)) || bytes.Contains(h, []byte(`"data":"`)))
}

func (p *LedgerLive) Parse(ctx context.Context, in *artefacts.Input, out finding.Sink) error {
	e := &emitter{ctx: ctx, in: in, out: out, parser: LedgerLiveName, version: LedgerLiveVersion}
	b, err := readAll(in, MaxJSONSize)
	if err != nil {
		return fmt.Errorf("ledger live: %w", err)
	}
	var doc struct {
		Data json.RawMessage `json:"data"`
		User *struct {
			ID string `json:"id"`
		} `json:"user"`
	}
	if err := json.Unmarshal(b, &doc); err != nil || len(doc.Data) == 0 {
		return artefacts.ErrWrongFormat
	}
	var locked string
	if json.Unmarshal(doc.Data, &locked) == nil {
		if doc.User == nil {
			return artefacts.ErrWrongFormat
		}
		raw, berr := base64.StdEncoding.DecodeString(locked)
		attrs := []finding.Attr{finding.S("format", "ledger-live-app-json"), finding.B("encrypted", true), finding.I("data_chars", int64(len(locked)))}
		if berr == nil {
			attrs = append(attrs, finding.I("data_bytes", int64(len(raw))))
		}
		return e.artefact(KindLedgerLive, nil, attrs...)
	}
	var data struct {
		Accounts []struct {
			Data struct {
				ID, CurrencyID, Name, FreshAddress, FreshAddressPath, XPub, DerivationMode, CreationDate string
			} `json:"data"`
		} `json:"accounts"`
	}
	if err := json.Unmarshal(doc.Data, &data); err != nil {
		return artefacts.ErrWrongFormat
	}
	attrs := []finding.Attr{finding.S("format", "ledger-live-app-json"), finding.B("encrypted", false), finding.I("accounts", int64(len(data.Accounts)))}
	if doc.User != nil && doc.User.ID != "" {
		attrs = append(attrs, finding.S("user_id", doc.User.ID))
	}
	if err := e.artefact(KindLedgerLive, nil, attrs...); err != nil {
		return err
	}
	for i, a := range data.Accounts {
		d := a.Data
		base := fmt.Sprintf("data.accounts.%d.data", i)
		if d.FreshAddress != "" {
			v, ok := coins.Validate(normETHInput(d.FreshAddress))
			text := d.FreshAddress
			attrs := []finding.Attr{finding.S("chain", "fresh"), finding.S("currency", d.CurrencyID), finding.B("validated", ok)}
			if ok {
				if v.Coin == coins.ETH {
					text = coins.ChecksumETH(v.Payload)
				}
				attrs = append(attrs, finding.S("coin", string(v.Coin)), finding.S("network", string(v.Network)))
			}
			if d.Name != "" {
				attrs = append(attrs, finding.S("label", d.Name))
			}
			if d.FreshAddressPath != "" {
				attrs = append(attrs, finding.S("path", d.FreshAddressPath))
			}
			if err := e.artefact(KindAddress, at(base+".freshAddress"), append([]finding.Attr{finding.S("address", text)}, attrs...)...); err != nil {
				return err
			}
			if !ok {
				if err := e.warn(at(base+".freshAddress"), "ledger live: %q is not a valid address", truncateString(d.FreshAddress, 120)); err != nil {
					return err
				}
			}
		}
		if d.XPub != "" {
			if err := emitXPub(e, base+".xpub", d.XPub, finding.S("currency", d.CurrencyID), finding.S("derivation_mode", d.DerivationMode)); err != nil {
				return err
			}
		}
	}
	return nil
}
