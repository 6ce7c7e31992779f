package coins

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// sharedVectors locates ../shared/vectors beside the repository (the layout
// of developer machines and CI), or $LOUPE_SHARED/vectors.
func sharedVectors(t testing.TB) string {
	t.Helper()
	if d := os.Getenv("LOUPE_SHARED"); d != "" {
		return filepath.Join(d, "vectors")
	}
	d, err := filepath.Abs(filepath.Join("..", "..", "..", "shared", "vectors"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(d); err != nil {
		t.Fatalf("public vectors not found (set LOUPE_SHARED): %v", err)
	}
	return d
}

func readJSON(t testing.TB, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

func TestWordlist(t *testing.T) {
	sum := sha256.Sum256([]byte(englishTxt))
	if got := hex.EncodeToString(sum[:]); got != "2f5eed53a4727b4bf8880d8f3f199efc90e58503646d9ff8eff3a2ed3b24dbda" {
		t.Fatalf("english.txt sha256 = %s", got)
	}
	if len(english) != 2048 {
		t.Fatalf("%d words", len(english))
	}
	shared, err := os.ReadFile(filepath.Join(sharedVectors(t), "bip39", "english.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if string(shared) != englishTxt {
		t.Fatal("embedded word list differs from the shared one")
	}
	prefixes := map[string]string{}
	for i, w := range english {
		if i > 0 && english[i-1] >= w {
			t.Fatalf("not sorted at %d", i)
		}
		p := w[:min(4, len(w))]
		if o, dup := prefixes[p]; dup {
			t.Fatalf("prefix %q shared by %s and %s", p, o, w)
		}
		prefixes[p] = w
		if j, ok := WordIndex(w); !ok || j != i {
			t.Fatalf("WordIndex(%s) = %d %v", w, j, ok)
		}
		if len(w) > 4 {
			if j, ok := WordIndex(strings.ToUpper(w[:4])); !ok || j != i {
				t.Fatalf("abbreviation %s: %d %v", w[:4], j, ok)
			}
		}
	}
	for _, bad := range []string{"", "ab", "abandonx", "zzzz", "abc1", "aban don"} {
		if _, ok := WordIndex(bad); ok {
			t.Errorf("WordIndex(%q) accepted", bad)
		}
	}
}

func TestBIP39Vectors(t *testing.T) {
	var v map[string][][4]string
	readJSON(t, filepath.Join(sharedVectors(t), "bip39", "vectors.json"), &v)
	en := v["english"]
	if len(en) != 24 {
		t.Fatalf("%d English vectors, want 24", len(en))
	}
	checked := 0
	for i, vec := range en {
		ent, _ := hex.DecodeString(vec[0])
		phrase, err := MnemonicFromEntropy(ent)
		if err != nil || phrase != vec[1] {
			t.Fatalf("vector %d: entropy → %q, %v", i, phrase, err)
		}
		m, ok := CheckMnemonic(strings.Fields(vec[1]))
		if !ok {
			t.Fatalf("vector %d: checksum rejected", i)
		}
		if !bytes.Equal(m.Entropy, ent) || m.Phrase() != vec[1] || m.Abbreviated {
			t.Fatalf("vector %d: mnemonic → entropy %x", i, m.Entropy)
		}
		n := len(m.Words)
		if m.ChecksumBits != n/3 || m.ChanceRandom != 1/float64(int(1)<<(n/3)) || m.Confidence != 1-m.ChanceRandom {
			t.Fatalf("vector %d: checksum bits %d chance %v confidence %v", i, m.ChecksumBits, m.ChanceRandom, m.Confidence)
		}
		seed, err := m.Seed("TREZOR")
		if err != nil || hex.EncodeToString(seed) != vec[2] {
			t.Fatalf("vector %d: seed %x %v", i, seed, err)
		}
		// The vector's xprv is the BIP32 master key of that seed.
		key, cc := MasterKey(seed)
		var buf b58Buf
		p, ok := decodeBase58Check(vec[3], &buf)
		if !ok || len(p) != 78 || !bytes.Equal(p[13:45], cc) || !bytes.Equal(p[46:78], key) {
			t.Fatalf("vector %d: master key mismatch", i)
		}
		xk, ok := ValidateExtendedKey(vec[3])
		if !ok || xk.Prefix != "xprv" || xk.Kind != ExtendedPrivate || xk.Depth != 0 || xk.Key != nil {
			t.Fatalf("vector %d: xprv %+v %v", i, xk, ok)
		}
		// Abbreviated to four letters the phrase still validates.
		var abbr []string
		for _, w := range m.Words {
			abbr = append(abbr, w[:min(4, len(w))])
		}
		m2, ok := CheckMnemonic(abbr)
		if !ok || m2.Phrase() != vec[1] || (m2.Abbreviated != (strings.Join(abbr, " ") != vec[1])) {
			t.Fatalf("vector %d: abbreviated form rejected", i)
		}
		// Changing the last word breaks the checksum unless the new word
		// happens to carry the same checksum bits; count those honestly.
		last := m.Words[n-1]
		j, _ := WordIndex(last)
		alt := append(append([]string(nil), m.Words[:n-1]...), english[(j+1)%2048])
		if _, ok := CheckMnemonic(alt); ok && n/3 == 8 {
			t.Fatalf("vector %d: 24-word phrase with changed entropy bits passed", i)
		}
		checked++
	}
	if checked != 24 {
		t.Fatalf("checked %d", checked)
	}
	for _, bad := range [][]string{
		strings.Fields("abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon"),
		strings.Fields("abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about"),
		strings.Fields("abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about"),
		strings.Fields("abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abouts"),
	} {
		if _, ok := CheckMnemonic(bad); ok {
			t.Errorf("accepted %q", bad)
		}
	}
	if _, err := MnemonicFromEntropy(make([]byte, 15)); err == nil {
		t.Error("15-byte entropy accepted")
	}
	m, _ := CheckMnemonic(strings.Fields(en[0][1]))
	if _, err := m.Seed("pässword"); err == nil {
		t.Error("non-ASCII passphrase silently accepted")
	}
}

type bech32Vectors struct {
	ValidBech32    []string                                 `json:"valid_bech32"`
	ValidBech32m   []string                                 `json:"valid_bech32m"`
	InvalidBech32  []string                                 `json:"invalid_bech32"`
	InvalidBech32m []string                                 `json:"invalid_bech32m"`
	ValidAddress   []struct{ Address, Scriptpubkey string } `json:"valid_address"`
	InvalidAddress []string                                 `json:"invalid_address"`
	InvalidAddrEnc [][3]any                                 `json:"invalid_address_enc"`
}

func TestBech32Vectors(t *testing.T) {
	var v bech32Vectors
	readJSON(t, filepath.Join(sharedVectors(t), "bech32", "bech32_vectors.json"), &v)
	counts := []int{len(v.ValidBech32), len(v.ValidBech32m), len(v.InvalidBech32), len(v.InvalidBech32m), len(v.ValidAddress), len(v.InvalidAddress), len(v.InvalidAddrEnc)}
	if want := []int{7, 7, 12, 14, 8, 15, 5}; !equalInts(counts, want) {
		t.Fatalf("vector counts %v, want %v", counts, want)
	}
	for _, s := range v.ValidBech32 {
		if _, _, enc, err := DecodeBech32(s); err != nil || enc != EncBech32 {
			t.Errorf("valid bech32 %q: %v %v", s, enc, err)
		}
	}
	for _, s := range v.ValidBech32m {
		if _, _, enc, err := DecodeBech32(s); err != nil || enc != EncBech32m {
			t.Errorf("valid bech32m %q: %v %v", s, enc, err)
		}
	}
	for _, s := range append(append([]string(nil), v.InvalidBech32...), v.InvalidBech32m...) {
		if _, _, enc, err := DecodeBech32(s); err == nil {
			t.Errorf("invalid %q decoded as %s", s, enc)
		}
	}
	for _, a := range v.ValidAddress {
		hrp := "bc"
		ver, prog, err := DecodeSegwit(hrp, a.Address)
		if err != nil {
			hrp = "tb"
			ver, prog, err = DecodeSegwit(hrp, a.Address)
		}
		if err != nil {
			t.Errorf("valid address %q: %v", a.Address, err)
			continue
		}
		op := byte(0)
		if ver > 0 {
			op = byte(0x50 + ver)
		}
		spk := hex.EncodeToString(append([]byte{op, byte(len(prog))}, prog...))
		if spk != a.Scriptpubkey {
			t.Errorf("%q: scriptpubkey %s want %s", a.Address, spk, a.Scriptpubkey)
		}
		re, err := EncodeSegwit(hrp, ver, prog)
		if err != nil || re != strings.ToLower(a.Address) {
			t.Errorf("%q: re-encoded %q %v", a.Address, re, err)
		}
		if _, ok := ValidateBTC(a.Address); !ok {
			t.Errorf("ValidateBTC rejected %q", a.Address)
		}
	}
	for _, s := range v.InvalidAddress {
		for _, hrp := range []string{"bc", "tb"} {
			if _, _, err := DecodeSegwit(hrp, s); err == nil {
				t.Errorf("invalid address %q decoded with hrp %s", s, hrp)
			}
		}
		if a, ok := ValidateBTC(s); ok {
			t.Errorf("ValidateBTC accepted invalid %q as %+v", s, a)
		}
	}
	for _, e := range v.InvalidAddrEnc {
		hrp, ver, n := e[0].(string), int(e[1].(float64)), int(e[2].(float64))
		if s, err := EncodeSegwit(hrp, ver, make([]byte, n)); err == nil {
			t.Errorf("encoded invalid %v as %q", e, s)
		}
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestEIP55Vectors(t *testing.T) {
	var v struct {
		Valid   []string `json:"valid_checksummed"`
		Invalid []string `json:"invalid_checksum"`
	}
	readJSON(t, filepath.Join(sharedVectors(t), "eip55", "eip55_vectors.json"), &v)
	if len(v.Valid) != 8 || len(v.Invalid) != 2 {
		t.Fatalf("counts %d/%d, want 8/2", len(v.Valid), len(v.Invalid))
	}
	verified := 0
	for _, s := range v.Valid {
		a, ok := ValidateETH(s)
		if !ok {
			t.Errorf("rejected %s", s)
			continue
		}
		if ChecksumETH(a.Payload) != s {
			t.Errorf("ChecksumETH = %s want %s", ChecksumETH(a.Payload), s)
		}
		// Four vectors are all-upper or all-lower hex: valid, no checksum.
		low, up := strings.ToLower(s[2:]), strings.ToUpper(s[2:])
		if s[2:] == low || s[2:] == up {
			if a.Checksum != Unverifiable {
				t.Errorf("%s: %s, want unverifiable", s, a.Checksum)
			}
		} else {
			verified++
			if a.Checksum != Verified || a.Encoding != EncEIP55 {
				t.Errorf("%s: %s", s, a.Checksum)
			}
		}
		if b, ok := ValidateETH("0x" + low); !ok || b.Checksum != Unverifiable || !bytes.Equal(b.Payload, a.Payload) {
			t.Errorf("lower-case form of %s: %+v %v", s, b, ok)
		}
		if b, ok := ValidateETH("0x" + up); !ok || b.Checksum != Unverifiable {
			t.Errorf("upper-case form of %s: %+v %v", s, b, ok)
		}
	}
	if verified != 4 {
		t.Errorf("%d checksummed vectors verified, want 4", verified)
	}
	for _, s := range v.Invalid {
		if a, ok := ValidateETH(s); ok {
			t.Errorf("accepted bad checksum %s as %+v", s, a)
		}
	}
	for _, s := range []string{"0x52908400098527886E0F7030069857D2E4169EE", "0X52908400098527886E0F7030069857D2E4169EE7", "0x52908400098527886E0F7030069857D2E4169EG7"} {
		if _, ok := ValidateETH(s); ok {
			t.Errorf("accepted %s", s)
		}
	}
}

func TestMonero(t *testing.T) {
	var v struct {
		Valid   [][3]string
		Invalid []string
	}
	readJSON(t, filepath.Join("testdata", "monero_addresses.json"), &v)
	if len(v.Valid) != 27 || len(v.Invalid) != 9 {
		t.Fatalf("counts %d/%d", len(v.Valid), len(v.Invalid))
	}
	for _, c := range v.Valid {
		a, ok := ValidateXMR(c[0])
		if !ok || string(a.Network) != c[1] || string(a.Kind) != c[2] || a.Coin != XMR {
			t.Errorf("%s: %+v %v, want %s %s", c[0], a, ok, c[1], c[2])
			continue
		}
		if (a.Kind == XMRIntegrated) != (len(a.PaymentID) == 8) {
			t.Errorf("%s: payment id %x", c[0], a.PaymentID)
		}
		nb := map[string]byte{"mainnet/xmr-standard": 18, "mainnet/xmr-integrated": 19, "mainnet/xmr-subaddress": 42,
			"stagenet/xmr-standard": 24, "stagenet/xmr-integrated": 25, "stagenet/xmr-subaddress": 36,
			"testnet/xmr-standard": 53, "testnet/xmr-integrated": 54, "testnet/xmr-subaddress": 63}[c[1]+"/"+c[2]]
		if re, err := EncodeXMR(nb, a.Payload, a.PaymentID); err != nil || re != c[0] {
			t.Errorf("re-encode %s: %s %v", c[0], re, err)
		}
		if g, ok := Validate(c[0]); !ok || g.Coin != XMR {
			t.Errorf("Validate(%s) = %+v", c[0], g)
		}
	}
	for _, s := range v.Invalid {
		if a, ok := ValidateXMR(s); ok {
			t.Errorf("accepted %s as %+v", s, a)
		}
	}
}

func TestBase58Addresses(t *testing.T) {
	cases := []struct {
		s    string
		coin Coin
		net  Network
		kind Kind
	}{
		{"1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", BTC, Mainnet, P2PKH}, // the genesis block's coinbase
		{"3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy", BTC, Mainnet, P2SH},  // BIP13's example
	}
	for _, c := range cases {
		a, ok := ValidateBTC(c.s)
		if !ok || a.Coin != c.coin || a.Network != c.net || a.Kind != c.kind || len(a.Payload) != 20 || a.WitnessVersion != -1 {
			t.Errorf("%s: %+v %v", c.s, a, ok)
		}
		for i := 1; i < len(c.s); i++ { // every single-character change breaks the checksum
			for _, r := range []byte{'2', 'z'} {
				if c.s[i] == r {
					continue
				}
				m := c.s[:i] + string(r) + c.s[i+1:]
				if _, ok := ValidateBTC(m); ok {
					t.Errorf("mutated %s accepted", m)
				}
			}
		}
	}
	// Every version byte of the table, built through the encoder.
	for ver, want := range base58Versions {
		s := EncodeBase58Check(append([]byte{ver}, bytes.Repeat([]byte{0x5a}, 20)...))
		a, ok := ValidateBTC(s)
		if !ok || a.Coin != want.coin || a.Network != want.network || a.Kind != want.kind {
			t.Errorf("version %#x (%s): %+v %v", ver, s, a, ok)
		}
	}
	if s := EncodeBase58Check(append([]byte{0x99}, make([]byte, 20)...)); func() bool { _, ok := ValidateBTC(s); return ok }() {
		t.Error("unknown version accepted")
	}
	// base58 round trip with leading zeros.
	var buf b58Buf
	for _, b := range [][]byte{{0}, {0, 0, 1}, {0xff, 0xfe}, bytes.Repeat([]byte{0xff}, 80)} {
		s := encodeBase58(b)
		got, ok := decodeBase58(s, &buf)
		if !ok || !bytes.Equal(got, b) {
			t.Errorf("round trip %x → %s → %x", b, s, got)
		}
	}
	for _, s := range []string{"", "0", "I", "l", "O", strings.Repeat("z", maxBase58Len+1)} {
		if _, ok := decodeBase58(s, &buf); ok {
			t.Errorf("decoded %q", s)
		}
	}
}

func TestWIF(t *testing.T) {
	one := make([]byte, 32)
	one[31] = 1
	n := secpN.FillBytes(make([]byte, 32))
	nm1 := new(big.Int).Sub(secpN, big.NewInt(1)).FillBytes(make([]byte, 32))
	cases := []struct {
		s    string
		ok   bool
		comp bool
	}{
		{"KwDiBf89QgGbjEhKnhXJuH7LrciVrZi3qYjgd9M7rFU73sVHnoWn", true, true}, // private key 1, compressed
		{"5HpHagT65TZzG1PH3CSu63k8DbpvD8s5ip4nEB3kEsreAnchuDf", true, false}, // private key 1
		{EncodeBase58Check(append([]byte{0x80}, one...)), true, false},
		{EncodeBase58Check(append(append([]byte{0x80}, nm1...), 1)), true, true},
		{EncodeBase58Check(append([]byte{0x80}, make([]byte, 32)...)), false, false}, // zero
		{EncodeBase58Check(append([]byte{0x80}, n...)), false, false},                // = n
		{EncodeBase58Check(append(append([]byte{0x80}, one...), 2)), false, false},   // bad flag
		{EncodeBase58Check(append([]byte{0x81}, one...)), false, false},              // bad version
	}
	for _, c := range cases {
		k, ok := ValidateWIF(c.s)
		if ok != c.ok || (ok && k.Compressed != c.comp) {
			t.Errorf("%s: %+v %v, want %v", c.s, k, ok, c.ok)
		}
	}
}

func TestExtendedKeyCurve(t *testing.T) {
	// A public key whose x has no y on the curve must be refused even with
	// a correct checksum; find the smallest such x deterministically.
	x := big.NewInt(1)
	for {
		rhs := new(big.Int).Exp(x, big.NewInt(3), secpP)
		rhs.Add(rhs, big.NewInt(7)).Mod(rhs, secpP)
		if new(big.Int).ModSqrt(rhs, secpP) == nil {
			break
		}
		x.Add(x, big.NewInt(1))
	}
	build := func(ver uint32, depth byte, key []byte) string {
		p := []byte{byte(ver >> 24), byte(ver >> 16), byte(ver >> 8), byte(ver), depth}
		p = append(p, make([]byte, 8)...)
		p = append(p, bytes.Repeat([]byte{7}, 32)...)
		return EncodeBase58Check(append(p, key...))
	}
	off := append([]byte{2}, x.FillBytes(make([]byte, 32))...)
	if _, ok := ValidateExtendedKey(build(0x0488B21E, 0, off)); ok {
		t.Fatal("off-curve xpub accepted")
	}
	// x = 1 + (the next x that is on the curve) must pass.
	for y := big.NewInt(1); ; y.Add(y, big.NewInt(1)) {
		k := append([]byte{3}, y.FillBytes(make([]byte, 32))...)
		if onCurve(k) {
			xk, ok := ValidateExtendedKey(build(0x04B24746, 0, k))
			if !ok || xk.Prefix != "zpub" || xk.Script != "p2wpkh" || !bytes.Equal(xk.Key, k) {
				t.Fatalf("on-curve zpub: %+v %v", xk, ok)
			}
			break
		}
	}
	p := append([]byte{0}, bytes.Repeat([]byte{1}, 32)...)
	if _, ok := ValidateExtendedKey(build(0x0488ADE4, 0, p)); !ok {
		t.Fatal("valid xprv refused")
	}
	if _, ok := ValidateExtendedKey(build(0x0488ADE4, 0, append([]byte{1}, p[1:]...))); ok {
		t.Fatal("xprv with key prefix 1 accepted")
	}
	if _, ok := ValidateExtendedKey(build(0x0488ADE4, 0, append([]byte{0}, secpN.FillBytes(make([]byte, 32))...))); ok {
		t.Fatal("xprv with k = n accepted")
	}
	if _, ok := ValidateExtendedKey(build(0x12345678, 0, p)); ok {
		t.Fatal("unknown version accepted")
	}
	// Depth 0 with a parent fingerprint is inconsistent (BIP32 vector 5).
	q := []byte{0x04, 0x88, 0xAD, 0xE4, 0, 0, 0, 0, 1, 0, 0, 0, 0}
	q = append(append(q, bytes.Repeat([]byte{7}, 32)...), p...)
	if _, ok := ValidateExtendedKey(EncodeBase58Check(q)); ok {
		t.Fatal("depth-0 key with parent fingerprint accepted")
	}
}

func TestPublicKey(t *testing.T) {
	one := make([]byte, 32)
	one[31] = 1
	pub, ok := PublicKey(one)
	if !ok || hex.EncodeToString(pub[1:33]) != "79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798" {
		t.Fatalf("1·G = %x", pub)
	}
	// Private key 1's Ethereum account is a well-known constant.
	acc, _ := EthAccountFromPrivate(one)
	if ChecksumETH(acc) != "0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf" {
		t.Fatalf("account of key 1: %s", ChecksumETH(acc))
	}
	// The BIP39 vectors' master private keys give on-curve public keys.
	k := make([]byte, 32)
	k[0] = 0xaa
	pub, _ = PublicKey(k)
	comp := append([]byte{2 + pub[64]&1}, pub[1:33]...)
	if !OnCurve(comp) {
		t.Fatal("derived point not on curve")
	}
	if _, ok := PublicKey(make([]byte, 32)); ok {
		t.Fatal("zero key accepted")
	}
}

func TestOnCurveXY(t *testing.T) {
	k := make([]byte, 32)
	k[31] = 5
	pub, _ := PublicKey(k)
	if !OnCurveXY(pub[1:33], pub[33:]) {
		t.Fatal("5·G not on curve")
	}
	pub[64] ^= 1
	if OnCurveXY(pub[1:33], pub[33:]) {
		t.Fatal("altered y accepted")
	}
}

// Each SLIP-132 version constant must produce keys whose text starts with
// the prefix it is named after: a wrong constant cannot pass this.
func TestExtendedKeyPrefixes(t *testing.T) {
	one := make([]byte, 32)
	one[31] = 1
	pub, _ := PublicKey(one)
	comp := append([]byte{2 + pub[64]&1}, pub[1:33]...)
	seen := 0
	for ver, v := range xkeyVersions {
		key := comp
		if v.private {
			key = append([]byte{0}, one...)
		}
		p := []byte{byte(ver >> 24), byte(ver >> 16), byte(ver >> 8), byte(ver), 0, 0, 0, 0, 0, 0, 0, 0, 0}
		p = append(append(p, bytes.Repeat([]byte{9}, 32)...), key...)
		for _, fill := range []byte{0x00, 0xff} { // both ends of the range
			q := append([]byte(nil), p...)
			for i := 13; i < 45; i++ {
				q[i] = fill
			}
			s := EncodeBase58Check(q)
			if !strings.HasPrefix(s, v.prefix) {
				t.Errorf("version %08x encodes as %s…, named %s", ver, s[:4], v.prefix)
			}
			k, ok := ValidateExtendedKey(s)
			if !ok || k.Prefix != v.prefix || (k.Kind == ExtendedPrivate) != v.private || len(s) != 111 {
				t.Errorf("%s: %+v %v", s, k, ok)
			}
		}
		seen++
	}
	if seen != 24 {
		t.Fatalf("%d versions", seen)
	}
}

func TestBase58VersionFirstCharacters(t *testing.T) {
	first := map[byte]string{0x00: "1", 0x05: "3", 0x6F: "mn", 0xC4: "2", 0x30: "L", 0x32: "M", 0x1E: "D", 0x3A: "Q", 0x71: "n"}
	for ver, chars := range first {
		for _, fill := range []byte{0x00, 0xff} {
			s := EncodeBase58Check(append([]byte{ver}, bytes.Repeat([]byte{fill}, 20)...))
			if !strings.ContainsRune(chars, rune(s[0])) {
				t.Errorf("version %#x gives %s", ver, s)
			}
		}
	}
	// WIF: 0x80 gives 5… uncompressed and K…/L… compressed.
	one := make([]byte, 32)
	one[31] = 1
	if s := EncodeBase58Check(append([]byte{0x80}, one...)); s[0] != '5' {
		t.Errorf("WIF %s", s)
	}
	if s := EncodeBase58Check(append(append([]byte{0x80}, one...), 1)); s[0] != 'K' && s[0] != 'L' {
		t.Errorf("compressed WIF %s", s)
	}
}

func TestScalarMult(t *testing.T) {
	// a·(b·G) = (a·b)·G
	a, b := make([]byte, 32), make([]byte, 32)
	a[31], b[31] = 7, 11
	bg, _ := PublicKey(b)
	bgc := append([]byte{2 | bg[64]&1}, bg[1:33]...)
	got, ok := ScalarMult(bgc, a)
	ab := make([]byte, 32)
	ab[31] = 77
	want, _ := PublicKey(ab)
	if !ok || !bytes.Equal(got[1:], want[1:33]) || got[0] != 2|want[64]&1 {
		t.Fatalf("7·(11·G) = %x, want 77·G %x", got, want)
	}
	if _, ok := ScalarMult(bgc, make([]byte, 32)); ok {
		t.Fatal("zero scalar accepted")
	}
	if _, ok := ReduceScalar(secpN.Bytes()); ok {
		t.Fatal("n reduced to a scalar")
	}
}
