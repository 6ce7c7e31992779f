package dfxml

import (
	"bufio"
	"bytes"
	"encoding/xml"
	"testing"
	"unicode/utf8"
)

// legalXML reports whether every rune of s may appear in an XML 1.0
// document (the writer replaces the others with U+FFFD).
func legalXML(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if !(r == 0x09 || r == 0x0A || r == 0x0D || r >= 0x20 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF) {
			return false
		}
	}
	return true
}

// FuzzWriterEscapes checks that any file name or value the record may
// hold comes out of the writer as well-formed XML, and round-trips exactly
// through encoding/xml when XML can represent it.
func FuzzWriterEscapes(f *testing.F) {
	for _, s := range []string{"../../x", `<script>alert("x")</script>&amp;`, "a\nb\rc\td", "]]>", "\x00\x01\uFFFE", "café ☕", "'\""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var buf bytes.Buffer
		bw := bufio.NewWriter(&buf)
		x := &xw{w: bw}
		x.open("doc", "a", s)
		x.text("t", s)
		x.close("doc")
		if x.err != nil || bw.Flush() != nil {
			t.Fatal(x.err)
		}
		var got struct {
			A string `xml:"a,attr"`
			T string `xml:"t"`
		}
		if err := xml.Unmarshal(buf.Bytes(), &got); err != nil {
			t.Fatalf("not well-formed for %q: %v\n%s", s, err, buf.Bytes())
		}
		if !legalXML(s) {
			return
		}
		// Exact, CR, LF and tab included: the writer escapes them, so
		// neither line-end nor attribute-value normalisation changes them.
		if got.A != s || got.T != s {
			t.Fatalf("%q came back as attr %q, text %q", s, got.A, got.T)
		}
	})
}
