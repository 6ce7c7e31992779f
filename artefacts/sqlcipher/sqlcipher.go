// Package sqlcipher decrypts SQLCipher databases (and their write-ahead
// logs) page by page into a plaintext copy, in pure Go, so the copy can be
// opened by the ordinary SQLite engine (artefacts/sqlitedb). No SQLCipher
// library is linked: its symbols clash with mattn/go-sqlite3's.
//
// The page format (SQLCipher 3 and 4): the first 16 bytes of the file are
// the KDF salt; every page ends in a reserved area holding a random 16-byte
// IV and an HMAC over the page's ciphertext, the IV and the page number
// (4 bytes little-endian); the rest of the page is AES-256-CBC without
// padding. Page 1's ciphertext starts after the salt. The encryption key is
// PBKDF2(passphrase, salt), or a raw key given as x'<64 hex>' (x'<96 hex>'
// adds the salt); the HMAC key is PBKDF2(key, salt XOR 0x3a, 2 iterations).
//
// Page 1's HMAC decides whether the key (and parameter set) is right. A
// later page failing its HMAC, with page 1 verified, is damage, not a wrong
// key: it is reported by number and offset and written as zeros.
package sqlcipher

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/sha512"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"strings"
)

// Params is one SQLCipher page format.
type Params struct {
	Name     string // "v4", "v3"
	PageSize int
	KDFIter  int
	Hash     func() hash.Hash // for PBKDF2 and the page HMAC
	HMACSize int
	Reserve  int // IV + HMAC rounded up to the AES block
}

// The defaults of SQLCipher 4 and 3 (cipher_compatibility 4 / 3).
var (
	V4 = Params{Name: "v4", PageSize: 4096, KDFIter: 256000, Hash: sha512.New, HMACSize: sha512.Size, Reserve: 80}
	V3 = Params{Name: "v3", PageSize: 1024, KDFIter: 64000, Hash: sha1.New, HMACSize: sha1.Size, Reserve: 48}
)

// DefaultParams are tried in this order when Options.Params is empty.
var DefaultParams = []Params{V4, V3}

const (
	SaltSize = 16
	KeySize  = 32
	ivSize   = 16
	// hmacSaltMask and fastKDFIter derive the HMAC key from the page key.
	hmacSaltMask = 0x3a
	fastKDFIter  = 2
	// DefaultMaxSize bounds the database and the WAL decrypted.
	DefaultMaxSize = 1 << 30
)

// sqliteMagic replaces the salt at the start of the plaintext copy.
var sqliteMagic = []byte("SQLite format 3\x00")

// Errors. ErrWrongKey and ErrCorruptPage are deliberately distinct: the
// first means nothing could be verified, the second that the key is right
// and the file is damaged.
var (
	ErrWrongKey    = errors.New("sqlcipher: wrong key: page 1 failed its HMAC under every parameter set tried (or the file is not SQLCipher)")
	ErrCorruptPage = errors.New("sqlcipher: corrupt page: HMAC failed although page 1 verified with the key")
	ErrTooLarge    = errors.New("sqlcipher: file larger than the decryption limit")
	ErrTooSmall    = errors.New("sqlcipher: file shorter than one page")
	ErrBadKey      = errors.New("sqlcipher: malformed key")
)

// Key is what the examiner or the client's configuration supplies.
type Key struct {
	Passphrase []byte // run through PBKDF2 with the file's salt
	Raw        []byte // 32 bytes used as the page key (no KDF)
	Salt       []byte // with Raw, when the key string carried it (96 hex)
}

// ParseKey reads a key as PRAGMA key takes it: x'<64 hex>' is a raw key,
// x'<96 hex>' a raw key followed by its salt; anything else a passphrase.
func ParseKey(s string) (Key, error) {
	if len(s) >= 3 && (s[0] == 'x' || s[0] == 'X') && s[1] == '\'' && s[len(s)-1] == '\'' {
		return RawHex(s[2 : len(s)-1])
	}
	return Key{Passphrase: []byte(s)}, nil
}

// RawHex reads a raw key written as bare hex (Signal's config.json "key").
func RawHex(h string) (Key, error) {
	b, err := hex.DecodeString(strings.TrimSpace(h))
	if err != nil {
		return Key{}, fmt.Errorf("%w: %v", ErrBadKey, err)
	}
	switch len(b) {
	case KeySize:
		return Key{Raw: b}, nil
	case KeySize + SaltSize:
		return Key{Raw: b[:KeySize], Salt: b[KeySize:]}, nil
	}
	return Key{}, fmt.Errorf("%w: raw key is %d hex digits, want 64 or 96", ErrBadKey, 2*len(b))
}

// KeyType names the key's form for the record, without revealing it.
func (k Key) KeyType() string {
	switch {
	case k.Raw != nil && k.Salt != nil:
		return "raw key with salt"
	case k.Raw != nil:
		return "raw key"
	}
	return "passphrase"
}

// Cipher is a verified key for one database: page 1 passed its HMAC.
type Cipher struct {
	Params Params
	enc    cipher.Block
	mac    []byte
}

// Options bound and steer decryption.
type Options struct {
	Params  []Params // tried in order; DefaultParams when empty
	MaxSize int64    // bytes of the database, and of a WAL; DefaultMaxSize when 0
}

func (o Options) maxSize() int64 {
	if o.MaxSize <= 0 {
		return DefaultMaxSize
	}
	return o.MaxSize
}

// Open derives the page keys and checks them on page 1 for each parameter
// set in turn. It returns ErrWrongKey when none verifies.
func Open(ctx context.Context, r io.ReaderAt, size int64, key Key, opt Options) (*Cipher, error) {
	if key.Raw == nil && key.Passphrase == nil {
		return nil, fmt.Errorf("%w: empty", ErrBadKey)
	}
	if key.Raw != nil && len(key.Raw) != KeySize || key.Salt != nil && len(key.Salt) != SaltSize {
		return nil, fmt.Errorf("%w: raw key %d bytes, salt %d bytes", ErrBadKey, len(key.Raw), len(key.Salt))
	}
	if size > opt.maxSize() {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, size, opt.maxSize())
	}
	params := opt.Params
	if len(params) == 0 {
		params = DefaultParams
	}
	var lastErr error = ErrWrongKey
	for _, p := range params {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if err := p.check(); err != nil {
			return nil, err
		}
		if size < int64(p.PageSize) {
			lastErr = fmt.Errorf("%w: %d bytes, %s page is %d", ErrTooSmall, size, p.Name, p.PageSize)
			continue
		}
		page := make([]byte, p.PageSize)
		if _, err := r.ReadAt(page, 0); err != nil {
			return nil, fmt.Errorf("sqlcipher: read page 1: %w", err)
		}
		c, err := newCipher(key, page[:SaltSize], p)
		if err != nil {
			return nil, err
		}
		if c.verify(page, 1) {
			return c, nil
		}
	}
	return nil, lastErr
}

func (p Params) check() error {
	if p.PageSize < 512 || p.PageSize > 65536 || p.PageSize&(p.PageSize-1) != 0 ||
		p.Reserve < ivSize+p.HMACSize || p.Reserve%aes.BlockSize != 0 || p.Reserve > p.PageSize/2 || p.Hash == nil || p.KDFIter < 1 {
		return fmt.Errorf("sqlcipher: invalid parameter set %q", p.Name)
	}
	return nil
}

func newCipher(key Key, fileSalt []byte, p Params) (*Cipher, error) {
	salt := fileSalt
	if key.Salt != nil {
		salt = key.Salt
	}
	encKey := key.Raw
	if encKey == nil {
		k, err := pbkdf2.Key(p.Hash, string(key.Passphrase), salt, p.KDFIter, KeySize)
		if err != nil {
			return nil, fmt.Errorf("sqlcipher: derive key: %w", err)
		}
		encKey = k
	}
	macSalt := make([]byte, len(salt))
	for i, b := range salt {
		macSalt[i] = b ^ hmacSaltMask
	}
	macKey, err := pbkdf2.Key(p.Hash, string(encKey), macSalt, fastKDFIter, KeySize)
	if err != nil {
		return nil, fmt.Errorf("sqlcipher: derive HMAC key: %w", err)
	}
	block, err := aes.NewCipher(encKey)
	if err != nil {
		return nil, fmt.Errorf("sqlcipher: %w", err)
	}
	return &Cipher{Params: p, enc: block, mac: macKey}, nil
}

// bounds returns where the ciphertext of page pgno starts and ends.
func (c *Cipher) bounds(pgno uint32) (start, end int) {
	if pgno == 1 {
		start = SaltSize
	}
	return start, c.Params.PageSize - c.Params.Reserve
}

func (c *Cipher) verify(page []byte, pgno uint32) bool {
	start, end := c.bounds(pgno)
	h := hmac.New(c.Params.Hash, c.mac)
	h.Write(page[start : end+ivSize])
	var n [4]byte
	binary.LittleEndian.PutUint32(n[:], pgno)
	h.Write(n[:])
	return hmac.Equal(h.Sum(nil), page[end+ivSize:end+ivSize+c.Params.HMACSize])
}

// decryptPage checks and decrypts page (PageSize bytes) into out. On an
// HMAC failure out is zeroed and false returned.
func (c *Cipher) decryptPage(page, out []byte, pgno uint32) bool {
	clear(out)
	if !c.verify(page, pgno) {
		return false
	}
	start, end := c.bounds(pgno)
	iv := page[end : end+ivSize]
	cipher.NewCBCDecrypter(c.enc, iv).CryptBlocks(out[start:end], page[start:end])
	if pgno == 1 {
		copy(out, sqliteMagic)
	}
	return true
}

// Report says what DecryptDB did.
type Report struct {
	Pages    int64    // whole pages decrypted or zeroed
	BadPages []uint32 // pages whose HMAC failed (written as zeros), ascending
	Tail     int64    // bytes after the last whole page, not written
}

// BadPageOffset is the byte offset of page pgno in the file.
func (c *Cipher) BadPageOffset(pgno uint32) int64 { return int64(pgno-1) * int64(c.Params.PageSize) }

// DecryptDB writes the plaintext of every whole page of r to w. Pages that
// fail their HMAC are written as zeros and listed in the report; the
// caller warns about each with ErrCorruptPage. It never reads past size.
func (c *Cipher) DecryptDB(ctx context.Context, r io.ReaderAt, size int64, w io.Writer) (Report, error) {
	var rep Report
	ps := int64(c.Params.PageSize)
	n := size / ps
	rep.Tail = size - n*ps
	page := make([]byte, ps)
	out := make([]byte, ps)
	for i := int64(0); i < n; i++ {
		if i%256 == 0 {
			if err := ctx.Err(); err != nil {
				return rep, err
			}
		}
		if _, err := r.ReadAt(page, i*ps); err != nil {
			return rep, fmt.Errorf("sqlcipher: read page %d at offset %d: %w", i+1, i*ps, err)
		}
		pgno := uint32(i + 1)
		if !c.decryptPage(page, out, pgno) {
			rep.BadPages = append(rep.BadPages, pgno)
		}
		if _, err := w.Write(out); err != nil {
			return rep, fmt.Errorf("sqlcipher: write plaintext page %d: %w", pgno, err)
		}
		rep.Pages++
	}
	return rep, nil
}

// WAL format constants (sqlite's wal.c).
const (
	walHeaderSize      = 32
	walFrameHeaderSize = 24
	walMagicLE         = 0x377f0682
	walMagicBE         = 0x377f0683
)

// WALReport says what DecryptWAL did.
type WALReport struct {
	Frames    int    // valid frames decrypted (SQLite would read these)
	StoppedAt int64  // offset of the first frame not used (invalid, stale or damaged); -1 when all were used
	Reason    string // why it stopped there
	BadFrame  bool   // the stop was an HMAC failure inside a valid frame (damage, not a stale frame)
}

// DecryptWAL writes a plaintext write-ahead log for r: the same header,
// each valid frame with its page decrypted and its checksum recomputed over
// the plaintext (SQLCipher checksums the ciphertext). Like SQLite, it stops
// at the first frame whose salt or running checksum does not match; a frame
// that is valid but fails its page HMAC also ends the log (the frames after
// it could depend on it). A header that is not a WAL's is an error.
func (c *Cipher) DecryptWAL(ctx context.Context, r io.ReaderAt, size int64, w io.Writer) (WALReport, error) {
	rep := WALReport{StoppedAt: -1}
	if size < walHeaderSize {
		return rep, fmt.Errorf("sqlcipher: WAL of %d bytes has no header", size)
	}
	ps := c.Params.PageSize
	hdr := make([]byte, walHeaderSize)
	if _, err := r.ReadAt(hdr, 0); err != nil {
		return rep, fmt.Errorf("sqlcipher: read WAL header: %w", err)
	}
	magic := binary.BigEndian.Uint32(hdr[0:])
	if magic != walMagicLE && magic != walMagicBE {
		return rep, fmt.Errorf("sqlcipher: WAL magic %#x at offset 0 is not a WAL's", magic)
	}
	if got := binary.BigEndian.Uint32(hdr[8:]); got != uint32(ps) {
		return rep, fmt.Errorf("sqlcipher: WAL page size %d at offset 8, database pages are %d", got, ps)
	}
	bigEnd := magic == walMagicBE
	s1, s2 := walChecksum(bigEnd, hdr[:24], 0, 0)
	if s1 != binary.BigEndian.Uint32(hdr[24:]) || s2 != binary.BigEndian.Uint32(hdr[28:]) {
		return rep, fmt.Errorf("sqlcipher: WAL header checksum mismatch at offset 24")
	}
	if _, err := w.Write(hdr); err != nil {
		return rep, fmt.Errorf("sqlcipher: write WAL header: %w", err)
	}
	p1, p2 := s1, s2 // running checksums of the plaintext log
	frame := make([]byte, walFrameHeaderSize+ps)
	out := make([]byte, walFrameHeaderSize+ps)
	for off := int64(walHeaderSize); off+int64(len(frame)) <= size; off += int64(len(frame)) {
		if rep.Frames%256 == 0 {
			if err := ctx.Err(); err != nil {
				return rep, err
			}
		}
		if _, err := r.ReadAt(frame, off); err != nil {
			return rep, fmt.Errorf("sqlcipher: read WAL frame at offset %d: %w", off, err)
		}
		fh := frame[:walFrameHeaderSize]
		pgno := binary.BigEndian.Uint32(fh[0:])
		if pgno == 0 || !bytes.Equal(fh[8:16], hdr[16:24]) {
			rep.StoppedAt, rep.Reason = off, "salt differs from the header (a frame of an earlier log generation)"
			return rep, nil
		}
		s1, s2 = walChecksum(bigEnd, fh[:8], s1, s2)
		s1, s2 = walChecksum(bigEnd, frame[walFrameHeaderSize:], s1, s2)
		if s1 != binary.BigEndian.Uint32(fh[16:]) || s2 != binary.BigEndian.Uint32(fh[20:]) {
			rep.StoppedAt, rep.Reason = off, "running checksum mismatch (end of the valid log)"
			return rep, nil
		}
		if !c.decryptPage(frame[walFrameHeaderSize:], out[walFrameHeaderSize:], pgno) {
			rep.StoppedAt, rep.BadFrame = off, true
			rep.Reason = fmt.Sprintf("page %d failed its HMAC although page 1 verified: the WAL is corrupt", pgno)
			return rep, nil
		}
		copy(out[:16], fh[:16])
		p1, p2 = walChecksum(bigEnd, out[:8], p1, p2)
		p1, p2 = walChecksum(bigEnd, out[walFrameHeaderSize:], p1, p2)
		binary.BigEndian.PutUint32(out[16:], p1)
		binary.BigEndian.PutUint32(out[20:], p2)
		if _, err := w.Write(out); err != nil {
			return rep, fmt.Errorf("sqlcipher: write WAL frame: %w", err)
		}
		rep.Frames++
	}
	return rep, nil
}

// walChecksum continues SQLite's WAL checksum over b (a multiple of 8 bytes).
func walChecksum(bigEnd bool, b []byte, s1, s2 uint32) (uint32, uint32) {
	order := binary.ByteOrder(binary.LittleEndian)
	if bigEnd {
		order = binary.BigEndian
	}
	for i := 0; i+8 <= len(b); i += 8 {
		s1 += order.Uint32(b[i:]) + s2
		s2 += order.Uint32(b[i+4:]) + s1
	}
	return s1, s2
}
