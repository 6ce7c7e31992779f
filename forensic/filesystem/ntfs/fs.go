package ntfs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"sync"

	"github.com/loupe-forensics/loupe/forensic/filesystem"
)

// buildEntry turns a record and the name it was reached by into an Entry.
// l is nil for the root.
func (f *FS) buildEntry(rec *record, l *link, p string, class uint8) *filesystem.Entry {
	id := entryID(rec.id, rec.seq)
	e := &filesystem.Entry{
		Path:    p,
		Name:    ".",
		ID:      id,
		Links:   uint32(rec.links),
		Deleted: !rec.inUse(),
		Orphan:  class == classOrphan,
		Ref:     f.ref.Entry(p, string(id)),
	}
	e.Times.Born, e.Times.Modified, e.Times.Changed, e.Times.Accessed = rec.si[0], rec.si[1], rec.si[2], rec.si[3]
	if l != nil {
		e.Name = l.name
		for _, fn := range rec.names {
			if n, _ := cleanName(fn.name); n == l.name {
				e.ParentID = entryID(fn.parent, fn.parentSeq)
				e.Times.FNBorn, e.Times.FNModified, e.Times.FNChanged, e.Times.FNAccessed = fn.times[0], fn.times[1], fn.times[2], fn.times[3]
				break
			}
		}
	}
	for _, s := range rec.streams {
		if s.name != "" {
			e.Streams = append(e.Streams, s.name)
		}
	}
	switch {
	case rec.isDir():
		e.Type, e.Size, e.Mode = filesystem.TypeDir, rec.dirSize, fs.ModeDir|0o555
		e.Target = rec.target
	case rec.reparse == reparseTagSymlink:
		e.Type, e.Mode, e.Target = filesystem.TypeSymlink, fs.ModeSymlink|0o777, rec.target
	default:
		e.Type, e.Mode = filesystem.TypeFile, 0o444
	}
	if e.Type != filesystem.TypeDir {
		if s := rec.defaultStream(); s != nil {
			e.Size = s.size
		}
	}
	return e
}

// emit re-reads the record of link li and hands its entry to fn.
func (f *FS) emit(idx *index, li int32, p string, fn filesystem.WalkFunc) error {
	l := &idx.links[li]
	rec, _, err := f.summaryRecord(l.rec, false)
	if err != nil {
		// It parsed while indexing; a failure now is an I/O problem
		// already recorded by the checked reader.
		f.warn.add(f.ref.Entry(p, ""), -1, fmt.Errorf("ntfs: re-reading MFT record %d: %w", l.rec, err))
		return nil
	}
	return fn(f.buildEntry(rec, l, p, l.class))
}

// Walk visits the root, then allocated entries depth first in name order,
// then deleted entries reachable from the root, then orphans under
// /$OrphanFiles. The name index is built on first use.
func (f *FS) Walk(ctx context.Context, fn filesystem.WalkFunc) error {
	idx, err := f.index(ctx)
	if err != nil {
		return err
	}
	root, _, err := f.parseRecord(rootRecord)
	if err != nil {
		return fmt.Errorf("ntfs: root directory: %w", err)
	}
	if err := fn(f.buildEntry(root, nil, "/", classAlloc)); err != nil {
		return err
	}
	join := func(dir, name string) string {
		if dir == "/" {
			return "/" + name
		}
		return dir + "/" + name
	}
	var dfs func(dir int64, dirPath string, visited map[int64]bool, want func(l *link) (emit, descend bool)) error
	dfs = func(dir int64, dirPath string, visited map[int64]bool, want func(l *link) (bool, bool)) error {
		for _, li := range idx.children[dir] {
			if err := ctx.Err(); err != nil {
				return err
			}
			l := &idx.links[li]
			em, desc := want(l)
			if !em && !desc {
				continue
			}
			p := join(dirPath, l.name)
			if em {
				if err := f.emit(idx, li, p, fn); err != nil {
					return err
				}
			}
			if desc && idx.nodes[l.rec].flags&recDirectory != 0 && !visited[l.rec] {
				visited[l.rec] = true
				if err := dfs(l.rec, p, visited, want); err != nil {
					return err
				}
			}
		}
		return nil
	}
	if err := dfs(rootRecord, "/", map[int64]bool{rootRecord: true}, func(l *link) (bool, bool) {
		return l.class == classAlloc, l.class == classAlloc
	}); err != nil {
		return err
	}
	if err := dfs(rootRecord, "/", map[int64]bool{rootRecord: true}, func(l *link) (bool, bool) {
		return l.class == classDeleted, l.class != classOrphan
	}); err != nil {
		return err
	}
	visited := map[int64]bool{rootRecord: true}
	all := func(*link) (bool, bool) { return true, true }
	for _, li := range idx.orphans {
		if err := ctx.Err(); err != nil {
			return err
		}
		l := &idx.links[li]
		p := "/" + orphanDir + "/" + l.name
		if err := f.emit(idx, li, p, fn); err != nil {
			return err
		}
		if idx.nodes[l.rec].flags&recDirectory != 0 && !visited[l.rec] {
			visited[l.rec] = true
			if err := dfs(l.rec, p, visited, all); err != nil {
				return err
			}
		}
	}
	return nil
}

// linkOf returns the link a record is best known by: an allocated one
// first. -1 means the root, and ok is false for a record without names.
func (idx *index) linkOf(id int64) (int32, bool) {
	if id == rootRecord {
		return -1, true
	}
	if id < 0 || id >= int64(len(idx.nodes)) {
		return 0, false
	}
	n := idx.nodes[id]
	if !n.ok || n.nlink == 0 {
		return 0, false
	}
	for i := n.first; i < n.first+n.nlink; i++ {
		if idx.links[i].class == classAlloc {
			return i, true
		}
	}
	return n.first, true
}

// recordEntry loads record id, checks its sequence and builds its entry.
func (f *FS) recordEntry(ctx context.Context, id filesystem.EntryID) (*record, *filesystem.Entry, error) {
	n, seq, err := parseID(id)
	if err != nil {
		return nil, nil, err
	}
	idx, err := f.index(ctx)
	if err != nil {
		return nil, nil, err
	}
	rec, _, err := f.parseRecord(n)
	if err != nil {
		if errors.Is(err, errUnused) {
			err = fmt.Errorf("ntfs: MFT record %d is unused: %w", n, fs.ErrNotExist)
		}
		return nil, nil, err
	}
	if seq >= 0 && uint16(seq) != rec.seq {
		return nil, nil, fmt.Errorf("ntfs: entry %s: record %d now has sequence %d: %w", id, n, rec.seq, fs.ErrNotExist)
	}
	if rec.base != 0 {
		return nil, nil, fmt.Errorf("ntfs: MFT record %d is an extension of record %d, not an entry: %w", n, rec.base, fs.ErrNotExist)
	}
	li, ok := idx.linkOf(n)
	switch {
	case !ok:
		return nil, nil, fmt.Errorf("ntfs: MFT record %d has no attributes: %w", n, fs.ErrNotExist)
	case li < 0:
		return rec, f.buildEntry(rec, nil, "/", classAlloc), nil
	}
	l := &idx.links[li]
	return rec, f.buildEntry(rec, l, idx.path(li), l.class), nil
}

// StatID returns the entry of an "entry-sequence" id (or a bare entry
// number), deleted entries included.
func (f *FS) StatID(ctx context.Context, id filesystem.EntryID) (*filesystem.Entry, error) {
	_, e, err := f.recordEntry(ctx, id)
	return e, err
}

// OpenID opens the default $DATA stream, or the named stream, of an entry.
// Deleted entries open too; their content is whatever the clusters hold now.
func (f *FS) OpenID(ctx context.Context, id filesystem.EntryID, streamName string) (filesystem.File, error) {
	rec, e, err := f.recordEntry(ctx, id)
	if err != nil {
		return nil, err
	}
	return f.openRecord(rec, e, streamName)
}

func (f *FS) openRecord(rec *record, e *filesystem.Entry, streamName string) (filesystem.File, error) {
	if streamName == "" && rec.isDir() {
		return &file{fsys: f, e: e, dir: rec.id, isDir: true}, nil
	}
	var s *stream
	for _, c := range rec.streams {
		if c.name == streamName {
			s = c
			break
		}
	}
	if s == nil && streamName != "" {
		for _, c := range rec.indexStreams {
			if c.name == streamName {
				s = c
				break
			}
		}
	}
	if s == nil {
		if streamName != "" {
			return nil, &fs.PathError{Op: "open", Path: e.Path + ":" + streamName, Err: fs.ErrNotExist}
		}
		// A file without an unnamed $DATA (e.g. $Secure) has no content.
		return &file{fsys: f, e: e, r: eofReader{}}, nil
	}
	runs, err := f.streamRuns(s)
	if err != nil {
		f.warn.add(e.Ref, rec.imgOff, err)
	}
	r, err := f.content(rec.id, s, runs)
	if err != nil {
		return nil, err
	}
	if streamName != "" {
		c := *e
		c.Name, c.Size, c.Ref, c.Streams = e.Name+":"+streamName, s.size, e.Ref.Stream(streamName), nil
		c.Mode = 0o444
		e = &c
	}
	return &file{fsys: f, e: e, r: r, size: s.size, runs: runs}, nil
}

type eofReader struct{}

func (eofReader) ReadAt([]byte, int64) (int, error) { return 0, io.EOF }

// Open opens an allocated file or directory by io/fs path.
func (f *FS) Open(name string) (fs.File, error) {
	rec, e, err := f.lookup("open", name)
	if err != nil {
		return nil, err
	}
	return f.openRecord(rec, e, "")
}

// Stat returns the FileInfo of an allocated path.
func (f *FS) Stat(name string) (fs.FileInfo, error) {
	_, e, err := f.lookup("stat", name)
	if err != nil {
		return nil, err
	}
	return e.Info(), nil
}

// ReadDir lists the allocated entries of a directory, sorted by name.
func (f *FS) ReadDir(name string) ([]fs.DirEntry, error) {
	rec, _, err := f.lookup("readdir", name)
	if err != nil {
		return nil, err
	}
	if !rec.isDir() {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: errors.New("not a directory")}
	}
	return f.readDir(rec.id, name)
}

func (f *FS) lookup(op, name string) (*record, *filesystem.Entry, error) {
	if !fs.ValidPath(name) {
		return nil, nil, &fs.PathError{Op: op, Path: name, Err: fs.ErrInvalid}
	}
	idx, err := f.index(context.Background())
	if err != nil {
		return nil, nil, &fs.PathError{Op: op, Path: name, Err: err}
	}
	li, ok := idx.lookup(name, func(id int64) bool { return idx.nodes[id].flags&recInUse != 0 })
	if !ok {
		return nil, nil, &fs.PathError{Op: op, Path: name, Err: fs.ErrNotExist}
	}
	id := int64(rootRecord)
	var l *link
	p := "/"
	if li >= 0 {
		l = &idx.links[li]
		id = l.rec
		p = "/" + name
	}
	rec, _, err := f.parseRecord(id)
	if err != nil {
		return nil, nil, &fs.PathError{Op: op, Path: name, Err: err}
	}
	return rec, f.buildEntry(rec, l, p, classAlloc), nil
}

func (f *FS) readDir(dir int64, name string) ([]fs.DirEntry, error) {
	idx, err := f.index(context.Background())
	if err != nil {
		return nil, err
	}
	var out []fs.DirEntry
	seen := map[string]bool{}
	for _, li := range idx.children[dir] {
		l := &idx.links[li]
		if l.class != classAlloc || seen[l.name] {
			continue
		}
		seen[l.name] = true
		rec, _, err := f.summaryRecord(l.rec, false)
		if err != nil {
			f.warn.add(f.ref.Entry("/"+name, ""), -1, fmt.Errorf("ntfs: listing %q: MFT record %d: %w", name, l.rec, err))
			continue
		}
		p := "/" + l.name
		if name != "." {
			p = "/" + name + "/" + l.name
		}
		out = append(out, fs.FileInfoToDirEntry(f.buildEntry(rec, l, p, classAlloc).Info()))
	}
	return out, nil
}

// file is an opened stream or directory.
type file struct {
	fsys  *FS
	e     *filesystem.Entry
	r     io.ReaderAt
	size  int64
	runs  []filesystem.Run
	dir   int64
	isDir bool

	mu      sync.Mutex
	off     int64
	closed  bool
	dirents []fs.DirEntry
	dirRead bool
}

func (fl *file) Entry() *filesystem.Entry   { return fl.e }
func (fl *file) Runs() []filesystem.Run     { return fl.runs }
func (fl *file) Stat() (fs.FileInfo, error) { return fl.e.Info(), nil }

func (fl *file) Close() error {
	fl.mu.Lock()
	defer fl.mu.Unlock()
	if fl.closed {
		return &fs.PathError{Op: "close", Path: fl.e.Path, Err: fs.ErrClosed}
	}
	fl.closed = true
	return nil
}

func (fl *file) Read(p []byte) (int, error) {
	fl.mu.Lock()
	defer fl.mu.Unlock()
	if fl.closed {
		return 0, &fs.PathError{Op: "read", Path: fl.e.Path, Err: fs.ErrClosed}
	}
	if fl.isDir {
		return 0, &fs.PathError{Op: "read", Path: fl.e.Path, Err: errors.New("is a directory")}
	}
	n, err := fl.readAt(p, fl.off)
	fl.off += int64(n)
	return n, err
}

func (fl *file) ReadAt(p []byte, off int64) (int, error) {
	if fl.isDir {
		return 0, &fs.PathError{Op: "read", Path: fl.e.Path, Err: errors.New("is a directory")}
	}
	return fl.readAt(p, off)
}

func (fl *file) readAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, &fs.PathError{Op: "read", Path: fl.e.Path, Err: fs.ErrInvalid}
	}
	if off >= fl.size {
		return 0, io.EOF
	}
	want := p
	if rest := fl.size - off; int64(len(want)) > rest {
		want = want[:rest]
	}
	n, err := fl.r.ReadAt(want, off)
	if n == len(want) {
		err = nil
		if len(want) < len(p) {
			err = io.EOF
		}
	} else if err == nil || errors.Is(err, io.EOF) {
		err = fmt.Errorf("ntfs: %s: %w at file offset %d", fl.e.Path, io.ErrUnexpectedEOF, off+int64(n))
	}
	return n, err
}

func (fl *file) Seek(offset int64, whence int) (int64, error) {
	fl.mu.Lock()
	defer fl.mu.Unlock()
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		offset += fl.off
	case io.SeekEnd:
		offset += fl.size
	default:
		return 0, &fs.PathError{Op: "seek", Path: fl.e.Path, Err: fs.ErrInvalid}
	}
	if offset < 0 {
		return 0, &fs.PathError{Op: "seek", Path: fl.e.Path, Err: fs.ErrInvalid}
	}
	fl.off = offset
	return offset, nil
}

// ReadDir implements fs.ReadDirFile for directories.
func (fl *file) ReadDir(n int) ([]fs.DirEntry, error) {
	fl.mu.Lock()
	defer fl.mu.Unlock()
	if !fl.isDir {
		return nil, &fs.PathError{Op: "readdir", Path: fl.e.Path, Err: errors.New("not a directory")}
	}
	if !fl.dirRead {
		name := "."
		if fl.e.Path != "/" {
			name = fl.e.Path[1:]
		}
		list, err := fl.fsys.readDir(fl.dir, name)
		if err != nil {
			return nil, err
		}
		fl.dirents, fl.dirRead = list, true
	}
	if n <= 0 {
		out := fl.dirents
		fl.dirents = nil
		return out, nil
	}
	if len(fl.dirents) == 0 {
		return nil, io.EOF
	}
	n = min(n, len(fl.dirents))
	out := fl.dirents[:n]
	fl.dirents = fl.dirents[n:]
	return out, nil
}
