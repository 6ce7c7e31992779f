package coins

import "crypto/sha256"

const b58Alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

// b58Digits maps a byte to its base58 digit, or -1. It is a constant lookup
// table built once; nothing ever writes to it.
var b58Digits = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	for i := 0; i < len(b58Alphabet); i++ {
		t[b58Alphabet[i]] = int8(i)
	}
	return t
}()

// maxBase58Len bounds the strings decodeBase58 accepts: the longest
// identifier decoded this way is an extended key (111 characters).
const maxBase58Len = 128

// b58Buf holds a decoded base58 string; 128 digits need at most 94 bytes.
type b58Buf [96]byte

// decodeBase58 decodes Bitcoin base58 into buf and returns the decoded
// bytes (a slice of buf). Leading '1's become leading zero bytes.
func decodeBase58(s string, buf *b58Buf) ([]byte, bool) {
	if len(s) == 0 || len(s) > maxBase58Len {
		return nil, false
	}
	*buf = b58Buf{}
	zeros := 0
	for zeros < len(s) && s[zeros] == '1' {
		zeros++
	}
	b := buf[:]
	size := 0 // significant bytes accumulated at the end of b
	for i := zeros; i < len(s); i++ {
		d := b58Digits[s[i]]
		if d < 0 {
			return nil, false
		}
		carry := uint32(d)
		j := 0
		for k := len(b) - 1; k >= 0 && (carry != 0 || j < size); k-- {
			carry += 58 * uint32(b[k])
			b[k] = byte(carry)
			carry >>= 8
			j++
		}
		if carry != 0 {
			return nil, false
		}
		size = j
	}
	if zeros+size > len(b) {
		return nil, false
	}
	copy(b[zeros:], b[len(b)-size:])
	clear(b[:zeros])
	return b[:zeros+size], true
}

// decodeBase58Check decodes s and verifies its 4-byte double-SHA256
// checksum, returning the payload without it (a slice of buf).
func decodeBase58Check(s string, buf *b58Buf) ([]byte, bool) {
	b, ok := decodeBase58(s, buf)
	if !ok || len(b) < 5 {
		return nil, false
	}
	payload, sum := b[:len(b)-4], b[len(b)-4:]
	h := sha256.Sum256(payload)
	h = sha256.Sum256(h[:])
	if h[0] != sum[0] || h[1] != sum[1] || h[2] != sum[2] || h[3] != sum[3] {
		return nil, false
	}
	return payload, true
}

// EncodeBase58Check encodes payload with its checksum (for tests and reports).
func EncodeBase58Check(payload []byte) string {
	h := sha256.Sum256(payload)
	h = sha256.Sum256(h[:])
	full := append(append([]byte(nil), payload...), h[:4]...)
	return encodeBase58(full)
}

func encodeBase58(b []byte) string {
	zeros := 0
	for zeros < len(b) && b[zeros] == 0 {
		zeros++
	}
	// log(256)/log(58) < 1.37
	digits := make([]byte, 0, len(b)*137/100+1)
	for _, c := range b[zeros:] {
		carry := uint32(c)
		for i := range digits {
			carry += uint32(digits[i]) << 8
			digits[i] = byte(carry % 58)
			carry /= 58
		}
		for carry > 0 {
			digits = append(digits, byte(carry%58))
			carry /= 58
		}
	}
	out := make([]byte, zeros+len(digits))
	for i := 0; i < zeros; i++ {
		out[i] = '1'
	}
	for i, d := range digits {
		out[len(out)-1-i] = b58Alphabet[d]
	}
	return string(out)
}

// DecodeBase58Check decodes a base58check string and returns its payload
// (version bytes included, checksum removed).
func DecodeBase58Check(s string) ([]byte, bool) {
	var buf b58Buf
	p, ok := decodeBase58Check(s, &buf)
	if !ok {
		return nil, false
	}
	return append([]byte(nil), p...), true
}
