package cpiatest

import (
	"archive/zip"
	"bytes"
	"html"
	"io"
	"os/exec"
	"sort"
	"strings"
	"testing"
)

// PDFText is pdftotext's reading of a PDF (pages separated by form feeds).
func PDFText(t testing.TB, pdf []byte) string {
	t.Helper()
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Skip("pdftotext (poppler-utils) not installed")
	}
	cmd := exec.Command("pdftotext", "-enc", "UTF-8", "-", "-")
	cmd.Stdin = bytes.NewReader(pdf)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("pdftotext: %v: %s", err, errb.String())
	}
	return out.String()
}

// XLSXText is every XML part of an XLSX package, in name order, with XML
// entities decoded: the text a reader of the file could see.
func XLSXText(t testing.TB, b []byte) string {
	t.Helper()
	parts := XLSXParts(t, b)
	names := make([]string, 0, len(parts))
	for n := range parts {
		names = append(names, n)
	}
	sort.Strings(names)
	var sb strings.Builder
	for _, n := range names {
		sb.WriteString(html.UnescapeString(parts[n]))
		sb.WriteByte('\n')
	}
	return sb.String()
}

// XLSXParts unzips an XLSX package.
func XLSXParts(t testing.TB, b []byte) map[string]string {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("xlsx is not a zip: %v", err)
	}
	out := map[string]string{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		out[f.Name] = string(data)
	}
	return out
}

// Squash removes all white space, so a value wrapped across lines in a PDF
// table cell is still found.
func Squash(s string) string {
	return strings.Join(strings.Fields(s), "")
}
