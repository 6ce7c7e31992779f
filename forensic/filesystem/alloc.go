package filesystem

import "context"

// AllocationMapper is implemented by file systems that can say which of
// their blocks are free. It is optional: the identifier sweep uses it for
// unallocated space and file slack, and falls back to whole-volume mode
// without it.
type AllocationMapper interface {
	// UnallocatedRuns returns the free blocks as runs in ascending order,
	// adjacent blocks merged; ImageOffset is absolute on the image and
	// FileOffset is the offset inside the concatenation of all runs (what
	// TSK's blkls writes).
	UnallocatedRuns(ctx context.Context) ([]Run, error)
	// BlockSize is the allocation unit (ext4 block, NTFS cluster) in bytes.
	BlockSize() int64
}
