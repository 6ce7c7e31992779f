// Package bdb reads Berkeley DB B-tree files (the format of Bitcoin Core's
// legacy wallet.dat) in pure Go, without libdb and without writing: the
// metadata page, sub-database names in the master database, internal and
// leaf B-tree pages and overflow chains.
//
// Layout (db_page.h of Berkeley DB 4.8–5.3, B-tree version 9): every page
// begins with a 26-byte header (LSN, page number, previous and next page,
// entry count, high-free offset, level, type); the item index, an array of
// 16-bit offsets, follows it. Page 0 is the metadata page: magic 0x00053162
// at offset 12 (in the writer's byte order, which is how the order is
// found), version at 16, page size at 20, last page number at 32 and, for
// B-trees, the root page at 88. A file holding several databases (Bitcoin
// Core's holds one called "main") has a master database whose leaf items
// map each name to the page of that database's own metadata page.
//
// Evidence is hostile: every page number is checked against the file size
// before it is read, B-tree descent is bounded by level and by a visited
// set, overflow chains are bounded by their declared length (checked
// against the file size before anything is allocated) and by a visited set,
// so truncated files, lying page sizes and cyclic chains end in errors or
// warnings, never in a hang or an unbounded allocation.
package bdb

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Magic is the B-tree metadata magic number.
const Magic = 0x00053162

// Page types (db_page.h).
const (
	pageInvalid   = 0
	pageIBtree    = 3 // internal B-tree page
	pageLBtree    = 5 // leaf B-tree page
	pageOverflow  = 7
	pageBtreeMeta = 9
)

// Item types (the low 7 bits of an item's type byte; 0x80 marks deleted).
const (
	itemKeyData   = 1
	itemDuplicate = 2
	itemOverflow  = 3
	itemDeleted   = 0x80
)

const (
	headerSize = 26
	maxLevel   = 32 // B-trees of real wallets have 1–4 levels
)

// Errors. Format problems are *FormatError values wrapping ErrCorrupt.
var (
	ErrNotBDB      = errors.New("bdb: not a Berkeley DB B-tree file")
	ErrCorrupt     = errors.New("bdb: corrupt")
	ErrUnsupported = errors.New("bdb: unsupported")
	ErrNoDatabase  = errors.New("bdb: no such database")
)

// FormatError names where in the file a problem was found.
type FormatError struct {
	Page   uint32
	Offset int64 // byte offset in the file
	Reason string
}

func (e *FormatError) Error() string {
	return fmt.Sprintf("bdb: page %d (byte %#x): %s", e.Page, e.Offset, e.Reason)
}

func (e *FormatError) Unwrap() error { return ErrCorrupt }

// Limits bound what one file may make the reader allocate.
type Limits struct {
	// MaxItem is the largest key or value read (overflow items included).
	MaxItem int64
	// MaxItems is the most items one Walk delivers.
	MaxItems int
}

// DefaultLimits: Bitcoin Core's largest values are transactions of a few
// hundred KiB; wallets hold tens of thousands of records at most.
var DefaultLimits = Limits{MaxItem: 16 << 20, MaxItems: 1 << 20}

// Meta is what the metadata page says about the file.
type Meta struct {
	Version   uint32
	PageSize  uint32
	LastPage  uint32
	BigEndian bool
	Root      uint32
	Encrypted bool // encrypt_alg set: pages are AES-encrypted by Berkeley DB itself
	Checksums bool // pages carry checksums
}

// File is an open B-tree file.
type File struct {
	r      io.ReaderAt
	size   int64
	order  binary.ByteOrder
	meta   Meta
	limits Limits
}

// Item is one key/value pair from a leaf page.
type Item struct {
	Key, Value []byte
	Page       uint32 // the leaf page
	Index      int    // the key's index on that page
	Offset     int64  // byte offset of the key item in the file
}

// Open reads and checks the metadata page.
func Open(r io.ReaderAt, size int64, lim Limits) (*File, error) {
	if lim.MaxItem <= 0 {
		lim.MaxItem = DefaultLimits.MaxItem
	}
	if lim.MaxItems <= 0 {
		lim.MaxItems = DefaultLimits.MaxItems
	}
	var h [512]byte
	if size < int64(len(h)) {
		return nil, fmt.Errorf("%w: %d bytes, shorter than a metadata page", ErrNotBDB, size)
	}
	if _, err := r.ReadAt(h[:], 0); err != nil {
		return nil, fmt.Errorf("bdb: read metadata page: %w", err)
	}
	f := &File{r: r, size: size, limits: lim}
	switch {
	case binary.LittleEndian.Uint32(h[12:]) == Magic:
		f.order = binary.LittleEndian
	case binary.BigEndian.Uint32(h[12:]) == Magic:
		f.order, f.meta.BigEndian = binary.BigEndian, true
	default:
		return nil, ErrNotBDB
	}
	if h[25] != pageBtreeMeta {
		return nil, fmt.Errorf("%w: metadata page type %d (only B-tree files are read)", ErrUnsupported, h[25])
	}
	f.meta.Version = f.order.Uint32(h[16:])
	f.meta.PageSize = f.order.Uint32(h[20:])
	f.meta.LastPage = f.order.Uint32(h[32:])
	f.meta.Encrypted = h[24] != 0
	f.meta.Checksums = h[26]&0x01 != 0
	f.meta.Root = f.order.Uint32(h[88:])
	ps := f.meta.PageSize
	if ps < 512 || ps > 65536 || ps&(ps-1) != 0 {
		return nil, &FormatError{Page: 0, Offset: 20, Reason: fmt.Sprintf("page size %d is not a power of two in [512, 65536]", ps)}
	}
	if f.meta.Version < 8 || f.meta.Version > 10 {
		return nil, fmt.Errorf("%w: B-tree version %d (8–10 are read)", ErrUnsupported, f.meta.Version)
	}
	if f.meta.Encrypted {
		return nil, fmt.Errorf("%w: the file is encrypted by Berkeley DB (encrypt_alg %d)", ErrUnsupported, h[24])
	}
	return f, nil
}

// Meta returns the metadata page's facts.
func (f *File) Meta() Meta { return f.meta }

// Pages is how many whole pages the file holds.
func (f *File) Pages() int64 { return f.size / int64(f.meta.PageSize) }

// page reads page pgno into buf (len = page size) and checks its number.
func (f *File) page(pgno uint32, buf []byte) error {
	off := int64(pgno) * int64(f.meta.PageSize)
	if off+int64(f.meta.PageSize) > f.size {
		return &FormatError{Page: pgno, Offset: off, Reason: fmt.Sprintf("beyond the end of the %d-byte file (truncated, or a bad page number)", f.size)}
	}
	if _, err := f.r.ReadAt(buf, off); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("bdb: read page %d at %#x: %w", pgno, off, err)
	}
	if got := f.order.Uint32(buf[8:]); got != pgno {
		return &FormatError{Page: pgno, Offset: off + 8, Reason: fmt.Sprintf("page header says page %d", got)}
	}
	return nil
}

// Databases lists the sub-database names of the master database, in key
// order. A file without sub-databases gives none.
func (f *File) Databases(ctx context.Context) ([]string, error) {
	var names []string
	err := f.walkTree(ctx, f.meta.Root, func(it Item) error {
		names = append(names, string(it.Key))
		return nil
	}, func(error) {})
	return names, err
}

// Walk calls fn for every key/value pair of the named database ("" for the
// master database itself, as in a file without sub-databases), in key
// order. Damage that leaves the rest readable (a bad page in one subtree, a
// broken overflow chain) goes to warn and the walk carries on; an error
// from fn stops it.
func (f *File) Walk(ctx context.Context, name string, fn func(Item) error, warn func(error)) error {
	root := f.meta.Root
	if name != "" {
		var metaPage uint32
		found := false
		err := f.walkTree(ctx, f.meta.Root, func(it Item) error {
			if string(it.Key) == name && len(it.Value) == 4 {
				// The master database stores page numbers in network byte
				// order whatever the file's own order.
				metaPage, found = binary.BigEndian.Uint32(it.Value), true
			}
			return nil
		}, warn)
		if err != nil {
			return err
		}
		if !found {
			return fmt.Errorf("%w: %q", ErrNoDatabase, name)
		}
		buf := make([]byte, f.meta.PageSize)
		if err := f.page(metaPage, buf); err != nil {
			return fmt.Errorf("bdb: database %q metadata: %w", name, err)
		}
		if buf[25] != pageBtreeMeta {
			return &FormatError{Page: metaPage, Offset: int64(metaPage)*int64(f.meta.PageSize) + 25, Reason: fmt.Sprintf("database %q: metadata page has type %d", name, buf[25])}
		}
		root = f.order.Uint32(buf[88:])
	}
	return f.walkTree(ctx, root, fn, warn)
}

// walker carries one traversal's state.
type walker struct {
	f       *File
	ctx     context.Context
	fn      func(Item) error
	warn    func(error)
	visited map[uint32]bool
	items   int
	// reads counts page reads against a budget of a few passes over the
	// file, so items sharing one long overflow chain cannot make a walk
	// quadratic in the file size.
	reads, budget int64
}

// readPage is f.page within the walk's read budget.
func (w *walker) readPage(pgno uint32, buf []byte) error {
	if w.reads++; w.reads > w.budget {
		return fmt.Errorf("bdb: read budget of %d pages spent (items share pages over and over); the rest is not read: %w", w.budget, errStop)
	}
	return w.f.page(pgno, buf)
}

func (f *File) walkTree(ctx context.Context, root uint32, fn func(Item) error, warn func(error)) error {
	w := &walker{f: f, ctx: ctx, fn: fn, warn: warn, visited: map[uint32]bool{}, budget: 4*f.Pages() + 64}
	err := w.visit(root, -1)
	if errors.Is(err, errStop) {
		if w.reads > w.budget {
			warn(err)
		}
		return nil
	}
	return err
}

// errStop ends a walk at the item limit (already warned about).
var errStop = errors.New("bdb: stop")

// visit reads page pgno; wantLevel is the level its parent expects (-1 for
// the root). Levels must fall by one per step down, which together with
// the visited set rules out loops.
func (w *walker) visit(pgno uint32, wantLevel int) error {
	if err := w.ctx.Err(); err != nil {
		return err
	}
	f := w.f
	base := int64(pgno) * int64(f.meta.PageSize)
	if w.visited[pgno] {
		w.warn(&FormatError{Page: pgno, Offset: base, Reason: "page reached twice (a cycle in the tree)"})
		return nil
	}
	w.visited[pgno] = true
	buf := make([]byte, f.meta.PageSize)
	if err := w.readPage(pgno, buf); err != nil {
		if errors.Is(err, errStop) || wantLevel < 0 {
			return err
		}
		w.warn(err)
		return nil
	}
	typ, level := buf[25], int(buf[24])
	if wantLevel >= 0 && level != wantLevel {
		w.warn(&FormatError{Page: pgno, Offset: base + 24, Reason: fmt.Sprintf("level %d where the parent expects %d", level, wantLevel)})
		return nil
	}
	if level < 1 || level > maxLevel {
		w.warn(&FormatError{Page: pgno, Offset: base + 24, Reason: fmt.Sprintf("B-tree level %d", level)})
		return nil
	}
	n := int(f.order.Uint16(buf[20:]))
	if headerSize+2*n > len(buf) {
		w.warn(&FormatError{Page: pgno, Offset: base + 20, Reason: fmt.Sprintf("%d entries do not fit the page", n)})
		return nil
	}
	switch typ {
	case pageIBtree:
		for i := 0; i < n; i++ {
			off := int(f.order.Uint16(buf[headerSize+2*i:]))
			if off+12 > len(buf) {
				w.warn(&FormatError{Page: pgno, Offset: base + int64(headerSize+2*i), Reason: fmt.Sprintf("internal item %d at %d outside the page", i, off)})
				continue
			}
			child := f.order.Uint32(buf[off+4:])
			if err := w.visit(child, level-1); err != nil {
				return err
			}
		}
		return nil
	case pageLBtree:
		if level != 1 {
			w.warn(&FormatError{Page: pgno, Offset: base + 24, Reason: fmt.Sprintf("leaf page at level %d", level)})
			return nil
		}
		if n%2 != 0 {
			w.warn(&FormatError{Page: pgno, Offset: base + 20, Reason: fmt.Sprintf("odd entry count %d on a leaf page; the last key has no value", n)})
			n--
		}
		for i := 0; i < n; i += 2 {
			key, kerr := w.item(pgno, buf, i)
			val, verr := w.item(pgno, buf, i+1)
			if errors.Is(kerr, errStop) || errors.Is(verr, errStop) {
				return errStop
			}
			if kerr != nil || verr != nil {
				w.warn(errors.Join(kerr, verr))
				continue
			}
			if key == nil || val == nil { // deleted
				continue
			}
			if w.items >= f.limits.MaxItems {
				w.warn(fmt.Errorf("bdb: more than %d items; the rest are not read", f.limits.MaxItems))
				return errStop
			}
			w.items++
			koff := int64(f.order.Uint16(buf[headerSize+2*i:]))
			if err := w.fn(Item{Key: key, Value: val, Page: pgno, Index: i, Offset: base + koff}); err != nil {
				return err
			}
		}
		return nil
	default:
		w.warn(&FormatError{Page: pgno, Offset: base + 25, Reason: fmt.Sprintf("page type %d where a B-tree page belongs", typ)})
		return nil
	}
}

// item returns the bytes of entry i on a leaf page: inline data or an
// overflow chain. Deleted items give nil, nil.
func (w *walker) item(pgno uint32, buf []byte, i int) ([]byte, error) {
	f := w.f
	base := int64(pgno) * int64(f.meta.PageSize)
	off := int(f.order.Uint16(buf[headerSize+2*i:]))
	if off < headerSize || off+3 > len(buf) {
		return nil, &FormatError{Page: pgno, Offset: base + int64(headerSize+2*i), Reason: fmt.Sprintf("item %d at %d outside the page", i, off)}
	}
	typ := buf[off+2]
	if typ&itemDeleted != 0 {
		return nil, nil
	}
	switch typ & 0x7f {
	case itemKeyData:
		l := int(f.order.Uint16(buf[off:]))
		if off+3+l > len(buf) {
			return nil, &FormatError{Page: pgno, Offset: base + int64(off), Reason: fmt.Sprintf("item %d of %d bytes runs past the page", i, l)}
		}
		return append([]byte{}, buf[off+3:off+3+l]...), nil
	case itemOverflow:
		if off+12 > len(buf) {
			return nil, &FormatError{Page: pgno, Offset: base + int64(off), Reason: fmt.Sprintf("overflow item %d cut by the page end", i)}
		}
		first := f.order.Uint32(buf[off+4:])
		total := int64(f.order.Uint32(buf[off+8:]))
		return w.overflow(first, total, pgno, base+int64(off))
	case itemDuplicate:
		return nil, fmt.Errorf("%w: off-page duplicates (item %d on page %d)", ErrUnsupported, i, pgno)
	default:
		return nil, &FormatError{Page: pgno, Offset: base + int64(off) + 2, Reason: fmt.Sprintf("item type %d", typ)}
	}
}

// overflow reads an overflow chain of total bytes starting at page first.
// The total is checked against the limit and against what the file could
// hold before the buffer is allocated.
func (w *walker) overflow(first uint32, total int64, from uint32, at int64) ([]byte, error) {
	f := w.f
	perPage := int64(f.meta.PageSize) - headerSize
	if total > f.limits.MaxItem {
		return nil, &FormatError{Page: from, Offset: at, Reason: fmt.Sprintf("overflow item of %d bytes over the %d-byte limit", total, f.limits.MaxItem)}
	}
	if total > f.Pages()*perPage {
		return nil, &FormatError{Page: from, Offset: at, Reason: fmt.Sprintf("overflow item of %d bytes cannot fit the %d-byte file", total, f.size)}
	}
	out := make([]byte, 0, total)
	buf := make([]byte, f.meta.PageSize)
	seen := map[uint32]bool{}
	for pg := first; int64(len(out)) < total; {
		if seen[pg] {
			return nil, &FormatError{Page: pg, Offset: int64(pg) * int64(f.meta.PageSize), Reason: "overflow chain loops"}
		}
		seen[pg] = true
		if pg == 0 {
			return nil, &FormatError{Page: from, Offset: at, Reason: fmt.Sprintf("overflow chain ends after %d of %d bytes", len(out), total)}
		}
		if err := w.readPage(pg, buf); err != nil {
			return nil, fmt.Errorf("overflow chain of the item at %#x: %w", at, err)
		}
		if buf[25] != pageOverflow {
			return nil, &FormatError{Page: pg, Offset: int64(pg)*int64(f.meta.PageSize) + 25, Reason: fmt.Sprintf("page type %d in an overflow chain", buf[25])}
		}
		n := int64(f.order.Uint16(buf[22:])) // hf_offset: bytes used on this page
		if n > perPage || n > total-int64(len(out)) || n == 0 {
			return nil, &FormatError{Page: pg, Offset: int64(pg)*int64(f.meta.PageSize) + 22, Reason: fmt.Sprintf("overflow page holds %d bytes (%d still expected)", n, total-int64(len(out)))}
		}
		out = append(out, buf[headerSize:headerSize+n]...)
		pg = f.order.Uint32(buf[16:])
	}
	return out, nil
}
