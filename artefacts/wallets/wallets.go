// Package wallets parses cryptocurrency wallet files without passwords:
// addresses, extended public keys, labels, transactions where stored and
// the encryption state. Secrets (seeds, private keys) are never copied into
// findings; only whether they are present and whether they are encrypted.
//
// Identifiers are validated with artefacts/coins, the same code the
// identifier sweep uses, so a wallet's addresses and a carved address agree.
//
// Artefacts (provenance: the file, or a "record:json#<dotted JSON path>"
// step below it, e.g. keystore.xpub, addresses.receiving.3):
//
//	wallet.electrum     one per file: format, file_encrypted, encryption
//	                    (none | keystore secrets | bie1 | bie2), use_encryption,
//	                    seed_version, era, wallet_type, keystores, watch_only,
//	                    counts of addresses/transactions/labels, patches_applied
//	wallet.keystore     per Electrum keystore (keystore, x1/, …): type,
//	                    seed/xprv/keypairs = absent | plaintext | encrypted |
//	                    unrecognised, seed_type, derivation, root_fingerprint,
//	                    hw_type, label; per Ethereum key file: version, kdf
//	                    and its parameters, cipher, id, address,
//	                    created_from_filename
//	wallet.xpub         xpub (or an old-format hex mpk), validated, prefix,
//	                    coin, network, script, depth, keystore
//	wallet.address      address, chain (receiving | change | imported |
//	                    history | keystore), index, validated, coin, network,
//	                    script, label
//	wallet.transaction  txid, raw_bytes, height and block_time when verified,
//	                    label
//
// Decryption is never attempted during parsing; DecryptElectrumFile,
// DecryptElectrumSecret and EthKeyFile.Decrypt take a password the examiner
// supplies.
package wallets

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/loupe-forensics/loupe/artefacts"
	"github.com/loupe-forensics/loupe/forensic/finding"
)

// Artefact kinds written by the wallet parsers.
const (
	KindElectrum    = "wallet.electrum"
	KindAddress     = "wallet.address"
	KindXPub        = "wallet.xpub"
	KindKeystore    = "wallet.keystore"
	KindTransaction = "wallet.transaction"
)

// MaxJSONSize caps how much of a JSON wallet is read: real Electrum wallets
// with years of history are a few MiB; anything larger is refused with a
// warning rather than loaded into memory.
const MaxJSONSize = 64 << 20

// readAll reads the whole input, refusing files over limit.
func readAll(in *artefacts.Input, limit int64) ([]byte, error) {
	if in.Reader == nil {
		return nil, fmt.Errorf("%s: no reader", in.Ref)
	}
	if in.Size > limit {
		return nil, fmt.Errorf("%w: %d bytes, over the %d-byte limit", errTooLarge, in.Size, limit)
	}
	b := make([]byte, in.Size)
	n, err := in.Reader.ReadAt(b, 0)
	if err != nil && !(errors.Is(err, io.EOF) && int64(n) == in.Size) {
		return nil, fmt.Errorf("read %d bytes at offset 0 of %s: %w", in.Size, in.Ref, err)
	}
	return b, nil
}

var errTooLarge = errors.New("file too large")

// emitter carries the per-file context every artefact shares.
type emitter struct {
	ctx     context.Context
	in      *artefacts.Input
	out     finding.Sink
	parser  string
	version string
}

func (e *emitter) artefact(kind string, src *sourceRef, attrs ...finding.Attr) error {
	if e.in.Deleted {
		attrs = append(attrs, finding.B("deleted", true))
	}
	err := e.out.Artefact(e.ctx, finding.Artefact{
		Kind: kind, Category: finding.Data, Attrs: attrs, Parser: e.parser,
		ParserVersion: e.version, Source: src.ref(e.in), SourceSHA256: e.in.SHA256,
	})
	if err != nil {
		return fmt.Errorf("%s: record %s: %w", e.parser, e.in.Ref, err)
	}
	return nil
}

func (e *emitter) warn(src *sourceRef, format string, args ...any) error {
	return e.out.Warn(e.ctx, finding.Warning{Parser: e.parser, Source: src.ref(e.in), Message: fmt.Sprintf(format, args...)})
}

func unixTime(sec int64) time.Time { return time.Unix(sec, 0).UTC() }
