// Package onion validates Tor onion addresses, shared by every parser and
// the identifier sweep so that all of them accept exactly the same strings.
//
// A v3 address (rend-spec-v3, "Encoding onion addresses") is the base32 of
// 35 bytes, PUBKEY(32) ‖ CHECKSUM(2) ‖ VERSION(1) with VERSION = 3 and
// CHECKSUM = SHA3-256(".onion checksum" ‖ PUBKEY ‖ VERSION)[:2], written in
// lower case followed by ".onion". The hash is SHA3-256 (FIPS 202), not the
// original Keccak. A v2 address (16 base32 characters) carries no checksum,
// so it can only be "legacy-shaped".
package onion

import (
	"encoding/base32"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/sha3"
)

// Errors returned by Parse.
var (
	ErrLength   = errors.New("onion: not 56 (v3) or 16 (v2) base32 characters")
	ErrAlphabet = errors.New("onion: character outside the base32 alphabet")
	ErrVersion  = errors.New("onion: version byte is not 3")
	ErrChecksum = errors.New("onion: checksum does not match the public key")
)

var b32 = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// Address is a parsed onion address.
type Address struct {
	Host      string // canonical form: lower case, with ".onion"
	Version   int    // 3, or 2 for a legacy-shaped address
	PublicKey []byte // the service's Ed25519 public key (v3 only)
}

// Parse validates s, with or without the ".onion" suffix and with any
// subdomain labels before it (which name the same service). Upper-case input
// is accepted, as browsers fold case.
func Parse(s string) (Address, error) {
	s = strings.ToLower(strings.TrimSuffix(strings.ToLower(s), ".onion"))
	if i := strings.LastIndexByte(s, '.'); i >= 0 {
		s = s[i+1:] // "www.<service>.onion" is the service's address
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= 'a' && c <= 'z' || c >= '2' && c <= '7') {
			return Address{}, fmt.Errorf("%w: %q at %d", ErrAlphabet, c, i)
		}
	}
	switch len(s) {
	case 16:
		return Address{Host: s + ".onion", Version: 2}, nil
	case 56:
	default:
		return Address{}, fmt.Errorf("%w: %d characters", ErrLength, len(s))
	}
	raw, err := b32.DecodeString(s)
	if err != nil || len(raw) != 35 {
		return Address{}, fmt.Errorf("%w: %v", ErrAlphabet, err)
	}
	pub, sum, ver := raw[:32], raw[32:34], raw[34]
	if ver != 3 {
		return Address{}, fmt.Errorf("%w: %d", ErrVersion, ver)
	}
	if want := checksum(pub, ver); sum[0] != want[0] || sum[1] != want[1] {
		return Address{}, ErrChecksum
	}
	return Address{Host: s + ".onion", Version: 3, PublicKey: append([]byte(nil), pub...)}, nil
}

// ValidV3 reports whether s is a checksummed v3 address.
func ValidV3(s string) bool {
	a, err := Parse(s)
	return err == nil && a.Version == 3
}

// FromPublicKey returns the v3 address of an Ed25519 public key.
func FromPublicKey(pub []byte) (string, error) {
	if len(pub) != 32 {
		return "", fmt.Errorf("onion: public key is %d bytes, want 32", len(pub))
	}
	raw := make([]byte, 0, 35)
	raw = append(raw, pub...)
	sum := checksum(pub, 3)
	raw = append(raw, sum[0], sum[1], 3)
	return b32.EncodeToString(raw) + ".onion", nil
}

func checksum(pub []byte, ver byte) [32]byte {
	h := sha3.New256()
	h.Write([]byte(".onion checksum"))
	h.Write(pub)
	h.Write([]byte{ver})
	var out [32]byte
	h.Sum(out[:0])
	return out
}
