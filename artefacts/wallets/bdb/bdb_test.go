package bdb

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

const fixtures = "../../../testdata/artefacts/wallets/bitcoin-core"

type manifestEntry struct {
	File        string   `json:"file"`
	Format      string   `json:"format"`
	Databases   []string `json:"db_dump_databases"`
	DumpRecords int      `json:"db_dump_records"`
	DumpPairs   string   `json:"db_dump_pairs_sha256"`
}

func bdbFixtures(t testing.TB) map[string]manifestEntry {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fixtures, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]manifestEntry
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	out := map[string]manifestEntry{}
	for k, v := range m {
		if v.Format == "bdb" {
			out[k] = v
		}
	}
	if len(out) != 2 {
		t.Fatalf("%d BDB fixtures in the manifest, want 2", len(out))
	}
	return out
}

func load(t testing.TB, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fixtures, "..", rel))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestAgainstDBDump: every key/value pair equals what the real db5.3_dump
// printed for the same file (the manifest keeps the count and a SHA-256 of
// its " key\t value" lines).
func TestAgainstDBDump(t *testing.T) {
	for name, m := range bdbFixtures(t) {
		t.Run(name, func(t *testing.T) {
			data := load(t, m.File)
			f, err := Open(bytes.NewReader(data), int64(len(data)), Limits{})
			if err != nil {
				t.Fatal(err)
			}
			dbs, err := f.Databases(context.Background())
			if err != nil || strings.Join(dbs, ",") != strings.Join(m.Databases, ",") {
				t.Fatalf("databases %q (%v), db_dump -l lists %q", dbs, err, m.Databases)
			}
			var lines strings.Builder
			n := 0
			var warns []error
			err = f.Walk(context.Background(), "main", func(it Item) error {
				n++
				fmt.Fprintf(&lines, " %s\t %s\n", hex.EncodeToString(it.Key), hex.EncodeToString(it.Value))
				return nil
			}, func(err error) { warns = append(warns, err) })
			if err != nil || len(warns) != 0 {
				t.Fatalf("walk: %v, warnings %v", err, warns)
			}
			sum := sha256.Sum256([]byte(lines.String()))
			if n != m.DumpRecords || hex.EncodeToString(sum[:]) != m.DumpPairs {
				t.Fatalf("%d records (sha256 %x); db5.3_dump read %d (%s)", n, sum, m.DumpRecords, m.DumpPairs)
			}
		})
	}
}

// pageOf returns the offset of page pgno.
func pageOf(f *File, pgno uint32) int { return int(pgno) * int(f.meta.PageSize) }

// firstPage finds the first page of the given type.
func firstPage(t *testing.T, data []byte, typ byte) uint32 { return pageAfter(t, data, typ, 0) }

// pageAfter finds the first page of the given type from page from on.
func pageAfter(t *testing.T, data []byte, typ byte, from int) uint32 {
	for p := from; (p+1)*4096 <= len(data); p++ {
		if data[p*4096+25] == typ {
			return uint32(p)
		}
	}
	t.Fatalf("no page of type %d", typ)
	return 0
}

// TestHostile: damaged files give errors or warnings, never a panic, a
// hang or an allocation beyond the bound.
func TestHostile(t *testing.T) {
	var legacy manifestEntry
	for _, m := range bdbFixtures(t) {
		if strings.Contains(m.File, "legacy") {
			legacy = m
		}
	}
	orig := load(t, legacy.File)
	f0, err := Open(bytes.NewReader(orig), int64(len(orig)), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	ovf := firstPage(t, orig, pageOverflow)
	internal := firstPage(t, orig, pageIBtree)
	le := binary.LittleEndian
	cases := []struct {
		name     string
		mutate   func([]byte) []byte
		openErr  error // expected from Open
		walkErr  bool  // Walk returns an error
		warnings int   // at least this many warnings
		items    int   // at most this many items (-1: any)
	}{
		{name: "truncated to the meta page", mutate: func(b []byte) []byte { return b[:4096] }, walkErr: true},
		{name: "truncated mid-tree", mutate: func(b []byte) []byte { return b[:7*4096+100] }, warnings: 1, items: 200},
		{name: "page size claims 64 KiB", mutate: func(b []byte) []byte { le.PutUint32(b[20:], 65536); return b }, walkErr: true},
		{name: "page size not a power of two", mutate: func(b []byte) []byte { le.PutUint32(b[20:], 5000); return b }, openErr: ErrCorrupt},
		{name: "page size 512", mutate: func(b []byte) []byte { le.PutUint32(b[20:], 512); return b }, walkErr: true},
		{name: "cyclic overflow chain", mutate: func(b []byte) []byte {
			le.PutUint32(b[pageOf(f0, ovf)+16:], ovf) // next page = itself
			le.PutUint16(b[pageOf(f0, ovf)+22:], 100) // and claims only 100 bytes, so the chain must go on
			return b
		}, warnings: 1},
		{name: "overflow length lies (4 GiB)", mutate: func(b []byte) []byte {
			// Find the overflow item on the leaves and make its total huge.
			for p := 0; (p+1)*4096 <= len(b); p++ {
				pg := b[p*4096 : (p+1)*4096]
				if pg[25] != pageLBtree {
					continue
				}
				for i := 0; i < int(le.Uint16(pg[20:])); i++ {
					off := int(le.Uint16(pg[26+2*i:]))
					if pg[off+2] == itemOverflow {
						le.PutUint32(pg[off+8:], 0xFFFFFFF0)
					}
				}
			}
			return b
		}, warnings: 1},
		{name: "internal page points at itself", mutate: func(b []byte) []byte {
			pg := b[pageOf(f0, internal):]
			off := int(le.Uint16(pg[26:]))
			le.PutUint32(pg[off+4:], internal)
			return b
		}, warnings: 1},
		{name: "entry count past the page", mutate: func(b []byte) []byte {
			// A leaf of the wallet's own tree (page 1 is the master database's).
			le.PutUint16(b[pageOf(f0, pageAfter(t, b, pageLBtree, 2))+20:], 0xFFFF)
			return b
		}, warnings: 1},
		{name: "item offsets out of the page", mutate: func(b []byte) []byte {
			pg := b[pageOf(f0, pageAfter(t, b, pageLBtree, 2)):]
			for i := 0; i < int(le.Uint16(pg[20:])); i++ {
				le.PutUint16(pg[26+2*i:], 4095)
			}
			return b
		}, warnings: 1},
		{name: "root page number beyond the file", mutate: func(b []byte) []byte { le.PutUint32(b[88:], 1<<30); return b }, walkErr: true},
		{name: "bad magic", mutate: func(b []byte) []byte { b[12] = 0; return b }, openErr: ErrNotBDB},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			data := tc.mutate(bytes.Clone(orig))
			f, err := Open(bytes.NewReader(data), int64(len(data)), Limits{})
			if tc.openErr != nil {
				if !errors.Is(err, tc.openErr) {
					t.Fatalf("Open: %v, want %v", err, tc.openErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			var ms0, ms1 runtime.MemStats
			runtime.ReadMemStats(&ms0)
			var warns []error
			items := 0
			err = f.Walk(context.Background(), "main", func(Item) error { items++; return nil }, func(err error) { warns = append(warns, err) })
			runtime.ReadMemStats(&ms1)
			if tc.walkErr != (err != nil) {
				t.Fatalf("Walk error %v, want error: %v (warnings %v)", err, tc.walkErr, warns)
			}
			if len(warns) < tc.warnings {
				t.Fatalf("%d warnings, want at least %d", len(warns), tc.warnings)
			}
			if tc.items > 0 && items > tc.items {
				t.Fatalf("%d items", items)
			}
			if grew := ms1.TotalAlloc - ms0.TotalAlloc; grew > 4<<20 {
				t.Fatalf("walk allocated %d bytes on a %d-byte file", grew, len(data))
			}
			for _, w := range warns {
				var fe *FormatError
				if errors.As(w, &fe) && fe.Offset < 0 {
					t.Errorf("warning with a negative offset: %v", w)
				}
			}
		})
	}
}

func TestItemLimit(t *testing.T) {
	for _, m := range bdbFixtures(t) {
		data := load(t, m.File)
		f, err := Open(bytes.NewReader(data), int64(len(data)), Limits{MaxItems: 10})
		if err != nil {
			t.Fatal(err)
		}
		n, warned := 0, 0
		if err := f.Walk(context.Background(), "main", func(Item) error { n++; return nil }, func(error) { warned++ }); err != nil {
			t.Fatal(err)
		}
		if n != 10 || warned != 1 {
			t.Fatalf("%d items, %d warnings; want 10 and 1", n, warned)
		}
	}
}

// FuzzPages: any bytes open and walk without panics or runaway work.
func FuzzPages(f *testing.F) {
	ents, err := filepath.Glob(filepath.Join(fixtures, "*", "wallet.dat"))
	if err != nil || len(ents) == 0 {
		f.Fatalf("no seeds: %v", err)
	}
	for _, p := range ents {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		f.Add(b[:len(b)/2])
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		file, err := Open(bytes.NewReader(b), int64(len(b)), Limits{MaxItem: 1 << 20, MaxItems: 10000})
		if err != nil {
			return
		}
		ctx := context.Background()
		names, _ := file.Databases(ctx)
		names = append(names[:min(len(names), 3)], "")
		for _, n := range names {
			_ = file.Walk(ctx, n, func(it Item) error {
				if int64(len(it.Key)) > 1<<20 || int64(len(it.Value)) > 1<<20 {
					t.Fatalf("item over the limit")
				}
				return nil
			}, func(error) {})
		}
	})
}
