package wallets

import (
	"bytes"
	"compress/zlib"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"errors"
	"fmt"
	"io"

	"golang.org/x/crypto/pbkdf2"

	"github.com/loupe-forensics/loupe/artefacts/coins"
)

// ErrElectrumPassword is returned when the password does not open the file.
var ErrElectrumPassword = errors.New("electrum: wrong password (MAC mismatch)")

// DecryptElectrumFile opens a whole-file encrypted (BIE1) Electrum wallet
// with an examiner-supplied password, returning the plaintext JSON. The key
// is PBKDF2-HMAC-SHA512(password, "", 1024) reduced mod n; the file is
// base64 of "BIE1" ‖ ephemeral public key (33) ‖ AES-128-CBC cipher text ‖
// HMAC-SHA256 (32), with iv, AES key and MAC key taken from SHA-512 of the
// compressed ECDH point; the plaintext is zlib-compressed JSON. limit caps
// the decompressed size.
func DecryptElectrumFile(text []byte, password string, limit int64) ([]byte, error) {
	raw, err := base64.StdEncoding.DecodeString(string(bytes.Join(bytes.Fields(text), nil)))
	if err != nil {
		return nil, fmt.Errorf("electrum: base64: %w", err)
	}
	if len(raw) < 4+33+16+32 || string(raw[:4]) != "BIE1" {
		return nil, errors.New("electrum: not a BIE1 file (BIE2 needs the hardware wallet)")
	}
	secret := pbkdf2.Key([]byte(password), nil, 1024, 64, sha512.New)
	k, ok := coins.ReduceScalar(secret)
	if !ok {
		return nil, errors.New("electrum: password hash reduces to zero")
	}
	shared, ok := coins.ScalarMult(raw[4:37], k)
	if !ok {
		return nil, errors.New("electrum: ephemeral key is not on secp256k1")
	}
	key := sha512.Sum512(shared)
	iv, keyE, keyM := key[0:16], key[16:32], key[32:]
	mac := hmac.New(sha256.New, keyM)
	mac.Write(raw[:len(raw)-32])
	if !hmac.Equal(mac.Sum(nil), raw[len(raw)-32:]) {
		return nil, ErrElectrumPassword
	}
	ct := raw[37 : len(raw)-32]
	if len(ct)%aes.BlockSize != 0 {
		return nil, fmt.Errorf("electrum: cipher text of %d bytes", len(ct))
	}
	blk, _ := aes.NewCipher(keyE)
	pt := make([]byte, len(ct))
	cipher.NewCBCDecrypter(blk, iv).CryptBlocks(pt, ct)
	pad := int(pt[len(pt)-1])
	if pad == 0 || pad > aes.BlockSize || pad > len(pt) {
		return nil, errors.New("electrum: bad padding")
	}
	zr, err := zlib.NewReader(bytes.NewReader(pt[:len(pt)-pad]))
	if err != nil {
		return nil, fmt.Errorf("electrum: zlib: %w", err)
	}
	defer zr.Close()
	out, err := io.ReadAll(io.LimitReader(zr, limit+1))
	if err != nil {
		return nil, fmt.Errorf("electrum: zlib: %w", err)
	}
	if int64(len(out)) > limit {
		return nil, fmt.Errorf("electrum: decrypted wallet over %d bytes", limit)
	}
	return out, nil
}

// DecryptElectrumSecret opens one keystore secret (seed, xprv, imported
// key) of a wallet with use_encryption, given the examiner-supplied
// password: base64 of IV (16) ‖ AES-256-CBC cipher text, key SHA256d of the
// password (Electrum's pw_hash_version 1).
func DecryptElectrumSecret(b64, password string) (string, error) {
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return "", fmt.Errorf("electrum: base64: %w", err)
	}
	if len(raw) < 32 || len(raw)%aes.BlockSize != 0 {
		return "", fmt.Errorf("electrum: encrypted secret of %d bytes", len(raw))
	}
	k := sha256.Sum256([]byte(password))
	k = sha256.Sum256(k[:])
	blk, _ := aes.NewCipher(k[:])
	pt := make([]byte, len(raw)-16)
	cipher.NewCBCDecrypter(blk, raw[:16]).CryptBlocks(pt, raw[16:])
	pad := int(pt[len(pt)-1])
	if pad == 0 || pad > aes.BlockSize || pad > len(pt) {
		return "", ErrElectrumPassword
	}
	for _, c := range pt[len(pt)-pad:] {
		if int(c) != pad {
			return "", ErrElectrumPassword
		}
	}
	return string(pt[:len(pt)-pad]), nil
}
