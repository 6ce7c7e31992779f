package wallets

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf16"

	"github.com/syndtr/goleveldb/leveldb/util"

	"github.com/loupe-forensics/loupe/artefacts"
	"github.com/loupe-forensics/loupe/artefacts/coins"
	"github.com/loupe-forensics/loupe/artefacts/leveldbcopy"
	"github.com/loupe-forensics/loupe/forensic/finding"
)

// Atomic parser identity.
const (
	AtomicName    = "wallets/atomic"
	AtomicVersion = "1"
	KindAtomic    = "wallet.atomic"
)

// Atomic reads Atomic Wallet's Electron localStorage (Chromium's
// "Local Storage/leveldb"): the addresses list it keeps in clear and
// whether the general_mnemonic (password-encrypted) is present. Keys are
// "_<origin>\x00\x01<name>" with values "\x01"+Latin-1 or "\x00"+UTF-16LE;
// Atomic's origin is file://. Provenance is
// "<CURRENT> > record:leveldb#<origin>/<name> > record:json#<index>".
type Atomic struct{}

// NewAtomic returns the Atomic Wallet parser.
func NewAtomic() *Atomic { return &Atomic{} }

func (*Atomic) Name() string    { return AtomicName }
func (*Atomic) Version() string { return AtomicVersion }

// Match: a LevelDB CURRENT file (the store's keys decide in Parse).
func (*Atomic) Match(in *artefacts.Input) bool { return leveldbcopy.Match(in) }

// localStorageValue decodes a Chromium localStorage value.
func localStorageValue(v []byte) (string, bool) {
	if len(v) == 0 {
		return "", false
	}
	switch v[0] {
	case 1: // Latin-1
		r := make([]rune, len(v)-1)
		for i, c := range v[1:] {
			r[i] = rune(c)
		}
		return string(r), true
	case 0: // UTF-16LE
		if (len(v)-1)%2 != 0 {
			return "", false
		}
		u := make([]uint16, (len(v)-1)/2)
		for i := range u {
			u[i] = uint16(v[1+2*i]) | uint16(v[2+2*i])<<8
		}
		return string(utf16.Decode(u)), true
	}
	return "", false
}

// atomicAddress is one entry of Atomic's "addresses" list.
type atomicAddress struct {
	ID      string `json:"id"`
	Address string `json:"address"`
}

// ParseAtomicAddresses decodes the addresses value.
func ParseAtomicAddresses(s string) ([]atomicAddress, error) {
	var list []atomicAddress
	if err := json.Unmarshal([]byte(s), &list); err != nil {
		return nil, fmt.Errorf("atomic addresses: %w", err)
	}
	return list, nil
}

// Parse opens a copy of the store and writes the findings.
func (p *Atomic) Parse(ctx context.Context, in *artefacts.Input, out finding.Sink) error {
	c, err := leveldbcopy.Open(in)
	if err != nil {
		return err
	}
	defer c.Close()
	const prefix = "_file://\x00"
	values := map[string]string{}
	it := c.DB.NewIterator(util.BytesPrefix([]byte(prefix)), nil)
	for it.Next() {
		k := it.Key()[len(prefix):]
		if len(k) == 0 {
			continue
		}
		name, ok := localStorageValue(k)
		if !ok || len(it.Value()) > MaxJSONSize {
			continue
		}
		if v, ok := localStorageValue(it.Value()); ok {
			values[name] = v
		}
	}
	it.Release()
	if err := it.Error(); err != nil {
		return fmt.Errorf("atomic: iterate a copy of %s: %w", c.Dir, err)
	}
	addrs, hasAddrs := values["addresses"]
	mn, hasMnemonic := values["general_mnemonic"]
	if !hasAddrs && !hasMnemonic {
		return artefacts.ErrWrongFormat
	}
	e := &emitter{ctx: ctx, in: in, out: out, parser: AtomicName, version: AtomicVersion}
	base := in.Ref.Record("leveldb", "file://")
	list, lerr := ParseAtomicAddresses(addrs)
	attrs := []finding.Attr{finding.S("leveldb_folder", "/"+c.Dir), finding.B("mnemonic_present", hasMnemonic)}
	if hasMnemonic {
		// CryptoJS passphrase encryption: base64 of "Salted__"… starts "U2FsdGVkX1".
		attrs = append(attrs, finding.B("mnemonic_encrypted", strings.HasPrefix(mn, "U2FsdGVkX1")))
	}
	attrs = append(attrs, finding.I("addresses", int64(len(list))))
	if err := e.artefactRef(KindAtomic, base, attrs...); err != nil {
		return err
	}
	addrRef := in.Ref.Record("leveldb", "file:///addresses")
	if hasAddrs && lerr != nil {
		return e.warnRef(addrRef, "atomic: %v", lerr)
	}
	for i, a := range list {
		src := addrRef.Record("json", fmt.Sprint(i))
		v, ok := coins.Validate(normETHInput(a.Address))
		text := a.Address
		attrs := []finding.Attr{finding.S("chain", "atomic"), finding.S("atomic_coin", a.ID), finding.B("validated", ok)}
		if ok {
			if v.Coin == coins.ETH {
				text = coins.ChecksumETH(v.Payload)
			}
			attrs = append(attrs, finding.S("coin", string(v.Coin)), finding.S("network", string(v.Network)))
		}
		attrs = append([]finding.Attr{finding.S("address", text)}, attrs...)
		if err := e.artefactRef(KindAddress, src, attrs...); err != nil {
			return err
		}
		if !ok {
			if err := e.warnRef(src, "atomic: %s entry %q is not a valid address", a.ID, a.Address); err != nil {
				return err
			}
		}
	}
	return nil
}
