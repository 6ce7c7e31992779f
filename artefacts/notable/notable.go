// Package notable flags files that look like encrypted containers
// (VeraCrypt/TrueCrypt file-hosted volumes and the like): no recognisable
// header, a size a container program would produce, and bytes that are
// statistically indistinguishable from uniform random data.
//
// A VeraCrypt volume is deliberately featureless: its header is encrypted
// with a key derived from the password and salt, so the first byte of the
// file is already random. What gives it away is the combination checked
// here, the same test Autopsy's Encryption Detection module uses.
package notable

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"

	"github.com/loupe-forensics/loupe/artefacts"
	"github.com/loupe-forensics/loupe/artefacts/filetype"
	"github.com/loupe-forensics/loupe/forensic/finding"
)

// Registry name, version and artefact kind.
const (
	Name    = "notable/encrypted-container"
	Version = "1"
	Kind    = "notable.encrypted_container"
)

const (
	// MinSize is VeraCrypt's smallest volume: four 64 KiB header areas
	// (normal and hidden header, and their backups at the end) plus the
	// smallest FAT file system it formats, nine 4 KiB sectors
	// (TC_MIN_VOLUME_SIZE = TC_TOTAL_VOLUME_HEADERS_SIZE + TC_MIN_FAT_FS_SIZE
	// in VeraCrypt's Common/Volumes.h): 262144 + 36864 = 299008 bytes.
	MinSize = 4*64*1024 + 9*4096

	// SectorSize: VeraCrypt file containers are a whole number of 512-byte
	// sectors (TC_SECTOR_SIZE_FILE_HOSTED_VOLUME).
	SectorSize = 512

	// sampleCount samples of sampleSize bytes, spread evenly over the file,
	// bound the reading to 1 MiB whatever the file's size.
	sampleCount = 32
	sampleSize  = 32 * 1024

	// headEntropy is the cheap pre-check on the 8 KiB head: uniform random
	// 8 KiB measure about 7.98 bits/byte; text and most binaries far less.
	headEntropy = 7.9

	// minEntropy on the sampled bytes. Uniform random data of n bytes
	// measures about 8 - 255/(2 n ln 2) bits/byte (the Miller-Madow bias),
	// 7.9994 for the smallest container; compressed formats with a header
	// are already excluded by the signature check.
	minEntropy = 7.99

	// maxChiSquare against the uniform distribution (255 degrees of
	// freedom: mean 255, standard deviation 22.6). 400 is over six standard
	// deviations, so a truly random sample fails it about once in 10^9,
	// while compressed data without a header usually scores in the
	// thousands.
	maxChiSquare = 400
)

// Parser flags likely encrypted containers.
type Parser struct{}

// New returns the encrypted-container parser.
func New() *Parser { return &Parser{} }

func (*Parser) Name() string    { return Name }
func (*Parser) Version() string { return Version }

// Match: big enough, sector-aligned, no known signature, and a random-looking head.
func (*Parser) Match(in *artefacts.Input) bool {
	if in == nil || in.Size < MinSize || in.Size%SectorSize != 0 || len(in.Head) < 4096 {
		return false
	}
	if filetype.Known(filetype.Identify(in.Head, nil, in.Size)) {
		return false
	}
	var h histogram
	h.add(in.Head)
	return h.entropy() >= headEntropy
}

// Parse samples the file, and records a notable.encrypted_container
// analysis artefact when the samples look uniformly random.
func (*Parser) Parse(ctx context.Context, in *artefacts.Input, out finding.Sink) error {
	if in.Reader == nil {
		return fmt.Errorf("notable: %s: no reader", in.Ref)
	}
	var h histogram
	buf := make([]byte, sampleSize)
	for _, off := range sampleOffsets(in.Size) {
		if err := ctx.Err(); err != nil {
			return err
		}
		n := int64(sampleSize)
		if off+n > in.Size {
			n = in.Size - off
		}
		got, err := in.Reader.ReadAt(buf[:n], off)
		if err != nil && !(errors.Is(err, io.EOF) && int64(got) == n) {
			// An unreadable region (a bad E01 chunk, a deleted file's
			// reallocated cluster) is reported, not guessed at.
			return fmt.Errorf("notable: read %d bytes at offset %d of %s: %w", n, off, in.Ref, err)
		}
		h.add(buf[:got])
	}
	e := h.entropy()
	chi := h.chiSquare()
	if e < minEntropy || chi > maxChiSquare {
		return nil
	}
	attrs := []finding.Attr{
		finding.S("reason", "no file signature, size a multiple of 512 and at least VeraCrypt's minimum volume size, bytes uniformly random"),
		finding.I("size", in.Size),
		finding.S("entropy", strconv.FormatFloat(e, 'f', 6, 64)),
		finding.S("chi_square", strconv.FormatFloat(chi, 'f', 2, 64)),
		finding.I("sampled_bytes", h.n),
		finding.S("candidates", "VeraCrypt/TrueCrypt file container (or any headerless cipher text)"),
	}
	if in.Deleted {
		attrs = append(attrs, finding.B("deleted", true))
	}
	if err := out.Artefact(ctx, finding.Artefact{
		Kind:          Kind,
		Category:      finding.Analysis,
		Attrs:         attrs,
		Parser:        Name,
		ParserVersion: Version,
		Source:        in.Ref,
		SourceSHA256:  in.SHA256,
	}); err != nil {
		return fmt.Errorf("notable: record %s: %w", in.Ref, err)
	}
	return nil
}

// sampleOffsets spreads sampleCount windows evenly from the start to the
// end of the file (first and last window included, where VeraCrypt keeps
// its primary and backup headers); a small file is read whole.
func sampleOffsets(size int64) []int64 {
	if size <= sampleCount*sampleSize {
		var out []int64
		for off := int64(0); off < size; off += sampleSize {
			out = append(out, off)
		}
		return out
	}
	out := make([]int64, sampleCount)
	span := size - sampleSize
	for i := range out {
		// Sector-aligned so reads follow the media's natural boundaries.
		out[i] = (span * int64(i) / (sampleCount - 1)) &^ (SectorSize - 1)
	}
	return out
}

type histogram struct {
	c [256]int64
	n int64
}

func (h *histogram) add(b []byte) {
	for _, x := range b {
		h.c[x]++
	}
	h.n += int64(len(b))
}

// entropy is the Shannon entropy in bits per byte.
func (h *histogram) entropy() float64 {
	if h.n == 0 {
		return 0
	}
	var e float64
	n := float64(h.n)
	for _, c := range h.c {
		if c > 0 {
			p := float64(c) / n
			e -= p * math.Log2(p)
		}
	}
	return e
}

// chiSquare is Pearson's statistic against 256 equally likely byte values.
func (h *histogram) chiSquare() float64 {
	if h.n == 0 {
		return math.Inf(1)
	}
	exp := float64(h.n) / 256
	var x float64
	for _, c := range h.c {
		d := float64(c) - exp
		x += d * d / exp
	}
	return x
}
