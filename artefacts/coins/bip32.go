package coins

import (
	"encoding/binary"
	"math/big"
)

// secp256k1 field prime p and group order n.
var (
	secpP, _ = new(big.Int).SetString("fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2f", 16)
	secpN, _ = new(big.Int).SetString("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141", 16)
)

// onCurve reports whether a 33-byte compressed public key is a point on
// secp256k1: x < p and x³ + 7 is a square mod p (then a y exists; its
// parity is what the prefix byte picks).
func onCurve(key []byte) bool {
	if len(key) != 33 || (key[0] != 2 && key[0] != 3) {
		return false
	}
	x := new(big.Int).SetBytes(key[1:])
	if x.Cmp(secpP) >= 0 {
		return false
	}
	rhs := new(big.Int).Mul(x, x)
	rhs.Mul(rhs, x)
	rhs.Add(rhs, big.NewInt(7))
	rhs.Mod(rhs, secpP)
	return new(big.Int).ModSqrt(rhs, secpP) != nil
}

// validScalar reports whether a 32-byte big-endian k is in [1, n-1].
func validScalar(k []byte) bool {
	v := new(big.Int).SetBytes(k)
	return v.Sign() > 0 && v.Cmp(secpN) < 0
}

// xkeyVersion describes one SLIP-132 extended-key version.
type xkeyVersion struct {
	prefix  string
	coin    Coin
	network Network
	private bool
	script  string // the script type the prefix announces
}

var xkeyVersions = map[uint32]xkeyVersion{
	0x0488B21E: {"xpub", BTC, Mainnet, false, "p2pkh or p2sh"},
	0x0488ADE4: {"xprv", BTC, Mainnet, true, "p2pkh or p2sh"},
	0x049D7CB2: {"ypub", BTC, Mainnet, false, "p2wpkh-p2sh"},
	0x049D7878: {"yprv", BTC, Mainnet, true, "p2wpkh-p2sh"},
	0x0295B43F: {"Ypub", BTC, Mainnet, false, "p2wsh-p2sh"},
	0x0295B005: {"Yprv", BTC, Mainnet, true, "p2wsh-p2sh"},
	0x04B24746: {"zpub", BTC, Mainnet, false, "p2wpkh"},
	0x04B2430C: {"zprv", BTC, Mainnet, true, "p2wpkh"},
	0x02AA7ED3: {"Zpub", BTC, Mainnet, false, "p2wsh"},
	0x02AA7A99: {"Zprv", BTC, Mainnet, true, "p2wsh"},
	0x043587CF: {"tpub", BTC, Testnet, false, "p2pkh or p2sh"},
	0x04358394: {"tprv", BTC, Testnet, true, "p2pkh or p2sh"},
	0x044A5262: {"upub", BTC, Testnet, false, "p2wpkh-p2sh"},
	0x044A4E28: {"uprv", BTC, Testnet, true, "p2wpkh-p2sh"},
	0x024289EF: {"Upub", BTC, Testnet, false, "p2wsh-p2sh"},
	0x024285B5: {"Uprv", BTC, Testnet, true, "p2wsh-p2sh"},
	0x045F1CF6: {"vpub", BTC, Testnet, false, "p2wpkh"},
	0x045F18BC: {"vprv", BTC, Testnet, true, "p2wpkh"},
	0x02575483: {"Vpub", BTC, Testnet, false, "p2wsh"},
	0x02575048: {"Vprv", BTC, Testnet, true, "p2wsh"},
	0x019DA462: {"Ltub", LTC, Mainnet, false, "p2pkh or p2sh"},
	0x019D9CFE: {"Ltpv", LTC, Mainnet, true, "p2pkh or p2sh"},
	0x01B26EF6: {"Mtub", LTC, Mainnet, false, "p2wpkh-p2sh"},
	0x01B26792: {"Mtpv", LTC, Mainnet, true, "p2wpkh-p2sh"},
}

// ExtendedKey is a validated BIP32 extended key.
type ExtendedKey struct {
	Text              string
	Prefix            string // "xpub", "zprv", …
	Coin              Coin
	Network           Network
	Kind              Kind // ExtendedPublicKey or ExtendedPrivate
	Script            string
	Version           uint32
	Depth             uint8
	ParentFingerprint uint32
	ChildNumber       uint32
	ChainCode         [32]byte
	// Key is the 33-byte compressed public key; empty for private keys,
	// whose scalar is deliberately not kept.
	Key []byte
}

// Hardened reports whether the key was derived with a hardened index.
func (k ExtendedKey) Hardened() bool { return k.ChildNumber >= 1<<31 }

// ValidateExtendedKey validates a BIP32/SLIP-132 extended key: base58check,
// a known version, depth-0 consistency, and the key material (a point on
// secp256k1 for public keys, a scalar in [1, n-1] for private ones).
func ValidateExtendedKey(s string) (ExtendedKey, bool) {
	if len(s) < 100 || len(s) > 115 {
		return ExtendedKey{}, false
	}
	var buf b58Buf
	p, ok := decodeBase58Check(s, &buf)
	if !ok || len(p) != 78 {
		return ExtendedKey{}, false
	}
	ver := binary.BigEndian.Uint32(p[0:4])
	v, ok := xkeyVersions[ver]
	if !ok {
		return ExtendedKey{}, false
	}
	k := ExtendedKey{
		Text: s, Prefix: v.prefix, Coin: v.coin, Network: v.network, Script: v.script,
		Version: ver, Depth: p[4], ParentFingerprint: binary.BigEndian.Uint32(p[5:9]),
		ChildNumber: binary.BigEndian.Uint32(p[9:13]), Kind: ExtendedPublicKey,
	}
	copy(k.ChainCode[:], p[13:45])
	if k.Depth == 0 && (k.ParentFingerprint != 0 || k.ChildNumber != 0) {
		return ExtendedKey{}, false
	}
	key := p[45:78]
	if v.private {
		if key[0] != 0 || !validScalar(key[1:]) {
			return ExtendedKey{}, false
		}
		k.Kind = ExtendedPrivate
		return k, true
	}
	if !onCurve(key) {
		return ExtendedKey{}, false
	}
	k.Key = append([]byte(nil), key...)
	return k, true
}

// OnCurve reports whether a 33-byte compressed key is a point on secp256k1.
func OnCurve(key []byte) bool { return onCurve(key) }

// pointAdd and pointDouble work in affine coordinates with math/big. They
// are slow and not constant-time: they serve to check an examiner's
// decryption result (does this key belong to that address?), never to sign.
func pointAdd(x1, y1, x2, y2 *big.Int) (*big.Int, *big.Int) {
	if x1 == nil {
		return x2, y2
	}
	if x2 == nil {
		return x1, y1
	}
	var l *big.Int
	if x1.Cmp(x2) == 0 {
		if new(big.Int).Add(y1, y2).Mod(new(big.Int).Add(y1, y2), secpP).Sign() == 0 {
			return nil, nil
		}
		// λ = 3x² / 2y
		num := new(big.Int).Mul(x1, x1)
		num.Mul(num, big.NewInt(3))
		den := new(big.Int).Lsh(y1, 1)
		l = num.Mul(num, den.ModInverse(den, secpP))
	} else {
		num := new(big.Int).Sub(y2, y1)
		den := new(big.Int).Sub(x2, x1)
		den.Mod(den, secpP)
		l = num.Mul(num, den.ModInverse(den, secpP))
	}
	l.Mod(l, secpP)
	x3 := new(big.Int).Mul(l, l)
	x3.Sub(x3, x1).Sub(x3, x2).Mod(x3, secpP)
	y3 := new(big.Int).Sub(x1, x3)
	y3.Mul(y3, l).Sub(y3, y1).Mod(y3, secpP)
	return x3, y3
}

var (
	secpGx, _ = new(big.Int).SetString("79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798", 16)
	secpGy, _ = new(big.Int).SetString("483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8", 16)
)

// PublicKey returns the 65-byte uncompressed public key (0x04‖X‖Y) of a
// private key in [1, n-1].
func PublicKey(priv []byte) ([]byte, bool) {
	if len(priv) > 32 || !validScalar(priv) {
		return nil, false
	}
	k := new(big.Int).SetBytes(priv)
	var rx, ry *big.Int
	ax, ay := secpGx, secpGy
	for i := 0; i < k.BitLen(); i++ {
		if k.Bit(i) == 1 {
			rx, ry = pointAdd(rx, ry, ax, ay)
		}
		ax, ay = pointAdd(ax, ay, ax, ay)
	}
	out := make([]byte, 65)
	out[0] = 4
	rx.FillBytes(out[1:33])
	ry.FillBytes(out[33:65])
	return out, true
}

// OnCurveXY reports whether 32-byte big-endian x and y satisfy
// y² = x³ + 7 mod p (an uncompressed point, as Electrum's old master public
// keys store it).
func OnCurveXY(xb, yb []byte) bool {
	if len(xb) != 32 || len(yb) != 32 {
		return false
	}
	x, y := new(big.Int).SetBytes(xb), new(big.Int).SetBytes(yb)
	if x.Cmp(secpP) >= 0 || y.Cmp(secpP) >= 0 {
		return false
	}
	lhs := new(big.Int).Mul(y, y)
	lhs.Mod(lhs, secpP)
	rhs := new(big.Int).Mul(x, x)
	rhs.Mul(rhs, x).Add(rhs, big.NewInt(7)).Mod(rhs, secpP)
	return lhs.Cmp(rhs) == 0
}

// decompress returns the affine point of a 33-byte compressed key.
func decompress(key []byte) (x, y *big.Int, ok bool) {
	if len(key) != 33 || (key[0] != 2 && key[0] != 3) {
		return nil, nil, false
	}
	x = new(big.Int).SetBytes(key[1:])
	if x.Cmp(secpP) >= 0 {
		return nil, nil, false
	}
	rhs := new(big.Int).Mul(x, x)
	rhs.Mul(rhs, x).Add(rhs, big.NewInt(7)).Mod(rhs, secpP)
	y = new(big.Int).ModSqrt(rhs, secpP)
	if y == nil {
		return nil, nil, false
	}
	if y.Bit(0) != uint(key[0]&1) {
		y.Sub(secpP, y)
	}
	return x, y, true
}

// ScalarMult returns k·P for a compressed point P, compressed. Like
// PublicKey it is for examiner-side checks and decryption with a supplied
// password, not for signing: it is neither fast nor constant-time.
func ScalarMult(point, k []byte) ([]byte, bool) {
	px, py, ok := decompress(point)
	if !ok || len(k) > 32 || !validScalar(k) {
		return nil, false
	}
	n := new(big.Int).SetBytes(k)
	var rx, ry *big.Int
	for i := 0; i < n.BitLen(); i++ {
		if n.Bit(i) == 1 {
			rx, ry = pointAdd(rx, ry, px, py)
		}
		px, py = pointAdd(px, py, px, py)
	}
	if rx == nil {
		return nil, false
	}
	out := make([]byte, 33)
	out[0] = 2 | byte(ry.Bit(0))
	rx.FillBytes(out[1:])
	return out, true
}

// ReduceScalar maps arbitrary bytes to a scalar in [1, n-1] the way
// Electrum derives a key from a password hash (big-endian integer mod n).
func ReduceScalar(b []byte) ([]byte, bool) {
	v := new(big.Int).SetBytes(b)
	v.Mod(v, secpN)
	if v.Sign() == 0 {
		return nil, false
	}
	return v.FillBytes(make([]byte, 32)), true
}
