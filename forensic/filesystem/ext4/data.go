package ext4

import (
	"encoding/binary"
	"fmt"
	"io"
	"sort"

	"github.com/loupe-forensics/loupe/forensic/filesystem"
)

const extentMagic = 0xF30A

// extent maps count blocks from logical block lblk to physical block pblk.
// A resident extent holds inline bytes at volume offset pblk instead.
type extent struct {
	lblk, pblk, count uint64
	uninit            bool
}

// runs maps the inode's content to the image. Holes, uninitialised extents
// and the tail past the last mapped block are Sparse runs; inline data is a
// Resident run pointing into the inode record.
func (f *FS) runs(in *inode) ([]filesystem.Run, error) {
	size := in.fileSize()
	if size == 0 {
		return nil, nil
	}
	if in.flags&flagInline != 0 {
		return f.inlineRuns(in)
	}
	if in.typ() == modeLink && size < 60 && in.flags&flagExtents == 0 && f.isFast(in) {
		return []filesystem.Run{{ImageOffset: f.volOff + in.off + 0x28, Length: size, Resident: true}}, nil
	}
	var exts []extent
	var err error
	if in.flags&flagExtents != 0 {
		exts, err = f.extents(in)
	} else {
		exts, err = f.blockMap(in)
	}
	if err != nil {
		return nil, err
	}
	return f.toRuns(in, exts, size), nil
}

func (f *FS) toRuns(in *inode, exts []extent, size int64) []filesystem.Run {
	sort.Slice(exts, func(i, j int) bool { return exts[i].lblk < exts[j].lblk })
	var out []filesystem.Run
	var pos int64 // next file offset to cover
	add := func(r filesystem.Run) {
		if n := len(out); n > 0 {
			p := &out[n-1]
			if p.Sparse && r.Sparse && p.FileOffset+p.Length == r.FileOffset {
				p.Length += r.Length
				return
			}
			if !p.Sparse && !r.Sparse && p.FileOffset+p.Length == r.FileOffset && p.ImageOffset+p.Length == r.ImageOffset {
				p.Length += r.Length
				return
			}
		}
		out = append(out, r)
	}
	for _, e := range exts {
		start := int64(e.lblk) * f.bs
		if start >= size {
			break // blocks preallocated past the end of file
		}
		if start < pos {
			f.warn(f.ref.Entry("", fmt.Sprint(in.ino)), f.volOff+in.off,
				fmt.Errorf("ext4: inode %d: extent at logical block %d overlaps the previous one: %w", in.ino, e.lblk, filesystem.ErrCorrupt))
			continue
		}
		if start > pos {
			add(filesystem.Run{FileOffset: pos, Length: start - pos, Sparse: true})
		}
		n := int64(e.count) * f.bs
		if start+n > size {
			n = size - start
		}
		if e.uninit {
			add(filesystem.Run{FileOffset: start, Length: n, Sparse: true})
		} else {
			add(filesystem.Run{FileOffset: start, ImageOffset: f.volOff + int64(e.pblk)*f.bs, Length: n})
		}
		pos = start + n
	}
	if pos < size {
		add(filesystem.Run{FileOffset: pos, Length: size - pos, Sparse: true})
	}
	return out
}

// extents walks the extent tree rooted in i_block, depth-first, bounded in
// depth, node count and extent count.
func (f *FS) extents(in *inode) ([]extent, error) {
	var out []extent
	nodes := 0
	buf := make([]byte, f.bs)
	var walk func(b []byte, where int64, want int) error
	walk = func(b []byte, where int64, want int) error {
		le := binary.LittleEndian
		if len(b) < 12 || le.Uint16(b[0:]) != extentMagic {
			return at(f.volOff+where, fmt.Errorf("ext4: inode %d: no extent header at image byte %d: %w", in.ino, f.volOff+where, filesystem.ErrCorrupt))
		}
		n, max, depth := int(le.Uint16(b[2:])), int(le.Uint16(b[4:])), int(le.Uint16(b[6:]))
		if n > max || 12+12*n > len(b) {
			return at(f.volOff+where, fmt.Errorf("ext4: inode %d: extent node at image byte %d claims %d entries (max %d) in %d bytes: %w", in.ino, f.volOff+where, n, max, len(b), filesystem.ErrCorrupt))
		}
		if depth > maxExtentDepth || (want >= 0 && depth != want) {
			return at(f.volOff+where, fmt.Errorf("ext4: inode %d: extent node at image byte %d has depth %d (expected %d): %w", in.ino, f.volOff+where, depth, want, filesystem.ErrCorrupt))
		}
		for i := 0; i < n; i++ {
			e := b[12+12*i : 24+12*i]
			if depth == 0 {
				cnt := uint64(le.Uint16(e[4:]))
				uninit := false
				if cnt > 32768 {
					cnt -= 32768
					uninit = true
				}
				p := uint64(le.Uint16(e[6:]))<<32 | uint64(le.Uint32(e[8:]))
				if cnt == 0 {
					continue
				}
				if p+cnt > f.limit && !uninit {
					eo := f.volOff + where + 12 + 12*int64(i)
					return at(eo, fmt.Errorf("ext4: inode %d: extent at image byte %d maps blocks %d+%d past the %d-block volume: %w", in.ino, eo, p, cnt, f.limit, filesystem.ErrCorrupt))
				}
				if len(out) >= maxRuns {
					return fmt.Errorf("ext4: inode %d: more than %d extents: %w", in.ino, maxRuns, filesystem.ErrCorrupt)
				}
				out = append(out, extent{lblk: uint64(le.Uint32(e[0:])), pblk: p, count: cnt, uninit: uninit})
				continue
			}
			child := uint64(le.Uint16(e[8:]))<<32 | uint64(le.Uint32(e[4:]))
			if child == 0 || child >= f.limit {
				eo := f.volOff + where + 12 + 12*int64(i)
				return at(eo, fmt.Errorf("ext4: inode %d: extent index at image byte %d points to block %d of %d: %w", in.ino, eo, child, f.limit, filesystem.ErrCorrupt))
			}
			nodes++
			if nodes > maxExtentNodes {
				return fmt.Errorf("ext4: inode %d: more than %d extent-tree blocks: %w", in.ino, maxExtentNodes, filesystem.ErrCorrupt)
			}
			off := int64(child) * f.bs
			if err := f.read(buf, off); err != nil {
				return at(f.volOff+off, fmt.Errorf("ext4: inode %d: extent block %d: %w", in.ino, child, err))
			}
			// buf is reused by the recursion; copy this level's node.
			node := append([]byte(nil), buf...)
			if err := walk(node, off, depth-1); err != nil {
				return err
			}
		}
		return nil
	}
	err := walk(in.raw[0x28:0x64], in.off+0x28, -1)
	return out, err
}

// blockMap follows ext2/3 direct and indirect block pointers for the
// blocks the file size covers; zero pointers are holes.
func (f *FS) blockMap(in *inode) ([]extent, error) {
	le := binary.LittleEndian
	nblk := (uint64(in.fileSize()) + uint64(f.bs) - 1) / uint64(f.bs)
	per := uint64(f.bs / 4)
	var out []extent
	var lblk uint64
	reads := 0
	add := func(p uint64) error {
		defer func() { lblk++ }()
		if p == 0 {
			return nil
		}
		if p >= f.limit {
			return fmt.Errorf("ext4: inode %d: block pointer %d past the %d-block volume: %w", in.ino, p, f.limit, filesystem.ErrCorrupt)
		}
		if n := len(out); n > 0 && out[n-1].pblk+out[n-1].count == p && out[n-1].lblk+out[n-1].count == lblk {
			out[n-1].count++
			return nil
		}
		if len(out) >= maxRuns {
			return fmt.Errorf("ext4: inode %d: more than %d runs: %w", in.ino, maxRuns, filesystem.ErrCorrupt)
		}
		out = append(out, extent{lblk: lblk, pblk: p, count: 1})
		return nil
	}
	var indirect func(p uint64, level int) error
	indirect = func(p uint64, level int) error {
		span := uint64(1)
		for i := 0; i < level; i++ {
			span *= per
		}
		if p == 0 { // a hole covering the whole subtree
			lblk += span
			return nil
		}
		if p >= f.limit {
			return fmt.Errorf("ext4: inode %d: indirect block %d past the %d-block volume: %w", in.ino, p, f.limit, filesystem.ErrCorrupt)
		}
		reads++
		if reads > maxExtentNodes {
			return fmt.Errorf("ext4: inode %d: more than %d indirect blocks: %w", in.ino, maxExtentNodes, filesystem.ErrCorrupt)
		}
		b := make([]byte, f.bs)
		if err := f.read(b, int64(p)*f.bs); err != nil {
			return at(f.volOff+int64(p)*f.bs, fmt.Errorf("ext4: inode %d: indirect block %d: %w", in.ino, p, err))
		}
		for i := uint64(0); i < per && lblk < nblk; i++ {
			q := uint64(le.Uint32(b[4*i:]))
			var err error
			if level == 1 {
				err = add(q)
			} else {
				err = indirect(q, level-1)
			}
			if err != nil {
				return err
			}
		}
		return nil
	}
	blk := in.raw[0x28:0x64]
	for i := 0; i < 12 && lblk < nblk; i++ {
		if err := add(uint64(le.Uint32(blk[4*i:]))); err != nil {
			return out, err
		}
	}
	for level := 1; level <= 3 && lblk < nblk; level++ {
		if err := indirect(uint64(le.Uint32(blk[4*(11+level):])), level); err != nil {
			return out, err
		}
	}
	return out, nil
}

// inlineRuns maps inline data: the first 60 bytes live in i_block, the rest
// in the in-inode extended attribute "system.data".
func (f *FS) inlineRuns(in *inode) ([]filesystem.Run, error) {
	size := in.fileSize()
	first := size
	if first > 60 {
		first = 60
	}
	out := []filesystem.Run{{ImageOffset: f.volOff + in.off + 0x28, Length: first, Resident: true}}
	if size <= 60 {
		return out, nil
	}
	voff, vlen, ok := inlineXattr(in)
	if !ok || int64(vlen) < size-60 {
		return nil, fmt.Errorf("ext4: inode %d: inline data of %d bytes but system.data holds %d: %w", in.ino, size, vlen, filesystem.ErrCorrupt)
	}
	out = append(out, filesystem.Run{FileOffset: 60, ImageOffset: f.volOff + in.off + int64(voff), Length: size - 60, Resident: true})
	return out, nil
}

// inlineXattr finds the in-inode "system.data" attribute and returns its
// value's offset within the record and its length.
func inlineXattr(in *inode) (off, n int, ok bool) {
	le := binary.LittleEndian
	b := in.raw
	p := in.extra
	if p+4 > len(b) || le.Uint32(b[p:]) != 0xEA020000 {
		return 0, 0, false
	}
	base := p + 4 // value offsets count from the first entry
	for e := base; e+16 <= len(b); {
		nameLen := int(b[e])
		if nameLen == 0 && b[e+1] == 0 && le.Uint16(b[e+2:]) == 0 {
			break // end of entries
		}
		idx := b[e+1]
		voff := int(le.Uint16(b[e+2:]))
		vlen := int(le.Uint32(b[e+8:]))
		if e+16+nameLen > len(b) {
			break
		}
		name := string(b[e+16 : e+16+nameLen])
		if idx == 7 && name == "data" {
			if base+voff+vlen > len(b) {
				return 0, 0, false
			}
			return base + voff, vlen, true
		}
		e += (16 + nameLen + 3) &^ 3
	}
	return 0, 0, false
}

// runReader reads logical content through runs. Sparse runs and the space
// past the last run read as zeros, which is what they mean; image bytes that
// cannot be read are errors.
type runReader struct {
	f    *FS
	runs []filesystem.Run
	size int64
}

func (f *FS) reader(in *inode) (*runReader, error) {
	rs, err := f.runs(in)
	if err != nil {
		return nil, err
	}
	return &runReader{f: f, runs: rs, size: in.fileSize()}, nil
}

func (r *runReader) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, fmt.Errorf("ext4: negative read offset %d: %w", off, filesystem.ErrCorrupt)
	}
	if off >= r.size {
		return 0, io.EOF
	}
	want := len(p)
	if int64(want) > r.size-off {
		p = p[:r.size-off]
	}
	n := 0
	i := sort.Search(len(r.runs), func(i int) bool { return r.runs[i].FileOffset+r.runs[i].Length > off })
	for n < len(p) {
		pos := off + int64(n)
		if i >= len(r.runs) || r.runs[i].FileOffset > pos {
			// Not mapped: a hole up to the next run or the end.
			end := r.size
			if i < len(r.runs) {
				end = r.runs[i].FileOffset
			}
			k := int(min(end-pos, int64(len(p)-n)))
			clear(p[n : n+k])
			n += k
			continue
		}
		run := r.runs[i]
		k := int(min(run.FileOffset+run.Length-pos, int64(len(p)-n)))
		if run.Sparse {
			clear(p[n : n+k])
		} else if err := r.f.read(p[n:n+k], run.ImageOffset-r.f.volOff+(pos-run.FileOffset)); err != nil {
			return n, err
		}
		n += k
		i++
	}
	if n < want {
		return n, io.EOF
	}
	return n, nil
}
