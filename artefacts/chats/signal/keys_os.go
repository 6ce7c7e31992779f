package signal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/pbkdf2"
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"strings"
)

// The encryptedKey of Signal on macOS and Windows is also "v10", but
// wrapped differently [catalogue B4, sigtop safestorage/]:
//   - macOS: the Keychain item "Signal Safe Storage" is the password;
//     PBKDF2-HMAC-SHA1(password, "saltysalt", 1003 iterations, 16 bytes),
//     AES-128-CBC with an IV of 16 spaces.
//   - Windows: Local State's os_crypt.encrypted_key, once DPAPI has
//     unwrapped it, is a 32-byte AES-256-GCM key; the blob after "v10" is
//     nonce(12) ‖ ciphertext ‖ tag(16).
//
// Both need a secret only the examiner can obtain (from the suspect's
// Keychain or by DPAPI with the user's credentials), so they are tried
// only with one, after the Linux derivations failed.
const macOSIterations = 1003

// unwrapOSSecret tries the macOS and Windows wrappings of an encryptedKey
// blob (with its "v10" prefix) with the examiner's secret: the Keychain
// password as given, or the DPAPI-unwrapped key as 64 hex digits or base64.
func unwrapOSSecret(blob []byte, secret string) (key, how string, ok bool) {
	if len(blob) < 3 || string(blob[:3]) != "v10" || secret == "" {
		return "", "", false
	}
	ct := blob[3:]
	if k, ok := cbcUnwrap(ct, secret, macOSIterations); ok {
		return k, "macOS Keychain secret", true
	}
	if aesKey := parseAESKey(secret); aesKey != nil {
		if k, ok := gcmUnwrap(ct, aesKey); ok {
			return k, "Windows DPAPI-unwrapped key", true
		}
	}
	return "", "", false
}

func cbcUnwrap(ct []byte, password string, iter int) (string, bool) {
	if len(ct) == 0 || len(ct)%aes.BlockSize != 0 {
		return "", false
	}
	k, err := pbkdf2.Key(sha1.New, password, []byte(osCryptSalt), iter, osCryptKeyLen)
	if err != nil {
		return "", false
	}
	block, err := aes.NewCipher(k)
	if err != nil {
		return "", false
	}
	pt := make([]byte, len(ct))
	cipher.NewCBCDecrypter(block, []byte("                ")).CryptBlocks(pt, ct)
	n := int(pt[len(pt)-1])
	if n == 0 || n > aes.BlockSize || n > len(pt) {
		return "", false
	}
	for _, b := range pt[len(pt)-n:] {
		if int(b) != n {
			return "", false
		}
	}
	return hexKey(pt[:len(pt)-n])
}

func gcmUnwrap(ct, aesKey []byte) (string, bool) {
	const nonceSize, tagSize = 12, 16
	if len(ct) < nonceSize+tagSize {
		return "", false
	}
	block, err := aes.NewCipher(aesKey)
	if err != nil {
		return "", false
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return "", false
	}
	pt, err := gcm.Open(nil, ct[:nonceSize], ct[nonceSize:], nil)
	if err != nil {
		return "", false
	}
	return hexKey(pt)
}

// parseAESKey reads a 32-byte key given as hex or base64; nil otherwise.
func parseAESKey(s string) []byte {
	s = strings.TrimSpace(s)
	if b, err := hex.DecodeString(s); err == nil && len(b) == 32 {
		return b
	}
	if b, err := base64.StdEncoding.DecodeString(s); err == nil && len(b) == 32 {
		return b
	}
	return nil
}

// hexKey accepts a plaintext that is the 64-hex database key.
func hexKey(pt []byte) (string, bool) {
	if len(pt) != 64 {
		return "", false
	}
	if _, err := hex.DecodeString(string(pt)); err != nil {
		return "", false
	}
	return string(pt), true
}
