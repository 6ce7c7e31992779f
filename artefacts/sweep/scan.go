// Package sweep finds identifiers (onion addresses, coin addresses and keys,
// seed phrases, PGP armour and fingerprints, e-mail addresses, URLs) in raw
// bytes: allocated files, slack, unallocated space, partition gaps or a whole
// image. One pass over each byte range extracts candidates by byte class, with
// no regular expressions, and every candidate must pass a real validator
// (checksums from artefacts/coins, the onion v3 checksum) before it is a hit.
//
// The scan works on windows read through io.ReaderAt: a window is a chunk
// plus a margin on both sides, hits are reported only when they start inside
// the chunk, so an identifier straddling a chunk boundary is seen whole
// exactly once. UTF-16LE text is narrowed to ASCII by a second pass over the
// same window, with offsets mapped back to the original bytes.
package sweep

import (
	"bytes"

	"github.com/loupe-forensics/loupe/artefacts/onion"
)

// Version names the pattern set and validators; it is bumped whenever the
// hits for the same bytes could change, and recorded in the search log.
const Version = "sweep/1"

// Hit types, the suffix of the artefact kind "identifier.<type>".
const (
	TypeOnionV3     = "onion-v3"
	TypeOnionV2     = "onion-v2"
	TypeBTC         = "btc"
	TypeLTC         = "ltc"
	TypeDOGE        = "doge"
	TypeETH         = "eth"
	TypeXMR         = "xmr"
	TypeXKey        = "extended-key"
	TypeWIF         = "wif"
	TypeSeed        = "seed-phrase"
	TypePGPArmour   = "pgp-armour"
	TypeFingerprint = "pgp-fingerprint"
	TypeEmail       = "email"
	TypeURL         = "url"
)

// Candidate families: what a candidate was tried as, before validation tells
// its exact type (a base58 run may turn out BTC, LTC or DOGE).
const (
	famOnion   = "onion"
	famAddress = "address" // base58 and bech32 runs tried with coins.Validate
	famETH     = "eth"
	famXKey    = "extended-key"
	famWIF     = "wif"
	famSeed    = "seed-phrase"
	famPGP     = "pgp-armour"
	famFpr     = "pgp-fingerprint"
	famEmail   = "email"
	famURL     = "url"
)

// Encodings of the bytes a hit was found in.
const (
	EncASCII   = "ascii"
	EncUTF16LE = "utf16le"
)

// Patterns lists what the sweep looks for, for the search log.
var patternList = []string{
	"onion v3: 56 base32 + .onion, SHA3-256 checksum and version 3",
	"onion v2: 16 base32 + .onion (no checksum exists)",
	"btc/ltc/doge: base58check (P2PKH, P2SH), bech32/bech32m segwit (coins.Validate)",
	"eth: 0x + 40 hex, EIP-55 checksum when mixed case",
	"xmr: monero base58 standard, integrated, subaddress with keccak checksum",
	"extended-key: 111-char base58check xpub/xprv/ypub/zpub/tpub… on-curve",
	"wif: base58check private key, scalar in range",
	"seed-phrase: a line of 12–24 BIP39 words passing the BIP39 or Electrum check",
	"pgp-armour: -----BEGIN PGP <known block type>-----",
	"pgp-fingerprint: 40 or 64 upper-case hex digits with digits and letters (lower-case runs are digests)",
	"email: local@domain with a dotted domain and alphabetic TLD",
	"url: http, https, ftp, ws, wss with a dotted host",
}

// Patterns returns the pattern descriptions recorded in the search log.
func Patterns() []string { return append([]string(nil), patternList...) }

// Byte classes. A 256-entry table keeps the hot loop to one load and test.
const (
	cAlnum  = 1 << iota // [A-Za-z0-9]
	cB58                // base58 alphabet
	cHex                // [0-9A-Fa-f]
	cB32L               // [a-z2-7], onion base32 as written
	cLowerA             // [a-z]
	cTrig               // '@' ':' '-' '\n'
)

var classes = func() (t [256]byte) {
	for c := 0; c < 256; c++ {
		b := byte(c)
		switch {
		case b >= '0' && b <= '9', b >= 'a' && b <= 'z', b >= 'A' && b <= 'Z':
			t[c] |= cAlnum
		}
		if t[c]&cAlnum != 0 && b != '0' && b != 'O' && b != 'I' && b != 'l' {
			t[c] |= cB58
		}
		if (b >= '0' && b <= '9') || (b >= 'a' && b <= 'f') || (b >= 'A' && b <= 'F') {
			t[c] |= cHex
		}
		if (b >= 'a' && b <= 'z') || (b >= '2' && b <= '7') {
			t[c] |= cB32L
		}
		if b >= 'a' && b <= 'z' {
			t[c] |= cLowerA
		}
		switch b {
		case '@', ':', '-', '\n':
			t[c] |= cTrig
		}
	}
	return t
}()

// Longest token any pattern accepts, in bytes of ASCII; the window margin is
// at least twice this so UTF-16LE tokens fit too.
const (
	maxURL      = 1000
	maxEmail    = 64 + 1 + 253
	maxSeedLine = 24*9 + 64
	maxToken    = maxURL + 16
	// Margin is the context read on each side of a chunk.
	Margin = 2*maxToken + 64
)

// Hit is one validated identifier.
type Hit struct {
	Type     string
	Value    string
	Coin     string // for coin identifiers
	Network  string // mainnet, testnet, …, when the encoding says
	Detail   string // address kind, seed check, armour block type
	Encoding string // EncASCII or EncUTF16LE
	Offset   int64  // of the first byte, in the scanned stream
	Length   int64  // bytes in the stream (twice the characters for UTF-16LE)
}

// Counts are per family (candidates, rejected) and per type (hits).
type Counts struct {
	Candidates map[string]int64 `json:"candidates"`
	Rejected   map[string]int64 `json:"rejected"`
	Hits       map[string]int64 `json:"hits"`
	Bytes      int64            `json:"bytes"`
}

func newCounts() Counts {
	return Counts{Candidates: map[string]int64{}, Rejected: map[string]int64{}, Hits: map[string]int64{}}
}

// Add merges o into c.
func (c *Counts) Add(o Counts) {
	if c.Candidates == nil {
		*c = newCounts()
	}
	for k, v := range o.Candidates {
		c.Candidates[k] += v
	}
	for k, v := range o.Rejected {
		c.Rejected[k] += v
	}
	for k, v := range o.Hits {
		c.Hits[k] += v
	}
	c.Bytes += o.Bytes
}

// Validators are the checks a candidate must pass. OnionV3 is pluggable;
// the default is artefacts/onion's, the one the Tor parsers use, so the
// sweep and the parsers accept exactly the same addresses.
type Validators struct {
	OnionV3 func(addr string) bool // addr is "<56 base32>.onion"
}

// scanner scans one window. It is not safe for concurrent use; each worker
// owns one.
type scanner struct {
	v      Validators
	counts Counts
	hits   []Hit

	// Per call: the buffer, the index range in which a hit may start, whether
	// the buffer ends before the stream does, and the offset mapping.
	b         []byte
	lo, hi    int
	truncated bool
	enc       string
	base      int64 // stream offset of b[0] (ASCII)
	u16       bool  // b is narrowed UTF-16LE: stream offset = base + 2*index
	narrow    []byte

	// seed-line state
	lineStart, words, others, firstWord int
}

func newScanner(v Validators) *scanner {
	if v.OnionV3 == nil {
		v.OnionV3 = onion.ValidV3
	}
	return &scanner{v: v, counts: newCounts()}
}

func (s *scanner) off(i int) int64 {
	if s.u16 {
		return s.base + 2*int64(i)
	}
	return s.base + int64(i)
}

// window scans b, whose first byte is at stream offset base. Hits must start
// in b[lo:hi]; atEnd says b ends where the stream ends (a token touching the
// end is then complete).
func (s *scanner) window(b []byte, base int64, lo, hi int, atEnd bool) {
	s.b, s.base, s.lo, s.hi, s.truncated, s.enc, s.u16 = b, base, lo, hi, !atEnd, EncASCII, false
	s.ascii()
	s.utf16(b, base, lo, hi, atEnd)
}

// ascii is the single pass over s.b: alnum runs are tokens, four trigger
// bytes start the e-mail, URL, armour and seed-line checks.
func (s *scanner) ascii() {
	b := s.b
	n := len(b)
	cls := &classes
	s.lineStart, s.words, s.others = 0, 0, 0
	for i := 0; i < n; {
		k := cls[b[i]]
		if k == 0 {
			i++
			continue
		}
		if k&cAlnum != 0 {
			and := k
			j := i + 1
			for j < n {
				kj := cls[b[j]]
				if kj&cAlnum == 0 {
					break
				}
				and &= kj
				j++
			}
			// Most runs are short words or noise: count them for the
			// seed-line rule here and call token only for possible hits.
			if L := j - i; L < 14 && L != 16 {
				if and&cLowerA != 0 && L >= 3 && L <= 8 {
					if s.words == 0 {
						s.firstWord = i
					}
					s.words++
				} else {
					s.others++
				}
			} else {
				s.others++
				s.token(i, j, and)
			}
			i = j
			continue
		}
		switch b[i] {
		case '@':
			s.email(i)
		case ':':
			s.url(i)
		case '-':
			s.armour(i)
		case '\n':
			s.lineEnd(i)
		}
		i++
	}
	s.lineEnd(n)
}

func (s *scanner) inRange(i int) bool { return i >= s.lo && i < s.hi }

func (s *scanner) candidate(fam string) { s.counts.Candidates[fam]++ }
func (s *scanner) reject(fam string)    { s.counts.Rejected[fam]++ }

func (s *scanner) hit(h Hit, i, j int) {
	h.Encoding = s.enc
	h.Offset = s.off(i)
	h.Length = s.off(j) - h.Offset
	s.counts.Hits[h.Type]++
	s.hits = append(s.hits, h)
}

// token handles the alnum run b[i:j]; and is the AND of its byte classes.
func (s *scanner) token(i, j int, and byte) {
	L := j - i
	if j == len(s.b) && s.truncated {
		return // may continue past the window; the next window sees it whole
	}
	if !s.inRange(i) {
		return
	}
	b := s.b
	// Onion: the run is the last label before ".onion".
	if (L == 56 || L == 16) && and&cB32L != 0 && hasOnionSuffix(b[j:]) {
		s.candidate(famOnion)
		v := string(b[i:j]) + ".onion"
		if L == 56 {
			if s.v.OnionV3(v) {
				s.hit(Hit{Type: TypeOnionV3, Value: v}, i, j+6)
			} else {
				s.reject(famOnion)
			}
		} else if a, err := onion.Parse(v); err == nil && a.Version == 2 {
			s.hit(Hit{Type: TypeOnionV2, Value: v, Detail: "no checksum in v2"}, i, j+6)
		} else {
			s.reject(famOnion)
		}
		return
	}
	if L == 16 {
		return
	}
	switch {
	case L == 42 && b[i] == '0' && b[i+1] == 'x':
		s.candidate(famETH)
		s.address(famETH, i, j)
		return
	case (L == 40 || L == 64) && and&cHex != 0:
		s.candidate(famFpr)
		if validFingerprint(b[i:j]) {
			s.hit(Hit{Type: TypeFingerprint, Value: string(b[i:j]), Detail: fprDetail(L)}, i, j)
		} else {
			s.reject(famFpr)
		}
		return
	}
	if and&cB58 != 0 {
		switch {
		case L >= 107 && L <= 115:
			s.candidate(famXKey)
			s.xkey(i, j)
			return
		case L == 51 || L == 52:
			s.candidate(famWIF)
			s.wif(i, j)
			return
		case (L >= 25 && L <= 35) || L == 95 || L == 106:
			s.candidate(famAddress)
			s.address(famAddress, i, j)
			return
		}
	}
	if L <= 90 && bech32Prefix(b[i:j]) {
		s.candidate(famAddress)
		s.address(famAddress, i, j)
	}
}

func hasOnionSuffix(b []byte) bool {
	return len(b) >= 6 && b[0] == '.' && b[1] == 'o' && b[2] == 'n' && b[3] == 'i' && b[4] == 'o' && b[5] == 'n' &&
		(len(b) == 6 || classes[b[6]]&cAlnum == 0)
}

// bech32Prefix reports a human-readable part of a segwit address the coins
// package knows, in one case: bc1, tb1, bcrt1, ltc1, tltc1, rltc1.
func bech32Prefix(t []byte) bool {
	low := func(k int) []byte {
		if len(t) < k {
			return nil
		}
		p := make([]byte, 0, 8)
		for _, c := range t[:k] {
			if c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
			}
			p = append(p, c)
		}
		return p
	}
	for _, p := range [][]byte{[]byte("bc1"), []byte("tb1"), []byte("bcrt1"), []byte("ltc1"), []byte("tltc1"), []byte("rltc1")} {
		if bytes.Equal(low(len(p)), p) {
			return true
		}
	}
	return false
}

func validFingerprint(t []byte) bool {
	digits, lower, upper := false, false, false
	for _, c := range t {
		switch {
		case c >= '0' && c <= '9':
			digits = true
		case c >= 'a' && c <= 'f':
			lower = true
		case c >= 'A' && c <= 'F':
			upper = true
		default:
			return false
		}
	}
	// gpg, keyrings (openpgp-revocs.d/<FPR>.rev) and key servers write
	// fingerprints in upper case; lower-case hex runs of these lengths are
	// overwhelmingly SHA-1 and SHA-256 digests (git objects, caches, logs),
	// so they are rejected. A run of only digits or only letters is a number
	// or a word, not a fingerprint.
	return digits && upper && !lower
}

func fprDetail(n int) string {
	if n == 40 {
		return "v4 (SHA-1)"
	}
	return "v5/v6 (SHA-256)"
}

// utf16 narrows runs of printable ASCII code units (byte, 0x00) to bytes and
// scans them with the same rules, at both byte alignments.
func (s *scanner) utf16(b []byte, base int64, lo, hi int, atEnd bool) {
	n := len(b)
	for i := 1; i < n; {
		z := bytes.IndexByte(b[i:], 0)
		if z < 0 {
			return
		}
		i += z
		if !printable(b[i-1]) {
			// Skip a run of zeros quickly (empty clusters).
			for i < n && b[i] == 0 {
				i++
			}
			continue
		}
		p := i - 1
		k := p
		for k+1 < n && b[k+1] == 0 && printable(b[k]) {
			k += 2
		}
		chars := (k - p) / 2
		if chars >= 6 {
			s.narrow = s.narrow[:0]
			for q := p; q < k; q += 2 {
				s.narrow = append(s.narrow, b[q])
			}
			// Index range in narrowed units whose stream offset is in [lo,hi).
			nlo := 0
			if lo > p {
				nlo = (lo - p + 1) / 2
			}
			nhi := 0
			if hi > p {
				nhi = (hi - p + 1) / 2
			}
			s.b, s.base, s.lo, s.hi, s.enc, s.u16 = s.narrow, base+int64(p), nlo, min(nhi, chars), EncUTF16LE, true
			// The narrowed run ends inside the window unless it reached its end.
			s.truncated = !atEnd && k+1 >= n
			if s.lo < s.hi {
				s.ascii()
			}
		}
		i = k + 1
	}
}

func printable(c byte) bool { return (c >= 0x20 && c < 0x7f) || c == '\n' || c == '\r' || c == '\t' }
