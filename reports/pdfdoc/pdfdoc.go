// Package pdfdoc is the page template every Loupe PDF report is drawn on, so
// that they all carry what reporting standards want on every page:
//
//   - the Government Security Classification marking, centred and bold, in
//     the header and in the footer;
//   - the document ID (report.DocumentID) and "Page x of y" in the footer,
//     the report title in the header;
//   - an end-of-report marker after the last content (ISO/IEC 17025
//     7.8.2.1(d)), naming the document ID and the page count.
//
// Use:
//
//	d := pdfdoc.New(pdfdoc.Meta{Title: ..., Marking: ..., DocumentID: ..., Generated: opts.Generated})
//	d.Heading("1. Summary")
//	d.Para("plain text, any UTF-8")
//	d.Fields([]pdfdoc.Field{{"Exhibit", "ABC/1"}})
//	d.Table([]pdfdoc.Column{{Header: "Item", Width: 1}, {Header: "SHA-256", Width: 3, Mono: true}}, rows)
//	err := d.Write(w)
//
// Every method takes UTF-8 text straight from the record and passes it
// through Text, which keeps what fpdf's core fonts (Windows-1252) can draw and
// writes anything else — including control characters and bidirectional
// overrides, which could otherwise hide or reorder text — as a visible
// "<U+XXXX>". Long text is capped at MaxText per item; table rows are capped
// at one page. Nothing here panics on hostile text.
//
// Output is deterministic: the PDF's creation and modification dates are
// Meta.Generated (never the clock), the catalogue is written in sorted
// order, and compression is zlib at a fixed level, so the same content gives
// the same bytes. Fpdf exposes the underlying document for anything the
// helpers do not cover; draw through it only between helper calls.
package pdfdoc

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"
)

// Meta is what goes on every page and into the PDF's information dictionary.
type Meta struct {
	Title      string    // e.g. "Exhibit report"; header of every page and the PDF title
	Subtitle   string    // printed under the title on the first page only
	Marking    string    // GSC marking, e.g. "OFFICIAL-SENSITIVE"; header and footer of every page
	DocumentID string    // footer of every page and the end marker
	Generated  time.Time // the PDF's creation date (zero: the Unix epoch, never the clock)
	Creator    string    // e.g. "Loupe 0.1.0"
	Landscape  bool      // A4 landscape (wide tables) instead of portrait
}

// Field is one label and value of a Fields block.
type Field struct {
	Label, Value string
}

// Column describes one table column.
type Column struct {
	Header string
	Width  float64 // relative: widths are scaled to fill the text width
	Mono   bool    // Courier, for hashes, references and identifiers
}

// Doc is a PDF report being drawn.
type Doc struct {
	pdf    *fpdf.Fpdf
	meta   Meta
	left   float64
	right  float64
	bottom float64
	pageH  float64
}

// nbAlias is replaced by the page count when the PDF is written. It starts
// and ends with a control byte, which Text never lets through from content.
const nbAlias = "\x01nb\x01"

const (
	marginLR     = 15.0
	marginTop    = 24.0
	marginBottom = 22.0
	bodySize     = 10.0
	monoSize     = 8.0
	lineH        = 4.6
	monoLineH    = 3.8
	cellPad      = 1.2
)

// New starts a document with its first page and the title block.
func New(m Meta) *Doc {
	orientation := "P"
	if m.Landscape {
		orientation = "L"
	}
	p := fpdf.New(orientation, "mm", "A4", "")
	gen := m.Generated.UTC()
	if m.Generated.IsZero() {
		gen = time.Unix(0, 0).UTC()
	}
	p.SetCreationDate(gen)
	p.SetModificationDate(gen)
	p.SetCatalogSort(true)
	p.SetCompression(true)
	// fpdf's UTF-16 conversion of the information dictionary indexes past
	// the end of invalid UTF-8 (found by FuzzText), so only valid text goes in.
	p.SetTitle(infoText(m.Title), true)
	p.SetSubject(infoText(m.DocumentID), true)
	if m.Creator != "" {
		p.SetCreator(infoText(m.Creator), true)
	}
	p.SetMargins(marginLR, marginTop, marginLR)
	p.SetAutoPageBreak(true, marginBottom)
	p.AliasNbPages(nbAlias)
	w, h := p.GetPageSize()
	d := &Doc{pdf: p, meta: m, left: marginLR, right: w - marginLR, bottom: marginBottom, pageH: h}
	p.SetHeaderFuncMode(d.header, false)
	p.SetFooterFunc(d.footer)
	p.AddPage()
	p.SetFont("Helvetica", "B", 16)
	p.MultiCell(0, 7, Text(m.Title), "", "L", false)
	if m.Subtitle != "" {
		p.SetFont("Helvetica", "", 11)
		p.MultiCell(0, 5.5, Text(m.Subtitle), "", "L", false)
	}
	p.Ln(2)
	d.body()
	return d
}

// infoText makes text safe for the PDF information dictionary: valid
// UTF-8, at most 1 KiB.
func infoText(s string) string {
	if len(s) > 1024 {
		s = s[:1024]
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

func (d *Doc) body() {
	d.pdf.SetFont("Helvetica", "", bodySize)
	d.pdf.SetTextColor(0, 0, 0)
}

func (d *Doc) width() float64 { return d.right - d.left }

func (d *Doc) header() {
	p := d.pdf
	p.SetY(8)
	p.SetFont("Helvetica", "B", 11)
	p.CellFormat(0, 5, Text(d.meta.Marking), "", 1, "C", false, 0, "")
	p.SetFont("Helvetica", "", 8)
	p.SetTextColor(80, 80, 80)
	p.CellFormat(d.width()/2, 4, Text(d.meta.Title), "", 0, "L", false, 0, "")
	p.CellFormat(d.width()/2, 4, Text(d.meta.DocumentID), "", 1, "R", false, 0, "")
	p.SetDrawColor(160, 160, 160)
	p.Line(d.left, p.GetY()+0.5, d.right, p.GetY()+0.5)
	p.SetDrawColor(0, 0, 0)
	p.SetTextColor(0, 0, 0)
	p.SetY(marginTop)
}

func (d *Doc) footer() {
	p := d.pdf
	p.SetY(-17)
	p.SetDrawColor(160, 160, 160)
	p.Line(d.left, p.GetY(), d.right, p.GetY())
	p.SetDrawColor(0, 0, 0)
	p.SetFont("Helvetica", "", 8)
	p.SetTextColor(80, 80, 80)
	p.CellFormat(d.width()*2/3, 5, Text(d.meta.DocumentID), "", 0, "L", false, 0, "")
	p.CellFormat(d.width()/3, 5, fmt.Sprintf("Page %d of %s", p.PageNo(), nbAlias), "", 1, "R", false, 0, "")
	p.SetTextColor(0, 0, 0)
	p.SetFont("Helvetica", "B", 11)
	p.CellFormat(0, 5, Text(d.meta.Marking), "", 1, "C", false, 0, "")
}

// Heading starts a numbered or plain section: bold, with space above. A
// heading never sits alone at the foot of a page.
func (d *Doc) Heading(text string) {
	d.keep(20)
	d.pdf.Ln(3)
	d.pdf.SetFont("Helvetica", "B", 13)
	d.pdf.MultiCell(0, 6.5, Text(text), "", "L", false)
	d.pdf.Ln(1)
	d.body()
}

// Subheading is a smaller bold heading.
func (d *Doc) Subheading(text string) {
	d.keep(14)
	d.pdf.Ln(1.5)
	d.pdf.SetFont("Helvetica", "B", 11)
	d.pdf.MultiCell(0, 5.5, Text(text), "", "L", false)
	d.body()
}

// Para is a paragraph of body text; newlines in text break lines.
func (d *Doc) Para(text string) {
	d.body()
	d.pdf.MultiCell(0, lineH, Text(text), "", "L", false)
	d.pdf.Ln(1.5)
}

// Bold is a paragraph in bold (declarations, warnings).
func (d *Doc) Bold(text string) {
	d.pdf.SetFont("Helvetica", "B", bodySize)
	d.pdf.MultiCell(0, lineH, Text(text), "", "L", false)
	d.pdf.Ln(1.5)
	d.body()
}

// Mono is a block of fixed-width text (hashes, references, parameters). Long
// runs without spaces are broken at the margin.
func (d *Doc) Mono(text string) {
	d.pdf.SetFont("Courier", "", monoSize)
	d.pdf.MultiCell(0, monoLineH, Text(text), "", "L", false)
	d.pdf.Ln(1.5)
	d.body()
}

// Fields is a block of bold labels with their values beside them.
func (d *Doc) Fields(fields []Field) {
	cols := []Column{{Width: 1}, {Width: 3}}
	for _, f := range fields {
		d.row(cols, []string{f.Label, f.Value}, false, true, nil)
	}
	d.pdf.Ln(1.5)
}

// Table draws a ruled table whose header row is repeated on every page it
// runs onto. Cells wrap; a row never splits across pages (a cell longer than
// a page is cut with a marker).
func (d *Doc) Table(cols []Column, rows [][]string) {
	if len(cols) == 0 {
		return
	}
	header := make([]string, len(cols))
	for i, c := range cols {
		header[i] = c.Header
	}
	d.keep(2 * (lineH + 2*cellPad))
	d.row(cols, header, true, false, nil)
	for _, r := range rows {
		d.row(cols, r, false, false, header)
	}
	d.pdf.Ln(2)
	d.body()
}

// Gap adds vertical space in millimetres.
func (d *Doc) Gap(mm float64) { d.pdf.Ln(mm) }

// Fpdf is the underlying document, for drawing the helpers do not cover.
func (d *Doc) Fpdf() *fpdf.Fpdf { return d.pdf }

// keep starts a new page unless at least h millimetres are left on this one.
func (d *Doc) keep(h float64) {
	if d.pdf.GetY()+h > d.pageH-d.bottom {
		d.pdf.AddPage()
	}
}

// row draws one table or field row, starting a new page first when it does
// not fit on this one (and repeating the table's header row there, if given).
func (d *Doc) row(cols []Column, cells []string, header, fields bool, repeat []string) {
	p := d.pdf
	var total float64
	for _, c := range cols {
		total += c.Width
	}
	if total <= 0 {
		total = float64(len(cols))
	}
	maxLines := int((d.pageH - marginTop - d.bottom - 2*cellPad) / lineH)
	widths := make([]float64, len(cols))
	lines := make([][][]byte, len(cols))
	fonts := make([]func(), len(cols))
	var h float64
	for i, c := range cols {
		w := c.Width
		if total == float64(len(cols)) && c.Width <= 0 {
			w = 1
		}
		widths[i] = d.width() * w / total
		font := func() { p.SetFont("Helvetica", "", bodySize) }
		lh := lineH
		switch {
		case header || (fields && i == 0):
			font = func() { p.SetFont("Helvetica", "B", bodySize) }
		case c.Mono:
			font = func() { p.SetFont("Courier", "", monoSize) }
			lh = monoLineH
		}
		fonts[i] = font
		font()
		text := ""
		if i < len(cells) {
			text = Text(cells[i])
		}
		ls := p.SplitLines([]byte(text), widths[i]-2*cellPad+2*p.GetCellMargin())
		if n := int(float64(maxLines) * lineH / lh); len(ls) > n {
			ls = append(ls[:n-1], []byte("[... cut: continues in the examination record]"))
		}
		lines[i] = ls
		if hh := float64(len(ls))*lh + 2*cellPad; hh > h {
			h = hh
		}
	}
	if h < lineH+2*cellPad {
		h = lineH + 2*cellPad
	}
	y := p.GetY()
	if y+h > d.pageH-d.bottom && y > marginTop+0.01 {
		p.AddPage()
		if repeat != nil {
			d.row(cols, repeat, true, false, nil)
		}
		y = p.GetY()
	}
	auto, margin := p.GetAutoPageBreak()
	p.SetAutoPageBreak(false, margin)
	x := d.left
	for i := range cols {
		if !fields {
			if header {
				p.SetFillColor(225, 225, 225)
				p.Rect(x, y, widths[i], h, "FD")
			} else {
				p.Rect(x, y, widths[i], h, "D")
			}
		}
		fonts[i]()
		lh := lineH
		if cols[i].Mono && !header {
			lh = monoLineH
		}
		for j, l := range lines[i] {
			p.SetXY(x+cellPad-p.GetCellMargin(), y+cellPad+float64(j)*lh)
			p.CellFormat(widths[i]-2*cellPad+2*p.GetCellMargin(), lh, string(l), "", 0, "L", false, 0, "")
		}
		x += widths[i]
	}
	p.SetAutoPageBreak(auto, margin)
	p.SetXY(d.left, y+h)
	d.body()
}

// Write ends the report with the end-of-report marker and writes the PDF.
func (d *Doc) Write(w io.Writer) error {
	p := d.pdf
	d.keep(16)
	p.Ln(4)
	p.SetDrawColor(0, 0, 0)
	p.Line(d.left, p.GetY(), d.right, p.GetY())
	p.Ln(2)
	p.SetFont("Helvetica", "B", bodySize)
	p.MultiCell(0, lineH, Text(fmt.Sprintf("END OF REPORT %s", d.meta.DocumentID))+" - "+nbAlias+" pages", "", "C", false)
	if err := p.Output(w); err != nil {
		return fmt.Errorf("pdfdoc: write %s: %w", d.meta.DocumentID, err)
	}
	return nil
}
