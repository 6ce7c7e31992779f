package pgp

import (
	"bytes"
	"fmt"
	"time"
)

// keyBlock is one transferable key: a primary key and what follows it up
// to the next primary key.
type keyBlock struct {
	Primary   *pubKey
	Packet    packet
	UIDs      []uidEntry
	Subkeys   []subEntry
	Revoked   bool
	RevokedAt time.Time
	Expires   time.Time // zero = no expiry
	Flags     int
	Trust     int // trust packets seen (legacy rings)
	Warnings  []string
}

type uidEntry struct {
	Text    string
	Packet  packet
	Certs   [][]byte // key IDs of certifications by other keys
	Created time.Time
	Revoked bool
}

type subEntry struct {
	Key       *pubKey
	Packet    packet
	Flags     int
	Expires   time.Time
	Revoked   bool
	RevokedAt time.Time
}

// assembleKeys groups packets into key blocks. Unparseable packets become
// warnings in the block; packets before the first key are ignored.
func assembleKeys(ps []packet) []*keyBlock {
	var out []*keyBlock
	var cur *keyBlock
	var curUID *uidEntry
	var curSub *subEntry
	var bestUIDSig, bestSubSig time.Time
	for _, p := range ps {
		switch p.Tag {
		case 5, 6:
			k, err := parsePubKey(p.Tag, p.Body)
			if err != nil {
				if cur != nil {
					cur.Warnings = append(cur.Warnings, fmt.Sprintf("key packet at offset %d: %v", p.Offset, err))
				}
				cur = nil
				continue
			}
			cur = &keyBlock{Primary: k, Packet: p}
			curUID, curSub = nil, nil
			bestUIDSig = time.Time{}
			out = append(out, cur)
		case 13, 17:
			if cur == nil {
				continue
			}
			text := "[user attribute]"
			if p.Tag == 13 {
				text = string(p.Body)
			}
			cur.UIDs = append(cur.UIDs, uidEntry{Text: text, Packet: p})
			curUID, curSub = &cur.UIDs[len(cur.UIDs)-1], nil
		case 7, 14:
			if cur == nil {
				continue
			}
			k, err := parsePubKey(p.Tag, p.Body)
			if err != nil {
				cur.Warnings = append(cur.Warnings, fmt.Sprintf("subkey packet at offset %d: %v", p.Offset, err))
				curSub, curUID = nil, nil
				continue
			}
			cur.Subkeys = append(cur.Subkeys, subEntry{Key: k, Packet: p})
			curSub, curUID = &cur.Subkeys[len(cur.Subkeys)-1], nil
			bestSubSig = time.Time{}
		case 12:
			if cur != nil {
				cur.Trust++
			}
		case 2:
			if cur == nil {
				continue
			}
			s, err := parseSig(p.Body)
			if err != nil {
				cur.Warnings = append(cur.Warnings, fmt.Sprintf("signature at offset %d: %v", p.Offset, err))
				continue
			}
			self := bytes.Equal(s.IssuerID(), cur.Primary.KeyID)
			switch {
			case s.Type == 0x20 && self:
				cur.Revoked, cur.RevokedAt = true, s.Created
			case s.Type == 0x28 && self && curSub != nil:
				curSub.Revoked, curSub.RevokedAt = true, s.Created
			case s.Type == 0x30 && curUID != nil && self:
				curUID.Revoked = true
			case s.Type >= 0x10 && s.Type <= 0x13 && curUID != nil:
				if !self {
					if id := s.IssuerID(); id != nil {
						curUID.Certs = append(curUID.Certs, id)
					}
					continue
				}
				if curUID.Created.IsZero() || s.Created.After(curUID.Created) {
					curUID.Created = s.Created
				}
				// gpg takes expiry and flags from the newest self-signature.
				if !s.Created.Before(bestUIDSig) {
					bestUIDSig = s.Created
					cur.Expires = time.Time{}
					if s.HasExpiry && s.KeyExpiry > 0 {
						cur.Expires = cur.Primary.Created.Add(time.Duration(s.KeyExpiry) * time.Second)
					}
					if s.HasFlags {
						cur.Flags = s.KeyFlags
					}
				}
			case s.Type == 0x18 && self && curSub != nil:
				if !s.Created.Before(bestSubSig) {
					bestSubSig = s.Created
					curSub.Expires = time.Time{}
					if s.HasExpiry && s.KeyExpiry > 0 {
						curSub.Expires = curSub.Key.Created.Add(time.Duration(s.KeyExpiry) * time.Second)
					}
					if s.HasFlags {
						curSub.Flags = s.KeyFlags
					}
				}
			}
		}
	}
	return out
}
