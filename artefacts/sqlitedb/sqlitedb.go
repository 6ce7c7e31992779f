// Package sqlitedb is the schema-matching SQLite engine every SQLite parser
// uses, in the manner of plaso's SQLite plugins: a plugin declares the tables
// and columns it needs and binds SQL queries to Go functions; the engine
// recognises a database by its schema (so renamed and carved copies are
// found), never by file name.
//
// Evidence is never opened by SQLite. The engine copies the database and its
// write-ahead log into the parser's private work folder and opens the copy.
// SQLite applies (and at close checkpoints) the WAL into that copy, which is
// ours to change. Opening the original in place could checkpoint the WAL into
// evidence; "immutable=1" would silently ignore the WAL and lose the newest
// rows. The -shm file is deliberately not copied: it is only an index of the
// WAL that SQLite rebuilds from the WAL itself, and a stale or crafted one
// could make SQLite skip frames.
//
// When a WAL holds frames, the database is opened twice: once alone and once
// with the WAL. A row whose values differ between the two (or that exists
// only with the WAL) is marked InWAL, so parsers can point its provenance at
// the -wal file instead of the main file.
package sqlitedb

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	_ "github.com/mattn/go-sqlite3" // the SQLite driver (cgo), as the record uses

	"github.com/loupe-forensics/loupe/artefacts"
)

// Magic is the first 16 bytes of every SQLite 3 database.
var Magic = []byte("SQLite format 3\x00")

// IsSQLite reports whether head starts with the SQLite 3 header.
func IsSQLite(head []byte) bool { return bytes.HasPrefix(head, Magic) }

// Default bounds. Browser databases are a few MiB; anything much larger is
// copied only up to these limits (then warned about and skipped), so a
// crafted or huge file cannot fill the work area.
const (
	DefaultMaxSize = 1 << 30 // main database
	DefaultMaxRows = 1 << 20 // rows per query, and keys remembered for the WAL comparison
)

// Errors the engine returns. ErrWrongFormat (from artefacts) means no plugin
// matched the schema.
var (
	ErrTooLarge = errors.New("sqlitedb: file larger than the copy limit")
	ErrCorrupt  = errors.New("sqlitedb: database unreadable")
)

// Schema is the set of tables and their columns, all names lower-cased.
type Schema map[string]map[string]bool

// Missing returns what of required is absent, as "table" or "table.column",
// sorted. Matching is a subset test: extra tables and columns (newer
// browser versions add them) never prevent a match.
func (s Schema) Missing(required map[string][]string) []string {
	var out []string
	for t, cols := range required {
		have, ok := s[strings.ToLower(t)]
		if !ok {
			out = append(out, t)
			continue
		}
		for _, c := range cols {
			if !have[strings.ToLower(c)] {
				out = append(out, t+"."+c)
			}
		}
	}
	sort.Strings(out)
	return out
}

// Has reports whether table exists and has every listed column.
func (s Schema) Has(table string, cols ...string) bool {
	return len(s.Missing(map[string][]string{table: cols})) == 0
}

// Row is one result row. Accessors take the column name as written in the
// query (or its alias) and never fail: a missing or NULL column gives the
// zero value and ok=false.
type Row struct {
	cols  map[string]int
	vals  []any
	InWAL bool // the row (or its values) exists only once the WAL is applied
}

func (r *Row) get(name string) (any, bool) {
	i, ok := r.cols[name]
	if !ok || r.vals[i] == nil {
		return nil, false
	}
	return r.vals[i], true
}

// Int returns an integer column. SQLite's dynamic typing means a column
// declared INTEGER may hold text; text holding a number is accepted.
func (r *Row) Int(name string) (int64, bool) {
	v, ok := r.get(name)
	if !ok {
		return 0, false
	}
	switch x := v.(type) {
	case int64:
		return x, true
	case float64:
		return int64(x), true
	case []byte:
		n, err := strconv.ParseInt(strings.TrimSpace(string(x)), 10, 64)
		return n, err == nil
	case string:
		n, err := strconv.ParseInt(strings.TrimSpace(x), 10, 64)
		return n, err == nil
	case bool:
		if x {
			return 1, true
		}
		return 0, true
	}
	return 0, false
}

// Str returns a column as text (integers are formatted).
func (r *Row) Str(name string) (string, bool) {
	v, ok := r.get(name)
	if !ok {
		return "", false
	}
	switch x := v.(type) {
	case string:
		return x, true
	case []byte:
		return string(x), true
	case int64:
		return strconv.FormatInt(x, 10), true
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64), true
	}
	return fmt.Sprint(v), true
}

// Float returns a numeric column as float64 (Firefox stores some
// "INTEGER" columns, such as moz_inputhistory.use_count, as reals).
func (r *Row) Float(name string) (float64, bool) {
	v, ok := r.get(name)
	if !ok {
		return 0, false
	}
	switch x := v.(type) {
	case float64:
		return x, true
	case int64:
		return float64(x), true
	}
	s, _ := r.Str(name)
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	return f, err == nil
}

// Bytes returns a column's raw bytes (BLOB or TEXT).
func (r *Row) Bytes(name string) ([]byte, bool) {
	v, ok := r.get(name)
	if !ok {
		return nil, false
	}
	switch x := v.(type) {
	case []byte:
		return x, true
	case string:
		return []byte(x), true
	}
	s, _ := r.Str(name)
	return []byte(s), true
}

// Query is one SQL statement and the function called for each row.
type Query struct {
	Name string // for warnings, e.g. "visits"
	SQL  string
	// Key names the column (usually the rowid alias) that identifies a row
	// across the database-alone and database-with-WAL runs. Empty: rows are
	// never marked InWAL.
	Key string
	// Each is called once per row. An error stops this query and becomes a
	// warning; other queries still run.
	Each func(ctx context.Context, r *Row) error
}

// Plugin is a set of queries valid for databases whose schema has every
// Required table and column.
type Plugin struct {
	Name     string
	Required map[string][]string
	Queries  []Query
	// After, if set, runs once the queries are done (to emit what needed
	// every row first, such as folder paths).
	After func(ctx context.Context) error
}

// Options bound the engine. Zero values mean the defaults.
type Options struct {
	MaxSize int64 // bytes of the main database
	MaxWAL  int64 // bytes of its WAL (default MaxSize)
	MaxRows int   // rows per query
}

// Files describes what was copied, for provenance.
type Files struct {
	WALPath   string // the -wal sibling's path as given by Input.Path's folder ("" when none was used)
	WALSize   int64
	WALSHA256 string
	SHMSeen   bool // a -shm sibling exists (not copied; see the package comment)
}

// Result is what Parse did.
type Result struct {
	Matched []string // names of the plugins whose schema matched, in order
	Files   Files
	Rows    map[string]int // rows delivered per "plugin/query"
}

// DB is an opened working copy of one database (and its WAL).
type DB struct {
	Files  Files
	Schema Schema
	opt    Options
	work   string
	full   *sql.DB // the database with its WAL applied: what the browser saw
	base   *sql.DB // the database alone; nil when the WAL holds no frames
	warn   func(string)
	// salvage: the copy was padded to its header's size (see padToHeader).
	salvage bool
}

// Open copies in (and its WAL) into a fresh folder under in.WorkDir, opens
// the copy and reads its schema. It returns artefacts.ErrWrongFormat when
// the input is not SQLite, ErrTooLarge over the size bound and ErrCorrupt
// when SQLite cannot read even the schema. warn receives problems that do
// not stop the work (a WAL over the limit, say). Close removes the copy.
func Open(ctx context.Context, in *artefacts.Input, opt Options, warn func(msg string)) (*DB, error) {
	if opt.MaxSize <= 0 {
		opt.MaxSize = DefaultMaxSize
	}
	if opt.MaxWAL <= 0 {
		opt.MaxWAL = opt.MaxSize
	}
	if opt.MaxRows <= 0 {
		opt.MaxRows = DefaultMaxRows
	}
	if !IsSQLite(in.Head) {
		return nil, artefacts.ErrWrongFormat
	}
	if in.Size > opt.MaxSize {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, in.Size, opt.MaxSize)
	}
	work, err := os.MkdirTemp(in.WorkDir, "sqlitedb-") // "" → the system temp folder (tests, tools)
	if err != nil {
		return nil, fmt.Errorf("sqlitedb: work folder: %w", err)
	}
	d := &DB{opt: opt, work: work, warn: warn}
	walData, files := readWAL(in, opt.MaxWAL, warn)
	d.Files = files
	d.full, d.Schema, err = openCopy(ctx, filepath.Join(work, "full"), in, walData, false, opt.MaxSize)
	if err != nil && errors.Is(err, ErrCorrupt) {
		// A truncated or damaged file: SQLite refuses the whole schema when
		// one table's root page is missing. Salvage mode reads what is left.
		first := err
		d.full, d.Schema, err = openCopy(ctx, filepath.Join(work, "salvage"), in, walData, true, opt.MaxSize)
		if err == nil {
			d.salvage = true
			warn(fmt.Sprintf("damaged database (%v): read in salvage mode, rows on missing or damaged pages are lost", first))
		} else {
			err = fmt.Errorf("%w (salvage mode: %v)", first, err)
		}
	}
	if err != nil {
		d.Close()
		return nil, err
	}
	// The database alone tells which rows the WAL adds or changes.
	if len(walData) > walHeaderLen {
		if d.base, _, err = openCopy(ctx, filepath.Join(work, "base"), in, nil, d.salvage, opt.MaxSize); err != nil {
			warn(fmt.Sprintf("database without its WAL: %v (rows are not told apart by origin)", err))
			d.base = nil
		}
	}
	return d, nil
}

// Close closes the copies and removes them.
func (d *DB) Close() error {
	if d.full != nil {
		d.full.Close()
	}
	if d.base != nil {
		d.base.Close()
	}
	return os.RemoveAll(d.work)
}

// Matches reports whether p's required schema is present.
func (d *DB) Matches(p Plugin) bool { return len(d.Schema.Missing(p.Required)) == 0 }

// Run runs every plugin whose Required schema is present, in order, and
// returns their names; artefacts.ErrWrongFormat when none matches. A query
// that fails (a corrupt page, a row limit) is a warning; the others run.
func (d *DB) Run(ctx context.Context, plugins ...Plugin) (Result, error) {
	res := Result{Rows: map[string]int{}, Files: d.Files}
	var matched []Plugin
	for _, p := range plugins {
		if d.Matches(p) {
			matched = append(matched, p)
			res.Matched = append(res.Matched, p.Name)
		}
	}
	if len(matched) == 0 {
		return res, artefacts.ErrWrongFormat
	}
	for _, p := range matched {
		for _, q := range p.Queries {
			if ctx.Err() != nil {
				return res, ctx.Err()
			}
			var before map[string]string
			if d.base != nil && q.Key != "" {
				var err error
				// The WAL-less view of a damaged file may fail where the
				// merged one works; rows are then just not told apart.
				if before, err = snapshot(ctx, d.base, q, d.opt.MaxRows); err != nil {
					before = nil
				}
			}
			n, err := runQuery(ctx, d.full, q, d.opt.MaxRows, before)
			res.Rows[p.Name+"/"+q.Name] = n
			if err != nil {
				if ctx.Err() != nil {
					return res, ctx.Err()
				}
				d.warn(fmt.Sprintf("%s query %q stopped after %d rows: %v", p.Name, q.Name, n, err))
			}
		}
		if p.After != nil {
			if err := p.After(ctx); err != nil {
				d.warn(fmt.Sprintf("%s: %v", p.Name, err))
			}
		}
	}
	return res, nil
}

// Parse is Open, Run and Close in one call.
func Parse(ctx context.Context, in *artefacts.Input, opt Options, warn func(msg string), plugins ...Plugin) (Result, error) {
	d, err := Open(ctx, in, opt, warn)
	if err != nil {
		return Result{Rows: map[string]int{}}, err
	}
	defer d.Close()
	return d.Run(ctx, plugins...)
}

// walHeaderLen: a WAL with only its 32-byte header holds no frames.
const walHeaderLen = 32

// readWAL returns the -wal sibling's bytes when there is one to apply.
// A deleted file's WAL is not used: the sibling now on disk may belong to a
// newer database of the same name.
func readWAL(in *artefacts.Input, limit int64, warn func(string)) ([]byte, Files) {
	var f Files
	if in.FS == nil || in.Deleted || in.Path == "" {
		return nil, f
	}
	p := strings.TrimPrefix(in.Path, "/")
	if _, err := fs.Stat(in.FS, p+"-shm"); err == nil {
		f.SHMSeen = true
	}
	st, err := fs.Stat(in.FS, p+"-wal")
	if err != nil || st.IsDir() {
		return nil, f
	}
	if st.Size() > limit {
		warn(fmt.Sprintf("%s-wal is %d bytes, over the %d copy limit: read without its WAL", path.Base(in.Path), st.Size(), limit))
		return nil, f
	}
	wf, err := in.FS.Open(p + "-wal")
	if err != nil {
		warn(fmt.Sprintf("%s-wal: %v: read without its WAL", path.Base(in.Path), err))
		return nil, f
	}
	defer wf.Close()
	data, err := io.ReadAll(io.LimitReader(wf, limit+1))
	if err != nil {
		warn(fmt.Sprintf("%s-wal: read: %v: read without its WAL", path.Base(in.Path), err))
		return nil, f
	}
	if int64(len(data)) > limit {
		warn(fmt.Sprintf("%s-wal grew over the copy limit while read: read without its WAL", path.Base(in.Path)))
		return nil, f
	}
	sum := sha256.Sum256(data)
	f.WALPath, f.WALSize, f.WALSHA256 = in.Path+"-wal", int64(len(data)), hex.EncodeToString(sum[:])
	return data, f
}

// materialise writes the database (and WAL, if any) into dir and opens it.
// openCopy materialises the copy, opens it and reads its schema. In salvage
// mode a truncated copy is first padded to the size its header states (see
// padToHeader); that changes only our copy.
func openCopy(ctx context.Context, dir string, in *artefacts.Input, wal []byte, salvage bool, limit int64) (*sql.DB, Schema, error) {
	db, err := materialise(ctx, dir, in, wal, salvage, limit)
	if err != nil {
		return nil, nil, err
	}
	s, err := readSchema(ctx, db)
	if err != nil {
		db.Close()
		return nil, nil, fmt.Errorf("%w: schema: %v", ErrCorrupt, err)
	}
	return db, s, nil
}

// padToHeader extends a truncated copy with zeroed pages up to the page
// count its header claims (at most limit bytes), so that SQLite can load
// the schema; tables whose pages were cut off then fail alone, as corrupt
// pages, instead of making the whole file unreadable.
func padToHeader(name string, size, limit int64) error {
	f, err := os.OpenFile(name, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	hdr := make([]byte, 100)
	if _, err := f.ReadAt(hdr, 0); err != nil {
		return fmt.Errorf("header: %w", err)
	}
	ps := int64(binary.BigEndian.Uint16(hdr[16:18]))
	if ps == 1 {
		ps = 65536
	}
	if ps < 512 || ps > 65536 || ps&(ps-1) != 0 {
		return fmt.Errorf("page size %d at offset 16 is not a power of two in 512..65536", ps)
	}
	want := int64(binary.BigEndian.Uint32(hdr[28:32])) * ps
	if want <= size {
		return nil
	}
	if want > limit {
		return fmt.Errorf("header at offset 28 claims %d bytes, over the %d limit", want, limit)
	}
	return f.Truncate(want)
}

func materialise(ctx context.Context, dir string, in *artefacts.Input, wal []byte, salvage bool, limit int64) (*sql.DB, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("sqlitedb: work folder: %w", err)
	}
	name := filepath.Join(dir, "db.sqlite")
	f, err := os.OpenFile(name, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, fmt.Errorf("sqlitedb: copy: %w", err)
	}
	n, err := io.Copy(f, io.NewSectionReader(in.Reader, 0, in.Size))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("sqlitedb: copy stopped at offset %d: %w", n, err)
	}
	if salvage {
		if err := padToHeader(name, in.Size, limit); err != nil {
			return nil, fmt.Errorf("%w: salvage: %v", ErrCorrupt, err)
		}
	}
	if wal != nil {
		if err := os.WriteFile(name+"-wal", wal, 0o600); err != nil {
			return nil, fmt.Errorf("sqlitedb: copy WAL: %w", err)
		}
	}
	// Our copy, so read-write is allowed (SQLite needs it to apply the WAL
	// and build a fresh -shm); query_only still refuses any statement that
	// would change data, as a second guard against a plugin's mistake.
	// The path is escaped as a URI path: a work folder may hold spaces,
	// '?' or '#', which SQLite's URI parser would otherwise misread.
	dsn := "file:" + (&url.URL{Path: filepath.ToSlash(name)}).EscapedPath() + "?mode=rw&_query_only=true"
	db, err := sql.Open("sqlite3", dsn)
	if err != nil {
		return nil, fmt.Errorf("sqlitedb: open copy: %w", err)
	}
	db.SetMaxOpenConns(1)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	return db, nil
}

// readSchema lists every table's columns through PRAGMA table_info, which
// reflects the CREATE statements however they were written.
func readSchema(ctx context.Context, db *sql.DB) (Schema, error) {
	rows, err := db.QueryContext(ctx, "SELECT name FROM sqlite_master WHERE type = 'table'")
	if err != nil {
		return nil, err
	}
	var tables []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return nil, err
		}
		tables = append(tables, n)
	}
	if err := rows.Err(); err != nil {
		rows.Close()
		return nil, err
	}
	rows.Close()
	s := Schema{}
	for _, t := range tables {
		cols := map[string]bool{}
		r, err := db.QueryContext(ctx, "SELECT name FROM pragma_table_info(?)", t)
		if err != nil {
			return nil, err
		}
		for r.Next() {
			var c string
			if err := r.Scan(&c); err == nil {
				cols[strings.ToLower(c)] = true
			}
		}
		err = r.Err()
		r.Close()
		if err != nil {
			return nil, err
		}
		s[strings.ToLower(t)] = cols
	}
	return s, nil
}

// scanRows runs q and calls fn with each row, at most max rows.
func scanRows(ctx context.Context, db *sql.DB, q Query, max int, fn func(*Row) error) (int, error) {
	rows, err := db.QueryContext(ctx, q.SQL)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	names, err := rows.Columns()
	if err != nil {
		return 0, err
	}
	cols := make(map[string]int, len(names))
	for i, n := range names {
		cols[n] = i
	}
	n := 0
	for rows.Next() {
		if n >= max {
			return n, fmt.Errorf("more than %d rows: the rest was not read", max)
		}
		vals := make([]any, len(names))
		ptrs := make([]any, len(names))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return n, err
		}
		n++
		if err := fn(&Row{cols: cols, vals: vals}); err != nil {
			return n, err
		}
	}
	return n, rows.Err()
}

// fingerprint is a row's values as one comparable string.
func fingerprint(r *Row) string {
	h := sha256.New()
	for _, v := range r.vals {
		fmt.Fprintf(h, "%T:%v\x00", v, v)
	}
	return string(h.Sum(nil))
}

// snapshot remembers each row of q in the database without its WAL.
func snapshot(ctx context.Context, db *sql.DB, q Query, max int) (map[string]string, error) {
	out := map[string]string{}
	_, err := scanRows(ctx, db, q, max, func(r *Row) error {
		k, _ := r.Str(q.Key)
		out[k] = fingerprint(r)
		return nil
	})
	return out, err
}

func runQuery(ctx context.Context, db *sql.DB, q Query, max int, before map[string]string) (int, error) {
	return scanRows(ctx, db, q, max, func(r *Row) error {
		if before != nil {
			k, _ := r.Str(q.Key)
			old, ok := before[k]
			r.InWAL = !ok || old != fingerprint(r)
		}
		return q.Each(ctx, r)
	})
}
