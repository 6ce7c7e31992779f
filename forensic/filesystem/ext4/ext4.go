// Package ext4 is Loupe's own read-only ext2/3/4 reader. It reads the
// superblock, group descriptors and inode tables directly so that it can
// report what an examiner needs and libraries hide: inode numbers, every
// timestamp with nanoseconds, deleted names left in directory-block slack,
// deleted and orphan inodes that still map their data, and data runs
// mapped to image offsets.
//
// Everything read is treated as hostile. Every structure is bounds-checked,
// a short read is an error (never zeros), allocations are bounded by the
// volume's size, and a corrupt inode, directory or extent tree becomes a
// filesystem.Warning with provenance while the walk carries on.
package ext4

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/loupe-forensics/loupe/forensic/filesystem"
	"github.com/loupe-forensics/loupe/forensic/source"
)

// Feature flags used here (names as in the kernel's ext4.h).
const (
	incompatFiletype   = 0x0002
	incompatJournalDev = 0x0008
	incompatMetaBG     = 0x0010
	incompatExtents    = 0x0040
	incompat64Bit      = 0x0080
	incompatInlineData = 0x8000
	incompatEncrypt    = 0x10000

	roCompatSparseSuper = 0x0001
	roCompatGDTCsum     = 0x0010
	roCompatMetaCsum    = 0x0400

	bgInodeUninit = 0x0001

	rootIno = 2
)

// Limits that keep hostile metadata from exhausting memory or time.
const (
	maxBlockSize      = 65536
	maxExtentDepth    = 5
	maxExtentNodes    = 1 << 16 // extent-tree blocks visited for one file
	maxRuns           = 1 << 20 // runs kept for one file
	maxDeletedNames   = 1 << 20 // deleted names queued during one walk
	maxGroupDescBytes = 64 << 20
	cacheChunk        = 16 << 10 // inode-table cache granularity: 64 inodes of 256 bytes
	cacheChunks       = 128      // 2 MiB of inode tables: a walk's locality is one directory's inodes
)

type group struct {
	inodeTable   uint64 // block number
	flags        uint16
	itableUnused uint32
}

// FS is an opened ext2/3/4 volume. It is safe for concurrent use.
type FS struct {
	r                  io.ReaderAt
	size               int64 // volume size in bytes
	volOff             int64 // volume offset on the image
	ref                *source.Ref
	bs                 int64
	isz                int64 // inode record size
	ipg                uint32
	ninodes            uint32
	nblocks            uint64
	limit              uint64 // blocks actually on the volume: min(nblocks, size/bs); bounds every block pointer
	firstIn            uint32
	incompat, roCompat uint32
	groups             []group
	label              string
	uuid               string

	cache   *chunkCache
	dirBufs sync.Pool // *[]byte of dirRead bytes, reused across directories

	mu       sync.Mutex
	warnings []filesystem.Warning
}

// Open opens the ext2/3/4 file system on r (exactly the volume). It returns
// an error wrapping filesystem.ErrWrongFormat when there is no ext superblock.
func Open(ctx context.Context, r io.ReaderAt, size, volumeOffset int64, parent *source.Ref) (filesystem.FS, error) {
	f, err := open(ctx, r, size, volumeOffset, parent)
	if err != nil {
		return nil, err
	}
	return f, nil
}

// compile-time checks that FS honours the contract and the Opener type.
var (
	_ filesystem.FS     = (*FS)(nil)
	_ filesystem.Opener = Open
)

func open(ctx context.Context, r io.ReaderAt, size, volumeOffset int64, parent *source.Ref) (*FS, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if size < 2048 {
		return nil, fmt.Errorf("ext4: volume of %d bytes is too small: %w", size, filesystem.ErrWrongFormat)
	}
	sb := make([]byte, 1024)
	if err := readFull(r, sb, 1024); err != nil {
		return nil, fmt.Errorf("ext4: superblock at volume byte 1024: %w", err)
	}
	if binary.LittleEndian.Uint16(sb[0x38:]) != 0xEF53 {
		return nil, fmt.Errorf("ext4: no superblock magic at volume byte 1080: %w", filesystem.ErrWrongFormat)
	}
	f := &FS{r: r, size: size, volOff: volumeOffset}
	f.ref = parentOrImage(parent).FS(filesystem.KindExt4, volumeOffset)
	le := binary.LittleEndian
	corrupt := func(format string, a ...any) error {
		return fmt.Errorf("ext4: superblock at image byte %d: %s: %w", volumeOffset+1024, fmt.Sprintf(format, a...), filesystem.ErrCorrupt)
	}
	logBS := le.Uint32(sb[0x18:])
	if logBS > 6 {
		return nil, corrupt("log block size %d", logBS)
	}
	f.bs = 1024 << logBS
	f.ninodes = le.Uint32(sb[0x00:])
	f.nblocks = uint64(le.Uint32(sb[0x04:]))
	firstData := uint64(le.Uint32(sb[0x14:]))
	bpg := le.Uint32(sb[0x20:])
	f.ipg = le.Uint32(sb[0x28:])
	rev := le.Uint32(sb[0x4C:])
	f.isz = 128
	f.firstIn = 11
	if rev >= 1 {
		f.isz = int64(le.Uint16(sb[0x58:]))
		f.firstIn = le.Uint32(sb[0x54:])
	}
	f.incompat = le.Uint32(sb[0x60:])
	f.roCompat = le.Uint32(sb[0x64:])
	f.uuid = fmt.Sprintf("%x-%x-%x-%x-%x", sb[0x68:0x6C], sb[0x6C:0x6E], sb[0x6E:0x70], sb[0x70:0x72], sb[0x72:0x78])
	f.label = cstring(sb[0x78:0x88])
	descSize := int64(32)
	if f.incompat&incompat64Bit != 0 {
		f.nblocks |= uint64(le.Uint32(sb[0x150:])) << 32
		descSize = int64(le.Uint16(sb[0xFE:]))
		if descSize < 32 || descSize > 1024 || descSize&(descSize-1) != 0 {
			return nil, corrupt("group descriptor size %d", descSize)
		}
	}
	if f.incompat&incompatJournalDev != 0 {
		return nil, fmt.Errorf("ext4: external journal device, no file system: %w", filesystem.ErrUnsupported)
	}
	switch {
	case f.isz < 128 || f.isz > f.bs || f.isz&(f.isz-1) != 0:
		return nil, corrupt("inode size %d", f.isz)
	case bpg == 0 || uint64(bpg) > uint64(f.bs)*8:
		return nil, corrupt("blocks per group %d", bpg)
	case f.ipg == 0 || uint64(f.ipg) > uint64(f.bs)*8:
		return nil, corrupt("inodes per group %d", f.ipg)
	case f.nblocks <= firstData:
		return nil, corrupt("block count %d, first data block %d", f.nblocks, firstData)
	case f.ninodes < rootIno:
		return nil, corrupt("inode count %d", f.ninodes)
	}
	ngroups := (f.nblocks - firstData + uint64(bpg) - 1) / uint64(bpg)
	if uint64(f.ninodes) > ngroups*uint64(f.ipg) {
		return nil, corrupt("inode count %d exceeds %d groups of %d", f.ninodes, ngroups, f.ipg)
	}
	// A truncated image still opens; groups whose inode table lies past its
	// end become read errors later. The count itself is bounded by the
	// descriptor table having to fit in the image.
	if ngroups*uint64(descSize) > maxGroupDescBytes || int64(ngroups*uint64(descSize)) > size {
		return nil, corrupt("%d groups of %d-byte descriptors cannot fit a %d-byte volume", ngroups, descSize, size)
	}
	f.limit = min(f.nblocks, uint64(size/f.bs))
	if f.limit < f.nblocks {
		f.warn(f.ref, volumeOffset, fmt.Errorf("ext4: volume holds %d bytes but the superblock counts %d blocks of %d: truncated image: %w",
			size, f.nblocks, f.bs, filesystem.ErrCorrupt))
	}

	// Group descriptors follow the superblock's block, unless meta_bg spreads
	// them over the first, second and last group of each meta group.
	perBlock := uint64(f.bs / descSize)
	nDescBlocks := (ngroups + perBlock - 1) / perBlock
	gdStart := firstData + 1
	firstMetaBG := uint64(le.Uint32(sb[0x104:]))
	f.groups = make([]group, 0, ngroups)
	buf := make([]byte, f.bs)
	for db := uint64(0); db < nDescBlocks; db++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		blk := gdStart + db
		if f.incompat&incompatMetaBG != 0 && db >= firstMetaBG {
			g := db * perBlock
			blk = firstData + g*uint64(bpg)
			if f.groupHasSuper(g) {
				blk++
			}
		}
		off := int64(blk) * f.bs
		if err := f.read(buf, off); err != nil {
			return nil, fmt.Errorf("ext4: group descriptor block %d: %w", blk, err)
		}
		for i := uint64(0); i < perBlock && uint64(len(f.groups)) < ngroups; i++ {
			d := buf[i*uint64(descSize) : (i+1)*uint64(descSize)]
			g := group{
				inodeTable:   uint64(le.Uint32(d[0x08:])),
				flags:        le.Uint16(d[0x12:]),
				itableUnused: uint32(le.Uint16(d[0x1C:])),
			}
			if descSize >= 64 {
				g.inodeTable |= uint64(le.Uint32(d[0x28:])) << 32
				g.itableUnused |= uint32(le.Uint16(d[0x32:])) << 16
			}
			f.groups = append(f.groups, g)
		}
	}
	f.cache = newChunkCache()
	f.dirBufs.New = func() any { b := make([]byte, dirRead); return &b }
	// The root must be a directory or nothing else can be trusted.
	root, err := f.inode(rootIno)
	if err != nil {
		return nil, fmt.Errorf("ext4: root inode: %w", err)
	}
	if root.mode&0xF000 != modeDir {
		return nil, fmt.Errorf("ext4: root inode at image byte %d is not a directory (mode %#o): %w", f.volOff+root.off, root.mode, filesystem.ErrCorrupt)
	}
	return f, nil
}

func parentOrImage(p *source.Ref) *source.Ref {
	if p == nil {
		return source.Image("unknown")
	}
	return p
}

// groupHasSuper tells whether group g holds a superblock backup.
func (f *FS) groupHasSuper(g uint64) bool {
	if g <= 1 || f.roCompat&roCompatSparseSuper == 0 {
		return true
	}
	for _, base := range []uint64{3, 5, 7} {
		n := base
		for n < g {
			n *= base
		}
		if n == g {
			return true
		}
	}
	return false
}

// Kind implements filesystem.FS.
func (f *FS) Kind() string { return filesystem.KindExt4 }

// Ref implements filesystem.FS.
func (f *FS) Ref() *source.Ref { return f.ref }

// Label is the volume name from the superblock.
func (f *FS) Label() string { return f.label }

// UUID is the volume UUID from the superblock.
func (f *FS) UUID() string { return f.uuid }

// BlockSize is the file-system block size in bytes.
func (f *FS) BlockSize() int64 { return f.bs }

// Warnings implements filesystem.FS.
func (f *FS) Warnings() []filesystem.Warning {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]filesystem.Warning(nil), f.warnings...)
}

// maxWarnings bounds the warning list on a thoroughly corrupt volume.
const maxWarnings = 100000

func (f *FS) warn(ref *source.Ref, imageOff int64, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.warnings) < maxWarnings {
		f.warnings = append(f.warnings, filesystem.Warning{Ref: ref, Offset: imageOff, Err: err})
	}
}

// offsetError attaches the image offset of the structure at fault to an
// error, so the warning made of it points at the bytes.
type offsetError struct {
	off int64
	err error
}

func (e *offsetError) Error() string { return e.err.Error() }
func (e *offsetError) Unwrap() error { return e.err }

// at wraps err with the image offset of the structure at fault.
func at(imageOff int64, err error) error { return &offsetError{off: imageOff, err: err} }

// warnErr records err, at the offset it carries or else at fallback.
func (f *FS) warnErr(ref *source.Ref, fallback int64, err error) {
	var oe *offsetError
	if errors.As(err, &oe) {
		fallback = oe.off
	}
	f.warn(ref, fallback, err)
}

// errShort marks reads that returned fewer bytes than asked.
var errShort = errors.New("ext4: short read")

// readFull reads len(b) bytes at off or fails; it never leaves zeros in
// place of bytes it could not read.
func readFull(r io.ReaderAt, b []byte, off int64) error {
	n, err := r.ReadAt(b, off)
	if n == len(b) {
		return nil
	}
	if err == nil || err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return fmt.Errorf("%w: %d of %d bytes at volume byte %d: %w", errShort, n, len(b), off, err)
}

// read reads len(b) bytes at volume offset off, within the volume.
func (f *FS) read(b []byte, off int64) error {
	if off < 0 || off > f.size || int64(len(b)) > f.size-off {
		return fmt.Errorf("%w: %d bytes at volume byte %d beyond the volume's %d bytes: %w", errShort, len(b), off, f.size, filesystem.ErrCorrupt)
	}
	return readFull(f.r, b, off)
}

func cstring(b []byte) string {
	for i, c := range b {
		if c == 0 {
			return string(b[:i])
		}
	}
	return string(b)
}

// chunkCache keeps recently read inode-table chunks. Records are copied
// out under the lock (see inodeInto), so evicted buffers can be reused for
// the next read without anyone still looking at them; a walk therefore
// allocates no inode-table memory beyond the cache itself.
type chunkCache struct {
	mu    sync.Mutex
	m     map[int64][]byte
	ring  [cacheChunks]int64
	next  int
	count int
}

func newChunkCache() *chunkCache { return &chunkCache{m: make(map[int64][]byte, cacheChunks)} }

// record copies the n-byte record at volume offset off (inside one chunk)
// into dst, reading the chunk through the cache.
func (f *FS) record(dst []byte, off int64) error {
	base := off &^ (cacheChunk - 1)
	rel := int(off - base)
	c := f.cache
	c.mu.Lock()
	defer c.mu.Unlock()
	b, ok := c.m[base]
	if !ok {
		if base >= f.size {
			return fmt.Errorf("%w: volume byte %d beyond the volume's %d bytes: %w", errShort, base, f.size, filesystem.ErrCorrupt)
		}
		n := min(int64(cacheChunk), f.size-base)
		var buf []byte
		if c.count == cacheChunks {
			old := c.ring[c.next]
			buf = c.m[old][:cap(c.m[old])]
			delete(c.m, old)
		} else {
			buf = make([]byte, cacheChunk)
			c.count++
		}
		// Reading under the lock keeps the buffer private until it is
		// complete; the walk is sequential, so little is lost.
		if err := readFull(f.r, buf[:n], base); err != nil {
			c.count-- // the buffer is dropped; the slot is free again
			return err
		}
		b = buf[:n]
		c.ring[c.next] = base
		c.next = (c.next + 1) % cacheChunks
		c.m[base] = b
	}
	if rel+len(dst) > len(b) {
		return fmt.Errorf("%w: %d-byte record at volume byte %d past the volume end: %w", errShort, len(dst), off, filesystem.ErrCorrupt)
	}
	copy(dst, b[rel:])
	return nil
}
