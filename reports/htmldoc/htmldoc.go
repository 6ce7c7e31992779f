// Package htmldoc is the document model Loupe's narrative reports (the
// exhibit report and the technical record) are built as, and its two
// renderings: HTML through html/template, which escapes every value taken
// from the record (a note reading "<script>" is shown, never run), and PDF
// through the shared page template in reports/pdfdoc.
//
// A report builds one Document (sections of paragraphs, field blocks, tables
// and fixed-width text) from the record, then calls WriteHTML or WritePDF;
// both print the marking at the top and bottom, the document ID, and an
// end-of-report marker, so the two formats say the same thing.
package htmldoc

import (
	"fmt"
	"html/template"
	"io"
	"time"

	"github.com/loupe-forensics/loupe/reports/pdfdoc"
)

// Document is a whole report.
type Document struct {
	Title      string
	Subtitle   string
	Marking    string
	DocumentID string
	Generated  time.Time // the PDF creation date; printed by the caller where wanted
	Creator    string    // tool and version
	Sections   []Section
}

// Section is a heading and its content.
type Section struct {
	Heading string
	Blocks  []Block
}

// Block kinds.
const (
	KindPara   = "para"
	KindBold   = "bold"
	KindMono   = "mono"
	KindFields = "fields"
	KindTable  = "table"
	KindSub    = "sub" // a subheading
)

// Block is one piece of content. Build it with the constructors below.
type Block struct {
	Kind    string
	Text    string
	Fields  []pdfdoc.Field
	Columns []pdfdoc.Column
	Rows    [][]string
}

// Para is a paragraph.
func Para(format string, a ...any) Block { return Block{Kind: KindPara, Text: sprintf(format, a...)} }

// Bold is an emphasised paragraph (declarations).
func Bold(text string) Block { return Block{Kind: KindBold, Text: text} }

// Mono is fixed-width text (hashes, parameters).
func Mono(text string) Block { return Block{Kind: KindMono, Text: text} }

// Sub is a subheading.
func Sub(text string) Block { return Block{Kind: KindSub, Text: text} }

// Fields is a label/value block.
func Fields(f ...pdfdoc.Field) Block { return Block{Kind: KindFields, Fields: f} }

// Table is a ruled table.
func Table(cols []pdfdoc.Column, rows [][]string) Block {
	return Block{Kind: KindTable, Columns: cols, Rows: rows}
}

func sprintf(format string, a ...any) string {
	if len(a) == 0 {
		return format
	}
	return fmt.Sprintf(format, a...)
}

// WritePDF renders the document through pdfdoc.
func WritePDF(w io.Writer, doc Document) error {
	d := pdfdoc.New(pdfdoc.Meta{
		Title: doc.Title, Subtitle: doc.Subtitle, Marking: doc.Marking,
		DocumentID: doc.DocumentID, Generated: doc.Generated, Creator: doc.Creator,
	})
	for _, s := range doc.Sections {
		d.Heading(s.Heading)
		for _, b := range s.Blocks {
			switch b.Kind {
			case KindPara:
				d.Para(b.Text)
			case KindBold:
				d.Bold(b.Text)
			case KindMono:
				d.Mono(b.Text)
			case KindSub:
				d.Subheading(b.Text)
			case KindFields:
				d.Fields(b.Fields)
			case KindTable:
				d.Table(b.Columns, b.Rows)
			}
		}
	}
	return d.Write(w)
}

// WriteHTML renders the document as one self-contained HTML page.
func WriteHTML(w io.Writer, doc Document) error {
	page, err := template.New("page").Parse(pageHTML)
	if err != nil {
		return fmt.Errorf("htmldoc: template: %w", err)
	}
	// Every row gets exactly one cell per column, so the template never
	// indexes past the column list.
	doc.Sections = append([]Section(nil), doc.Sections...)
	for i, s := range doc.Sections {
		blocks := append([]Block(nil), s.Blocks...)
		for j, b := range blocks {
			if b.Kind != KindTable {
				continue
			}
			rows := make([][]string, len(b.Rows))
			for k, r := range b.Rows {
				row := make([]string, len(b.Columns))
				copy(row, r)
				rows[k] = row
			}
			blocks[j].Rows = rows
		}
		doc.Sections[i].Blocks = blocks
	}
	if err := page.Execute(w, doc); err != nil {
		return fmt.Errorf("htmldoc: %s: %w", doc.DocumentID, err)
	}
	return nil
}

const pageHTML = `<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta name="generator" content="{{.Creator}}">
<meta name="document-id" content="{{.DocumentID}}">
<title>{{.Title}} {{.DocumentID}}</title>
<style>
body{font-family:Helvetica,Arial,sans-serif;font-size:11pt;margin:2em auto;max-width:60em;color:#000;unicode-bidi:plaintext}
.marking{text-align:center;font-weight:bold;font-size:12pt;letter-spacing:.05em;margin:.3em 0}
.docid{font-size:9pt;color:#555;display:flex;justify-content:space-between;border-bottom:1px solid #aaa;padding-bottom:.3em}
.docid.foot{border-top:1px solid #aaa;border-bottom:none;padding-top:.3em}
h1{font-size:18pt;margin-bottom:.2em}
.subtitle{font-size:12pt;margin-top:0}
h2{font-size:14pt;margin-top:1.5em}
h3{font-size:12pt}
table{border-collapse:collapse;width:100%;margin:.5em 0 1em}
th,td{border:1px solid #999;padding:.25em .4em;text-align:left;vertical-align:top;overflow-wrap:anywhere}
th{background:#e1e1e1}
table.fields td,table.fields th{border:none;padding:.15em .4em}
table.fields th{background:none;width:25%}
.mono,td.mono{font-family:Courier,monospace;font-size:9pt;white-space:pre-wrap;overflow-wrap:anywhere}
.bold{font-weight:bold}
.end{text-align:center;font-weight:bold;border-top:1px solid #000;padding-top:.5em;margin-top:2em}
</style>
</head>
<body>
<div class="marking head">{{.Marking}}</div>
<div class="docid"><span>{{.Title}}</span><span>{{.DocumentID}}</span></div>
<h1>{{.Title}}</h1>
{{with .Subtitle}}<p class="subtitle">{{.}}</p>
{{end}}
{{- range .Sections}}
<section>
<h2>{{.Heading}}</h2>
{{- range .Blocks}}
{{- if eq .Kind "para"}}
<p>{{.Text}}</p>
{{- else if eq .Kind "bold"}}
<p class="bold">{{.Text}}</p>
{{- else if eq .Kind "sub"}}
<h3>{{.Text}}</h3>
{{- else if eq .Kind "mono"}}
<pre class="mono">{{.Text}}</pre>
{{- else if eq .Kind "fields"}}
<table class="fields">
{{- range .Fields}}
<tr><th scope="row">{{.Label}}</th><td>{{.Value}}</td></tr>
{{- end}}
</table>
{{- else if eq .Kind "table"}}
{{- $cols := .Columns}}
<table>
<thead><tr>{{range .Columns}}<th>{{.Header}}</th>{{end}}</tr></thead>
<tbody>
{{- range .Rows}}
<tr>{{range $i, $c := .}}<td{{if (index $cols $i).Mono}} class="mono"{{end}}>{{$c}}</td>{{end}}</tr>
{{- end}}
</tbody>
</table>
{{- end}}
{{- end}}
</section>
{{- end}}
<p class="end">END OF REPORT {{.DocumentID}}</p>
<div class="docid foot"><span>{{.DocumentID}}</span><span>{{.Title}}</span></div>
<div class="marking foot">{{.Marking}}</div>
</body>
</html>
`
