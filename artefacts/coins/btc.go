package coins

import "strings"

// b58Version describes one base58check address version byte.
type b58Version struct {
	coin    Coin
	network Network
	kind    Kind
}

// base58Versions lists the 1-byte versions of 25-byte base58check addresses.
// 0x05 is Bitcoin's P2SH and also Litecoin's legacy P2SH: the encoding cannot
// tell them apart, so it is reported as Bitcoin.
var base58Versions = map[byte]b58Version{
	0x00: {BTC, Mainnet, P2PKH},
	0x05: {BTC, Mainnet, P2SH},
	0x6F: {BTC, Testnet, P2PKH},
	0xC4: {BTC, Testnet, P2SH},
	0x30: {LTC, Mainnet, P2PKH},
	0x32: {LTC, Mainnet, P2SH},
	0x3A: {LTC, Testnet, P2SH},
	0x1E: {DOGE, Mainnet, P2PKH},
	0x16: {DOGE, Mainnet, P2SH},
	0x71: {DOGE, Testnet, P2PKH},
}

// segwitHRPs maps a bech32 human-readable part to its coin and network.
var segwitHRPs = []struct {
	hrp     string
	coin    Coin
	network Network
}{
	{"bc", BTC, Mainnet},
	{"tb", BTC, Testnet},
	{"bcrt", BTC, Regtest},
	{"ltc", LTC, Mainnet},
	{"tltc", LTC, Testnet},
	{"rltc", LTC, Regtest},
}

// ValidateBTC validates Bitcoin-family addresses (Bitcoin, Litecoin,
// Dogecoin): base58check P2PKH/P2SH and bech32/bech32m segwit addresses.
func ValidateBTC(s string) (Address, bool) {
	if len(s) < 14 || len(s) > 90 {
		return Address{}, false
	}
	if i := strings.LastIndexByte(s, '1'); i > 0 && i <= 4 {
		for _, h := range segwitHRPs {
			if len(h.hrp) == i && strings.EqualFold(s[:i], h.hrp) {
				return validateSegwit(s, h.hrp, h.coin, h.network)
			}
		}
	}
	if len(s) < 25 || len(s) > 35 {
		return Address{}, false
	}
	var buf b58Buf
	p, ok := decodeBase58Check(s, &buf)
	if !ok || len(p) != 21 {
		return Address{}, false
	}
	v, ok := base58Versions[p[0]]
	if !ok {
		return Address{}, false
	}
	return Address{
		Text: s, Coin: v.coin, Network: v.network, Kind: v.kind,
		Encoding: EncBase58Check, Checksum: Verified, WitnessVersion: -1,
		Payload: append([]byte(nil), p[1:]...),
	}, true
}

func validateSegwit(s, hrp string, coin Coin, net Network) (Address, bool) {
	var prog [40]byte
	ver, n, enc, ok := decodeSegwit(s, hrp, &prog)
	if !ok {
		return Address{}, false
	}
	kind := WitnessUnknown
	switch {
	case ver == 0 && n == 20:
		kind = P2WPKH
	case ver == 0 && n == 32:
		kind = P2WSH
	case ver == 1 && n == 32:
		kind = P2TR
	}
	return Address{
		Text: s, Coin: coin, Network: net, Kind: kind, Encoding: enc,
		Checksum: Verified, WitnessVersion: ver, Payload: append([]byte(nil), prog[:n]...),
	}, true
}

// PrivateKey is a validated WIF-encoded private key. The key itself is not
// kept: the sweep reports that a key is present, not its value.
type PrivateKey struct {
	Text       string
	Coin       Coin
	Network    Network
	Compressed bool
}

var wifVersions = map[byte]struct {
	coin Coin
	net  Network
}{
	0x80: {BTC, Mainnet},
	0xEF: {BTC, Testnet},
	0xB0: {LTC, Mainnet},
	0x9E: {DOGE, Mainnet},
}

// ValidateWIF validates a Wallet Import Format private key: version byte,
// 32-byte scalar in [1, n-1], optional 0x01 compression flag, checksum.
func ValidateWIF(s string) (PrivateKey, bool) {
	if len(s) < 50 || len(s) > 53 {
		return PrivateKey{}, false
	}
	var buf b58Buf
	p, ok := decodeBase58Check(s, &buf)
	if !ok {
		return PrivateKey{}, false
	}
	compressed := false
	switch {
	case len(p) == 33:
	case len(p) == 34 && p[33] == 0x01:
		compressed = true
	default:
		return PrivateKey{}, false
	}
	v, ok := wifVersions[p[0]]
	if !ok || !validScalar(p[1:33]) {
		return PrivateKey{}, false
	}
	return PrivateKey{Text: s, Coin: v.coin, Network: v.net, Compressed: compressed}, true
}
