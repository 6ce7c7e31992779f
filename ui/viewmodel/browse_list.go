package viewmodel

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/loupe-forensics/loupe/forensic/filesystem"
)

// FileColumn is a column of the file list.
type FileColumn int

const (
	ColName FileColumn = iota
	ColSize
	ColModified
	ColAccessed
	ColChanged
	ColBorn
	ColID
	ColType
	ColState
	numColumns
)

// columnTitles are the file list's headers, indexed by FileColumn.
var columnTitles = [numColumns]string{"Name", "Size", "Modified", "Accessed", "Changed", "Created", "Inode / MFT", "Type", "State"}

// FileColumnTitle returns a column's header.
func FileColumnTitle(c FileColumn) string {
	if c < 0 || c >= numColumns {
		return ""
	}
	return columnTitles[c]
}

// NumFileColumns is the number of file-list columns.
func NumFileColumns() int { return int(numColumns) }

// FileList is the file list of one folder: the rows the file system gave,
// and an index slice that sorting permutes, so the rows themselves never
// move and the table asks for rows by position. Cells are formatted only
// when the table draws them; Formatted counts how many were.
type FileList struct {
	rows   []*filesystem.Entry
	order  []int
	sortBy FileColumn
	asc    bool
	format func(time.Time) string

	formatted atomic.Int64
}

// NewFileList wraps a folder's entries (as Browser.Entries gives them, in
// name order). formatTime prints times in the display zone.
func NewFileList(rows []*filesystem.Entry, formatTime func(time.Time) string) *FileList {
	if formatTime == nil {
		formatTime = func(t time.Time) string { return t.UTC().Format(time.RFC3339) }
	}
	l := &FileList{rows: rows, order: make([]int, len(rows)), sortBy: ColName, asc: true, format: formatTime}
	for i := range l.order {
		l.order[i] = i
	}
	return l
}

// Len is the number of rows.
func (l *FileList) Len() int { return len(l.order) }

// Entry returns the entry shown at row i, or nil.
func (l *FileList) Entry(i int) *filesystem.Entry {
	if i < 0 || i >= len(l.order) {
		return nil
	}
	return l.rows[l.order[i]]
}

// IndexOf returns the row showing e, or -1.
func (l *FileList) IndexOf(e *filesystem.Entry) int {
	for i, r := range l.order {
		if l.rows[r] == e {
			return i
		}
	}
	return -1
}

// Sorted reports the current sort column and direction.
func (l *FileList) Sorted() (FileColumn, bool) { return l.sortBy, l.asc }

// SortBy orders the rows by a column (ties by name, then by id, so the
// order is total and the same every time); only the index slice moves.
func (l *FileList) SortBy(c FileColumn, ascending bool) {
	l.sortBy, l.asc = c, ascending
	slices.SortStableFunc(l.order, func(a, b int) int {
		x, y := l.rows[a], l.rows[b]
		r := compareBy(c, x, y)
		if r == 0 {
			r = strings.Compare(x.Name, y.Name)
		}
		if r == 0 {
			r = compareIDs(x.ID, y.ID)
		}
		if !ascending {
			r = -r
		}
		return r
	})
}

func compareTimes(a, b *time.Time) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return -1
	case b == nil:
		return 1
	}
	return a.Compare(*b)
}

// compareIDs orders "64-1" and "12" numerically by entry number, then sequence.
func compareIDs(a, b filesystem.EntryID) int {
	an, as, _ := strings.Cut(string(a), "-")
	bn, bs, _ := strings.Cut(string(b), "-")
	ai, ea := strconv.ParseInt(an, 10, 64)
	bi, eb := strconv.ParseInt(bn, 10, 64)
	if ea != nil || eb != nil {
		return strings.Compare(string(a), string(b))
	}
	if c := cmp.Compare(ai, bi); c != 0 {
		return c
	}
	asq, _ := strconv.ParseInt(as, 10, 64)
	bsq, _ := strconv.ParseInt(bs, 10, 64)
	return cmp.Compare(asq, bsq)
}

func compareBy(c FileColumn, x, y *filesystem.Entry) int {
	switch c {
	case ColName:
		return strings.Compare(x.Name, y.Name)
	case ColSize:
		return cmp.Compare(x.Size, y.Size)
	case ColModified:
		return compareTimes(x.Times.Modified, y.Times.Modified)
	case ColAccessed:
		return compareTimes(x.Times.Accessed, y.Times.Accessed)
	case ColChanged:
		return compareTimes(x.Times.Changed, y.Times.Changed)
	case ColBorn:
		return compareTimes(x.Times.Born, y.Times.Born)
	case ColID:
		return compareIDs(x.ID, y.ID)
	case ColType:
		return strings.Compare(x.Type, y.Type)
	case ColState:
		return strings.Compare(entryState(x), entryState(y))
	}
	return 0
}

// entryState is how the list marks an entry's allocation.
func entryState(e *filesystem.Entry) string {
	switch {
	case e.Orphan:
		return "DELETED (orphan)"
	case e.Deleted:
		return "DELETED"
	}
	return ""
}

// Cell formats one cell; only the cells the table draws are ever formatted.
func (l *FileList) Cell(row int, c FileColumn) string {
	e := l.Entry(row)
	if e == nil {
		return ""
	}
	l.formatted.Add(1)
	t := func(p *time.Time) string {
		if p == nil {
			return ""
		}
		return l.format(*p)
	}
	switch c {
	case ColName:
		if e.Deleted || e.Orphan {
			return "✗ " + e.Name
		}
		return e.Name
	case ColSize:
		if e.Type == filesystem.TypeDir {
			return ""
		}
		return strconv.FormatInt(e.Size, 10)
	case ColModified:
		return t(e.Times.Modified)
	case ColAccessed:
		return t(e.Times.Accessed)
	case ColChanged:
		return t(e.Times.Changed)
	case ColBorn:
		return t(e.Times.Born)
	case ColID:
		return string(e.ID)
	case ColType:
		return e.Type
	case ColState:
		return entryState(e)
	}
	return ""
}

// Formatted is how many cells have been formatted so far (the benchmark
// shows a first screen formats a screenful, not every row).
func (l *FileList) Formatted() int64 { return l.formatted.Load() }
