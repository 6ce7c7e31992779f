package ntfs

import (
	"bytes"
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/loupe-forensics/loupe/forensic/source"
)

// summaryView is what a listing takes from a record: the fields buildEntry
// and buildIndex read.
func summaryView(r *record, light bool) string {
	if r == nil {
		return "<nil>"
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "id=%d seq=%d flags=%#x base=%d links=%d nattrs=%d img=%d\n", r.id, r.seq, r.flags, r.base, r.links, r.nattrs, r.imgOff)
	for _, n := range r.names {
		fmt.Fprintf(&b, "name %q parent=%d-%d space=%d\n", n.name, n.parent, n.parentSeq, n.space)
		if !light { // the index pass takes no $FILE_NAME times
			fmt.Fprintf(&b, "times=%v\n", fmtTimes(n.times[:]))
		}
	}
	if !light {
		fmt.Fprintf(&b, "si=%v hasSI=%v dirSize=%d reparse=%#x target=%q\n", fmtTimes(r.si[:]), r.hasSI, r.dirSize, r.reparse, r.target)
		for _, s := range r.streams {
			fmt.Fprintf(&b, "stream %q size=%d\n", s.name, s.size)
		}
	}
	return b.String()
}

func fmtTimes(ts []*time.Time) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		if t != nil {
			out[i] = t.Format("2006-01-02T15:04:05.0000000Z")
		}
	}
	return out
}

func errText(errs ...error) []string {
	var out []string
	for _, e := range errs {
		if e != nil {
			out = append(out, e.Error())
		}
	}
	return out
}

// checkSummaries compares the fast listing decode with the go-ntfs decode on
// every record of f, in both modes.
func checkSummaries(t *testing.T, f *FS) (compared int) {
	t.Helper()
	for id := int64(0); id < f.nrec; id++ {
		for _, light := range []bool{true, false} {
			slow, slowSoft, slowErr := f.parseRecordMode(id, light)
			fast, fastSoft, fastErr := f.summaryRecord(id, light)
			if got, want := summaryView(fast, light), summaryView(slow, light); got != want {
				t.Errorf("record %d light=%v:\nfast %s\nfull %s", id, light, got, want)
			}
			if got, want := errText(fastErr), errText(slowErr); !reflect.DeepEqual(got, want) {
				t.Errorf("record %d light=%v: error %q, go-ntfs path %q", id, light, got, want)
			}
			if light {
				if got, want := errText(fastSoft...), errText(slowSoft...); !reflect.DeepEqual(got, want) {
					t.Errorf("record %d: soft errors %q, go-ntfs path %q", id, got, want)
				}
			}
			if slowErr == nil {
				compared++
			}
		}
	}
	return compared
}

// TestSummaryMatchesFull: the listing fast path decodes every record of
// both fixture volumes exactly as the go-ntfs path does.
func TestSummaryMatchesFull(t *testing.T) {
	for _, disk := range []string{"gpt", "mbr"} {
		t.Run(disk, func(t *testing.T) {
			f, _ := openFixture(t, disk)
			if n := checkSummaries(t, f); n < 100 {
				t.Fatalf("only %d records decoded; fixture broken?", n)
			}
		})
	}
}

// TestSummaryMatchesFullDamaged: the same on damaged copies of a record
// (attribute lengths, offsets and sizes that go-ntfs reads as zero or
// truncates), so both paths fail and warn alike.
func TestSummaryMatchesFullDamaged(t *testing.T) {
	clean, off := volumeBytes(t)
	size := int64(len(clean))
	base := openBytes(t, bytes.NewReader(clean), size, off)
	id := int64(rootRecord)
	recOff := recordOffset(t, base, id)
	attr := recOff + int64(le16(clean, recOff+20))
	cases := map[string]func(b []byte){
		"attribute length 3":          func(b []byte) { b[attr+4], b[attr+5], b[attr+6], b[attr+7] = 3, 0, 0, 0 },
		"content beyond attribute":    func(b []byte) { b[attr+16] = 0xF0 },
		"attributes at used size":     func(b []byte) { copy(b[recOff+20:], b[recOff+24:recOff+26]) },
		"file name non-resident":      func(b []byte) { b[attr+int64(le32(clean, attr+4))+8] = 1 },
		"second attribute length big": func(b []byte) { b[attr+int64(le32(clean, attr+4))+6] = 0x40 },
	}
	for name, damage := range cases {
		t.Run(name, func(t *testing.T) {
			b := bytes.Clone(clean)
			damage(b)
			f := openBytes(t, bytes.NewReader(b), size, off)
			checkSummaries(t, f)
		})
	}
}

// TestMFTChunksMatchGoNTFS: every record read from the $MFT chunk cache has
// the bytes go-ntfs's $MFT reader gives.
func TestMFTChunksMatchGoNTFS(t *testing.T) {
	for _, disk := range []string{"gpt", "mbr"} {
		t.Run(disk, func(t *testing.T) {
			f, _ := openFixture(t, disk)
			got, want := make([]byte, f.recSize), make([]byte, f.recSize)
			hits := 0
			for id := int64(0); id < f.nrec; id++ {
				f.mu.Lock()
				ok := f.chunks.read(f, got, id*f.recSize)
				n, err := f.nc.MFTReader.ReadAt(want, id*f.recSize)
				f.mu.Unlock()
				if n < len(want) {
					t.Fatalf("record %d: go-ntfs read %d bytes: %v", id, n, err)
				}
				if !ok {
					t.Errorf("record %d: not served from the chunk cache", id)
					continue
				}
				hits++
				if !bytes.Equal(got, want) {
					t.Errorf("record %d: chunk bytes differ from go-ntfs's", id)
				}
			}
			if hits < 100 {
				t.Fatalf("only %d records compared", hits)
			}
		})
	}
}

// FuzzSummary overwrites one MFT record of the fixture and checks that the
// listing fast path decodes it exactly as the go-ntfs path does (and never
// panics). Seeds are the fixture's real records.
func FuzzSummary(f *testing.F) {
	vol, off := volumeBytes(f)
	clean := openBytes(f, bytes.NewReader(vol), int64(len(vol)), off)
	recSize := clean.recSize
	for _, id := range []int64{0, 5, 9, 11, 64, 65, 90, 93, 94} {
		if id < clean.nrec {
			o := recordOffset(f, clean, id)
			f.Add(uint16(id), bytes.Clone(vol[o:o+recSize]))
		}
	}
	f.Fuzz(func(t *testing.T, target uint16, patch []byte) {
		id := int64(target) % clean.nrec
		if id == 0 {
			id = rootRecord // record 0 would change the $MFT's runs
		}
		if int64(len(patch)) > recSize {
			patch = patch[:recSize]
		}
		r := overlay{base: vol, off: recordOffset(t, clean, id), patch: patch}
		fsys, err := Open(context.Background(), r, int64(len(vol)), off, source.Image("fuzz.raw"))
		if err != nil {
			return
		}
		fs := fsys.(*FS)
		for _, light := range []bool{true, false} {
			slow, slowSoft, slowErr := fs.parseRecordMode(id, light)
			if slowErr != nil && strings.Contains(slowErr.Error(), "panicked") {
				continue // go-ntfs gave up; the fast path needs no guard
			}
			fast, fastSoft, fastErr := fs.summaryRecord(id, light)
			if got, want := summaryView(fast, light), summaryView(slow, light); got != want {
				t.Fatalf("record %d light=%v:\nfast %s\nfull %s", id, light, got, want)
			}
			if got, want := errText(fastErr), errText(slowErr); !reflect.DeepEqual(got, want) {
				t.Fatalf("record %d light=%v: error %q, go-ntfs path %q", id, light, got, want)
			}
			if light {
				if got, want := errText(fastSoft...), errText(slowSoft...); !reflect.DeepEqual(got, want) {
					t.Fatalf("record %d: soft errors %q, go-ntfs path %q", id, got, want)
				}
			}
		}
	})
}
