package coins

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/sha512"
	_ "embed"
	"errors"
	"sort"
	"strings"

	"golang.org/x/crypto/pbkdf2"
)

// englishTxt is the BIP39 English word list (bitcoin/bips bip-0039/english.txt,
// SHA-256 2f5eed53…dbda, checked by a test). It is sorted, so lookups are
// binary searches and need no map.
//
//go:embed wordlists/english.txt
var englishTxt string

// english is the word list split once; it is never written after that.
var english = strings.Fields(englishTxt)

// WordIndex returns the index of a BIP39 English word, accepting the
// unambiguous abbreviation to its first four (or more) letters that the
// list was designed for. Upper-case ASCII is folded.
func WordIndex(w string) (int, bool) {
	if len(w) < 3 || len(w) > 8 {
		return -1, false
	}
	var lb [8]byte
	for i := 0; i < len(w); i++ {
		c := w[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c < 'a' || c > 'z' {
			return -1, false
		}
		lb[i] = c
	}
	low := string(lb[:len(w)])
	i := sort.SearchStrings(english, low)
	if i < len(english) && english[i] == low {
		return i, true
	}
	// Four letters identify a word uniquely, so a token of ≥4 letters that
	// starts the next word in order is that word.
	if len(low) >= 4 && i < len(english) && strings.HasPrefix(english[i], low) {
		return i, true
	}
	return -1, false
}

// Word returns the BIP39 English word with index i (0–2047).
func Word(i int) string { return english[i] }

// Mnemonic is a BIP39 phrase whose checksum matched.
type Mnemonic struct {
	Words        []string // canonical (full, lower-case) words
	Entropy      []byte
	ChecksumBits int // 4 (12 words) … 8 (24 words)
	// ChanceRandom is the probability that a random run of this many
	// wordlist words passes the checksum: 1/16 for 12 words, 1/256 for 24.
	ChanceRandom float64
	// Confidence is 1 - ChanceRandom: how strongly the checksum alone
	// supports that this is a real seed rather than chance.
	Confidence  float64
	Abbreviated bool // some words were given as 4-letter abbreviations
}

// Phrase returns the canonical phrase.
func (m Mnemonic) Phrase() string { return strings.Join(m.Words, " ") }

// CheckMnemonic validates a BIP39 English mnemonic of 12, 15, 18, 21 or 24
// words: every word in the list and the SHA-256 checksum bits matching.
func CheckMnemonic(words []string) (Mnemonic, bool) {
	n := len(words)
	if n < 12 || n > 24 || n%3 != 0 {
		return Mnemonic{}, false
	}
	var idx [24]uint16
	abbrev := false
	for i, w := range words {
		j, ok := WordIndex(w)
		if !ok {
			return Mnemonic{}, false
		}
		idx[i] = uint16(j)
		if len(w) != len(english[j]) {
			abbrev = true
		}
	}
	ent, cs, ok := checkIndexes(idx[:n])
	if !ok {
		return Mnemonic{}, false
	}
	m := Mnemonic{
		Words: make([]string, n), Entropy: ent, ChecksumBits: cs, Abbreviated: abbrev,
		ChanceRandom: 1 / float64(uint(1)<<cs),
	}
	m.Confidence = 1 - m.ChanceRandom
	for i := range n {
		m.Words[i] = english[idx[i]]
	}
	return m, true
}

// checkIndexes packs 11-bit word indexes and checks the checksum bits.
func checkIndexes(idx []uint16) (entropy []byte, csBits int, ok bool) {
	var b [33]byte
	bit := 0
	for _, v := range idx {
		for k := 10; k >= 0; k-- {
			if v>>uint(k)&1 != 0 {
				b[bit/8] |= 0x80 >> uint(bit%8)
			}
			bit++
		}
	}
	total := len(idx) * 11
	csBits = total / 33
	entBytes := (total - csBits) / 8
	h := sha256.Sum256(b[:entBytes])
	want := h[0] >> uint(8-csBits)
	got := b[entBytes] >> uint(8-csBits)
	if want != got {
		return nil, 0, false
	}
	return append([]byte(nil), b[:entBytes]...), csBits, true
}

// MnemonicFromEntropy encodes 16–32 bytes of entropy (a multiple of 4) as a
// BIP39 English phrase.
func MnemonicFromEntropy(entropy []byte) (string, error) {
	if len(entropy) < 16 || len(entropy) > 32 || len(entropy)%4 != 0 {
		return "", errors.New("coins: entropy must be 16–32 bytes, a multiple of 4")
	}
	h := sha256.Sum256(entropy)
	b := append(append([]byte(nil), entropy...), h[0])
	n := (len(entropy)*8 + len(entropy)/4) / 11
	words := make([]string, n)
	for i := range n {
		v := 0
		for k := 0; k < 11; k++ {
			bit := i*11 + k
			v = v<<1 | int(b[bit/8]>>uint(7-bit%8)&1)
		}
		words[i] = english[v]
	}
	return strings.Join(words, " "), nil
}

// errNonASCII: NFKD normalisation is needed for non-ASCII input and is not
// implemented (it would need golang.org/x/text); ASCII is already NFKD.
var errNonASCII = errors.New("coins: non-ASCII text needs NFKD normalisation, not supported")

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// Seed derives the 64-byte BIP39 seed: PBKDF2-HMAC-SHA512 of the phrase with
// salt "mnemonic"+passphrase and 2048 iterations.
func (m Mnemonic) Seed(passphrase string) ([]byte, error) {
	if !isASCII(passphrase) {
		return nil, errNonASCII
	}
	return pbkdf2.Key([]byte(m.Phrase()), []byte("mnemonic"+passphrase), 2048, 64, sha512.New), nil
}

// MasterKey derives the BIP32 master private key and chain code from a seed.
func MasterKey(seed []byte) (key, chainCode []byte) {
	mac := hmac.New(sha512.New, []byte("Bitcoin seed"))
	mac.Write(seed)
	sum := mac.Sum(nil)
	return sum[:32], sum[32:]
}

// MnemonicHit is a checksum-valid phrase found inside a run of words.
type MnemonicHit struct {
	Start    int // index of the first word in the input
	Mnemonic Mnemonic
}

// FindMnemonics slides over tokens looking for runs of ≥12 consecutive
// wordlist words and reports the checksum-valid windows, longest first and
// without overlap. Callers should weigh Confidence: a 12-word window passes
// by chance one time in 16.
func FindMnemonics(tokens []string) []MnemonicHit {
	var hits []MnemonicHit
	for i := 0; i < len(tokens); {
		if _, ok := WordIndex(tokens[i]); !ok {
			i++
			continue
		}
		j := i + 1
		for j < len(tokens) {
			if _, ok := WordIndex(tokens[j]); !ok {
				break
			}
			j++
		}
		if j-i >= 12 {
			hits = appendRunHits(hits, tokens, i, j)
		}
		i = j
	}
	return hits
}

func appendRunHits(hits []MnemonicHit, tokens []string, from, to int) []MnemonicHit {
	used := make([]bool, to-from)
	for n := 24; n >= 12; n -= 3 {
		for s := from; s+n <= to; s++ {
			free := true
			for k := s; k < s+n; k++ {
				if used[k-from] {
					free = false
					break
				}
			}
			if !free {
				continue
			}
			if m, ok := CheckMnemonic(tokens[s : s+n]); ok {
				hits = append(hits, MnemonicHit{Start: s, Mnemonic: m})
				for k := s; k < s+n; k++ {
					used[k-from] = true
				}
			}
		}
	}
	sort.Slice(hits, func(a, b int) bool { return hits[a].Start < hits[b].Start })
	return hits
}

// SeedLine is a line of text that holds a seed phrase.
type SeedLine struct {
	Offset int      // byte offset of the first word in the text
	Words  []string // the words as written
	// BIP39 is set when the words pass the BIP39 checksum.
	BIP39 *Mnemonic
	// Electrum is the Electrum seed type ("standard", "segwit", …) when the
	// words as written carry an Electrum version prefix.
	Electrum string
}

// FindSeedLines applies the context rule the sweep relies on: a seed phrase
// written down by a person sits on a line of its own, possibly after a short
// label ending in ':' ("seed: …"), as nothing but 12–24 wordlist words
// separated by blanks. Prose almost never forms such a line, which removes
// the chance hits (1 in 16 for BIP39, 1 in 256 for Electrum) that word runs
// inside sentences would give. Electrum's new seeds use the same word list.
func FindSeedLines(text []byte) []SeedLine {
	var out []SeedLine
	for start := 0; start < len(text); {
		end := start
		for end < len(text) && text[end] != '\n' {
			end++
		}
		if hit, ok := seedLine(text[start:end]); ok {
			hit.Offset += start
			out = append(out, hit)
		}
		start = end + 1
	}
	return out
}

func seedLine(line []byte) (SeedLine, bool) {
	if n := len(line); n < 12*3 || n > 24*9+64 {
		return SeedLine{}, false
	}
	off := 0
	if i := indexByte(line, ':'); i >= 0 && i < 40 {
		off = i + 1
	}
	var words [25]string
	first, k := -1, 0
	for i := off; i < len(line); {
		for i < len(line) && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r') {
			i++
		}
		j := i
		for j < len(line) && line[j] != ' ' && line[j] != '\t' && line[j] != '\r' {
			j++
		}
		if j > i {
			if k == len(words) {
				return SeedLine{}, false
			}
			w := string(line[i:j])
			if _, ok := WordIndex(w); !ok {
				return SeedLine{}, false
			}
			if first < 0 {
				first = i
			}
			words[k] = w
			k++
		}
		i = j
	}
	if k < 12 {
		return SeedLine{}, false
	}
	hit := SeedLine{Offset: first, Words: append([]string(nil), words[:k]...)}
	if m, ok := CheckMnemonic(words[:k]); ok {
		hit.BIP39 = &m
	}
	if typ, ok := ElectrumSeedVersion(strings.Join(words[:k], " ")); ok {
		hit.Electrum = typ
	}
	return hit, hit.BIP39 != nil || hit.Electrum != ""
}

func indexByte(b []byte, c byte) int {
	for i, x := range b {
		if x == c {
			return i
		}
	}
	return -1
}
