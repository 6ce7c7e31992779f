// Package filetype identifies every file by its content signature and
// records the result as a "file.type" artefact, with a flag when the file's
// extension belongs to a different format (a renamed database or archive is
// a classic way to hide material from a name-based triage).
package filetype

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/loupe-forensics/loupe/artefacts"
	"github.com/loupe-forensics/loupe/forensic/finding"
)

// Registry name, version and artefact kind.
const (
	Name    = "file/type"
	Version = "1"
	Kind    = "file.type"
)

// levelDBTableMagic ends every LevelDB/IndexedDB .ldb table (the 48-byte
// footer of table_format.md: kTableMagicNumber 0xdb4775248b80fb57, little endian).
var levelDBTableMagic = []byte{0x57, 0xfb, 0x80, 0x8b, 0x24, 0x75, 0x47, 0xdb}

var typeLevelDBTable = Type{ID: "leveldb-table", MIME: "application/octet-stream", Description: "LevelDB table (.ldb/.sst)", Extensions: []string{"ldb", "sst"}}

// Parser records the content type of every file it is offered.
type Parser struct {
	// extOwners maps an extension to the type IDs that claim it, for the
	// mismatch flag. Built once per parser, read-only afterwards.
	extOwners map[string][]string
}

// New returns the file-type parser.
func New() *Parser {
	p := &Parser{extOwners: map[string][]string{}}
	all := make([]Type, 0, len(signatures)+2)
	for _, s := range signatures {
		all = append(all, s.typ)
	}
	all = append(all, typeLevelDBTable, typeText)
	for _, t := range all {
		for _, e := range t.Extensions {
			p.extOwners[e] = append(p.extOwners[e], t.ID)
		}
	}
	return p
}

func (*Parser) Name() string    { return Name }
func (*Parser) Version() string { return Version }

// Match accepts every file: identification by content is the point.
func (*Parser) Match(in *artefacts.Input) bool { return in != nil }

// Identify returns the type of a file from its head; r and size are used
// only for formats whose signature sits at the end (LevelDB tables), and
// may be nil/0. It never reads more than 8 bytes beyond the head.
func Identify(head []byte, r io.ReaderAt, size int64) Type {
	if size == 0 && len(head) == 0 {
		return typeEmpty
	}
	for _, s := range signatures {
		if s.match(head) {
			return s.typ
		}
	}
	if r != nil && size >= 48 {
		var tail [8]byte
		if n, err := r.ReadAt(tail[:], size-8); n == 8 && (err == nil || err == io.EOF) && bytes.Equal(tail[:], levelDBTableMagic) {
			return typeLevelDBTable
		}
	}
	if looksText(head) {
		return typeText
	}
	return typeData
}

// Known reports whether t is a recognised format rather than a fallback
// (empty, text or unidentified data).
func Known(t Type) bool {
	switch t.ID {
	case typeEmpty.ID, typeText.ID, typeData.ID:
		return false
	}
	return true
}

// Extension returns the lower-case extension of a path's last element, or
// "" when there is none or it is implausibly long.
func Extension(p string) string {
	base := path.Base(p)
	i := strings.LastIndexByte(base, '.')
	if i <= 0 || i == len(base)-1 || len(base)-i-1 > 12 {
		return ""
	}
	return strings.ToLower(base[i+1:])
}

// Parse writes one file.type artefact for in.
func (p *Parser) Parse(ctx context.Context, in *artefacts.Input, out finding.Sink) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	t := Identify(in.Head, in.Reader, in.Size)
	attrs := []finding.Attr{
		finding.S("type", t.ID),
		finding.S("mime", t.MIME),
		finding.S("description", t.Description),
		finding.I("size", in.Size),
	}
	ext := Extension(in.Path)
	mismatch, owners := p.mismatch(t, ext)
	if ext != "" {
		attrs = append(attrs, finding.S("extension", ext))
	}
	attrs = append(attrs, finding.B("extension_mismatch", mismatch))
	if mismatch {
		attrs = append(attrs, finding.S("extension_expected_type", strings.Join(owners, ",")))
	}
	if in.Deleted {
		attrs = append(attrs, finding.B("deleted", true))
	}
	if err := out.Artefact(ctx, finding.Artefact{
		Kind:          Kind,
		Category:      finding.Data,
		Attrs:         attrs,
		Parser:        Name,
		ParserVersion: Version,
		Source:        in.Ref,
		SourceSHA256:  in.SHA256,
	}); err != nil {
		return fmt.Errorf("filetype: record %s: %w", in.Ref, err)
	}
	return nil
}

// mismatch reports whether ext is claimed by other formats but not by t.
// Extensions no signature claims (".json", ".bak", none) are no evidence
// either way, and an empty file has no content to contradict its name.
func (p *Parser) mismatch(t Type, ext string) (bool, []string) {
	if ext == "" || t.ID == typeEmpty.ID {
		return false, nil
	}
	owners, ok := p.extOwners[ext]
	if !ok {
		return false, nil
	}
	for _, e := range t.Extensions {
		if e == ext {
			return false, nil
		}
	}
	return true, owners
}
