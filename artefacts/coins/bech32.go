package coins

import (
	"errors"
	"strings"
)

const bech32Charset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"

// bech32Values maps a character (either case) to its 5-bit value, or -1.
var bech32Values = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	for i := 0; i < len(bech32Charset); i++ {
		c := bech32Charset[i]
		t[c] = int8(i)
		if c >= 'a' && c <= 'z' {
			t[c-'a'+'A'] = int8(i)
		}
	}
	return t
}()

const (
	bech32Const  = 1
	bech32mConst = 0x2bc830a3
	maxBech32Len = 90
)

func polymodStep(chk uint32, v byte) uint32 {
	b := chk >> 25
	chk = (chk&0x1ffffff)<<5 ^ uint32(v)
	if b&1 != 0 {
		chk ^= 0x3b6a57b2
	}
	if b&2 != 0 {
		chk ^= 0x26508e6d
	}
	if b&4 != 0 {
		chk ^= 0x1ea119fa
	}
	if b&8 != 0 {
		chk ^= 0x3d4233dd
	}
	if b&16 != 0 {
		chk ^= 0x2a1462b3
	}
	return chk
}

func lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// hrpChecksumState feeds the expanded human-readable part to the polymod.
func hrpChecksumState(hrp string) uint32 {
	chk := uint32(1)
	for i := 0; i < len(hrp); i++ {
		chk = polymodStep(chk, lower(hrp[i])>>5)
	}
	chk = polymodStep(chk, 0)
	for i := 0; i < len(hrp); i++ {
		chk = polymodStep(chk, lower(hrp[i])&31)
	}
	return chk
}

// decodeBech32 checks a bech32/bech32m string under BIP173/BIP350 rules and
// writes its 5-bit data values (checksum excluded) into data. It returns the
// separator position (the hrp is s[:pos]), the number of values and the
// encoding. It does not allocate.
func decodeBech32(s string, data *[maxBech32Len]byte) (pos, n int, enc Encoding, ok bool) {
	if len(s) < 8 || len(s) > maxBech32Len {
		return 0, 0, "", false
	}
	hasLower, hasUpper := false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 33 || c > 126 {
			return 0, 0, "", false
		}
		if c >= 'a' && c <= 'z' {
			hasLower = true
		} else if c >= 'A' && c <= 'Z' {
			hasUpper = true
		}
	}
	if hasLower && hasUpper {
		return 0, 0, "", false
	}
	pos = strings.LastIndexByte(s, '1')
	if pos < 1 || pos+7 > len(s) {
		return 0, 0, "", false
	}
	chk := hrpChecksumState(s[:pos])
	for i := pos + 1; i < len(s); i++ {
		v := bech32Values[s[i]]
		if v < 0 {
			return 0, 0, "", false
		}
		chk = polymodStep(chk, byte(v))
		data[n] = byte(v)
		n++
	}
	switch chk {
	case bech32Const:
		enc = EncBech32
	case bech32mConst:
		enc = EncBech32m
	default:
		return 0, 0, "", false
	}
	return pos, n - 6, enc, true
}

// DecodeBech32 decodes a bech32 or bech32m string into its human-readable
// part (lower-cased) and 5-bit data values.
func DecodeBech32(s string) (hrp string, data []byte, enc Encoding, err error) {
	var d [maxBech32Len]byte
	pos, n, enc, ok := decodeBech32(s, &d)
	if !ok {
		return "", nil, "", errors.New("coins: invalid bech32 string")
	}
	return strings.ToLower(s[:pos]), append([]byte(nil), d[:n]...), enc, nil
}

// convert5to8 regroups 5-bit values into bytes with BIP173's padding rule:
// at most 4 leftover bits, all zero.
func convert5to8(in []byte, out []byte) (int, bool) {
	acc, bits, n := uint32(0), uint(0), 0
	for _, v := range in {
		acc = acc<<5 | uint32(v)
		bits += 5
		for bits >= 8 {
			bits -= 8
			if n >= len(out) {
				return 0, false
			}
			out[n] = byte(acc >> bits)
			n++
		}
	}
	if bits >= 5 || acc&(1<<bits-1) != 0 {
		return 0, false
	}
	return n, true
}

// decodeSegwit decodes a segwit address for the given lower-case hrp.
func decodeSegwit(s, hrp string, prog *[40]byte) (ver, n int, enc Encoding, ok bool) {
	var d [maxBech32Len]byte
	pos, dn, enc, ok := decodeBech32(s, &d)
	if !ok || !strings.EqualFold(s[:pos], hrp) || dn < 1 {
		return 0, 0, "", false
	}
	ver = int(d[0])
	if ver > 16 {
		return 0, 0, "", false
	}
	n, ok = convert5to8(d[1:dn], prog[:])
	if !ok || n < 2 || n > 40 {
		return 0, 0, "", false
	}
	if ver == 0 && n != 20 && n != 32 {
		return 0, 0, "", false
	}
	if (ver == 0) != (enc == EncBech32) {
		return 0, 0, "", false
	}
	return ver, n, enc, true
}

// DecodeSegwit decodes a segwit address whose hrp must equal hrp, returning
// the witness version and program.
func DecodeSegwit(hrp, s string) (version int, program []byte, err error) {
	var prog [40]byte
	ver, n, _, ok := decodeSegwit(s, hrp, &prog)
	if !ok {
		return 0, nil, errors.New("coins: invalid segwit address")
	}
	return ver, append([]byte(nil), prog[:n]...), nil
}

// EncodeSegwit encodes a witness program as an address (lower case), with
// bech32 for version 0 and bech32m otherwise; it refuses what BIP173/BIP350
// forbid.
func EncodeSegwit(hrp string, version int, program []byte) (string, error) {
	if hrp == "" || len(hrp) > 83 || hrp != strings.ToLower(hrp) {
		return "", errors.New("coins: invalid hrp")
	}
	for i := 0; i < len(hrp); i++ {
		if hrp[i] < 33 || hrp[i] > 126 {
			return "", errors.New("coins: invalid hrp")
		}
	}
	if version < 0 || version > 16 || len(program) < 2 || len(program) > 40 ||
		(version == 0 && len(program) != 20 && len(program) != 32) {
		return "", errors.New("coins: invalid witness version or program length")
	}
	vals := []byte{byte(version)}
	acc, bits := uint32(0), uint(0)
	for _, b := range program {
		acc = acc<<8 | uint32(b)
		bits += 8
		for bits >= 5 {
			bits -= 5
			vals = append(vals, byte(acc>>bits)&31)
		}
	}
	if bits > 0 {
		vals = append(vals, byte(acc<<(5-bits))&31)
	}
	chk := hrpChecksumState(hrp)
	for _, v := range vals {
		chk = polymodStep(chk, v)
	}
	for i := 0; i < 6; i++ {
		chk = polymodStep(chk, 0)
	}
	c := uint32(bech32Const)
	if version > 0 {
		c = bech32mConst
	}
	chk ^= c
	var b strings.Builder
	b.WriteString(hrp)
	b.WriteByte('1')
	for _, v := range vals {
		b.WriteByte(bech32Charset[v])
	}
	for i := 0; i < 6; i++ {
		b.WriteByte(bech32Charset[(chk>>(5*(5-i)))&31])
	}
	out := b.String()
	if len(out) > maxBech32Len {
		return "", errors.New("coins: address too long")
	}
	return out, nil
}
