package signal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/pbkdf2"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// config is the part of Signal's (and Session's) config.json that holds
// the database key.
type config struct {
	Key          string `json:"key"`
	EncryptedKey string `json:"encryptedKey"`
	Backend      string `json:"safeStorageBackend"`
}

// maxConfig bounds config.json: Signal's is well under 1 KiB.
const maxConfig = 1 << 20

// Chromium os_crypt on Linux (what Electron's safeStorage uses): "v10" is
// encrypted with a key derived from the hard-coded password "peanuts" (the
// basic_text backend, no keyring); "v11" with one derived from the secret
// kept in the keyring (libsecret, KWallet). PBKDF2-HMAC-SHA1, 1 iteration,
// salt "saltysalt", AES-128-CBC, IV of 16 spaces, PKCS#7 padding.
const (
	osCryptSalt   = "saltysalt"
	osCryptIter   = 1
	osCryptKeyLen = 16
	basicPassword = "peanuts"
)

var errNeedSecret = errors.New("the key is wrapped by the OS keyring: an examiner-supplied secret is needed")

// unwrapKey decrypts an encryptedKey (hex, as config.json holds it) to the
// 64-hex database key. The basic_text backend (and any "v10" blob on Linux)
// opens with "peanuts"; a "v11" blob needs secret. keyType names what was
// found, for the record, whatever the outcome.
func unwrapKey(encHex, backend, secret string) (key, keyType string, err error) {
	blob, err := hex.DecodeString(strings.TrimSpace(encHex))
	if err != nil {
		return "", "encryptedKey (not hex)", fmt.Errorf("encryptedKey: %w", err)
	}
	if len(blob) < 3 {
		return "", "encryptedKey (empty)", errors.New("encryptedKey: shorter than its version prefix")
	}
	prefix := string(blob[:3])
	keyType = fmt.Sprintf("encryptedKey %s, backend %q", printable(prefix), backend)
	var passwords []string
	switch {
	case prefix == "v10" && (backend == "basic_text" || backend == ""):
		passwords = []string{basicPassword}
	case prefix == "v11" && backend == "basic_text":
		// Chromium uses v11 only with a keyring; an empty keyring password
		// is what it derives when a basic backend is asked for one.
		passwords = []string{basicPassword, ""}
	case prefix == "v10" || prefix == "v11":
		if secret == "" {
			return "", keyType, errNeedSecret
		}
		passwords = []string{secret}
	default:
		return "", keyType, fmt.Errorf("encryptedKey prefix %q is not Linux os_crypt's (Windows DPAPI/AES-GCM or macOS Keychain blobs need the OS secret)", printable(prefix))
	}
	if secret != "" && passwords[0] != secret {
		passwords = append(passwords, secret)
	}
	for _, pw := range passwords {
		if k, ok := osCryptDecrypt(blob[3:], pw); ok {
			return k, keyType, nil
		}
	}
	if k, how, ok := unwrapOSSecret(blob, secret); ok {
		return k, keyType + ", " + how, nil
	}
	return "", keyType, errors.New("encryptedKey did not decrypt to a 64-hex key with the available secret")
}

func osCryptDecrypt(ct []byte, password string) (string, bool) {
	if len(ct) == 0 || len(ct)%aes.BlockSize != 0 {
		return "", false
	}
	k, err := pbkdf2.Key(sha1.New, password, []byte(osCryptSalt), osCryptIter, osCryptKeyLen)
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
	key := string(pt[:len(pt)-n])
	if len(key) != 64 {
		return "", false
	}
	if _, err := hex.DecodeString(key); err != nil {
		return "", false
	}
	return key, true
}

func parseConfig(b []byte) (config, error) {
	var c config
	if err := json.Unmarshal(b, &c); err != nil {
		return c, fmt.Errorf("config.json: %w", err)
	}
	if c.Key == "" && c.EncryptedKey == "" {
		return c, errors.New("config.json has neither key nor encryptedKey")
	}
	return c, nil
}

func printable(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e {
			return '?'
		}
		return r
	}, s)
}
