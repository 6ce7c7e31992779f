package ext4

import (
	"context"
	"encoding/binary"
	"fmt"

	"github.com/loupe-forensics/loupe/forensic/filesystem"
)

var _ filesystem.AllocationMapper = (*FS)(nil)

const bgBlockUninit = 0x0002 // EXT4_BG_BLOCK_UNINIT: the group's block bitmap was never written

// UnallocatedRuns reads every group's block bitmap and returns the free
// blocks. A group flagged BLOCK_UNINIT has no bitmap on disk; like TSK's
// blkls it counts as entirely free. Blocks past the superblock's count (the
// padding bits of the last group) and past the end of the image are left out.
func (f *FS) UnallocatedRuns(ctx context.Context) ([]filesystem.Run, error) {
	le := binary.LittleEndian
	sb := make([]byte, 1024)
	if err := f.read(sb, 1024); err != nil {
		return nil, fmt.Errorf("ext4: superblock: %w", err)
	}
	firstData := uint64(le.Uint32(sb[0x14:]))
	bpg := uint64(le.Uint32(sb[0x20:]))
	descSize := int64(32)
	if f.incompat&incompat64Bit != 0 {
		descSize = int64(le.Uint16(sb[0xFE:]))
	}
	firstMetaBG := uint64(le.Uint32(sb[0x104:]))
	perBlock := uint64(f.bs / descSize)
	ngroups := uint64(len(f.groups))

	var runs []filesystem.Run
	var concat int64
	add := func(blk, n uint64) {
		off := f.volOff + int64(blk)*f.bs
		l := int64(n) * f.bs
		if k := len(runs) - 1; k >= 0 && runs[k].ImageOffset+runs[k].Length == off {
			runs[k].Length += l
		} else {
			runs = append(runs, filesystem.Run{FileOffset: concat, ImageOffset: off, Length: l})
		}
		concat += l
	}
	desc := make([]byte, f.bs)
	bitmap := make([]byte, f.bs)
	curDescBlk := uint64(1<<64 - 1)
	for g := uint64(0); g < ngroups; g++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		db := g / perBlock
		blk := firstData + 1 + db
		if f.incompat&incompatMetaBG != 0 && db >= firstMetaBG {
			mg := db * perBlock
			blk = firstData + mg*bpg
			if f.groupHasSuper(mg) {
				blk++
			}
		}
		if blk != curDescBlk {
			if err := f.read(desc, int64(blk)*f.bs); err != nil {
				return nil, fmt.Errorf("ext4: group descriptor block %d at image byte %d: %w", blk, f.volOff+int64(blk)*f.bs, err)
			}
			curDescBlk = blk
		}
		d := desc[(g%perBlock)*uint64(descSize):]
		bmBlk := uint64(le.Uint32(d[0x00:]))
		if descSize >= 64 {
			bmBlk |= uint64(le.Uint32(d[0x20:])) << 32
		}
		start := firstData + g*bpg
		end := min(start+bpg, f.nblocks, f.limit)
		if start >= end {
			continue
		}
		if le.Uint16(d[0x12:])&bgBlockUninit != 0 {
			add(start, end-start)
			continue
		}
		if bmBlk == 0 || bmBlk >= f.limit {
			f.warn(f.ref, f.volOff, fmt.Errorf("ext4: group %d block bitmap at block %d is outside the volume: %w", g, bmBlk, filesystem.ErrCorrupt))
			continue
		}
		if err := f.read(bitmap, int64(bmBlk)*f.bs); err != nil {
			return nil, fmt.Errorf("ext4: group %d block bitmap at image byte %d: %w", g, f.volOff+int64(bmBlk)*f.bs, err)
		}
		// Scan bits, emitting free stretches.
		runStart := uint64(0)
		inFree := false
		for b := start; b < end; b++ {
			i := b - start
			free := bitmap[i/8]&(1<<(i%8)) == 0
			if free && !inFree {
				runStart, inFree = b, true
			} else if !free && inFree {
				add(runStart, b-runStart)
				inFree = false
			}
		}
		if inFree {
			add(runStart, end-runStart)
		}
	}
	return runs, nil
}
