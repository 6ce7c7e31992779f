package pgp

import (
	"bufio"
	"encoding/base64"
	"io"
	"strings"
)

// Armour limits: a line longer than maxArmourLine is skipped (armour lines
// are 64 or 76 characters); at most maxArmourKeep decoded bytes of a block
// are kept for packet parsing, the rest only feeds the CRC.
const (
	maxArmourLine = 64 << 10
	maxArmourKeep = 8 << 20
)

// armourBlock is one "-----BEGIN PGP …-----" block.
type armourBlock struct {
	Type      string // "PUBLIC KEY BLOCK", "MESSAGE", "SIGNED MESSAGE", …
	Offset    int64  // of the BEGIN line
	Length    int64  // through the END line (or to where the scan stopped)
	Headers   map[string]string
	Data      []byte // decoded, up to maxArmourKeep
	Size      int64  // decoded bytes in total
	Truncated bool   // Data holds only the first maxArmourKeep bytes
	HasCRC    bool
	CRCOK     bool
	Complete  bool // END line found
	BadBase64 bool
	Disarmed  bool // lines prefixed with ':' (GnuPG's revocation certificates)
}

// scanArmour streams r and calls fn for every armour block; memory stays
// bounded by maxArmourLine + maxArmourKeep whatever the input size.
func scanArmour(r io.Reader, fn func(*armourBlock) error) error {
	br := bufio.NewReaderSize(r, 64<<10)
	var off int64
	var cur *armourBlock
	inHeaders := false
	var crc uint32
	var carry []byte // base64 characters not yet forming a 4-char group
	flush := func() error {
		if cur == nil {
			return nil
		}
		b := cur
		cur = nil
		b.CRCOK = b.HasCRC && b.CRCOK && crc24Final(crc) == b.crcWant()
		return fn(b)
	}
	for {
		line, n, long, err := readLine(br)
		lineOff := off
		off += int64(n)
		if n == 0 && err != nil {
			break
		}
		if long {
			if cur != nil {
				cur.BadBase64 = true
				cur.Length = off - cur.Offset
			}
			if err != nil {
				break
			}
			continue
		}
		t := strings.TrimRight(string(line), "\r\n \t")
		// GnuPG writes revocation certificates with a ':' before the
		// BEGIN line so that an accidental import does nothing.
		disarmed := false
		if strings.HasPrefix(t, ":-----BEGIN PGP ") {
			t, disarmed = t[1:], true
		}
		switch {
		case strings.HasPrefix(t, "-----BEGIN PGP ") && strings.HasSuffix(t, "-----"):
			if cur != nil && cur.Type != "SIGNED MESSAGE" {
				if err := flush(); err != nil {
					return err
				}
			} else if cur != nil {
				// The cleartext part ends where its signature begins.
				cur.Length = lineOff - cur.Offset
				cur.Complete = true
				if err := flush(); err != nil {
					return err
				}
			}
			cur = &armourBlock{Type: strings.TrimSuffix(strings.TrimPrefix(t, "-----BEGIN PGP "), "-----"), Offset: lineOff, Headers: map[string]string{}, Disarmed: disarmed}
			inHeaders, crc, carry = true, crc24Init, carry[:0]
		case cur == nil:
		case strings.HasPrefix(t, "-----END PGP ") && strings.HasSuffix(t, "-----"):
			cur.Complete = true
			cur.Length = off - cur.Offset
			if err := flush(); err != nil {
				return err
			}
		case inHeaders:
			if t == "" {
				inHeaders = false
			} else if k, v, ok := strings.Cut(t, ": "); ok {
				cur.Headers[k] = v
			} else if cur.Type != "SIGNED MESSAGE" {
				inHeaders = false // no header block: this is data already
				crc, carry = cur.addBase64(t, crc, carry)
			}
		case cur.Type == "SIGNED MESSAGE":
			cur.Size += int64(len(line))
		case strings.HasPrefix(t, "=") && len(t) == 5:
			if v, err := base64.StdEncoding.DecodeString(t[1:]); err == nil && len(v) == 3 {
				cur.HasCRC, cur.CRCOK = true, true
				cur.Headers["\x00crc"] = string(v)
			}
		default:
			crc, carry = cur.addBase64(t, crc, carry)
		}
		if cur != nil {
			cur.Length = off - cur.Offset
		}
		if err != nil {
			break
		}
	}
	return flush()
}

func (b *armourBlock) crcWant() uint32 {
	v := b.Headers["\x00crc"]
	if len(v) != 3 {
		return 0
	}
	return uint32(v[0])<<16 | uint32(v[1])<<8 | uint32(v[2])
}

// addBase64 decodes complete 4-character groups of t, carrying the rest.
func (b *armourBlock) addBase64(t string, crc uint32, carry []byte) (uint32, []byte) {
	for i := 0; i < len(t); i++ {
		c := t[i]
		if c == ' ' || c == '\t' {
			continue
		}
		carry = append(carry, c)
		if len(carry) == 4 {
			var d [3]byte
			n, err := base64.StdEncoding.Decode(d[:], carry)
			if err != nil {
				b.BadBase64 = true
			}
			crc = crc24Update(crc, d[:n])
			b.Size += int64(n)
			if keep := maxArmourKeep - len(b.Data); keep > 0 {
				b.Data = append(b.Data, d[:min(n, keep)]...)
			} else if n > 0 {
				b.Truncated = true
			}
			carry = carry[:0]
		}
	}
	return crc, carry
}

// readLine returns one line with its terminator; long is true when the line
// exceeded maxArmourLine (its bytes are consumed and dropped).
func readLine(br *bufio.Reader) (line []byte, n int, long bool, err error) {
	var buf []byte
	for {
		frag, e := br.ReadSlice('\n')
		n += len(frag)
		if n <= maxArmourLine {
			buf = append(buf, frag...)
		} else {
			long = true
		}
		if e == bufio.ErrBufferFull {
			continue
		}
		if long {
			return nil, n, true, e
		}
		return buf, n, false, e
	}
}

// CRC-24 (RFC 9580 §6.1).
const (
	crc24Init = 0xB704CE
	crc24Poly = 0x1864CFB
)

func crc24Update(crc uint32, d []byte) uint32 {
	for _, c := range d {
		crc ^= uint32(c) << 16
		for i := 0; i < 8; i++ {
			crc <<= 1
			if crc&0x1000000 != 0 {
				crc ^= crc24Poly
			}
		}
	}
	return crc
}

func crc24Final(crc uint32) uint32 { return crc & 0xFFFFFF }
