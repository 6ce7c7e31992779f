package signal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path"
	"strings"

	"github.com/loupe-forensics/loupe/forensic/finding"
)

// Signal Desktop keeps attachments under attachments.noindex/, each file
// encrypted with its own 64-byte localKey (AES-256 key ‖ HMAC-SHA256 key)
// held in the message's json: file = IV(16) ‖ AES-256-CBC(PKCS#7) ‖
// HMAC-SHA256(IV ‖ ciphertext). The plaintext may carry padding past the
// attachment's real size, so it is cut to the stored "size" [catalogue:
// DLEAPP signal_desktop.py]. Newer versions also store plaintextHash.
const (
	attachIVSize  = aes.BlockSize
	attachMACSize = sha256.Size
	attachKeySize = 64
	// MaxAttachment bounds one attachment file: it is streamed (memory
	// stays at one chunk), but a hostile size must not make the scan
	// hash gigabytes per message.
	MaxAttachment = 1 << 30
	attachChunk   = 64 << 10
)

// ErrAttachmentMAC is returned when the stored HMAC does not match: the
// file was altered, or the key is not this file's.
var ErrAttachmentMAC = errors.New("HMAC mismatch")

// AttachmentResult is what decrypting one attachment established. Nothing
// of the plaintext is kept but its hash, length and sniffed MIME type.
type AttachmentResult struct {
	HMACVerified bool
	FileSHA256   string // of the encrypted file as stored (set once the whole file was read)
	PlainSize    int64
	PlainSHA256  string // empty unless the HMAC verified and the file decrypted
	MIME         string // sniffed from the first 512 plaintext bytes
}

// DecryptAttachment verifies and decrypts an attachment file of size bytes
// read through r with key (64 bytes). wantSize, when > 0, is the size the
// message json records; the plaintext is cut to it. The HMAC is checked
// over the whole file before any plaintext is produced; on a mismatch the
// result says so and carries no hash. Memory stays at one chunk, whatever
// the file's size.
func DecryptAttachment(r io.ReaderAt, size int64, key []byte, wantSize int64) (AttachmentResult, error) {
	var res AttachmentResult
	if len(key) != attachKeySize {
		return res, fmt.Errorf("attachment key is %d bytes, want %d", len(key), attachKeySize)
	}
	if size > MaxAttachment {
		return res, fmt.Errorf("attachment is %d bytes, over the %d-byte cap", size, int64(MaxAttachment))
	}
	ctLen := size - attachIVSize - attachMACSize
	if ctLen < aes.BlockSize || ctLen%aes.BlockSize != 0 {
		return res, fmt.Errorf("attachment of %d bytes is not IV(16) + whole AES blocks + HMAC(32)", size)
	}
	// Pass 1: the MAC over IV ‖ ciphertext, and the file's own hash.
	mac := hmac.New(sha256.New, key[32:])
	fileHash := sha256.New()
	if _, err := io.Copy(io.MultiWriter(mac, fileHash), io.NewSectionReader(r, 0, size-attachMACSize)); err != nil {
		return res, fmt.Errorf("read attachment for its HMAC: %w", err)
	}
	stored := make([]byte, attachMACSize)
	if _, err := r.ReadAt(stored, size-attachMACSize); err != nil && !errors.Is(err, io.EOF) {
		return res, fmt.Errorf("read the HMAC at offset %d: %w", size-attachMACSize, err)
	}
	fileHash.Write(stored)
	res.FileSHA256 = hex.EncodeToString(fileHash.Sum(nil))
	if !hmac.Equal(mac.Sum(nil), stored) {
		return res, fmt.Errorf("%w at offset %d: the file was altered or the key is not its own", ErrAttachmentMAC, size-attachMACSize)
	}
	res.HMACVerified = true
	block, err := aes.NewCipher(key[:32])
	if err != nil {
		return res, err
	}
	// The padding is in the last block: decrypt it alone first (CBC needs
	// only the previous block as its IV) to know the plaintext length.
	last := make([]byte, 2*aes.BlockSize)
	if _, err := r.ReadAt(last, attachIVSize+ctLen-2*aes.BlockSize); err != nil && !errors.Is(err, io.EOF) {
		return res, fmt.Errorf("read the last block: %w", err)
	}
	tail := make([]byte, aes.BlockSize)
	cipher.NewCBCDecrypter(block, last[:aes.BlockSize]).CryptBlocks(tail, last[aes.BlockSize:])
	pad := int(tail[aes.BlockSize-1])
	if pad == 0 || pad > aes.BlockSize {
		return res, fmt.Errorf("attachment padding byte %d at offset %d is not PKCS#7", pad, attachIVSize+ctLen-1)
	}
	for _, b := range tail[aes.BlockSize-pad:] {
		if int(b) != pad {
			return res, fmt.Errorf("attachment padding at offset %d is not PKCS#7", attachIVSize+ctLen-int64(pad))
		}
	}
	plainLen := ctLen - int64(pad)
	if wantSize > 0 && wantSize <= plainLen {
		plainLen = wantSize
	}
	// Pass 2: decrypt in chunks, hashing up to plainLen.
	iv := make([]byte, attachIVSize)
	if _, err := r.ReadAt(iv, 0); err != nil {
		return res, fmt.Errorf("read the IV: %w", err)
	}
	dec := cipher.NewCBCDecrypter(block, iv)
	h := sha256.New()
	buf := make([]byte, attachChunk)
	var head []byte
	for off, done := int64(0), int64(0); off < ctLen && done < plainLen; {
		n := min(int64(len(buf)), ctLen-off)
		if _, err := r.ReadAt(buf[:n], attachIVSize+off); err != nil && !errors.Is(err, io.EOF) {
			return res, fmt.Errorf("read ciphertext at offset %d: %w", attachIVSize+off, err)
		}
		dec.CryptBlocks(buf[:n], buf[:n])
		use := min(n, plainLen-done)
		h.Write(buf[:use])
		if len(head) < 512 {
			head = append(head, buf[:min(use, int64(512-len(head)))]...)
		}
		off += n
		done += use
	}
	res.PlainSize = plainLen
	res.PlainSHA256 = hex.EncodeToString(h.Sum(nil))
	res.MIME = http.DetectContentType(head)
	return res, nil
}

// decodeLocalKey reads the json's localKey (base64 of 64 bytes).
func decodeLocalKey(s string) ([]byte, error) {
	k, err := base64.StdEncoding.DecodeString(strings.TrimSpace(s))
	if err != nil {
		return nil, fmt.Errorf("localKey: %w", err)
	}
	if len(k) != attachKeySize {
		return nil, fmt.Errorf("localKey is %d bytes, want %d", len(k), attachKeySize)
	}
	return k, nil
}

// attachmentAttrs opens attachments.noindex/<rel> beside the database and,
// when the json gave a localKey, decrypts it (hash only; nothing is
// written). The attributes say what was established; a failure is a
// warning, never an error for the run.
func (r *run) attachmentAttrs(rel, localKey, plaintextHash string, wantSize int64) []finding.Attr {
	if r.in.FS == nil || r.in.Path == "" || rel == "" {
		return nil
	}
	rel = path.Clean(strings.ReplaceAll(rel, "\\", "/"))
	if rel == "." || strings.HasPrefix(rel, "../") || path.IsAbs(rel) {
		r.warn(nil, fmt.Sprintf("attachment path %q leaves attachments.noindex; not read", rel))
		return nil
	}
	p := path.Join(path.Dir(path.Dir(strings.TrimPrefix(r.in.Path, "/"))), "attachments.noindex", rel)
	ref := siblingRef(r.in, p)
	f, err := r.in.FS.Open(p)
	if err != nil {
		return []finding.Attr{finding.B("attachment_file_present", false)}
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return []finding.Attr{finding.B("attachment_file_present", false)}
	}
	attrs := []finding.Attr{finding.B("attachment_file_present", true), finding.I("attachment_file_size", st.Size())}
	if localKey == "" {
		// Older versions stored attachments in plaintext; without a key
		// the file is hashed as it is (and its type sniffed), nothing more
		// is claimed about it.
		if st.Size() > MaxAttachment {
			r.warn(ref, fmt.Sprintf("attachment file of %d bytes is over the %d-byte cap; not hashed", st.Size(), int64(MaxAttachment)))
			return attrs
		}
		h := sha256.New()
		head := make([]byte, 512)
		n, _ := io.ReadFull(f, head)
		h.Write(head[:n])
		if _, err := io.Copy(h, f); err != nil {
			r.warn(ref, fmt.Sprintf("attachment file: read: %v", err))
			return attrs
		}
		return append(attrs, finding.S("attachment_file_sha256", hex.EncodeToString(h.Sum(nil))),
			finding.S("sniffed_mime", http.DetectContentType(head[:n])))
	}
	ra, ok := f.(io.ReaderAt)
	if !ok {
		r.warn(ref, "attachment file cannot be read at offsets; not decrypted")
		return attrs
	}
	key, err := decodeLocalKey(localKey)
	if err != nil {
		r.warn(ref, fmt.Sprintf("attachment not decrypted: %v", err))
		return attrs
	}
	res, err := DecryptAttachment(ra, st.Size(), key, wantSize)
	if res.FileSHA256 != "" {
		attrs = append(attrs, finding.S("attachment_file_sha256", res.FileSHA256))
	}
	attrs = append(attrs, finding.B("hmac_verified", res.HMACVerified))
	if err != nil {
		r.warn(ref, fmt.Sprintf("attachment %s not decrypted: %v", p, err))
		attrs = append(attrs, finding.S("decrypt_error", err.Error()))
		return attrs
	}
	attrs = append(attrs, finding.S("plaintext_sha256", res.PlainSHA256), finding.I("plaintext_size", res.PlainSize),
		finding.S("sniffed_mime", res.MIME))
	if plaintextHash != "" {
		attrs = append(attrs, finding.B("plaintext_hash_matches", strings.EqualFold(plaintextHash, res.PlainSHA256)))
	}
	return attrs
}
