package wallets

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/loupe-forensics/loupe/artefacts"
	"github.com/loupe-forensics/loupe/artefacts/coins"
	"github.com/loupe-forensics/loupe/artefacts/sqlitedb"
	"github.com/loupe-forensics/loupe/artefacts/wallets/bdb"
	"github.com/loupe-forensics/loupe/forensic/finding"
	"github.com/loupe-forensics/loupe/forensic/source"
)

// Bitcoin Core parser identity.
const (
	BitcoinCoreName    = "wallets/bitcoin-core"
	BitcoinCoreVersion = "1"
)

// Kinds written only by the Bitcoin Core parser.
const (
	KindBitcoinCore = "wallet.bitcoin-core"
	KindMasterKey   = "wallet.masterkey"
	KindKey         = "wallet.key"
	KindDescriptor  = "wallet.descriptor"
)

// maxCoreRecords bounds how many records one wallet may deliver; real
// wallets with years of use hold a few tens of thousands.
const maxCoreRecords = 1 << 20

// Network magics Core stores as the SQLite application_id.
var coreNetworkMagic = map[uint32]coins.Network{
	0xF9BEB4D9: coins.Mainnet, 0x0B110907: coins.Testnet, 0x1C163F28: coins.Testnet,
	0x0A03CF40: coins.Network("signet"), 0xFABFB5DA: coins.Network("regtest"),
}

// BitcoinCore reads Bitcoin Core wallet.dat files: legacy Berkeley DB
// B-tree wallets (read page by page in Go, without libdb) and SQLite
// descriptor wallets. It records the encryption state (mkey records, with
// the KDF and its iterations), keys with their HD paths and creation
// times, address-book entries, descriptors with their xpubs, transactions
// and the wallet's flags, version and best block. Private keys are never
// copied: only whether they are present and whether they are encrypted.
//
// Provenance: BDB records are "record:bdb#<type>/<hex payload>" with the
// key item's byte offset in the file; SQLite records are
// "row:main#<type>/<hex payload>".
type BitcoinCore struct{}

// NewBitcoinCore returns the Bitcoin Core wallet parser.
func NewBitcoinCore() *BitcoinCore { return &BitcoinCore{} }

func (*BitcoinCore) Name() string    { return BitcoinCoreName }
func (*BitcoinCore) Version() string { return BitcoinCoreVersion }

// Match: a Berkeley DB B-tree metadata page, or a SQLite file whose
// application_id is a Bitcoin network magic (Core sets it on every wallet).
func (*BitcoinCore) Match(in *artefacts.Input) bool {
	return isBDBBtree(in.Head) || isCoreSQLite(in.Head)
}

func isBDBBtree(h []byte) bool {
	if len(h) < 512 || h[25] != 9 {
		return false
	}
	return binary.LittleEndian.Uint32(h[12:]) == bdb.Magic || binary.BigEndian.Uint32(h[12:]) == bdb.Magic
}

func isCoreSQLite(h []byte) bool {
	if len(h) < 100 || !sqlitedb.IsSQLite(h) {
		return false
	}
	_, ok := coreNetworkMagic[binary.BigEndian.Uint32(h[68:])]
	return ok
}

// coreRecord is one key/value pair with where it was found.
type coreRecord struct {
	typ     string
	payload []byte
	value   []byte
	src     *source.Ref
}

// readCoreRecords returns a wallet's records in key order from either
// storage, and facts about the container for the summary.
func readCoreRecords(ctx context.Context, in *artefacts.Input, warn func(*source.Ref, string)) ([]coreRecord, []finding.Attr, error) {
	var recs []coreRecord
	add := func(key, value []byte, src func(typ string, payload []byte) *source.Ref) {
		typ, payload, err := coreKey(key)
		if err != nil {
			warn(in.Ref, fmt.Sprintf("bitcoin core: key %x: %v", truncate(key, 40), err))
			return
		}
		recs = append(recs, coreRecord{typ: typ, payload: payload, value: value, src: src(typ, payload)})
	}
	if isBDBBtree(in.Head) {
		f, err := bdb.Open(in.Reader, in.Size, bdb.Limits{MaxItems: maxCoreRecords})
		if err != nil {
			if errors.Is(err, bdb.ErrNotBDB) {
				return nil, nil, artefacts.ErrWrongFormat
			}
			return nil, nil, fmt.Errorf("bitcoin core: %w", err)
		}
		m := f.Meta()
		facts := []finding.Attr{finding.S("format", "bdb"), finding.I("bdb_version", int64(m.Version)),
			finding.I("bdb_page_size", int64(m.PageSize)), finding.B("bdb_big_endian", m.BigEndian)}
		dbs, err := f.Databases(ctx)
		if err != nil {
			return nil, nil, fmt.Errorf("bitcoin core: master database: %w", err)
		}
		name := ""
		for _, d := range dbs {
			if d == "main" {
				name = "main"
			}
		}
		if name == "" && len(dbs) > 0 {
			// Not a wallet: some other program's multi-database BDB file.
			return nil, nil, artefacts.ErrWrongFormat
		}
		err = f.Walk(ctx, name, func(it bdb.Item) error {
			add(it.Key, it.Value, func(typ string, payload []byte) *source.Ref {
				return in.Ref.Record("bdb", typ+"/"+hex.EncodeToString(payload)).At(it.Offset, int64(len(it.Key)))
			})
			return nil
		}, func(err error) { warn(in.Ref, "bitcoin core: "+err.Error()) })
		if err != nil {
			return recs, facts, fmt.Errorf("bitcoin core: %w", err)
		}
		return recs, facts, nil
	}
	facts := []finding.Attr{finding.S("format", "sqlite")}
	if n, ok := coreNetworkMagic[binary.BigEndian.Uint32(in.Head[68:])]; ok {
		facts = append(facts, finding.S("network_magic", string(n)))
	}
	plugin := sqlitedb.Plugin{
		Name:     "bitcoin-core",
		Required: map[string][]string{"main": {"key", "value"}},
		Queries: []sqlitedb.Query{{
			Name: "records", SQL: "SELECT key, value FROM main ORDER BY key", Key: "key",
			Each: func(_ context.Context, r *sqlitedb.Row) error {
				k, _ := r.Bytes("key")
				v, _ := r.Bytes("value")
				add(bytes.Clone(k), bytes.Clone(v), func(typ string, payload []byte) *source.Ref {
					return in.Ref.Row("main", typ+"/"+hex.EncodeToString(payload))
				})
				return nil
			},
		}},
	}
	_, err := sqlitedb.Parse(ctx, in, sqlitedb.Options{MaxRows: maxCoreRecords}, func(msg string) { warn(in.Ref, "bitcoin core: "+msg) }, plugin)
	if err != nil {
		return nil, nil, err
	}
	return recs, facts, nil
}

func truncate(b []byte, n int) []byte {
	if len(b) > n {
		return b[:n]
	}
	return b
}

// Parse decodes every record and writes the findings.
func (p *BitcoinCore) Parse(ctx context.Context, in *artefacts.Input, out finding.Sink) error {
	e := &emitter{ctx: ctx, in: in, out: out, parser: BitcoinCoreName, version: BitcoinCoreVersion}
	var warnErr error
	warn := func(src *source.Ref, msg string) {
		if err := out.Warn(ctx, finding.Warning{Parser: BitcoinCoreName, Source: src, Message: msg}); err != nil && warnErr == nil {
			warnErr = err
		}
	}
	recs, facts, err := readCoreRecords(ctx, in, warn)
	if err != nil && len(recs) == 0 {
		return err
	}
	if err != nil {
		warn(in.Ref, err.Error())
	}
	w := summariseCore(recs, warn)
	if w.known == 0 {
		// A BDB or SQLite file with none of Core's record types.
		return artefacts.ErrWrongFormat
	}
	if err := p.emit(e, w, facts); err != nil {
		return err
	}
	return warnErr
}

// coreWallet is what the records say, gathered before anything is emitted
// (the address book joins name and purpose records, keys join keymeta).
type coreWallet struct {
	known, other   int
	counts         map[string]int
	version        int64
	minVersion     int64
	hasVersion     bool
	hasMinVersion  bool
	flags          uint64
	hasFlags       bool
	hd             *coreHDChain
	bestBlock      string
	defaultKey     []byte
	mkeys          []coreRecord
	keys           []coreRecord // key, ckey
	descKeys       []coreRecord // walletdescriptorkey, walletdescriptorckey
	meta           map[string]coreKeyMeta
	names          map[string]string
	purposes       map[string]string
	addrSrc        map[string]*source.Ref
	addrOrder      []string
	descriptors    []coreRecord
	active         map[string]string // descriptor id hex → "external"/"internal"
	txs            []coreRecord
	network        coins.Network
	networkDecided bool
}

func summariseCore(recs []coreRecord, warn func(*source.Ref, string)) *coreWallet {
	w := &coreWallet{counts: map[string]int{}, meta: map[string]coreKeyMeta{}, names: map[string]string{},
		purposes: map[string]string{}, addrSrc: map[string]*source.Ref{}, active: map[string]string{}, network: coins.Mainnet}
	addr := func(rec coreRecord) (string, bool) {
		r := &coreReader{b: rec.payload}
		a := r.str("address")
		if !r.done() {
			warn(rec.src, fmt.Sprintf("bitcoin core: %s record key does not hold one address string", rec.typ))
			return "", false
		}
		if _, seen := w.addrSrc[a]; !seen {
			w.addrSrc[a] = rec.src
			w.addrOrder = append(w.addrOrder, a)
		}
		return a, true
	}
	for _, rec := range recs {
		w.counts[rec.typ]++
		known := true
		switch rec.typ {
		case "name", "purpose":
			a, ok := addr(rec)
			if !ok {
				continue
			}
			r := &coreReader{b: rec.value}
			v := r.str(rec.typ)
			if r.err != nil {
				warn(rec.src, fmt.Sprintf("bitcoin core: %s value: %v", rec.typ, r.err))
				continue
			}
			if rec.typ == "name" {
				w.names[a] = v
			} else {
				w.purposes[a] = v
			}
			if v, ok := coins.ValidateBTC(a); ok && !w.networkDecided {
				w.network, w.networkDecided = v.Network, true
			}
		case "key", "ckey":
			w.keys = append(w.keys, rec)
		case "walletdescriptorkey", "walletdescriptorckey":
			w.descKeys = append(w.descKeys, rec)
		case "keymeta":
			r := &coreReader{b: rec.payload}
			pub := r.vec("pubkey")
			m, err := decodeKeyMeta(rec.value)
			if err != nil {
				warn(rec.src, fmt.Sprintf("bitcoin core: keymeta: %v", err))
				continue
			}
			w.meta[string(pub)] = m
		case "mkey":
			w.mkeys = append(w.mkeys, rec)
		case "hdchain":
			c, err := decodeHDChain(rec.value)
			if err != nil {
				warn(rec.src, fmt.Sprintf("bitcoin core: hdchain: %v", err))
				continue
			}
			w.hd = &c
		case "flags":
			if len(rec.value) != 8 {
				warn(rec.src, fmt.Sprintf("bitcoin core: flags value of %d bytes", len(rec.value)))
				continue
			}
			w.flags, w.hasFlags = binary.LittleEndian.Uint64(rec.value), true
		case "version", "minversion":
			if len(rec.value) != 4 {
				warn(rec.src, fmt.Sprintf("bitcoin core: %s value of %d bytes", rec.typ, len(rec.value)))
				continue
			}
			v := int64(int32(binary.LittleEndian.Uint32(rec.value)))
			if rec.typ == "version" {
				w.version, w.hasVersion = v, true
			} else {
				w.minVersion, w.hasMinVersion = v, true
			}
		case "bestblock", "bestblock_nomerkle":
			r := &coreReader{b: rec.value}
			r.i32("locator version")
			if n := r.compactSize("locator hashes"); n > 0 {
				if h := r.take(32, "block hash"); h != nil && (w.bestBlock == "" || rec.typ == "bestblock_nomerkle") {
					w.bestBlock = reversedHex(h)
				}
			}
		case "defaultkey":
			r := &coreReader{b: rec.value}
			w.defaultKey = r.vec("default key")
		case "walletdescriptor":
			w.descriptors = append(w.descriptors, rec)
		case "activeexternalspk", "activeinternalspk":
			if len(rec.value) == 32 {
				w.active[hex.EncodeToString(rec.value)] = strings.TrimSuffix(strings.TrimPrefix(rec.typ, "active"), "spk")
			}
		case "tx":
			w.txs = append(w.txs, rec)
		case "pool", "orderposnext", "cscript", "watchs", "watchmeta", "destdata", "lockedutxo", "wkey",
			"acentry", "settings", "walletdescriptorcache", "walletdescriptorlhcache", "acc", "hdpubkey":
		default:
			known = false
		}
		if known {
			w.known++
		} else {
			w.other++
		}
	}
	return w
}

func (p *BitcoinCore) emit(e *emitter, w *coreWallet, facts []finding.Attr) error {
	attrs := append([]finding.Attr{}, facts...)
	attrs = append(attrs, finding.B("encrypted", len(w.mkeys) > 0), finding.I("records", int64(w.known+w.other)))
	if w.hasVersion {
		attrs = append(attrs, finding.I("wallet_version", w.version))
	}
	if w.hasMinVersion {
		attrs = append(attrs, finding.I("min_version", w.minVersion))
	}
	if w.hasFlags {
		attrs = append(attrs, finding.I("flags", int64(w.flags)),
			finding.B("watch_only", w.flags&flagDisablePrivKeys != 0),
			finding.B("descriptors", w.flags&flagDescriptors != 0),
			finding.B("blank", w.flags&flagBlank != 0),
			finding.B("external_signer", w.flags&flagExternalSigner != 0))
	}
	attrs = append(attrs,
		finding.I("keys", int64(w.counts["key"])), finding.I("encrypted_keys", int64(w.counts["ckey"])),
		finding.I("descriptor_keys", int64(w.counts["walletdescriptorkey"])), finding.I("encrypted_descriptor_keys", int64(w.counts["walletdescriptorckey"])),
		finding.I("master_keys", int64(len(w.mkeys))), finding.I("address_book", int64(len(w.addrOrder))),
		finding.I("transactions", int64(len(w.txs))), finding.I("descriptors_stored", int64(len(w.descriptors))),
		finding.I("key_pool", int64(w.counts["pool"])))
	if w.other > 0 {
		attrs = append(attrs, finding.I("other_records", int64(w.other)))
	}
	if w.hd != nil {
		attrs = append(attrs, finding.S("hd_seed_id", hex.EncodeToString(w.hd.SeedID)), finding.I("hd_external_counter", int64(w.hd.ExternalCounter)))
		if w.hd.HasInternalCount {
			attrs = append(attrs, finding.I("hd_internal_counter", int64(w.hd.InternalCounter)))
		}
	}
	if w.bestBlock != "" {
		attrs = append(attrs, finding.S("best_block", w.bestBlock))
	}
	if len(w.defaultKey) > 0 {
		attrs = append(attrs, finding.S("default_key", hex.EncodeToString(w.defaultKey)))
	}
	if err := e.artefact(KindBitcoinCore, nil, attrs...); err != nil {
		return err
	}
	for _, rec := range w.mkeys {
		m, err := decodeMasterKey(rec.payload, rec.value)
		if err != nil {
			if err := e.warnRef(rec.src, "bitcoin core: mkey: %v", err); err != nil {
				return err
			}
			continue
		}
		method := "sha512-evp-bytestokey"
		if m.Method != 0 {
			method = fmt.Sprintf("unknown-%d", m.Method)
		}
		if err := e.artefactRef(KindMasterKey, rec.src, finding.I("id", int64(m.ID)), finding.S("derivation", method),
			finding.I("derivation_method", int64(m.Method)), finding.I("iterations", int64(m.Iterations)),
			finding.S("salt", hex.EncodeToString(m.Salt)), finding.I("crypted_key_bytes", int64(len(m.Crypted))),
			finding.S("cipher", "aes-256-cbc")); err != nil {
			return err
		}
	}
	for _, rec := range w.keys {
		if err := p.emitKey(e, w, rec); err != nil {
			return err
		}
	}
	for _, a := range w.addrOrder {
		if err := e.ctx.Err(); err != nil {
			return err
		}
		attrs := []finding.Attr{finding.S("address", a), finding.S("chain", "address-book")}
		v, ok := coins.ValidateBTC(a)
		attrs = append(attrs, finding.B("validated", ok))
		if ok {
			attrs = append(attrs, finding.S("coin", string(v.Coin)), finding.S("network", string(v.Network)), finding.S("script", string(v.Kind)))
		}
		if l, ok := w.names[a]; ok {
			attrs = append(attrs, finding.S("label", l))
		}
		if pu, ok := w.purposes[a]; ok {
			attrs = append(attrs, finding.S("purpose", pu))
		}
		if err := e.artefactRef(KindAddress, w.addrSrc[a], attrs...); err != nil {
			return err
		}
		if !ok {
			if err := e.warnRef(w.addrSrc[a], "bitcoin core: %q is not a valid Bitcoin-family address", a); err != nil {
				return err
			}
		}
	}
	for _, rec := range w.descriptors {
		if err := p.emitDescriptor(e, w, rec); err != nil {
			return err
		}
	}
	for _, rec := range w.txs {
		if err := e.ctx.Err(); err != nil {
			return err
		}
		t, err := decodeTx(rec.payload, rec.value)
		if err != nil {
			if err := e.warnRef(rec.src, "bitcoin core: tx: %v", err); err != nil {
				return err
			}
			continue
		}
		var total int64
		for _, o := range t.Outputs {
			total += o.Value
		}
		attrs := []finding.Attr{finding.S("txid", t.TxID), finding.B("txid_matches_key", t.TxID == t.KeyTxID),
			finding.I("raw_bytes", int64(t.RawBytes)), finding.B("segwit", t.Segwit), finding.I("inputs", int64(t.Inputs)),
			finding.I("outputs", int64(len(t.Outputs))), finding.I("value_out_sats", total)}
		if t.TimeReceived != 0 {
			attrs = append(attrs, finding.T("time_received", unixTime(int64(t.TimeReceived))))
		}
		if c := t.MapValue["comment"]; c != "" {
			attrs = append(attrs, finding.S("comment", c))
		}
		if c := t.MapValue["to"]; c != "" {
			attrs = append(attrs, finding.S("comment_to", c))
		}
		if err := e.artefactRef(KindTransaction, rec.src, attrs...); err != nil {
			return err
		}
	}
	return nil
}

// emitKey writes one key or ckey record: the public key, the addresses it
// stands for, its HD path and creation time, and whether its secret is
// encrypted. The secret itself is never copied.
func (p *BitcoinCore) emitKey(e *emitter, w *coreWallet, rec coreRecord) error {
	r := &coreReader{b: rec.payload}
	pub := r.vec("pubkey")
	if !r.done() || !(len(pub) == 33 || len(pub) == 65) || !coins.OnCurve(pub) {
		return e.warnRef(rec.src, "bitcoin core: %s record key is not a public key on secp256k1", rec.typ)
	}
	attrs := []finding.Attr{finding.S("pubkey", hex.EncodeToString(pub)), finding.B("encrypted", rec.typ == "ckey"),
		finding.B("compressed", len(pub) == 33)}
	h := hash160(pub)
	ver := byte(0x00)
	hrp := "bc"
	if w.network == coins.Testnet {
		ver, hrp = 0x6f, "tb"
	}
	attrs = append(attrs, finding.S("address_p2pkh", coins.EncodeBase58Check(append([]byte{ver}, h...))))
	if len(pub) == 33 {
		if a, err := coins.EncodeSegwit(hrp, 0, h); err == nil {
			attrs = append(attrs, finding.S("address_p2wpkh", a))
		}
	}
	if m, ok := w.meta[string(pub)]; ok {
		if m.Created > 0 {
			attrs = append(attrs, finding.T("created", unixTime(m.Created)))
		}
		if m.HDKeypath != "" {
			attrs = append(attrs, finding.S("hd_keypath", m.HDKeypath))
		}
		if len(m.Fingerprint) == 4 && m.HasOrigin {
			attrs = append(attrs, finding.S("origin_fingerprint", hex.EncodeToString(m.Fingerprint)))
		}
	}
	if rec.typ == "key" {
		v := &coreReader{b: rec.value}
		der := v.vec("private key")
		if _, ok := privKeyFromDER(der); !ok {
			attrs = append(attrs, finding.B("private_key_readable", false))
		}
	}
	return e.artefactRef(KindKey, rec.src, attrs...)
}

// emitDescriptor writes a walletdescriptor record and the extended keys in it.
func (p *BitcoinCore) emitDescriptor(e *emitter, w *coreWallet, rec coreRecord) error {
	d, err := decodeDescriptor(rec.payload, rec.value)
	if err != nil {
		return e.warnRef(rec.src, "bitcoin core: walletdescriptor: %v", err)
	}
	id := hex.EncodeToString(d.ID)
	body, sum, hasSum := strings.Cut(d.Descriptor, "#")
	attrs := []finding.Attr{finding.S("descriptor", d.Descriptor), finding.S("id", id)}
	if hasSum {
		want, ok := descriptorChecksum(body)
		attrs = append(attrs, finding.B("checksum_valid", ok && want == sum))
	}
	if d.Created > 0 && d.Created < 1<<40 {
		attrs = append(attrs, finding.T("created", unixTime(int64(d.Created))))
	}
	attrs = append(attrs, finding.I("range_start", int64(d.RangeStart)), finding.I("range_end", int64(d.RangeEnd)), finding.I("next_index", int64(d.NextIndex)))
	if a, ok := w.active[id]; ok {
		attrs = append(attrs, finding.S("active", a))
	}
	if err := e.artefactRef(KindDescriptor, rec.src, attrs...); err != nil {
		return err
	}
	for _, k := range descriptorKeys(body) {
		x, ok := coins.ValidateExtendedKey(k)
		if !ok {
			continue
		}
		if x.Kind != coins.ExtendedPublicKey {
			// A descriptor record holds the public form; a private key here
			// is noted, never copied.
			if err := e.warnRef(rec.src, "bitcoin core: descriptor %s holds an extended private key", id); err != nil {
				return err
			}
			continue
		}
		if err := e.artefactRef(KindXPub, rec.src, finding.S("xpub", x.Text), finding.B("validated", true),
			finding.S("prefix", x.Prefix), finding.S("coin", string(x.Coin)), finding.S("network", string(x.Network)),
			finding.I("depth", int64(x.Depth)), finding.S("descriptor_id", id)); err != nil {
			return err
		}
	}
	return nil
}

// descriptorKeys returns the extended-key-shaped tokens of a descriptor
// (the text between "]" or "(" or "," and the next "/", ")" or ",").
func descriptorKeys(desc string) []string {
	var out []string
	fields := strings.FieldsFunc(desc, func(c rune) bool { return strings.ContainsRune("()[],/", c) })
	for _, f := range fields {
		if len(f) >= 100 && len(f) <= 120 {
			out = append(out, f)
		}
	}
	sort.Strings(out)
	return out
}

// descriptorChecksum computes the output-descriptor checksum (BIP380).
func descriptorChecksum(desc string) (string, bool) {
	const inputCharset = "0123456789()[],'/*abcdefgh@:$%{}IJKLMNOPQRSTUVWXYZ&+-.;<=>?!^_|~ijklmnopqrstuvwxyzABCDEFGH`#\"\\ "
	const checksumCharset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
	poly := func(c uint64, val uint64) uint64 {
		c0 := c >> 35
		c = ((c & 0x7ffffffff) << 5) ^ val
		for i, g := range []uint64{0xf5dee51989, 0xa9fdca3312, 0x1bab10e32d, 0x3706b1677a, 0x644d626ffd} {
			if c0&(1<<i) != 0 {
				c ^= g
			}
		}
		return c
	}
	c, cls, clsCount := uint64(1), uint64(0), 0
	for _, ch := range desc {
		pos := strings.IndexRune(inputCharset, ch)
		if pos < 0 {
			return "", false
		}
		c = poly(c, uint64(pos&31))
		cls = cls*3 + uint64(pos>>5)
		if clsCount++; clsCount == 3 {
			c, cls, clsCount = poly(c, cls), 0, 0
		}
	}
	if clsCount > 0 {
		c = poly(c, cls)
	}
	for i := 0; i < 8; i++ {
		c = poly(c, 0)
	}
	c ^= 1
	out := make([]byte, 8)
	for i := range out {
		out[i] = checksumCharset[(c>>(5*(7-i)))&31]
	}
	return string(out), true
}
