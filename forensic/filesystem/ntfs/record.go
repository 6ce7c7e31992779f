package ntfs

import (
	"encoding/binary"
	"fmt"
	"sort"
	"time"
	"unicode/utf16"

	"github.com/loupe-forensics/loupe/forensic/filesystem"
	"www.velocidex.com/golang/go-ntfs/parser"
)

// Attribute type codes (MS-FSCC / NTFS documentation).
const (
	attrStandardInfo    = 0x10
	attrAttributeList   = 0x20
	attrFileName        = 0x30
	attrData            = 0x80
	attrIndexRoot       = 0x90
	attrIndexAllocation = 0xA0
	attrReparsePoint    = 0xC0
)

// MFT record header flags.
const (
	recInUse     = 0x0001
	recDirectory = 0x0002
)

// $FILE_NAME namespaces.
const (
	nsPOSIX    = 0
	nsWin32    = 1
	nsDOS      = 2
	nsWin32DOS = 3
)

// Reparse tags (MS-FSCC 2.1.2.1).
const (
	reparseTagSymlink    = 0xA000000C
	reparseTagMountPoint = 0xA0000003
)

// Attribute flags of non-resident attributes.
const (
	attrFlagCompressed = 0x0001
	attrFlagEncrypted  = 0x4000
	attrFlagSparse     = 0x8000
)

// Attribute describes one attribute of an MFT entry, as istat lists them.
type Attribute struct {
	Type     uint32 `json:"type"`
	TypeName string `json:"type_name"`
	ID       uint16 `json:"id"`
	Name     string `json:"name,omitempty"`
	Resident bool   `json:"resident"`
	Size     int64  `json:"size"` // content size (resident) or actual size (non-resident, first piece)
	// Record is the MFT record holding the attribute when it is not the
	// base record (attribute lists).
	Record int64 `json:"record,omitempty"`
}

// fileName is one decoded $FILE_NAME attribute.
type fileName struct {
	name      string
	parent    int64
	parentSeq uint16
	space     byte
	// created, modified, MFT modified, accessed
	times [4]*time.Time
}

// stream is one $DATA attribute (all its VCN pieces).
type stream struct {
	name     string
	size     int64 // logical size
	initSize int64 // initialised size; bytes beyond read as zeros
	flags    uint16
	resident []byte // content of a resident attribute
	resOff   int64  // image offset of resident content, -1 when unknown
	pieces   []*parser.NTFS_ATTRIBUTE
	isRes    bool
}

// record is everything Loupe takes from one MFT record.
type record struct {
	id      int64
	seq     uint16
	flags   uint16
	base    uint64 // base record reference (non-zero: extension record)
	links   uint16
	nattrs  int
	names   []fileName
	si      [4]*time.Time // created, modified, MFT modified, accessed
	hasSI   bool
	streams []*stream // unnamed $DATA first, then named in attribute order
	// indexStreams are named $INDEX_ROOT attributes other than $I30.
	indexStreams []*stream
	attrs        []Attribute
	dirSize      int64
	reparse      uint32
	target       string
	imgOff       int64 // image offset of the record, -1 when unknown
}

func (r *record) inUse() bool { return r.flags&recInUse != 0 }
func (r *record) isDir() bool { return r.flags&recDirectory != 0 }

// defaultStream returns the unnamed $DATA stream or nil.
func (r *record) defaultStream() *stream {
	for _, s := range r.streams {
		if s.name == "" {
			return s
		}
	}
	return nil
}

// filetime converts a Windows FILETIME (100 ns ticks since 1601) to UTC. Zero
// means unset and gives nil: go-ntfs would turn it into a date in 2185.
func filetime(v uint64) *time.Time {
	if v == 0 {
		return nil
	}
	t := filetimeValue(v)
	return &t
}

// filetimes converts four FILETIMEs with one allocation (a listing decodes
// eight per record).
func filetimes(b []byte) (out [4]*time.Time) {
	var ts *[4]time.Time
	for i := range out {
		v := binary.LittleEndian.Uint64(b[8*i:])
		if v == 0 {
			continue
		}
		if ts == nil {
			ts = new([4]time.Time)
		}
		ts[i] = filetimeValue(v)
		out[i] = &ts[i]
	}
	return out
}

// filetimeValue is filetime for a non-zero value.
func filetimeValue(v uint64) time.Time {
	const ticksTo1970 = 116444736000000000
	// Values above 2^63 are nonsense on disk; clamp rather than wrap so
	// they still show up as an absurd far-future date.
	ticks := int64(min(v, 1<<63-1))
	d := ticks - ticksTo1970
	return time.Unix(d/10_000_000, (d%10_000_000)*100).UTC()
}

// decodeUTF16 decodes little-endian UTF-16 (unpaired surrogates become U+FFFD).
func decodeUTF16(b []byte) string {
	// Most names are ASCII: build those without the []uint16 and []rune
	// round trip (a measurable share of a 100k-file walk).
	ascii := true
	for i := 0; i+1 < len(b); i += 2 {
		if b[i] >= 0x80 || b[i+1] != 0 {
			ascii = false
			break
		}
	}
	if ascii {
		// File names are at most 255 units: narrow them on the stack so
		// the string is the only allocation.
		var tmp [256]byte
		out := tmp[:0]
		if len(b)/2 > len(tmp) {
			out = make([]byte, 0, len(b)/2)
		}
		for i := 0; i+1 < len(b); i += 2 {
			out = append(out, b[i])
		}
		return string(out)
	}
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = binary.LittleEndian.Uint16(b[2*i:])
	}
	return string(utf16.Decode(u))
}

// residentContent reads a resident attribute's content, checking that it lies
// inside the attribute. go-ntfs would silently truncate.
func residentContent(a *parser.NTFS_ATTRIBUTE) ([]byte, error) {
	off, size, alen := int64(a.Content_offset()), int64(a.Content_size()), int64(a.Length())
	if off+size > alen {
		return nil, fmt.Errorf("%w: resident content %d+%d exceeds attribute length %d", filesystem.ErrCorrupt, off, size, alen)
	}
	// Attributes of a record Loupe read itself are sliced from its buffer
	// (the record is immutable once fixed up); others are copied out.
	if rr, ok := a.Reader.(recordReader); ok {
		s, e := a.Offset+off, a.Offset+off+size
		if s < 0 || e > int64(len(rr.buf)) {
			return nil, fmt.Errorf("%w: resident content %d-%d outside the %d-byte record", filesystem.ErrCorrupt, s, e, len(rr.buf))
		}
		return rr.buf[s:e:e], nil
	}
	buf := make([]byte, size)
	n, err := a.Reader.ReadAt(buf, a.Offset+off)
	if n < len(buf) {
		return nil, fmt.Errorf("%w: resident content truncated (%d of %d bytes): %v", filesystem.ErrCorrupt, n, size, err)
	}
	return buf, nil
}

// decodeFileName decodes a $FILE_NAME attribute's content.
func decodeFileName(b []byte) (fileName, error) {
	if len(b) < 66 {
		return fileName{}, fmt.Errorf("%w: $FILE_NAME of %d bytes", filesystem.ErrCorrupt, len(b))
	}
	n := int(b[64])
	if 66+2*n > len(b) {
		return fileName{}, fmt.Errorf("%w: $FILE_NAME name of %d chars exceeds %d bytes", filesystem.ErrCorrupt, n, len(b))
	}
	ref := binary.LittleEndian.Uint64(b[0:8])
	fn := fileName{
		name:      decodeUTF16(b[66 : 66+2*n]),
		parent:    int64(ref & 0xFFFFFFFFFFFF),
		parentSeq: uint16(ref >> 48),
		space:     b[65],
	}
	fn.times = filetimes(b[8:40])
	return fn, nil
}

// decodeReparse returns the tag and, for symbolic links and junctions, the
// print name (or the substitute name when the print name is empty).
func decodeReparse(b []byte) (uint32, string) {
	if len(b) < 8 {
		return 0, ""
	}
	tag := binary.LittleEndian.Uint32(b)
	var buf int
	switch tag {
	case reparseTagSymlink:
		buf = 20
	case reparseTagMountPoint:
		buf = 16
	default:
		return tag, ""
	}
	if len(b) < buf {
		return tag, ""
	}
	name := func(off, l int) string {
		s, e := buf+off, buf+off+l
		if off < 0 || l <= 0 || e > len(b) || s > e {
			return ""
		}
		return decodeUTF16(b[s:e])
	}
	sOff, sLen := int(binary.LittleEndian.Uint16(b[8:])), int(binary.LittleEndian.Uint16(b[10:]))
	pOff, pLen := int(binary.LittleEndian.Uint16(b[12:])), int(binary.LittleEndian.Uint16(b[14:]))
	if t := name(pOff, pLen); t != "" {
		return tag, t
	}
	return tag, name(sOff, sLen)
}

// buildStreams groups $DATA pieces by name, orders pieces by starting VCN and
// takes sizes from the piece that starts at VCN 0 (only it carries them).
func buildStreams(pieces []*parser.NTFS_ATTRIBUTE, resident map[*parser.NTFS_ATTRIBUTE][]byte,
	resOff map[*parser.NTFS_ATTRIBUTE]int64) ([]*stream, []error) {
	var out []*stream
	var errs []error
	byName := map[string]*stream{}
	for _, a := range pieces {
		name := a.Name()
		s := byName[name]
		if s == nil {
			s = &stream{name: name, resOff: -1}
			byName[name] = s
			out = append(out, s)
		}
		s.pieces = append(s.pieces, a)
	}
	for _, s := range out {
		sort.SliceStable(s.pieces, func(i, j int) bool {
			return s.pieces[i].Runlist_vcn_start() < s.pieces[j].Runlist_vcn_start()
		})
		first := s.pieces[0]
		if first.IsResident() {
			if len(s.pieces) > 1 {
				errs = append(errs, fmt.Errorf("%w: resident $DATA %q has %d pieces", filesystem.ErrCorrupt, s.name, len(s.pieces)))
			}
			s.isRes = true
			s.resident = resident[first]
			s.size = int64(len(s.resident))
			s.initSize = s.size
			if o, ok := resOff[first]; ok {
				s.resOff = o
			}
			continue
		}
		if first.Runlist_vcn_start() != 0 {
			errs = append(errs, fmt.Errorf("%w: $DATA %q has no piece starting at VCN 0", filesystem.ErrCorrupt, s.name))
		}
		s.flags = uint16(*first.Flags())
		s.size = int64(first.Actual_size())
		s.initSize = int64(first.Initialized_size())
		if s.size < 0 {
			errs = append(errs, fmt.Errorf("%w: $DATA %q size %d", filesystem.ErrCorrupt, s.name, s.size))
			s.size = 0
		}
		if s.initSize > s.size || s.initSize < 0 {
			s.initSize = s.size
		}
	}
	// The unnamed stream first; named streams keep attribute order.
	sort.SliceStable(out, func(i, j int) bool { return out[i].name == "" && out[j].name != "" })
	return out, errs
}

// mappingPair is one decoded data run in clusters; lcn is -1 for a sparse
// run (one without an offset field).
type mappingPair struct {
	lcn, length int64
}

// runlistBytes returns the mapping-pairs array of a non-resident attribute,
// bounded by the attribute's length.
func runlistBytes(a *parser.NTFS_ATTRIBUTE) ([]byte, error) {
	off, alen := int64(a.Runlist_offset()), int64(a.Length())
	if off < 64 || off >= alen {
		return nil, fmt.Errorf("%w: run list at %d in an attribute of %d bytes", filesystem.ErrCorrupt, off, alen)
	}
	buf := make([]byte, alen-off)
	if n, err := a.Reader.ReadAt(buf, a.Offset+off); n < len(buf) {
		return nil, fmt.Errorf("%w: run list truncated (%d of %d bytes): %v", filesystem.ErrCorrupt, n, len(buf), err)
	}
	return buf, nil
}

// decodeMappingPairs decodes an NTFS mapping-pairs array. go-ntfs's RunList
// cannot tell a sparse run from a run at cluster 0 ($Boot's), so Loupe
// decodes the header nibbles itself.
func decodeMappingPairs(b []byte) ([]mappingPair, error) {
	var out []mappingPair
	lcn := int64(0)
	for i := 0; i < len(b); {
		h := b[i]
		if h == 0 {
			return out, nil
		}
		nLen, nOff := int(h&0x0F), int(h>>4)
		if nLen == 0 || nLen > 8 || nOff > 8 {
			return out, fmt.Errorf("%w: run header 0x%02X at byte %d", filesystem.ErrCorrupt, h, i)
		}
		if i+1+nLen+nOff > len(b) {
			return out, fmt.Errorf("%w: run at byte %d runs past the attribute", filesystem.ErrCorrupt, i)
		}
		var length uint64
		for k := nLen - 1; k >= 0; k-- {
			length = length<<8 | uint64(b[i+1+k])
		}
		if length == 0 || length > 1<<48 {
			return out, fmt.Errorf("%w: run of %d clusters at byte %d", filesystem.ErrCorrupt, length, i)
		}
		p := mappingPair{lcn: -1, length: int64(length)}
		if nOff > 0 {
			var delta int64
			for k := nOff - 1; k >= 0; k-- {
				delta = delta<<8 | int64(b[i+1+nLen+k])
			}
			// Sign-extend from nOff bytes.
			if shift := uint(64 - 8*nOff); shift > 0 {
				delta = delta << shift >> shift
			}
			lcn += delta
			if lcn < 0 || lcn > 1<<48 {
				return out, fmt.Errorf("%w: run at byte %d points to cluster %d", filesystem.ErrCorrupt, i, lcn)
			}
			p.lcn = lcn
		}
		out = append(out, p)
		i += 1 + nLen + nOff
	}
	return out, nil
}
