package telegram

import (
	"crypto/aes"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha512"
	"encoding/binary"
	"errors"
	"fmt"

	"golang.org/x/crypto/pbkdf2"
)

// KeySize is the size of tdesktop's local keys (MTP::AuthKey::kSize).
const KeySize = 256

// ErrWrongKey means the integrity check of decrypted data failed: the key is
// wrong (a local passcode is set, or the examiner's passcode is not it).
var ErrWrongKey = errors.New("telegram: wrong key (decrypted data fails its SHA-1 check)")

// PasscodeKey derives the key that wraps the local key in key_datas:
// PBKDF2-HMAC-SHA512(SHA512(salt ‖ passcode ‖ salt), salt, n, 256) with
// n = 1 without a local passcode and 100 000 with one (tdesktop CreateLocalKey).
func PasscodeKey(salt, passcode []byte) []byte {
	h := sha512.New()
	h.Write(salt)
	h.Write(passcode)
	h.Write(salt)
	iter := 1
	if len(passcode) > 0 {
		iter = 100000
	}
	return pbkdf2.Key(h.Sum(nil), salt, iter, KeySize, sha512.New)
}

// LegacyKey is the older derivation still used for the settings file:
// PBKDF2-HMAC-SHA1(passcode, salt, 4 or 4000 iterations, 256).
func LegacyKey(salt, passcode []byte) []byte {
	iter := 4
	if len(passcode) > 0 {
		iter = 4000
	}
	return pbkdf2.Key(passcode, salt, iter, KeySize, sha1.New)
}

// OldMTPKeyIV is MTProto v1's AES key and IV derivation from an auth key and
// a 16-byte message key, with x = 8 as tdesktop uses for local data.
func OldMTPKeyIV(authKey, msgKey []byte) (key, iv []byte) {
	const x = 8
	sum := func(parts ...[]byte) []byte {
		h := sha1.New()
		for _, p := range parts {
			h.Write(p)
		}
		return h.Sum(nil)
	}
	a := sum(msgKey, authKey[x:x+32])
	b := sum(authKey[32+x:48+x], msgKey, authKey[48+x:64+x])
	c := sum(authKey[64+x:96+x], msgKey)
	d := sum(msgKey, authKey[96+x:128+x])
	key = append(append(append([]byte{}, a[:8]...), b[8:20]...), c[4:16]...)
	iv = append(append(append(append([]byte{}, a[8:20]...), b[:8]...), c[16:20]...), d[:8]...)
	return key, iv
}

// IGEDecrypt decrypts AES in infinite garble extension mode. iv is 32 bytes:
// the "previous cipher block" then the "previous plain block", as in
// OpenSSL's AES_ige_encrypt and MTProto.
func IGEDecrypt(key, iv, src []byte) ([]byte, error) {
	return ige(key, iv, src, false)
}

// IGEEncrypt is the inverse of IGEDecrypt (used by tests and known answers).
func IGEEncrypt(key, iv, src []byte) ([]byte, error) {
	return ige(key, iv, src, true)
}

func ige(key, iv, src []byte, encrypt bool) ([]byte, error) {
	blk, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("telegram: AES key: %w", err)
	}
	if len(iv) != 32 || len(src)%16 != 0 {
		return nil, fmt.Errorf("%w: IGE needs a 32-byte IV and whole blocks (IV %d, data %d bytes)", ErrFormat, len(iv), len(src))
	}
	out := make([]byte, len(src))
	// c: previous ciphertext block, p: previous plaintext block.
	var c, p, t [16]byte
	copy(c[:], iv[:16])
	copy(p[:], iv[16:])
	for i := 0; i < len(src); i += 16 {
		in := src[i : i+16]
		if encrypt {
			for j := range t {
				t[j] = in[j] ^ c[j]
			}
			blk.Encrypt(t[:], t[:])
			for j := range t {
				t[j] ^= p[j]
			}
			copy(p[:], in)
			copy(c[:], t[:])
		} else {
			for j := range t {
				t[j] = in[j] ^ p[j]
			}
			blk.Decrypt(t[:], t[:])
			for j := range t {
				t[j] ^= c[j]
			}
			copy(c[:], in)
			copy(p[:], t[:])
		}
		copy(out[i:], t[:])
	}
	return out, nil
}

// DecryptLocal opens tdesktop's "encrypted local" data: a 16-byte message
// key, then AES-256-IGE cipher text whose key and IV come from OldMTPKeyIV.
// The plaintext starts with its own u32 LE length (counting those 4 bytes),
// is padded to 16 bytes, and SHA-1 over all of it begins with the message
// key. It returns the data after the length, up to it.
func DecryptLocal(enc, key []byte) ([]byte, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("telegram: key of %d bytes, want %d", len(key), KeySize)
	}
	if len(enc) < 32 || len(enc)%16 != 0 {
		return nil, fmt.Errorf("%w: encrypted block of %d bytes (need 16 + a multiple of 16)", ErrFormat, len(enc))
	}
	msgKey := enc[:16]
	k, iv := OldMTPKeyIV(key, msgKey)
	dec, err := IGEDecrypt(k, iv, enc[16:])
	if err != nil {
		return nil, err
	}
	sum := sha1.Sum(dec)
	if string(sum[:16]) != string(msgKey) {
		return nil, ErrWrongKey
	}
	n := binary.LittleEndian.Uint32(dec)
	if n < 4 || uint64(n) > uint64(len(dec)) || int(n) <= len(dec)-16 {
		return nil, fmt.Errorf("%w: decrypted length %d does not fit %d bytes", ErrFormat, n, len(dec))
	}
	return dec[4:n], nil
}

// FilePart is tdesktop's ToFilePart of the MD5 of a data name: the first 8
// bytes of the digest as a little-endian number, written as 16 hex digits
// from the lowest nibble up ("data" → D877F783D5D3EF8C).
func FilePart(name string) string {
	sum := md5.Sum([]byte(name))
	v := binary.LittleEndian.Uint64(sum[:8])
	const digits = "0123456789ABCDEF"
	out := make([]byte, 16)
	for i := range out {
		out[i] = digits[v&15]
		v >>= 4
	}
	return string(out)
}
