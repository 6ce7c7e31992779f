package artefacts

import (
	"io/fs"
	"strings"

	"github.com/loupe-forensics/loupe/forensic/filesystem"
	"github.com/loupe-forensics/loupe/forensic/source"
)

// Sibling returns the provenance of another file on the same file system
// as in (a database's -wal, a profile's config.json), named by its path
// ("/" separated, leading "/" optional). When the file system can say which
// entry that is, the reference carries its inode or MFT entry, exactly as if
// the pipeline had offered that file itself; otherwise it names the path
// under the same file system, or under in's reference when in has none.
func (in *Input) Sibling(p string) *source.Ref {
	rel := strings.TrimPrefix(p, "/")
	if in.FS != nil {
		if fi, err := fs.Stat(in.FS, rel); err == nil {
			if e, ok := fi.Sys().(*filesystem.Entry); ok && e.Ref != nil {
				return e.Ref
			}
		}
	}
	if e := in.Ref.Find(source.TypeEntry); e != nil && e.Parent != nil {
		return e.Parent.Entry("/"+rel, "")
	}
	return in.Ref.Record("sibling", "/"+rel)
}
