package intel

import (
	"fmt"
	"html/template"
	"io"
	"strconv"

	"github.com/loupe-forensics/loupe/reports/pdfdoc"
	"github.com/loupe-forensics/loupe/reports/report"
)

// page is the HTML report. html/template escapes every value from the
// record; the marking is repeated at the top and bottom and, for print, in
// a fixed header and footer so every printed page carries it.
var page = template.Must(template.New("intel").Parse(`<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta name="classification" content="{{.Marking}}">
<title>{{.Marking}} - Intelligence report {{.IRRef}}</title>
<style>
body { font-family: sans-serif; font-size: 11pt; margin: 2.5em 2em; }
.marking { text-align: center; font-weight: bold; letter-spacing: 0.05em; }
.caveat { border: 3px solid #a00; color: #a00; font-weight: bold; padding: 0.6em; margin: 1em 0; font-size: 13pt; }
table { border-collapse: collapse; width: 100%; margin: 0.5em 0 1em; }
th, td { border: 1px solid #888; padding: 3px 5px; text-align: left; vertical-align: top; }
th { background: #ddd; }
td.mono { font-family: monospace; font-size: 9pt; word-break: break-all; }
dl { display: grid; grid-template-columns: 16em auto; gap: 2px 1em; }
dt { font-weight: bold; }
dd { margin: 0; }
pre { white-space: pre-wrap; margin: 0; font-family: inherit; }
@media print {
  .marking.top { position: fixed; top: 0; left: 0; right: 0; }
  .marking.bottom { position: fixed; bottom: 0; left: 0; right: 0; }
}
</style>
</head>
<body>
<div class="marking top">{{.Marking}}</div>
<h1>Intelligence report {{.IRRef}}</h1>
<p class="caveat">{{.Caveat}}</p>
<dl>
<dt>Marking</dt><dd>{{.Marking}}</dd>
<dt>IR reference</dt><dd>{{.IRRef}}</dd>
<dt>Originating officer</dt><dd>{{.Officer}}</dd>
{{if .Unit}}<dt>Unit</dt><dd>{{.Unit}}</dd>{{end}}
<dt>Date and time of report</dt><dd>{{.Reported}}</dd>
<dt>Information obtained</dt><dd>{{.Obtained}}</dd>
<dt>Source reference</dt><dd>{{.SourceRef}}</dd>
<dt>Source evaluation</dt><dd>{{.SourceEvaluation}}</dd>
<dt>Handling code</dt><dd>{{.Conditions}}</dd>
<dt>Case</dt><dd>{{.CaseRef}}</dd>
<dt>Exhibit</dt><dd>{{.Exhibit}} (derived from exhibit examination)</dd>
<dt>Record</dt><dd>{{.RecordRef}}</dd>
{{if .Generator}}<dt>Software</dt><dd>{{.Generator}}</dd>{{end}}
</dl>
<h2>Intelligence: subjects, each separately assessed</h2>
<p>Each item states that the identifier is present on exhibit {{.Exhibit}} at the location given (the first of its sightings), with its own intelligence assessment (A-E).</p>
<table>
<thead><tr><th>No.</th><th>Type</th><th>Value</th><th>Detail</th><th>Sightings</th><th>First location</th><th>Assessment</th></tr></thead>
<tbody>
{{range .Subjects}}<tr><td>{{.No}}</td><td>{{.Type}}</td><td class="mono">{{.Value}}</td><td><pre>{{.Detail}}</pre></td><td>{{.Sightings}}</td><td class="mono">{{.Location}}</td><td>{{.Grade}}</td></tr>
{{else}}<tr><td colspan="7">No subjects.</td></tr>
{{end}}</tbody>
</table>
{{if .More}}<p>{{.More}} further subjects are not listed (limit {{.Limit}}); see the examination record.</p>{{end}}
<h2>CPIA cross-reference and sanitisation</h2>
<p>This intelligence derives from an exhibit examination and is relevant material under the CPIA 1996. {{.Withheld}} item(s) tagged sensitive were withheld from this report and are on the MG6D sensitive schedule.</p>
<p>{{.Sanitisation}}</p>
<p>Supervisor / evaluator: name ______________________ signature ______________________ date ____________</p>
<h2>Dissemination log (DPA 2018 s.62)</h2>
<table>
<thead><tr><th>Date</th><th>Recipient</th><th>Justification</th></tr></thead>
<tbody>
{{range .Dissemination}}<tr><td>{{index . 0}}</td><td>{{index . 1}}</td><td>{{index . 2}}</td></tr>
{{end}}</tbody>
</table>
<p class="caveat">{{.Caveat}}</p>
<p><strong>END OF REPORT {{.IRRef}}</strong></p>
<div class="marking bottom">{{.Marking}}</div>
</body>
</html>
`))

func writeHTML(w io.Writer, r *Report) error {
	data := struct {
		*Report
		Caveat string
		Limit  int
	}{r, Caveat, MaxSubjects}
	if err := page.Execute(w, data); err != nil {
		return fmt.Errorf("intel: write HTML: %w", err)
	}
	return nil
}

func writePDF(w io.Writer, r *Report, opts report.Options) error {
	d := pdfdoc.New(pdfdoc.Meta{Title: "Intelligence report", Subtitle: r.IRRef, Marking: r.Marking,
		DocumentID: opts.DocumentID, Generated: opts.Generated, Creator: r.Generator, Landscape: true})
	d.Bold(Caveat)
	d.Fields([]pdfdoc.Field{
		{Label: "Marking", Value: r.Marking},
		{Label: "IR reference", Value: r.IRRef},
		{Label: "Originating officer", Value: r.Officer},
		{Label: "Unit", Value: r.Unit},
		{Label: "Date and time of report", Value: r.Reported},
		{Label: "Information obtained", Value: r.Obtained},
		{Label: "Source reference", Value: r.SourceRef},
		{Label: "Source evaluation", Value: r.SourceEvaluation},
		{Label: "Handling code", Value: r.Conditions},
		{Label: "Case", Value: r.CaseRef},
		{Label: "Exhibit", Value: r.Exhibit + " (derived from exhibit examination)"},
		{Label: "Record", Value: r.RecordRef},
	})
	d.Heading("Intelligence: subjects, each separately assessed")
	d.Para("Each item states that the identifier is present on exhibit " + r.Exhibit + " at the location given (the first of its sightings), with its own intelligence assessment (A-E).")
	rows := make([][]string, 0, len(r.Subjects))
	for _, s := range r.Subjects {
		rows = append(rows, []string{strconv.Itoa(s.No), s.Type, s.Value, s.Detail, strconv.Itoa(s.Sightings), s.Location, s.Grade})
	}
	d.Table([]pdfdoc.Column{{Header: "No.", Width: 0.7}, {Header: "Type", Width: 2}, {Header: "Value", Width: 5, Mono: true},
		{Header: "Detail", Width: 3.5}, {Header: "Sightings", Width: 1.2}, {Header: "First location", Width: 6, Mono: true},
		{Header: "Assessment", Width: 1.4}}, rows)
	if r.More > 0 {
		d.Para(fmt.Sprintf("%d further subjects are not listed (limit %d); see the examination record.", r.More, MaxSubjects))
	}
	d.Heading("CPIA cross-reference and sanitisation")
	d.Para(fmt.Sprintf("This intelligence derives from an exhibit examination and is relevant material under the CPIA 1996. %d item(s) tagged sensitive were withheld from this report and are on the MG6D sensitive schedule.", r.Withheld))
	d.Para(r.Sanitisation)
	d.Para("Supervisor / evaluator: name ______________________ signature ______________________ date ____________")
	d.Heading("Dissemination log (DPA 2018 s.62)")
	diss := make([][]string, 0, len(r.Dissemination))
	for _, x := range r.Dissemination {
		diss = append(diss, []string{x[0], x[1], x[2]})
	}
	d.Table([]pdfdoc.Column{{Header: "Date", Width: 1}, {Header: "Recipient", Width: 2}, {Header: "Justification", Width: 3}}, diss)
	d.Bold(Caveat)
	return d.Write(w)
}
