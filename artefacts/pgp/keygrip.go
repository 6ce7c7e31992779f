package pgp

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"strconv"
)

// curveParams are libgcrypt's domain parameters as its keygrip hashes them:
// the magnitudes of p, a, b, g (uncompressed point 04||x||y) and n, as
// unsigned big-endian integers without leading zeros. libgcrypt writes
// Ed25519's a and b as negative numbers; its MPI export drops the sign, so
// the magnitudes are what it hashes (checked against gpg's keygrips in the
// tests).
type curveParams struct{ p, a, b, g, n string }

var curves = map[string]curveParams{
	"Ed25519": {
		p: "7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFED",
		a: "01",
		b: "2DFC9311D490018C7338BF8688861767FF8FF5B2BEBE27548A14B235ECA6874A",
		g: "04216936D3CD6E53FEC0A4E231FDD6DC5C692CC7609525A7B2C9562D608F25D51A6666666666666666666666666666666666666666666666666666666666666658",
		n: "1000000000000000000000000000000014DEF9DEA2F79CD65812631A5CF5D3ED",
	},
	"Curve25519": {
		p: "7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFED",
		a: "01DB41",
		b: "01",
		g: "04000000000000000000000000000000000000000000000000000000000000000920AE19A1B8A086B4E01EDD2C7748D14C923D4D7E6D7C61B229E9C5A27ECED3D9",
		n: "1000000000000000000000000000000014DEF9DEA2F79CD65812631A5CF5D3ED",
	},
	"NIST P-256": {
		p: "FFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF",
		a: "FFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFC",
		b: "5AC635D8AA3A93E7B3EBBD55769886BC651D06B0CC53B0F63BCE3C3E27D2604B",
		g: "046B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C2964FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5",
		n: "FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551",
	},
}

// keygripRSA is libgcrypt's RSA keygrip: SHA-1 of the modulus as GnuPG
// stores it in S-expressions, i.e. with a 0x00 byte in front when the top
// bit is set (a signed MPI). n is the unsigned big-endian modulus.
func keygripRSA(n []byte) []byte {
	n = trimZeros(n)
	if len(n) > 0 && n[0]&0x80 != 0 {
		n = append([]byte{0}, n...)
	}
	h := sha1.Sum(n)
	return h[:]
}

// keygripECC is libgcrypt's ECC keygrip: SHA-1 over "(1:p<len>:<p>)" …
// for p, a, b, g, n (the cofactor is skipped) and the public point q. For
// the 25519 curves q is hashed in its compact form, without the 0x40
// prefix GnuPG stores (found by comparison with gpg's grp: lines for both
// Ed25519 and Curve25519 keys; the hashed a and b are sign-less).
func keygripECC(curve string, q []byte) ([]byte, error) {
	c, ok := curves[curve]
	if !ok {
		return nil, fmt.Errorf("pgp: no keygrip parameters for curve %q", curve)
	}
	if (curve == "Curve25519" || curve == "Ed25519") && len(q) == 33 && q[0] == 0x40 {
		q = q[1:]
	}
	h := sha1.New()
	for _, part := range []struct {
		name byte
		hex  string
	}{{'p', c.p}, {'a', c.a}, {'b', c.b}, {'g', c.g}, {'n', c.n}} {
		v, _ := hex.DecodeString(part.hex)
		v = trimZeros(v)
		writeGripPart(h, part.name, v)
	}
	writeGripPart(h, 'q', q)
	return h.Sum(nil), nil
}

func writeGripPart(h interface{ Write([]byte) (int, error) }, name byte, v []byte) {
	_, _ = h.Write([]byte("(1:" + string(name) + strconv.Itoa(len(v)) + ":"))
	_, _ = h.Write(v)
	_, _ = h.Write([]byte(")"))
}

func trimZeros(b []byte) []byte {
	for len(b) > 1 && b[0] == 0 {
		b = b[1:]
	}
	return b
}
