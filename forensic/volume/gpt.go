package volume

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"strings"
	"unicode/utf16"
)

// GPT limits. The specification requires at least 16 KiB of entries; tools
// write 128 entries of 128 bytes. These bounds keep a hostile header from
// making us allocate more than a few MiB.
const (
	maxGPTEntries    = 16384
	maxGPTEntrySize  = 4096
	maxGPTTableBytes = 4 << 20
)

type gptHeader struct {
	off                   int64 // byte offset of the header on the image
	myLBA, altLBA         uint64
	firstUsable, lastUse  uint64
	diskGUID              string
	entriesLBA            uint64
	numEntries, entrySize uint32
	entriesCRC            uint32
}

// gptAnySectorSize tries the configured sector size first, then 4096 and
// 512, since a 4Kn disk imaged to a file loses its sector size.
func (d *detector) gptAnySectorSize() ([]rawPart, int64, error) {
	sizes := []int64{d.ss}
	for _, s := range []int64{512, 4096} {
		if s != d.ss {
			sizes = append(sizes, s)
		}
	}
	var first error
	for _, ss := range sizes {
		saved := d.ss
		savedW := len(d.warnings)
		d.ss = ss
		parts, err := d.gpt()
		d.ss = saved
		if err == nil {
			return parts, ss, nil
		}
		d.warnings = d.warnings[:savedW] // warnings of a wrong sector size are noise
		if first == nil {
			first = err
		}
		if ctxErr := d.ctx.Err(); ctxErr != nil {
			return nil, 0, ctxErr
		}
	}
	return nil, 0, first
}

// gpt reads the primary header and table, checks both CRCs, compares with
// the backup header at the last LBA, and falls back to the backup when the
// primary is corrupt.
func (d *detector) gpt() ([]rawPart, error) {
	lastLBA := uint64(d.size/d.ss) - 1
	prim, perr := d.gptHeaderAt(1)
	var primEntries []byte
	if perr == nil {
		primEntries, perr = d.gptEntries(prim)
	}
	// The backup normally sits at the last LBA; a truncated or resized image
	// may still have it where the primary says.
	backLBA := lastLBA
	if perr == nil && prim.altLBA != 0 && prim.altLBA <= lastLBA {
		backLBA = prim.altLBA
	}
	back, berr := d.gptHeaderAt(backLBA)
	var backEntries []byte
	if berr == nil {
		backEntries, berr = d.gptEntries(back)
	}

	switch {
	case perr == nil && berr == nil:
		if prim.diskGUID != back.diskGUID || prim.entriesCRC != back.entriesCRC ||
			prim.numEntries != back.numEntries || prim.entrySize != back.entrySize ||
			prim.firstUsable != back.firstUsable || prim.lastUse != back.lastUse {
			d.warn(back.off, fmt.Errorf("backup GPT header at LBA %d disagrees with the primary: %w", backLBA, ErrCorrupt))
		} else if !bytes.Equal(primEntries, backEntries) {
			d.warn(int64(back.entriesLBA)*d.ss, fmt.Errorf("backup GPT entries differ from the primary: %w", ErrCorrupt))
		}
		if prim.altLBA != backLBA {
			d.warn(prim.off, fmt.Errorf("primary GPT header names its backup at LBA %d, found at %d: %w", prim.altLBA, backLBA, ErrCorrupt))
		}
		return d.gptParts(prim, primEntries), nil
	case perr == nil:
		d.warn(int64(backLBA)*d.ss, fmt.Errorf("backup GPT at LBA %d unusable: %w", backLBA, berr))
		return d.gptParts(prim, primEntries), nil
	case berr == nil:
		d.warn(d.ss, fmt.Errorf("primary GPT unusable, using the backup at LBA %d: %w", backLBA, perr))
		return d.gptParts(back, backEntries), nil
	default:
		return nil, fmt.Errorf("primary GPT: %w; backup GPT: %w", perr, berr)
	}
}

func (d *detector) gptHeaderAt(lba uint64) (*gptHeader, error) {
	if lba == 0 || lba >= uint64(d.size/d.ss) {
		return nil, fmt.Errorf("GPT header LBA %d outside the image: %w", lba, ErrCorrupt)
	}
	off := int64(lba) * d.ss
	b, err := d.read(off, int(d.ss))
	if err != nil {
		return nil, err
	}
	if string(b[:8]) != "EFI PART" {
		return nil, fmt.Errorf("no GPT signature at byte %d: %w", off, ErrCorrupt)
	}
	hsize := binary.LittleEndian.Uint32(b[12:])
	if hsize < 92 || int64(hsize) > d.ss {
		return nil, fmt.Errorf("GPT header size %d at byte %d: %w", hsize, off, ErrCorrupt)
	}
	want := binary.LittleEndian.Uint32(b[16:])
	h := make([]byte, hsize)
	copy(h, b)
	binary.LittleEndian.PutUint32(h[16:], 0)
	if got := crc32.ChecksumIEEE(h); got != want {
		return nil, fmt.Errorf("GPT header CRC at byte %d is %08x, computed %08x: %w", off, want, got, ErrCorrupt)
	}
	g := &gptHeader{
		off:         off,
		myLBA:       binary.LittleEndian.Uint64(b[24:]),
		altLBA:      binary.LittleEndian.Uint64(b[32:]),
		firstUsable: binary.LittleEndian.Uint64(b[40:]),
		lastUse:     binary.LittleEndian.Uint64(b[48:]),
		diskGUID:    guidString(b[56:72]),
		entriesLBA:  binary.LittleEndian.Uint64(b[72:]),
		numEntries:  binary.LittleEndian.Uint32(b[80:]),
		entrySize:   binary.LittleEndian.Uint32(b[84:]),
		entriesCRC:  binary.LittleEndian.Uint32(b[88:]),
	}
	if g.myLBA != lba {
		return nil, fmt.Errorf("GPT header at LBA %d says it is at LBA %d: %w", lba, g.myLBA, ErrCorrupt)
	}
	if g.entrySize < 128 || g.entrySize > maxGPTEntrySize || g.entrySize%8 != 0 {
		return nil, fmt.Errorf("GPT entry size %d at byte %d: %w", g.entrySize, off, ErrCorrupt)
	}
	if g.numEntries == 0 || g.numEntries > maxGPTEntries || uint64(g.numEntries)*uint64(g.entrySize) > maxGPTTableBytes {
		return nil, fmt.Errorf("GPT entry count %d of %d bytes at byte %d: %w", g.numEntries, g.entrySize, off, ErrCorrupt)
	}
	return g, nil
}

func (d *detector) gptEntries(h *gptHeader) ([]byte, error) {
	n := int(h.numEntries) * int(h.entrySize)
	if h.entriesLBA == 0 || h.entriesLBA >= uint64(d.size/d.ss) {
		return nil, fmt.Errorf("GPT entries LBA %d outside the image: %w", h.entriesLBA, ErrCorrupt)
	}
	off := int64(h.entriesLBA) * d.ss
	b, err := d.read(off, n)
	if err != nil {
		return nil, fmt.Errorf("GPT entries: %w", err)
	}
	if got := crc32.ChecksumIEEE(b); got != h.entriesCRC {
		return nil, fmt.Errorf("GPT entries CRC at byte %d is %08x, computed %08x: %w", off, h.entriesCRC, got, ErrCorrupt)
	}
	return b, nil
}

func (d *detector) gptParts(h *gptHeader, b []byte) []rawPart {
	var out []rawPart
	total := uint64(d.size / d.ss)
	for i := 0; i < int(h.numEntries); i++ {
		e := b[i*int(h.entrySize) : (i+1)*int(h.entrySize)]
		if allZero(e[:16]) {
			continue
		}
		first := binary.LittleEndian.Uint64(e[32:])
		last := binary.LittleEndian.Uint64(e[40:])
		off := int64(h.entriesLBA)*d.ss + int64(i)*int64(h.entrySize)
		if last < first || last >= 1<<40 {
			d.warn(off, fmt.Errorf("GPT entry %d has first LBA %d, last LBA %d: %w", i, first, last, ErrCorrupt))
			continue
		}
		if last >= total {
			d.warn(off, fmt.Errorf("GPT entry %d ends at LBA %d past the image end (%d sectors): %w", i, last, total, ErrCorrupt))
		}
		if first < h.firstUsable || last > h.lastUse {
			d.warn(off, fmt.Errorf("GPT entry %d (LBA %d-%d) outside the usable range %d-%d: %w", i, first, last, h.firstUsable, h.lastUse, ErrCorrupt))
		}
		typ := guidString(e[0:16])
		name := utf16Name(e[56:128])
		desc := name
		if desc == "" {
			desc = gptTypeName(typ)
		}
		out = append(out, rawPart{
			slot: fmt.Sprintf("%03d", i), start: int64(first), n: int64(last - first + 1),
			typ: typ, desc: desc, label: name, guid: guidString(e[16:32]), order: i,
		})
	}
	return out
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// guidString formats a mixed-endian GUID as upper-case text.
func guidString(b []byte) string {
	return fmt.Sprintf("%08X-%04X-%04X-%X-%X",
		binary.LittleEndian.Uint32(b[0:]), binary.LittleEndian.Uint16(b[4:]),
		binary.LittleEndian.Uint16(b[6:]), b[8:10], b[10:16])
}

func utf16Name(b []byte) string {
	u := make([]uint16, 0, len(b)/2)
	for i := 0; i+1 < len(b); i += 2 {
		c := binary.LittleEndian.Uint16(b[i:])
		if c == 0 {
			break
		}
		u = append(u, c)
	}
	return strings.ToValidUTF8(string(utf16.Decode(u)), "\uFFFD")
}

var gptTypes = map[string]string{
	"C12A7328-F81F-11D2-BA4B-00A0C93EC93B": "EFI System Partition",
	"0FC63DAF-8483-4772-8E79-3D69D8477DE4": "Linux filesystem data",
	"EBD0A0A2-B9E5-4433-87C0-68B6B72699C7": "Basic data partition",
	"E3C9E316-0B5C-4DB8-817D-F92DF00215AE": "Microsoft reserved partition",
	"DE94BBA4-06D1-4D40-A16A-BFD50179D6AC": "Windows recovery environment",
	"0657FD6D-A4AB-43C4-84E5-0933C84B4F4F": "Linux swap",
	"E6D6D379-F507-44C2-A23C-238F2A3DF928": "Linux LVM",
	"21686148-6449-6E6F-744E-656564454649": "BIOS boot partition",
}

func gptTypeName(guid string) string {
	if n, ok := gptTypes[guid]; ok {
		return n
	}
	return "Unknown GPT type"
}
