package coins

import "testing"

// The sweep calls the validators on every candidate; rejection (the common
// case) must not allocate. These benchmarks report allocations, and
// TestRejectionAllocs pins them at zero.
var rejectCandidates = []string{
	"1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb",         // base58, checksum off
	"bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5", // bech32, checksum off
	"0x5aaEb6053F3E94C9b9A09f33669435E7Ef1BeAed", // EIP-55 mixed case, wrong
	"42U9v3qs5CjZEePHBZHwuSckQXebuZu299NSmVEmQ41YJZQhKcPyujyMSzpDH4VMMVSBo3U3b54JaNvQLwAjqDhKS3rvM3M",
	"xprv9s21ZrQH143K3h3fDYiay8mocZ3afhfULfb5GX8kCBdno77K4HiA15Tg23wpbeF1pLfs1c5SPmYHrEpTuuRhxMwvKDwqdKiGJS9XFKzUsAG",
	"KwDiBf89QgGbjEhKnhXJuH7LrciVrZi3qYjgd9M7rFU73sVHnoWo",
	"thisisjustanordinarylongwordinsometext",
}

func TestRejectionAllocs(t *testing.T) {
	for _, s := range rejectCandidates {
		n := testing.AllocsPerRun(100, func() {
			if _, ok := Validate(s); ok {
				t.Fatalf("%s accepted", s)
			}
			ValidateExtendedKey(s)
			ValidateWIF(s)
		})
		// EIP-55 needs one Keccak state for a mixed-case candidate.
		if limit := map[bool]float64{true: 2, false: 0}[s[0] == '0']; n > limit {
			t.Errorf("%s: %.0f allocations per rejection", s, n)
		}
	}
}

func BenchmarkRejectCandidates(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		for _, s := range rejectCandidates {
			Validate(s)
			ValidateExtendedKey(s)
			ValidateWIF(s)
		}
	}
}

func BenchmarkValidateBTC(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		ValidateBTC("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa")
		ValidateBTC("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4")
	}
}

func BenchmarkValidateXMR(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		ValidateXMR("42U9v3qs5CjZEePHBZHwuSckQXebuZu299NSmVEmQ41YJZQhKcPyujyMSzpDH4VMMVSBo3U3b54JaNvQLwAjqDhKS3rvM3L")
	}
}

func BenchmarkCheckMnemonic(b *testing.B) {
	w := []string{"abandon", "abandon", "abandon", "abandon", "abandon", "abandon", "abandon", "abandon", "abandon", "abandon", "abandon", "about"}
	b.ReportAllocs()
	for b.Loop() {
		CheckMnemonic(w)
	}
}
