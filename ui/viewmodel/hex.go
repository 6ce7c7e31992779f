package viewmodel

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync/atomic"
)

// HexBytesPerLine is the width of a hex-viewer line.
const HexBytesPerLine = 16

// maxHexLines bounds the window a view may ask for, so a huge window
// request cannot make the viewer allocate without limit.
const maxHexLines = 4096

// HexLine is one drawn line of the hex viewer.
type HexLine struct {
	Offset int64  // of the line's first byte in the content
	Bytes  []byte // up to HexBytesPerLine
	// HighlightFrom and HighlightTo are the byte positions in the line
	// [from, to) inside the highlighted range; equal when none.
	HighlightFrom, HighlightTo int
}

// HexView is the hex and text viewer's state: content reached through an
// io.ReaderAt, a window of whole lines starting at Top, and a highlighted
// range (a hit). Only the window is ever read.
type HexView struct {
	r     io.ReaderAt
	size  int64
	top   int64 // offset of the first line drawn, a multiple of HexBytesPerLine
	lines int
	hlOff int64
	hlLen int64
	buf   []byte
	err   error

	bytesRead atomic.Int64
}

// NewHexView shows r (size bytes) in windows of lines lines.
func NewHexView(r io.ReaderAt, size int64, lines int) *HexView {
	v := &HexView{r: r, size: max(size, 0)}
	v.SetLines(lines)
	return v
}

// Size is the content's length.
func (v *HexView) Size() int64 { return v.size }

// Top is the offset of the first line shown.
func (v *HexView) Top() int64 { return v.top }

// Lines is the window height in lines.
func (v *HexView) Lines() int { return v.lines }

// SetLines changes the window height (1 to 4096 lines).
func (v *HexView) SetLines(n int) {
	v.lines = min(max(n, 1), maxHexLines)
	v.clamp()
}

// BytesRead counts the bytes read from the content so far.
func (v *HexView) BytesRead() int64 { return v.bytesRead.Load() }

// lastTop is the top offset that shows the content's final line at the bottom.
func (v *HexView) lastTop() int64 {
	totalLines := (v.size + HexBytesPerLine - 1) / HexBytesPerLine
	return max(totalLines-int64(v.lines), 0) * HexBytesPerLine
}

func (v *HexView) clamp() {
	v.top = min(max(v.top, 0), v.lastTop())
	v.top -= v.top % HexBytesPerLine
}

// ScrollTo puts the line holding off at the top (as far as the end allows).
func (v *HexView) ScrollTo(off int64) {
	v.top = off
	v.clamp()
}

// ScrollLines moves the window by n lines (negative: up).
func (v *HexView) ScrollLines(n int) { v.ScrollTo(v.top + int64(n)*HexBytesPerLine) }

// PageDown and PageUp move by one window less one line of overlap.
func (v *HexView) PageDown() { v.ScrollLines(max(v.lines-1, 1)) }
func (v *HexView) PageUp()   { v.ScrollLines(-max(v.lines-1, 1)) }

// ErrOffset is returned for a go-to offset outside the content.
var ErrOffset = errors.New("offset outside the content")

// GoTo scrolls so that off is on the second line of the window (one line
// of context above it) and returns nil, or ErrOffset.
func (v *HexView) GoTo(off int64) error {
	if off < 0 || off >= max(v.size, 1) {
		return fmt.Errorf("%w: %d (size %d)", ErrOffset, off, v.size)
	}
	v.ScrollTo(off - off%HexBytesPerLine - HexBytesPerLine)
	return nil
}

// Highlight marks [off, off+length) and scrolls to it.
func (v *HexView) Highlight(off, length int64) error {
	if err := v.GoTo(off); err != nil {
		return err
	}
	v.hlOff, v.hlLen = off, max(length, 0)
	return nil
}

// Highlighted returns the highlighted range.
func (v *HexView) Highlighted() (off, length int64) { return v.hlOff, v.hlLen }

// ParseOffset reads a go-to-offset entry: decimal, or hex with 0x.
func ParseOffset(s string) (int64, error) {
	s = strings.TrimSpace(strings.ReplaceAll(s, "_", ""))
	if h, ok := strings.CutPrefix(strings.ToLower(s), "0x"); ok {
		return strconv.ParseInt(h, 16, 64)
	}
	return strconv.ParseInt(s, 10, 64)
}

// Window reads the visible lines (and only them). A read error is kept in
// Err and the lines read before it are returned.
func (v *HexView) Window() []HexLine {
	want := min(int64(v.lines)*HexBytesPerLine, v.size-v.top)
	if want <= 0 {
		v.err = nil
		return nil
	}
	if int64(cap(v.buf)) < want {
		v.buf = make([]byte, want)
	}
	buf := v.buf[:want]
	n, err := v.r.ReadAt(buf, v.top)
	v.bytesRead.Add(int64(n))
	if errors.Is(err, io.EOF) && int64(n) == want {
		err = nil
	}
	v.err = err
	buf = buf[:n]
	var out []HexLine
	for i := 0; i < len(buf); i += HexBytesPerLine {
		end := min(i+HexBytesPerLine, len(buf))
		l := HexLine{Offset: v.top + int64(i), Bytes: buf[i:end]}
		if v.hlLen > 0 {
			from := max(v.hlOff-l.Offset, 0)
			to := min(v.hlOff+v.hlLen-l.Offset, int64(end-i))
			if from < to {
				l.HighlightFrom, l.HighlightTo = int(from), int(to)
			}
		}
		out = append(out, l)
	}
	return out
}

// Err is the read error of the last Window, if any.
func (v *HexView) Err() error { return v.err }

// Text renders a line as "offset  hex bytes  |text|": the hex column is
// 3 characters per byte; the text column shows printable ASCII, '.' else.
func (l HexLine) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%010x  ", l.Offset)
	for i := range HexBytesPerLine {
		if i < len(l.Bytes) {
			fmt.Fprintf(&b, "%02x ", l.Bytes[i])
		} else {
			b.WriteString("   ")
		}
		if i == 7 {
			b.WriteByte(' ')
		}
	}
	b.WriteString(" |")
	for _, c := range l.Bytes {
		if c >= 0x20 && c < 0x7f {
			b.WriteByte(c)
		} else {
			b.WriteByte('.')
		}
	}
	b.WriteByte('|')
	return b.String()
}

// HexColumn returns the column in Text of byte i's first hex digit, and
// TextColumn the column of its character, so a view can colour a highlight.
func HexColumn(i int) int {
	c := 12 + 3*i
	if i > 7 {
		c++
	}
	return c
}

// TextColumn is the column in Text of byte i's character.
func TextColumn(i int) int { return 12 + 3*HexBytesPerLine + 1 + 2 + i }
