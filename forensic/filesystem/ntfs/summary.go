package ntfs

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"sort"

	"github.com/loupe-forensics/loupe/forensic/filesystem"
	"www.velocidex.com/golang/go-ntfs/parser"
)

// The listing fast path. A full walk decodes every MFT record twice (once
// for the name index, once for the entry); going through go-ntfs's
// attribute objects for that cost most of the walk's CPU (one small read
// and allocation per field). decodeSummary reads the same fields straight
// from the fixed-up record bytes, with the same bounds and the same
// quirks as the go-ntfs path in parseRecordMode (TestSummaryMatchesFull
// compares the two on every record of the fixtures). Records with an
// $ATTRIBUTE_LIST take the go-ntfs path, which expands the list.

// le16/le32/le64 read like go-ntfs's ParseUintN over a bytes.Reader: a
// field not wholly inside the record reads as zero.
func le8(b []byte, off int64) byte {
	if off < 0 || off >= int64(len(b)) {
		return 0
	}
	return b[off]
}

func le16(b []byte, off int64) uint16 {
	if off < 0 || off+2 > int64(len(b)) {
		return 0
	}
	return binary.LittleEndian.Uint16(b[off:])
}

func le32(b []byte, off int64) uint32 {
	if off < 0 || off+4 > int64(len(b)) {
		return 0
	}
	return binary.LittleEndian.Uint32(b[off:])
}

func le64(b []byte, off int64) uint64 {
	if off < 0 || off+8 > int64(len(b)) {
		return 0
	}
	return binary.LittleEndian.Uint64(b[off:])
}

// attrName decodes an attribute's name as go-ntfs's Name does (same cap,
// same decoder); names are rare, so the allocation does not matter.
func attrName(b []byte, off int64) string {
	n := int64(le8(b, off+9))
	if n == 0 {
		return ""
	}
	length := min(n*2, parser.MAX_ATTR_NAME_LENGTH)
	return parser.ParseUTF16String(bytes.NewReader(b), off+int64(le16(b, off+10)), length)
}

// decodeSummary decodes record id from its fixed-up bytes into a record
// without go-ntfs attribute objects: no stream pieces, runs or attribute
// table, so it serves listings, not reads. fallback is true when the record
// has an attribute list. light limits the decode to what the name index
// needs, as parseRecordMode's light mode does.
func decodeSummary(buf []byte, id, recSize int64, light bool) (rec *record, soft []error, fallback bool, err error) {
	rec = &record{
		id:    id,
		seq:   le16(buf, 16),
		flags: le16(buf, 22),
		base:  le64(buf, 32) & 0xFFFFFFFFFFFF,
		links: le16(buf, 18),
	}
	used, attrOff := int64(le16(buf, 24)), int64(le16(buf, 20))
	if used > recSize || attrOff >= used {
		return nil, nil, false, fmt.Errorf("%w: MFT record %d: used size %d, attributes at %d, record size %d",
			filesystem.ErrCorrupt, id, used, attrOff, recSize)
	}
	// First pass: an attribute list means go-ntfs must expand it.
	for off := attrOff; ; {
		alen := int64(le32(buf, off+4))
		if alen == 0 || alen+off > used {
			break
		}
		if le32(buf, off) == attrAttributeList {
			return nil, nil, true, nil
		}
		off += alen
	}
	type piece struct {
		name    string
		vcn     uint64
		res     bool
		size    int64
		seq     int
		content bool
	}
	var pieces []piece
	idxRoot := int64(-1)
	for off := attrOff; ; {
		alen := int64(le32(buf, off+4))
		if alen == 0 || alen+off > used {
			break
		}
		a := off
		off += alen
		typ := le32(buf, a)
		rec.nattrs++
		if light && typ != attrFileName {
			continue
		}
		resident := le8(buf, a+8) == 0
		var content []byte
		if resident {
			coff, csize := int64(le16(buf, a+20)), int64(le32(buf, a+16))
			if coff+csize > alen {
				if typ == attrFileName {
					soft = append(soft, fmt.Errorf("MFT record %d attribute 0x%X: %w", id, typ,
						fmt.Errorf("%w: resident content %d+%d exceeds attribute length %d", filesystem.ErrCorrupt, coff, csize, alen)))
				}
				continue
			}
			s, e := a+coff, a+coff+csize
			if s < 0 || e > int64(len(buf)) {
				if typ == attrFileName {
					soft = append(soft, fmt.Errorf("MFT record %d attribute 0x%X: %w", id, typ,
						fmt.Errorf("%w: resident content %d-%d outside the %d-byte record", filesystem.ErrCorrupt, s, e, len(buf))))
				}
				continue
			}
			content = buf[s:e:e]
		} else if typ == attrStandardInfo || typ == attrFileName {
			if typ == attrFileName {
				soft = append(soft, fmt.Errorf("%w: MFT record %d: non-resident attribute 0x%X", filesystem.ErrCorrupt, id, typ))
			}
			continue
		}
		switch typ {
		case attrStandardInfo:
			if rec.hasSI || len(content) < 32 {
				continue
			}
			rec.hasSI = true
			rec.si = filetimes(content[:32])
		case attrFileName:
			var fn fileName
			var err error
			if light {
				// The name index takes no times: skip their four
				// allocations per record.
				fn, err = decodeFileNameOnly(content)
			} else {
				fn, err = decodeFileName(content)
			}
			if err != nil {
				soft = append(soft, fmt.Errorf("MFT record %d: %w", id, err))
				continue
			}
			rec.names = append(rec.names, fn)
		case attrData:
			p := piece{name: attrName(buf, a), vcn: le64(buf, a+16), res: resident, seq: len(pieces)}
			if resident {
				p.size = int64(len(content))
			} else {
				p.size = int64(le64(buf, a+48))
			}
			pieces = append(pieces, p)
		case attrIndexRoot:
			if attrName(buf, a) == "$I30" {
				idxRoot = int64(len(content))
			}
		case attrReparsePoint:
			if content != nil {
				rec.reparse, rec.target = decodeReparse(content)
			}
		}
	}
	if idxRoot >= 0 {
		rec.dirSize = idxRoot
	}
	// Streams as buildStreams groups them: by name in first-seen order,
	// sizes from the piece with the lowest starting VCN, unnamed first.
	if len(pieces) > 0 {
		sort.SliceStable(pieces, func(i, j int) bool { return pieces[i].vcn < pieces[j].vcn })
		var out []*stream
		for _, p := range pieces {
			found := false
			for _, s := range out {
				if s.name == p.name {
					found = true
					break
				}
			}
			if found {
				continue // a later piece: the first by VCN carries the size
			}
			s := &stream{name: p.name, size: p.size, resOff: -1, isRes: p.res}
			if s.size < 0 {
				s.size = 0
			}
			out = append(out, s)
		}
		// First-seen attribute order among names, as buildStreams keeps.
		order := map[string]int{}
		for _, p := range pieces {
			if o, ok := order[p.name]; !ok || p.seq < o {
				order[p.name] = p.seq
			}
		}
		sort.SliceStable(out, func(i, j int) bool { return order[out[i].name] < order[out[j].name] })
		sort.SliceStable(out, func(i, j int) bool { return out[i].name == "" && out[j].name != "" })
		rec.streams = out
	}
	return rec, soft, false, nil
}

// summaryRecord reads record id and decodes it for a listing, through
// go-ntfs only when the record has an attribute list.
func (f *FS) summaryRecord(id int64, light bool) (*record, []error, error) {
	// One scratch record under mu: decodeSummary keeps nothing of buf
	// (names and targets are decoded into new strings), and a fresh 1 KiB
	// buffer per record was a measurable share of a walk.
	f.mu.Lock()
	if id < 0 || (f.nrec > 0 && id >= f.nrec) {
		f.mu.Unlock()
		return nil, nil, fmt.Errorf("ntfs: MFT record %d out of range (0-%d): %w", id, f.nrec-1, fsNotExist)
	}
	if int64(len(f.scratch)) != f.recSize {
		f.scratch = make([]byte, f.recSize)
	}
	buf, err := f.readRawInto(id, f.scratch)
	var rec *record
	var soft []error
	var fallback bool
	if err == nil {
		rec, soft, fallback, err = decodeSummary(buf, id, f.recSize, light)
	}
	f.mu.Unlock()
	if fallback {
		return f.parseRecordMode(id, light)
	}
	if err != nil {
		return nil, nil, err
	}
	rec.imgOff = f.mftImageOffset(id * f.recSize)
	return rec, soft, nil
}

// decodeFileNameOnly is decodeFileName without the times (same checks, same
// errors).
func decodeFileNameOnly(b []byte) (fileName, error) {
	if len(b) < 66 {
		return fileName{}, fmt.Errorf("%w: $FILE_NAME of %d bytes", filesystem.ErrCorrupt, len(b))
	}
	n := int(b[64])
	if 66+2*n > len(b) {
		return fileName{}, fmt.Errorf("%w: $FILE_NAME name of %d chars exceeds %d bytes", filesystem.ErrCorrupt, n, len(b))
	}
	ref := binary.LittleEndian.Uint64(b[0:8])
	return fileName{
		name:      decodeUTF16(b[66 : 66+2*n]),
		parent:    int64(ref & 0xFFFFFFFFFFFF),
		parentSeq: uint16(ref >> 48),
		space:     b[65],
	}, nil
}
