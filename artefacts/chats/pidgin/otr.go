package pidgin

import (
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"regexp"
	"strings"

	"github.com/loupe-forensics/loupe/artefacts"
	"github.com/loupe-forensics/loupe/artefacts/chats"
	"github.com/loupe-forensics/loupe/forensic/finding"
)

// sexp is a node of libgcrypt's S-expression text form as libotr writes
// otr.private_key: lists, tokens, "strings" and #hex# numbers.
type sexp struct {
	atom   []byte
	list   []*sexp
	isList bool
	off    int
}

const maxSexpDepth = 32

type sexpReader struct {
	b   []byte
	pos int
}

func (r *sexpReader) skip() {
	for r.pos < len(r.b) && (r.b[r.pos] == ' ' || r.b[r.pos] == '\t' || r.b[r.pos] == '\n' || r.b[r.pos] == '\r') {
		r.pos++
	}
}

func (r *sexpReader) read(depth int) (*sexp, error) {
	r.skip()
	if r.pos >= len(r.b) {
		return nil, errors.New("unexpected end of data")
	}
	start := r.pos
	switch c := r.b[r.pos]; {
	case c == '(':
		if depth >= maxSexpDepth {
			return nil, fmt.Errorf("nesting deeper than %d at byte %d", maxSexpDepth, start)
		}
		r.pos++
		n := &sexp{isList: true, off: start}
		for {
			r.skip()
			if r.pos >= len(r.b) {
				return nil, fmt.Errorf("list opened at byte %d is not closed", start)
			}
			if r.b[r.pos] == ')' {
				r.pos++
				return n, nil
			}
			k, err := r.read(depth + 1)
			if err != nil {
				return nil, err
			}
			n.list = append(n.list, k)
		}
	case c == ')':
		return nil, fmt.Errorf("unexpected ')' at byte %d", start)
	case c == '"':
		var out []byte
		r.pos++
		for r.pos < len(r.b) && r.b[r.pos] != '"' {
			if r.b[r.pos] == '\\' && r.pos+1 < len(r.b) {
				r.pos++
			}
			out = append(out, r.b[r.pos])
			r.pos++
		}
		if r.pos >= len(r.b) {
			return nil, fmt.Errorf("string at byte %d is not closed", start)
		}
		r.pos++
		return &sexp{atom: out, off: start}, nil
	case c == '#':
		end := bytes.IndexByte(r.b[r.pos+1:], '#')
		if end < 0 {
			return nil, fmt.Errorf("hex number at byte %d is not closed", start)
		}
		h := r.b[r.pos+1 : r.pos+1+end]
		r.pos += end + 2
		v := make([]byte, hex.DecodedLen(len(h)))
		if _, err := hex.Decode(v, h); err != nil {
			return nil, fmt.Errorf("hex number at byte %d: %w", start, err)
		}
		return &sexp{atom: v, off: start}, nil
	default:
		for r.pos < len(r.b) && !strings.ContainsRune(" \t\r\n()\"#", rune(r.b[r.pos])) {
			r.pos++
		}
		return &sexp{atom: r.b[start:r.pos], off: start}, nil
	}
}

// child returns the first sub-list whose head token is name.
func (n *sexp) child(name string) *sexp {
	for _, k := range n.list {
		if k.isList && len(k.list) > 0 && !k.list[0].isList && string(k.list[0].atom) == name {
			return k
		}
	}
	return nil
}

// value returns the atom after the head of the named sub-list.
func (n *sexp) value(name string) ([]byte, bool) {
	c := n.child(name)
	if c == nil || len(c.list) < 2 || c.list[1].isList {
		return nil, false
	}
	return c.list[1].atom, true
}

// OTRKey is one account's key from otr.private_key, secrets left out.
type OTRKey struct {
	Account, Protocol string
	Fingerprint       string // 40 upper-case hex digits, as libotr computes it
	PBits             int
	HasPrivate        bool // an x value is present
	Offset            int
}

// otrMPI is libotr's serialisation of a public-key number: a 4-byte
// big-endian length and the unsigned big-endian bytes without leading zeros.
func otrMPI(b []byte) []byte {
	v := new(big.Int).SetBytes(b).Bytes()
	out := binary.BigEndian.AppendUint32(nil, uint32(len(v)))
	return append(out, v...)
}

// Fingerprint is libotr's: SHA-1 over MPI(p) ‖ MPI(q) ‖ MPI(g) ‖ MPI(y).
func Fingerprint(p, q, g, y []byte) string {
	h := sha1.New()
	for _, v := range [][]byte{p, q, g, y} {
		h.Write(otrMPI(v))
	}
	return strings.ToUpper(hex.EncodeToString(h.Sum(nil)))
}

// ParseOTRPrivateKeys reads otr.private_key.
func ParseOTRPrivateKeys(data []byte) ([]OTRKey, error) {
	r := &sexpReader{b: data}
	root, err := r.read(0)
	if err != nil {
		return nil, err
	}
	if !root.isList || len(root.list) == 0 || string(root.list[0].atom) != "privkeys" {
		return nil, errors.New("not a (privkeys …) list")
	}
	var keys []OTRKey
	var problems []string
	for _, acc := range root.list[1:] {
		if !acc.isList || len(acc.list) == 0 || string(acc.list[0].atom) != "account" {
			continue
		}
		k := OTRKey{Offset: acc.off}
		name, _ := acc.value("name")
		proto, _ := acc.value("protocol")
		k.Account, k.Protocol = string(name), string(proto)
		pk := acc.child("private-key")
		var d *sexp
		if pk != nil {
			d = pk.child("dsa")
		}
		if d == nil {
			problems = append(problems, fmt.Sprintf("account at byte %d has no DSA key", acc.off))
			continue
		}
		var v [4][]byte
		ok := true
		for i, n := range []string{"p", "q", "g", "y"} {
			if v[i], ok = d.value(n); !ok {
				break
			}
		}
		if !ok {
			problems = append(problems, fmt.Sprintf("account at byte %d: DSA key lacks a public parameter", acc.off))
			continue
		}
		_, k.HasPrivate = d.value("x")
		k.PBits = new(big.Int).SetBytes(v[0]).BitLen()
		k.Fingerprint = Fingerprint(v[0], v[1], v[2], v[3])
		keys = append(keys, k)
	}
	if len(problems) > 0 {
		err = errors.New(strings.Join(problems, "; "))
	}
	return keys, err
}

// OTRPrivateKey is the parser for otr.private_key.
type OTRPrivateKey struct{}

// NewOTRPrivateKey returns the otr.private_key parser.
func NewOTRPrivateKey() *OTRPrivateKey { return &OTRPrivateKey{} }

func (*OTRPrivateKey) Name() string    { return "chats/otr-private-key" }
func (*OTRPrivateKey) Version() string { return "1" }

func (*OTRPrivateKey) Match(in *artefacts.Input) bool {
	return bytes.HasPrefix(bytes.TrimLeft(in.Head, " \t\r\n"), []byte("(privkeys"))
}

func humanFP(fp string) string {
	var parts []string
	for i := 0; i+8 <= len(fp); i += 8 {
		parts = append(parts, fp[i:i+8])
	}
	return strings.Join(parts, " ")
}

func (p *OTRPrivateKey) Parse(ctx context.Context, in *artefacts.Input, out finding.Sink) error {
	data, err := artefacts.ReadAll(in, maxOTR)
	if err != nil {
		return fmt.Errorf("otr.private_key: %w", err)
	}
	e := emitter{ctx: ctx, in: in, out: out, parser: p}
	keys, err := ParseOTRPrivateKeys(data)
	if err != nil {
		e.warn(nil, "otr.private_key: %v", err)
	}
	for i, k := range keys {
		// The private value is key material: only its presence is recorded.
		ref := in.Ref.Child("record", "sexp", fmt.Sprintf("account[%d]", i+1), int64(k.Offset), 0)
		if err := e.emit(KindOTRKey, ref, finding.S(chats.AttrClient, "otr"), finding.S(chats.AttrAccount, k.Account),
			finding.S("protocol", k.Protocol), finding.S("fingerprint", k.Fingerprint), finding.S("fingerprint_display", humanFP(k.Fingerprint)),
			finding.S("algorithm", "DSA"), finding.I("p_bits", int64(k.PBits)), finding.B("private_key_present", k.HasPrivate)); err != nil {
			return err
		}
	}
	return nil
}

// OTRFingerprints is the parser for otr.fingerprints: one line per peer,
// username TAB account TAB protocol TAB 40-hex fingerprint [TAB trust].
type OTRFingerprints struct{}

// NewOTRFingerprints returns the otr.fingerprints parser.
func NewOTRFingerprints() *OTRFingerprints { return &OTRFingerprints{} }

func (*OTRFingerprints) Name() string    { return "chats/otr-fingerprints" }
func (*OTRFingerprints) Version() string { return "1" }

var fpLineRE = regexp.MustCompile(`^[^\t\n]+\t[^\t\n]+\t[^\t\n]+\t[0-9a-fA-F]{40}(\t[^\t\n]*)?\r?$`)

func (*OTRFingerprints) Match(in *artefacts.Input) bool {
	first, _, _ := bytes.Cut(in.Head, []byte("\n"))
	return fpLineRE.Match(first)
}

func (p *OTRFingerprints) Parse(ctx context.Context, in *artefacts.Input, out finding.Sink) error {
	data, err := artefacts.ReadAll(in, maxOTR)
	if err != nil {
		return fmt.Errorf("otr.fingerprints: %w", err)
	}
	e := emitter{ctx: ctx, in: in, out: out, parser: p}
	for i, ln := range splitLines(data) {
		text := string(ln.text)
		if text == "" {
			continue
		}
		ref := lineRef(in, i+1, ln.off, int64(len(ln.text)))
		if !fpLineRE.MatchString(text) {
			e.warn(ref, "otr.fingerprints line %d at byte %d: not username, account, protocol, fingerprint[, trust]", i+1, ln.off)
			continue
		}
		f := strings.Split(text, "\t")
		trust := ""
		if len(f) > 4 {
			trust = f[4]
		}
		state := "unverified"
		switch trust {
		case "verified":
			state = "verified (manually)"
		case "smp":
			state = "verified (SMP)"
		case "":
		default:
			state = "other: " + trust
		}
		fp := strings.ToUpper(f[3])
		if err := e.emit(KindOTRPeer, ref, finding.S(chats.AttrClient, "otr"), finding.S(chats.AttrContact, f[0]),
			finding.S(chats.AttrAccount, f[1]), finding.S("protocol", f[2]), finding.S("fingerprint", fp),
			finding.S("fingerprint_display", humanFP(fp)), finding.S("trust", trust), finding.S("trust_state", state)); err != nil {
			return err
		}
	}
	return nil
}
