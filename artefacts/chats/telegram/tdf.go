// Package telegram reads Telegram Desktop's tdata folder: the TDF$
// containers every file is wrapped in, key_datas (the local key, wrapped with
// a key derived from the local passcode, empty when none is set), the MTP
// authorisation file (user id, main data centre and which data centres hold
// auth keys), the account's map with its self-peer record, and the settings
// file. Telegram Desktop keeps no message history on disk.
//
// Auth keys are session-hijack material: they are decrypted only to be
// counted and never leave this package, not in artefacts, warnings or errors.
//
// The format follows tdesktop's public source (storage_file_utilities,
// storage_domain, storage_account, mtproto auth-key serialisation); Qt's
// QDataStream writes integers big-endian and QByteArray as a 32-bit length
// (0xFFFFFFFF for null) and bytes.
package telegram

import (
	"bytes"
	"crypto/md5"
	"encoding/binary"
	"errors"
	"fmt"
	"unicode/utf16"
)

// Magic starts every TDF$ file.
var Magic = []byte("TDF$")

// ErrFormat marks data that is not what its position says.
var ErrFormat = errors.New("telegram: bad format")

// Container is one TDF$ file: magic, u32 LE app version, payload, and an
// MD5 trailer over payload ‖ u32 LE payload length ‖ u32 LE version ‖ magic.
type Container struct {
	Version  uint32
	Payload  []byte
	MD5OK    bool
	Trailer  []byte // as stored
	Computed []byte // as computed
}

// ReadContainer splits and checks a TDF$ file. A trailer mismatch is not an
// error (MD5OK says it): the payload may still be readable.
func ReadContainer(b []byte) (Container, error) {
	if len(b) < 4+4+16 {
		return Container{}, fmt.Errorf("%w: TDF$ file of %d bytes is shorter than its 24-byte frame", ErrFormat, len(b))
	}
	if !bytes.Equal(b[:4], Magic) {
		return Container{}, fmt.Errorf("%w: no TDF$ magic at byte 0", ErrFormat)
	}
	c := Container{Version: binary.LittleEndian.Uint32(b[4:8]), Payload: b[8 : len(b)-16], Trailer: b[len(b)-16:]}
	h := md5.New()
	h.Write(c.Payload)
	var tail [12]byte
	binary.LittleEndian.PutUint32(tail[0:], uint32(len(c.Payload)))
	binary.LittleEndian.PutUint32(tail[4:], c.Version)
	copy(tail[8:], Magic)
	h.Write(tail[:])
	c.Computed = h.Sum(nil)
	c.MD5OK = bytes.Equal(c.Computed, c.Trailer)
	return c, nil
}

// VersionString renders tdesktop's integer app version (5008003 → "5.8.3").
func VersionString(v uint32) string {
	return fmt.Sprintf("%d.%d.%d", v/1000000, v/1000%1000, v%1000)
}

// stream reads QDataStream values; the first failure sticks, so callers check
// err once. Every length is checked against what remains before slicing.
type stream struct {
	b   []byte
	off int
	err error
}

func (s *stream) need(n int, what string) bool {
	if s.err != nil {
		return false
	}
	if n < 0 || len(s.b)-s.off < n {
		s.err = fmt.Errorf("%w: %s at byte %d needs %d bytes, %d left", ErrFormat, what, s.off, n, len(s.b)-s.off)
		return false
	}
	return true
}

func (s *stream) u32(what string) uint32 {
	if !s.need(4, what) {
		return 0
	}
	v := binary.BigEndian.Uint32(s.b[s.off:])
	s.off += 4
	return v
}

func (s *stream) i32(what string) int32 { return int32(s.u32(what)) }

func (s *stream) u64(what string) uint64 {
	if !s.need(8, what) {
		return 0
	}
	v := binary.BigEndian.Uint64(s.b[s.off:])
	s.off += 8
	return v
}

func (s *stream) raw(n int, what string) []byte {
	if !s.need(n, what) {
		return nil
	}
	v := s.b[s.off : s.off+n]
	s.off += n
	return v
}

// bytes reads a QByteArray (null reads as empty).
func (s *stream) bytes(what string) []byte {
	n := s.u32(what + " length")
	if s.err != nil || n == 0xFFFFFFFF {
		return nil
	}
	if uint64(n) > uint64(len(s.b)-s.off) {
		s.err = fmt.Errorf("%w: %s at byte %d claims %d bytes, %d left", ErrFormat, what, s.off-4, n, len(s.b)-s.off)
		return nil
	}
	return s.raw(int(n), what)
}

// str reads a QString: a byte length and UTF-16BE code units.
func (s *stream) str(what string) string {
	b := s.bytes(what)
	if s.err != nil {
		return ""
	}
	if len(b)%2 != 0 {
		s.err = fmt.Errorf("%w: %s at byte %d has an odd UTF-16 length %d", ErrFormat, what, s.off-len(b), len(b))
		return ""
	}
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = binary.BigEndian.Uint16(b[2*i:])
	}
	return string(utf16.Decode(u))
}

func (s *stream) left() int { return len(s.b) - s.off }
