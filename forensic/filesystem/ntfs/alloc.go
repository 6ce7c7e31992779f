package ntfs

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"

	"github.com/loupe-forensics/loupe/forensic/filesystem"
)

var _ filesystem.AllocationMapper = (*FS)(nil)

// bitmapEntry is $Bitmap's MFT entry: one bit per cluster, set = in use.
const bitmapEntry = "6"

// BlockSize is the cluster size.
func (f *FS) BlockSize() int64 { return f.clusterSize }

// UnallocatedRuns reads $Bitmap and returns the free clusters. The cluster
// count comes from the boot sector (total sectors); bitmap bits past it are
// padding and ignored, as are clusters past the end of the image.
func (f *FS) UnallocatedRuns(ctx context.Context) ([]filesystem.Run, error) {
	var boot [512]byte
	if _, err := f.vol.ReadAt(boot[:], 0); err != nil {
		return nil, fmt.Errorf("ntfs: boot sector at image byte %d: %w", f.volOff, err)
	}
	bps := int64(binary.LittleEndian.Uint16(boot[0x0B:]))
	total := int64(binary.LittleEndian.Uint64(boot[0x28:]))
	if bps <= 0 || total <= 0 || f.clusterSize <= 0 {
		return nil, fmt.Errorf("ntfs: boot sector at image byte %d: %d sectors of %d bytes: %w", f.volOff, total, bps, filesystem.ErrCorrupt)
	}
	nclusters := min(total/(f.clusterSize/bps), f.size/f.clusterSize)
	bm, err := f.OpenID(ctx, bitmapEntry, "")
	if err != nil {
		return nil, fmt.Errorf("ntfs: $Bitmap: %w", err)
	}
	defer bm.Close()
	var runs []filesystem.Run
	var concat int64
	add := func(c, n int64) {
		off := f.volOff + c*f.clusterSize
		l := n * f.clusterSize
		if k := len(runs) - 1; k >= 0 && runs[k].ImageOffset+runs[k].Length == off {
			runs[k].Length += l
		} else {
			runs = append(runs, filesystem.Run{FileOffset: concat, ImageOffset: off, Length: l})
		}
		concat += l
	}
	buf := make([]byte, 64<<10)
	var c int64 // cluster number of the next bit
	freeStart := int64(-1)
	for pos := int64(0); c < nclusters; pos += int64(len(buf)) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		n, err := bm.ReadAt(buf, pos)
		if n == 0 {
			if err == nil || err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return nil, fmt.Errorf("ntfs: $Bitmap covers %d of %d clusters: %w", c, nclusters, err)
		}
		for _, b := range buf[:n] {
			for bit := 0; bit < 8 && c < nclusters; bit++ {
				free := b&(1<<bit) == 0
				if free && freeStart < 0 {
					freeStart = c
				} else if !free && freeStart >= 0 {
					add(freeStart, c-freeStart)
					freeStart = -1
				}
				c++
			}
		}
	}
	if freeStart >= 0 {
		add(freeStart, c-freeStart)
	}
	return runs, nil
}
