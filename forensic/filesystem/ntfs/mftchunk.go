package ntfs

// mftChunkSize and mftChunkCount shape the $MFT chunk cache: a listing reads
// every record once in $MFT order (index pass) and once in directory order
// (a directory's records were mostly allocated together, so they share a
// few chunks). Reading 1 MiB at a time straight from the volume through the
// $MFT's own runs replaced go-ntfs's 64 KiB page cache, whose copies and
// page faults took half of a 100k-file walk's CPU; 8 chunks bound the cache
// at 8 MiB.
const (
	mftChunkSize  = 1 << 20
	mftChunkCount = 8
)

type mftChunk struct {
	n    int64 // chunk number: $MFT offset / mftChunkSize
	data []byte
	ok   bool // every byte read cleanly; else readers fall back
	used uint64
}

// mftChunks is a small LRU of $MFT chunks. Its zero value is empty.
type mftChunks struct {
	list  []*mftChunk
	clock uint64
}

// read copies len(dst) bytes at $MFT offset off into dst and reports
// whether it could. It cannot before the $MFT's runs are known, for a
// record straddling chunks, or when any part of the chunk is sparse,
// unmapped, outside the volume or failed to read: then the caller reads
// through go-ntfs, which reports the problem with its exact offset.
func (c *mftChunks) read(f *FS, dst []byte, off int64) bool {
	if len(f.mftRuns) == 0 || f.nrec <= 0 || off < 0 {
		return false
	}
	n := off / mftChunkSize
	start := off - n*mftChunkSize
	if start+int64(len(dst)) > mftChunkSize {
		return false
	}
	c.clock++
	var ch *mftChunk
	for _, x := range c.list {
		if x.n == n {
			ch = x
			break
		}
	}
	if ch == nil {
		ch = c.load(f, n)
	}
	ch.used = c.clock
	if !ch.ok || start+int64(len(dst)) > int64(len(ch.data)) {
		return false
	}
	copy(dst, ch.data[start:])
	return true
}

// load reads chunk n into the least recently used slot.
func (c *mftChunks) load(f *FS, n int64) *mftChunk {
	var ch *mftChunk
	if len(c.list) < mftChunkCount {
		ch = &mftChunk{data: make([]byte, mftChunkSize)}
		c.list = append(c.list, ch)
	} else {
		ch = c.list[0]
		for _, x := range c.list[1:] {
			if x.used < ch.used {
				ch = x
			}
		}
	}
	ch.n, ch.ok = n, false
	base := n * mftChunkSize
	end := min(base+mftChunkSize, f.nrec*f.recSize)
	if end <= base {
		ch.data = ch.data[:0]
		return ch
	}
	ch.data = ch.data[:cap(ch.data)][:end-base]
	for pos := base; pos < end; {
		var run *struct{ img, avail int64 }
		for _, r := range f.mftRuns {
			if pos >= r.FileOffset && pos < r.FileOffset+r.Length && !r.Sparse {
				run = &struct{ img, avail int64 }{r.ImageOffset + pos - r.FileOffset, r.FileOffset + r.Length - pos}
				break
			}
		}
		if run == nil {
			return ch
		}
		want := min(run.avail, end-pos)
		vol := run.img - f.volOff
		if vol < 0 || vol+want > f.size {
			return ch
		}
		// The raw reader, not the checked one: a failure here is
		// reported by the per-record fallback read, once, at its offset.
		if k, _ := f.vol.r.ReadAt(ch.data[pos-base:pos-base+want], vol); int64(k) < want {
			return ch
		}
		pos += want
	}
	ch.ok = true
	return ch
}
