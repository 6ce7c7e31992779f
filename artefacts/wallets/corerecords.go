package wallets

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/ripemd160" //nolint:staticcheck // Bitcoin's hash160 is RIPEMD-160; there is no replacement.
)

// Bitcoin Core stores every wallet record as key = CompactSize-prefixed
// type string + payload and value = the object's serialisation
// (src/wallet/walletdb.cpp), in a Berkeley DB B-tree or a SQLite table
// main(key, value). This file decodes those serialisations.

// coreReader decodes Bitcoin's little-endian serialisation with bounds checks.
type coreReader struct {
	b   []byte
	off int
	err error
}

var errShort = errors.New("record ends early")

func (r *coreReader) fail(what string) {
	if r.err == nil {
		r.err = fmt.Errorf("%s at byte %d of %d: %w", what, r.off, len(r.b), errShort)
	}
}

func (r *coreReader) take(n int, what string) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || n > len(r.b)-r.off {
		r.fail(what)
		return nil
	}
	out := r.b[r.off : r.off+n]
	r.off += n
	return out
}

func (r *coreReader) compactSize(what string) int {
	p := r.take(1, what)
	if p == nil {
		return 0
	}
	var n uint64
	switch p[0] {
	case 0xfd:
		if q := r.take(2, what); q != nil {
			n = uint64(binary.LittleEndian.Uint16(q))
		}
	case 0xfe:
		if q := r.take(4, what); q != nil {
			n = uint64(binary.LittleEndian.Uint32(q))
		}
	case 0xff:
		if q := r.take(8, what); q != nil {
			n = binary.LittleEndian.Uint64(q)
		}
	default:
		n = uint64(p[0])
	}
	// No length can exceed what is left; checking here keeps callers from
	// allocating for a lie.
	if n > uint64(len(r.b)-r.off) {
		r.fail(fmt.Sprintf("%s: length %d", what, n))
		return 0
	}
	return int(n)
}

func (r *coreReader) vec(what string) []byte { return r.take(r.compactSize(what), what) }
func (r *coreReader) str(what string) string { return string(r.vec(what)) }
func (r *coreReader) u8(what string) byte {
	p := r.take(1, what)
	if p == nil {
		return 0
	}
	return p[0]
}
func (r *coreReader) u32(what string) uint32 {
	p := r.take(4, what)
	if p == nil {
		return 0
	}
	return binary.LittleEndian.Uint32(p)
}
func (r *coreReader) i32(what string) int32 { return int32(r.u32(what)) }
func (r *coreReader) u64(what string) uint64 {
	p := r.take(8, what)
	if p == nil {
		return 0
	}
	return binary.LittleEndian.Uint64(p)
}
func (r *coreReader) i64(what string) int64 { return int64(r.u64(what)) }
func (r *coreReader) left() int             { return len(r.b) - r.off }
func (r *coreReader) done() bool            { return r.err == nil && r.off == len(r.b) }

// coreKey splits a record key into its type and payload.
func coreKey(key []byte) (typ string, payload []byte, err error) {
	r := &coreReader{b: key}
	typ = r.str("record type")
	if r.err != nil {
		return "", nil, r.err
	}
	if typ == "" || len(typ) > 32 || strings.IndexFunc(typ, func(c rune) bool { return (c < 'a' || c > 'z') && c != '_' }) >= 0 {
		return "", nil, fmt.Errorf("record type %q is not a lower-case word", typ)
	}
	return typ, key[r.off:], nil
}

// Wallet flags (src/wallet/walletutil.h).
const (
	flagAvoidReuse       = 1 << 0
	flagKeyOriginMeta    = 1 << 1
	flagLastHardenedXpub = 1 << 2
	flagDisablePrivKeys  = 1 << 32
	flagBlank            = 1 << 33
	flagDescriptors      = 1 << 34
	flagExternalSigner   = 1 << 35
)

// coreMasterKey is a CMasterKey (an "mkey" record).
type coreMasterKey struct {
	ID          uint32
	Crypted     []byte
	Salt        []byte
	Method      uint32 // 0 = EVP_BytesToKey-style SHA-512 iteration
	Iterations  uint32
	OtherParams []byte
}

func decodeMasterKey(payload, value []byte) (coreMasterKey, error) {
	var m coreMasterKey
	k := &coreReader{b: payload}
	m.ID = k.u32("mkey id")
	r := &coreReader{b: value}
	m.Crypted = r.vec("vchCryptedKey")
	m.Salt = r.vec("vchSalt")
	m.Method = r.u32("nDerivationMethod")
	m.Iterations = r.u32("nDeriveIterations")
	m.OtherParams = r.vec("vchOtherDerivationParameters")
	return m, errors.Join(k.err, r.err)
}

// coreKeyMeta is a CKeyMetadata ("keymeta" / "watchmeta").
type coreKeyMeta struct {
	Version     int32
	Created     int64
	HDKeypath   string
	SeedID      []byte
	Fingerprint []byte
	Path        []uint32
	HasOrigin   bool
}

func decodeKeyMeta(value []byte) (coreKeyMeta, error) {
	var m coreKeyMeta
	r := &coreReader{b: value}
	m.Version = r.i32("nVersion")
	m.Created = r.i64("nCreateTime")
	if m.Version >= 10 && r.err == nil {
		m.HDKeypath = r.str("hdKeypath")
		m.SeedID = r.take(20, "hd_seed_id")
	}
	if m.Version >= 12 && r.err == nil {
		m.Fingerprint = r.take(4, "key_origin fingerprint")
		n := r.compactSize("key_origin path")
		for i := 0; i < n && r.err == nil; i++ {
			m.Path = append(m.Path, r.u32("key_origin path element"))
		}
		m.HasOrigin = r.u8("has_key_origin") != 0
	}
	return m, r.err
}

// coreHDChain is a CHDChain ("hdchain").
type coreHDChain struct {
	Version          int32
	ExternalCounter  uint32
	SeedID           []byte
	InternalCounter  uint32
	HasInternalCount bool
}

func decodeHDChain(value []byte) (coreHDChain, error) {
	var c coreHDChain
	r := &coreReader{b: value}
	c.Version = r.i32("nVersion")
	c.ExternalCounter = r.u32("nExternalChainCounter")
	c.SeedID = r.take(20, "seed_id")
	if c.Version >= 2 && r.left() >= 4 {
		c.InternalCounter, c.HasInternalCount = r.u32("nInternalChainCounter"), true
	}
	return c, r.err
}

// coreDescriptor is a WalletDescriptor ("walletdescriptor").
type coreDescriptor struct {
	ID         []byte
	Descriptor string
	Created    uint64
	RangeStart int32
	RangeEnd   int32
	NextIndex  int32
}

func decodeDescriptor(payload, value []byte) (coreDescriptor, error) {
	var d coreDescriptor
	k := &coreReader{b: payload}
	d.ID = k.take(32, "descriptor id")
	r := &coreReader{b: value}
	d.Descriptor = r.str("descriptor")
	d.Created = r.u64("creation_time")
	d.RangeStart = r.i32("range_start")
	d.RangeEnd = r.i32("range_end")
	d.NextIndex = r.i32("next_index")
	return d, errors.Join(k.err, r.err)
}

// coreTx is a CWalletTx ("tx"): the transaction and the wallet's metadata.
type coreTx struct {
	TxID         string // display order (reversed)
	KeyTxID      string // from the record key
	RawBytes     int
	Inputs       int
	Outputs      []txOut
	Segwit       bool
	TimeReceived uint32
	MapValue     map[string]string
}

type txOut struct {
	Value  int64
	Script []byte
}

// decodeTx parses the serialised transaction at the start of value, hashes
// its witness-stripped form for the txid, then reads the wallet metadata
// that follows (hashBlock, merkle branch, index, vtxPrev, mapValue,
// vOrderForm, fTimeReceivedIsTxTime, nTimeReceived, fFromMe, fSpent).
func decodeTx(payload, value []byte) (coreTx, error) {
	var t coreTx
	if len(payload) == 32 {
		t.KeyTxID = reversedHex(payload)
	}
	r := &coreReader{b: value}
	stripped := make([]byte, 0, 256)
	start := r.off
	ver := r.take(4, "tx version")
	stripped = append(stripped, ver...)
	if r.left() >= 2 && value[r.off] == 0 && value[r.off+1] == 1 {
		t.Segwit = true
		r.take(2, "segwit marker")
	}
	bodyStart := r.off
	t.Inputs = r.compactSize("input count")
	if t.Inputs > r.left()/41 {
		return t, fmt.Errorf("%d inputs cannot fit %d bytes", t.Inputs, r.left())
	}
	for i := 0; i < t.Inputs && r.err == nil; i++ {
		r.take(36, "prevout")
		r.vec("scriptSig")
		r.take(4, "sequence")
	}
	n := r.compactSize("output count")
	if n > r.left()/9 {
		return t, fmt.Errorf("%d outputs cannot fit %d bytes", n, r.left())
	}
	for i := 0; i < n && r.err == nil; i++ {
		v := r.i64("output value")
		s := r.vec("scriptPubKey")
		t.Outputs = append(t.Outputs, txOut{Value: v, Script: s})
	}
	bodyEnd := r.off
	if t.Segwit {
		for i := 0; i < t.Inputs && r.err == nil; i++ {
			items := r.compactSize("witness count")
			for j := 0; j < items && r.err == nil; j++ {
				r.vec("witness item")
			}
		}
	}
	lock := r.take(4, "locktime")
	if r.err != nil {
		return t, fmt.Errorf("transaction: %w", r.err)
	}
	stripped = append(stripped, value[bodyStart:bodyEnd]...)
	stripped = append(stripped, lock...)
	t.RawBytes = r.off - start
	h := sha256.Sum256(stripped)
	h = sha256.Sum256(h[:])
	t.TxID = reversedHex(h[:])
	// Wallet metadata; older and newer clients differ, so stop quietly at
	// the first field that does not fit.
	r.take(32, "hashBlock")
	branches := r.compactSize("vMerkleBranch")
	r.take(32*branches, "vMerkleBranch")
	r.i32("nIndex")
	if prev := r.compactSize("vtxPrev"); prev != 0 {
		return t, nil // pre-0.3 wallets kept whole previous transactions; not decoded
	}
	nv := r.compactSize("mapValue")
	if r.err == nil && nv <= r.left()/2 {
		t.MapValue = map[string]string{}
		for i := 0; i < nv && r.err == nil; i++ {
			k, v := r.str("mapValue key"), r.str("mapValue value")
			if r.err == nil {
				t.MapValue[k] = v
			}
		}
	}
	of := r.compactSize("vOrderForm")
	for i := 0; i < of && r.err == nil; i++ {
		r.str("order form key")
		r.str("order form value")
	}
	r.u32("fTimeReceivedIsTxTime")
	tr := r.u32("nTimeReceived")
	if r.err == nil {
		t.TimeReceived = tr
	}
	return t, nil
}

func reversedHex(b []byte) string {
	r := make([]byte, len(b))
	for i := range b {
		r[len(b)-1-i] = b[i]
	}
	return hex.EncodeToString(r)
}

func hash160(b []byte) []byte {
	s := sha256.Sum256(b)
	h := ripemd160.New()
	h.Write(s[:])
	return h.Sum(nil)
}

func sha256d(b []byte) []byte {
	h := sha256.Sum256(b)
	h = sha256.Sum256(h[:])
	return h[:]
}

// privKeyFromDER finds the 32-byte secret in a SEC1 ECPrivateKey (the
// form Core's "key" records hold, with explicit curve parameters):
// SEQUENCE { INTEGER 1, OCTET STRING secret, … }.
func privKeyFromDER(der []byte) ([]byte, bool) {
	r := &coreReader{b: der}
	if r.u8("") != 0x30 {
		return nil, false
	}
	if l := r.u8(""); l&0x80 != 0 {
		r.take(int(l&0x7f), "")
	}
	if r.u8("") != 0x02 || r.u8("") != 0x01 || r.u8("") != 0x01 || r.u8("") != 0x04 {
		return nil, false
	}
	if r.u8("") != 32 {
		return nil, false
	}
	s := r.take(32, "")
	return s, r.err == nil
}
