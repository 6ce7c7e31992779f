package ntfs

import (
	"bytes"
	"context"
	"io"
	"testing"

	"github.com/loupe-forensics/loupe/forensic/filesystem"
	"github.com/loupe-forensics/loupe/forensic/source"
)

// overlay reads base with patch laid over it at off, so each fuzz input
// costs no copy of the volume.
type overlay struct {
	base  []byte
	off   int64
	patch []byte
}

func (o overlay) ReadAt(p []byte, off int64) (int, error) {
	if off >= int64(len(o.base)) {
		return 0, io.EOF
	}
	n := copy(p, o.base[off:])
	// Lay the patch over the part of p it covers.
	ps, pe := max(off, o.off), min(off+int64(n), o.off+int64(len(o.patch)))
	if ps < pe {
		copy(p[ps-off:pe-off], o.patch[ps-o.off:pe-o.off])
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// FuzzVolume overwrites part of the fixture's NTFS volume, either the boot
// sector (target 0) or a run of MFT records (target selects the first
// record), then opens, walks and reads every file. It must never panic or
// hang, whatever the bytes.
func FuzzVolume(f *testing.F) {
	vol, off := volumeBytes(f)
	clean := openBytes(f, bytes.NewReader(vol), int64(len(vol)), off)
	mftOff := recordOffset(f, clean, 0)
	recSize := clean.recSize
	nrec := clean.nrec
	// Seeds: the real boot sector, and real records (metadata files,
	// directories with index allocations, a file with an ADS, deleted ones).
	f.Add(uint16(0), vol[:512])
	for _, id := range []int64{0, 5, 9, 11, 64, 65, 90, 93, 94} {
		if id < nrec {
			o := recordOffset(f, clean, id)
			f.Add(uint16(id+1), bytes.Clone(vol[o:o+recSize]))
		}
	}
	f.Fuzz(func(t *testing.T, target uint16, patch []byte) {
		if len(patch) > int(8*recSize) {
			patch = patch[:8*recSize]
		}
		at := int64(0)
		if target > 0 {
			at = mftOff + (int64(target-1)%nrec)*recSize
		}
		r := overlay{base: vol, off: at, patch: patch}
		ctx := context.Background()
		fsys, err := Open(ctx, r, int64(len(vol)), off, source.Image("fuzz.raw"))
		if err != nil {
			return
		}
		n := 0
		_ = fsys.Walk(ctx, func(e *filesystem.Entry) error {
			n++
			if e.Type != filesystem.TypeFile || n > 400 {
				return nil
			}
			fl, err := fsys.OpenID(ctx, e.ID, "")
			if err != nil {
				return nil
			}
			_, _ = io.Copy(io.Discard, io.LimitReader(fl, 64<<10))
			for _, s := range e.Streams {
				if sf, err := fsys.OpenID(ctx, e.ID, s); err == nil {
					_, _ = io.Copy(io.Discard, io.LimitReader(sf, 64<<10))
				}
			}
			return nil
		})
		_, _ = fsys.ReadDir(".")
		_ = fsys.Warnings()
	})
}

// FuzzMappingPairs checks the run-list decoder on arbitrary bytes: no
// panic, and every run it returns is positive and inside the bounds it
// promises.
func FuzzMappingPairs(f *testing.F) {
	vol, off := volumeBytes(f)
	clean := openBytes(f, bytes.NewReader(vol), int64(len(vol)), off)
	// Seed with the real run lists of non-resident attributes.
	for _, id := range []int64{0, 2, 6, 8, 88} {
		rec, _, err := clean.parseRecord(id)
		if err != nil {
			f.Fatal(err)
		}
		for _, s := range rec.streams {
			for _, p := range s.pieces {
				if !p.IsResident() {
					b, err := runlistBytes(p)
					if err != nil {
						f.Fatal(err)
					}
					f.Add(b)
				}
			}
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		runs, _ := decodeMappingPairs(b)
		for _, r := range runs {
			if r.length <= 0 || r.length > 1<<48 || r.lcn < -1 || r.lcn > 1<<48 {
				t.Fatalf("bad run %+v", r)
			}
		}
	})
}
