package ext4

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"strings"

	"github.com/loupe-forensics/loupe/forensic/filesystem"
	"github.com/loupe-forensics/loupe/forensic/source"
)

// dirent is one name in a directory block.
type dirent struct {
	ino     uint32
	name    string // set for deleted names, which outlive the block buffer
	nameB   []byte // the name in the block buffer; valid during the callback only
	ftype   uint8
	deleted bool  // found in the slack of another entry's record
	off     int64 // volume offset of the record (for warnings)
}

// dirRead is how much directory data is read at once.
const dirRead = 256 << 10

// readDir calls fn for every name in directory in, allocated names in
// block order with the deleted names of each block after its live ones.
// "." and ".." are skipped. Problems become warnings; fn's error stops it.
func (f *FS) readDir(ctx context.Context, in *inode, ref *source.Ref, fn func(d dirent) error) error {
	if in.flags&flagInline != 0 {
		return f.readInlineDir(in, ref, fn)
	}
	rs, err := f.runs(in)
	if err != nil {
		f.warnErr(ref, f.volOff+in.off, err)
		return nil
	}
	htree := in.flags&flagIndex != 0
	bp := f.dirBufs.Get().(*[]byte)
	defer f.dirBufs.Put(bp)
	buf := *bp
	// A directory cannot hold more than the volume; a hostile extent list
	// mapping the same blocks over and over must not read forever.
	budget := f.size
	for _, r := range rs {
		if r.Sparse || r.Resident {
			continue
		}
		if budget -= r.Length; budget < 0 {
			f.warn(ref, f.volOff+in.off, fmt.Errorf("ext4: directory inode %d maps more bytes than the volume holds: %w", in.ino, filesystem.ErrCorrupt))
			return nil
		}
		for done := int64(0); done < r.Length; {
			if err := ctx.Err(); err != nil {
				return err
			}
			n := min(r.Length-done, int64(dirRead))
			n -= n % f.bs
			if n == 0 {
				n = r.Length - done // trailing partial block of a corrupt size
			}
			b := buf[:n]
			voff := r.ImageOffset - f.volOff + done
			if err := f.read(b, voff); err != nil {
				f.warn(ref, r.ImageOffset+done, fmt.Errorf("ext4: directory inode %d: %w", in.ino, err))
				done += n
				continue
			}
			for bo := int64(0); bo < n; bo += f.bs {
				end := min(bo+f.bs, n)
				lblk := (r.FileOffset + done + bo) / f.bs
				if err := f.parseDirBlock(b[bo:end], voff+bo, in, ref, htree && lblk == 0, htree, fn); err != nil {
					return err
				}
			}
			done += n
		}
	}
	return nil
}

// readInlineDir parses a directory kept in the inode: four bytes of parent
// inode number, then entries in the rest of i_block and in system.data.
func (f *FS) readInlineDir(in *inode, ref *source.Ref, fn func(d dirent) error) error {
	if err := f.parseEntries(in.raw[0x2C:0x64], in.off+0x2C, in, ref, fn); err != nil {
		return err
	}
	if voff, n, ok := inlineXattr(in); ok && n > 0 {
		return f.parseEntries(in.raw[voff:voff+n], in.off+int64(voff), in, ref, fn)
	}
	return nil
}

// parseDirBlock parses one directory block. The htree root holds "." and
// ".." and then index data that must not be read as names; interior htree
// nodes start with a fake empty entry spanning the block.
func (f *FS) parseDirBlock(b []byte, voff int64, dir *inode, ref *source.Ref, dxRoot, htree bool, fn func(d dirent) error) error {
	le := binary.LittleEndian
	if htree && len(b) >= 12 && le.Uint32(b) == 0 && int64(f.recLen(le.Uint16(b[4:]))) == f.bs && b[6] == 0 && b[7] == 0 {
		return nil // dx_node
	}
	if dxRoot {
		return nil // "." and ".." only; the rest is the index
	}
	return f.parseEntries(b, voff, dir, ref, fn)
}

// recLen decodes rec_len; 64 KiB blocks store their full length specially.
func (f *FS) recLen(v uint16) int {
	if f.bs < 65536 {
		return int(v)
	}
	if v == 65535 || v == 0 {
		return int(f.bs)
	}
	return int(v&65532) | int(v&3)<<16
}

func (f *FS) nameLen(b []byte) (int, uint8) {
	if f.incompat&incompatFiletype != 0 {
		return int(b[6]), b[7]
	}
	return int(binary.LittleEndian.Uint16(b[6:])), 0
}

func minRecLen(nameLen int) int { return (8 + nameLen + 3) &^ 3 }

// parseEntries follows the rec_len chain for the live names and scans the
// unused tail of every record (what a live record's rec_len covers beyond
// its own name) for the deleted names the kernel leaves there, accepting a
// candidate only when it is plausible and ends inside that slack, as TSK
// does.
func (f *FS) parseEntries(b []byte, voff int64, dir *inode, ref *source.Ref, fn func(d dirent) error) error {
	le := binary.LittleEndian
	var deleted []dirent
	for pos := 0; pos+8 <= len(b); {
		ino := le.Uint32(b[pos:])
		rl := f.recLen(le.Uint16(b[pos+4:]))
		nl, ft := f.nameLen(b[pos:])
		if rl < 8 || rl%4 != 0 || pos+rl > len(b) || (ino != 0 && (nl == 0 || minRecLen(nl) > rl)) {
			f.warn(ref, f.volOff+voff+int64(pos), fmt.Errorf("ext4: directory inode %d: bad entry at image byte %d (rec_len %d, name_len %d, inode %d): %w",
				dir.ino, f.volOff+voff+int64(pos), rl, nl, ino, filesystem.ErrCorrupt))
			break
		}
		used := 8
		if nl > 0 && pos+8+nl <= pos+rl {
			used = minRecLen(nl)
		}
		if ino == 0 && nl > 0 && 8+nl <= rl {
			// An unlinked name the kernel could not merge into a previous
			// record (the first of its block) keeps its name but loses its
			// inode; TSK lists these as deleted names of inode 0.
			if name := string(b[pos+8 : pos+8+nl]); name != "." && name != ".." && validName(name) {
				deleted = append(deleted, dirent{name: name, nameB: []byte(name), ftype: ft, deleted: true, off: voff + int64(pos)})
			}
		} else if ino != 0 {
			if ino > f.ninodes {
				f.warn(ref, f.volOff+voff+int64(pos), fmt.Errorf("ext4: directory inode %d: entry at image byte %d names inode %d of %d: %w",
					dir.ino, f.volOff+voff+int64(pos), ino, f.ninodes, filesystem.ErrCorrupt))
			} else if name := b[pos+8 : pos+8+nl]; !isDots(name) {
				if !validNameB(name) {
					f.warn(ref, f.volOff+voff+int64(pos), fmt.Errorf("ext4: directory inode %d: entry at image byte %d has an invalid name %q: %w",
						dir.ino, f.volOff+voff+int64(pos), name, filesystem.ErrCorrupt))
				} else if err := fn(dirent{ino: ino, nameB: name, ftype: ft, off: voff + int64(pos)}); err != nil {
					return err
				}
			}
		}
		if rl > used {
			deleted = f.scanSlack(b[pos+used:pos+rl], len(b)-(pos+used), voff+int64(pos+used), deleted)
		}
		pos += rl
	}
	for _, d := range deleted {
		if err := fn(d); err != nil {
			return err
		}
	}
	return nil
}

// scanSlack looks for deleted entries in s, stepping four bytes at a time
// past anything implausible. Inode 0 is accepted, as TSK does: the name
// survived even if its inode number did not. blockRest is the length from s's start to the
// end of the block: a deleted record's own rec_len must still end inside it.
func (f *FS) scanSlack(s []byte, blockRest int, voff int64, out []dirent) []dirent {
	le := binary.LittleEndian
	for p := 0; p+12 <= len(s); {
		ino := le.Uint32(s[p:])
		rl := f.recLen(le.Uint16(s[p+4:]))
		nl, ft := f.nameLen(s[p:])
		mr := minRecLen(nl)
		if ino > f.ninodes || nl == 0 || nl > 255 || rl < mr || rl%4 != 0 || mr > len(s)-p || p+rl > blockRest {
			p += 4
			continue
		}
		name := string(s[p+8 : p+8+nl])
		if name == "." || name == ".." || !validName(name) {
			p += 4
			continue
		}
		out = append(out, dirent{ino: ino, name: name, nameB: []byte(name), ftype: ft, deleted: true, off: voff + int64(p)})
		p += mr
	}
	return out
}

// validName rejects names that would break paths; the kernel never writes them.
func validName(s string) bool {
	return s != "" && !strings.ContainsAny(s, "/\x00")
}

func validNameB(b []byte) bool {
	return len(b) > 0 && bytes.IndexByte(b, '/') < 0 && bytes.IndexByte(b, 0) < 0
}

func isDots(b []byte) bool {
	return (len(b) == 1 && b[0] == '.') || (len(b) == 2 && b[0] == '.' && b[1] == '.')
}
