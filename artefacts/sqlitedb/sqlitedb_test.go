package sqlitedb

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/loupe-forensics/loupe/artefacts"
	"github.com/loupe-forensics/loupe/forensic/source"
)

// The databases here are written by SQLite itself (through the same
// driver), the way a browser leaves them: a WAL journal whose newest frames
// were never checkpointed, copied while the writer still had it open.

func exec(t testing.TB, db *sql.DB, stmts ...string) {
	t.Helper()
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

// makeWALDB leaves dir/evidence/sub/h.db and h.db-wal: rows 1-3 are in the
// main file, the WAL adds rows 4 and 5 and changes row 2.
func makeWALDB(t testing.TB) (root string) {
	root = t.TempDir()
	live := filepath.Join(root, "live")
	os.MkdirAll(live, 0o755)
	db, err := sql.Open("sqlite3", "file:"+filepath.Join(live, "h.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	exec(t, db, "PRAGMA journal_mode=WAL", "PRAGMA wal_autocheckpoint=0",
		"CREATE TABLE items (id INTEGER PRIMARY KEY, url TEXT, title TEXT, extra INTEGER)",
		"CREATE TABLE other (k TEXT)",
		"INSERT INTO items VALUES (1,'http://a/','A',0),(2,'http://b/','B',0),(3,'http://c/','C',0)",
		"PRAGMA wal_checkpoint(TRUNCATE)",
		"INSERT INTO items VALUES (4,'http://d/','D',0),(5,'http://e/','E',0)",
		"UPDATE items SET title='B2' WHERE id=2")
	ev := filepath.Join(root, "evidence", "sub")
	os.MkdirAll(ev, 0o755)
	for _, n := range []string{"h.db", "h.db-wal"} {
		b, err := os.ReadFile(filepath.Join(live, n))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(ev, n), b, 0o444)
	}
	return root
}

func input(t testing.TB, root, rel string, data []byte) *artefacts.Input {
	if data == nil {
		var err error
		if data, err = os.ReadFile(filepath.Join(root, "evidence", rel)); err != nil {
			t.Fatal(err)
		}
	}
	return &artefacts.Input{Ref: source.Folder("ev").Entry("/"+rel, ""), Path: "/" + rel, Size: int64(len(data)),
		Head: data[:min(len(data), artefacts.HeadSize)], Reader: bytes.NewReader(data),
		FS: os.DirFS(filepath.Join(root, "evidence")), WorkDir: t.TempDir()}
}

type got struct {
	id    int64
	title string
	wal   bool
}

func itemsPlugin(out *[]got) Plugin {
	return Plugin{Name: "items", Required: map[string][]string{"items": {"id", "URL", "title"}},
		Queries: []Query{{Name: "all", Key: "id", SQL: "SELECT id, title FROM items ORDER BY id",
			Each: func(_ context.Context, r *Row) error {
				id, _ := r.Int("id")
				ti, _ := r.Str("title")
				*out = append(*out, got{id, ti, r.InWAL})
				return nil
			}}}}
}

func TestWALAppliedAndRowsToldApart(t *testing.T) {
	root := makeWALDB(t)
	sum := func() [2][32]byte {
		var s [2][32]byte
		for i, n := range []string{"h.db", "h.db-wal"} {
			b, _ := os.ReadFile(filepath.Join(root, "evidence", "sub", n))
			s[i] = sha256.Sum256(b)
		}
		return s
	}
	before := sum()
	var rows []got
	var warns []string
	in := input(t, root, "sub/h.db", nil)
	res, err := Parse(context.Background(), in, Options{}, func(m string) { warns = append(warns, m) }, itemsPlugin(&rows))
	if err != nil || len(warns) != 0 {
		t.Fatalf("Parse: %v %v", err, warns)
	}
	want := []got{{1, "A", false}, {2, "B2", true}, {3, "C", false}, {4, "D", true}, {5, "E", true}}
	if len(rows) != len(want) {
		t.Fatalf("rows %+v", rows)
	}
	for i := range want {
		if rows[i] != want[i] {
			t.Errorf("row %d = %+v, want %+v", i, rows[i], want[i])
		}
	}
	if res.Files.WALPath != "/sub/h.db-wal" || res.Files.WALSize == 0 || len(res.Files.WALSHA256) != 64 || res.Files.SHMSeen {
		t.Errorf("files %+v", res.Files)
	}
	if strings.Join(res.Matched, ",") != "items" || res.Rows["items/all"] != 5 {
		t.Errorf("result %+v", res)
	}
	// Evidence untouched, nothing written beside it, work folder cleaned.
	if sum() != before {
		t.Error("evidence changed")
	}
	ents, _ := os.ReadDir(filepath.Join(root, "evidence", "sub"))
	if len(ents) != 2 {
		t.Errorf("evidence folder now holds %d entries", len(ents))
	}
	if left, _ := os.ReadDir(in.WorkDir); len(left) != 0 {
		t.Errorf("work folder not cleaned: %v", left)
	}

	// Without the file system (a carved copy): the main file's state only.
	rows = nil
	in.FS = nil
	if _, err := Parse(context.Background(), in, Options{}, func(m string) { t.Error(m) }, itemsPlugin(&rows)); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 || rows[1].title != "B" || rows[1].wal {
		t.Errorf("without WAL: %+v", rows)
	}
}

func TestSchemaMatching(t *testing.T) {
	root := makeWALDB(t)
	in := input(t, root, "sub/h.db", nil)
	none := func(string) {}
	missingCol := Plugin{Name: "x", Required: map[string][]string{"items": {"id", "visit_date"}}}
	missingTab := Plugin{Name: "y", Required: map[string][]string{"moz_places": {"id"}}}
	if _, err := Parse(context.Background(), in, Options{}, none, missingCol, missingTab); !errors.Is(err, artefacts.ErrWrongFormat) {
		t.Errorf("no plugin matches: err %v", err)
	}
	var rows []got
	res, err := Parse(context.Background(), in, Options{}, none, missingCol, itemsPlugin(&rows), missingTab)
	if err != nil || strings.Join(res.Matched, ",") != "items" || len(rows) != 5 {
		t.Errorf("one of three matches: %v %+v %d", err, res, len(rows))
	}
	s := Schema{"items": {"id": true, "url": true}}
	m := s.Missing(map[string][]string{"items": {"id", "title"}, "moz_x": nil})
	sort.Strings(m)
	if strings.Join(m, ",") != "items.title,moz_x" {
		t.Errorf("Missing = %v", m)
	}
	if _, err := Parse(context.Background(), input(t, root, "x", []byte("not a database at all")), Options{}, none, itemsPlugin(&rows)); !errors.Is(err, artefacts.ErrWrongFormat) {
		t.Errorf("non-SQLite: %v", err)
	}
}

func TestHostileDatabases(t *testing.T) {
	root := makeWALDB(t)
	b, _ := os.ReadFile(filepath.Join(root, "evidence", "sub", "h.db"))
	var rows []got
	// Over the size limit: refused before any copy.
	if _, err := Parse(context.Background(), input(t, root, "sub/h.db", nil), Options{MaxSize: 100}, func(string) {}, itemsPlugin(&rows)); !errors.Is(err, ErrTooLarge) {
		t.Errorf("size limit: %v", err)
	}
	// Truncated after the first page (schema page only, table pages gone):
	// an error or warnings, never a panic, never rows invented.
	for _, cut := range []int{100, 4096, len(b) - 1} {
		var warns []string
		rows = nil
		in := input(t, root, "sub/cut.db", b[:cut])
		_, err := Parse(context.Background(), in, Options{}, func(m string) { warns = append(warns, m) }, itemsPlugin(&rows))
		if err == nil && len(warns) == 0 && len(rows) != 3 {
			t.Errorf("cut at %d: no error, no warning, %d rows", cut, len(rows))
		}
		if len(rows) > 3 {
			t.Errorf("cut at %d: %d rows", cut, len(rows))
		}
	}
	// A row limit stops the query with a warning.
	var warns []string
	rows = nil
	if _, err := Parse(context.Background(), input(t, root, "sub/h.db", nil), Options{MaxRows: 2}, func(m string) { warns = append(warns, m) }, itemsPlugin(&rows)); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || len(warns) != 1 || !strings.Contains(warns[0], "more than 2 rows") {
		t.Errorf("row limit: %d rows, %v", len(rows), warns)
	}
	// A WAL over the limit: read without it, with a warning.
	warns, rows = nil, nil
	if _, err := Parse(context.Background(), input(t, root, "sub/h.db", nil), Options{MaxWAL: 1000}, func(m string) { warns = append(warns, m) }, itemsPlugin(&rows)); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 || len(warns) != 1 || !strings.Contains(warns[0], "without its WAL") {
		t.Errorf("WAL limit: %d rows, %v", len(rows), warns)
	}
}

func FuzzParse(f *testing.F) {
	root := makeWALDB(f)
	b, _ := os.ReadFile(filepath.Join(root, "evidence", "sub", "h.db"))
	f.Add(b)
	f.Fuzz(func(t *testing.T, data []byte) {
		var rows []got
		in := &artefacts.Input{Ref: source.Folder("f").Entry("/x", ""), Path: "/x", Size: int64(len(data)),
			Head: data[:min(len(data), artefacts.HeadSize)], Reader: bytes.NewReader(data), WorkDir: t.TempDir()}
		_, _ = Parse(context.Background(), in, Options{MaxRows: 1000}, func(string) {}, itemsPlugin(&rows))
		if len(rows) > 1000 {
			t.Fatalf("%d rows past the limit", len(rows))
		}
	})
}
