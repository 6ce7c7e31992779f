package sweep

import (
	"bytes"
	"strings"

	"github.com/loupe-forensics/loupe/artefacts/coins"
)

// address validates a base58, bech32 or 0x run with coins.Validate.
func (s *scanner) address(fam string, i, j int) {
	a, ok := coins.Validate(string(s.b[i:j]))
	if !ok {
		s.reject(fam)
		return
	}
	typ := ""
	switch a.Coin {
	case coins.BTC:
		typ = TypeBTC
	case coins.LTC:
		typ = TypeLTC
	case coins.DOGE:
		typ = TypeDOGE
	case coins.ETH:
		typ = TypeETH
	case coins.XMR:
		typ = TypeXMR
	default:
		s.reject(fam)
		return
	}
	s.hit(Hit{Type: typ, Value: a.Text, Coin: string(a.Coin), Network: string(a.Network),
		Detail: string(a.Kind) + " " + string(a.Encoding) + " " + string(a.Checksum)}, i, j)
}

func (s *scanner) xkey(i, j int) {
	k, ok := coins.ValidateExtendedKey(string(s.b[i:j]))
	if !ok {
		s.reject(famXKey)
		return
	}
	s.hit(Hit{Type: TypeXKey, Value: string(s.b[i:j]), Coin: string(k.Coin), Network: string(k.Network), Detail: string(k.Kind)}, i, j)
}

func (s *scanner) wif(i, j int) {
	k, ok := coins.ValidateWIF(string(s.b[i:j]))
	if !ok {
		s.reject(famWIF)
		return
	}
	c := "uncompressed"
	if k.Compressed {
		c = "compressed"
	}
	s.hit(Hit{Type: TypeWIF, Value: k.Text, Coin: string(k.Coin), Network: string(k.Network), Detail: c}, i, j)
}

// lineEnd checks the line ending at e for a seed phrase. Only lines with at
// least 12 short lower-case words and little else go to coins.FindSeedLines,
// which applies the checksum and the own-line rule.
func (s *scanner) lineEnd(e int) {
	start, words, others := s.lineStart, s.words, s.others
	s.lineStart, s.words, s.others = e+1, 0, 0
	if words < 12 || others > 4 || e-start > maxSeedLine {
		return
	}
	if e == len(s.b) && s.truncated {
		return
	}
	if !s.inRange(s.firstWord) {
		return // counted, and reported, by the window where it starts
	}
	line := s.b[start:e]
	s.candidate(famSeed)
	found := false
	for _, sl := range coins.FindSeedLines(line) {
		i := start + sl.Offset
		if !s.inRange(i) {
			continue
		}
		found = true
		detail := ""
		if sl.BIP39 != nil {
			detail = "bip39"
		}
		if sl.Electrum != "" {
			if detail != "" {
				detail += " "
			}
			detail += "electrum-" + sl.Electrum
		}
		// The value ends at the last word.
		j := i
		for k, w := range sl.Words {
			p := bytes.Index(s.b[j:e], []byte(w))
			if p < 0 {
				break
			}
			j += p + len(w)
			_ = k
		}
		s.hit(Hit{Type: TypeSeed, Value: strings.Join(sl.Words, " "), Detail: detail}, i, j)
	}
	if !found {
		s.reject(famSeed)
	}
}

func isLocal(c byte) bool {
	return classes[c]&cAlnum != 0 || c == '.' || c == '_' || c == '%' || c == '+' || c == '-'
}

func isHost(c byte) bool { return classes[c]&cAlnum != 0 || c == '.' || c == '-' }

// email checks the '@' at a: a local part before it and a dotted host name
// after it.
func (s *scanner) email(a int) {
	b := s.b
	i := a
	for i > 0 && a-i < 64 && isLocal(b[i-1]) {
		i--
	}
	for i < a && (b[i] == '.' || b[i] == '-') {
		i++
	}
	if i == a || !s.inRange(i) {
		return
	}
	j := a + 1
	for j < len(b) && j-a <= 253 && isHost(b[j]) {
		j++
	}
	if j == len(b) && s.truncated {
		return
	}
	for j > a+1 && (b[j-1] == '.' || b[j-1] == '-') {
		j--
	}
	s.candidate(famEmail)
	if b[i] == '.' || bytes.Contains(b[i:a], []byte("..")) || !validHost(b[a+1:j]) {
		s.reject(famEmail)
		return
	}
	s.hit(Hit{Type: TypeEmail, Value: string(b[i:j])}, i, j)
}

// validHost wants two or more labels of 1–63 letters, digits and inner
// hyphens, the last one alphabetic and at least two long, and the letters all
// in one case: people and programs write host names in lower (sometimes
// upper) case, while random bytes that happen to take the shape mix cases
// (on 256 MiB of random data the two rules take chance e-mail hits from 21 to 0).
func validHost(h []byte) bool {
	if len(h) < 4 || len(h) > 253 {
		return false
	}
	lower, upper := false, false
	for _, c := range h {
		lower = lower || (c >= 'a' && c <= 'z')
		upper = upper || (c >= 'A' && c <= 'Z')
	}
	if lower && upper {
		return false
	}
	labels := bytes.Split(h, []byte("."))
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if len(l) == 0 || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
	}
	tld := labels[len(labels)-1]
	// A one-character name under the TLD (x.com, t.co) is legal but rare;
	// random bytes produce it all the time (u.pb, 4.PH), so it is not taken.
	if len(tld) < 2 || len(labels[len(labels)-2]) < 2 {
		return false
	}
	for _, c := range tld {
		if classes[c]&cAlnum == 0 || (c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

var schemes = []string{"https", "http", "ftp", "wss", "ws"}

func isURLChar(c byte) bool {
	if c <= 0x20 || c >= 0x7f {
		return false
	}
	switch c {
	case '"', '\'', '<', '>', '`', '{', '}', '|', '\\', '^':
		return false
	}
	return true
}

// url checks the ':' at c for "scheme://host…".
func (s *scanner) url(c int) {
	b := s.b
	if c+3 > len(b) || b[c+1] != '/' || b[c+2] != '/' {
		return
	}
	i := c
	for i > 0 && c-i < 5 && classes[b[i-1]]&cAlnum != 0 {
		i--
	}
	scheme := strings.ToLower(string(b[i:c]))
	ok := false
	for _, sc := range schemes {
		if scheme == sc {
			ok = true
			break
		}
	}
	if !ok || (i > 0 && classes[b[i-1]]&cAlnum != 0) || !s.inRange(i) {
		return
	}
	j := c + 3
	for j < len(b) && j-i < maxURL && isURLChar(b[j]) {
		j++
	}
	if j == len(b) && s.truncated {
		return
	}
	if j-i >= maxURL {
		return // longer than any URL the sweep reports; not cut short silently
	}
	for j > c+3 && strings.IndexByte(".,;:!?)]", b[j-1]) >= 0 {
		j--
	}
	s.candidate(famURL)
	host := b[c+3 : j]
	if k := bytes.IndexAny(host, "/?#"); k >= 0 {
		host = host[:k]
	}
	if k := bytes.LastIndexByte(host, '@'); k >= 0 {
		host = host[k+1:]
	}
	if k := bytes.LastIndexByte(host, ':'); k >= 0 {
		host = host[:k]
	}
	if !validHost(host) {
		s.reject(famURL)
		return
	}
	s.hit(Hit{Type: TypeURL, Value: string(b[i:j]), Detail: scheme}, i, j)
}

var armourTypes = []string{"PUBLIC KEY BLOCK", "PRIVATE KEY BLOCK", "MESSAGE", "SIGNATURE", "SIGNED MESSAGE", "ARMORED FILE"}

var armourPrefix = []byte("-----BEGIN PGP ")

// armour checks the '-' at i for an OpenPGP armour header line (RFC 9580 §6.2).
func (s *scanner) armour(i int) {
	b := s.b
	if i > 0 && b[i-1] == '-' {
		return
	}
	if !bytes.HasPrefix(b[i:], armourPrefix) || !s.inRange(i) {
		return
	}
	s.candidate(famPGP)
	rest := b[i+len(armourPrefix):]
	for _, t := range armourTypes {
		if len(rest) >= len(t)+5 && string(rest[:len(t)]) == t && string(rest[len(t):len(t)+5]) == "-----" {
			j := i + len(armourPrefix) + len(t) + 5
			s.hit(Hit{Type: TypePGPArmour, Value: string(b[i:j]), Detail: t}, i, j)
			return
		}
	}
	if len(rest) < 30 && s.truncated {
		return // cannot tell yet; the next window sees it
	}
	s.reject(famPGP)
}
