package ext4

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/loupe-forensics/loupe/forensic/filesystem"
)

// errFound ends a directory lookup once the name is found.
var errFound = errors.New("ext4: found")

// lookup resolves an io/fs path ("." or "a/b") to its inode and parent.
// Symbolic links are not followed, in the middle of a path or at its end:
// a forensic view shows the link itself, and hostile links cannot loop.
func (f *FS) lookup(ctx context.Context, op, name string) (*inode, uint32, error) {
	if !fs.ValidPath(name) {
		return nil, 0, &fs.PathError{Op: op, Path: name, Err: fs.ErrInvalid}
	}
	in, err := f.inode(rootIno)
	if err != nil {
		return nil, 0, &fs.PathError{Op: op, Path: name, Err: err}
	}
	if name == "." {
		return in, 0, nil
	}
	parent := uint32(0)
	for _, part := range strings.Split(name, "/") {
		if in.typ() != modeDir {
			return nil, 0, &fs.PathError{Op: op, Path: name, Err: fs.ErrNotExist}
		}
		var found uint32
		err := f.readDir(ctx, in, f.ref.Entry("/"+name, ""), func(d dirent) error {
			if !d.deleted && string(d.nameB) == part {
				found = d.ino
				return errFound
			}
			return nil
		})
		if err != nil && !errors.Is(err, errFound) {
			return nil, 0, &fs.PathError{Op: op, Path: name, Err: err}
		}
		if found == 0 {
			return nil, 0, &fs.PathError{Op: op, Path: name, Err: fs.ErrNotExist}
		}
		parent = in.ino
		if in, err = f.inode(found); err != nil {
			return nil, 0, &fs.PathError{Op: op, Path: name, Err: err}
		}
	}
	return in, parent, nil
}

func absPath(name string) string {
	if name == "." {
		return "/"
	}
	return "/" + name
}

// Stat implements fs.StatFS. Links are not followed (see lookup).
func (f *FS) Stat(name string) (fs.FileInfo, error) {
	in, parent, err := f.lookup(context.Background(), "stat", name)
	if err != nil {
		return nil, err
	}
	return fileInfo{f.entry(in, absPath(name), path.Base(name), idString(parent)), path.Base(name)}, nil
}

// Lstat implements fs.ReadLinkFS; it is Stat, since Stat never follows links.
func (f *FS) Lstat(name string) (fs.FileInfo, error) { return f.Stat(name) }

// ReadLink implements fs.ReadLinkFS.
func (f *FS) ReadLink(name string) (string, error) {
	in, _, err := f.lookup(context.Background(), "readlink", name)
	if err != nil {
		return "", err
	}
	if in.typ() != modeLink {
		return "", &fs.PathError{Op: "readlink", Path: name, Err: fs.ErrInvalid}
	}
	t, err := f.linkTarget(in)
	if err != nil {
		return "", &fs.PathError{Op: "readlink", Path: name, Err: err}
	}
	return t, nil
}

// Open implements fs.FS. Opening a symlink opens the link itself; its
// content is the target path.
func (f *FS) Open(name string) (fs.File, error) {
	in, parent, err := f.lookup(context.Background(), "open", name)
	if err != nil {
		return nil, err
	}
	return f.openInode(in, f.entry(in, absPath(name), path.Base(name), idString(parent)), path.Base(name))
}

// ReadDir implements fs.ReadDirFS: allocated names, sorted, without "." and "..".
func (f *FS) ReadDir(name string) ([]fs.DirEntry, error) {
	in, _, err := f.lookup(context.Background(), "readdir", name)
	if err != nil {
		return nil, err
	}
	if in.typ() != modeDir {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: errors.New("not a directory")}
	}
	return f.list(context.Background(), in, absPath(name))
}

func (f *FS) list(ctx context.Context, dir *inode, dirPath string) ([]fs.DirEntry, error) {
	var out []fs.DirEntry
	prefix := strings.TrimSuffix(dirPath, "/")
	var child inode
	err := f.readDir(ctx, dir, f.ref.Entry(dirPath, strconv.FormatUint(uint64(dir.ino), 10)), func(d dirent) error {
		if d.deleted {
			return nil
		}
		p := prefix + "/" + string(d.nameB)
		name := p[len(prefix)+1:]
		if err := f.inodeInto(d.ino, &child); err != nil {
			f.warnErr(f.ref.Entry(p, strconv.FormatUint(uint64(d.ino), 10)), f.volOff+d.off, err)
			return nil
		}
		out = append(out, dirEntry{fileInfo{f.entry(&child, p, name, idString(dir.ino)), name}})
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	return out, nil
}

// parseID turns "12" into inode 12, within the volume's range.
func (f *FS) parseID(op string, id filesystem.EntryID) (uint32, error) {
	n, err := strconv.ParseUint(string(id), 10, 32)
	if err != nil || n == 0 || n > uint64(f.ninodes) {
		return 0, &fs.PathError{Op: op, Path: string(id), Err: fs.ErrNotExist}
	}
	return uint32(n), nil
}

// StatID implements filesystem.FS. The entry has no path: an inode does not
// know its names.
func (f *FS) StatID(ctx context.Context, id filesystem.EntryID) (*filesystem.Entry, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	ino, err := f.parseID("stat", id)
	if err != nil {
		return nil, err
	}
	in, err := f.inode(ino)
	if err != nil {
		return nil, &fs.PathError{Op: "stat", Path: string(id), Err: err}
	}
	return f.entry(in, "", "", ""), nil
}

// OpenID implements filesystem.FS; deleted inodes open too, as long as
// they still map data. ext4 has no named streams.
func (f *FS) OpenID(ctx context.Context, id filesystem.EntryID, stream string) (filesystem.File, error) {
	if stream != "" {
		return nil, &fs.PathError{Op: "open", Path: string(id) + ":" + stream, Err: fs.ErrNotExist}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	ino, err := f.parseID("open", id)
	if err != nil {
		return nil, err
	}
	in, err := f.inode(ino)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: string(id), Err: err}
	}
	return f.openInode(in, f.entry(in, "", "", ""), string(id))
}

func (f *FS) openInode(in *inode, e *filesystem.Entry, name string) (*file, error) {
	fl := &file{f: f, in: *in.clone(), e: e, name: name}
	if in.typ() == modeDir {
		return fl, nil
	}
	rs, err := f.runs(in)
	if err != nil {
		f.warnErr(e.Ref, f.volOff+in.off, err)
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	fl.rd = &runReader{f: f, runs: rs, size: in.fileSize()}
	return fl, nil
}

// file is an opened entry. Directories implement fs.ReadDirFile.
type file struct {
	f    *FS
	in   inode
	e    *filesystem.Entry
	name string
	rd   *runReader
	pos  int64
	list []fs.DirEntry // directory listing, read on first ReadDir
	read bool
}

func (fl *file) Stat() (fs.FileInfo, error) { return fileInfo{fl.e, fl.name}, nil }
func (fl *file) Close() error               { return nil }
func (fl *file) Entry() *filesystem.Entry   { return fl.e }

// Runs implements filesystem.File.
func (fl *file) Runs() []filesystem.Run {
	if fl.rd == nil {
		rs, _ := fl.f.runs(&fl.in)
		return rs
	}
	return slices.Clone(fl.rd.runs)
}

func (fl *file) Read(p []byte) (int, error) {
	if fl.rd == nil {
		return 0, &fs.PathError{Op: "read", Path: fl.name, Err: errors.New("is a directory")}
	}
	n, err := fl.rd.ReadAt(p, fl.pos)
	fl.pos += int64(n)
	if err == io.EOF && n > 0 {
		err = nil
	}
	return n, err
}

func (fl *file) ReadAt(p []byte, off int64) (int, error) {
	if fl.rd == nil {
		return 0, &fs.PathError{Op: "read", Path: fl.name, Err: errors.New("is a directory")}
	}
	return fl.rd.ReadAt(p, off)
}

func (fl *file) Seek(offset int64, whence int) (int64, error) {
	var abs int64
	switch whence {
	case io.SeekStart:
		abs = offset
	case io.SeekCurrent:
		abs = fl.pos + offset
	case io.SeekEnd:
		abs = fl.e.Size + offset
	default:
		return 0, fmt.Errorf("ext4: seek whence %d: %w", whence, fs.ErrInvalid)
	}
	if abs < 0 {
		return 0, fmt.Errorf("ext4: seek to %d: %w", abs, fs.ErrInvalid)
	}
	fl.pos = abs
	return abs, nil
}

// ReadDir implements fs.ReadDirFile.
func (fl *file) ReadDir(n int) ([]fs.DirEntry, error) {
	if fl.in.typ() != modeDir {
		return nil, &fs.PathError{Op: "readdir", Path: fl.name, Err: errors.New("not a directory")}
	}
	if !fl.read {
		l, err := fl.f.list(context.Background(), &fl.in, fl.e.Path)
		if err != nil {
			return nil, err
		}
		fl.list, fl.read = l, true
	}
	if n <= 0 {
		out := fl.list
		fl.list = nil
		return out, nil
	}
	if len(fl.list) == 0 {
		return nil, io.EOF
	}
	k := min(n, len(fl.list))
	out := fl.list[:k:k]
	fl.list = fl.list[k:]
	return out, nil
}

// fileInfo is the io/fs view of an Entry under the name it was opened by.
type fileInfo struct {
	e    *filesystem.Entry
	name string
}

func (i fileInfo) Name() string      { return i.name }
func (i fileInfo) Size() int64       { return i.e.Size }
func (i fileInfo) Mode() fs.FileMode { return i.e.Mode }
func (i fileInfo) IsDir() bool       { return i.e.Mode.IsDir() }
func (i fileInfo) Sys() any          { return i.e }
func (i fileInfo) ModTime() time.Time {
	if i.e.Times.Modified != nil {
		return *i.e.Times.Modified
	}
	return time.Time{}
}

type dirEntry struct{ fileInfo }

func (d dirEntry) Type() fs.FileMode          { return d.e.Mode.Type() }
func (d dirEntry) Info() (fs.FileInfo, error) { return d.fileInfo, nil }
func (d dirEntry) String() string             { return fs.FormatDirEntry(d) }
