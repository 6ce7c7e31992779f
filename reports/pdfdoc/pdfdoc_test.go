package pdfdoc

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestText(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"ascii", "ABC/1 hello", "ABC/1 hello"},
		{"latin-1 and cp1252", "café – “quoted” €5", "caf\xe9 \x96 \x93quoted\x94 \x805"},
		{"newline kept, tab to space", "a\tb\nc", "a b\nc"},
		{"controls visible", "a\x00b\x1bc\x7f", "a<U+0000>b<U+001B>c<U+007F>"},
		{"right-to-left override visible", "invoice\u202Egpj.exe", "invoice<U+202E>gpj.exe"},
		{"bidi marks and zero width", "\u200Fx\u200By\uFEFF", "<U+200F>x<U+200B>y<U+FEFF>"},
		{"soft hyphen visible", "a\u00ADb", "a<U+00AD>b"},
		{"outside cp1252", "Алиса 東", "<U+0410><U+043B><U+0438><U+0441><U+0430> <U+6771>"},
		{"transliterated", "a → b ≥ c", "a -> b >= c"},
		{"invalid utf-8", "a\xffb", "a<0xFF>b"},
		{"script tag is just text", "<script>alert(1)</script>", "<script>alert(1)</script>"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Text(tc.in); got != tc.want {
				t.Errorf("Text(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestTextCapsLongInput(t *testing.T) {
	in := strings.Repeat("é", MaxText) // 2 bytes each: cut falls on a boundary
	got := Text(in)
	if !strings.HasSuffix(got, truncated) {
		t.Fatalf("long text not marked as truncated")
	}
	if n := len(got) - len(truncated); n != MaxText/2 {
		t.Errorf("kept %d characters, want %d", n, MaxText/2)
	}
	if strings.Contains(got, "<0x") {
		t.Errorf("cut split a character")
	}
}

func sample(t testing.TB, rows int, hostile string) []byte {
	t.Helper()
	d := New(Meta{
		Title:      "Test report",
		Subtitle:   "for the page template",
		Marking:    "OFFICIAL-SENSITIVE",
		DocumentID: "LOUPE-0123abcd-exhibit-42",
		Generated:  time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC),
		Creator:    "Loupe test",
	})
	d.Heading("1. Fields")
	d.Fields([]Field{{"Exhibit", "ABC/1"}, {"Hostile", hostile}})
	d.Heading("2. Table")
	var rs [][]string
	for i := range rows {
		rs = append(rs, []string{fmt.Sprint(i + 1), "row text " + hostile, strings.Repeat("ab", 40)})
	}
	d.Table([]Column{{Header: "No", Width: 1}, {Header: "Text", Width: 4}, {Header: "Hash", Width: 4, Mono: true}}, rs)
	d.Para("Closing paragraph.")
	var b bytes.Buffer
	if err := d.Write(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestDeterministic(t *testing.T) {
	a, b := sample(t, 30, "x"), sample(t, 30, "x")
	if !bytes.Equal(a, b) {
		t.Fatal("same content gave different PDF bytes")
	}
	if !bytes.Contains(a, []byte("D:20261128100000")) {
		t.Error("creation date is not Meta.Generated")
	}
}

// TestEveryPage checks with poppler's pdftotext what a reader sees: the
// marking twice, the document ID and "Page n of N" on every page, and the
// end marker once, on the last page.
func TestEveryPage(t *testing.T) {
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Skip("pdftotext not installed")
	}
	hostile := "<script>alert(1)</script> ../../x \u202Eexe.txt"
	pdf := sample(t, 120, hostile)
	path := filepath.Join(t.TempDir(), "t.pdf")
	if err := os.WriteFile(path, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-layout", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	pages := strings.Split(strings.TrimRight(string(out), "\f"), "\f")
	if len(pages) < 3 {
		t.Fatalf("%d pages, want a table running over at least 3", len(pages))
	}
	for i, pg := range pages {
		if n := strings.Count(pg, "OFFICIAL-SENSITIVE"); n != 2 {
			t.Errorf("page %d: marking %d times, want header and footer", i+1, n)
		}
		if !strings.Contains(pg, "LOUPE-0123abcd-exhibit-42") {
			t.Errorf("page %d: no document ID", i+1)
		}
		if want := fmt.Sprintf("Page %d of %d", i+1, len(pages)); !strings.Contains(pg, want) {
			t.Errorf("page %d: no %q", i+1, want)
		}
		if strings.Contains(pg, "\x01") {
			t.Errorf("page %d: page-count alias left in", i+1)
		}
	}
	end := fmt.Sprintf("END OF REPORT LOUPE-0123abcd-exhibit-42 - %d pages", len(pages))
	if n := strings.Count(string(out), end); n != 1 || !strings.Contains(pages[len(pages)-1], end) {
		t.Errorf("end marker %q: %d times, want once on the last page", end, n)
	}
	// Every table row is there, and the hostile text is legible.
	// 120 rows and the field, each legible (cells wrap between the parts).
	for _, want := range []string{"row text <script>alert(1)</script>", "<script>alert(1)</script>", "<U+202E>exe.txt"} {
		wantN := 121
		if strings.HasPrefix(want, "row") {
			wantN = 120
		}
		if n := strings.Count(string(out), want); n != wantN {
			t.Errorf("%q legible %d times, want %d", want, n, wantN)
		}
	}
}

func FuzzText(f *testing.F) {
	for _, s := range []string{"", "abc", "\u202E\x00\xff", "é€", strings.Repeat("x", 100)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := Text(s)
		for i := 0; i < len(out); i++ {
			if c := out[i]; c < 0x20 && c != '\n' {
				t.Fatalf("control byte %#x passed through", c)
			}
		}
		if len(s) <= MaxText && utf8.ValidString(s) && len(out) < len(s)/2 {
			t.Fatalf("output shorter than input: %q -> %q", s, out)
		}
		// The document must take any text without panicking.
		d := New(Meta{Title: s, Marking: s, DocumentID: s})
		d.Heading(s)
		d.Para(s)
		d.Mono(s)
		d.Fields([]Field{{s, s}})
		d.Table([]Column{{Header: s, Width: 1}, {Header: s, Width: 2, Mono: true}}, [][]string{{s, s}})
		if err := d.Write(&bytes.Buffer{}); err != nil {
			t.Fatal(err)
		}
	})
}
