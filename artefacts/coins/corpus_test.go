package coins

import (
	"encoding/binary"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// englishVocabulary is weighted like running English: function words (none
// of them BIP39 words) are frequent, content words (many of them BIP39
// words, which is the hard case for seed detection) less so.
var functionWords = strings.Fields(`the of and to a in is that it for was on are as with his they at be this
from have or by one had not but what all were when we there can an your which their said if do will each
about how up out them then she many some so these would other into has more her two like him see time
could no make than first been its who now people my made over did down only way find use may water long
little very after words called just where most know get through back much before go good new write our
used me man too any day same right look think also around another came come work three word must because
does part even place well such here take why things help put years different away again off went old
number great tell men say small every found still between name should home big give air line set own under
read last never us left end along while might next sound below saw something thought both few those always
looked show large often together asked house world going want school important until form food keep
children feet land side without boy once animals life enough took sometimes four head above kind began
almost live page got earth need far hand high year mother light parts country father let night following
picture being study second eyes soon times story boys since white days ever paper hard near sentence better
best across during today others however sure means knew its try told young miles sun ways thing whole
hear example heard several change answer room sea against top turned learn point city play toward five using
himself usually`)

func englishText(r *rand.Rand, size int) []byte {
	var b strings.Builder
	b.Grow(size + 64)
	sentence := 0
	for b.Len() < size {
		w := functionWords[r.IntN(len(functionWords))]
		if r.IntN(4) == 0 { // a quarter of tokens from the BIP39 list itself
			w = english[r.IntN(len(english))]
		}
		if sentence == 0 {
			w = strings.ToUpper(w[:1]) + w[1:]
		}
		b.WriteString(w)
		sentence++
		switch {
		case sentence > 6 && r.IntN(10) == 0:
			b.WriteString(". ")
			sentence = 0
			if r.IntN(2) == 0 { // short paragraphs: many lines of 12–24 words reach the line rule
				b.WriteString("\n")
			}
		case r.IntN(12) == 0:
			b.WriteString(", ")
		default:
			b.WriteByte(' ')
		}
	}
	return []byte(b.String())
}

// scanCounts is what one pass of the simple candidate tokenizer found.
type scanCounts struct {
	candidates int
	hits       []string
}

// scanCorpus tokenizes on non-alphanumeric bytes and tries each token shape
// on the validator it could belong to, and lines on FindSeedLines.
func scanCorpus(data []byte, c *scanCounts) {
	isAlnum := func(b byte) bool { return b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' }
	for _, h := range FindSeedLines(data) {
		if h.BIP39 != nil {
			c.hits = append(c.hits, "bip39:"+h.BIP39.Phrase())
		}
		if h.Electrum != "" {
			c.hits = append(c.hits, "electrum-"+h.Electrum+":"+strings.Join(h.Words, " "))
		}
	}
	for i := 0; i < len(data); {
		if !isAlnum(data[i]) {
			i++
			continue
		}
		j := i
		for j < len(data) && isAlnum(data[j]) {
			j++
		}
		n := j - i
		tok := data[i:j]
		i = j
		if n < 14 || n > 120 {
			continue
		}
		c.candidates++
		checkToken(string(tok), c)
	}
}

// checkToken runs one candidate through every validator its shape allows.
func checkToken(tok string, c *scanCounts) {
	if a, ok := Validate(tok); ok {
		c.hits = append(c.hits, string(a.Kind)+":"+tok)
	}
	if k, ok := ValidateExtendedKey(tok); ok {
		c.hits = append(c.hits, string(k.Kind)+":"+tok)
	}
	if _, ok := ValidateWIF(tok); ok {
		c.hits = append(c.hits, "wif:"+tok)
	}
}

// candidateShaped makes strings with the exact alphabets and lengths of the
// checksum-validated types, so the checksums themselves are exercised (in
// random bytes such long runs of the right alphabet almost never occur).
func candidateShaped(r *rand.Rand, n int) []byte {
	const b32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
	var b strings.Builder
	pick := func(alpha string, k int) {
		for range k {
			b.WriteByte(alpha[r.IntN(len(alpha))])
		}
	}
	for range n {
		switch r.IntN(6) {
		case 0:
			b.WriteByte("13mn2LMD"[r.IntN(8)])
			pick(b58Alphabet, 25+r.IntN(9))
		case 1:
			b.WriteString([]string{"bc1q", "bc1p", "tb1q", "ltc1q"}[r.IntN(4)])
			pick(b32, []int{38, 58}[r.IntN(2)])
		case 2:
			b.WriteByte("48579AB"[r.IntN(7)])
			pick(b58Alphabet, []int{94, 105}[r.IntN(2)])
		case 3:
			b.WriteString([]string{"xpub661MyMwAqRbc", "zpub6", "tpubD", "xprv9s21ZrQH143K"}[r.IntN(4)])
			pick(b58Alphabet, 95)
		case 4:
			b.WriteByte("5KL"[r.IntN(3)])
			pick(b58Alphabet, 50+r.IntN(2))
		case 5:
			b.WriteString("bc1")
			pick(b32, 8+r.IntN(60))
		}
		b.WriteByte(' ')
	}
	return []byte(b.String())
}

// TestNoFalsePositivesOnCorpus scans 50 MB (5 MB with -short) of random
// bytes, English-like text and checksum-shaped random candidates and
// requires zero validated identifiers.
func TestNoFalsePositivesOnCorpus(t *testing.T) {
	total := 50 << 20
	if testing.Short() {
		total = 5 << 20
	}
	start := time.Now()
	r := rand.New(rand.NewPCG(20261128, 6))
	var c scanCounts
	random, text, shaped := 0, 0, 0
	const chunk = 1 << 20
	for done := 0; done < total; {
		var data []byte
		switch (done / chunk) % 5 {
		case 0, 1: // random bytes
			data = make([]byte, chunk)
			for i := 0; i < len(data); i += 8 {
				binary.LittleEndian.PutUint64(data[i:], r.Uint64())
			}
			random += len(data)
		case 2, 3: // English-like text
			data = englishText(r, chunk)
			text += len(data)
		case 4:
			data = candidateShaped(r, chunk/80)
			shaped += len(data)
		}
		scanCorpus(data, &c)
		done += len(data)
	}
	t.Logf("%d MB random, %d MB text, %d MB candidate-shaped; %d candidates tested in %v",
		random>>20, text>>20, shaped>>20, c.candidates, time.Since(start))
	if !testing.Short() && c.candidates < 100000 {
		t.Fatalf("only %d candidates: the corpus does not exercise the validators", c.candidates)
	}
	if len(c.hits) != 0 {
		t.Fatalf("%d false positives, first: %v", len(c.hits), c.hits[:min(5, len(c.hits))])
	}
}

// The scanner must find what is really there: plant one of each type in
// the same kind of text and require every one to be found.
func TestCorpusScannerFindsPlanted(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	planted := []string{
		"1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa",
		"bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4",
		"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
		"42U9v3qs5CjZEePHBZHwuSckQXebuZu299NSmVEmQ41YJZQhKcPyujyMSzpDH4VMMVSBo3U3b54JaNvQLwAjqDhKS3rvM3L",
		"KwDiBf89QgGbjEhKnhXJuH7LrciVrZi3qYjgd9M7rFU73sVHnoWn",
		"xprv9s21ZrQH143K3h3fDYiay8mocZ3afhfULfb5GX8kCBdno77K4HiA15Tg23wpbeF1pLfs1c5SPmYHrEpTuuRhxMwvKDwqdKiGJS9XFKzUsAF",
	}
	var data []byte
	data = append(data, englishText(r, 4000)...)
	for _, p := range planted {
		data = append(data, '\n')
		data = append(data, p...)
		data = append(data, "\n"...)
		data = append(data, englishText(r, 2000)...)
	}
	data = append(data, "\nseed: hamster diagram private dutch cause delay private meat slide toddler razor book happy fancy gospel tennis maple dilemma loan word shrug inflict delay length\n"...)
	var c scanCounts
	scanCorpus(data, &c)
	joined := strings.Join(c.hits, "\n")
	for _, p := range planted {
		if !strings.Contains(joined, ":"+p) {
			t.Errorf("planted %s not found", p)
		}
	}
	if !strings.Contains(joined, "bip39:hamster diagram") {
		t.Error("planted seed not found")
	}
	if len(c.hits) != len(planted)+1 {
		t.Errorf("hits %v", c.hits)
	}
}
