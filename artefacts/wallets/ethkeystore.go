package wallets

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/pbkdf2"
	"golang.org/x/crypto/scrypt"
	"golang.org/x/crypto/sha3"

	"github.com/loupe-forensics/loupe/artefacts"
	"github.com/loupe-forensics/loupe/artefacts/coins"
	"github.com/loupe-forensics/loupe/forensic/finding"
)

// Ethereum keystore parser identity.
const (
	EthKeystoreName    = "wallets/ethereum-keystore"
	EthKeystoreVersion = "1"
)

// maxKeystoreSize: a keystore file is well under 1 KiB; 1 MiB is generous.
const maxKeystoreSize = 1 << 20

// EthKeystore reads Ethereum "Web3 Secret Storage" key files (version 3,
// and the version 1 files of early geth): account, KDF and cipher, without
// a password.
type EthKeystore struct{}

// NewEthKeystore returns the Ethereum keystore parser.
func NewEthKeystore() *EthKeystore { return &EthKeystore{} }

func (*EthKeystore) Name() string    { return EthKeystoreName }
func (*EthKeystore) Version() string { return EthKeystoreVersion }

// Match: a small JSON object with a crypto/Crypto section naming a KDF.
func (*EthKeystore) Match(in *artefacts.Input) bool {
	if in.Size > maxKeystoreSize {
		return false
	}
	h := bytes.TrimLeft(in.Head, " \t\r\n\xef\xbb\xbf")
	if len(h) == 0 || h[0] != '{' {
		return false
	}
	return (bytes.Contains(h, []byte(`"crypto"`)) || bytes.Contains(h, []byte(`"Crypto"`))) &&
		bytes.Contains(h, []byte(`"kdf"`)) && bytes.Contains(h, []byte(`"ciphertext"`))
}

// EthKeyFile is the parsed JSON of a keystore file.
type EthKeyFile struct {
	Address string          `json:"address"`
	ID      string          `json:"id"`
	Version json.RawMessage `json:"version"`
	Crypto  *ethCrypto      `json:"crypto"`
	Crypto1 *ethCrypto      `json:"Crypto"` // geth's version 1 files
}

type ethCrypto struct {
	Cipher       string `json:"cipher"`
	CipherParams struct {
		IV string `json:"iv"`
	} `json:"cipherparams"`
	CipherText string                     `json:"ciphertext"`
	KDF        string                     `json:"kdf"`
	KDFParams  map[string]json.RawMessage `json:"kdfparams"`
	MAC        string                     `json:"mac"`
}

func (k *EthKeyFile) crypto() *ethCrypto {
	if k.Crypto != nil {
		return k.Crypto
	}
	return k.Crypto1
}

// ParseEthKeyFile decodes a keystore file.
func ParseEthKeyFile(data []byte) (*EthKeyFile, error) {
	var k EthKeyFile
	if err := json.Unmarshal(data, &k); err != nil {
		return nil, fmt.Errorf("keystore JSON: %w", err)
	}
	if k.crypto() == nil {
		return nil, errors.New("keystore: no crypto section")
	}
	return &k, nil
}

// version returns the file's version, a number (3) or a string ("1").
func (k *EthKeyFile) version() int {
	s := strings.Trim(string(k.Version), `"`)
	v, _ := strconv.Atoi(s)
	return v
}

// Parse writes one wallet.keystore artefact and the account's wallet.address.
func (p *EthKeystore) Parse(ctx context.Context, in *artefacts.Input, out finding.Sink) error {
	e := &emitter{ctx: ctx, in: in, out: out, parser: EthKeystoreName, version: EthKeystoreVersion}
	data, err := readAll(in, maxKeystoreSize)
	if err != nil {
		return fmt.Errorf("ethereum keystore: %w", err)
	}
	k, err := ParseEthKeyFile(data)
	if err != nil {
		return artefacts.ErrWrongFormat
	}
	c := k.crypto()
	attrs := []finding.Attr{
		finding.S("format", "ethereum-keystore"),
		finding.I("version", int64(k.version())),
		finding.S("kdf", c.KDF),
		finding.S("cipher", c.Cipher),
		finding.B("encrypted", true),
	}
	if k.ID != "" {
		attrs = append(attrs, finding.S("id", k.ID))
	}
	for _, name := range []string{"n", "r", "p", "c", "dklen"} {
		if raw, ok := c.KDFParams[name]; ok {
			if v, err := strconv.ParseInt(string(raw), 10, 64); err == nil {
				attrs = append(attrs, finding.I("kdf_"+name, v))
			}
		}
	}
	if raw, ok := c.KDFParams["prf"]; ok {
		attrs = append(attrs, finding.S("kdf_prf", strings.Trim(string(raw), `"`)))
	}
	var account string
	if a, ok := coins.ValidateETH("0x" + strings.TrimPrefix(strings.ToLower(k.Address), "0x")); ok {
		account = coins.ChecksumETH(a.Payload)
		attrs = append(attrs, finding.S("address", account))
	} else if k.Address != "" {
		attrs = append(attrs, finding.S("address_raw", k.Address))
	}
	if t, ok := keystoreFileTime(in.Path); ok {
		// geth names the file UTC--<creation time>--<address>.
		attrs = append(attrs, finding.T("created_from_filename", t))
	}
	if err := e.artefact(KindKeystore, nil, attrs...); err != nil {
		return err
	}
	if account == "" {
		if k.Address == "" {
			return e.warn(nil, "ethereum keystore: no address field; the account is known only after decryption")
		}
		return e.warn(at("address"), "ethereum keystore: address %q is not 40 hex digits", k.Address)
	}
	return e.artefact(KindAddress, at("address"),
		finding.S("address", account), finding.S("coin", string(coins.ETH)),
		finding.S("chain", "keystore"), finding.B("validated", true))
}

var keystoreName = regexp.MustCompile(`^UTC--(\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}(?:\.\d+)?Z)--[0-9a-fA-F]{40}$`)

func keystoreFileTime(p string) (time.Time, bool) {
	m := keystoreName.FindStringSubmatch(path.Base(p))
	if m == nil {
		return time.Time{}, false
	}
	ts := m[1]
	// Put the colons back: 2017-03-08T10-55-25.43Z → 2017-03-08T10:55:25.43Z.
	ts = ts[:13] + ":" + ts[14:16] + ":" + ts[17:]
	t, err := time.Parse(time.RFC3339Nano, ts)
	return t, err == nil
}

// ErrWrongPassword is returned by Decrypt when the MAC does not match.
var ErrWrongPassword = errors.New("keystore: wrong password (MAC mismatch)")

// Decrypt recovers the private key with an examiner-supplied password:
// derive the key (scrypt or PBKDF2-HMAC-SHA256), check
// MAC = Keccak-256(dk[16:32] ‖ ciphertext), then AES-128-CTR (version 3) or
// AES-128-CBC with key Keccak-256(dk[:16])[:16] (version 1).
func (k *EthKeyFile) Decrypt(password string) ([]byte, error) {
	c := k.crypto()
	salt, err := hex.DecodeString(paramString(c.KDFParams["salt"]))
	if err != nil {
		return nil, fmt.Errorf("keystore: salt: %w", err)
	}
	dklen := paramInt(c.KDFParams["dklen"])
	if dklen < 32 || dklen > 64 {
		return nil, fmt.Errorf("keystore: dklen %d", dklen)
	}
	var dk []byte
	switch c.KDF {
	case "scrypt":
		n, r, pp := paramInt(c.KDFParams["n"]), paramInt(c.KDFParams["r"]), paramInt(c.KDFParams["p"])
		// scrypt needs 128·N·r bytes: refuse over 1 GiB (geth's standard
		// N=2^18, r=8 needs 256 MiB) and more than 16× that work in total.
		if n <= 1 || r <= 0 || pp <= 0 || int64(n)*int64(r) > 1<<23 || int64(n)*int64(r)*int64(pp) > 1<<25 {
			return nil, fmt.Errorf("keystore: scrypt parameters n=%d r=%d p=%d out of range", n, r, pp)
		}
		dk, err = scrypt.Key([]byte(password), salt, n, r, pp, dklen)
		if err != nil {
			return nil, fmt.Errorf("keystore: scrypt: %w", err)
		}
	case "pbkdf2":
		if prf := paramString(c.KDFParams["prf"]); prf != "hmac-sha256" {
			return nil, fmt.Errorf("keystore: unsupported prf %q", prf)
		}
		iter := paramInt(c.KDFParams["c"])
		if iter <= 0 || iter > 1<<24 {
			return nil, fmt.Errorf("keystore: pbkdf2 iterations %d out of range", iter)
		}
		dk = pbkdf2.Key([]byte(password), salt, iter, dklen, sha256.New)
	default:
		return nil, fmt.Errorf("keystore: unsupported kdf %q", c.KDF)
	}
	ct, err := hex.DecodeString(c.CipherText)
	if err != nil {
		return nil, fmt.Errorf("keystore: ciphertext: %w", err)
	}
	mac, err := hex.DecodeString(c.MAC)
	if err != nil {
		return nil, fmt.Errorf("keystore: mac: %w", err)
	}
	h := sha3.NewLegacyKeccak256()
	h.Write(dk[16:32])
	h.Write(ct)
	if !hmac.Equal(h.Sum(nil), mac) {
		return nil, ErrWrongPassword
	}
	iv, err := hex.DecodeString(c.CipherParams.IV)
	if err != nil || len(iv) != aes.BlockSize {
		return nil, fmt.Errorf("keystore: iv %q", c.CipherParams.IV)
	}
	switch c.Cipher {
	case "aes-128-ctr":
		blk, _ := aes.NewCipher(dk[:16])
		out := make([]byte, len(ct))
		cipher.NewCTR(blk, iv).XORKeyStream(out, ct)
		return out, nil
	case "aes-128-cbc":
		kh := sha3.NewLegacyKeccak256()
		kh.Write(dk[:16])
		blk, _ := aes.NewCipher(kh.Sum(nil)[:16])
		if len(ct) == 0 || len(ct)%aes.BlockSize != 0 {
			return nil, fmt.Errorf("keystore: CBC ciphertext of %d bytes", len(ct))
		}
		out := make([]byte, len(ct))
		cipher.NewCBCDecrypter(blk, iv).CryptBlocks(out, ct)
		pad := int(out[len(out)-1])
		if pad == 0 || pad > aes.BlockSize || pad > len(out) {
			return nil, errors.New("keystore: bad CBC padding")
		}
		return out[:len(out)-pad], nil
	}
	return nil, fmt.Errorf("keystore: unsupported cipher %q", c.Cipher)
}

func paramString(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return ""
	}
	return s
}

func paramInt(raw json.RawMessage) int {
	var n int
	if json.Unmarshal(raw, &n) != nil {
		return 0
	}
	return n
}
