package pgp

import (
	"bytes"
	"crypto/sha1"
	"encoding/binary"
	"errors"
	"fmt"
	"time"
)

// errKeybox is wrapped by keybox structure errors.
var errKeybox = errors.New("pgp: bad keybox")

// Keybox blob types (GnuPG kbx/keybox-blob.c).
const (
	blobEmpty   = 0
	blobHeader  = 1
	blobOpenPGP = 2
	blobX509    = 3
)

// kbxBlob is one keybox blob with the fields we report.
type kbxBlob struct {
	Offset      int64
	Length      int
	Type        int
	Version     int
	Flags       int
	Created     time.Time
	Fprs        [][]byte // per-key fingerprints stored in the blob
	UIDs        []kbxUID
	KeyBlock    []byte
	KeyBlockOff int64 // of KeyBlock, relative to the file
	ChecksumOK  bool
	Checksum    string // "sha1-ok", "sha1-bad", "zero" (not computed), "none"
}

type kbxUID struct {
	Off, Len int
	Flags    int
	Validity int
}

// maxBlob bounds one blob; GnuPG itself refuses blobs over 5 MB.
const maxBlob = 16 << 20

// walkKeybox reads the blobs of a keybox file held in b. It returns the
// blobs read and an error describing the first structural problem.
func walkKeybox(b []byte) ([]kbxBlob, error) {
	var out []kbxBlob
	for off := 0; off < len(b); {
		if len(b)-off < 5 {
			return out, fmt.Errorf("%w: %d trailing bytes at offset %d", errKeybox, len(b)-off, off)
		}
		l := int64(binary.BigEndian.Uint32(b[off:]))
		if l < 5 || l > maxBlob || l > int64(len(b)-off) {
			return out, fmt.Errorf("%w: blob at offset %d claims %d bytes, %d remain", errKeybox, off, l, len(b)-off)
		}
		blob, err := parseBlob(b[off:off+int(l)], int64(off))
		if err != nil {
			return out, fmt.Errorf("blob at offset %d: %w", off, err)
		}
		if off == 0 && blob.Type != blobHeader {
			return out, fmt.Errorf("%w: first blob is type %d, not the KBXf header", errKeybox, blob.Type)
		}
		out = append(out, blob)
		off += int(l)
	}
	return out, nil
}

func parseBlob(b []byte, base int64) (kbxBlob, error) {
	k := kbxBlob{Offset: base, Length: len(b), Type: int(b[4])}
	if len(b) >= 6 {
		k.Version = int(b[5])
	}
	switch k.Type {
	case blobHeader:
		if len(b) < 32 || string(b[8:12]) != "KBXf" {
			return k, fmt.Errorf("%w: header blob without KBXf magic", errKeybox)
		}
		k.Flags = int(binary.BigEndian.Uint16(b[6:]))
		k.Created = unix32(b[16:])
		k.Checksum = "none"
		return k, nil
	case blobOpenPGP, blobX509:
	default:
		k.Checksum = "none"
		return k, nil
	}
	r := &reader{b: b, i: 6}
	k.Flags = int(be16(r.bytes(2)))
	kbOff := int(be32(r.bytes(4)))
	kbLen := int(be32(r.bytes(4)))
	nkeys := int(be16(r.bytes(2)))
	keyInfo := int(be16(r.bytes(2)))
	if r.err != nil {
		return k, fmt.Errorf("%w: blob header: %v", errKeybox, r.err)
	}
	fprLen := 20
	if k.Version >= 2 { // GnuPG 2.3+: 32-byte fingerprint slots
		fprLen = 32
	}
	if keyInfo < fprLen || nkeys > 1024 {
		return k, fmt.Errorf("%w: %d keys of %d bytes", errKeybox, nkeys, keyInfo)
	}
	for i := 0; i < nkeys; i++ {
		ki := r.bytes(keyInfo)
		if ki == nil {
			return k, fmt.Errorf("%w: key info %d: %v", errKeybox, i, r.err)
		}
		k.Fprs = append(k.Fprs, ki[:fprLen])
	}
	r.bytes(int(be16(r.bytes(2)))) // serial number (X.509)
	nuids := int(be16(r.bytes(2)))
	uidInfo := int(be16(r.bytes(2)))
	if r.err != nil || uidInfo < 12 || nuids > 4096 {
		return k, fmt.Errorf("%w: user ID table (%d × %d): %v", errKeybox, nuids, uidInfo, r.err)
	}
	for i := 0; i < nuids; i++ {
		u := r.bytes(uidInfo)
		if u == nil {
			return k, fmt.Errorf("%w: user ID info %d: %v", errKeybox, i, r.err)
		}
		k.UIDs = append(k.UIDs, kbxUID{Off: int(be32(u)), Len: int(be32(u[4:])), Flags: int(be16(u[8:])), Validity: int(u[10])})
	}
	nsigs := int(be16(r.bytes(2)))
	sigInfo := int(be16(r.bytes(2)))
	if r.err != nil || nsigs > 1<<16 {
		return k, fmt.Errorf("%w: signature table: %v", errKeybox, r.err)
	}
	r.bytes(nsigs * sigInfo)
	r.bytes(4) // ownertrust, all_validity, reserved
	r.bytes(8) // recheck_after, latest_timestamp
	created := r.bytes(4)
	if r.err != nil {
		return k, fmt.Errorf("%w: blob trailer: %v", errKeybox, r.err)
	}
	k.Created = unix32(created)
	if kbOff < 0 || kbLen < 0 || kbOff > len(b) || kbLen > len(b)-kbOff {
		return k, fmt.Errorf("%w: keyblock %d+%d outside the %d byte blob", errKeybox, kbOff, kbLen, len(b))
	}
	k.KeyBlock = b[kbOff : kbOff+kbLen]
	k.KeyBlockOff = base + int64(kbOff)
	// The last 20 bytes are a SHA-1 of everything before them; GnuPG
	// may leave them zero.
	k.Checksum = "none"
	if len(b) >= kbOff+kbLen+20 {
		want := b[len(b)-20:]
		got := sha1.Sum(b[:len(b)-20])
		switch {
		case bytes.Equal(want, got[:]):
			k.Checksum, k.ChecksumOK = "sha1-ok", true
		case bytes.Equal(want, make([]byte, 20)):
			k.Checksum = "zero"
		default:
			k.Checksum = "sha1-bad"
		}
	}
	return k, nil
}

func be16(b []byte) uint16 {
	if len(b) < 2 {
		return 0
	}
	return binary.BigEndian.Uint16(b)
}

func be32(b []byte) uint32 {
	if len(b) < 4 {
		return 0
	}
	return binary.BigEndian.Uint32(b)
}

func unix32(b []byte) time.Time {
	v := be32(b)
	if v == 0 {
		return time.Time{}
	}
	return time.Unix(int64(v), 0).UTC()
}
