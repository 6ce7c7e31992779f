// Package localstorage reads Chromium's "Local Storage/leveldb" folder, as
// Electron apps (Element, Discord, Signal, …) keep it. The folder is copied
// into the parser's work folder and opened there with goleveldb, so the
// evidence is never opened by LevelDB (which writes a LOCK file, logs and,
// when recovering, new tables).
//
// Chromium's keys: "VERSION"; "META:<origin>" (protobuf metadata);
// "_<origin>\x00<script key>" where the script key and every value start with
// a type byte: 0x01 for Latin-1, 0x00 for UTF-16LE.
package localstorage

import (
	"bytes"
	"context"
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
	"unicode/utf16"

	"github.com/loupe-forensics/loupe/artefacts"
	"github.com/syndtr/goleveldb/leveldb"
	"github.com/syndtr/goleveldb/leveldb/opt"
)

// Bounds for the copy and the read.
const (
	MaxFolder  = 256 << 20 // all files of the folder together
	MaxEntries = 1 << 20
)

var currentRE = regexp.MustCompile(`^MANIFEST-[0-9]{6,}\r?\n?$`)

// Match is true for a LevelDB CURRENT file (the entry point of a folder).
func Match(in *artefacts.Input) bool {
	return in.Size > 0 && in.Size < 64 && currentRE.Match(in.Head)
}

// Entry is one Local Storage item.
type Entry struct {
	Origin string
	Key    string
	Value  string
}

// Read copies the folder around the CURRENT file in into in.WorkDir, opens
// it and returns every Local Storage item, sorted by origin and key. warn
// receives problems that do not stop the read.
func Read(ctx context.Context, in *artefacts.Input, warn func(string)) ([]Entry, error) {
	if in.FS == nil || in.Path == "" || in.WorkDir == "" {
		return nil, errors.New("localstorage: needs the file system, the path and a work folder")
	}
	dir := strings.TrimPrefix(path.Dir(in.Path), "/")
	if dir == "" {
		dir = "."
	}
	work, err := os.MkdirTemp(in.WorkDir, "leveldb-")
	if err != nil {
		return nil, fmt.Errorf("localstorage: work folder: %w", err)
	}
	defer os.RemoveAll(work)
	if err := copyFolder(in.FS, dir, work); err != nil {
		return nil, err
	}
	db, err := leveldb.OpenFile(work, &opt.Options{ErrorIfMissing: true, ReadOnly: true})
	if err != nil {
		// A damaged manifest or table: rebuild the copy from what is readable.
		warn(fmt.Sprintf("LevelDB folder /%s does not open (%v); recovered from its tables and log", dir, err))
		db, err = leveldb.RecoverFile(work, nil)
		if err != nil {
			return nil, fmt.Errorf("localstorage: LevelDB folder /%s is unreadable: %w", dir, err)
		}
	}
	defer db.Close()
	var out []Entry
	it := db.NewIterator(nil, nil)
	defer it.Release()
	for it.Next() {
		if len(out)%1024 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if len(out) >= MaxEntries {
			warn(fmt.Sprintf("more than %d entries: the rest is not read", MaxEntries))
			break
		}
		k := it.Key()
		if len(k) == 0 || k[0] != '_' {
			continue
		}
		sep := bytes.IndexByte(k, 0)
		if sep < 0 {
			continue
		}
		name, ok1 := decode(k[sep+1:])
		val, ok2 := decode(it.Value())
		if !ok1 || !ok2 {
			warn(fmt.Sprintf("entry %q of origin %q has an unknown encoding byte", k[sep+1:], k[1:sep]))
			continue
		}
		out = append(out, Entry{Origin: string(k[1:sep]), Key: name, Value: val})
	}
	if err := it.Error(); err != nil {
		warn(fmt.Sprintf("LevelDB iteration stopped: %v", err))
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Origin != out[j].Origin {
			return out[i].Origin < out[j].Origin
		}
		return out[i].Key < out[j].Key
	})
	return out, nil
}

// decode reads a type-byte-prefixed Chromium string.
func decode(b []byte) (string, bool) {
	if len(b) == 0 {
		return "", false
	}
	switch b[0] {
	case 1:
		r := make([]rune, len(b)-1)
		for i, c := range b[1:] {
			r[i] = rune(c)
		}
		return string(r), true
	case 0:
		if (len(b)-1)%2 != 0 {
			return "", false
		}
		u := make([]uint16, (len(b)-1)/2)
		for i := range u {
			u[i] = uint16(b[1+2*i]) | uint16(b[2+2*i])<<8
		}
		return string(utf16.Decode(u)), true
	}
	return "", false
}

// copyFolder copies the regular files of dir (not LOCK) into work.
func copyFolder(fsys fs.FS, dir, work string) error {
	ents, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return fmt.Errorf("localstorage: listing /%s: %w", dir, err)
	}
	var total int64
	for _, e := range ents {
		if !e.Type().IsRegular() || e.Name() == "LOCK" {
			continue
		}
		info, err := e.Info()
		if err != nil {
			return fmt.Errorf("localstorage: /%s/%s: %w", dir, e.Name(), err)
		}
		total += info.Size()
		if total > MaxFolder {
			return fmt.Errorf("localstorage: folder /%s is over %d bytes", dir, MaxFolder)
		}
		if err := copyFile(fsys, path.Join(dir, e.Name()), filepath.Join(work, e.Name()), info.Size()); err != nil {
			return err
		}
	}
	return nil
}

func copyFile(fsys fs.FS, src, dst string, size int64) error {
	f, err := fsys.Open(src)
	if err != nil {
		return fmt.Errorf("localstorage: /%s: %w", src, err)
	}
	defer f.Close()
	w, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("localstorage: work copy: %w", err)
	}
	if _, err := io.Copy(w, io.LimitReader(f, size)); err != nil {
		w.Close()
		return fmt.Errorf("localstorage: copying /%s: %w", src, err)
	}
	return w.Close()
}
