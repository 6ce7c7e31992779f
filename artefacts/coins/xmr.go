package coins

import (
	"errors"
	"math/bits"

	"golang.org/x/crypto/sha3"
)

// Monero base58 encodes 8-byte blocks as 11 characters; a final partial
// block of k bytes takes xmrEncodedSize[k] characters.
var xmrEncodedSize = [9]int{0, 2, 3, 5, 6, 7, 9, 10, 11}

// xmrDecodedSize inverts xmrEncodedSize (-1: no block has that length).
var xmrDecodedSize = [12]int{0, -1, 1, 2, -1, 3, 4, 5, -1, 6, 7, 8}

// decodeMoneroBase58 decodes s into out and returns the byte count.
func decodeMoneroBase58(s string, out []byte) (int, bool) {
	n := 0
	for i := 0; i < len(s); i += 11 {
		end := min(i+11, len(s))
		size := xmrDecodedSize[end-i]
		if size <= 0 || n+size > len(out) {
			return 0, false
		}
		var v uint64
		for j := i; j < end; j++ {
			d := b58Digits[s[j]]
			if d < 0 {
				return 0, false
			}
			hi, lo := bits.Mul64(v, 58)
			lo, carry := bits.Add64(lo, uint64(d), 0)
			if hi != 0 || carry != 0 {
				return 0, false
			}
			v = lo
		}
		if size < 8 && v>>(8*uint(size)) != 0 {
			return 0, false
		}
		for k := size - 1; k >= 0; k-- {
			out[n+k] = byte(v)
			v >>= 8
		}
		n += size
	}
	return n, true
}

// EncodeMoneroBase58 encodes b in Monero's block base58.
func EncodeMoneroBase58(b []byte) string {
	out := make([]byte, 0, len(b)/8*11+11)
	for i := 0; i < len(b); i += 8 {
		blk := b[i:min(i+8, len(b))]
		var v uint64
		for _, c := range blk {
			v = v<<8 | uint64(c)
		}
		w := xmrEncodedSize[len(blk)]
		enc := make([]byte, w)
		for k := w - 1; k >= 0; k-- {
			enc[k] = b58Alphabet[v%58]
			v /= 58
		}
		out = append(out, enc...)
	}
	return string(out)
}

var xmrNetBytes = map[byte]struct {
	net  Network
	kind Kind
}{
	18: {Mainnet, XMRStandard}, 19: {Mainnet, XMRIntegrated}, 42: {Mainnet, XMRSubaddress},
	24: {Stagenet, XMRStandard}, 25: {Stagenet, XMRIntegrated}, 36: {Stagenet, XMRSubaddress},
	53: {Testnet, XMRStandard}, 54: {Testnet, XMRIntegrated}, 63: {Testnet, XMRSubaddress},
}

// ValidateXMR validates a Monero address: Monero base58, a known network
// byte, the length its kind requires and the Keccak-256 checksum.
func ValidateXMR(s string) (Address, bool) {
	if len(s) != 95 && len(s) != 106 {
		return Address{}, false
	}
	var buf [80]byte
	n, ok := decodeMoneroBase58(s, buf[:])
	if !ok || (n != 69 && n != 77) {
		return Address{}, false
	}
	// Every known network byte is below 0x80, so the varint is one byte.
	v, ok := xmrNetBytes[buf[0]]
	if !ok || (v.kind == XMRIntegrated) != (n == 77) {
		return Address{}, false
	}
	h := sha3.NewLegacyKeccak256()
	h.Write(buf[:n-4])
	var d [32]byte
	h.Sum(d[:0])
	if d[0] != buf[n-4] || d[1] != buf[n-3] || d[2] != buf[n-2] || d[3] != buf[n-1] {
		return Address{}, false
	}
	a := Address{
		Text: s, Coin: XMR, Network: v.net, Kind: v.kind, Encoding: EncMoneroBase58,
		Checksum: Verified, WitnessVersion: -1, Payload: append([]byte(nil), buf[1:65]...),
	}
	if n == 77 {
		a.PaymentID = append([]byte(nil), buf[65:73]...)
	}
	return a, true
}

// EncodeXMR builds a Monero address from its parts (for tests and reports).
func EncodeXMR(netByte byte, spendViewPub []byte, paymentID []byte) (string, error) {
	if len(spendViewPub) != 64 || (paymentID != nil && len(paymentID) != 8) || netByte >= 0x80 {
		return "", errors.New("coins: invalid Monero address parts")
	}
	b := append([]byte{netByte}, spendViewPub...)
	b = append(b, paymentID...)
	h := sha3.NewLegacyKeccak256()
	h.Write(b)
	b = append(b, h.Sum(nil)[:4]...)
	return EncodeMoneroBase58(b), nil
}
