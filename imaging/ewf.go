package imaging

// EWF-E01 reader, written from the public description of the Expert Witness
// Compression Format (libewf's documentation). What it relies on:
//
//   - Each segment file starts with the 13-byte header "EVF\t\r\n\xff\x00",
//     0x01, the u16 segment number and u16 0.
//   - Sections follow, each with a 76-byte descriptor: type[16], u64 offset of
//     the next descriptor, u64 section size (descriptor included), 40 bytes of
//     padding and the Adler-32 of the first 72 bytes.
//   - "header2" (zlib, UTF-16LE) and "header" (zlib, ASCII) carry the case
//     metadata as tab-separated key and value lines after a "main" line.
//   - "volume"/"disk" (and "data" in later segments) give the chunk count,
//     sectors per chunk, bytes per sector and sector count.
//   - "sectors" holds the chunks; the following "table" lists them: u32
//     count, u32 pad, u64 base offset, u32 pad, Adler-32 of those 20 bytes,
//     then u32 entries (bit 31 = compressed, bits 0-30 = offset from the
//     base) and an Adler-32 of the entries. "table2" mirrors "table".
//   - A chunk is a zlib stream, or raw data followed by its Adler-32.
//   - "hash" holds the MD5 and "digest" the MD5 and SHA-1 of the media;
//     "error2" lists sector ranges the acquisition could not read; "next"
//     ends a segment that has a successor and "done" the last one.
//
// All sizes read from the file are bounded before they are used, so a
// crafted container cannot make the reader allocate without limit.

import (
	"bytes"
	"compress/zlib"
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/adler32"
	"io"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf16"

	"github.com/loupe-forensics/loupe/forensic/source"
)

const (
	ewfFileHeaderSize  = 13
	ewfDescriptorSize  = 76
	ewfMaxChunkSize    = 64 << 20 // far above EnCase's 32 KiB default; bounds allocation
	ewfMaxHeaderSize   = 1 << 20  // compressed or not, header sections are a few KiB
	ewfMaxSections     = 1 << 20  // per segment; guards against descriptor loops
	ewfChunkSlack      = 1024     // a stored chunk may exceed the chunk size by a little (zlib framing)
	ewfTableHeaderSize = 24
)

// ewfTable is one table section: the chunks it lists are
// first … first+len(entries)-1.
type ewfTable struct {
	seg     int
	first   int
	base    int64
	entries []uint32
	end     int64 // file offset where the last chunk's data ends
}

type ewfImage struct {
	segs       []*evidenceFile
	sectorSize int
	sectorsPer int
	chunkSize  int
	nChunks    int
	sectors    int64
	size       int64
	tables     []ewfTable
	stored     Digests
	meta       Metadata
	cache      *chunkCache
	workers    int
	scratch    sync.Pool // of *chunkScratch
}

// openEWF opens the named segments in order.
func openEWF(ctx context.Context, names []string) (Image, error) {
	e := &ewfImage{cache: newChunkCache(64), workers: runtime.GOMAXPROCS(0)}
	var h2, h1 map[string]string
	done := false
	for i, name := range names {
		if err := ctx.Err(); err != nil {
			e.Close()
			return nil, err
		}
		f, err := openEvidence(name)
		if err != nil {
			e.Close()
			return nil, err
		}
		e.segs = append(e.segs, f)
		seg, err := e.parseSegment(i, f)
		if err != nil {
			e.Close()
			return nil, err
		}
		if seg.header2 != nil && h2 == nil {
			h2 = seg.header2
		}
		if seg.header != nil && h1 == nil {
			h1 = seg.header
		}
		if seg.done {
			done = true
			if i != len(names)-1 {
				// Files after "done" are not part of this image.
				for _, extra := range e.segs[i+1:] {
					extra.Close()
				}
				e.segs = e.segs[:i+1]
			}
			break
		}
	}
	if e.chunkSize == 0 {
		e.Close()
		return nil, fmt.Errorf("%w: %s has no volume section", ErrCorrupt, names[0])
	}
	listed := 0
	for _, t := range e.tables {
		listed += len(t.entries)
	}
	if listed < e.nChunks || !done {
		last := e.segs[len(e.segs)-1].path
		ext := filepath.Ext(last)
		next := strings.TrimSuffix(last, ext) + "." + ewfSuffix(len(e.segs)+1)
		if ext != "" && ext[1] >= 'a' && ext[1] <= 'z' {
			next = strings.TrimSuffix(last, ext) + "." + strings.ToLower(ewfSuffix(len(e.segs)+1))
		}
		e.Close()
		return nil, fmt.Errorf("%w: %s (the tables so far list %d of %d chunks and %s does not end the image)",
			ErrMissingSegment, next, listed, e.nChunks, filepath.Base(last))
	}
	if listed > e.nChunks {
		e.Close()
		return nil, fmt.Errorf("%w: tables list %d chunks, volume says %d", ErrCorrupt, listed, e.nChunks)
	}
	e.meta = ewfMetadata(h2, h1)
	return e, nil
}

type segmentInfo struct {
	header2, header map[string]string
	done            bool
}

// ewfFormatError names the file and offset of a structural problem.
func ewfFormatError(f *evidenceFile, off int64, sentinel error, format string, a ...any) error {
	return fmt.Errorf("%w: %s at byte %d: %s", sentinel, f.path, off, fmt.Sprintf(format, a...))
}

func (e *ewfImage) parseSegment(index int, f *evidenceFile) (segmentInfo, error) {
	var info segmentInfo
	hdr := make([]byte, ewfFileHeaderSize)
	if n, _ := f.f.ReadAt(hdr, 0); n < len(hdr) {
		return info, ewfFormatError(f, 0, ErrTruncated, "file header is %d bytes", n)
	}
	if !bytes.Equal(hdr[:8], ewfSignature) {
		return info, ewfFormatError(f, 0, ErrNotImage, "no EWF signature: not a segment of this image")
	}
	if num := int(binary.LittleEndian.Uint16(hdr[9:])); num != index+1 {
		return info, ewfFormatError(f, 9, ErrCorrupt, "segment number %d, expected %d (segments out of order?)", num, index+1)
	}
	var (
		off        int64 = ewfFileHeaderSize
		sectorsEnd int64 = -1
		tableErr   error // the last table was unreadable; only a table2 can stand in
	)
	desc := make([]byte, ewfDescriptorSize)
	for count := 0; ; count++ {
		if count >= ewfMaxSections {
			return info, ewfFormatError(f, off, ErrCorrupt, "more than %d sections", ewfMaxSections)
		}
		if n, _ := f.f.ReadAt(desc, off); n < len(desc) {
			return info, ewfFormatError(f, off, ErrTruncated, "section descriptor cut short (file is %d bytes): the segment is truncated", f.size)
		}
		if got, want := adler32.Checksum(desc[:72]), binary.LittleEndian.Uint32(desc[72:]); got != want {
			return info, ewfFormatError(f, off, ErrCorrupt, "section descriptor checksum %08x, stored %08x", got, want)
		}
		typ := string(bytes.TrimRight(desc[:16], "\x00"))
		next := int64(binary.LittleEndian.Uint64(desc[16:]))
		size := int64(binary.LittleEndian.Uint64(desc[24:]))
		if size < 0 || off+size > f.size || (size != 0 && size < ewfDescriptorSize) {
			return info, ewfFormatError(f, off, ErrTruncated, "%q section of %d bytes runs past the end of the file (%d bytes)", typ, size, f.size)
		}
		dataOff, dataLen := off+ewfDescriptorSize, size-ewfDescriptorSize
		if size == 0 {
			dataLen = 0
		}
		switch typ {
		case "header2", "header":
			m, err := readHeaderSection(f, dataOff, dataLen, typ == "header2")
			if err != nil {
				return info, err
			}
			if typ == "header2" {
				info.header2 = m
			} else {
				info.header = m
			}
		case "volume", "disk", "data":
			if err := e.parseVolume(f, dataOff, dataLen, typ); err != nil {
				return info, err
			}
		case "sectors":
			sectorsEnd = off + size
		case "table", "table2":
			if e.chunkSize == 0 {
				return info, ewfFormatError(f, off, ErrCorrupt, "table before the volume section")
			}
			if typ == "table2" && tableErr == nil {
				break // the mirror of a table that was read fine
			}
			end := sectorsEnd
			if end < 0 || end > off {
				end = off + size // EnCase 1-5: chunks follow the offsets inside the table section
			}
			t, err := e.parseTable(index, f, dataOff, dataLen, end)
			if typ == "table" && err != nil {
				tableErr = err // table2 may still be good
				break
			}
			if err != nil {
				return info, fmt.Errorf("%w (and its table2 mirror: %w)", tableErr, err)
			}
			e.tables = append(e.tables, t)
			tableErr = nil
		case "hash":
			if dataLen >= 16 {
				b := make([]byte, 16)
				if _, err := f.f.ReadAt(b, dataOff); err == nil && !allZero(b) {
					e.stored.MD5 = hex.EncodeToString(b)
				}
			}
		case "digest":
			if dataLen >= 36 {
				b := make([]byte, 36)
				if _, err := f.f.ReadAt(b, dataOff); err == nil {
					if !allZero(b[:16]) {
						e.stored.MD5 = hex.EncodeToString(b[:16])
					}
					if !allZero(b[16:36]) {
						e.stored.SHA1 = hex.EncodeToString(b[16:36])
					}
				}
			}
		case "error2":
			e.parseError2(f, dataOff, dataLen)
		case "done":
			info.done = true
			return info, nil
		case "next":
			return info, nil
		}
		if tableErr != nil && typ != "table" && typ != "table2" {
			return info, tableErr // a bad table with no table2 after it
		}
		if next <= off {
			return info, ewfFormatError(f, off, ErrCorrupt, "%q section points back to byte %d", typ, next)
		}
		off = next
	}
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

func (e *ewfImage) parseVolume(f *evidenceFile, off, n int64, typ string) error {
	if n < 24 {
		return ewfFormatError(f, off, ErrCorrupt, "%s section of %d bytes is too short", typ, n)
	}
	b := make([]byte, 24)
	if _, err := f.f.ReadAt(b, off); err != nil {
		return ewfFormatError(f, off, ErrTruncated, "%s section: %v", typ, err)
	}
	chunks := int64(binary.LittleEndian.Uint32(b[4:]))
	spc := int64(binary.LittleEndian.Uint32(b[8:]))
	bps := int64(binary.LittleEndian.Uint32(b[12:]))
	sectors := int64(binary.LittleEndian.Uint64(b[16:]))
	switch bps {
	case 512, 1024, 2048, 4096:
	default:
		return ewfFormatError(f, off+12, ErrCorrupt, "bytes per sector %d", bps)
	}
	if spc < 1 || spc*bps > ewfMaxChunkSize {
		return ewfFormatError(f, off+8, ErrCorrupt, "sectors per chunk %d gives a chunk over %d bytes", spc, ewfMaxChunkSize)
	}
	if sectors < 0 || sectors > 1<<48 || (sectors+spc-1)/spc != chunks {
		return ewfFormatError(f, off+16, ErrCorrupt, "%d sectors do not fill %d chunks of %d sectors", sectors, chunks, spc)
	}
	if e.chunkSize != 0 {
		// Later segments repeat the volume in a "data" section: it must agree.
		if int(spc*bps) != e.chunkSize || sectors != e.sectors {
			return ewfFormatError(f, off, ErrCorrupt, "%s section disagrees with the first segment's volume", typ)
		}
		return nil
	}
	e.sectorSize, e.sectorsPer, e.chunkSize = int(bps), int(spc), int(spc*bps)
	e.nChunks, e.sectors, e.size = int(chunks), sectors, sectors*bps
	return nil
}

func (e *ewfImage) parseTable(seg int, f *evidenceFile, off, n, end int64) (ewfTable, error) {
	if n < ewfTableHeaderSize {
		return ewfTable{}, ewfFormatError(f, off, ErrCorrupt, "table of %d bytes", n)
	}
	h := make([]byte, ewfTableHeaderSize)
	if _, err := f.f.ReadAt(h, off); err != nil {
		return ewfTable{}, ewfFormatError(f, off, ErrTruncated, "table header: %v", err)
	}
	if got, want := adler32.Checksum(h[:20]), binary.LittleEndian.Uint32(h[20:]); got != want {
		return ewfTable{}, ewfFormatError(f, off, ErrCorrupt, "table header checksum %08x, stored %08x", got, want)
	}
	count := int64(binary.LittleEndian.Uint32(h))
	base := int64(binary.LittleEndian.Uint64(h[8:]))
	if count == 0 || count*4 > n-ewfTableHeaderSize {
		return ewfTable{}, ewfFormatError(f, off, ErrCorrupt, "table claims %d entries in %d bytes", count, n)
	}
	raw := make([]byte, count*4)
	if _, err := f.f.ReadAt(raw, off+ewfTableHeaderSize); err != nil {
		return ewfTable{}, ewfFormatError(f, off, ErrTruncated, "table entries: %v", err)
	}
	if n >= ewfTableHeaderSize+count*4+4 {
		c := make([]byte, 4)
		if _, err := f.f.ReadAt(c, off+ewfTableHeaderSize+count*4); err == nil {
			if got, want := adler32.Checksum(raw), binary.LittleEndian.Uint32(c); got != want {
				return ewfTable{}, ewfFormatError(f, off, ErrCorrupt, "table entries checksum %08x, stored %08x", got, want)
			}
		}
	}
	first := 0
	if k := len(e.tables); k > 0 {
		first = e.tables[k-1].first + len(e.tables[k-1].entries)
	}
	if first+int(count) > e.nChunks {
		return ewfTable{}, ewfFormatError(f, off, ErrCorrupt, "table lists chunks up to %d of %d", first+int(count), e.nChunks)
	}
	t := ewfTable{seg: seg, first: first, base: base, entries: make([]uint32, count), end: end}
	prev := int64(-1)
	for i := range t.entries {
		t.entries[i] = binary.LittleEndian.Uint32(raw[i*4:])
		o := base + int64(t.entries[i]&0x7fffffff)
		if o <= prev || o >= end {
			return ewfTable{}, ewfFormatError(f, off+ewfTableHeaderSize+int64(i)*4, ErrCorrupt, "chunk %d offset %d out of order or past the chunk data (ends %d)", first+i, o, end)
		}
		prev = o
	}
	return t, nil
}

// error2 lists the sector ranges the acquisition could not read.
func (e *ewfImage) parseError2(f *evidenceFile, off, n int64) {
	const hdr = 520
	if n < hdr {
		return
	}
	b := make([]byte, 4)
	if _, err := f.f.ReadAt(b, off); err != nil {
		return
	}
	count := int64(binary.LittleEndian.Uint32(b))
	if count <= 0 || count*8 > n-hdr {
		return
	}
	raw := make([]byte, count*8)
	if _, err := f.f.ReadAt(raw, off+hdr); err != nil {
		return
	}
	for i := int64(0); i < count; i++ {
		first := int64(binary.LittleEndian.Uint32(raw[i*8:]))
		num := int64(binary.LittleEndian.Uint32(raw[i*8+4:]))
		if num > 0 {
			e.meta.AcquisitionErrors = append(e.meta.AcquisitionErrors, [2]int64{first, first + num - 1})
		}
	}
}

func readHeaderSection(f *evidenceFile, off, n int64, utf16le bool) (map[string]string, error) {
	if n <= 0 || n > ewfMaxHeaderSize {
		return nil, ewfFormatError(f, off, ErrCorrupt, "header section of %d bytes", n)
	}
	raw := make([]byte, n)
	if _, err := f.f.ReadAt(raw, off); err != nil {
		return nil, ewfFormatError(f, off, ErrTruncated, "header section: %v", err)
	}
	zr, err := zlib.NewReader(bytes.NewReader(raw))
	if err != nil {
		return nil, ewfFormatError(f, off, ErrCorrupt, "header section: %v", err)
	}
	text, err := io.ReadAll(io.LimitReader(zr, ewfMaxHeaderSize))
	if err != nil {
		return nil, ewfFormatError(f, off, ErrCorrupt, "header section: %v", err)
	}
	s := string(text)
	if utf16le {
		u := make([]uint16, len(text)/2)
		for i := range u {
			u[i] = binary.LittleEndian.Uint16(text[i*2:])
		}
		s = string(utf16.Decode(u))
	}
	return parseHeaderText(s), nil
}

// parseHeaderText reads the key line and value line after "main".
func parseHeaderText(s string) map[string]string {
	s = strings.TrimPrefix(s, "\ufeff")
	lines := strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	for i := 0; i+2 < len(lines); i++ {
		if strings.TrimSpace(lines[i]) != "main" {
			continue
		}
		keys, vals := strings.Split(lines[i+1], "\t"), strings.Split(lines[i+2], "\t")
		m := map[string]string{}
		for k, key := range keys {
			if k < len(vals) && vals[k] != "" {
				m[strings.TrimSpace(key)] = vals[k]
			}
		}
		return m
	}
	return nil
}

// ewfMetadata prefers header2 (Unicode, epoch times) over header.
func ewfMetadata(h2, h1 map[string]string) Metadata {
	get := func(k string) string {
		if v := h2[k]; v != "" {
			return v
		}
		return h1[k]
	}
	m := Metadata{
		CaseNumber: get("c"), EvidenceNumber: get("n"), Examiner: get("e"),
		Description: get("a"), Notes: get("t"),
	}
	if av := get("av"); av != "" {
		m.AcquisitionSoftware = "EWF acquisition software version " + av
		if ov := get("ov"); ov != "" {
			m.AcquisitionSoftware += " on " + ov
		}
	}
	if t, ok := ewfTime(h2["m"], h1["m"]); ok {
		m.Acquired = &t
	}
	return m
}

// ewfTime reads the acquisition time: header2 stores POSIX seconds; header
// stores "YYYY M D h m s" in the acquiring machine's unstated local time,
// taken as UTC here (the record notes the container's zone is unknown).
func ewfTime(h2, h1 string) (time.Time, bool) {
	if sec, err := strconv.ParseInt(strings.TrimSpace(h2), 10, 64); err == nil && sec > 0 {
		return time.Unix(sec, 0).UTC(), true
	}
	f := strings.Fields(h1)
	if len(f) == 6 {
		var v [6]int
		for i := range f {
			n, err := strconv.Atoi(f[i])
			if err != nil {
				return time.Time{}, false
			}
			v[i] = n
		}
		return time.Date(v[0], time.Month(v[1]), v[2], v[3], v[4], v[5], 0, time.UTC), true
	}
	return time.Time{}, false
}

func (e *ewfImage) Format() string     { return FormatE01 }
func (e *ewfImage) Size() int64        { return e.size }
func (e *ewfImage) SectorSize() int    { return e.sectorSize }
func (e *ewfImage) Stored() Digests    { return e.stored }
func (e *ewfImage) Metadata() Metadata { return e.meta }
func (e *ewfImage) Ref() *source.Ref   { return source.Image(filepath.Base(e.segs[0].path)) }
func (e *ewfImage) Segments() []string {
	out := make([]string, len(e.segs))
	for i, s := range e.segs {
		out[i] = s.path
	}
	return out
}

func (e *ewfImage) Close() error {
	var first error
	for _, s := range e.segs {
		if err := s.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// locate returns the table holding chunk c and c's index in it.
func (e *ewfImage) locate(c int) (*ewfTable, int) {
	lo, hi := 0, len(e.tables)
	for lo < hi {
		m := (lo + hi) / 2
		if e.tables[m].first+len(e.tables[m].entries) <= c {
			lo = m + 1
		} else {
			hi = m
		}
	}
	t := &e.tables[lo]
	return t, c - t.first
}

// chunkLen is the media length of chunk c (the last one may be short).
func (e *ewfImage) chunkLen(c int) int {
	if rem := e.size - int64(c)*int64(e.chunkSize); rem < int64(e.chunkSize) {
		return int(rem)
	}
	return e.chunkSize
}

func (e *ewfImage) chunkError(c int, file, reason string) *ChunkError {
	first := int64(c) * int64(e.sectorsPer)
	last := first + int64(e.chunkLen(c)/e.sectorSize) - 1
	return &ChunkError{FirstSector: first, LastSector: last, File: file, Reason: reason}
}

// decode reads chunk c into dst (len(dst) == chunkLen(c)).
func (e *ewfImage) decode(c int, dst []byte) error {
	t, i := e.locate(c)
	f := e.segs[t.seg]
	off := t.base + int64(t.entries[i]&0x7fffffff)
	end := t.end
	if i+1 < len(t.entries) {
		end = t.base + int64(t.entries[i+1]&0x7fffffff)
	}
	stored := end - off
	if stored <= 0 || stored > int64(e.chunkSize)+ewfChunkSlack {
		return e.chunkError(c, f.path, fmt.Sprintf("stored chunk size %d at byte %d is impossible", stored, off))
	}
	sc, _ := e.scratch.Get().(*chunkScratch)
	if sc == nil {
		sc = new(chunkScratch)
	}
	defer e.scratch.Put(sc)
	if cap(sc.raw) < int(stored) {
		sc.raw = make([]byte, stored)
	}
	raw := sc.raw[:stored]
	if n, err := f.f.ReadAt(raw, off); n < len(raw) {
		return e.chunkError(c, f.path, fmt.Sprintf("short read at byte %d: %v", off+int64(n), err))
	}
	if t.entries[i]&0x80000000 != 0 {
		sc.br.Reset(raw)
		var err error
		if sc.zr == nil {
			sc.zr, err = zlib.NewReader(&sc.br)
		} else {
			err = sc.zr.(zlib.Resetter).Reset(&sc.br, nil)
		}
		if err != nil {
			sc.zr = nil // a reader left in an error state is not reused
			return e.chunkError(c, f.path, fmt.Sprintf("inflate error at byte %d: %v", off, err))
		}
		if _, err := io.ReadFull(sc.zr, dst); err != nil {
			return e.chunkError(c, f.path, fmt.Sprintf("inflate error at byte %d: %v", off, err))
		}
		// Reading to the end makes zlib check the stream's Adler-32.
		var one [1]byte
		if n, err := sc.zr.Read(one[:]); n != 0 || err != io.EOF {
			if err == nil || err == io.EOF {
				err = errors.New("more data than the chunk holds")
			}
			return e.chunkError(c, f.path, fmt.Sprintf("inflate error at byte %d: %v", off, err))
		}
		return nil
	}
	if stored != int64(len(dst))+4 {
		return e.chunkError(c, f.path, fmt.Sprintf("uncompressed chunk at byte %d is %d bytes, expected %d", off, stored, len(dst)+4))
	}
	if got, want := adler32.Checksum(raw[:len(dst)]), binary.LittleEndian.Uint32(raw[len(dst):]); got != want {
		return e.chunkError(c, f.path, fmt.Sprintf("bad Adler-32 at byte %d: computed %08x, stored %08x", off, got, want))
	}
	copy(dst, raw)
	return nil
}

// chunkScratch is per-decode working memory, pooled: a zlib reader carries
// about 40 KB of inflate state, and a verify pass decodes 32,768 chunks a GiB.
type chunkScratch struct {
	raw []byte
	br  bytes.Reader
	zr  io.ReadCloser
}

// chunk returns chunk c from the cache, decoding it on a miss.
func (e *ewfImage) chunk(c int) ([]byte, error) {
	if b := e.cache.get(c); b != nil {
		return b, nil
	}
	b := make([]byte, e.chunkLen(c))
	if err := e.decode(c, b); err != nil {
		return nil, err
	}
	e.cache.put(c, b)
	return b, nil
}

// ReadAt reads media bytes. Reads spanning several whole chunks decode them
// in parallel straight into p. On an unreadable chunk it returns the bytes
// before it and a *ChunkError, so a caller can resume after that chunk.
func (e *ewfImage) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, fmt.Errorf("imaging: negative offset %d", off)
	}
	if off >= e.size {
		return 0, io.EOF
	}
	want := len(p)
	if rem := e.size - off; int64(want) > rem {
		want = int(rem)
	}
	cs := int64(e.chunkSize)
	firstC, lastC := int(off/cs), int((off+int64(want)-1)/cs)
	errs := make([]error, lastC-firstC+1)
	work := func(c int) {
		start := int64(c) * cs
		lo, hi := max(start, off), min(start+int64(e.chunkLen(c)), off+int64(want))
		dst := p[lo-off : hi-off]
		if lo == start && hi-lo == int64(e.chunkLen(c)) {
			errs[c-firstC] = e.decode(c, dst) // whole chunk: no cache, no copy
			return
		}
		b, err := e.chunk(c)
		if err != nil {
			errs[c-firstC] = err
			return
		}
		copy(dst, b[lo-start:hi-start])
	}
	if n := lastC - firstC + 1; n >= 4 && e.workers > 1 {
		var wg sync.WaitGroup
		next := make(chan int, n)
		for c := firstC; c <= lastC; c++ {
			next <- c
		}
		close(next)
		for w := 0; w < e.workers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for c := range next {
					work(c)
				}
			}()
		}
		wg.Wait()
	} else {
		for c := firstC; c <= lastC; c++ {
			work(c)
		}
	}
	for i, err := range errs {
		if err != nil {
			n := int(max(int64(firstC+i)*cs-off, 0))
			return n, err
		}
	}
	if want < len(p) {
		return want, io.EOF
	}
	return want, nil
}

// chunkCache keeps recently decoded chunks for small, scattered reads (file
// systems read 4 KiB at a time from 32 KiB chunks).
type chunkCache struct {
	mu    sync.Mutex
	cap   int
	items map[int][]byte
	order []int // FIFO ring of keys
	pos   int
}

func newChunkCache(capacity int) *chunkCache {
	return &chunkCache{cap: capacity, items: make(map[int][]byte, capacity)}
}

func (c *chunkCache) get(k int) []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.items[k]
}

func (c *chunkCache) put(k int, b []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.items[k]; ok {
		return
	}
	if len(c.order) < c.cap {
		c.order = append(c.order, k)
	} else {
		delete(c.items, c.order[c.pos])
		c.order[c.pos] = k
		c.pos = (c.pos + 1) % c.cap
	}
	c.items[k] = b
}
