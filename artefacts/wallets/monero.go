package wallets

import (
	"context"
	"io"
	"io/fs"
	"path"
	"strings"

	"github.com/loupe-forensics/loupe/artefacts"
	"github.com/loupe-forensics/loupe/artefacts/coins"
	"github.com/loupe-forensics/loupe/forensic/finding"
)

// Monero parser identity.
const (
	MoneroName    = "wallets/monero"
	MoneroVersion = "1"
	KindMonero    = "wallet.monero"
)

// maxMoneroKeys: a .keys file is a few KiB.
const maxMoneroKeys = 1 << 20

// Monero reads wallet2's <name>.keys file: binary-serialised
// keys_file_data, an 8-byte ChaCha IV, a varint length and that many bytes
// of encrypted account data (the key is derived from the password with
// cn_slow_hash, so nothing inside is readable without it). The primary
// address is in the plaintext <name>.address.txt beside it, validated with
// Monero's base58 and Keccak checksum.
type Monero struct{}

// NewMonero returns the Monero wallet parser.
func NewMonero() *Monero { return &Monero{} }

func (*Monero) Name() string    { return MoneroName }
func (*Monero) Version() string { return MoneroVersion }

// moneroKeysLayout returns the encrypted data length when b's size is
// exactly IV + varint + data, which random files almost never are.
func moneroKeysLayout(b []byte, size int64) (int64, bool) {
	if size < 8+1+32 || size > maxMoneroKeys || len(b) < 9 {
		return 0, false
	}
	var n int64
	for i, shift := 8, 0; i < len(b) && i < 8+5; i, shift = i+1, shift+7 {
		n |= int64(b[i]&0x7f) << shift
		if b[i]&0x80 == 0 {
			return n, int64(i+1)+n == size && n >= 32
		}
	}
	return 0, false
}

// Match: the whole file is one IV + varint-prefixed block.
func (*Monero) Match(in *artefacts.Input) bool {
	_, ok := moneroKeysLayout(in.Head, in.Size)
	return ok
}

// Parse writes wallet.monero and, when the address file is beside it, the
// primary address.
func (p *Monero) Parse(ctx context.Context, in *artefacts.Input, out finding.Sink) error {
	e := &emitter{ctx: ctx, in: in, out: out, parser: MoneroName, version: MoneroVersion}
	n, ok := moneroKeysLayout(in.Head, in.Size)
	if !ok {
		return artefacts.ErrWrongFormat
	}
	attrs := []finding.Attr{finding.S("format", "wallet2-keys"), finding.B("encrypted", true), finding.S("cipher", "chacha"),
		finding.S("kdf", "cn_slow_hash"), finding.I("account_data_bytes", n)}
	var addr string
	var addrPath string
	if in.FS != nil && strings.HasSuffix(in.Path, ".keys") {
		addrPath = strings.TrimSuffix(strings.TrimPrefix(in.Path, "/"), ".keys") + ".address.txt"
		if f, err := in.FS.Open(addrPath); err == nil {
			b, _ := io.ReadAll(io.LimitReader(f, 4096))
			f.Close()
			addr = strings.TrimSpace(string(b))
		}
		cache := strings.TrimSuffix(strings.TrimPrefix(in.Path, "/"), ".keys")
		_, err := fs.Stat(in.FS, cache)
		attrs = append(attrs, finding.B("cache_file", err == nil), finding.B("address_file", addr != ""))
	}
	if err := e.artefact(KindMonero, nil, attrs...); err != nil {
		return err
	}
	if addr == "" {
		return nil
	}
	src := siblingEntry(in, addrPath)
	v, ok := coins.ValidateXMR(addr)
	a := []finding.Attr{finding.S("address", addr), finding.S("chain", "primary"), finding.B("validated", ok)}
	if ok {
		a = append(a, finding.S("coin", string(v.Coin)), finding.S("network", string(v.Network)), finding.S("script", string(v.Kind)))
	}
	if err := e.artefactRef(KindAddress, src, a...); err != nil {
		return err
	}
	if !ok {
		return e.warnRef(src, "monero: %q in %s is not a valid Monero address", truncateString(addr, 120), path.Base(addrPath))
	}
	return nil
}

func truncateString(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
