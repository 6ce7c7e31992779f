package ext4

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io/fs"
	"strconv"
	"time"

	"github.com/loupe-forensics/loupe/forensic/filesystem"
	"github.com/loupe-forensics/loupe/forensic/source"
)

// Inode mode types.
const (
	modeFIFO   = 0x1000
	modeChr    = 0x2000
	modeDir    = 0x4000
	modeBlk    = 0x6000
	modeReg    = 0x8000
	modeLink   = 0xA000
	modeSocket = 0xC000
)

// Inode flags.
const (
	flagIndex   = 0x1000
	flagExtents = 0x80000
	flagInline  = 0x10000000
)

// inode is a decoded inode record. raw is the record: usually rec, the
// inode's own copy; while the orphan scan decodes in place, its read buffer.
type inode struct {
	ino      uint32
	off      int64 // volume offset of the record
	raw      []byte
	rec      [256]byte
	mode     uint16
	uid, gid uint32
	size     uint64
	links    uint16
	flags    uint32
	dtime    uint32
	blocks   uint64 // i_blocks (512-byte units unless huge_file says otherwise)
	fileACL  uint64
	extra    int // bytes of the record in use: 128 + i_extra_isize, bounded
}

// inode reads inode number ino through the inode-table cache.
func (f *FS) inode(ino uint32) (*inode, error) {
	in := &inode{}
	if err := f.inodeInto(ino, in); err != nil {
		return nil, err
	}
	return in, nil
}

func (f *FS) inodeOffset(ino uint32) (int64, error) {
	if ino == 0 || ino > f.ninodes {
		return 0, fmt.Errorf("ext4: inode %d out of range 1-%d: %w", ino, f.ninodes, filesystem.ErrCorrupt)
	}
	g := (ino - 1) / f.ipg
	idx := (ino - 1) % f.ipg
	if int(g) >= len(f.groups) {
		return 0, fmt.Errorf("ext4: inode %d in group %d of %d: %w", ino, g, len(f.groups), filesystem.ErrCorrupt)
	}
	tbl := f.groups[g].inodeTable
	if tbl == 0 || tbl >= f.nblocks {
		return 0, fmt.Errorf("ext4: group %d inode table at block %d of %d: %w", g, tbl, f.nblocks, filesystem.ErrCorrupt)
	}
	return int64(tbl)*f.bs + int64(idx)*f.isz, nil
}

func (f *FS) inodeInto(ino uint32, in *inode) error {
	off, err := f.inodeOffset(ino)
	if err != nil {
		return err
	}
	dst := in.rec[:]
	if f.isz <= int64(len(in.rec)) {
		dst = in.rec[:f.isz]
	} else {
		dst = make([]byte, f.isz)
	}
	if f.isz > cacheChunk {
		err = f.read(dst, off)
	} else if err = f.record(dst, off); err != nil {
		// The chunk has an unreadable part (a bad sector, a truncated
		// image); the record itself may still be readable.
		err = f.read(dst, off)
	}
	if err != nil {
		return at(f.volOff+off, fmt.Errorf("ext4: inode %d at image byte %d: %w", ino, f.volOff+off, err))
	}
	decodeInode(dst, in)
	in.ino, in.off = ino, off
	return nil
}

// clone returns a copy of in whose raw record is its own.
func (in *inode) clone() *inode {
	c := *in
	c.raw = bytes.Clone(in.raw)
	return &c
}

// decodeInode fills in from a raw record of at least 128 bytes.
func decodeInode(b []byte, in *inode) {
	le := binary.LittleEndian
	in.raw = b
	in.mode = le.Uint16(b[0x00:])
	in.uid = uint32(le.Uint16(b[0x02:])) | uint32(le.Uint16(b[0x78:]))<<16
	in.gid = uint32(le.Uint16(b[0x18:])) | uint32(le.Uint16(b[0x7A:]))<<16
	in.size = uint64(le.Uint32(b[0x04:])) | uint64(le.Uint32(b[0x6C:]))<<32
	in.links = le.Uint16(b[0x1A:])
	in.flags = le.Uint32(b[0x20:])
	in.dtime = le.Uint32(b[0x14:])
	in.blocks = uint64(le.Uint32(b[0x1C:])) | uint64(le.Uint16(b[0x74:]))<<32
	in.fileACL = uint64(le.Uint32(b[0x68:])) | uint64(le.Uint16(b[0x76:]))<<32
	in.extra = 128
	if len(b) > 128 {
		x := 128 + int(le.Uint16(b[0x80:]))
		if x > len(b) || x&3 != 0 {
			x = 128 // corrupt i_extra_isize: trust only the base record
		}
		in.extra = x
	}
}

func (in *inode) typ() uint16 { return in.mode & 0xF000 }

// hasField tells whether the extra area covers the field at off of n bytes.
func (in *inode) hasField(off, n int) bool { return off+n <= in.extra }

// fileSize is i_size bounded to int64.
func (in *inode) fileSize() int64 {
	if in.size > 1<<62 {
		return 1 << 62
	}
	return int64(in.size)
}

// hasData reports whether the inode still maps content (extent entries,
// block pointers or inline data), i.e. whether a deleted inode is recoverable.
func (in *inode) hasData() bool {
	blk := in.raw[0x28:0x64]
	if in.flags&flagInline != 0 {
		return in.size > 0
	}
	if in.flags&flagExtents != 0 {
		return binary.LittleEndian.Uint16(blk[0:]) == extentMagic && binary.LittleEndian.Uint16(blk[2:]) > 0
	}
	for i := 0; i < 60; i += 4 {
		if binary.LittleEndian.Uint32(blk[i:]) != 0 {
			return true
		}
	}
	return false
}

// decodeTime joins a 32-bit seconds field and its extra field: two epoch
// bits extend the signed seconds past 2038, thirty bits hold nanoseconds.
func decodeTime(sec, extra uint32, hasExtra bool) time.Time {
	s := int64(int32(sec))
	var ns int64
	if hasExtra {
		s += int64(extra&3) << 32
		ns = int64(extra >> 2)
		if ns > 999999999 {
			ns = 999999999 // out of range on disk; keep the second
		}
	}
	return time.Unix(s, ns).UTC()
}

// times decodes every timestamp into ts, which the pointers refer to.
func (in *inode) times(ts *[5]time.Time) filesystem.Timestamps {
	le := binary.LittleEndian
	b := in.raw
	var t filesystem.Timestamps
	ts[0] = decodeTime(le.Uint32(b[0x10:]), in.u32(0x88), in.hasField(0x88, 4))
	ts[1] = decodeTime(le.Uint32(b[0x08:]), in.u32(0x8C), in.hasField(0x8C, 4))
	ts[2] = decodeTime(le.Uint32(b[0x0C:]), in.u32(0x84), in.hasField(0x84, 4))
	t.Modified, t.Accessed, t.Changed = &ts[0], &ts[1], &ts[2]
	if in.hasField(0x90, 4) {
		if sec, x := le.Uint32(b[0x90:]), in.u32(0x94); sec != 0 || x != 0 {
			ts[3] = decodeTime(sec, x, in.hasField(0x94, 4))
			t.Born = &ts[3]
		}
	}
	if in.dtime != 0 {
		ts[4] = time.Unix(int64(in.dtime), 0).UTC()
		t.Deleted = &ts[4]
	}
	return t
}

func (in *inode) u32(off int) uint32 {
	if !in.hasField(off, 4) {
		return 0
	}
	return binary.LittleEndian.Uint32(in.raw[off:])
}

func (in *inode) fileMode() fs.FileMode {
	m := fs.FileMode(in.mode & 0o777)
	if in.mode&0o4000 != 0 {
		m |= fs.ModeSetuid
	}
	if in.mode&0o2000 != 0 {
		m |= fs.ModeSetgid
	}
	if in.mode&0o1000 != 0 {
		m |= fs.ModeSticky
	}
	switch in.typ() {
	case modeDir:
		m |= fs.ModeDir
	case modeLink:
		m |= fs.ModeSymlink
	case modeChr:
		m |= fs.ModeDevice | fs.ModeCharDevice
	case modeBlk:
		m |= fs.ModeDevice
	case modeFIFO:
		m |= fs.ModeNamedPipe
	case modeSocket:
		m |= fs.ModeSocket
	case modeReg:
	default:
		m |= fs.ModeIrregular
	}
	return m
}

func typeName(mode uint16) string {
	switch mode & 0xF000 {
	case modeDir:
		return filesystem.TypeDir
	case modeReg:
		return filesystem.TypeFile
	case modeLink:
		return filesystem.TypeSymlink
	}
	return filesystem.TypeOther
}

// direntType maps a directory entry's file_type byte, used when the inode
// itself has been wiped.
func direntType(ft uint8) (string, fs.FileMode) {
	switch ft {
	case 1:
		return filesystem.TypeFile, 0
	case 2:
		return filesystem.TypeDir, fs.ModeDir
	case 7:
		return filesystem.TypeSymlink, fs.ModeSymlink
	}
	return filesystem.TypeOther, fs.ModeIrregular
}

// entryBox keeps an Entry and its Ref in one allocation.
type entryBox struct {
	e     filesystem.Entry
	ref   source.Ref
	times [5]time.Time
	uid   uint32
	gid   uint32
}

// idString is an inode number as an EntryID; 0 (none) is "".
func idString(ino uint32) filesystem.EntryID {
	if ino == 0 {
		return ""
	}
	return filesystem.EntryID(strconv.FormatUint(uint64(ino), 10))
}

// entry builds the Entry of in as reached by path (absolute; "" for an
// entry opened by id alone).
func (f *FS) entry(in *inode, path, name string, parent filesystem.EntryID) *filesystem.Entry {
	box := &entryBox{uid: in.uid, gid: in.gid}
	e := &box.e
	id := strconv.FormatUint(uint64(in.ino), 10)
	box.ref = source.Ref{Type: source.TypeEntry, Locator: path, ID: id, Parent: f.ref}
	e.Path, e.Name, e.ID, e.ParentID = path, name, filesystem.EntryID(id), parent
	e.Type = typeName(in.mode)
	e.Size = in.fileSize()
	e.Mode = in.fileMode()
	e.Perm = uint32(in.mode & 0o7777)
	e.UID, e.GID = &box.uid, &box.gid
	e.Links = uint32(in.links)
	e.Times = in.times(&box.times)
	e.Deleted = in.links == 0 && in.ino != rootIno
	e.Ref = &box.ref
	if e.Type == filesystem.TypeSymlink {
		if t, err := f.linkTarget(in); err == nil {
			e.Target = t
		} else {
			f.warnErr(e.Ref, f.volOff+in.off, err)
		}
	}
	return e
}

// linkTarget reads a symlink's target: fast symlinks keep it in i_block,
// slow ones in a data block. Targets are bounded by PATH_MAX.
func (f *FS) linkTarget(in *inode) (string, error) {
	const pathMax = 4096
	if in.size > pathMax {
		return "", fmt.Errorf("ext4: symlink inode %d has a %d-byte target: %w", in.ino, in.size, filesystem.ErrCorrupt)
	}
	n := int(in.size)
	if n < 60 && in.flags&(flagExtents|flagInline) == 0 && f.isFast(in) {
		return string(in.raw[0x28 : 0x28+n]), nil
	}
	rd, err := f.reader(in)
	if err != nil {
		return "", err
	}
	b := make([]byte, n)
	if err := readFull(rd, b, 0); err != nil {
		return "", fmt.Errorf("ext4: symlink inode %d: %w", in.ino, err)
	}
	return string(b), nil
}

// isFast: a fast symlink uses no data blocks beyond an extended-attribute
// block (the rule of older kernels, which also wrote these inodes).
func (f *FS) isFast(in *inode) bool {
	ea := uint64(0)
	if in.fileACL != 0 {
		ea = uint64(f.bs / 512)
	}
	return in.blocks <= ea
}
