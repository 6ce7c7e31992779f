// Package qtox reads qTox's files: the Tox profile (<name>.tox, toxcore's
// state format, plain or encrypted with tox_pass_encrypt, "toxEsave") and
// the history database (<name>.db, qTox schema 9 and later).
package qtox

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/nacl/secretbox"
	"golang.org/x/crypto/scrypt"
)

// Tox state format (toxcore's state.c / Messenger.c).
const (
	stateCookieGlobal = 0x15ed1b1f // u32 LE after four zero bytes
	stateCookieType   = 0x01ce     // u16 LE in every section header
	headerSize        = 8
	sectionHeaderSize = 8

	secNospamKeys    = 1
	secDHT           = 2
	secFriends       = 3
	secName          = 4
	secStatusMessage = 5
	secStatus        = 6
	secTCPRelay      = 10
	secPathNode      = 11
	secConferences   = 20
	secEnd           = 255

	pkSize          = 32
	nospamKeysSize  = 4 + pkSize + pkSize
	savedFriendSize = 2216 // status, pk, info[1024], pad, u16, name[128], u16, status[1007], pad, u16, u8, pad[3], u32, u64
	maxName         = 128
	maxStatus       = 1007
	maxRequest      = 1024

	// MaxProfile bounds a profile read whole: real ones are a few KiB (a
	// friend is 2216 bytes; toxcore allows about 1000 friends per MiB).
	MaxProfile = 16 << 20
)

// EncryptedMagic starts a profile encrypted by toxencryptsave.
var EncryptedMagic = []byte("toxEsave")

// toxencryptsave layout: magic(8) salt(32) nonce(24) secretbox(ciphertext+16).
const (
	passSaltSize  = 32
	passNonceSize = 24
	passExtra     = 8 + passSaltSize + passNonceSize + secretbox.Overhead // 80
	// toxcore derives the key with libsodium's scryptsalsa208sha256 at
	// twice the "interactive" ops limit (2^20) and the interactive memory
	// limit (16 MiB), which libsodium's pickparams turns into N=2^14, r=8,
	// p=2; the passphrase is SHA-256'd first.
	scryptN, scryptR, scryptP = 1 << 14, 8, 2
)

// Friend statuses (toxcore's FRIEND_*).
var friendStatus = map[byte]string{0: "none", 1: "added (request not sent)", 2: "request sent", 3: "confirmed", 4: "online"}

// Profile is what a Tox save holds, minus the secret key (only its
// presence is reported: it is the account's identity).
type Profile struct {
	PublicKey     []byte
	Nospam        []byte
	SecretPresent bool
	Name          []byte
	NameSet       bool
	StatusMessage []byte
	StatusSet     bool
	UserStatus    int // -1 when absent
	Friends       []Friend
	Sections      []Section
	Ended         bool // the END section was reached
}

// Section is one state section with its offset, for provenance.
type Section struct {
	Type   uint16
	Offset int64 // of the section header
	Length int64 // of the data
}

// Friend is one saved friend entry.
type Friend struct {
	Offset        int64 // of the entry in the file
	Status        byte
	PublicKey     []byte
	Request       []byte // the friend-request message we sent
	Name          []byte
	StatusMessage []byte
	UserStatus    byte
	Nospam        []byte
	LastSeen      uint64 // unix seconds, 0 = never
}

// ToxID is the 38-byte address, upper-case hex as Tox clients show it:
// public key, nospam, and a two-byte XOR checksum.
func (p *Profile) ToxID() string {
	if len(p.PublicKey) != pkSize || len(p.Nospam) != 4 {
		return ""
	}
	addr := append(append([]byte{}, p.PublicKey...), p.Nospam...)
	var sum [2]byte
	for i, b := range addr {
		sum[i%2] ^= b
	}
	return strings.ToUpper(hex.EncodeToString(append(addr, sum[:]...)))
}

// Problem is a damaged part of a profile, with its offset.
type Problem struct {
	Offset int64
	Msg    string
}

var (
	ErrNotProfile = errors.New("qtox: not a Tox profile")
	ErrEncrypted  = errors.New("qtox: profile is encrypted (toxEsave)")
	ErrPassphrase = errors.New("qtox: passphrase does not open the encrypted profile")
)

// IsProfile reports whether head starts like a Tox save (plain or encrypted).
func IsProfile(head []byte) bool {
	if bytes.HasPrefix(head, EncryptedMagic) {
		return true
	}
	return len(head) >= headerSize && binary.LittleEndian.Uint32(head) == 0 && binary.LittleEndian.Uint32(head[4:]) == stateCookieGlobal
}

// ReadProfile parses a plain Tox save. It never panics on hostile input:
// a section that overruns the file or has a bad cookie ends the walk with a
// problem; a malformed known section is skipped with a problem.
func ReadProfile(b []byte) (*Profile, []Problem, error) {
	if bytes.HasPrefix(b, EncryptedMagic) {
		return nil, nil, ErrEncrypted
	}
	if !IsProfile(b) {
		return nil, nil, ErrNotProfile
	}
	p := &Profile{UserStatus: -1}
	var probs []Problem
	off := int64(headerSize)
	for off < int64(len(b)) {
		if int64(len(b))-off < sectionHeaderSize {
			probs = append(probs, Problem{off, fmt.Sprintf("%d trailing bytes, too short for a section header", int64(len(b))-off)})
			break
		}
		h := b[off:]
		length := int64(binary.LittleEndian.Uint32(h))
		typ := binary.LittleEndian.Uint16(h[4:])
		if cookie := binary.LittleEndian.Uint16(h[6:]); cookie != stateCookieType {
			probs = append(probs, Problem{off + 6, fmt.Sprintf("section cookie %#04x, want %#04x: walk stopped", cookie, stateCookieType)})
			break
		}
		dataOff := off + sectionHeaderSize
		if length > int64(len(b))-dataOff {
			probs = append(probs, Problem{off, fmt.Sprintf("section type %d claims %d bytes, %d remain: walk stopped", typ, length, int64(len(b))-dataOff)})
			break
		}
		data := b[dataOff : dataOff+length]
		p.Sections = append(p.Sections, Section{Type: typ, Offset: off, Length: length})
		switch typ {
		case secNospamKeys:
			if len(data) != nospamKeysSize {
				probs = append(probs, Problem{dataOff, fmt.Sprintf("NOSPAMKEYS is %d bytes, want %d", len(data), nospamKeysSize)})
				break
			}
			p.Nospam = append([]byte{}, data[:4]...)
			p.PublicKey = append([]byte{}, data[4:4+pkSize]...)
			p.SecretPresent = !bytes.Equal(data[4+pkSize:], make([]byte, pkSize))
		case secFriends:
			if len(data)%savedFriendSize != 0 {
				probs = append(probs, Problem{dataOff, fmt.Sprintf("FRIENDS is %d bytes, not a multiple of %d: trailing %d ignored", len(data), savedFriendSize, len(data)%savedFriendSize)})
			}
			for i := 0; i+savedFriendSize <= len(data); i += savedFriendSize {
				f, pr := readFriend(data[i:i+savedFriendSize], dataOff+int64(i))
				probs = append(probs, pr...)
				p.Friends = append(p.Friends, f)
			}
		case secName:
			p.Name, p.NameSet = append([]byte{}, data[:min(len(data), maxName)]...), true
			if len(data) > maxName {
				probs = append(probs, Problem{dataOff, fmt.Sprintf("NAME is %d bytes, over toxcore's %d: cut", len(data), maxName)})
			}
		case secStatusMessage:
			p.StatusMessage, p.StatusSet = append([]byte{}, data[:min(len(data), maxStatus)]...), true
			if len(data) > maxStatus {
				probs = append(probs, Problem{dataOff, fmt.Sprintf("STATUSMESSAGE is %d bytes, over toxcore's %d: cut", len(data), maxStatus)})
			}
		case secStatus:
			if len(data) == 1 {
				p.UserStatus = int(data[0])
			} else {
				probs = append(probs, Problem{dataOff, fmt.Sprintf("STATUS is %d bytes, want 1", len(data))})
			}
		case secEnd:
			p.Ended = true
		}
		off = dataOff + length
		if p.Ended {
			break
		}
	}
	return p, probs, nil
}

func readFriend(e []byte, off int64) (Friend, []Problem) {
	var probs []Problem
	f := Friend{Offset: off, Status: e[0], PublicKey: append([]byte{}, e[1:33]...), UserStatus: e[2200],
		Nospam: append([]byte{}, e[2204:2208]...), LastSeen: binary.BigEndian.Uint64(e[2208:])}
	field := func(name string, data []byte, n uint16, at int64) []byte {
		if int(n) > len(data) {
			probs = append(probs, Problem{off + at, fmt.Sprintf("friend %s length %d over its %d-byte field: cut", name, n, len(data))})
			n = uint16(len(data))
		}
		return append([]byte{}, data[:n]...)
	}
	f.Request = field("request", e[33:33+maxRequest], binary.BigEndian.Uint16(e[1058:]), 1058)
	f.Name = field("name", e[1060:1060+maxName], binary.BigEndian.Uint16(e[1188:]), 1188)
	f.StatusMessage = field("status message", e[1190:1190+maxStatus], binary.BigEndian.Uint16(e[2198:]), 2198)
	return f, probs
}

// DecryptProfile opens a toxEsave profile with the profile passphrase.
func DecryptProfile(b []byte, passphrase string) ([]byte, error) {
	if !bytes.HasPrefix(b, EncryptedMagic) {
		return nil, ErrNotProfile
	}
	if len(b) < passExtra {
		return nil, fmt.Errorf("qtox: encrypted profile of %d bytes is shorter than its %d-byte envelope", len(b), passExtra)
	}
	salt := b[8 : 8+passSaltSize]
	var nonce [passNonceSize]byte
	copy(nonce[:], b[8+passSaltSize:])
	pw := sha256.Sum256([]byte(passphrase))
	k, err := scrypt.Key(pw[:], salt, scryptN, scryptR, scryptP, 32)
	if err != nil {
		return nil, fmt.Errorf("qtox: derive key: %w", err)
	}
	var key [32]byte
	copy(key[:], k)
	out, ok := secretbox.Open(nil, b[8+passSaltSize+passNonceSize:], &nonce, &key)
	if !ok {
		return nil, ErrPassphrase
	}
	return out, nil
}
