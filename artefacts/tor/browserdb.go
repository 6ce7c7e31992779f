package tor

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/loupe-forensics/loupe/artefacts"
	"github.com/loupe-forensics/loupe/artefacts/sqlitedb"
	"github.com/loupe-forensics/loupe/forensic/finding"
	"github.com/loupe-forensics/loupe/forensic/source"
)

// BrowserDB reads the SQLite databases of a Firefox-family profile:
// places.sqlite (places, visits, bookmarks and folders, downloads, input
// history), favicons.sqlite, cookies.sqlite, formhistory.sqlite and the
// LocalStorage databases under storage/default/<origin>/ls/. Each is
// recognised by its schema through artefacts/sqlitedb, so a renamed or
// carved copy is read too; one parser runs all plugins so every database is
// copied once. Artefacts are "tor.*" when the profile around the file is
// Tor Browser's and "firefox.*" otherwise (see classify), with the reason in
// browser_evidence.
type BrowserDB struct{}

// NewBrowserDB returns the parser.
func NewBrowserDB() *BrowserDB { return &BrowserDB{} }

func (*BrowserDB) Name() string    { return "tor/browser-sqlite" }
func (*BrowserDB) Version() string { return "1" }

func (*BrowserDB) Match(in *artefacts.Input) bool { return sqlitedb.IsSQLite(in.Head) }

// visitTypes are nsINavHistoryService's TRANSITION_* values.
var visitTypes = map[int64]string{1: "LINK", 2: "TYPED", 3: "BOOKMARK", 4: "EMBED", 5: "REDIRECT_PERMANENT",
	6: "REDIRECT_TEMPORARY", 7: "DOWNLOAD", 8: "FRAMED_LINK", 9: "RELOAD"}

// dbRun carries what every row's artefact needs.
type dbRun struct {
	emitter
	db      *sqlitedb.DB
	prof    profile
	walRef  *source.Ref
	walSHA  string
	base    []finding.Attr
	folders map[int64]folder
}

type folder struct {
	parent             int64
	title              string
	added, modified    int64
	inWAL, hasModified bool
}

// rowSource is the provenance of one row: the main file, or the -wal file
// when the row exists (or differs) only once the WAL is applied.
func (r *dbRun) rowSource(row *sqlitedb.Row, table, id string) (*source.Ref, string, []finding.Attr) {
	if row.InWAL && r.walRef != nil {
		return r.walRef.Row(table, id), r.walSHA, []finding.Attr{finding.B("from_wal", true)}
	}
	return r.in.Ref.Row(table, id), r.in.SHA256, nil
}

func (r *dbRun) emitRow(kind string, row *sqlitedb.Row, table, id string, attrs []finding.Attr) {
	src, sha, extra := r.rowSource(row, table, id)
	attrs = append(attrs, extra...)
	attrs = append(attrs, r.base...)
	r.emit(r.prof.family()+"."+kind, finding.Data, src, sha, attrs)
}

func str(row *sqlitedb.Row, col string) string { s, _ := row.Str(col); return s }
func num(row *sqlitedb.Row, col string) int64  { n, _ := row.Int(col); return n }

func timeAttr(name string, t time.Time, ok bool) []finding.Attr {
	if !ok {
		return nil
	}
	return []finding.Attr{finding.T(name, t)}
}

func (p *BrowserDB) Parse(ctx context.Context, in *artefacts.Input, out finding.Sink) error {
	r := &dbRun{emitter: emitter{ctx: ctx, in: in, out: out, parser: p}, folders: map[int64]folder{}}
	db, err := sqlitedb.Open(ctx, in, sqlitedb.Options{}, func(m string) { r.warn(nil, m) })
	if err != nil {
		if errors.Is(err, artefacts.ErrWrongFormat) {
			return err
		}
		// The header said SQLite: a file SQLite cannot read is worth a warning.
		return fmt.Errorf("SQLite database: %w", err)
	}
	defer db.Close()
	r.db = db
	if db.Files.WALPath != "" {
		r.walRef, r.walSHA = siblingRef(in, db.Files.WALPath), db.Files.WALSHA256
	}
	// Decide the browser only for databases we read: classify reads siblings.
	plugins := r.plugins()
	matched := false
	for _, pl := range plugins {
		if db.Matches(pl) {
			matched = true
			break
		}
	}
	if !matched {
		return artefacts.ErrWrongFormat
	}
	if in.FS != nil && in.Path != "" {
		r.prof = classify(in.FS, profileDirOf(fsPath(in)))
	}
	r.base = r.prof.attrs()
	_, err = db.Run(ctx, plugins...)
	return err
}

func (r *dbRun) plugins() []sqlitedb.Plugin {
	return []sqlitedb.Plugin{
		{Name: "places", Required: map[string][]string{"moz_places": {"id", "url", "title", "visit_count", "hidden", "typed", "last_visit_date"}},
			Queries: []sqlitedb.Query{{Name: "places", Key: "id", Each: r.place,
				SQL: "SELECT id, url, title, visit_count, hidden, typed, last_visit_date FROM moz_places ORDER BY id"}}},
		{Name: "visits", Required: map[string][]string{"moz_places": {"id", "url", "title"},
			"moz_historyvisits": {"id", "from_visit", "place_id", "visit_date", "visit_type"}},
			Queries: []sqlitedb.Query{{Name: "visits", Key: "id", Each: r.visit,
				SQL: "SELECT v.id, v.from_visit, v.place_id, v.visit_date, v.visit_type, p.url, p.title FROM moz_historyvisits v LEFT JOIN moz_places p ON p.id = v.place_id ORDER BY v.id"}}},
		{Name: "bookmarks", Required: map[string][]string{"moz_places": {"id", "url"},
			"moz_bookmarks": {"id", "type", "fk", "parent", "title", "dateAdded", "lastModified"}},
			Queries: []sqlitedb.Query{
				{Name: "folders", Key: "id", Each: r.folder,
					SQL: "SELECT id, parent, title, dateAdded, lastModified FROM moz_bookmarks WHERE type = 2 ORDER BY id"},
				{Name: "bookmarks", Key: "id", Each: r.bookmark,
					SQL: "SELECT b.id, b.fk, b.parent, b.title, b.dateAdded, b.lastModified, p.url FROM moz_bookmarks b LEFT JOIN moz_places p ON p.id = b.fk WHERE b.type = 1 ORDER BY b.id"}},
			After: r.emitFolders},
		// Downloads are page annotations. The attribute ids differ between
		// profiles (Autopsy's hard-coded 3 is wrong for many), so they are
		// looked up by name.
		{Name: "downloads", Required: map[string][]string{"moz_places": {"id", "url"},
			"moz_annos": {"id", "place_id", "anno_attribute_id", "content", "dateAdded"}, "moz_anno_attributes": {"id", "name"}},
			Queries: []sqlitedb.Query{{Name: "downloads", Key: "id", Each: r.download,
				SQL: `SELECT a.id, a.place_id, a.content AS dest, a.dateAdded, p.url,
  (SELECT m.content FROM moz_annos m JOIN moz_anno_attributes mn ON mn.id = m.anno_attribute_id
   WHERE mn.name = 'downloads/metaData' AND m.place_id = a.place_id LIMIT 1) AS meta
FROM moz_annos a JOIN moz_anno_attributes n ON n.id = a.anno_attribute_id
LEFT JOIN moz_places p ON p.id = a.place_id
WHERE n.name = 'downloads/destinationFileURI' ORDER BY a.id`}}},
		{Name: "input-history", Required: map[string][]string{"moz_places": {"id", "url"}, "moz_inputhistory": {"place_id", "input", "use_count"}},
			Queries: []sqlitedb.Query{{Name: "input", Key: "rid", Each: r.input,
				SQL: "SELECT i.rowid AS rid, i.place_id, i.input, i.use_count, p.url FROM moz_inputhistory i LEFT JOIN moz_places p ON p.id = i.place_id ORDER BY i.rowid"}}},
		{Name: "favicons", Required: map[string][]string{"moz_icons": {"id", "icon_url", "width", "expire_ms", "data"},
			"moz_pages_w_icons": {"id", "page_url"}, "moz_icons_to_pages": {"page_id", "icon_id"}},
			Queries: []sqlitedb.Query{{Name: "favicons", Key: "k", Each: r.favicon,
				SQL: "SELECT t.page_id || ',' || t.icon_id AS k, p.page_url, i.icon_url, i.width, i.expire_ms, i.data FROM moz_icons_to_pages t JOIN moz_pages_w_icons p ON p.id = t.page_id JOIN moz_icons i ON i.id = t.icon_id ORDER BY t.page_id, t.icon_id"}}},
		{Name: "cookies", Required: map[string][]string{"moz_cookies": {"id", "name", "value", "host", "path", "expiry", "lastAccessed", "creationTime", "isSecure", "isHttpOnly"}},
			Queries: []sqlitedb.Query{{Name: "cookies", Key: "id", Each: r.cookie,
				SQL: "SELECT id, name, value, host, path, expiry, lastAccessed, creationTime, isSecure, isHttpOnly FROM moz_cookies ORDER BY id"}}},
		{Name: "formhistory", Required: map[string][]string{"moz_formhistory": {"id", "fieldname", "value", "timesUsed", "firstUsed", "lastUsed"}},
			Queries: []sqlitedb.Query{{Name: "formhistory", Key: "id", Each: r.form,
				SQL: "SELECT id, fieldname, value, timesUsed, firstUsed, lastUsed FROM moz_formhistory ORDER BY id"}}},
		// LocalStorage (LSNG): one database per origin folder, named as
		// QuotaManager names origins ("http+++host+port"), so onion sites
		// visited show up by folder name even with history off.
		{Name: "localstorage", Required: map[string][]string{"data": {"key", "value"}, "database": {"origin"}},
			Queries: []sqlitedb.Query{{Name: "origin", Each: r.storage,
				SQL: "SELECT (SELECT origin FROM database LIMIT 1) AS origin, (SELECT count(*) FROM data) AS n, (SELECT group_concat(key, ' ') FROM (SELECT key FROM data ORDER BY key LIMIT 50)) AS keys"}}},
	}
}

func (r *dbRun) place(_ context.Context, row *sqlitedb.Row) error {
	id := str(row, "id")
	u := str(row, "url")
	attrs := []finding.Attr{finding.S("url", u), finding.S("title", str(row, "title")), finding.I("visit_count", num(row, "visit_count")),
		finding.B("typed", num(row, "typed") != 0), finding.B("hidden", num(row, "hidden") != 0)}
	t, ok := prTime(num(row, "last_visit_date"))
	attrs = append(attrs, timeAttr("last_visit", t, ok)...)
	attrs = append(attrs, onionAttrs(u)...)
	r.emitRow("place", row, "moz_places", id, attrs)
	return nil
}

func (r *dbRun) visit(_ context.Context, row *sqlitedb.Row) error {
	vt := num(row, "visit_type")
	name, ok := visitTypes[vt]
	if !ok {
		name = "UNKNOWN"
	}
	u := str(row, "url")
	attrs := []finding.Attr{finding.S("url", u), finding.S("title", str(row, "title"))}
	t, tok := prTime(num(row, "visit_date"))
	attrs = append(attrs, timeAttr("visit_time", t, tok)...)
	attrs = append(attrs, finding.I("visit_type", vt), finding.S("visit_type_name", name),
		finding.I("from_visit", num(row, "from_visit")), finding.I("place_id", num(row, "place_id")))
	attrs = append(attrs, onionAttrs(u)...)
	r.emitRow("visit", row, "moz_historyvisits", str(row, "id"), attrs)
	return nil
}

func (r *dbRun) folder(_ context.Context, row *sqlitedb.Row) error {
	id := num(row, "id")
	f := folder{parent: num(row, "parent"), title: str(row, "title"), added: num(row, "dateAdded"), inWAL: row.InWAL}
	f.modified, f.hasModified = row.Int("lastModified")
	r.folders[id] = f
	return nil
}

// folderPath is the folder's titles from below the root, e.g. "menu/Dark".
// Parent links come from evidence, so loops and depth are bounded.
func (r *dbRun) folderPath(id int64) string {
	var parts []string
	seen := map[int64]bool{}
	for depth := 0; depth < 64; depth++ {
		f, ok := r.folders[id]
		if !ok || f.parent == 0 || seen[id] {
			break // the root (parent 0) has no title in the path
		}
		seen[id] = true
		parts = append(parts, f.title)
		id = f.parent
	}
	for i, j := 0, len(parts)-1; i < j; i, j = i+1, j-1 {
		parts[i], parts[j] = parts[j], parts[i]
	}
	return strings.Join(parts, "/")
}

// emitFolders reports user folders; the root and its built-in children
// (menu, toolbar, tags, unfiled, mobile) are structure, not user data.
func (r *dbRun) emitFolders(context.Context) error {
	ids := make([]int64, 0, len(r.folders))
	for id, f := range r.folders {
		if f.parent == 0 {
			continue
		}
		if p, ok := r.folders[f.parent]; ok && p.parent == 0 {
			continue
		}
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	for _, id := range ids {
		f := r.folders[id]
		attrs := []finding.Attr{finding.S("title", f.title), finding.S("path", r.folderPath(id))}
		t, ok := prTime(f.added)
		attrs = append(attrs, timeAttr("date_added", t, ok)...)
		t, ok = prTime(f.modified)
		attrs = append(attrs, timeAttr("last_modified", t, ok && f.hasModified)...)
		row := &sqlitedb.Row{InWAL: f.inWAL}
		r.emitRow("bookmark_folder", row, "moz_bookmarks", strconv.FormatInt(id, 10), attrs)
	}
	return nil
}

func (r *dbRun) bookmark(_ context.Context, row *sqlitedb.Row) error {
	u := str(row, "url")
	attrs := []finding.Attr{finding.S("title", str(row, "title")), finding.S("url", u), finding.S("folder", r.folderPath(num(row, "parent")))}
	t, ok := prTime(num(row, "dateAdded"))
	attrs = append(attrs, timeAttr("date_added", t, ok)...)
	t, ok = prTime(num(row, "lastModified"))
	attrs = append(attrs, timeAttr("last_modified", t, ok)...)
	attrs = append(attrs, onionAttrs(u)...)
	r.emitRow("bookmark", row, "moz_bookmarks", str(row, "id"), attrs)
	return nil
}

// downloadMeta is the JSON of the downloads/metaData annotation.
type downloadMeta struct {
	State    *int64 `json:"state"`
	EndTime  *int64 `json:"endTime"`
	FileSize *int64 `json:"fileSize"`
	Deleted  *bool  `json:"deleted"`
}

// downloadStates are nsIDownloadManager's DOWNLOAD_* values.
var downloadStates = map[int64]string{0: "downloading", 1: "finished", 2: "failed", 3: "cancelled", 4: "paused", 8: "blocked_parental", 9: "blocked_policy", 10: "dirty"}

func (r *dbRun) download(_ context.Context, row *sqlitedb.Row) error {
	u, dest := str(row, "url"), str(row, "dest")
	attrs := []finding.Attr{finding.S("url", u), finding.S("destination", dest)}
	if du, err := url.Parse(dest); err == nil && du.Scheme == "file" {
		attrs = append(attrs, finding.S("destination_path", du.Path))
	}
	t, ok := prTime(num(row, "dateAdded"))
	attrs = append(attrs, timeAttr("date_added", t, ok)...)
	if meta, ok := row.Str("meta"); ok {
		var m downloadMeta
		if len(meta) > 1<<16 || json.Unmarshal([]byte(meta), &m) != nil {
			r.warn(r.in.Ref.Row("moz_annos", str(row, "id")), "downloads/metaData annotation is not JSON")
		} else {
			if m.State != nil {
				attrs = append(attrs, finding.I("state", *m.State), finding.S("state_name", downloadStates[*m.State]))
			}
			if m.EndTime != nil && *m.EndTime > 0 {
				attrs = append(attrs, finding.T("end_time", time.UnixMilli(*m.EndTime)))
			}
			if m.FileSize != nil {
				attrs = append(attrs, finding.I("file_size", *m.FileSize))
			}
			if m.Deleted != nil {
				attrs = append(attrs, finding.B("file_deleted", *m.Deleted))
			}
		}
	}
	attrs = append(attrs, onionAttrs(u)...)
	r.emitRow("download", row, "moz_annos", str(row, "id"), attrs)
	return nil
}

func (r *dbRun) input(_ context.Context, row *sqlitedb.Row) error {
	u := str(row, "url")
	uc, _ := row.Float("use_count")
	attrs := []finding.Attr{finding.S("input", str(row, "input")), finding.S("url", u),
		finding.S("use_count", strconv.FormatFloat(uc, 'g', -1, 64)), finding.I("place_id", num(row, "place_id"))}
	attrs = append(attrs, onionAttrs(u)...)
	r.emitRow("input_history", row, "moz_inputhistory", str(row, "rid"), attrs)
	return nil
}

func (r *dbRun) favicon(_ context.Context, row *sqlitedb.Row) error {
	page := str(row, "page_url")
	attrs := []finding.Attr{finding.S("page_url", page), finding.S("icon_url", str(row, "icon_url")), finding.I("width", num(row, "width"))}
	if ms := num(row, "expire_ms"); ms > 0 {
		attrs = append(attrs, finding.T("expires", time.UnixMilli(ms)))
	}
	if data, ok := row.Bytes("data"); ok {
		sum := sha256.Sum256(data)
		attrs = append(attrs, finding.I("data_size", int64(len(data))), finding.S("data_sha256", hex.EncodeToString(sum[:])))
	}
	attrs = append(attrs, onionAttrs(page)...)
	r.emitRow("favicon", row, "moz_icons_to_pages", str(row, "k"), attrs)
	return nil
}

// cookieExpiry: moz_cookies.expiry is in seconds; later Firefox versions
// write milliseconds. Seconds past year 5000 are read as milliseconds.
func cookieExpiry(v int64) time.Time {
	if v > 95617584000 {
		return time.UnixMilli(v).UTC()
	}
	return time.Unix(v, 0).UTC()
}

func (r *dbRun) cookie(_ context.Context, row *sqlitedb.Row) error {
	host := str(row, "host")
	attrs := []finding.Attr{finding.S("host", host), finding.S("name", str(row, "name")), finding.S("value", str(row, "value")),
		finding.S("path", str(row, "path"))}
	if e, ok := row.Int("expiry"); ok && e > 0 {
		attrs = append(attrs, finding.T("expiry", cookieExpiry(e)))
	}
	t, ok := prTime(num(row, "lastAccessed"))
	attrs = append(attrs, timeAttr("last_accessed", t, ok)...)
	t, ok = prTime(num(row, "creationTime"))
	attrs = append(attrs, timeAttr("created", t, ok)...)
	attrs = append(attrs, finding.B("secure", num(row, "isSecure") != 0), finding.B("http_only", num(row, "isHttpOnly") != 0))
	attrs = append(attrs, onionAttrs(host)...)
	r.emitRow("cookie", row, "moz_cookies", str(row, "id"), attrs)
	return nil
}

func (r *dbRun) form(_ context.Context, row *sqlitedb.Row) error {
	attrs := []finding.Attr{finding.S("field", str(row, "fieldname")), finding.S("value", str(row, "value")),
		finding.I("times_used", num(row, "timesUsed"))}
	t, ok := prTime(num(row, "firstUsed"))
	attrs = append(attrs, timeAttr("first_used", t, ok)...)
	t, ok = prTime(num(row, "lastUsed"))
	attrs = append(attrs, timeAttr("last_used", t, ok)...)
	r.emitRow("form_history", row, "moz_formhistory", str(row, "id"), attrs)
	return nil
}

// originFromFolder decodes a QuotaManager origin folder name:
// "http+++host" → "http://host", "+port" suffix → ":port",
// "moz-extension+++uuid^userContextId=…" keeps its attribute suffix.
func originFromFolder(name string) (string, bool) {
	scheme, rest, ok := strings.Cut(name, "+++")
	if !ok || scheme == "" || rest == "" {
		return "", false
	}
	suffix := ""
	if i := strings.IndexByte(rest, '^'); i >= 0 {
		rest, suffix = rest[:i], rest[i:]
	}
	if i := strings.LastIndexByte(rest, '+'); i >= 0 {
		if _, err := strconv.Atoi(rest[i+1:]); err == nil {
			rest = rest[:i] + ":" + rest[i+1:]
		}
	}
	return scheme + "://" + rest + suffix, true
}

// storageFolder returns the origin folder of a file under
// storage/default/<origin>/…, or "".
func storageFolder(p string) string {
	parts := strings.Split(p, "/")
	for i := 0; i+2 < len(parts); i++ {
		if parts[i] == "storage" && (parts[i+1] == "default" || parts[i+1] == "permanent" || parts[i+1] == "temporary") {
			return parts[i+2]
		}
	}
	return ""
}

// profileDirOf is the profile folder of a file in it: its folder, or the
// folder holding storage/ for files under storage/<type>/<origin>/.
func profileDirOf(p string) string {
	parts := strings.Split(p, "/")
	for i := len(parts) - 3; i >= 0; i-- {
		if parts[i] == "storage" && (parts[i+1] == "default" || parts[i+1] == "permanent" || parts[i+1] == "temporary") {
			return strings.Join(parts[:i], "/")
		}
	}
	return path.Dir(p)
}

func (r *dbRun) storage(_ context.Context, row *sqlitedb.Row) error {
	folder := storageFolder(fsPath(r.in))
	attrs := []finding.Attr{finding.S("folder", folder)}
	origin, ok := originFromFolder(folder)
	if ok {
		attrs = append(attrs, finding.S("origin", origin))
	}
	attrs = append(attrs, finding.S("recorded_origin", str(row, "origin")), finding.I("keys", num(row, "n")),
		finding.S("key_names", str(row, "keys")))
	if ok {
		attrs = append(attrs, onionAttrs(origin)...)
	}
	r.emitRow("storage_origin", row, "database", "1", attrs)
	return nil
}
