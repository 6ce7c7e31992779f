package wallets

import (
	"strings"

	"github.com/loupe-forensics/loupe/artefacts"
	"time"

	"fmt"

	"github.com/loupe-forensics/loupe/forensic/finding"
	"github.com/loupe-forensics/loupe/forensic/source"
)

// artefactRef and warnRef are artefact and warn for parsers whose
// provenance is not a JSON path (database records, LevelDB keys, offsets):
// they take the finished reference.
func (e *emitter) artefactRef(kind string, src *source.Ref, attrs ...finding.Attr) error {
	if e.in.Deleted {
		attrs = append(attrs, finding.B("deleted", true))
	}
	err := e.out.Artefact(e.ctx, finding.Artefact{
		Kind: kind, Category: finding.Data, Attrs: attrs, Parser: e.parser,
		ParserVersion: e.version, Source: src, SourceSHA256: e.in.SHA256,
	})
	if err != nil {
		return fmt.Errorf("%s: record %s: %w", e.parser, e.in.Ref, err)
	}
	return nil
}

func (e *emitter) warnRef(src *source.Ref, format string, args ...any) error {
	return e.out.Warn(e.ctx, finding.Warning{Parser: e.parser, Source: src, Message: fmt.Sprintf(format, args...)})
}

func unixMilli(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

// siblingEntry is the provenance of another file in the same file system
// as in (by path: fs.FS gives no inode numbers).
func siblingEntry(in *artefacts.Input, p string) *source.Ref {
	if e := in.Ref.Find(source.TypeEntry); e != nil && e.Parent != nil {
		return e.Parent.Entry("/"+strings.TrimPrefix(p, "/"), "")
	}
	return in.Ref.Record("sibling", "/"+strings.TrimPrefix(p, "/"))
}
