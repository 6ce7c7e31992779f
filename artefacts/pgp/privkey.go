package pgp

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"path"
	"strings"
	"time"

	"github.com/loupe-forensics/loupe/artefacts"
	"github.com/loupe-forensics/loupe/forensic/finding"
)

// PrivateKey reads gpg-agent key files (private-keys-v1.d/<keygrip>.key) in
// the extended ("Key: (…)" with headers) and bare S-expression formats.
type PrivateKey struct{}

// NewPrivateKey returns the gpg-agent key file parser.
func NewPrivateKey() *PrivateKey { return &PrivateKey{} }

func (*PrivateKey) Name() string    { return PrivateKeyName }
func (*PrivateKey) Version() string { return PrivateKeyVersion }

var keyHeads = [][]byte{
	[]byte("(private-key"), []byte("(protected-private-key"), []byte("(shadowed-private-key"),
	[]byte("(11:private-key"), []byte("(21:protected-private-key"), []byte("(20:shadowed-private-key"),
}

// Match: a bare key S-expression, or the extended format's "Key: (" field.
func (*PrivateKey) Match(in *artefacts.Input) bool {
	if in.Size > maxKeyFile {
		return false
	}
	for _, h := range keyHeads {
		if bytes.HasPrefix(in.Head, h) {
			return true
		}
	}
	return bytes.HasPrefix(in.Head, []byte("Key: (")) || bytes.Contains(in.Head, []byte("\nKey: ("))
}

// secretKey is a parsed agent key file.
type secretKey struct {
	Format     string // "extended" or "sexp"
	Protection string // "unprotected", "protected", "shadowed"
	Mode       string // e.g. "openpgp-s2k3-ocb-aes", shadow "t1-v1"
	Algo       string // "rsa", "ecc", "dsa", "elg"
	Curve      string
	Bits       int
	Keygrip    []byte
	Created    time.Time
	Fields     map[string]string // extended-format header fields except Key
	CardSerial string
	S2KHash    string
	S2KCount   string
}

func (*PrivateKey) Parse(ctx context.Context, in *artefacts.Input, out finding.Sink) error {
	b, err := io.ReadAll(io.NewSectionReader(in.Reader, 0, min(in.Size, maxKeyFile)))
	if err != nil {
		return fmt.Errorf("pgp: reading key file: %w", err)
	}
	sk, err := parseKeyFile(b)
	if err != nil {
		return fmt.Errorf("%w: %v", artefacts.ErrWrongFormat, err)
	}
	e := &emitter{ctx: ctx, in: in, out: out, parser: PrivateKeyName, version: PrivateKeyVersion}
	grip := hexU(sk.Keygrip)
	base := strings.TrimSuffix(path.Base(in.Path), ".key")
	attrs := []finding.Attr{
		finding.S("keygrip", grip),
		finding.B("keygrip_matches_file_name", grip != "" && strings.EqualFold(base, grip)),
		finding.S("format", sk.Format),
		finding.S("protection", sk.Protection),
		finding.S("protection_mode", sk.Mode),
		finding.S("algorithm", sk.Algo),
		finding.S("curve", sk.Curve),
		finding.I("bits", int64(sk.Bits)),
		finding.T("created", sk.Created),
		finding.S("s2k_hash", sk.S2KHash),
		finding.S("s2k_count", sk.S2KCount),
		finding.S("card_serial", sk.CardSerial),
	}
	for _, k := range []string{"Label", "Token", "Use-for-ssh", "Prompt"} {
		if v, ok := sk.Fields[k]; ok {
			attrs = append(attrs, finding.S(strings.ToLower(k), v))
		}
	}
	e.emit("pgp.secret_key", in.Ref, attrs...)
	return e.err
}

// parseKeyFile reads either format.
func parseKeyFile(b []byte) (*secretKey, error) {
	sk := &secretKey{Format: "sexp", Fields: map[string]string{}}
	expr := b
	if !bytes.HasPrefix(bytes.TrimLeft(b, " \t\r\n"), []byte("(")) {
		sk.Format = "extended"
		var key strings.Builder
		var last string
		for _, line := range strings.Split(string(b), "\n") {
			line = strings.TrimRight(line, "\r")
			if strings.HasPrefix(line, " ") || strings.HasPrefix(line, "\t") {
				if last == "Key" {
					key.WriteString("\n" + line)
				} else if last != "" {
					sk.Fields[last] += "\n" + strings.TrimSpace(line)
				}
				continue
			}
			name, val, ok := strings.Cut(line, ":")
			if !ok {
				last = ""
				continue
			}
			last = name
			if name == "Key" {
				key.WriteString(strings.TrimSpace(val))
				continue
			}
			sk.Fields[name] = strings.TrimSpace(val)
		}
		if key.Len() == 0 {
			return nil, fmt.Errorf("%w: no Key: field", errSexp)
		}
		expr = []byte(key.String())
		if c := sk.Fields["Created"]; c != "" {
			if t, err := time.Parse("20060102T150405", c); err == nil {
				sk.Created = t.UTC()
			}
		}
	}
	s, _, err := parseSexp(expr)
	if err != nil {
		return nil, err
	}
	switch s.Name() {
	case "private-key":
		sk.Protection = "unprotected"
	case "protected-private-key":
		sk.Protection = "protected"
	case "shadowed-private-key":
		sk.Protection = "shadowed"
	default:
		return nil, fmt.Errorf("%w: top-level %q is not a key", errSexp, s.Name())
	}
	if len(s.List) < 2 || !s.List[1].IsList {
		return nil, fmt.Errorf("%w: key without algorithm list", errSexp)
	}
	alg := s.List[1]
	sk.Algo = alg.Name()
	if p := alg.Find("protected"); p != nil && len(p.List) > 1 {
		sk.Mode = string(p.List[1].Atom)
		if len(p.List) > 2 && p.List[2].IsList && len(p.List[2].List) > 0 && p.List[2].List[0].IsList {
			s2k := p.List[2].List[0]
			if len(s2k.List) >= 3 {
				sk.S2KHash = string(s2k.List[0].Atom)
				sk.S2KCount = string(s2k.List[2].Atom)
			}
		}
	}
	if sh := alg.Find("shadowed"); sh != nil && len(sh.List) > 1 {
		sk.Mode = string(sh.List[1].Atom)
		if len(sh.List) > 2 && sh.List[2].IsList && len(sh.List[2].List) > 0 {
			sk.CardSerial = hexU(sh.List[2].List[0].Atom)
		}
	}
	switch sk.Algo {
	case "rsa":
		n := alg.Value("n")
		sk.Bits = mpiBits(n)
		if n != nil {
			sk.Keygrip = keygripRSA(n)
		}
	case "ecc":
		sk.Curve = string(alg.Value("curve"))
		q := alg.Value("q")
		sk.Bits = curveBits(sk.Curve)
		if q != nil {
			sk.Keygrip, _ = keygripECC(sk.Curve, q)
		}
		sk.Curve = gpgCurveName(sk.Curve)
	}
	return sk, nil
}
