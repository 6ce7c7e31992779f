package volume

import (
	"encoding/binary"
	"fmt"
)

// maxEBRTables bounds the extended-partition chain; real disks have a few
// dozen logical partitions at most, a hostile chain may loop forever.
const maxEBRTables = 256

// looksLikeMBR: the 55 AA signature, not a volume boot record, and four
// entries whose boot flags are 0x00 or 0x80 (TSK makes the same check).
func looksLikeMBR(b []byte) bool {
	if len(b) < 512 || b[510] != 0x55 || b[511] != 0xAA {
		return false
	}
	if bootSectorFS(b) != "" {
		return false
	}
	for i := 0; i < 4; i++ {
		if f := b[446+16*i]; f != 0 && f != 0x80 {
			return false
		}
	}
	return true
}

func hasProtective(b []byte) bool {
	for i := 0; i < 4; i++ {
		if b[446+16*i+4] == 0xEE {
			return true
		}
	}
	return false
}

func isExtended(t byte) bool { return t == 0x05 || t == 0x0F || t == 0x85 }

type mbrEntry struct {
	typ        byte
	start, n   int64
	entryIndex int
}

func parseTable(b []byte) []mbrEntry {
	var out []mbrEntry
	for i := 0; i < 4; i++ {
		e := b[446+16*i : 446+16*i+16]
		typ := e[4]
		start := int64(binary.LittleEndian.Uint32(e[8:]))
		n := int64(binary.LittleEndian.Uint32(e[12:]))
		if typ == 0 || n == 0 {
			continue
		}
		out = append(out, mbrEntry{typ: typ, start: start, n: n, entryIndex: i})
	}
	return out
}

// mbr lists the primary table and follows the extended chain. Slots are
// "table:entry" with the primary table 000 and each extended table
// numbered in the order it is reached, as mmls prints them.
func (d *detector) mbr(sector0 []byte) ([]rawPart, error) {
	var parts []rawPart
	order := 0
	totalSectors := d.size / d.ss
	add := func(table int, e mbrEntry, abs int64) {
		if abs+e.n > totalSectors {
			d.warn(abs*d.ss, fmt.Errorf("partition %03d:%03d (sectors %d+%d) extends past the image end (%d sectors): %w",
				table, e.entryIndex, abs, e.n, totalSectors, ErrCorrupt))
		}
		order++
		parts = append(parts, rawPart{
			slot: fmt.Sprintf("%03d:%03d", table, e.entryIndex), start: abs, n: e.n,
			typ: fmt.Sprintf("0x%02x", e.typ), desc: dosDesc(e.typ), order: order,
		})
	}

	type pending struct{ sector, base int64 }
	var queue []pending
	for _, e := range parseTable(sector0) {
		if isExtended(e.typ) {
			queue = append(queue, pending{sector: e.start, base: e.start})
			continue
		}
		add(0, e, e.start)
	}

	seen := map[int64]bool{0: true}
	table := 0
	for len(queue) > 0 {
		if err := d.ctx.Err(); err != nil {
			return nil, err
		}
		p := queue[0]
		queue = queue[1:]
		off := p.sector * d.ss
		if seen[p.sector] {
			d.warn(off, fmt.Errorf("extended partition chain loops back to sector %d: %w", p.sector, ErrCorrupt))
			continue
		}
		seen[p.sector] = true
		if table >= maxEBRTables {
			d.warn(off, fmt.Errorf("more than %d extended tables, stopped: %w", maxEBRTables, ErrCorrupt))
			break
		}
		b, err := d.read(off, 512)
		if err != nil {
			d.warn(off, fmt.Errorf("extended table at sector %d: %w", p.sector, err))
			continue
		}
		if b[510] != 0x55 || b[511] != 0xAA {
			d.warn(off, fmt.Errorf("extended table at sector %d lacks the 55 AA signature: %w", p.sector, ErrCorrupt))
			continue
		}
		table++
		for _, e := range parseTable(b) {
			if isExtended(e.typ) {
				// Links to the next EBR are relative to the extended partition's start.
				queue = append(queue, pending{sector: p.base + e.start, base: p.base})
				continue
			}
			// Logical partitions are relative to their own EBR.
			add(table, e, p.sector+e.start)
		}
	}
	return parts, nil
}

// dosDesc names an MBR partition type the way TSK's mmls does.
func dosDesc(t byte) string {
	name, ok := dosTypes[t]
	if !ok {
		name = "Unknown Type"
	}
	return fmt.Sprintf("%s (0x%02x)", name, t)
}

var dosTypes = map[byte]string{
	0x01: "DOS FAT12",
	0x04: "DOS FAT16 (<32MB)",
	0x05: "DOS Extended",
	0x06: "DOS FAT16 (>=32MB)",
	0x07: "NTFS / exFAT",
	0x0b: "Win95 FAT32",
	0x0c: "Win95 FAT32",
	0x0e: "Win95 FAT16",
	0x0f: "Win95 Extended",
	0x11: "DOS FAT12 Hidden",
	0x12: "Hibernation",
	0x14: "DOS FAT16 (<32MB) Hidden",
	0x16: "DOS FAT16 (>=32MB) Hidden",
	0x17: "Hidden IFS",
	0x1b: "Win95 FAT32 Hidden",
	0x1c: "Win95 FAT32 Hidden",
	0x1e: "Win95 FAT16 Hidden",
	0x27: "Windows Recovery Environment",
	0x42: "Windows Logical Disk Manager",
	0x82: "Linux Swap / Solaris x86",
	0x83: "Linux",
	0x85: "Linux Extended",
	0x8e: "Linux Logical Volume Manager",
	0xa5: "FreeBSD",
	0xa6: "OpenBSD",
	0xa8: "Mac OSX",
	0xa9: "NetBSD",
	0xaf: "Mac OSX HFS",
	0xee: "GPT Safety Partition",
	0xef: "EFI File System",
	0xfd: "Linux raid autodetect",
}
