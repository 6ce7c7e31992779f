package coins

import (
	"encoding/hex"

	"golang.org/x/crypto/sha3"
)

func hexVal(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// ValidateETH validates an Ethereum account address "0x" + 40 hex digits.
// A mixed-case address must carry a correct EIP-55 checksum; an all-lower or
// all-upper one has none, so it is accepted with Checksum Unverifiable.
func ValidateETH(s string) (Address, bool) {
	if len(s) != 42 || s[0] != '0' || s[1] != 'x' {
		return Address{}, false
	}
	var low [40]byte
	hasLower, hasUpper := false, false
	for i := 0; i < 40; i++ {
		c := s[2+i]
		if _, ok := hexVal(c); !ok {
			return Address{}, false
		}
		switch {
		case c >= 'a' && c <= 'f':
			hasLower = true
		case c >= 'A' && c <= 'F':
			hasUpper = true
			c += 'a' - 'A'
		}
		low[i] = c
	}
	sum := Unverifiable
	if hasLower && hasUpper {
		h := sha3.NewLegacyKeccak256()
		h.Write(low[:])
		var d [32]byte
		h.Sum(d[:0])
		for i := 0; i < 40; i++ {
			c := s[2+i]
			if c <= '9' {
				continue
			}
			nib := d[i/2] >> 4
			if i%2 == 1 {
				nib = d[i/2] & 0x0f
			}
			if (nib >= 8) != (c >= 'A' && c <= 'F') {
				return Address{}, false
			}
		}
		sum = Verified
	}
	payload := make([]byte, 20)
	hex.Decode(payload, low[:])
	enc := EncEIP55
	if sum == Unverifiable {
		enc = EncHex
	}
	return Address{
		Text: s, Coin: ETH, Network: Mainnet, Kind: EthAccount, Encoding: enc,
		Checksum: sum, WitnessVersion: -1, Payload: payload,
	}, true
}

// ChecksumETH returns the EIP-55 form of a 20-byte account.
func ChecksumETH(account []byte) string {
	low := hex.EncodeToString(account)
	h := sha3.NewLegacyKeccak256()
	h.Write([]byte(low))
	d := h.Sum(nil)
	out := []byte("0x" + low)
	for i := 0; i < len(low); i++ {
		nib := d[i/2] >> 4
		if i%2 == 1 {
			nib = d[i/2] & 0x0f
		}
		if c := out[2+i]; c >= 'a' && nib >= 8 {
			out[2+i] = c - 'a' + 'A'
		}
	}
	return string(out)
}

// EthAccountFromPrivate returns the 20-byte account of a private key: the
// last 20 bytes of Keccak-256 over the 64-byte public key.
func EthAccountFromPrivate(priv []byte) ([]byte, bool) {
	pub, ok := PublicKey(priv)
	if !ok {
		return nil, false
	}
	h := sha3.NewLegacyKeccak256()
	h.Write(pub[1:])
	return h.Sum(nil)[12:], true
}
