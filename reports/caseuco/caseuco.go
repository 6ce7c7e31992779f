// Package caseuco renders an examination record as CASE 1.4.0 / UCO 1.4.0
// JSON-LD (https://caseontology.org), for exchange with other forensic tools.
//
// The graph holds, all as IRI-named nodes (never blank nodes):
//   - the Investigation (name and description from the record's case
//     details), marked with a StatementMarking of the report's marking;
//   - each examiner as a Person with an Examiner role (a Has_Role
//     Relationship);
//   - the tools as AnalyticTools with versions: the generating Loupe, the
//     examining program each run recorded, and every parser (name@version);
//   - the exhibit as a Device with its ProvenanceRecord (exhibitNumber), and
//     each evidence image as a File+Image with its media hashes (MD5, SHA-1,
//     SHA-256 as computed by the verification) and its own ProvenanceRecord
//     (rootExhibitNumber);
//   - an InvestigativeAction per evidence verification (result: an
//     Annotation stating computed and acquisition hashes) and per parser run
//     (start and end from the audit chain, performer, instruments, object
//     the images, result the files and observables it produced);
//   - a File per artefact source (the entry or named stream, with path, size
//     from the file-type parser and SHA-256), derived from its image;
//   - artefacts as observables where UCO 1.4 has a class for them: URL
//     (visited or found URLs), DomainName (onion addresses), EmailAddress,
//     DigitalAccount with an AccountFacet for cryptocurrency addresses (UCO
//     has no cryptocurrency-address class; an address is the identifier of
//     an account on the chain), and ApplicationAccount (AccountFacet, and a
//     DigitalAccountFacet with the display name) for chat accounts and chat
//     contacts. Each carries its canonical provenance
//     reference and record row id in its description and is derived from its
//     File (or from the image, for swept disk regions). PGP keys, seeds and
//     other artefacts have no UCO class and are left out: the technical
//     record and the artefact listing carry them. Chat messages are not
//     exported as observables (UCO's Message needs more than the record's
//     parsers settle today).
//
// Sensitive material: artefacts tagged sensitive (CPIA; MG6D) are left out
// of the graph entirely, and so is a source file whose only artefacts are
// sensitive. A CASE export goes to other agencies' tools and can reach the
// defence like any technical exchange, so it follows the rule for
// non-sensitive schedules: sensitive items are not listed, and nothing in
// the export reveals how many were withheld.
//
// Memory: the graph is built in memory before it is written (the
// Investigation and each run's action list every node they relate to), so
// it grows with the number of exported artefacts, a few hundred bytes each.
//
// @id values are "kb:<kind>-<UUIDv5>" derived from the record ID and the
// row (or value) they describe, so the same record and options always give
// the same bytes.
package caseuco

import (
	"context"
	"crypto/sha1"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/loupe-forensics/loupe/forensic/record"
	"github.com/loupe-forensics/loupe/forensic/source"
	"github.com/loupe-forensics/loupe/reports/report"
)

// KBPrefix is the IRI base of every node Loupe writes.
const KBPrefix = "urn:loupe:kb:"

// Context is the JSON-LD context of the output.
var prefixes = [][2]string{
	{"case-investigation", "https://ontology.caseontology.org/case/investigation/"},
	{"kb", KBPrefix},
	{"uco-action", "https://ontology.unifiedcyberontology.org/uco/action/"},
	{"uco-core", "https://ontology.unifiedcyberontology.org/uco/core/"},
	{"uco-identity", "https://ontology.unifiedcyberontology.org/uco/identity/"},
	{"uco-marking", "https://ontology.unifiedcyberontology.org/uco/marking/"},
	{"uco-observable", "https://ontology.unifiedcyberontology.org/uco/observable/"},
	{"uco-tool", "https://ontology.unifiedcyberontology.org/uco/tool/"},
	{"uco-types", "https://ontology.unifiedcyberontology.org/uco/types/"},
	{"xsd", "http://www.w3.org/2001/XMLSchema#"},
}

// Render writes the record as CASE/UCO JSON-LD. Only report.FormatJSONLD
// (and the case kind, when a kind is given) is supported.
func Render(ctx context.Context, rec *record.Record, opts report.Options, w io.Writer) error {
	if opts.Format != report.FormatJSONLD || (opts.Kind != "" && opts.Kind != report.KindCASE) {
		return fmt.Errorf("%w: %s as %s", report.ErrUnsupported, opts.Kind, opts.Format)
	}
	if rec == nil {
		return report.ErrNoRecord
	}
	g, err := build(ctx, rec, opts)
	if err != nil {
		return err
	}
	ctxMap := map[string]string{}
	for _, p := range prefixes {
		ctxMap[p[0]] = p[1]
	}
	// encoding/json writes map keys sorted, and the graph is built in
	// record order, so the bytes are deterministic.
	enc := json.NewEncoder(w)
	enc.SetIndent("", " ")
	if err := enc.Encode(map[string]any{"@context": ctxMap, "@graph": g.nodes}); err != nil {
		return fmt.Errorf("caseuco: writing: %w", err)
	}
	return nil
}

type node = map[string]any

// graph accumulates nodes in the order they are made.
type graph struct {
	ns    [16]byte
	nodes []node
	seen  map[string]bool
}

// nsURL is RFC 4122's namespace for URLs.
var nsURL = [16]byte{0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8}

func newGraph(recordID string) *graph {
	base := uuid5(nsURL, "https://github.com/loupe-forensics/loupe/reports/caseuco/"+recordID)
	return &graph{ns: base, seen: map[string]bool{}}
}

// uuid5 is RFC 4122 section 4.3 (SHA-1, version 5).
func uuid5(ns [16]byte, name string) [16]byte {
	h := sha1.New()
	h.Write(ns[:])
	h.Write([]byte(name))
	var u [16]byte
	copy(u[:], h.Sum(nil))
	u[6] = u[6]&0x0f | 0x50
	u[8] = u[8]&0x3f | 0x80
	return u
}

func uuidString(u [16]byte) string {
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}

// id names a node of the given kind for a key unique within the record.
func (g *graph) id(kind, key string) string {
	return "kb:" + kind + "-" + uuidString(uuid5(g.ns, kind+"\x00"+key))
}

// add appends n unless a node with its @id is already there; it reports
// whether n was added.
func (g *graph) add(n node) bool {
	id := n["@id"].(string)
	if g.seen[id] {
		return false
	}
	g.seen[id] = true
	g.nodes = append(g.nodes, n)
	return true
}

func ref(id string) node { return node{"@id": id} }

func refs(ids []string) []node {
	out := make([]node, 0, len(ids))
	for _, id := range ids {
		out = append(out, ref(id))
	}
	return out
}

func dateTime(t time.Time) node {
	return node{"@type": "xsd:dateTime", "@value": t.UTC().Format(time.RFC3339Nano)}
}

// hashNodes adds a Hash node per known digest and returns their ids.
func (g *graph) hashNodes(owner string, d digests) []string {
	var ids []string
	for _, h := range []struct {
		method, value string
		n             int
	}{
		{"MD5", d.MD5, 16}, {"SHA1", d.SHA1, 20}, {"SHA256", d.SHA256, 32},
	} {
		if !isHex(h.value, h.n) {
			continue
		}
		id := g.id("hash", owner+"\x00"+h.method)
		g.add(node{
			"@id": id, "@type": "uco-types:Hash",
			"uco-types:hashMethod": h.method,
			"uco-types:hashValue":  node{"@type": "xsd:hexBinary", "@value": strings.ToLower(h.value)},
		})
		ids = append(ids, id)
	}
	return ids
}

// builder carries what the parts of the graph refer to.
type builder struct {
	g          *graph
	rec        *record.Record
	opts       report.Options
	objects    []string          // the Investigation's uco-core:object list
	roles      map[string]string // examiner fingerprint -> role id
	firstRole  string
	images     map[string]string // source ref string -> image File id
	sourceByID map[int64]sourceRow
	verifyIDs  map[int64][]string // source id -> verification action ids
	loupeTool  string
}

func build(ctx context.Context, rec *record.Record, opts report.Options) (*graph, error) {
	b := &builder{
		g: newGraph(rec.ID()), rec: rec, opts: opts,
		roles: map[string]string{}, images: map[string]string{},
		sourceByID: map[int64]sourceRow{}, verifyIDs: map[int64][]string{},
	}
	steps := []func(context.Context) error{b.investigationParts, b.examiners, b.tools, b.exhibit, b.verifications, b.runs}
	for _, step := range steps {
		if err := step(ctx); err != nil {
			return nil, err
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
	return b.g, b.investigation(ctx)
}

// investigationParts adds the marking the Investigation carries.
func (b *builder) investigationParts(context.Context) error {
	marking := report.EffectiveMarking(b.opts.Marking, "OFFICIAL")
	stmt := b.g.id("statement-marking", "marking")
	b.g.add(node{
		"@id": stmt, "@type": "uco-marking:StatementMarking",
		"uco-marking:definitionType": "statement",
		"uco-marking:statement":      marking,
	})
	b.g.add(node{
		"@id": b.g.id("marking-definition", "marking"), "@type": "uco-marking:MarkingDefinition",
		"uco-marking:definitionType": "statement",
		"uco-marking:definition":     ref(stmt),
	})
	return nil
}

// investigation adds the Investigation node last, once every object it
// lists is known, and moves it to the front of the graph.
func (b *builder) investigation(ctx context.Context) error {
	details, err := b.rec.Details(ctx, "case")
	if err != nil {
		return fmt.Errorf("caseuco: case details: %w", err)
	}
	name := details["urn"]
	if op := details["operation"]; op != "" {
		if name != "" {
			name = op + " / " + name
		} else {
			name = op
		}
	}
	if name == "" {
		name = "Loupe examination record " + b.rec.ID()
	}
	var desc []string
	for _, k := range sortedKeys(details) {
		desc = append(desc, k+": "+details[k])
	}
	desc = append(desc, "examination record: "+b.rec.ID())
	if b.opts.DocumentID != "" {
		desc = append(desc, "document: "+b.opts.DocumentID)
	}
	inv := node{
		"@id": b.g.id("investigation", "investigation"), "@type": "case-investigation:Investigation",
		"uco-core:name":                        name,
		"uco-core:description":                 strings.Join(desc, "\n"),
		"case-investigation:investigationForm": "case",
		"uco-core:objectMarking":               []node{ref(b.g.id("marking-definition", "marking"))},
	}
	if len(b.objects) > 0 {
		inv["uco-core:object"] = refs(b.objects)
	}
	if !b.opts.Generated.IsZero() {
		inv["uco-core:objectCreatedTime"] = dateTime(b.opts.Generated)
	}
	b.g.add(inv)
	// The Investigation first: readers look for it there.
	n := len(b.g.nodes)
	b.g.nodes = append([]node{b.g.nodes[n-1]}, b.g.nodes[:n-1]...)
	return nil
}

func (b *builder) examiners(ctx context.Context) error {
	exs, err := rows[examinerRow](ctx, b.rec, "examiners")
	if err != nil {
		return err
	}
	for _, ex := range exs {
		key := ex.Fingerprint
		person := b.g.id("person", key)
		p := node{"@id": person, "@type": "uco-identity:Person", "uco-core:name": ex.Name}
		if ex.Fingerprint != "" {
			p["uco-core:description"] = "examiner signing key SHA-256 fingerprint " + ex.Fingerprint
		}
		b.g.add(p)
		role := b.g.id("examiner-role", key)
		r := node{"@id": role, "@type": "case-investigation:Examiner"}
		if ex.Role != "" {
			r["uco-core:name"] = ex.Role
		}
		b.g.add(r)
		b.g.add(node{
			"@id": b.g.id("relationship", "has-role\x00"+key), "@type": "uco-core:Relationship",
			"uco-core:source":             ref(person),
			"uco-core:target":             ref(role),
			"uco-core:kindOfRelationship": "Has_Role",
			"uco-core:isDirectional":      true,
		})
		b.roles[ex.Fingerprint] = role
		if b.firstRole == "" {
			b.firstRole = role
		}
	}
	return nil
}

// performer is the examiner role of the key that signed an entry.
func (b *builder) performer(actor string) string {
	if r, ok := b.roles[actor]; ok {
		return r
	}
	return b.firstRole
}

func (b *builder) tool(name, version, typ string) string {
	id := b.g.id("tool", name+"\x00"+version)
	t := node{"@id": id, "@type": "uco-tool:AnalyticTool", "uco-core:name": name, "uco-tool:toolType": typ}
	if version != "" {
		t["uco-tool:version"] = version
	}
	b.g.add(t)
	return id
}

// tools adds the generating Loupe; run tools and parsers are added with
// their runs.
func (b *builder) tools(context.Context) error {
	name := b.opts.ToolName
	if name == "" {
		name = "Loupe"
	}
	b.loupeTool = b.tool(name, b.opts.ToolVersion, "forensic examination workstation")
	return nil
}

// exhibit adds the exhibit Device, its ProvenanceRecord, and each evidence
// image with hashes and its own ProvenanceRecord.
func (b *builder) exhibit(ctx context.Context) error {
	ex, err := b.rec.Details(ctx, "exhibit")
	if err != nil {
		return fmt.Errorf("caseuco: exhibit details: %w", err)
	}
	refNo := ex["reference"]
	device := b.g.id("device", "exhibit")
	dn := node{"@id": device, "@type": "uco-observable:Device"}
	if d := ex["description"]; d != "" {
		dn["uco-core:name"] = d
	} else if refNo != "" {
		dn["uco-core:name"] = "exhibit " + refNo
	}
	b.g.add(dn)
	pr := b.g.id("provenance-record", "exhibit")
	var desc []string
	for _, k := range sortedKeys(ex) {
		desc = append(desc, k+": "+ex[k])
	}
	prn := node{"@id": pr, "@type": "case-investigation:ProvenanceRecord", "uco-core:object": []node{ref(device)}}
	if refNo != "" {
		prn["case-investigation:exhibitNumber"] = refNo
	}
	if len(desc) > 0 {
		prn["uco-core:description"] = "exhibit as recorded at intake\n" + strings.Join(desc, "\n")
	}
	b.g.add(prn)
	b.objects = append(b.objects, pr)

	srcs, err := rows[sourceRow](ctx, b.rec, "sources")
	if err != nil {
		return err
	}
	verified := map[int64]digests{}
	vs, err := rows[verificationRow](ctx, b.rec, "verifications")
	if err != nil {
		return err
	}
	for _, v := range vs {
		verified[v.SourceID] = v.Computed // the newest verification wins
	}
	for _, s := range srcs {
		b.sourceByID[s.ID] = s
		key := fmt.Sprintf("source\x00%d", s.ID)
		img := b.g.id("image", key)
		b.images[s.Ref] = img
		name := s.Ref
		if len(s.Segments) > 0 {
			name = s.Segments[0]
		}
		ff := b.g.id("file-facet", key)
		b.g.add(node{"@id": ff, "@type": "uco-observable:FileFacet", "uco-observable:fileName": name})
		facets := []string{ff}
		// The hashes are of the media the container holds (what ewfverify
		// and our verification compute), not of the container files.
		d := verified[s.ID]
		if d == (digests{}) {
			d = s.Acquisition
		}
		cf := b.g.id("content-facet", key)
		cn := node{"@id": cf, "@type": "uco-observable:ContentDataFacet", "uco-observable:sizeInBytes": s.Size}
		if hs := b.g.hashNodes(key, d); len(hs) > 0 {
			cn["uco-observable:hash"] = refs(hs)
		}
		b.g.add(cn)
		facets = append(facets, cf)
		types := []string{"uco-observable:File", "uco-observable:Image"}
		if s.Format == "folder" {
			types = []string{"uco-observable:File"}
		}
		idesc := []string{"provenance: " + s.Ref, "format: " + s.Format}
		if len(s.Segments) > 0 {
			idesc = append(idesc, "segments: "+strings.Join(s.Segments, ", "))
		}
		b.g.add(node{
			"@id": img, "@type": types,
			"uco-core:description":              strings.Join(idesc, "\n"),
			"uco-core:hasFacet":                 refs(facets),
			"case-investigation:wasDerivedFrom": ref(device),
		})
		ipr := b.g.id("provenance-record", key)
		iprn := node{
			"@id": ipr, "@type": "case-investigation:ProvenanceRecord",
			"uco-core:description": "evidence image " + name + " of the exhibit",
			"uco-core:object":      []node{ref(img)},
		}
		if refNo != "" {
			iprn["case-investigation:rootExhibitNumber"] = refNo
		}
		b.g.add(iprn)
		b.objects = append(b.objects, ipr)
	}
	return nil
}

var verificationStatus = map[string]string{"match": "Success", "mismatch": "Fail", "no-reference": "Complete/Finish"}

func (b *builder) verifications(ctx context.Context) error {
	vs, err := rows[verificationRow](ctx, b.rec, "verifications")
	if err != nil {
		return err
	}
	when, err := rowEntries(ctx, b.rec, "source.verify", "verifications")
	if err != nil {
		return err
	}
	for _, v := range vs {
		s, ok := b.sourceByID[v.SourceID]
		if !ok {
			continue
		}
		key := fmt.Sprintf("verification\x00%d", v.ID)
		img := b.images[s.Ref]
		stmt := []string{
			"verification of " + s.Ref + ": " + v.Result,
			"computed MD5 " + v.Computed.MD5 + ", SHA-1 " + v.Computed.SHA1 + ", SHA-256 " + v.Computed.SHA256,
		}
		if a := s.Acquisition; a != (digests{}) {
			stmt = append(stmt, "acquisition MD5 "+orNone(a.MD5)+", SHA-1 "+orNone(a.SHA1)+", SHA-256 "+orNone(a.SHA256))
		}
		if v.Detail != "" {
			stmt = append(stmt, v.Detail)
		}
		ann := b.g.id("annotation", key)
		b.g.add(node{
			"@id": ann, "@type": "uco-core:Annotation",
			"uco-core:statement": strings.Join(stmt, "\n"),
			"uco-core:object":    []node{ref(img)},
		})
		act := b.g.id("action", key)
		an := node{
			"@id": act, "@type": "case-investigation:InvestigativeAction",
			"uco-core:name":         "evidence verification",
			"uco-action:instrument": []node{ref(b.loupeTool)},
			"uco-action:object":     []node{ref(img)},
			"uco-action:result":     []node{ref(ann)},
		}
		if st, ok := verificationStatus[v.Result]; ok {
			an["uco-action:actionStatus"] = st
		}
		if e, ok := when[v.ID]; ok {
			an["uco-action:endTime"] = dateTime(e.Time)
			if v.DurationNS > 0 {
				an["uco-action:startTime"] = dateTime(e.Time.Add(-time.Duration(v.DurationNS)))
			}
			if p := b.performer(e.Actor); p != "" {
				an["uco-action:performer"] = ref(p)
			}
		}
		b.g.add(an)
		b.objects = append(b.objects, act, ann)
		b.verifyIDs[v.SourceID] = append(b.verifyIDs[v.SourceID], act)
	}
	return nil
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

var runStatus = map[string]string{record.RunComplete: "Success", record.RunIncomplete: "Error", record.RunRunning: "Ongoing"}

// runs adds an action per parser run, with the files and observables it
// produced as results.
func (b *builder) runs(ctx context.Context) error {
	runs, err := b.rec.Runs(ctx)
	if err != nil {
		return fmt.Errorf("caseuco: runs: %w", err)
	}
	starts, err := rowEntries(ctx, b.rec, "run.start", "runs")
	if err != nil {
		return err
	}
	ends, err := runEnds(ctx, b.rec)
	if err != nil {
		return err
	}
	sensitive, err := SensitiveArtefacts(ctx, b.rec)
	if err != nil {
		return err
	}
	results, err := b.artefacts(ctx, sensitive)
	if err != nil {
		return err
	}
	for _, r := range runs {
		key := fmt.Sprintf("run\x00%d", r.ID)
		instruments := []string{}
		if r.Tool != "" {
			n, v := splitTool(r.Tool)
			instruments = append(instruments, b.tool(n, v, "forensic examination workstation"))
		}
		for _, p := range r.Parsers {
			n, v := splitParser(p)
			instruments = append(instruments, b.tool(n, v, "artefact parser"))
		}
		objects, informedBy := b.runObjects(r)
		act := b.g.id("action", key)
		an := node{
			"@id": act, "@type": "case-investigation:InvestigativeAction",
			"uco-core:name":        fmt.Sprintf("parser run %d", r.ID),
			"uco-core:description": "parsers: " + strings.Join(r.Parsers, ", "),
		}
		if len(instruments) > 0 {
			an["uco-action:instrument"] = refs(instruments)
		}
		if len(objects) > 0 {
			an["uco-action:object"] = refs(objects)
		}
		if res := results[r.ID]; len(res) > 0 {
			an["uco-action:result"] = refs(res)
		}
		if len(informedBy) > 0 {
			an["case-investigation:wasInformedBy"] = refs(informedBy)
		}
		if st, ok := runStatus[r.Status]; ok {
			an["uco-action:actionStatus"] = st
		}
		if t, err := time.Parse(time.RFC3339Nano, r.Started); err == nil {
			an["uco-action:startTime"] = dateTime(t)
		}
		if e, ok := ends[r.ID]; ok {
			an["uco-action:endTime"] = dateTime(e.Time)
		}
		if e, ok := starts[r.ID]; ok {
			if p := b.performer(e.Actor); p != "" {
				an["uco-action:performer"] = ref(p)
			}
		}
		b.g.add(an)
		b.objects = append(b.objects, act)
	}
	return nil
}

// runObjects returns the images a run examined and the verification
// actions it followed. A run without recorded sources (the identifier sweep
// names its images in its params) is matched by the images' segment names.
func (b *builder) runObjects(r record.RunInfo) (objects, informedBy []string) {
	ids := r.Sources
	if len(ids) == 0 {
		named := map[string]bool{}
		for _, v := range r.Params {
			for _, f := range strings.Fields(v) {
				named[baseName(f)] = true
			}
		}
		for id, s := range b.sourceByID {
			for _, seg := range s.Segments {
				if named[seg] {
					ids = append(ids, id)
					break
				}
			}
		}
		slices.Sort(ids)
	}
	for _, id := range ids {
		s, ok := b.sourceByID[id]
		if !ok {
			continue
		}
		objects = append(objects, b.images[s.Ref])
		informedBy = append(informedBy, b.verifyIDs[id]...)
	}
	return objects, informedBy
}

func baseName(p string) string {
	if i := strings.LastIndexAny(p, `/\`); i >= 0 {
		return p[i+1:]
	}
	return p
}

// imageOf returns the image node of a reference's root step.
func (b *builder) imageOf(r *source.Ref) string {
	chain := r.Chain()
	if len(chain) == 0 {
		return ""
	}
	return b.images[chain[0].String()]
}
