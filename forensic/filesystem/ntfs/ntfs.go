// Package ntfs implements the forensic file-system contract for NTFS on top
// of www.velocidex.com/golang/go-ntfs (boot sector, $MFT bootstrap, record
// fixups, attribute and attribute-list enumeration, run lists, LZNT1).
//
// Loupe adds what an examiner needs and go-ntfs does not give safely: every
// MFT record is visited (deleted ones too) and paths are rebuilt from the
// $FILE_NAME parent references, as TSK does; short reads become warnings
// instead of zeros; zero FILETIMEs are unset; resident and non-resident data
// are mapped to absolute image offsets; and every call into go-ntfs is
// guarded so hostile records produce warnings, never a panic.
package ntfs

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"

	"github.com/loupe-forensics/loupe/forensic/filesystem"
	"github.com/loupe-forensics/loupe/forensic/source"
	"www.velocidex.com/golang/go-ntfs/parser"
)

const (
	// pageSize and cachePages configure go-ntfs's PagedReader: 64 KiB
	// pages were measured 1.6-2x faster than 1 KiB ones for listing. MFT
	// records themselves come from the $MFT chunk cache (mftchunk.go)
	// whenever their chunk reads cleanly, so the pages serve go-ntfs's other
	// reads (file content, attribute lists, the fallback). Content is read
	// once, front to back, so keeping many pages buys nothing and made an
	// examination's memory grow with the image: 128 pages cap it at 8 MiB.
	pageSize   = 64 * 1024
	cachePages = 128

	rootRecord = 5
)

// errUnused marks an MFT slot that was never initialised (all zero).
var errUnused = errors.New("ntfs: unused MFT slot")

// FS is an opened NTFS volume. It is safe for concurrent use: go-ntfs's
// context is only used under mu.
type FS struct {
	ref         *source.Ref
	size        int64
	volOff      int64
	vol         *checkedReader
	warn        *warnings
	mu          sync.Mutex
	nc          *parser.NTFSContext
	paged       io.ReaderAt // go-ntfs's page cache over vol
	recSize     int64
	clusterSize int64
	nrec        int64
	mftRuns     []filesystem.Run // $MFT stream → image, FileOffset within $MFT
	chunks      mftChunks        // under mu
	scratch     []byte           // one record, under mu (summaryRecord)

	idxMu sync.Mutex
	idx   *index
}

// Open opens the NTFS file system on r (which covers exactly the volume).
// It returns an error wrapping filesystem.ErrWrongFormat when the volume
// has no NTFS boot sector, and filesystem.ErrCorrupt when it has one but the
// $MFT cannot be bootstrapped.
func Open(ctx context.Context, r io.ReaderAt, size, volumeOffset int64, parent *source.Ref) (filesystem.FS, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var boot [512]byte
	if n, err := r.ReadAt(boot[:], 0); n < len(boot) {
		return nil, fmt.Errorf("ntfs: boot sector at image offset %d: %w (%v)", volumeOffset, filesystem.ErrWrongFormat, err)
	}
	if string(boot[3:11]) != "NTFS    " || boot[510] != 0x55 || boot[511] != 0xAA {
		return nil, fmt.Errorf("ntfs: no NTFS boot sector at image offset %d: %w", volumeOffset, filesystem.ErrWrongFormat)
	}
	f := &FS{
		ref:    parent.FS(filesystem.KindNTFS, volumeOffset),
		size:   size,
		volOff: volumeOffset,
		warn:   &warnings{},
	}
	f.vol = &checkedReader{r: r, size: size, volOff: volumeOffset, fsRef: f.ref, warn: f.warn}
	if err := f.bootstrap(); err != nil {
		return nil, fmt.Errorf("ntfs: volume at image offset %d: %w", volumeOffset, err)
	}
	return f, nil
}

func (f *FS) bootstrap() (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%w: go-ntfs panicked bootstrapping the $MFT: %v", filesystem.ErrCorrupt, p)
		}
	}()
	paged, err := parser.NewPagedReader(f.vol, pageSize, cachePages)
	if err != nil {
		return err
	}
	nc, err := parser.GetNTFSContext(paged, 0)
	if err != nil {
		return fmt.Errorf("%w: %v", filesystem.ErrCorrupt, err)
	}
	f.nc = nc
	f.paged = paged
	f.clusterSize = nc.ClusterSize
	f.recSize = nc.GetRecordSize()
	if f.recSize < 256 || f.recSize > 64*1024 || f.recSize&(f.recSize-1) != 0 {
		return fmt.Errorf("%w: MFT record size %d", filesystem.ErrCorrupt, f.recSize)
	}
	if f.clusterSize <= 0 || f.clusterSize > 2*1024*1024 {
		return fmt.Errorf("%w: cluster size %d", filesystem.ErrCorrupt, f.clusterSize)
	}
	mft, _, err := f.parseRecord(0)
	if err != nil {
		return fmt.Errorf("$MFT record: %w", err)
	}
	ds := mft.defaultStream()
	if ds == nil || ds.isRes {
		return fmt.Errorf("%w: $MFT has no non-resident $DATA", filesystem.ErrCorrupt)
	}
	runs, err := f.streamRuns(ds)
	if err != nil {
		return fmt.Errorf("$MFT runs: %w", err)
	}
	f.mftRuns = runs
	f.nrec = ds.size / f.recSize
	if maxRec := f.size / f.recSize; f.nrec > maxRec {
		f.warn.add(f.ref, f.volOff, fmt.Errorf("%w: $MFT claims %d records, more than the volume holds; reading %d",
			filesystem.ErrCorrupt, f.nrec, maxRec))
		f.nrec = maxRec
	}
	return nil
}

// Attributes lists the attributes of an entry (attribute lists expanded),
// as istat shows them.
func (f *FS) Attributes(ctx context.Context, id filesystem.EntryID) ([]Attribute, error) {
	rec, _, err := f.recordEntry(ctx, id)
	if err != nil {
		return nil, err
	}
	return rec.attrs, nil
}

// Kind is "ntfs".
func (f *FS) Kind() string { return filesystem.KindNTFS }

// Ref is the provenance step of this file system.
func (f *FS) Ref() *source.Ref { return f.ref }

// Warnings returns the problems seen so far.
func (f *FS) Warnings() []filesystem.Warning { return f.warn.snapshot(f.ref) }

// mftImageOffset maps an offset in the $MFT stream to an absolute image
// offset, or -1.
func (f *FS) mftImageOffset(off int64) int64 {
	for _, r := range f.mftRuns {
		if off >= r.FileOffset && off < r.FileOffset+r.Length && !r.Sparse {
			return r.ImageOffset + off - r.FileOffset
		}
	}
	return -1
}

// entryID formats an MFT reference as "entry-sequence".
func entryID(id int64, seq uint16) filesystem.EntryID {
	return filesystem.EntryID(strconv.FormatInt(id, 10) + "-" + strconv.Itoa(int(seq)))
}

// parseID accepts "entry-sequence" or a bare entry number (sequence -1).
func parseID(id filesystem.EntryID) (int64, int, error) {
	s := string(id)
	num, seqs, hasSeq := strings.Cut(s, "-")
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n < 0 {
		return 0, 0, fmt.Errorf("ntfs: bad entry id %q: want entry-sequence", s)
	}
	if !hasSeq {
		return n, -1, nil
	}
	q, err := strconv.ParseUint(seqs, 10, 16)
	if err != nil {
		return 0, 0, fmt.Errorf("ntfs: bad entry id %q: want entry-sequence", s)
	}
	return n, int(q), nil
}

// parseRecord reads and decodes MFT record id. Problems inside an otherwise
// usable record come back as soft errors; a record that cannot be used at
// all is an error.
func (f *FS) parseRecord(id int64) (rec *record, soft []error, err error) {
	return f.parseRecordMode(id, false)
}

// parseRecordMode with light set decodes only what the name index needs
// (header, $FILE_NAMEs, attribute count): the index pass visits every
// record and most of the cost of a full decode is in the other attributes.
func (f *FS) parseRecordMode(id int64, light bool) (rec *record, soft []error, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	defer func() {
		if p := recover(); p != nil {
			rec, err = nil, fmt.Errorf("%w: MFT record %d: go-ntfs panicked: %v", filesystem.ErrCorrupt, id, p)
		}
	}()
	if id < 0 || (f.nrec > 0 && id >= f.nrec) {
		return nil, nil, fmt.Errorf("ntfs: MFT record %d out of range (0-%d): %w", id, f.nrec-1, fsNotExist)
	}
	e, err := f.readRecord(id)
	if err != nil {
		return nil, nil, err
	}
	rec = &record{
		id:     id,
		seq:    e.Sequence_value(),
		flags:  uint16(e.Flags().Value),
		base:   e.Base_record_reference() & 0xFFFFFFFFFFFF,
		links:  e.Link_count(),
		imgOff: f.mftImageOffset(id * f.recSize),
	}
	if used := int64(e.Mft_entry_size()); used > f.recSize || int64(e.Attribute_offset()) >= used {
		return nil, nil, fmt.Errorf("%w: MFT record %d: used size %d, attributes at %d, record size %d",
			filesystem.ErrCorrupt, id, used, e.Attribute_offset(), f.recSize)
	}
	var pieces []*parser.NTFS_ATTRIBUTE
	resident := map[*parser.NTFS_ATTRIBUTE][]byte{}
	resOff := map[*parser.NTFS_ATTRIBUTE]int64{}
	idxRoot := int64(-1)
	for _, a := range e.EnumerateAttributes(f.nc) {
		typ := a.Type().Value
		if typ == attrAttributeList {
			continue // go-ntfs already expanded it into the list
		}
		rec.nattrs++
		if light && typ != attrFileName {
			continue
		}
		at := Attribute{Type: uint32(typ), TypeName: a.Type().Name, ID: a.Attribute_id(), Name: a.Name(), Resident: a.IsResident()}
		if v, ok := a.Reader.(interface{ VtoP(int64) int64 }); ok {
			if r := v.VtoP(0) / f.recSize; r != id {
				at.Record = r
			}
		}
		if at.Resident {
			at.Size = int64(a.Content_size())
		} else {
			at.Size = int64(a.Actual_size())
		}
		if !at.Resident && a.Runlist_vcn_start() != 0 {
			at.Size = 0 // later pieces of a stream carry no sizes
		}
		rec.attrs = append(rec.attrs, at)
		var content []byte
		if a.IsResident() {
			c, err := residentContent(a)
			if err != nil {
				soft = append(soft, fmt.Errorf("MFT record %d attribute 0x%X: %w", id, typ, err))
				continue
			}
			content = c
		} else if typ == attrStandardInfo || typ == attrFileName {
			soft = append(soft, fmt.Errorf("%w: MFT record %d: non-resident attribute 0x%X", filesystem.ErrCorrupt, id, typ))
			continue
		}
		switch typ {
		case attrStandardInfo:
			if rec.hasSI {
				continue
			}
			if len(content) < 32 {
				soft = append(soft, fmt.Errorf("%w: MFT record %d: $STANDARD_INFORMATION of %d bytes", filesystem.ErrCorrupt, id, len(content)))
				continue
			}
			rec.hasSI = true
			for i, o := range []int{0, 8, 16, 24} {
				rec.si[i] = filetime(leUint64(content[o:]))
			}
		case attrFileName:
			fn, err := decodeFileName(content)
			if err != nil {
				soft = append(soft, fmt.Errorf("MFT record %d: %w", id, err))
				continue
			}
			rec.names = append(rec.names, fn)
		case attrData:
			pieces = append(pieces, a)
			if a.IsResident() {
				resident[a] = content
				if v, ok := a.Reader.(interface{ VtoP(int64) int64 }); ok {
					if img := f.mftImageOffset(v.VtoP(0)); img >= 0 {
						resOff[a] = img + a.Offset + int64(a.Content_offset())
					}
				}
			}
		case attrIndexRoot:
			switch name := a.Name(); name {
			case "$I30":
				idxRoot = int64(len(content))
			default:
				// Named index roots ($Secure:$SDH, $Quota:$O…) are
				// streams TSK lists and icat reads; Loupe opens them too.
				s := &stream{name: name, isRes: true, resident: content, size: int64(len(content)), initSize: int64(len(content)), resOff: -1}
				if v, ok := a.Reader.(interface{ VtoP(int64) int64 }); ok {
					if img := f.mftImageOffset(v.VtoP(0)); img >= 0 {
						s.resOff = img + a.Offset + int64(a.Content_offset())
					}
				}
				rec.indexStreams = append(rec.indexStreams, s)
			}
		case attrReparsePoint:
			if content != nil {
				rec.reparse, rec.target = decodeReparse(content)
			}
		}
	}
	// TSK reports a directory's size as that of its $I30 index root (the
	// allocation, when there is one, is a separate attribute).
	if idxRoot >= 0 {
		rec.dirSize = idxRoot
	}
	streams, errs := buildStreams(pieces, resident, resOff)
	rec.streams = streams
	for _, err := range errs {
		soft = append(soft, fmt.Errorf("MFT record %d: %w", id, err))
	}
	return rec, soft, nil
}

// recordReader is a fixed-up MFT record in memory. VtoP gives its offset in
// the $MFT stream, which is how attribute offsets are mapped to the image.
type recordReader struct {
	*bytes.Reader
	buf    []byte
	mftOff int64
}

func (r recordReader) VtoP(int64) int64 { return r.mftOff }

// readRecord reads MFT record id with one read of the $MFT stream and
// applies the update sequence array (the last two bytes of every 512-byte
// stride hold the sequence number on disk; the real bytes are in the
// array). go-ntfs's GetMFT does the same with three reads and a cache
// insertion per record, which dominated a 100k-record walk.
func (f *FS) readRecord(id int64) (*parser.MFT_ENTRY, error) {
	buf, err := f.readRaw(id)
	if err != nil {
		return nil, err
	}
	return f.nc.Profile.MFT_ENTRY(recordReader{Reader: bytes.NewReader(buf), buf: buf, mftOff: id * f.recSize}, 0), nil
}

// readRaw reads MFT record id and applies its fixups; f.mu must be held.
func (f *FS) readRaw(id int64) ([]byte, error) {
	if id < 0 || (f.nrec > 0 && id >= f.nrec) {
		return nil, fmt.Errorf("ntfs: MFT record %d out of range (0-%d): %w", id, f.nrec-1, fsNotExist)
	}
	return f.readRawInto(id, make([]byte, f.recSize))
}

// readRawInto is readRaw into buf (f.recSize bytes); f.mu must be held.
func (f *FS) readRawInto(id int64, buf []byte) ([]byte, error) {
	// From the $MFT chunk cache (mftchunk.go) when the record's chunk read
	// cleanly; otherwise through go-ntfs's page cache, whose reads the
	// checked reader reports.
	if !f.chunks.read(f, buf, id*f.recSize) {
		src := f.nc.MFTReader
		if n, err := src.ReadAt(buf, id*f.recSize); n < len(buf) {
			return nil, fmt.Errorf("%w: MFT record %d unreadable (%d of %d bytes): %v", filesystem.ErrCorrupt, id, n, len(buf), err)
		}
	}
	switch string(buf[:4]) {
	case "FILE":
	case "\x00\x00\x00\x00":
		return nil, errUnused
	case "BAAD":
		return nil, fmt.Errorf("%w: MFT record %d is marked BAAD (failed multi-sector transfer)", filesystem.ErrCorrupt, id)
	default:
		return nil, fmt.Errorf("%w: MFT record %d has signature %q", filesystem.ErrCorrupt, id, buf[:4])
	}
	usaOff, usaCount := int64(binary.LittleEndian.Uint16(buf[4:])), int64(binary.LittleEndian.Uint16(buf[6:]))
	if usaCount < 2 || usaOff < 8 || usaOff+2*usaCount > f.recSize || (usaCount-1)*512 > f.recSize {
		return nil, fmt.Errorf("%w: MFT record %d: update sequence array of %d at %d", filesystem.ErrCorrupt, id, usaCount, usaOff)
	}
	usn := buf[usaOff : usaOff+2]
	for i := int64(1); i < usaCount; i++ {
		end := i*512 - 2
		if buf[end] != usn[0] || buf[end+1] != usn[1] {
			return nil, fmt.Errorf("%w: MFT record %d: fixup mismatch in stride %d (torn write)", filesystem.ErrCorrupt, id, i)
		}
		copy(buf[end:end+2], buf[usaOff+2*i:])
	}
	return buf, nil
}

func leUint64(b []byte) uint64 {
	return uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
		uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
}

// streamRuns maps a stream's logical content to image offsets. Bytes past
// the initialised size read as zeros and are reported as sparse.
//
// A resident stream's run points at its content inside the MFT record on
// the image. There the last two bytes of each 512-byte sector hold the
// update sequence number; the true bytes live in the record's fixup array,
// so those positions differ on the image (content reads apply the fixups).
func (f *FS) streamRuns(s *stream) ([]filesystem.Run, error) {
	if s.isRes {
		if s.size == 0 {
			return nil, nil
		}
		return []filesystem.Run{{FileOffset: 0, ImageOffset: s.resOff, Length: s.size, Resident: true}}, nil
	}
	cs := f.clusterSize
	var raw []filesystem.Run
	var problem error
	for _, p := range s.pieces {
		if p.IsResident() {
			return nil, fmt.Errorf("%w: stream %q mixes resident and non-resident pieces", filesystem.ErrCorrupt, s.name)
		}
		vcn := int64(p.Runlist_vcn_start())
		if vcn < 0 || vcn > (1<<62)/cs {
			return nil, fmt.Errorf("%w: stream %q starts at VCN %d", filesystem.ErrCorrupt, s.name, vcn)
		}
		pos := vcn * cs
		b, err := runlistBytes(p)
		if err != nil {
			return nil, fmt.Errorf("stream %q: %w", s.name, err)
		}
		pairs, err := decodeMappingPairs(b)
		if err != nil {
			problem = fmt.Errorf("stream %q: %w", s.name, err)
		}
		for _, r := range pairs {
			if r.length > (1<<62)/cs || pos > 1<<62 {
				return nil, fmt.Errorf("%w: stream %q: run of %d clusters at VCN offset %d", filesystem.ErrCorrupt, s.name, r.length, pos)
			}
			l := r.length * cs
			if r.lcn < 0 {
				raw = append(raw, filesystem.Run{FileOffset: pos, Length: l, Sparse: true})
			} else {
				if r.lcn > f.size/cs || r.lcn*cs+l > f.size {
					problem = fmt.Errorf("%w: stream %q: run at cluster %d (+%d) lies outside the volume",
						filesystem.ErrCorrupt, s.name, r.lcn, r.length)
				}
				raw = append(raw, filesystem.Run{FileOffset: pos, ImageOffset: f.volOff + r.lcn*cs, Length: l})
			}
			pos += l
		}
	}
	limit := s.initSize
	if s.flags&attrFlagCompressed != 0 {
		// Compressed runs hold compression units; the initialised size
		// applies to the decompressed data, so only clip at the size.
		limit = s.size
	}
	var out []filesystem.Run
	covered := int64(0)
	for _, r := range raw {
		if r.FileOffset != covered {
			return nil, fmt.Errorf("%w: stream %q: runs jump from %d to %d", filesystem.ErrCorrupt, s.name, covered, r.FileOffset)
		}
		covered += r.Length
		if r.FileOffset >= s.size {
			continue
		}
		if end := r.FileOffset + r.Length; end > limit && !r.Sparse {
			if r.FileOffset < limit {
				keep := r
				keep.Length = limit - r.FileOffset
				out = append(out, keep)
			}
			if start := max(r.FileOffset, limit); min(end, s.size) > start {
				out = append(out, filesystem.Run{FileOffset: start, Length: min(end, s.size) - start, Sparse: true})
			}
			continue
		}
		if r.FileOffset+r.Length > s.size {
			r.Length = s.size - r.FileOffset
		}
		out = append(out, r)
	}
	if covered < s.size {
		problem = fmt.Errorf("%w: stream %q: runs cover %d of %d bytes", filesystem.ErrCorrupt, s.name, covered, s.size)
	}
	return mergeSparse(out), problem
}

// mergeSparse joins adjacent sparse runs.
func mergeSparse(runs []filesystem.Run) []filesystem.Run {
	out := runs[:0]
	for _, r := range runs {
		if n := len(out); n > 0 && r.Sparse && out[n-1].Sparse && out[n-1].FileOffset+out[n-1].Length == r.FileOffset {
			out[n-1].Length += r.Length
			continue
		}
		out = append(out, r)
	}
	return out
}

// compressedReader opens a compressed stream through go-ntfs, which
// implements LZNT1. Reads go through the checked reader, so I/O problems
// are still recorded.
func (f *FS) compressedReader(id int64, s *stream) (r io.ReaderAt, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	defer func() {
		if p := recover(); p != nil {
			r, err = nil, fmt.Errorf("%w: MFT record %d: go-ntfs panicked opening compressed stream: %v", filesystem.ErrCorrupt, id, p)
		}
	}()
	e, err := f.nc.GetMFT(id)
	if err != nil {
		return nil, fmt.Errorf("%w: MFT record %d: %v", filesystem.ErrCorrupt, id, err)
	}
	rr, err := parser.OpenStream(f.nc, e, attrData, parser.WILDCARD_STREAM_ID, s.name)
	if err != nil {
		return nil, fmt.Errorf("%w: MFT record %d stream %q: %v", filesystem.ErrCorrupt, id, s.name, err)
	}
	return &lockedReader{mu: &f.mu, r: rr}, nil
}

// lockedReader serialises reads of a go-ntfs reader with the context lock
// and turns its panics into errors.
type lockedReader struct {
	mu *sync.Mutex
	r  io.ReaderAt
}

func (l *lockedReader) ReadAt(p []byte, off int64) (n int, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	defer func() {
		if x := recover(); x != nil {
			n, err = 0, fmt.Errorf("%w: go-ntfs panicked reading at %d: %v", filesystem.ErrCorrupt, off, x)
		}
	}()
	return l.r.ReadAt(p, off)
}

// content returns a reader over a stream's logical content.
func (f *FS) content(id int64, s *stream, runs []filesystem.Run) (io.ReaderAt, error) {
	switch {
	case s.isRes:
		return bytes.NewReader(s.resident), nil
	case s.flags&attrFlagCompressed != 0:
		return f.compressedReader(id, s)
	}
	// Content goes through go-ntfs's page cache (small reads of the same
	// cluster are common) which sits on the checked reader, so I/O errors
	// still surface and are recorded.
	return &runReader{vol: f.paged, volOff: f.volOff, runs: runs, size: s.size}, nil
}

// runReader reads logical content through the run list straight from the
// checked volume reader, so what is read is exactly what Runs reports.
type runReader struct {
	vol    io.ReaderAt
	volOff int64
	runs   []filesystem.Run
	size   int64
}

func (r *runReader) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, fmt.Errorf("ntfs: negative read offset %d", off)
	}
	if off >= r.size {
		return 0, io.EOF
	}
	want := p
	if rest := r.size - off; int64(len(want)) > rest {
		want = want[:rest]
	}
	done := 0
	for done < len(want) {
		pos := off + int64(done)
		i := r.find(pos)
		if i < 0 {
			return done, fmt.Errorf("%w: no data run covers file offset %d", filesystem.ErrCorrupt, pos)
		}
		run := r.runs[i]
		chunk := want[done:]
		if left := run.FileOffset + run.Length - pos; int64(len(chunk)) > left {
			chunk = chunk[:left]
		}
		if run.Sparse {
			clear(chunk)
			done += len(chunk)
			continue
		}
		n, err := r.vol.ReadAt(chunk, run.ImageOffset-r.volOff+pos-run.FileOffset)
		done += n
		if n < len(chunk) {
			if err == nil || errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return done, fmt.Errorf("ntfs: file offset %d (image offset %d): %w", pos, run.ImageOffset+pos-run.FileOffset, err)
		}
	}
	if len(want) < len(p) {
		return done, io.EOF
	}
	return done, nil
}

func (r *runReader) find(pos int64) int {
	lo, hi := 0, len(r.runs)
	for lo < hi {
		m := (lo + hi) / 2
		if r.runs[m].FileOffset+r.runs[m].Length <= pos {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo < len(r.runs) && r.runs[lo].FileOffset <= pos {
		return lo
	}
	return -1
}
