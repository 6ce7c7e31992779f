package viewmodel

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/dustin/go-humanize"

	"github.com/loupe-forensics/loupe/forensic/disk"
	"github.com/loupe-forensics/loupe/forensic/filesystem"
	"github.com/loupe-forensics/loupe/forensic/source"
)

// NodeKind says what an evidence-tree node stands for.
type NodeKind int

const (
	NodeImage     NodeKind = iota // the evidence container
	NodePartition                 // an allocated partition (or the whole image)
	NodeGap                       // unallocated space between partitions
	NodeFS                        // a file system's root folder
	NodeDir                       // a folder inside a file system
)

// OrphanDir is the virtual folder under which file systems list entries
// whose parent is unknown (TSK's name, so listings compare with fls).
const OrphanDir = "$OrphanFiles"

// TreeNode is one node of the evidence tree.
type TreeNode struct {
	ID      string
	Kind    NodeKind
	Label   string
	Deleted bool // a deleted folder, drawn marked
	// Partition is the mmls index of the partition (0 for the image and gaps).
	Partition int
	// Path is the folder's absolute path inside its file system ("/" for NodeFS).
	Path  string
	Entry *filesystem.Entry // the folder's entry (nil for the image, partitions and the virtual orphan folder)
	Ref   *source.Ref
}

// Browser is the evidence tree: image → partitions (and gaps) → file
// systems → folders. Folders are listed lazily, the first time their node
// is expanded or shown, through filesystem.FS; deleted entries come from one
// walk per file system (the FS lists only allocated entries by name), made
// the first time a folder of that file system is listed.
type Browser struct {
	disk *disk.Disk
	name string

	mu       sync.Mutex
	nodes    map[string]*TreeNode
	children map[string][]string // loaded folder children (node IDs)
	listings map[string][]*filesystem.Entry
	deleted  map[int]map[string][]*filesystem.Entry // partition → parent path → deleted or orphan entries
	built    bool
}

// ImageNodeID is the ID of the tree's top node.
const ImageNodeID = "img"

// NewBrowser builds the top of the tree for an opened disk; name labels the
// image node (the first segment's base name).
func NewBrowser(d *disk.Disk, name string) *Browser {
	b := &Browser{disk: d, name: name, nodes: map[string]*TreeNode{}, children: map[string][]string{},
		listings: map[string][]*filesystem.Entry{}, deleted: map[int]map[string][]*filesystem.Entry{}}
	b.build()
	return b
}

func partitionNodeID(index int) string { return "p" + strconv.Itoa(index) }

// DirNodeID is the node ID of an allocated folder (or the FS root, path "/").
func DirNodeID(partition int, p string) string { return partitionNodeID(partition) + ":" + p }

// deletedDirNodeID keeps a deleted folder apart from a live one of the same name.
func deletedDirNodeID(partition int, p string, id filesystem.EntryID) string {
	return DirNodeID(partition, p) + "\x00" + string(id)
}

func (b *Browser) build() {
	img := b.disk.Image
	b.nodes[ImageNodeID] = &TreeNode{ID: ImageNodeID, Kind: NodeImage, Ref: img.Ref(),
		Label: fmt.Sprintf("%s (%s, %s)", b.name, strings.ToUpper(img.Format()), humanize.IBytes(uint64(max(img.Size(), 0))))}
	type item struct {
		start int64
		id    string
	}
	var top []item
	for _, m := range b.disk.FileSystems {
		p := m.Partition
		id := partitionNodeID(p.Index)
		label := fmt.Sprintf("Partition %d: %s, %s at %d", p.Index, cmp.Or(p.Description, p.Type), humanize.IBytes(uint64(max(p.Length, 0))), p.Start)
		if p.Label != "" && p.Label != p.Description {
			label += " (" + p.Label + ")"
		}
		ref := p.Ref
		if ref == nil {
			ref = img.Ref()
		}
		b.nodes[id] = &TreeNode{ID: id, Kind: NodePartition, Label: label, Partition: p.Index, Ref: ref}
		top = append(top, item{p.Start, id})
		if m.FS != nil {
			fsID := DirNodeID(p.Index, "/")
			b.nodes[fsID] = &TreeNode{ID: fsID, Kind: NodeFS, Label: strings.ToUpper(m.FS.Kind()) + " file system",
				Partition: p.Index, Path: "/", Ref: m.FS.Ref()}
			b.children[id] = []string{fsID}
		} else {
			b.children[id] = nil
		}
	}
	if b.disk.Volumes != nil {
		for i, g := range b.disk.Volumes.Gaps() {
			id := "gap" + strconv.Itoa(i+1)
			b.nodes[id] = &TreeNode{ID: id, Kind: NodeGap, Ref: g.Ref,
				Label: fmt.Sprintf("Unallocated: %s at %d", humanize.IBytes(uint64(max(g.Length, 0))), g.Start)}
			b.children[id] = nil
			top = append(top, item{g.Start, id})
		}
	}
	slices.SortStableFunc(top, func(a, b item) int { return cmp.Compare(a.start, b.start) })
	for _, it := range top {
		b.children[ImageNodeID] = append(b.children[ImageNodeID], it.id)
	}
}

// Node returns a node by ID, or nil.
func (b *Browser) Node(id string) *TreeNode {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.nodes[id]
}

// IsBranch says whether a node can have children (the tree draws an
// expander). Folders are branches even before they are listed.
func (b *Browser) IsBranch(id string) bool {
	if id == "" {
		return true
	}
	n := b.Node(id)
	if n == nil {
		return false
	}
	switch n.Kind {
	case NodeGap:
		return false
	case NodePartition:
		b.mu.Lock()
		defer b.mu.Unlock()
		return len(b.children[id]) > 0
	}
	return true
}

// Children returns the child node IDs of a node ("" is the tree's root),
// listing the folder the first time it is asked for. Folders are sorted by
// name; a listing error leaves the folder empty and is returned.
func (b *Browser) Children(ctx context.Context, id string) ([]string, error) {
	if id == "" {
		return []string{ImageNodeID}, nil
	}
	b.mu.Lock()
	c, ok := b.children[id]
	b.mu.Unlock()
	if ok {
		return c, nil
	}
	if _, err := b.Entries(ctx, id); err != nil {
		return nil, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.children[id], nil
}

func (b *Browser) fsOf(partition int) (filesystem.FS, error) {
	for _, m := range b.disk.FileSystems {
		if m.Partition.Index == partition {
			if m.FS == nil {
				return nil, disk.ErrNoFS
			}
			return m.FS, nil
		}
	}
	return nil, fmt.Errorf("no partition %d", partition)
}

// Entries returns every entry of a folder node, allocated and deleted, sorted
// by name (deleted after live on equal names). It is the file list's data,
// and listing it also fills the node's folder children.
func (b *Browser) Entries(ctx context.Context, id string) ([]*filesystem.Entry, error) {
	b.mu.Lock()
	n := b.nodes[id]
	if l, ok := b.listings[id]; ok {
		b.mu.Unlock()
		return l, nil
	}
	b.mu.Unlock()
	if n == nil || (n.Kind != NodeFS && n.Kind != NodeDir) {
		return nil, nil
	}
	fsys, err := b.fsOf(n.Partition)
	if err != nil {
		return nil, err
	}
	del, err := b.deletedIndex(ctx, n.Partition, fsys)
	if err != nil {
		return nil, err
	}
	var out []*filesystem.Entry
	if !n.Deleted && n.Path != "/"+OrphanDir {
		name := "."
		if n.Path != "/" {
			name = strings.TrimPrefix(n.Path, "/")
		}
		des, err := fsys.ReadDir(name)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("listing %s: %w", n.Path, err)
		}
		for _, de := range des {
			info, err := de.Info()
			if err != nil {
				continue
			}
			if e, ok := info.Sys().(*filesystem.Entry); ok {
				out = append(out, e)
			}
		}
	}
	out = append(out, del[n.Path]...)
	if n.Path == "/" {
		// fls shows the orphan folder at the root of every file system.
		out = append(out, &filesystem.Entry{Path: "/" + OrphanDir, Name: OrphanDir, Type: filesystem.TypeDir,
			Mode: fs.ModeDir | 0o555, Ref: fsys.Ref().Entry("/"+OrphanDir, "")})
	}
	slices.SortStableFunc(out, func(x, y *filesystem.Entry) int {
		if c := strings.Compare(x.Name, y.Name); c != 0 {
			return c
		}
		switch {
		case x.Deleted == y.Deleted:
			return 0
		case y.Deleted:
			return -1
		}
		return 1
	})
	b.mu.Lock()
	defer b.mu.Unlock()
	if l, ok := b.listings[id]; ok { // listed concurrently
		return l, nil
	}
	var kids []string
	for _, e := range out {
		if e.Type != filesystem.TypeDir {
			continue
		}
		cid := DirNodeID(n.Partition, e.Path)
		if e.Deleted || n.Deleted {
			cid = deletedDirNodeID(n.Partition, e.Path, e.ID)
		}
		if _, ok := b.nodes[cid]; !ok {
			b.nodes[cid] = &TreeNode{ID: cid, Kind: NodeDir, Label: e.Name, Deleted: e.Deleted || n.Deleted,
				Partition: n.Partition, Path: e.Path, Entry: e, Ref: e.Ref}
		}
		kids = append(kids, cid)
	}
	b.children[id] = kids
	b.listings[id] = out
	return out, nil
}

// deletedIndex walks a file system once and groups its deleted and orphan
// entries by parent folder path.
func (b *Browser) deletedIndex(ctx context.Context, partition int, fsys filesystem.FS) (map[string][]*filesystem.Entry, error) {
	b.mu.Lock()
	idx, ok := b.deleted[partition]
	b.mu.Unlock()
	if ok {
		return idx, nil
	}
	idx = map[string][]*filesystem.Entry{}
	err := fsys.Walk(ctx, func(e *filesystem.Entry) error {
		if e.Deleted || e.Orphan {
			dir := path.Dir(e.Path)
			idx[dir] = append(idx[dir], e)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("listing deleted entries of partition %d: %w", partition, err)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if prev, ok := b.deleted[partition]; ok {
		return prev, nil
	}
	b.deleted[partition] = idx
	return idx, nil
}

// Reveal finds the folder holding the entry a provenance reference names,
// listing every folder on the way so the tree can expand to it. It returns
// the path of node IDs from the image down to that folder, and the entry
// itself (nil when the reference stops above an entry).
func (b *Browser) Reveal(ctx context.Context, ref *source.Ref) ([]string, *filesystem.Entry, error) {
	if ref == nil {
		return nil, nil, errors.New("no source reference")
	}
	trail := []string{ImageNodeID}
	part := ref.Find(source.TypePartition)
	idx := 1 // a file system on the whole image is partition 1
	if part != nil {
		if !strings.HasPrefix(part.Locator, "p") {
			return trail, nil, nil // a gap: nothing below it in the tree
		}
		n, err := strconv.Atoi(strings.TrimPrefix(part.Locator, "p"))
		if err != nil {
			return trail, nil, fmt.Errorf("partition locator %q: %w", part.Locator, err)
		}
		idx = n
	}
	pid := partitionNodeID(idx)
	if b.Node(pid) == nil {
		return trail, nil, fmt.Errorf("partition %d is not on this image", idx)
	}
	trail = append(trail, pid)
	ent := ref.Find(source.TypeEntry)
	if ent == nil || ref.Find(source.TypeFS) == nil {
		return trail, nil, nil
	}
	cur := DirNodeID(idx, "/")
	trail = append(trail, cur)
	want := ent.Locator
	for {
		entries, err := b.Entries(ctx, cur)
		if err != nil {
			return trail, nil, err
		}
		var next *filesystem.Entry
		for _, e := range entries {
			if e.Path == want && (ent.ID == "" || string(e.ID) == ent.ID) {
				return trail, e, nil
			}
			if e.Type == filesystem.TypeDir && strings.HasPrefix(want, strings.TrimSuffix(e.Path, "/")+"/") {
				if next == nil || (next.Deleted && !e.Deleted) {
					next = e
				}
			}
		}
		if next == nil {
			return trail, nil, fmt.Errorf("%s is not listed under %s", want, b.Node(cur).Path)
		}
		kids, _ := b.Children(ctx, cur)
		found := ""
		for _, k := range kids {
			if n := b.Node(k); n != nil && n.Entry == next {
				found = k
			}
		}
		if found == "" {
			return trail, nil, fmt.Errorf("folder %s has no tree node", next.Path)
		}
		cur = found
		trail = append(trail, cur)
	}
}

// FS returns the file system of a node's partition.
func (b *Browser) FS(n *TreeNode) (filesystem.FS, error) {
	if n == nil {
		return nil, errors.New("no node")
	}
	return b.fsOf(n.Partition)
}
