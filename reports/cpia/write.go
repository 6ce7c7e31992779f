package cpia

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/loupe-forensics/loupe/reports/pdfdoc"
	"github.com/loupe-forensics/loupe/reports/report"
)

// writeCSV lays a schedule out as rows: the marking first (so it is the
// first thing anyone opening the file sees), title, handling instruction,
// header fields, a blank line, the table with its header row, a blank
// line, notes, the signature block, and the marking last.
func writeCSV(w io.Writer, sh *sheet) error {
	cw := csv.NewWriter(w)
	put := func(cells ...string) {
		out := make([]string, len(cells))
		for i, c := range cells {
			out[i] = Neutralise(c)
		}
		_ = cw.Write(out)
	}
	put(sh.marking)
	put(sh.title)
	put(sh.handling)
	for _, f := range sh.fields {
		put(f[0], f[1])
	}
	put("")
	hdr := make([]string, len(sh.cols))
	for i, c := range sh.cols {
		hdr[i] = c.header
	}
	put(hdr...)
	for _, r := range sh.rows {
		put(r...)
	}
	put("")
	for _, n := range sh.notes {
		put("Note", n)
	}
	for _, s := range sh.sign {
		put(s)
	}
	put(sh.marking)
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("cpia: write %s CSV: %w", sh.name, err)
	}
	return nil
}

// xlsxMaxCell is the most characters an XLSX cell may hold (Excel's limit).
const xlsxMaxCell = 32000

// xlsxCell makes record text fit for a worksheet cell: control characters
// other than tab and newline, which XML 1.0 cannot carry, are shown as
// "<U+XXXX>", the cell is capped at Excel's limit, and it is neutralised.
func xlsxCell(s string) string {
	var b strings.Builder
	for _, r := range strings.ToValidUTF8(s, "\uFFFD") {
		switch {
		case r == '\t' || r == '\n':
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == 0xFFFE || r == 0xFFFF:
			fmt.Fprintf(&b, "<U+%04X>", r)
		default:
			b.WriteRune(r)
		}
		if b.Len() > xlsxMaxCell {
			break
		}
	}
	out := b.String()
	if len(out) > xlsxMaxCell {
		out = strings.ToValidUTF8(out[:xlsxMaxCell], "") + " [... truncated; the full text is in the examination record]"
	}
	return Neutralise(out)
}

// writeXLSX writes one worksheet laid out like the CSV, with the marking
// also in the printed header and footer of every page, then rewrites the
// package with its parts in name order and every part dated gen, so the
// same schedule gives the same bytes.
func writeXLSX(w io.Writer, sh *sheet, gen time.Time) error {
	const maxRows = 1_000_000 // below Excel's 1,048,576 with room for the layout
	if len(sh.rows) > maxRows {
		return fmt.Errorf("%w: %s has %d rows", ErrTooLarge, sh.name, len(sh.rows))
	}
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", sh.name); err != nil {
		return fmt.Errorf("cpia: xlsx: %w", err)
	}
	if gen.IsZero() {
		gen = time.Unix(0, 0)
	}
	stamp := gen.UTC().Format(time.RFC3339)
	if err := f.SetDocProps(&excelize.DocProperties{
		Title: sh.title, Subject: sh.marking, Keywords: sh.marking, Category: sh.marking,
		Created: stamp, Modified: stamp, Creator: "Loupe", LastModifiedBy: "Loupe",
	}); err != nil {
		return fmt.Errorf("cpia: xlsx properties: %w", err)
	}
	// Header and footer codes: && is a literal ampersand.
	hf := "&C&B" + strings.ReplaceAll(xlsxCell(sh.marking), "&", "&&")
	if err := f.SetHeaderFooter(sh.name, &excelize.HeaderFooterOptions{
		OddHeader: hf + "&R" + strings.ReplaceAll(xlsxCell(sh.title), "&", "&&"),
		OddFooter: hf + "&RPage &P of &N",
	}); err != nil {
		return fmt.Errorf("cpia: xlsx header/footer: %w", err)
	}
	landscape := "landscape"
	if err := f.SetPageLayout(sh.name, &excelize.PageLayoutOptions{Orientation: &landscape}); err != nil {
		return fmt.Errorf("cpia: xlsx page layout: %w", err)
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	head, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true},
		Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"},
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDDDDD"}}})
	if err != nil {
		return err
	}
	wrap, err := f.NewStyle(&excelize.Style{Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}})
	if err != nil {
		return err
	}
	row := 1
	put := func(style int, cells ...string) error {
		for i, c := range cells {
			ref, err := excelize.CoordinatesToCellName(i+1, row)
			if err != nil {
				return err
			}
			if err := f.SetCellStr(sh.name, ref, xlsxCell(c)); err != nil {
				return fmt.Errorf("cpia: xlsx cell %s: %w", ref, err)
			}
			if style != 0 {
				if err := f.SetCellStyle(sh.name, ref, ref, style); err != nil {
					return err
				}
			}
		}
		row++
		return nil
	}
	steps := []func() error{
		func() error { return put(bold, sh.marking) },
		func() error { return put(bold, sh.title) },
		func() error { return put(0, sh.handling) },
	}
	for _, s := range steps {
		if err := s(); err != nil {
			return err
		}
	}
	for _, fl := range sh.fields {
		if err := put(0, fl[0], fl[1]); err != nil {
			return err
		}
	}
	row++
	hdr := make([]string, len(sh.cols))
	for i, c := range sh.cols {
		hdr[i] = c.header
		col, _ := excelize.ColumnNumberToName(i + 1)
		if err := f.SetColWidth(sh.name, col, col, 6+c.width*9); err != nil {
			return err
		}
	}
	headerRow := row
	if err := put(head, hdr...); err != nil {
		return err
	}
	for _, r := range sh.rows {
		if err := put(wrap, r...); err != nil {
			return err
		}
	}
	// Repeat the table's header row on every printed page.
	if err := f.SetDefinedName(&excelize.DefinedName{Name: "_xlnm.Print_Titles", Scope: sh.name,
		RefersTo: fmt.Sprintf("'%s'!$%d:$%d", sh.name, headerRow, headerRow)}); err != nil {
		return fmt.Errorf("cpia: xlsx print titles: %w", err)
	}
	row++
	for _, n := range sh.notes {
		if err := put(0, "Note", n); err != nil {
			return err
		}
	}
	for _, s := range sh.sign {
		if err := put(0, s); err != nil {
			return err
		}
	}
	if err := put(bold, sh.marking); err != nil {
		return err
	}
	var buf bytes.Buffer
	if _, err := f.WriteTo(&buf); err != nil {
		return fmt.Errorf("cpia: xlsx: %w", err)
	}
	return canonicalZip(w, buf.Bytes(), gen)
}

// canonicalZip rewrites a zip with its entries in name order and every
// entry dated gen: excelize writes its parts in map order, which would make
// the same schedule differ from run to run.
func canonicalZip(w io.Writer, b []byte, gen time.Time) error {
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return fmt.Errorf("cpia: xlsx repack: %w", err)
	}
	files := append([]*zip.File(nil), zr.File...)
	sort.Slice(files, func(i, j int) bool { return files[i].Name < files[j].Name })
	zw := zip.NewWriter(w)
	for _, zf := range files {
		hdr := &zip.FileHeader{Name: zf.Name, Method: zip.Deflate, Modified: gen.UTC()}
		out, err := zw.CreateHeader(hdr)
		if err != nil {
			return fmt.Errorf("cpia: xlsx repack %s: %w", zf.Name, err)
		}
		in, err := zf.Open()
		if err != nil {
			return fmt.Errorf("cpia: xlsx repack %s: %w", zf.Name, err)
		}
		_, err = io.Copy(out, in)
		in.Close()
		if err != nil {
			return fmt.Errorf("cpia: xlsx repack %s: %w", zf.Name, err)
		}
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("cpia: xlsx repack: %w", err)
	}
	return nil
}

// writePDF draws the schedule on the shared page template (marking in the
// header and footer of every page, document ID, page x of y, end marker),
// landscape for the wide tables.
func writePDF(w io.Writer, sh *sheet, opts report.Options) error {
	creator := strings.TrimSpace(opts.ToolName + " " + opts.ToolVersion)
	d := pdfdoc.New(pdfdoc.Meta{Title: sh.title, Subtitle: sh.handling, Marking: sh.marking,
		DocumentID: opts.DocumentID, Generated: opts.Generated, Creator: creator, Landscape: true})
	fields := make([]pdfdoc.Field, 0, len(sh.fields)+1)
	fields = append(fields, pdfdoc.Field{Label: "Marking", Value: sh.marking})
	for _, f := range sh.fields {
		fields = append(fields, pdfdoc.Field{Label: f[0], Value: f[1]})
	}
	d.Fields(fields)
	cols := make([]pdfdoc.Column, len(sh.cols))
	for i, c := range sh.cols {
		cols[i] = pdfdoc.Column{Header: c.header, Width: c.width, Mono: c.mono}
	}
	d.Table(cols, sh.rows)
	for _, n := range sh.notes {
		d.Bold(n)
	}
	d.Gap(4)
	for _, s := range sh.sign {
		d.Para(s)
	}
	return d.Write(w)
}
