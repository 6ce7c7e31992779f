// Package coins validates cryptocurrency identifiers: addresses, extended
// keys, WIF private keys and seed phrases. It is pure Go with no I/O so that
// the identifier sweep and every wallet parser share one implementation.
//
// The validators are called on every candidate string the sweep finds, so
// they reject cheaply: shape checks first, decoding into fixed stack buffers,
// and allocation only once a candidate has passed its checksum.
package coins

// Coin names the currency an identifier belongs to.
type Coin string

const (
	BTC  Coin = "BTC"
	LTC  Coin = "LTC"
	DOGE Coin = "DOGE"
	ETH  Coin = "ETH"
	XMR  Coin = "XMR"
)

// Network is the chain an identifier is meant for.
type Network string

const (
	Mainnet  Network = "mainnet"
	Testnet  Network = "testnet" // includes Bitcoin signet, which shares testnet's encodings
	Regtest  Network = "regtest"
	Stagenet Network = "stagenet"
)

// Kind is the type of identifier.
type Kind string

const (
	P2PKH             Kind = "p2pkh"
	P2SH              Kind = "p2sh"
	P2WPKH            Kind = "p2wpkh"
	P2WSH             Kind = "p2wsh"
	P2TR              Kind = "p2tr"
	WitnessUnknown    Kind = "witness-unknown" // v1 with a non-32-byte program, or v2–v16
	EthAccount        Kind = "eth-account"
	XMRStandard       Kind = "xmr-standard"
	XMRIntegrated     Kind = "xmr-integrated"
	XMRSubaddress     Kind = "xmr-subaddress"
	ExtendedPublicKey Kind = "extended-public-key"
	ExtendedPrivate   Kind = "extended-private-key"
	WIFKey            Kind = "wif"
)

// Checksum says how far an identifier's integrity could be verified.
type Checksum string

const (
	// Verified: the encoding's checksum was computed and matched.
	Verified Checksum = "verified"
	// Unverifiable: the form carries no checksum to test (an all-lower or
	// all-upper Ethereum address); the identifier is well-formed only.
	Unverifiable Checksum = "unverifiable"
)

// Encoding names the textual encoding an identifier was found in.
type Encoding string

const (
	EncBase58Check  Encoding = "base58check"
	EncBech32       Encoding = "bech32"
	EncBech32m      Encoding = "bech32m"
	EncEIP55        Encoding = "eip55"
	EncHex          Encoding = "hex"
	EncMoneroBase58 Encoding = "monero-base58"
)

// Address is a validated receiving address.
type Address struct {
	Text     string
	Coin     Coin
	Network  Network
	Kind     Kind
	Encoding Encoding
	Checksum Checksum
	// WitnessVersion is the segwit version (0–16), or -1 for non-segwit forms.
	WitnessVersion int
	// Payload is the hash160 (base58), the witness program (bech32), the
	// 20-byte account (Ethereum) or spend‖view public keys (Monero).
	Payload []byte
	// PaymentID is the 8-byte payment ID of a Monero integrated address.
	PaymentID []byte
}

// Validate tries every address validator in turn, cheapest shape test first.
func Validate(s string) (Address, bool) {
	if len(s) < 14 || len(s) > 110 {
		return Address{}, false
	}
	if s[0] == '0' {
		return ValidateETH(s)
	}
	if a, ok := ValidateBTC(s); ok {
		return a, true
	}
	return ValidateXMR(s)
}
