package viewmodel

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/loupe-forensics/loupe/forensic/evidencetest"
	"github.com/loupe-forensics/loupe/forensic/filesystem"
)

func names(l *FileList) []string {
	var out []string
	for i := range l.Len() {
		out = append(out, l.Entry(i).Name)
	}
	return out
}

func TestFileListSorting(t *testing.T) {
	at := func(s string) *time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return &v
	}
	rows := []*filesystem.Entry{
		{Name: "b.txt", ID: "100-1", Size: 30, Type: filesystem.TypeFile, Times: filesystem.Timestamps{Modified: at("2026-03-02T10:00:00Z")}},
		{Name: "a.txt", ID: "9-1", Size: 30, Type: filesystem.TypeFile, Deleted: true, Times: filesystem.Timestamps{Modified: at("2026-03-01T10:00:00Z")}},
		{Name: "c", ID: "64-2", Type: filesystem.TypeDir},
		{Name: "a.txt", ID: "12-1", Size: 7, Type: filesystem.TypeFile, Times: filesystem.Timestamps{Modified: at("2026-03-03T10:00:00Z")}},
	}
	tests := []struct {
		col  FileColumn
		asc  bool
		want []string // name#id
	}{
		{ColName, true, []string{"a.txt#9-1", "a.txt#12-1", "b.txt#100-1", "c#64-2"}},
		{ColName, false, []string{"c#64-2", "b.txt#100-1", "a.txt#12-1", "a.txt#9-1"}},
		{ColSize, true, []string{"c#64-2", "a.txt#12-1", "a.txt#9-1", "b.txt#100-1"}},
		// Entries without the time sort first ascending.
		{ColModified, true, []string{"c#64-2", "a.txt#9-1", "b.txt#100-1", "a.txt#12-1"}},
		// Entry numbers compare as numbers, not text ("9" < "12" < "64" < "100").
		{ColID, true, []string{"a.txt#9-1", "a.txt#12-1", "c#64-2", "b.txt#100-1"}},
		{ColState, false, []string{"a.txt#9-1", "c#64-2", "b.txt#100-1", "a.txt#12-1"}},
	}
	l := NewFileList(rows, nil)
	for _, tc := range tests {
		l.SortBy(tc.col, tc.asc)
		var got []string
		for i := range l.Len() {
			got = append(got, l.Entry(i).Name+"#"+string(l.Entry(i).ID))
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("sort by %s asc=%v: %v, want %v", FileColumnTitle(tc.col), tc.asc, got, tc.want)
		}
	}
	// The rows themselves never moved: only the index slice did.
	if rows[0].Name != "b.txt" || rows[3].ID != "12-1" {
		t.Error("sorting reordered the caller's rows")
	}
	l.SortBy(ColName, true)
	if got := l.Cell(0, ColName); got != "✗ a.txt" {
		t.Errorf("deleted name cell = %q", got)
	}
	if got := l.Cell(0, ColState); got != "DELETED" {
		t.Errorf("state cell = %q", got)
	}
	if got := l.Cell(3, ColSize); got != "" {
		t.Errorf("folder size cell = %q", got)
	}
	if got := l.Cell(1, ColModified); got != "2026-03-03T10:00:00Z" {
		t.Errorf("time cell = %q", got)
	}
	if l.Formatted() != 4 {
		t.Errorf("formatted %d cells, want 4", l.Formatted())
	}
}

// TestFileListOnEvidence sorts a real folder of the NTFS partition by size
// and checks the order against the sizes fls -l recorded.
func TestFileListOnEvidence(t *testing.T) {
	b := openDemo(t)
	ctx := context.Background()
	trail, _, err := b.Reveal(ctx, b.Node(DirNodeID(1, "/")).Ref.Entry("/Users/alice/Documents/x", ""))
	if err == nil {
		t.Fatal("revealed a file that does not exist")
	}
	entries, err := b.Entries(ctx, trail[len(trail)-1])
	if err != nil {
		t.Fatal(err)
	}
	l := NewFileList(entries, nil)
	l.SortBy(ColSize, false)
	got := names(l)
	info := evidencetest.DiskInfo(t, "gpt")
	if hc := info.File(1, "/Users/alice/Documents/backup.hc"); hc == nil || len(got) < 10 || got[0] != "backup.hc" || l.Entry(0).Size != hc.Size {
		t.Errorf("largest first: %v (first size %d)", got, l.Entry(0).Size)
	}
	for i := 1; i < l.Len(); i++ {
		if l.Entry(i-1).Size < l.Entry(i).Size {
			t.Errorf("row %d size %d above row %d size %d", i-1, l.Entry(i-1).Size, i, l.Entry(i).Size)
		}
	}
	s := &Session{Zone: time.UTC}
	fsys, _ := b.FS(b.Node(DirNodeID(1, "/")))
	var notes *filesystem.Entry
	for _, e := range entries {
		if e.Name == "meeting-notes.txt" {
			notes = e
		}
	}
	fields := EntryFields(ctx, s, fsys, notes)
	get := func(label string) string {
		for _, f := range fields {
			if f.Label == label {
				return f.Value
			}
		}
		return ""
	}
	want := info.File(1, "/Users/alice/Documents/meeting-notes.txt")
	if want == nil || !want.Deleted {
		t.Fatal("the manifest has no deleted meeting-notes.txt")
	}
	if !strings.HasPrefix(get("State"), "DELETED") || get("MFT entry-sequence") != want.Inode || get("Size") != fmt.Sprintf("%d bytes", want.Size) {
		t.Errorf("metadata of the deleted file: %v", fields)
	}
	if get("$SI Modified") != s.FormatTime(want.Mtime) || get("$SI Created") != s.FormatTime(want.Crtime) || get("$FN Modified") == "" {
		t.Errorf("NTFS metadata lacks $SI or $FN times: %v", fields)
	}
	if !strings.Contains(get("Data runs"), "resident in the MFT record") {
		t.Errorf("data runs of a resident file = %q", get("Data runs"))
	}
}

// countingReader records every read so the test can see that the hex
// viewer reads only its window.
type countingReader struct {
	data  []byte
	reads [][2]int64
}

func (c *countingReader) ReadAt(p []byte, off int64) (int, error) {
	c.reads = append(c.reads, [2]int64{off, int64(len(p))})
	if off >= int64(len(c.data)) {
		return 0, errors.New("EOF")
	}
	n := copy(p, c.data[off:])
	if n < len(p) {
		return n, errors.New("EOF")
	}
	return n, nil
}

func TestHexWindowPaging(t *testing.T) {
	data := bytes.Repeat([]byte("0123456789abcdef"), 1000) // 16000 bytes, 1000 lines
	data[4100] = 'X'
	r := &countingReader{data: data}
	v := NewHexView(r, int64(len(data)), 20)

	lines := v.Window()
	if len(lines) != 20 || lines[0].Offset != 0 || lines[19].Offset != 304 {
		t.Fatalf("first window: %d lines from %d", len(lines), lines[0].Offset)
	}
	v.PageDown()
	if v.Top() != 19*16 {
		t.Errorf("page down: top %d, want %d (one line of overlap)", v.Top(), 19*16)
	}
	v.PageUp()
	v.PageUp()
	if v.Top() != 0 {
		t.Errorf("page up past the start: top %d", v.Top())
	}
	v.ScrollTo(1 << 40)
	if want := int64(1000-20) * 16; v.Top() != want {
		t.Errorf("scroll past the end: top %d, want %d", v.Top(), want)
	}
	if got := v.Window(); len(got) != 20 || got[19].Offset != 15984 {
		t.Errorf("last window ends at line %d", got[len(got)-1].Offset)
	}
	if err := v.Highlight(4100, 3); err != nil {
		t.Fatal(err)
	}
	if v.Top() != 4080 {
		t.Errorf("go to 4100: top %d, want 4080 (its line 4096 second)", v.Top())
	}
	lines = v.Window()
	if l := lines[1]; l.Offset != 4096 || l.HighlightFrom != 4 || l.HighlightTo != 7 || l.Bytes[4] != 'X' {
		t.Errorf("hit line = %+v", l)
	}
	if lines[0].HighlightFrom != lines[0].HighlightTo {
		t.Error("line above the hit is highlighted")
	}
	if err := v.GoTo(16000); !errors.Is(err, ErrOffset) {
		t.Errorf("go to the size: %v", err)
	}
	// Every read was one window: 20 lines of 16 bytes, never the whole content.
	for _, rd := range r.reads {
		if rd[1] != 320 {
			t.Errorf("read of %d bytes at %d", rd[1], rd[0])
		}
	}
	if v.BytesRead() != int64(len(r.reads))*320 {
		t.Errorf("bytes read %d over %d reads", v.BytesRead(), len(r.reads))
	}
	// A short final line is padded in the hex column.
	short := NewHexView(bytes.NewReader([]byte("hello\x00world")), 11, 4)
	got := short.Window()
	if len(got) != 1 || got[0].Text() != "0000000000  68 65 6c 6c 6f 00 77 6f  72 6c 64                 |hello.world|" {
		t.Errorf("short line = %q", got[0].Text())
	}
	if c := got[0].Text()[HexColumn(8) : HexColumn(8)+2]; c != "72" {
		t.Errorf("HexColumn(8) points at %q", c)
	}
	if c := got[0].Text()[TextColumn(6)]; c != 'w' {
		t.Errorf("TextColumn(6) points at %q", c)
	}
}

func TestParseOffset(t *testing.T) {
	for in, want := range map[string]int64{"4096": 4096, "0x1000": 4096, " 0X1_000 ": 4096, "0": 0} {
		got, err := ParseOffset(in)
		if err != nil || got != want {
			t.Errorf("ParseOffset(%q) = %d, %v", in, got, err)
		}
	}
	if _, err := ParseOffset("12g"); err == nil {
		t.Error("12g parsed")
	}
}
