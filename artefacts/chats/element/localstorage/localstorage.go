// Package localstorage reads Chromium's "Local Storage/leveldb" folder, as
// Electron apps (Element, Discord, Signal, …) keep it. The folder is copied
// into the parser's work folder and opened there (artefacts/leveldbcopy), so
// the evidence is never opened by LevelDB (which writes a LOCK file, logs
// and, when recovering, new tables).
//
// Chromium's keys: "VERSION"; "META:<origin>" (protobuf metadata);
// "_<origin>\x00<script key>" where the script key and every value start with
// a type byte: 0x01 for Latin-1, 0x00 for UTF-16LE.
package localstorage

import (
	"bytes"
	"context"
	"fmt"
	"sort"
	"unicode/utf16"

	"github.com/loupe-forensics/loupe/artefacts"
	"github.com/loupe-forensics/loupe/artefacts/leveldbcopy"
)

// MaxEntries bounds the read (the copy is bounded by leveldbcopy).
const MaxEntries = 1 << 20

// Match is true for a LevelDB CURRENT file (the entry point of a folder).
func Match(in *artefacts.Input) bool { return leveldbcopy.Match(in) }

// Entry is one Local Storage item.
type Entry struct {
	Origin string
	Key    string
	Value  string
}

// Read copies the folder around the CURRENT file in into in.WorkDir
// (artefacts/leveldbcopy), opens it and returns every Local Storage item,
// sorted by origin and key. warn receives problems that do not stop the read.
func Read(ctx context.Context, in *artefacts.Input, warn func(string)) ([]Entry, error) {
	c, err := leveldbcopy.Open(in)
	if err != nil {
		return nil, fmt.Errorf("localstorage: %w", err)
	}
	defer c.Close()
	if c.Repair {
		warn(fmt.Sprintf("LevelDB folder /%s does not open as it is; recovered from its tables and log", c.Dir))
	}
	db := c.DB
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
