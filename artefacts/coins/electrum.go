package coins

import (
	"crypto/hmac"
	"crypto/sha512"
	"encoding/hex"
	"strings"
)

// Electrum seed types, by the prefix of HMAC-SHA512("Seed version", phrase).
const (
	ElectrumStandard  = "standard"
	ElectrumSegwit    = "segwit"
	ElectrumTwoFA     = "2fa"
	ElectrumTwoFASeg  = "2fa_segwit"
	electrumMinWords  = 12
	electrumSeedHMACK = "Seed version"
)

var electrumPrefixes = []struct{ prefix, kind string }{
	{"01", ElectrumStandard},
	{"100", ElectrumSegwit},
	{"101", ElectrumTwoFA},
	{"102", ElectrumTwoFASeg},
}

// ElectrumSeedVersion reports the Electrum (2.0+) seed type of a phrase, or
// false if the phrase is not a new-style Electrum seed. A random phrase
// passes as "standard" with probability 1/256 and as the others with
// 1/4096, so callers need at least 12 words (enforced here).
//
// Electrum normalises with NFKD, lower case, accent stripping and single
// spaces; this implementation handles ASCII phrases only (all English
// seeds) and refuses others rather than guess. Pre-2.0 "old" seeds, drawn
// from a different 1626-word list, are not recognised.
func ElectrumSeedVersion(phrase string) (string, bool) {
	if !isASCII(phrase) {
		return "", false
	}
	fields := strings.Fields(strings.ToLower(phrase))
	if len(fields) < electrumMinWords {
		return "", false
	}
	norm := strings.Join(fields, " ")
	mac := hmac.New(sha512.New, []byte(electrumSeedHMACK))
	mac.Write([]byte(norm))
	var d [64]byte
	sum := mac.Sum(d[:0])
	var hx [4]byte
	hex.Encode(hx[:], sum[:2])
	for _, p := range electrumPrefixes {
		if strings.HasPrefix(string(hx[:]), p.prefix) {
			return p.kind, true
		}
	}
	return "", false
}
