package pgp

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
)

// Limits for S-expressions: gpg-agent's key files are a few KiB and nest at
// most five levels, so anything beyond these is hostile or corrupt.
const (
	maxSexpDepth = 64
	maxSexpSize  = 1 << 20
	maxSexpNodes = 1 << 16
)

// errSexp is wrapped by every S-expression syntax error.
var errSexp = errors.New("pgp: bad S-expression")

// sexp is one node: a list (List != nil or IsList) or an atom (Atom).
type sexp struct {
	IsList bool
	List   []*sexp
	Atom   []byte
}

// Name returns the first atom of a list ("rsa", "n", …) or "".
func (s *sexp) Name() string {
	if s == nil || !s.IsList || len(s.List) == 0 || s.List[0].IsList {
		return ""
	}
	return string(s.List[0].Atom)
}

// Find returns the first direct sub-list named name.
func (s *sexp) Find(name string) *sexp {
	if s == nil {
		return nil
	}
	for _, c := range s.List {
		if c.Name() == name {
			return c
		}
	}
	return nil
}

// Value returns the second element's atom of the sub-list named name.
func (s *sexp) Value(name string) []byte {
	c := s.Find(name)
	if c == nil || len(c.List) < 2 || c.List[1].IsList {
		return nil
	}
	return c.List[1].Atom
}

// parseSexp reads one S-expression in the canonical (3:abc) or advanced
// (tokens, "strings", #hex#, |base64|) forms GnuPG writes, and returns it
// with the number of bytes consumed.
func parseSexp(b []byte) (*sexp, int, error) {
	if len(b) > maxSexpSize {
		return nil, 0, fmt.Errorf("%w: %d bytes exceed the %d byte cap", errSexp, len(b), maxSexpSize)
	}
	p := &sexpParser{b: b}
	p.skipSpace()
	if p.i >= len(b) || b[p.i] != '(' {
		return nil, p.i, fmt.Errorf("%w: no '(' at offset %d", errSexp, p.i)
	}
	s, err := p.list(0)
	return s, p.i, err
}

type sexpParser struct {
	b     []byte
	i     int
	nodes int
}

func (p *sexpParser) skipSpace() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\r', '\n', '\f', '\v':
			p.i++
		default:
			return
		}
	}
}

func (p *sexpParser) list(depth int) (*sexp, error) {
	if depth >= maxSexpDepth {
		return nil, fmt.Errorf("%w: nesting deeper than %d at offset %d", errSexp, maxSexpDepth, p.i)
	}
	p.i++ // '('
	out := &sexp{IsList: true}
	for {
		p.skipSpace()
		if p.i >= len(p.b) {
			return nil, fmt.Errorf("%w: unterminated list at end (offset %d)", errSexp, p.i)
		}
		if p.nodes++; p.nodes > maxSexpNodes {
			return nil, fmt.Errorf("%w: more than %d nodes", errSexp, maxSexpNodes)
		}
		c := p.b[p.i]
		switch {
		case c == ')':
			p.i++
			return out, nil
		case c == '(':
			sub, err := p.list(depth + 1)
			if err != nil {
				return nil, err
			}
			out.List = append(out.List, sub)
		default:
			a, err := p.atom()
			if err != nil {
				return nil, err
			}
			out.List = append(out.List, &sexp{Atom: a})
		}
	}
}

func (p *sexpParser) atom() ([]byte, error) {
	b, start := p.b, p.i
	c := b[p.i]
	switch {
	case c >= '0' && c <= '9':
		// Canonical "len:bytes", or a decimal length prefixing a
		// #hex#/"string"/|b64| in the advanced form (gpg never writes that).
		j := p.i
		for j < len(b) && b[j] >= '0' && b[j] <= '9' {
			j++
		}
		if j < len(b) && b[j] == ':' {
			n, err := strconv.Atoi(string(b[p.i:j]))
			if err != nil || n < 0 || n > len(b)-j-1 {
				return nil, fmt.Errorf("%w: length %q at offset %d exceeds the data", errSexp, b[p.i:j], start)
			}
			p.i = j + 1 + n
			return b[j+1 : j+1+n], nil
		}
		return p.token()
	case c == '#':
		end := indexByte(b, p.i+1, '#')
		if end < 0 {
			return nil, fmt.Errorf("%w: unterminated hex at offset %d", errSexp, start)
		}
		h := stripSpace(b[p.i+1 : end])
		v := make([]byte, hex.DecodedLen(len(h)))
		if _, err := hex.Decode(v, h); err != nil {
			return nil, fmt.Errorf("%w: hex at offset %d: %v", errSexp, start, err)
		}
		p.i = end + 1
		return v, nil
	case c == '|':
		end := indexByte(b, p.i+1, '|')
		if end < 0 {
			return nil, fmt.Errorf("%w: unterminated base64 at offset %d", errSexp, start)
		}
		v, err := base64.StdEncoding.DecodeString(string(stripSpace(b[p.i+1 : end])))
		if err != nil {
			return nil, fmt.Errorf("%w: base64 at offset %d: %v", errSexp, start, err)
		}
		p.i = end + 1
		return v, nil
	case c == '"':
		var v []byte
		for j := p.i + 1; j < len(b); j++ {
			switch b[j] {
			case '\\':
				if j+1 < len(b) {
					j++
					v = append(v, unescape(b[j]))
				}
			case '"':
				p.i = j + 1
				return v, nil
			default:
				v = append(v, b[j])
			}
		}
		return nil, fmt.Errorf("%w: unterminated string at offset %d", errSexp, start)
	default:
		return p.token()
	}
}

func (p *sexpParser) token() ([]byte, error) {
	start := p.i
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\r', '\n', '\f', '\v', '(', ')', '"', '#', '|':
			if p.i == start {
				return nil, fmt.Errorf("%w: unexpected %q at offset %d", errSexp, p.b[p.i], p.i)
			}
			return p.b[start:p.i], nil
		}
		p.i++
	}
	return p.b[start:p.i], nil
}

func unescape(c byte) byte {
	switch c {
	case 'n':
		return '\n'
	case 'r':
		return '\r'
	case 't':
		return '\t'
	}
	return c
}

func indexByte(b []byte, from int, c byte) int {
	for i := from; i < len(b); i++ {
		if b[i] == c {
			return i
		}
	}
	return -1
}

func stripSpace(b []byte) []byte {
	out := make([]byte, 0, len(b))
	for _, c := range b {
		if c != ' ' && c != '\n' && c != '\r' && c != '\t' {
			out = append(out, c)
		}
	}
	return out
}
