// Command mkleveldb writes the Chromium "Local Storage/leveldb" folders of
// the Element and Discord fixtures with goleveldb (the LevelDB implementation
// Loupe reads them with is the same library, but the on-disk format is
// LevelDB's: log file, table files, MANIFEST and CURRENT). It reads a JSON
// object {"family": [[hexkey, hexvalue], ...]} from stdin and writes
// OUTDIR/<family>/Local Storage/leveldb. Half of each family's entries are
// compacted into a table file and the rest stay in the write-ahead log, the
// way a live Chromium profile looks.
//
//	go run ./testdata/gen/mkleveldb OUTDIR < entries.json
package main

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/syndtr/goleveldb/leveldb"
	"github.com/syndtr/goleveldb/leveldb/util"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: mkleveldb OUTDIR < entries.json")
		os.Exit(2)
	}
	if err := run(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "mkleveldb:", err)
		os.Exit(1)
	}
}

func run(out string) error {
	var fams map[string][][2]string
	if err := json.NewDecoder(os.Stdin).Decode(&fams); err != nil {
		return fmt.Errorf("reading entries: %w", err)
	}
	names := make([]string, 0, len(fams))
	for n := range fams {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, fam := range names {
		dir := filepath.Join(out, fam, "Local Storage", "leveldb")
		if err := os.RemoveAll(dir); err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
			return err
		}
		db, err := leveldb.OpenFile(dir, nil)
		if err != nil {
			return fmt.Errorf("%s: %w", fam, err)
		}
		entries := fams[fam]
		half := len(entries) / 2
		for i, kv := range entries {
			k, err1 := hex.DecodeString(kv[0])
			v, err2 := hex.DecodeString(kv[1])
			if err1 != nil || err2 != nil {
				return fmt.Errorf("%s: entry %d is not hex", fam, i)
			}
			if err := db.Put(k, v, nil); err != nil {
				return err
			}
			if i == half-1 {
				if err := db.CompactRange(utilRange()); err != nil {
					return err
				}
			}
		}
		if err := db.Close(); err != nil {
			return err
		}
		// LOCK and LOG are the writer's; a copied profile has them too, but
		// they carry the generating machine's clock, so leave them out.
		for _, f := range []string{"LOCK", "LOG", "LOG.old"} {
			_ = os.Remove(filepath.Join(dir, f))
		}
	}
	return nil
}

func utilRange() (r util.Range) { return util.Range{} }
