package sweep

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/loupe-forensics/loupe/forensic/disk"
	"github.com/loupe-forensics/loupe/forensic/filesystem"
	"github.com/loupe-forensics/loupe/forensic/finding"
	"github.com/loupe-forensics/loupe/forensic/source"
)

// Parser is the name the sweep's artefacts carry.
const Parser = "sweep"

// Regions, as in the artefacts' "region" attribute and the Region steps of
// their source references.
const (
	RegionFile        = "file"
	RegionSlack       = "slack"
	RegionUnallocated = "unallocated"
	RegionGap         = "gap"
	RegionImage       = "image"
)

// Options for Run.
type Options struct {
	Engine Engine
	// WholeImage scans the image as one byte range (region "image") instead
	// of file by file and region by region.
	WholeImage bool
}

// RegionLog is one covered region in the search log.
type RegionLog struct {
	Region    string `json:"region"`
	Source    string `json:"source"` // canonical reference of the partition, FS or image
	Bytes     int64  `json:"bytes"`
	Ranges    int    `json:"ranges"`                    // byte ranges scanned (runs, files, slack tails)
	Files     int    `json:"files,omitempty"`           // files scanned (region "file")
	Duplicate int    `json:"duplicates,omitempty"`      // files whose content hash was already scanned
	Resident  int    `json:"resident_in_mft,omitempty"` // $MFT hits inside a resident file already reported
	Hits      int64  `json:"hits"`
}

// Log is the search log: what was searched, for what, and what was found.
type Log struct {
	Version    string      `json:"version"`
	Patterns   []string    `json:"patterns"`
	Image      string      `json:"image"`
	ImageSize  int64       `json:"image_size"`
	Started    time.Time   `json:"started"`
	DurationNS int64       `json:"duration_ns"`
	Regions    []RegionLog `json:"regions"`
	Counts     Counts      `json:"counts"`
	Warnings   []string    `json:"warnings,omitempty"`
}

// Run sweeps a disk: the content of every allocated file (each distinct
// content once), file slack and unallocated blocks of file systems that map
// their allocation, partition gaps, and partitions without a recognised file
// system as raw bytes. Hits go to out as "identifier.<type>" analysis
// artefacts; the returned log says what was covered.
func Run(ctx context.Context, d *disk.Disk, out finding.Sink, opts Options) (*Log, error) {
	r := &runner{d: d, out: out, eng: opts.Engine, img: d.Image.Ref()}
	r.log = &Log{Version: Version, Patterns: Patterns(), Image: r.img.String(), ImageSize: d.Image.Size(),
		Started: time.Now().UTC(), Counts: newCounts()}
	err := r.run(ctx, opts)
	r.log.DurationNS = int64(time.Since(r.log.Started))
	return r.log, err
}

type runner struct {
	d   *disk.Disk
	out finding.Sink
	eng Engine
	img *source.Ref
	log *Log
}

func (r *runner) run(ctx context.Context, opts Options) error {
	img := r.d.Image
	if opts.WholeImage || len(r.d.Volumes.Partitions) == 0 {
		return r.raw(ctx, RegionImage, r.img, 0, img.Size())
	}
	for _, m := range r.d.FileSystems {
		pref := m.Partition.Ref
		if pref == nil {
			pref = r.img
		}
		if m.FS == nil {
			if err := r.raw(ctx, RegionImage, pref, m.Partition.Start, m.Partition.Length); err != nil {
				return err
			}
			continue
		}
		if err := r.files(ctx, m.FS); err != nil {
			return err
		}
		am, ok := m.FS.(filesystem.AllocationMapper)
		if !ok {
			r.log.Warnings = append(r.log.Warnings, fmt.Sprintf("%s: no allocation map; partition swept whole as region image", m.FS.Ref()))
			if err := r.raw(ctx, RegionImage, pref, m.Partition.Start, m.Partition.Length); err != nil {
				return err
			}
			continue
		}
		runs, err := am.UnallocatedRuns(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			r.log.Warnings = append(r.log.Warnings, fmt.Sprintf("%s: unallocated space not mapped (%v); partition swept whole as region image", m.FS.Ref(), err))
			if err := r.raw(ctx, RegionImage, pref, m.Partition.Start, m.Partition.Length); err != nil {
				return err
			}
			continue
		}
		rl := RegionLog{Region: RegionUnallocated, Source: m.FS.Ref().String()}
		for _, run := range runs {
			n, err := r.scanImage(ctx, RegionUnallocated, pref, run.ImageOffset, run.ImageOffset+run.Length)
			if err != nil {
				return err
			}
			rl.Bytes += run.Length
			rl.Ranges++
			rl.Hits += n
		}
		r.log.Regions = append(r.log.Regions, rl)
	}
	for _, g := range r.d.Volumes.Gaps() {
		if g.Length <= 0 {
			continue
		}
		ref := g.Ref
		if ref == nil {
			ref = r.img
		}
		if err := r.raw(ctx, RegionGap, ref, g.Start, g.Length); err != nil {
			return err
		}
	}
	return nil
}

// raw sweeps one image range as a region of its own.
func (r *runner) raw(ctx context.Context, region string, parent *source.Ref, start, length int64) error {
	n, err := r.scanImage(ctx, region, parent, start, start+length)
	if err != nil {
		return err
	}
	r.log.Regions = append(r.log.Regions, RegionLog{Region: region, Source: parent.String(), Bytes: length, Ranges: 1, Hits: n})
	return nil
}

func (r *runner) scanImage(ctx context.Context, region string, parent *source.Ref, start, end int64) (int64, error) {
	hits, counts, err := r.eng.ScanRange(ctx, r.d.Image, start, end, nil)
	r.log.Counts.Add(counts)
	var rerr *ReadError
	switch {
	case errors.As(err, &rerr) && ctx.Err() == nil:
		// Bad sectors: say what was not swept and keep the hits of the rest.
		msg := fmt.Sprintf("%s %s [%d, %d): %v", region, parent, start, end, err)
		r.log.Warnings = append(r.log.Warnings, msg)
		if werr := r.out.Warn(ctx, finding.Warning{Parser: Parser, Source: parent.Child(source.TypeRegion, region, "", start, end-start), Message: msg}); werr != nil {
			return 0, werr
		}
	case err != nil:
		return 0, fmt.Errorf("sweep: %s %s [%d, %d): %w", region, parent, start, end, err)
	}
	for _, h := range hits {
		ref := parent.Child(source.TypeRegion, region, "", h.Offset, h.Length)
		if err := r.emit(ctx, h, region, ref, h.Offset, -1, "", ""); err != nil {
			return 0, err
		}
	}
	return int64(len(hits)), nil
}

// fileResult is one allocated file's scan, kept until all are done so that
// dedup and output follow walk order whatever the workers' timing.
type fileResult struct {
	e      *filesystem.Entry
	stream string // NTFS named stream, "" for the default content
	runs   []filesystem.Run
	sha    string
	hits   []Hit
	counts Counts
	slack  [2]int64 // image range of the slack, empty when none
	err    error
}

type fileStream struct {
	e      *filesystem.Entry
	stream string
}

// files sweeps every allocated regular file's content and named streams
// once per distinct SHA-256, and the slack of every non-resident one.
func (r *runner) files(ctx context.Context, fsys filesystem.FS) error {
	var entries []fileStream
	err := fsys.Walk(ctx, func(e *filesystem.Entry) error {
		if e.Type == filesystem.TypeFile && !e.Deleted && !e.Orphan {
			entries = append(entries, fileStream{e, ""})
			for _, st := range e.Streams {
				if st != "" {
					entries = append(entries, fileStream{e, st})
				}
			}
		}
		return nil
	})
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		// A damaged directory tree: sweep the files found so far, say so.
		// Their bytes, and those of files never reached, are still covered
		// by the unallocated sweep only where the blocks are free.
		r.log.Warnings = append(r.log.Warnings, fmt.Sprintf("walk %s stopped: %v", fsys.Ref(), err))
		if werr := r.out.Warn(ctx, finding.Warning{Parser: Parser, Source: fsys.Ref(), Message: "walk stopped: " + err.Error()}); werr != nil {
			return werr
		}
	}
	var bs, volOff int64
	am, hasMap := fsys.(filesystem.AllocationMapper)
	if hasMap {
		bs = am.BlockSize()
		volOff = fsys.Ref().Offset
	}
	res := make([]fileResult, len(entries))
	eng := r.eng
	eng.Workers = 1 // files are read in order to hash them; parallel over files instead
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < r.eng.workers(); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				res[i] = scanFile(ctx, &eng, fsys, entries[i].e, entries[i].stream, bs, volOff)
			}
		}()
	}
feed:
	for i := range entries {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return err
	}
	// Of files with the same content, the one with the smallest path (and
	// stream name) is reported, whatever the walk order of the file system.
	owner := map[string]string{}
	// NTFS keeps small files inside their MFT record: their bytes are swept
	// as the file, so the same bytes inside $MFT are not reported again.
	var resident [][2]int64
	for _, fr := range res {
		if fr.err != nil {
			continue
		}
		if p, ok := owner[fr.sha]; !ok || fr.key() < p {
			owner[fr.sha] = fr.key()
		}
		for _, rn := range fr.runs {
			if rn.Resident && fr.e.Path != "/$MFT" {
				resident = append(resident, [2]int64{rn.ImageOffset, rn.ImageOffset + rn.Length})
			}
		}
	}
	inResident := func(off int64) bool {
		for _, rg := range resident {
			if off >= rg[0] && off < rg[1] {
				return true
			}
		}
		return false
	}
	fl := RegionLog{Region: RegionFile, Source: fsys.Ref().String()}
	sl := RegionLog{Region: RegionSlack, Source: fsys.Ref().String()}
	for _, fr := range res {
		if fr.err != nil {
			r.log.Warnings = append(r.log.Warnings, fr.err.Error())
			_ = r.out.Warn(ctx, finding.Warning{Parser: Parser, Source: fr.e.Ref, Message: fr.err.Error()})
			continue
		}
		if fr.slack[1] > fr.slack[0] {
			n, err := r.scanImage(ctx, RegionSlack, fsRefParent(fsys), fr.slack[0], fr.slack[1])
			if err != nil {
				return err
			}
			sl.Bytes += fr.slack[1] - fr.slack[0]
			sl.Ranges++
			sl.Hits += n
		}
		if owner[fr.sha] != fr.key() {
			fl.Duplicate++
			continue
		}
		r.log.Counts.Add(fr.counts)
		fl.Files++
		fl.Ranges++
		fl.Bytes += fr.e.Size
		for _, h := range fr.hits {
			ref := fr.e.Ref
			if ref == nil {
				ref = fsys.Ref().Entry(fr.e.Path, string(fr.e.ID))
			}
			if fr.stream != "" {
				ref = ref.Stream(fr.stream)
			}
			imgOff := imageOffset(fr.runs, h.Offset)
			if fr.e.Path == "/$MFT" && fr.stream == "" && imgOff >= 0 && inResident(imgOff) {
				fl.Resident++
				r.log.Counts.Hits[h.Type]--
				continue
			}
			path := fr.e.Path
			if fr.stream != "" {
				path += ":" + fr.stream
			}
			if err := r.emit(ctx, h, RegionFile, ref.At(h.Offset, h.Length), imgOff, h.Offset, path, fr.sha); err != nil {
				return err
			}
			fl.Hits++
		}
	}
	r.log.Regions = append(r.log.Regions, fl)
	if hasMap {
		r.log.Regions = append(r.log.Regions, sl)
	}
	return nil
}

// fsRefParent is the partition step above a file system (region steps hang
// below the partition, as for gaps).
func fsRefParent(fsys filesystem.FS) *source.Ref {
	if p := fsys.Ref().Parent; p != nil {
		return p
	}
	return fsys.Ref()
}

func (fr *fileResult) key() string {
	if fr.stream == "" {
		return fr.e.Path
	}
	return fr.e.Path + ":" + fr.stream
}

func scanFile(ctx context.Context, eng *Engine, fsys filesystem.FS, e *filesystem.Entry, stream string, bs, volOff int64) fileResult {
	fr := fileResult{e: e, stream: stream}
	f, err := fsys.OpenID(ctx, e.ID, stream)
	if err != nil {
		fr.err = fmt.Errorf("sweep: open %s (%s) stream %q: %w", e.Path, e.ID, stream, err)
		return fr
	}
	defer f.Close()
	fr.runs = f.Runs()
	h := NewHash()
	size := e.Size
	if stream != "" {
		st, err := f.Stat()
		if err != nil {
			fr.err = fmt.Errorf("sweep: stat %s (%s) stream %q: %w", e.Path, e.ID, stream, err)
			return fr
		}
		size = st.Size()
	}
	fr.hits, fr.counts, err = eng.ScanRange(ctx, f, 0, size, h)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		fr.err = fmt.Errorf("sweep: %s (%s): %w", e.Path, e.ID, err)
		return fr
	}
	if err != nil {
		fr.err = fmt.Errorf("sweep: %s (%s) shorter than its size %d: %w", e.Path, e.ID, size, err)
		return fr
	}
	fr.sha = hex.EncodeToString(h.Sum(nil))
	if bs > 0 {
		fr.slack = slackRange(fr.runs, size, bs, volOff)
	}
	return fr
}

// slackRange is the image range between the end of a file's content and the
// end of the block holding its last byte, for non-resident content.
func slackRange(runs []filesystem.Run, size, bs, volOff int64) [2]int64 {
	for i := len(runs) - 1; i >= 0; i-- {
		rn := runs[i]
		if rn.FileOffset >= size {
			continue
		}
		if rn.Sparse || rn.Resident {
			return [2]int64{}
		}
		used := min(rn.Length, size-rn.FileOffset)
		end := rn.ImageOffset + used
		rel := end - volOff
		blockEnd := volOff + (rel+bs-1)/bs*bs
		return [2]int64{end, blockEnd}
	}
	return [2]int64{}
}

// imageOffset maps a file offset to the image, or -1 for sparse or unmapped.
func imageOffset(runs []filesystem.Run, off int64) int64 {
	for _, rn := range runs {
		if off >= rn.FileOffset && off < rn.FileOffset+rn.Length {
			if rn.Sparse {
				return -1
			}
			return rn.ImageOffset + off - rn.FileOffset
		}
	}
	return -1
}

func (r *runner) emit(ctx context.Context, h Hit, region string, ref *source.Ref, imgOff, fileOff int64, path, sha string) error {
	attrs := []finding.Attr{
		finding.S("value", h.Value),
		finding.S("type", h.Type),
	}
	if h.Coin != "" {
		attrs = append(attrs, finding.S("coin", h.Coin))
	}
	if h.Network != "" {
		attrs = append(attrs, finding.S("network", h.Network))
	}
	if h.Detail != "" {
		attrs = append(attrs, finding.S("detail", h.Detail))
	}
	attrs = append(attrs, finding.S("encoding", h.Encoding), finding.S("region", region), finding.I("offset", imgOff))
	if region == RegionFile {
		attrs = append(attrs, finding.S("path", path), finding.I("file_offset", fileOff))
	}
	attrs = append(attrs, finding.I("length", h.Length))
	return r.out.Artefact(ctx, finding.Artefact{
		Kind: "identifier." + h.Type, Category: finding.Analysis, Attrs: attrs,
		Parser: Parser, ParserVersion: Version, Source: ref, SourceSHA256: sha,
	})
}
