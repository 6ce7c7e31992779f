package viewmodel

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/loupe-forensics/loupe/forensic/filesystem"
)

// maxRunsShown bounds the data-run rows of the metadata pane: a badly
// fragmented (or hostile) file can have millions of runs.
const maxRunsShown = 64

// EntryFields describes an entry for the metadata pane: identity, state,
// every time the file system keeps (NTFS $STANDARD_INFORMATION and
// $FILE_NAME both where it gives them), ownership, streams, data runs (when
// the entry's stream could be opened) and the provenance reference. Times are
// in the session's display zone.
func EntryFields(ctx context.Context, s *Session, fsys filesystem.FS, e *filesystem.Entry) []Field {
	if e == nil {
		return nil
	}
	kind := ""
	if fsys != nil {
		kind = fsys.Kind()
	}
	idLabel := "Inode"
	if kind == filesystem.KindNTFS {
		idLabel = "MFT entry-sequence"
	}
	state := "Allocated"
	switch {
	case e.Orphan:
		state = "DELETED: orphan (metadata found without a name)"
	case e.Deleted:
		state = "DELETED: name or metadata no longer allocated"
	}
	f := []Field{{"Name", e.Name}, {"Path", e.Path}, {"State", state}}
	if e.ID != "" {
		f = append(f, Field{idLabel, string(e.ID)})
	}
	if e.ParentID != "" {
		f = append(f, Field{"Parent", string(e.ParentID)})
	}
	f = append(f, Field{"Type", e.Type}, Field{"Size", fmt.Sprintf("%d bytes", e.Size)})
	if e.Target != "" {
		f = append(f, Field{"Link target", e.Target})
	}
	if e.Perm != 0 {
		f = append(f, Field{"Mode", fmt.Sprintf("%04o", e.Perm)})
	}
	if e.UID != nil {
		f = append(f, Field{"UID", strconv.FormatUint(uint64(*e.UID), 10)})
	}
	if e.GID != nil {
		f = append(f, Field{"GID", strconv.FormatUint(uint64(*e.GID), 10)})
	}
	if e.Links != 0 {
		f = append(f, Field{"Links", strconv.FormatUint(uint64(e.Links), 10)})
	}
	si := "" // NTFS names its two sets of times by attribute
	if kind == filesystem.KindNTFS {
		si = "$SI "
	}
	for _, t := range []struct {
		label string
		v     *time.Time
	}{
		{si + "Created", e.Times.Born}, {si + "Modified", e.Times.Modified}, {si + "Changed (entry)", e.Times.Changed},
		{si + "Accessed", e.Times.Accessed}, {"Deleted (dtime)", e.Times.Deleted},
		{"$FN Created", e.Times.FNBorn}, {"$FN Modified", e.Times.FNModified}, {"$FN Changed (entry)", e.Times.FNChanged},
		{"$FN Accessed", e.Times.FNAccessed},
	} {
		if t.v != nil {
			f = append(f, Field{t.label, s.FormatTime(*t.v)})
		}
	}
	if len(e.Streams) > 0 {
		f = append(f, Field{"Named streams", strings.Join(e.Streams, ", ")})
	}
	if fsys != nil && e.ID != "" && e.Type == filesystem.TypeFile {
		if file, err := fsys.OpenID(ctx, e.ID, ""); err != nil {
			f = append(f, Field{"Data runs", "cannot open: " + err.Error()})
		} else {
			f = append(f, Field{"Data runs", formatRuns(file.Runs())})
			_ = file.Close()
		}
	}
	if e.Ref != nil {
		f = append(f, Field{"Provenance", e.Ref.String()})
	}
	return f
}

func formatRuns(runs []filesystem.Run) string {
	if len(runs) == 0 {
		return "none (empty)"
	}
	var b strings.Builder
	for i, r := range runs {
		if i == maxRunsShown {
			fmt.Fprintf(&b, "… and %d more", len(runs)-i)
			break
		}
		if i > 0 {
			b.WriteByte('\n')
		}
		switch {
		case r.Sparse:
			fmt.Fprintf(&b, "file %d +%d: sparse", r.FileOffset, r.Length)
		case r.Resident:
			fmt.Fprintf(&b, "file %d +%d: resident in the MFT record at image offset %d", r.FileOffset, r.Length, r.ImageOffset)
		default:
			fmt.Fprintf(&b, "file %d +%d → image offset %d", r.FileOffset, r.Length, r.ImageOffset)
		}
	}
	return b.String()
}
