package ext4

import (
	"context"
	"fmt"
	"strconv"

	"github.com/loupe-forensics/loupe/forensic/filesystem"
)

// OrphanDir is the synthetic directory under which inodes without names are
// listed, as TSK does.
const OrphanDir = "/$OrphanFiles"

// bitset is a sparse set of inode numbers: pages are allocated only where
// inodes were seen, so a hostile inode count costs nothing.
type bitset map[uint32]*[1024]uint64 // 65536 bits a page

func (s bitset) set(i uint32) {
	p := s[i>>16]
	if p == nil {
		p = new([1024]uint64)
		s[i>>16] = p
	}
	p[(i&0xFFFF)>>6] |= 1 << (i & 63)
}

func (s bitset) has(i uint32) bool {
	p := s[i>>16]
	return p != nil && p[(i&0xFFFF)>>6]&(1<<(i&63)) != 0
}

type queued struct {
	ino     uint32
	path    string // "" for the root
	deleted bool   // inside a deleted directory: every name below is deleted
}

type delName struct {
	dirent
	dir      uint32
	path     string
	overflow bool // marks where names were dropped
}

// walker carries one walk's state. Memory is bounded by the directory queue
// (one small record per directory not yet read), the deleted-name list
// (capped) and the sparse seen-sets; entries are handed to fn one at a time.
type walker struct {
	f       *FS
	ctx     context.Context
	fn      filesystem.WalkFunc
	named   bitset // inodes reached by some name
	dirs    bitset // directories queued, against loops through hard-linked dirs
	queue   []queued
	deleted []delName
	count   int
}

// Walk implements filesystem.FS. It visits allocated names directory by
// directory (breadth first, block order inside a directory), then names
// recovered from directory slack (and, below deleted directories that still
// map their blocks, everything they list), then inodes that no name reaches:
// deleted inodes that still map data and allocated inodes without a name,
// as /$OrphanFiles/OrphanFile-N. The root itself is not visited (fls does
// not list it either); Stat("/") gives it.
func (f *FS) Walk(ctx context.Context, fn filesystem.WalkFunc) error {
	w := &walker{f: f, ctx: ctx, fn: fn, named: bitset{}, dirs: bitset{}}
	w.named.set(rootIno)
	w.dirs.set(rootIno)
	w.queue = append(w.queue, queued{ino: rootIno})
	if err := w.drain(); err != nil {
		return err
	}
	// Deleted names, then whatever deleted directories they lead to.
	for i := 0; i < len(w.deleted); i++ {
		d := w.deleted[i]
		if err := w.tick(); err != nil {
			return err
		}
		if err := w.emitDeleted(d); err != nil {
			return err
		}
		if len(w.queue) > 0 {
			if err := w.drain(); err != nil {
				return err
			}
		}
	}
	return w.orphans()
}

func (w *walker) tick() error {
	w.count++
	if w.count&1023 == 0 {
		return w.ctx.Err()
	}
	return nil
}

// drain reads queued directories until the queue is empty.
func (w *walker) drain() error {
	f := w.f
	var in inode
	var child inode
	for head := 0; head < len(w.queue); head++ {
		if err := w.ctx.Err(); err != nil {
			return err
		}
		q := w.queue[head]
		w.queue[head] = queued{}
		if head > 4096 && head*2 > len(w.queue) { // reclaim the consumed front
			w.queue = append(w.queue[:0], w.queue[head+1:]...)
			head = -1
		}
		dirRef := f.ref.Entry(pathOrRoot(q.path), strconv.FormatUint(uint64(q.ino), 10))
		if err := f.inodeInto(q.ino, &in); err != nil {
			f.warnErr(dirRef, f.volOff, err)
			continue
		}
		if in.typ() != modeDir {
			continue
		}
		parentID := idString(q.ino)
		err := f.readDir(w.ctx, &in, dirRef, func(d dirent) error {
			if err := w.tick(); err != nil {
				return err
			}
			path := q.path + "/" + string(d.nameB)
			if d.deleted || q.deleted {
				if d.name == "" { // a live name below a deleted directory
					d.name = path[len(q.path)+1:]
				}
				if len(w.deleted) >= maxDeletedNames {
					if len(w.deleted) == maxDeletedNames {
						f.warn(dirRef, f.volOff+d.off, fmt.Errorf("ext4: more than %d deleted names, the rest are skipped: %w", maxDeletedNames, filesystem.ErrCorrupt))
						w.deleted = append(w.deleted, delName{overflow: true})
					}
					return nil
				}
				w.deleted = append(w.deleted, delName{dirent: d, dir: q.ino, path: path})
				if d.ino != 0 {
					w.named.set(d.ino)
				}
				return nil
			}
			w.named.set(d.ino)
			if err := f.inodeInto(d.ino, &child); err != nil {
				f.warnErr(f.ref.Entry(path, strconv.FormatUint(uint64(d.ino), 10)), f.volOff+d.off, err)
				return nil
			}
			e := f.entry(&child, path, path[len(q.path)+1:], parentID)
			if child.typ() == modeDir && !w.dirs.has(d.ino) {
				w.dirs.set(d.ino)
				w.queue = append(w.queue, queued{ino: d.ino, path: path})
			}
			return w.fn(e)
		})
		if err != nil {
			return err
		}
	}
	w.queue = w.queue[:0]
	return nil
}

// emitDeleted reports a name recovered from slack with whatever its inode
// still says (the inode may since have been reused or wiped).
func (w *walker) emitDeleted(d delName) error {
	f := w.f
	if d.overflow {
		return nil
	}
	var in inode
	var e *filesystem.Entry
	if d.ino == 0 {
		// Only the name is left: no inode, no times, no content.
		in.ino, in.raw = 0, make([]byte, 128)
		e = f.entry(&in, d.path, d.name, idString(d.dir))
		e.Type, e.Mode = direntType(d.ftype)
		e.Deleted, e.Times = true, filesystem.Timestamps{}
		e.UID, e.GID = nil, nil
		return w.fn(e)
	}
	if err := f.inodeInto(d.ino, &in); err != nil {
		f.warnErr(f.ref.Entry(d.path, strconv.FormatUint(uint64(d.ino), 10)), f.volOff+d.off, err)
		return nil
	}
	if in.mode == 0 {
		// The inode was wiped: only the name and its type byte remain.
		e = f.entry(&in, d.path, d.name, idString(d.dir))
		e.Type, e.Mode = direntType(d.ftype)
	} else {
		e = f.entry(&in, d.path, d.name, idString(d.dir))
	}
	e.Deleted = true
	// Descend only into a deleted directory whose inode is free as well: an
	// allocated inode behind a deleted name may belong to another directory
	// by now (TSK's "realloc"), and its names are not this path's.
	if in.typ() == modeDir && in.links == 0 && in.hasData() && !w.dirs.has(d.ino) {
		w.dirs.set(d.ino)
		w.queue = append(w.queue, queued{ino: d.ino, path: d.path, deleted: true})
	}
	return w.fn(e)
}

// orphans scans the inode tables for inodes no name reached. Groups whose
// table was never initialised are skipped, and so is the never-used tail of
// a table when the group descriptors are checksummed (the kernel relies on
// that count too).
func (w *walker) orphans() error {
	f := w.f
	trustUnused := f.roCompat&(roCompatGDTCsum|roCompatMetaCsum) != 0
	const scanBytes = 1 << 20
	var buf []byte // allocated on the first read: a clean volume needs none
	var in inode
	for g, grp := range f.groups {
		if err := w.ctx.Err(); err != nil {
			return err
		}
		n := f.ipg
		if trustUnused {
			if grp.flags&bgInodeUninit != 0 {
				continue
			}
			if grp.itableUnused <= n {
				n -= grp.itableUnused
			}
		}
		first := uint32(g)*f.ipg + 1
		if uint64(first) > uint64(f.ninodes) {
			break
		}
		if uint64(first)+uint64(n)-1 > uint64(f.ninodes) {
			n = f.ninodes - first + 1
		}
		tbl := int64(grp.inodeTable) * f.bs
		if grp.inodeTable == 0 || grp.inodeTable >= f.nblocks {
			f.warn(f.ref, f.volOff, fmt.Errorf("ext4: group %d inode table at block %d of %d: %w", g, grp.inodeTable, f.nblocks, filesystem.ErrCorrupt))
			continue
		}
		per := uint32(scanBytes / f.isz)
		for i := uint32(0); i < n; i += per {
			k := min(per, n-i)
			if w.allNamed(first+i, k) {
				continue // nothing to find here: skip the read
			}
			if buf == nil {
				buf = make([]byte, scanBytes)
			}
			b := buf[:int64(k)*f.isz]
			off := tbl + int64(i)*f.isz
			if err := f.read(b, off); err != nil {
				// One warning per group: the rest of a table past the
				// end of a truncated image would fail the same way.
				f.warn(f.ref, f.volOff+off, fmt.Errorf("ext4: group %d inode table: %w", g, err))
				break
			}
			for j := uint32(0); j < k; j++ {
				ino := first + i + j
				if ino < f.firstIn || w.named.has(ino) {
					continue
				}
				rec := b[int64(j)*f.isz : int64(j+1)*f.isz]
				if rec[0] == 0 && rec[1] == 0 {
					continue // mode 0: never used or wiped
				}
				decodeInode(rec, &in)
				in.ino, in.off = ino, off+int64(j)*f.isz
				deleted := in.links == 0
				if deleted && !in.hasData() {
					continue
				}
				if err := w.tick(); err != nil {
					return err
				}
				name := "OrphanFile-" + strconv.FormatUint(uint64(ino), 10)
				e := f.entry(&in, OrphanDir+"/"+name, name, "")
				e.Orphan, e.Deleted = true, deleted
				if err := w.fn(e); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// allNamed reports whether every inode in [first, first+k) was reached by
// a name or is reserved, so that the orphan scan need not read them. On a
// clean volume that is nearly the whole used part of every table.
func (w *walker) allNamed(first, k uint32) bool {
	for ino := first; ino < first+k; ino++ {
		if ino >= w.f.firstIn && !w.named.has(ino) {
			return false
		}
	}
	return true
}

func pathOrRoot(p string) string {
	if p == "" {
		return "/"
	}
	return p
}
