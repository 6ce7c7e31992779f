// Command mkpdf writes the small text PDFs of the fixture trees with the
// go-pdf/fpdf library (Debian's ImageMagick refuses to write PDF by policy
// and no other PDF writer is installed). Dates are fixed so the output is
// reproducible.
//
//	go run ./testdata/gen/mkpdf -o OUT.pdf -title TITLE -date RFC3339 < body.txt
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/go-pdf/fpdf"
)

func main() {
	out := flag.String("o", "", "output PDF")
	title := flag.String("title", "", "document title")
	author := flag.String("author", "", "document author")
	date := flag.String("date", "", "creation date, RFC 3339")
	flag.Parse()
	if err := run(*out, *title, *author, *date); err != nil {
		fmt.Fprintln(os.Stderr, "mkpdf:", err)
		os.Exit(1)
	}
}

func run(out, title, author, date string) error {
	if out == "" {
		return fmt.Errorf("-o is required")
	}
	t, err := time.Parse(time.RFC3339, date)
	if err != nil {
		return fmt.Errorf("-date: %w", err)
	}
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetCreationDate(t)
	pdf.SetModificationDate(t)
	pdf.SetTitle(title, true)
	pdf.SetAuthor(author, true)
	pdf.SetCreator("Loupe fixture generator", true)
	pdf.SetCompression(true)
	// fpdf walks Go maps (fonts, resources) when writing; without sorted
	// catalogs their order, and so the bytes, change from run to run.
	pdf.SetCatalogSort(true)
	pdf.AddPage()
	pdf.SetFont("Helvetica", "B", 14)
	pdf.CellFormat(0, 10, title, "", 1, "L", false, 0, "")
	pdf.SetFont("Helvetica", "", 11)
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		pdf.MultiCell(0, 6, sc.Text(), "", "L", false)
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read body: %w", err)
	}
	return pdf.OutputFileAndClose(out)
}
