package coins

import (
	"strings"
	"testing"
)

func FuzzBase58(f *testing.F) {
	for _, s := range []string{"1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", "KwDiBf89QgGbjEhKnhXJuH7LrciVrZi3qYjgd9M7rFU73sVHnoWn",
		"xprv9s21ZrQH143K3h3fDYiay8mocZ3afhfULfb5GX8kCBdno77K4HiA15Tg23wpbeF1pLfs1c5SPmYHrEpTuuRhxMwvKDwqdKiGJS9XFKzUsAF",
		"42U9v3qs5CjZEePHBZHwuSckQXebuZu299NSmVEmQ41YJZQhKcPyujyMSzpDH4VMMVSBo3U3b54JaNvQLwAjqDhKS3rvM3L", "111", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var buf b58Buf
		if b, ok := decodeBase58(s, &buf); ok {
			if enc := encodeBase58(b); enc != s {
				t.Fatalf("round trip %q → %x → %q", s, b, enc)
			}
		}
		if a, ok := ValidateBTC(s); ok && a.Text != s {
			t.Fatal("text changed")
		}
		ValidateWIF(s)
		ValidateExtendedKey(s)
		if a, ok := ValidateXMR(s); ok {
			if len(a.Payload) != 64 {
				t.Fatalf("payload %d", len(a.Payload))
			}
		}
		var out [128]byte
		if n, ok := decodeMoneroBase58(s, out[:]); ok && EncodeMoneroBase58(out[:n]) != s {
			t.Fatalf("monero base58 round trip of %q", s)
		}
	})
}

func FuzzBech32(f *testing.F) {
	for _, s := range []string{"bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", "A12UEL5L", "?1v759aa",
		"bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kt5nd6y", "BC1SW50QGDZ25J", "tb1z0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqglt7rf"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		hrp, data, enc, err := DecodeBech32(s)
		if err == nil && (len(s) > 90 || hrp != strings.ToLower(hrp) || (enc != EncBech32 && enc != EncBech32m) || len(data) > 90) {
			t.Fatalf("bad decode %q", s)
		}
		if a, ok := ValidateBTC(s); ok && a.WitnessVersion >= 0 {
			re, err := EncodeSegwit(strings.ToLower(s[:strings.LastIndexByte(s, '1')]), a.WitnessVersion, a.Payload)
			if err != nil || re != strings.ToLower(s) {
				t.Fatalf("re-encode %q: %q %v", s, re, err)
			}
		}
	})
}

func FuzzMnemonic(f *testing.F) {
	f.Add("abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about")
	f.Add("hamster diagram private dutch cause delay private meat slide toddler razor book happy fancy gospel tennis maple dilemma loan word shrug inflict delay length")
	f.Add("seed: aban aban aban aban aban aban aban aban aban aban aban abou\nzoo")
	f.Fuzz(func(t *testing.T, s string) {
		words := strings.Fields(s)
		if m, ok := CheckMnemonic(words); ok {
			if len(m.Words) != len(words) || len(m.Entropy)*8 != len(words)*11-len(words)/3 {
				t.Fatalf("inconsistent %+v", m)
			}
			if p, err := MnemonicFromEntropy(m.Entropy); err != nil || p != m.Phrase() {
				t.Fatalf("entropy round trip %q vs %q", p, m.Phrase())
			}
		}
		FindMnemonics(words)
		FindSeedLines([]byte(s))
		ElectrumSeedVersion(s)
		ValidateETH(s)
	})
}
