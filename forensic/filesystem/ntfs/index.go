package ntfs

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"

	"github.com/loupe-forensics/loupe/forensic/filesystem"
)

var fsNotExist = fs.ErrNotExist

// Link classes: how a name is reached.
const (
	classAlloc   = iota // every record from the root down is in use
	classDeleted        // reached from the root through at least one record not in use
	classOrphan         // parent gone or reused: listed under /$OrphanFiles
)

const orphanDir = "$OrphanFiles"

// node is the compact per-record summary the index keeps (bounded: a few
// dozen bytes per record, no attribute data).
type node struct {
	seq   uint16
	flags uint16
	ok    bool // a base record with at least one attribute
	first int32
	nlink int32
}

// link is one name of a record.
type link struct {
	name   string
	rec    int64
	parent int32 // index of the parent directory's primary link; -1 root, -2 orphan top level
	class  uint8
}

// index is the name tree of the volume, built once by scanning every MFT
// record and resolving $FILE_NAME parent references (which also finds
// deleted records that no directory index names any more).
type index struct {
	nodes    []node
	links    []link
	children map[int64][]int32 // parent record → child links, sorted by name
	orphans  []int32           // top-level orphan links, sorted by name
}

func (f *FS) index(ctx context.Context) (*index, error) {
	f.idxMu.Lock()
	defer f.idxMu.Unlock()
	if f.idx != nil {
		return f.idx, nil
	}
	idx, err := f.buildIndex(ctx)
	if err != nil {
		return nil, err
	}
	f.idx = idx
	return idx, nil
}

// primaryNames picks the names an entry is listed under: every Win32/POSIX
// name (hard links), falling back to DOS names when there is nothing else,
// without duplicate (parent, name) pairs.
func primaryNames(names []fileName) []fileName {
	// A record has a handful of names at most: a linear scan for
	// duplicates beats a map built per record (every record of a walk).
	var out []fileName
	add := func(fn fileName) {
		for _, o := range out {
			if o.parent == fn.parent && o.name == fn.name {
				return
			}
		}
		out = append(out, fn)
	}
	for _, fn := range names {
		if fn.space != nsDOS {
			add(fn)
		}
	}
	if len(out) == 0 {
		for _, fn := range names {
			add(fn)
		}
	}
	return out
}

// cleanName makes a name usable as an io/fs path element.
func cleanName(name string) (string, bool) {
	if name == "" || name == "." || name == ".." || strings.ContainsAny(name, "/\x00") {
		r := strings.NewReplacer("/", "%2F", "\x00", "%00").Replace(name)
		if r == "" || r == "." || r == ".." {
			r = "%" + r
		}
		return r, false
	}
	return name, true
}

func (f *FS) recordRef(id int64, seq uint16) *filesystem.Entry {
	return &filesystem.Entry{ID: entryID(id, seq), Ref: f.ref.Entry("", string(entryID(id, seq)))}
}

func (f *FS) buildIndex(ctx context.Context) (*index, error) {
	idx := &index{nodes: make([]node, f.nrec), children: map[int64][]int32{}}
	type pending struct {
		parent    int64
		parentSeq uint16
	}
	// Most records have one name: size the link tables once.
	idx.links = make([]link, 0, f.nrec)
	pend := make([]pending, 0, f.nrec)
	for id := int64(0); id < f.nrec; id++ {
		if id%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		rec, soft, err := f.summaryRecord(id, true)
		if err != nil {
			if !errors.Is(err, errUnused) {
				f.warn.add(f.ref.Entry("", strconv.FormatInt(id, 10)), f.mftImageOffset(id*f.recSize), err)
			}
			continue
		}
		for _, e := range soft {
			f.warn.add(f.recordRef(id, rec.seq).Ref, rec.imgOff, e)
		}
		n := &idx.nodes[id]
		n.seq, n.flags = rec.seq, rec.flags
		n.ok = rec.base == 0 && rec.nattrs > 0
		if !n.ok {
			continue
		}
		n.first = int32(len(idx.links))
		names := primaryNames(rec.names)
		if id == rootRecord {
			continue // the root is "/", not a name inside itself
		}
		if len(names) == 0 {
			if rec.inUse() {
				// Reserved records ($MFT 12-15) are in use without a
				// name; TSK does not list them and neither does Loupe.
				continue
			}
			// TSK's name for a record that kept no $FILE_NAME.
			idx.links = append(idx.links, link{name: "OrphanFile-" + strconv.FormatInt(id, 10), rec: id, parent: -2})
			pend = append(pend, pending{parent: -1})
			n.nlink = 1
			continue
		}
		for _, fn := range names {
			name, ok := cleanName(fn.name)
			if !ok {
				f.warn.add(f.recordRef(id, rec.seq).Ref, rec.imgOff,
					fmt.Errorf("%w: MFT record %d: unusable file name %q listed as %q", filesystem.ErrCorrupt, id, fn.name, name))
			}
			idx.links = append(idx.links, link{name: name, rec: id})
			pend = append(pend, pending{parent: fn.parent, parentSeq: fn.parentSeq})
			n.nlink++
		}
	}
	if f.nrec <= rootRecord || !idx.nodes[rootRecord].ok || idx.nodes[rootRecord].flags&recDirectory == 0 {
		return nil, fmt.Errorf("%w: root directory (MFT record 5) unusable", filesystem.ErrCorrupt)
	}
	// Resolve parents. A deleted directory's sequence number was bumped
	// when it was freed, so its children refer to sequence-1 (TSK does the
	// same comparison).
	for i := range idx.links {
		l := &idx.links[i]
		p := pend[i]
		if p.parent < 0 {
			continue
		}
		if p.parent == rootRecord && idx.nodes[rootRecord].seq == p.parentSeq {
			l.parent = -1
			continue
		}
		l.parent = -2
		if p.parent >= f.nrec || p.parent == l.rec {
			continue
		}
		pn := idx.nodes[p.parent]
		if !pn.ok || pn.flags&recDirectory == 0 || pn.nlink == 0 || p.parent == rootRecord {
			continue
		}
		inUse := pn.flags&recInUse != 0
		if (inUse && pn.seq == p.parentSeq) || (!inUse && (pn.seq == p.parentSeq+1 || (p.parentSeq == 0xFFFF && pn.seq == 1))) {
			l.parent = pn.first
		}
	}
	// Classify by following parents to the root; a chain that loops is
	// cut and its start listed as an orphan.
	const unknown = 255
	for i := range idx.links {
		idx.links[i].class = unknown
	}
	var chain []int32
	for i := range idx.links {
		chain = chain[:0]
		j := int32(i)
		cls := uint8(unknown)
		for {
			l := &idx.links[j]
			if l.class != unknown {
				cls = l.class
				break
			}
			if len(chain) > len(idx.links) {
				// A loop: cut it here.
				l.parent = -2
				cls = classOrphan
				l.class = classOrphan
				f.warn.add(f.recordRef(l.rec, idx.nodes[l.rec].seq).Ref, -1,
					fmt.Errorf("%w: MFT record %d: parent references form a loop", filesystem.ErrCorrupt, l.rec))
				break
			}
			chain = append(chain, j)
			if l.parent == -1 || l.parent == -2 {
				if l.parent == -2 {
					cls = classOrphan
				} else {
					cls = classAlloc
				}
				break
			}
			j = l.parent
		}
		// Walk the chain back down, worsening the class where a record is
		// not in use (orphans stay orphans).
		for k := len(chain) - 1; k >= 0; k-- {
			l := &idx.links[chain[k]]
			if l.class != unknown {
				cls = l.class
				continue
			}
			c := cls
			if l.parent == -2 {
				c = classOrphan
			} else if c == classAlloc && idx.nodes[l.rec].flags&recInUse == 0 {
				c = classDeleted
			}
			l.class = c
			cls = c
		}
	}
	for i, l := range idx.links {
		switch {
		case l.parent == -2:
			idx.orphans = append(idx.orphans, int32(i))
		case l.parent == -1:
			idx.children[rootRecord] = append(idx.children[rootRecord], int32(i))
		default:
			p := idx.links[l.parent].rec
			idx.children[p] = append(idx.children[p], int32(i))
		}
	}
	byName := func(s []int32) {
		sort.Slice(s, func(a, b int) bool {
			la, lb := idx.links[s[a]], idx.links[s[b]]
			if la.name != lb.name {
				return la.name < lb.name
			}
			return la.rec < lb.rec
		})
	}
	for p, c := range idx.children {
		byName(c)
		idx.children[p] = c
	}
	byName(idx.orphans)
	return idx, nil
}

// path returns the absolute path of link i.
func (idx *index) path(i int32) string {
	var parts []string
	for j, n := i, 0; n <= len(idx.links); n++ {
		l := idx.links[j]
		parts = append(parts, l.name)
		if l.parent == -1 {
			break
		}
		if l.parent == -2 {
			parts = append(parts, orphanDir)
			break
		}
		j = l.parent
	}
	for a, b := 0, len(parts)-1; a < b; a, b = a+1, b-1 {
		parts[a], parts[b] = parts[b], parts[a]
	}
	return "/" + strings.Join(parts, "/")
}

// lookup resolves an io/fs path (allocated names only) to a link index; -1
// is the root.
func (idx *index) lookup(name string, inUse func(int64) bool) (int32, bool) {
	if name == "." {
		return -1, true
	}
	cur := int32(-1)
	for _, part := range strings.Split(name, "/") {
		dir := int64(rootRecord)
		if cur >= 0 {
			dir = idx.links[cur].rec
		}
		kids := idx.children[dir]
		k := sort.Search(len(kids), func(i int) bool { return idx.links[kids[i]].name >= part })
		found := int32(-2)
		for ; k < len(kids) && idx.links[kids[k]].name == part; k++ {
			if l := idx.links[kids[k]]; l.class == classAlloc && inUse(l.rec) {
				found = kids[k]
				break
			}
		}
		if found == -2 {
			return 0, false
		}
		cur = found
	}
	return cur, true
}
