package pdfdoc

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// MaxText is the most bytes of one text item (paragraph, cell, field) that
// is laid out. Record content is hostile: a note or an attribute of many
// megabytes must not turn into thousands of pages, so longer text is cut
// with a visible marker pointing at the record, which holds it in full.
const MaxText = 64 << 10

// truncated is appended where MaxText cut a text.
const truncated = " [... truncated in this PDF; the full text is in the examination record]"

// cp1252 maps the runes of Windows-1252's 0x80-0x9F block to their bytes.
// 0xA0-0xFF are ISO 8859-1, the same as the rune values.
var cp1252 = map[rune]byte{
	'€': 0x80, '‚': 0x82, 'ƒ': 0x83, '„': 0x84, '…': 0x85, '†': 0x86, '‡': 0x87,
	'ˆ': 0x88, '‰': 0x89, 'Š': 0x8A, '‹': 0x8B, 'Œ': 0x8C, 'Ž': 0x8E,
	'‘': 0x91, '’': 0x92, '“': 0x93, '”': 0x94, '•': 0x95, '–': 0x96, '—': 0x97,
	'˜': 0x98, '™': 0x99, 'š': 0x9A, '›': 0x9B, 'œ': 0x9C, 'ž': 0x9E, 'Ÿ': 0x9F,
}

// transliterations are readable ASCII stand-ins for common symbols outside
// Windows-1252 (arrows and comparison signs appear in Loupe's own wording).
var transliterations = map[rune]string{
	'→': "->", '←': "<-", '↔': "<->", '≥': ">=", '≤': "<=", '≠': "!=",
	'✓': "[x]", '✗': "[ ]", '−': "-", '‐': "-", '‑': "-", '‒': "-",
	'′': "'", '″': "\"", '\u2007': " ", '\u2009': " ", '\u202F': " ",
}

// Text converts UTF-8 text to the Windows-1252 bytes fpdf's core fonts
// draw, so that everything the record holds stays legible and unambiguous:
//
//   - Windows-1252 characters are kept; a few common symbols are spelled in
//     ASCII ("→" becomes "->");
//   - newlines are kept (they break lines) and tabs become a space;
//   - every other character, and every control or format character — C0/C1
//     controls, DEL, bidirectional overrides and marks (U+202E and friends),
//     zero-width characters, the BOM — is written as a visible "<U+XXXX>",
//     so a right-to-left override in a file name cannot reorder what the
//     reader sees and a hidden character cannot hide;
//   - bytes that are not UTF-8 are written as "<0xNN>".
//
// The HTML reports carry the text as it is (escaped); the PDF is the
// printable form, and "<U+XXXX>" is how it shows what a core font cannot.
func Text(s string) string {
	cut := false
	if len(s) > MaxText {
		n := MaxText
		for n > 0 && !utf8.RuneStart(s[n]) { // cut on a character boundary
			n--
		}
		s, cut = s[:n], true
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			fmt.Fprintf(&b, "<0x%02X>", s[i])
			i++
			continue
		}
		i += size
		switch {
		case r == '\n':
			b.WriteByte('\n')
		case r == '\t':
			b.WriteByte(' ')
		case r >= 0x20 && r < 0x7F:
			b.WriteByte(byte(r))
		case r >= 0xA0 && r <= 0xFF && r != 0xAD: // soft hyphen is invisible: show it
			b.WriteByte(byte(r))
		default:
			if c, ok := cp1252[r]; ok {
				b.WriteByte(c)
			} else if t, ok := transliterations[r]; ok {
				b.WriteString(t)
			} else {
				fmt.Fprintf(&b, "<U+%04X>", r)
			}
		}
	}
	if cut {
		b.WriteString(truncated)
	}
	return b.String()
}
