package pgp

import (
	"crypto/sha1"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math/bits"
	"strings"
	"time"
)

// errPacket is wrapped by every packet-level error.
var errPacket = errors.New("pgp: bad packet")

// maxPartialChunks bounds partial-length bodies (a hostile stream could
// otherwise chain millions of 1-byte chunks).
const maxPartialChunks = 1 << 16

// packet is one OpenPGP packet located in its container.
type packet struct {
	Tag    int
	Offset int64 // of the header, relative to the container
	Length int64 // header + body as stored
	Body   []byte
	OldFmt bool
}

// readPackets walks b as a sequence of packets (RFC 9580 §4.2, old and new
// headers, partial lengths), never trusting a length beyond the data. A
// broken header stops the walk; what was read so far is returned with the error.
func readPackets(b []byte, base int64) ([]packet, error) {
	var out []packet
	for i := 0; i < len(b); {
		p, n, err := readPacket(b[i:])
		if err != nil {
			return out, fmt.Errorf("%w at offset %d", err, base+int64(i))
		}
		p.Offset = base + int64(i)
		out = append(out, p)
		i += n
	}
	return out, nil
}

func readPacket(b []byte) (packet, int, error) {
	if len(b) < 2 {
		return packet{}, 0, fmt.Errorf("%w: truncated header", errPacket)
	}
	h := b[0]
	if h&0x80 == 0 {
		return packet{}, 0, fmt.Errorf("%w: tag byte %#02x lacks bit 7", errPacket, h)
	}
	if h&0x40 == 0 { // old format
		tag := int(h>>2) & 0x0f
		var l, hl int
		switch h & 3 {
		case 0:
			l, hl = int(b[1]), 2
		case 1:
			if len(b) < 3 {
				return packet{}, 0, fmt.Errorf("%w: truncated header", errPacket)
			}
			l, hl = int(binary.BigEndian.Uint16(b[1:])), 3
		case 2:
			if len(b) < 5 {
				return packet{}, 0, fmt.Errorf("%w: truncated header", errPacket)
			}
			l64 := int64(binary.BigEndian.Uint32(b[1:]))
			if l64 > int64(len(b)-5) {
				return packet{}, 0, fmt.Errorf("%w: tag %d claims %d bytes, %d remain", errPacket, tag, l64, len(b)-5)
			}
			l, hl = int(l64), 5
		default: // indeterminate: to the end of the data
			l, hl = len(b)-1, 1
		}
		if l > len(b)-hl {
			return packet{}, 0, fmt.Errorf("%w: tag %d claims %d bytes, %d remain", errPacket, tag, l, len(b)-hl)
		}
		return packet{Tag: tag, Body: b[hl : hl+l], Length: int64(hl + l), OldFmt: true}, hl + l, nil
	}
	tag := int(h & 0x3f)
	i := 1
	var body []byte
	for chunks := 0; ; chunks++ {
		if chunks > maxPartialChunks {
			return packet{}, 0, fmt.Errorf("%w: more than %d partial chunks", errPacket, maxPartialChunks)
		}
		if i >= len(b) {
			return packet{}, 0, fmt.Errorf("%w: truncated length", errPacket)
		}
		c := int(b[i])
		var l int
		partial := false
		switch {
		case c < 192:
			l, i = c, i+1
		case c < 224:
			if i+1 >= len(b) {
				return packet{}, 0, fmt.Errorf("%w: truncated length", errPacket)
			}
			l, i = (c-192)<<8+int(b[i+1])+192, i+2
		case c == 255:
			if i+4 >= len(b) {
				return packet{}, 0, fmt.Errorf("%w: truncated length", errPacket)
			}
			l64 := int64(binary.BigEndian.Uint32(b[i+1:]))
			if l64 > int64(len(b)-i-5) {
				return packet{}, 0, fmt.Errorf("%w: tag %d claims %d bytes, %d remain", errPacket, tag, l64, len(b)-i-5)
			}
			l, i = int(l64), i+5
		default:
			l, i, partial = 1<<(c&0x1f), i+1, true
		}
		if l > len(b)-i {
			return packet{}, 0, fmt.Errorf("%w: tag %d claims %d bytes, %d remain", errPacket, tag, l, len(b)-i)
		}
		if !partial && chunks == 0 {
			body = b[i : i+l]
		} else {
			body = append(body, b[i:i+l]...)
		}
		i += l
		if !partial {
			break
		}
	}
	return packet{Tag: tag, Body: body, Length: int64(i)}, i, nil
}

// pubKey is a parsed public (sub)key packet, or the public part of a
// secret one.
type pubKey struct {
	Version     int
	Created     time.Time
	Algo        int
	Bits        int
	Curve       string
	Fingerprint []byte
	KeyID       []byte
	Keygrip     []byte // nil for algorithms without a known keygrip
	PublicLen   int    // bytes of the public part in the body
	Secret      bool
	Protection  string // secret packets: "none", "s2k-<usage>"
}

// Algorithm names as gpg prints them in its colon listings' field 4 (numeric).
var curveOIDs = map[string]string{
	"2b06010401da470f01":   "Ed25519",
	"2b060104019755010501": "Curve25519",
	"2b8104000a":           "secp256k1",
	"2a8648ce3d030107":     "NIST P-256",
	"2b81040022":           "NIST P-384",
	"2b81040023":           "NIST P-521",
	"2b2403030208010107":   "brainpoolP256r1",
}

// gpgCurveName maps libgcrypt curve names to gpg's colon-listing names.
func gpgCurveName(c string) string {
	switch c {
	case "Ed25519":
		return "ed25519"
	case "Curve25519":
		return "cv25519"
	case "NIST P-256":
		return "nistp256"
	case "NIST P-384":
		return "nistp384"
	case "NIST P-521":
		return "nistp521"
	}
	return c
}

// parsePubKey reads a key packet body (tags 5, 6, 7, 14).
func parsePubKey(tag int, body []byte) (*pubKey, error) {
	if len(body) < 6 {
		return nil, fmt.Errorf("%w: key packet of %d bytes", errPacket, len(body))
	}
	k := &pubKey{Version: int(body[0]), Secret: tag == 5 || tag == 7}
	k.Created = time.Unix(int64(binary.BigEndian.Uint32(body[1:5])), 0).UTC()
	k.Algo = int(body[5])
	p := body[6:]
	switch k.Version {
	case 4:
	case 5, 6:
		if len(p) < 4 {
			return nil, fmt.Errorf("%w: v%d key lacks its material length", errPacket, k.Version)
		}
		ml := binary.BigEndian.Uint32(p)
		if int64(ml) > int64(len(p)-4) {
			return nil, fmt.Errorf("%w: v%d key material length %d exceeds %d", errPacket, k.Version, ml, len(p)-4)
		}
		p = p[4 : 4+ml]
	default:
		return nil, fmt.Errorf("%w: key version %d not supported", errPacket, k.Version)
	}
	r := &reader{b: p}
	switch k.Algo {
	case 1, 2, 3: // RSA
		n := r.mpi()
		r.mpi()
		if r.err == nil {
			k.Bits = mpiBits(n)
			k.Keygrip = keygripRSA(n)
		}
	case 16: // Elgamal
		pp := r.mpi()
		r.mpi()
		r.mpi()
		k.Bits = mpiBits(pp)
	case 17: // DSA
		pp := r.mpi()
		r.mpi()
		r.mpi()
		r.mpi()
		k.Bits = mpiBits(pp)
	case 18, 19, 22: // ECDH, ECDSA, EdDSA (legacy)
		oid := r.bytes(int(r.byte1()))
		q := r.mpi()
		if k.Algo == 18 {
			r.bytes(int(r.byte1())) // KDF parameters
		}
		if r.err == nil {
			k.Curve = curveOIDs[hex.EncodeToString(oid)]
			if k.Curve == "" {
				k.Curve = "oid:" + hex.EncodeToString(oid)
			}
			k.Bits = curveBits(k.Curve)
			if g, err := keygripECC(k.Curve, q); err == nil {
				k.Keygrip = g
			}
		}
	case 25, 27: // X25519, Ed25519 (RFC 9580 native)
		q := r.bytes(32)
		k.Curve, k.Bits = map[int]string{25: "Curve25519", 27: "Ed25519"}[k.Algo], 255
		if r.err == nil {
			if g, err := keygripECC(k.Curve, append([]byte{0x40}, q...)); err == nil {
				k.Keygrip = g
			}
		}
	case 26, 28: // X448, Ed448
		r.bytes(map[int]int{26: 56, 28: 57}[k.Algo])
		k.Curve, k.Bits = map[int]string{26: "X448", 28: "Ed448"}[k.Algo], 448
	default:
		return nil, fmt.Errorf("%w: public key algorithm %d not supported", errPacket, k.Algo)
	}
	if r.err != nil {
		return nil, fmt.Errorf("%w: algorithm %d key material: %v", errPacket, k.Algo, r.err)
	}
	k.PublicLen = 6 + r.i
	if k.Version != 4 {
		k.PublicLen += 4
	}
	pub := body[:k.PublicLen]
	switch k.Version {
	case 4:
		h := sha1.New()
		h.Write([]byte{0x99, byte(len(pub) >> 8), byte(len(pub))})
		h.Write(pub)
		k.Fingerprint = h.Sum(nil)
		k.KeyID = k.Fingerprint[12:]
	default:
		h := sha256.New()
		pfx := byte(0x9a)
		if k.Version == 6 {
			pfx = 0x9b
		}
		var l [4]byte
		binary.BigEndian.PutUint32(l[:], uint32(len(pub)))
		h.Write([]byte{pfx})
		h.Write(l[:])
		h.Write(pub)
		k.Fingerprint = h.Sum(nil)
		k.KeyID = k.Fingerprint[:8]
	}
	if k.Secret {
		k.Protection = "none"
		if len(body) > k.PublicLen {
			if u := body[k.PublicLen]; u != 0 {
				k.Protection = fmt.Sprintf("s2k-usage-%d", u)
				// v4 S2K usage 254/255: cipher, then the S2K specifier; type
				// 101 with "GNU" is GnuPG's extension: mode 1 = no secret
				// (stub), 2 = divert to smartcard.
				q := body[k.PublicLen:]
				if k.Version == 4 && (u == 254 || u == 255) && len(q) >= 8 && q[2] == 101 && string(q[4:7]) == "GNU" {
					switch q[7] {
					case 1:
						k.Protection = "gnu-dummy"
					case 2:
						k.Protection = "gnu-divert-to-card"
					}
				}
			}
		}
	}
	return k, nil
}

func curveBits(c string) int {
	switch c {
	case "Ed25519", "Curve25519":
		return 255
	case "NIST P-256", "brainpoolP256r1", "secp256k1":
		return 256
	case "NIST P-384":
		return 384
	case "NIST P-521":
		return 521
	}
	return 0
}

func mpiBits(b []byte) int {
	b = trimZeros(b)
	if len(b) == 0 {
		return 0
	}
	return (len(b)-1)*8 + bits.Len8(b[0])
}

// reader is a bounds-checked cursor; the first error sticks.
type reader struct {
	b   []byte
	i   int
	err error
}

func (r *reader) bytes(n int) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || n > len(r.b)-r.i {
		r.err = fmt.Errorf("need %d bytes at %d, have %d", n, r.i, len(r.b)-r.i)
		return nil
	}
	v := r.b[r.i : r.i+n]
	r.i += n
	return v
}

func (r *reader) byte1() byte {
	v := r.bytes(1)
	if v == nil {
		return 0
	}
	return v[0]
}

// mpi reads an OpenPGP MPI (2-byte bit count, then the bytes).
func (r *reader) mpi() []byte {
	l := r.bytes(2)
	if l == nil {
		return nil
	}
	n := (int(binary.BigEndian.Uint16(l)) + 7) / 8
	return r.bytes(n)
}

// sig is the part of a signature packet we report.
type sig struct {
	Version   int
	Type      int
	Created   time.Time
	KeyExpiry int64 // seconds after key creation, 0 = none
	HasExpiry bool
	Issuer    []byte
	IssuerFpr []byte
	KeyFlags  int
	HasFlags  bool
	Primary   bool
	Reason    int // revocation reason code, -1 = none
	ReasonMsg string
}

func parseSig(body []byte) (*sig, error) {
	r := &reader{b: body}
	s := &sig{Version: int(r.byte1()), Reason: -1}
	switch s.Version {
	case 3:
		r.byte1() // 5
		s.Type = int(r.byte1())
		t := r.bytes(4)
		s.Issuer = r.bytes(8)
		if r.err != nil {
			return nil, fmt.Errorf("%w: v3 signature: %v", errPacket, r.err)
		}
		s.Created = time.Unix(int64(binary.BigEndian.Uint32(t)), 0).UTC()
		return s, nil
	case 4, 5, 6:
	default:
		return nil, fmt.Errorf("%w: signature version %d", errPacket, s.Version)
	}
	s.Type = int(r.byte1())
	r.bytes(2) // public-key and hash algorithms
	for area := 0; area < 2; area++ {
		var n int
		if s.Version == 6 {
			l := r.bytes(4)
			if l != nil {
				n = int(binary.BigEndian.Uint32(l))
			}
		} else {
			l := r.bytes(2)
			if l != nil {
				n = int(binary.BigEndian.Uint16(l))
			}
		}
		sub := r.bytes(n)
		if r.err != nil {
			return nil, fmt.Errorf("%w: signature subpackets: %v", errPacket, r.err)
		}
		if err := s.subpackets(sub, area == 0); err != nil {
			return nil, err
		}
	}
	return s, nil
}

func (s *sig) subpackets(b []byte, hashed bool) error {
	for i := 0; i < len(b); {
		c := int(b[i])
		var l int
		switch {
		case c < 192:
			l, i = c, i+1
		case c < 255:
			if i+1 >= len(b) {
				return fmt.Errorf("%w: truncated subpacket length", errPacket)
			}
			l, i = (c-192)<<8+int(b[i+1])+192, i+2
		default:
			if i+4 >= len(b) {
				return fmt.Errorf("%w: truncated subpacket length", errPacket)
			}
			l64 := int64(binary.BigEndian.Uint32(b[i+1:]))
			if l64 > int64(len(b)) {
				return fmt.Errorf("%w: subpacket length %d exceeds %d", errPacket, l64, len(b))
			}
			l, i = int(l64), i+5
		}
		if l < 1 || l > len(b)-i {
			return fmt.Errorf("%w: subpacket length %d, %d remain", errPacket, l, len(b)-i)
		}
		typ, d := int(b[i]&0x7f), b[i+1:i+l]
		i += l
		switch {
		case typ == 2 && len(d) == 4 && hashed:
			s.Created = time.Unix(int64(binary.BigEndian.Uint32(d)), 0).UTC()
		case typ == 9 && len(d) == 4 && hashed:
			s.KeyExpiry, s.HasExpiry = int64(binary.BigEndian.Uint32(d)), true
		case typ == 16 && len(d) == 8:
			s.Issuer = d
		case typ == 33 && len(d) > 1:
			s.IssuerFpr = d[1:]
		case typ == 27 && len(d) >= 1 && hashed:
			s.KeyFlags, s.HasFlags = int(d[0]), true
		case typ == 29 && len(d) >= 1 && hashed:
			s.Reason, s.ReasonMsg = int(d[0]), string(d[1:])
		case typ == 25 && len(d) == 1 && hashed:
			s.Primary = d[0] != 0
		}
	}
	return nil
}

// IssuerID returns the issuer key ID (from the fingerprint subpacket if
// the key ID one is absent).
func (s *sig) IssuerID() []byte {
	if s.Issuer != nil {
		return s.Issuer
	}
	if len(s.IssuerFpr) == 20 {
		return s.IssuerFpr[12:]
	}
	if len(s.IssuerFpr) == 32 {
		return s.IssuerFpr[:8]
	}
	return nil
}

// usage renders key flags as gpg's lower-case capability letters.
func usage(flags int) string {
	var b strings.Builder
	for _, f := range []struct {
		bit int
		c   byte
	}{{0x02, 's'}, {0x01, 'c'}, {0x0c, 'e'}, {0x20, 'a'}} {
		if flags&f.bit != 0 {
			b.WriteByte(f.c)
		}
	}
	return b.String()
}

// uid splits "Name (comment) <mail>".
func splitUID(s string) (name, comment, email string) {
	rest := s
	if i := strings.LastIndexByte(rest, '<'); i >= 0 && strings.HasSuffix(rest, ">") {
		email = rest[i+1 : len(rest)-1]
		rest = strings.TrimSpace(rest[:i])
	}
	if i := strings.IndexByte(rest, '('); i >= 0 && strings.HasSuffix(rest, ")") {
		comment = rest[i+1 : len(rest)-1]
		rest = strings.TrimSpace(rest[:i])
	}
	return rest, comment, email
}
