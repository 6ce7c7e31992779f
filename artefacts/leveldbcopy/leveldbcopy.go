// Package leveldbcopy opens LevelDB stores found on evidence (MetaMask's
// extension storage, Electron and Chromium Local Storage) the only safe way:
// by copying the store's files into the parser's work folder and opening
// the copy.
package leveldbcopy

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/syndtr/goleveldb/leveldb"
	"github.com/syndtr/goleveldb/leveldb/opt"

	"github.com/loupe-forensics/loupe/artefacts"
)

// LevelDB stores are folders: CURRENT names the live MANIFEST, which lists the .log and
// .ldb/.sst files. The parsers match the CURRENT file (one per store, and
// its content is unmistakable), copy the folder's LevelDB files into the
// parser's work folder and open the copy with goleveldb, which writes LOCK
// and LOG files and may rewrite the log while recovering: it must never see
// the evidence.

// Bounds on what one store may make a parser copy.
const (
	MaxBytes = 256 << 20
	MaxFiles = 2000
)

var currentContent = regexp.MustCompile(`^MANIFEST-[0-9]{1,20}\n?$`)

// Match reports whether in looks like a LevelDB CURRENT file.
func Match(in *artefacts.Input) bool {
	return in.Size > 0 && in.Size <= 64 && currentContent.Match(in.Head)
}

var levelDBFile = regexp.MustCompile(`^(CURRENT|MANIFEST-[0-9]+|[0-9]+\.(log|ldb|sst))$`)

// Copy is an opened working copy of a store.
type Copy struct {
	DB     *leveldb.DB
	Dir    string   // the store's folder on the evidence (fs.FS path)
	Files  []string // the files copied, sorted
	Bytes  int64
	Repair bool // goleveldb had to recover the copy (a damaged or torn store)
	tmp    string
}

// Close closes the copy and removes it.
func (c *Copy) Close() error {
	err := c.DB.Close()
	return errors.Join(err, os.RemoveAll(c.tmp))
}

// Open copies the store around in (its CURRENT file) into a fresh folder
// under in.WorkDir and opens the copy.
func Open(in *artefacts.Input) (*Copy, error) {
	if in.FS == nil || in.Path == "" {
		return nil, fmt.Errorf("leveldb: %s: the store's folder is not readable (no file system given)", in.Ref)
	}
	if in.WorkDir == "" {
		return nil, errors.New("leveldb: no work folder to copy the store into")
	}
	dir := path.Dir(strings.TrimPrefix(in.Path, "/"))
	ents, err := fs.ReadDir(in.FS, dir)
	if err != nil {
		return nil, fmt.Errorf("leveldb: list %s: %w", dir, err)
	}
	tmp, err := os.MkdirTemp(in.WorkDir, "leveldb-")
	if err != nil {
		return nil, fmt.Errorf("leveldb: work folder: %w", err)
	}
	c := &Copy{Dir: dir, tmp: tmp}
	fail := func(err error) (*Copy, error) {
		os.RemoveAll(tmp)
		return nil, err
	}
	for _, e := range ents {
		if !e.Type().IsRegular() || !levelDBFile.MatchString(e.Name()) {
			continue
		}
		if len(c.Files) >= MaxFiles {
			return fail(fmt.Errorf("leveldb: %s holds more than %d store files", dir, MaxFiles))
		}
		info, err := e.Info()
		if err != nil {
			return fail(fmt.Errorf("leveldb: stat %s: %w", e.Name(), err))
		}
		if c.Bytes+info.Size() > MaxBytes {
			return fail(fmt.Errorf("leveldb: %s is over the %d-byte copy limit", dir, MaxBytes))
		}
		if err := copyOut(in.FS, path.Join(dir, e.Name()), filepath.Join(tmp, e.Name()), info.Size()); err != nil {
			return fail(err)
		}
		c.Bytes += info.Size()
		c.Files = append(c.Files, e.Name())
	}
	sort.Strings(c.Files)
	// First as it is, strictly and read-only: a store that does not open so
	// is damaged, and the caller is told (Repair) rather than given a
	// silently partial read.
	o := &opt.Options{ErrorIfMissing: true, ReadOnly: true, OpenFilesCacheCapacity: 16, BlockCacheCapacity: 8 << 20}
	db, err := leveldb.OpenFile(tmp, o)
	if err != nil {
		// A torn manifest or log: rebuild the copy's manifest from its
		// tables (this writes, to the copy only), reading what is readable.
		db, err = leveldb.RecoverFile(tmp, &opt.Options{Strict: opt.NoStrict, OpenFilesCacheCapacity: 16, BlockCacheCapacity: 8 << 20})
		if err != nil {
			return fail(fmt.Errorf("leveldb: open a copy of %s: %w", dir, err))
		}
		c.Repair = true
	}
	c.DB = db
	return c, nil
}

// copyOut copies one file from the evidence file system to the work folder,
// at most size bytes (the size listed when the copy limit was checked).
func copyOut(fsys fs.FS, from, to string, size int64) error {
	src, err := fsys.Open(from)
	if err != nil {
		return fmt.Errorf("leveldb: open %s: %w", from, err)
	}
	defer src.Close()
	dst, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("leveldb: create work copy: %w", err)
	}
	if _, err := io.Copy(dst, io.LimitReader(src, size)); err != nil {
		dst.Close()
		return fmt.Errorf("leveldb: copy %s: %w", from, err)
	}
	return dst.Close()
}

// GetCapped reads one key's value, refusing values over limit.
func GetCapped(db *leveldb.DB, key string, limit int) ([]byte, bool, error) {
	v, err := db.Get([]byte(key), nil)
	if errors.Is(err, leveldb.ErrNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("leveldb: get %q: %w", key, err)
	}
	if len(v) > limit {
		return nil, true, fmt.Errorf("leveldb: value of %q is %d bytes, over the %d-byte limit", key, len(v), limit)
	}
	return v, true, nil
}
