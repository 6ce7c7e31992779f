// Package record is Loupe's examination record: one SQLite file per exhibit
// examination holding the case and exhibit details, the examiner, evidence
// sources with their hashes, volumes, parser runs, artefacts and warnings
// with provenance, notes and disclosure tags, all bound by an append-only,
// hash-chained audit log whose checkpoints are signed with the examiner's
// Ed25519 key.
//
// # Rows
//
// Every content table has the columns (id, content, row_hash). content is
// the row as JSON, written once and never updated; the columns used for
// queries (kind, run_id, …) are SQLite generated columns computed from it,
// so no queryable value can be changed without changing content. Then
//
//	row_hash = hex(SHA-256(table "\n" id "\n" content))
//
// # The audit chain (re-implementable by a third party)
//
// Table audit holds entries (seq, time, actor, action, corrects, params,
// prev_hash, hash). seq starts at 1 and rises by exactly 1; time is UTC RFC
// 3339 with nanoseconds; actor is the examiner's key fingerprint; corrects is
// the seq of the entry a correction refers to, or 0; params is a JSON object
// stored as text. Then
//
//	hash = hex(SHA-256(seq "\n" time "\n" actor "\n" action "\n" corrects "\n" params "\n" prev_hash))
//
// with prev_hash the previous entry's hash (64 "0" for seq 1). The entry that
// writes rows lists them in params.rows as {table: [[id, row_hash], …]}, in
// the same transaction, so the chain covers every row: verification names
// the first entry whose hash, order or covered rows disagree.
//
// # Checkpoints and the threat model
//
// A checkpoint is an entry with action "checkpoint" and params {covers: N,
// head: H, key: F, sig: S}: S is the Ed25519 signature (hex) by the key with
// fingerprint F over "loupe-checkpoint-v1\n" record_id "\n" N "\n" H, where
// H is entry N's hash. Checkpoints are written at creation, after a run's
// batches at most every Options.CheckpointEvery, at the end of every run, and
// when a writer closes. The newest one is also written outside
// the record, to RECORD.checkpoint beside it and to the examiner's key folder
// (anchors/RECORD_ID.json), so that removing the newest entries together with
// their checkpoint is detected.
//
// Detected: any edit, insertion, deletion or reordering of entries; any edit
// of a covered row; a row no entry covers; a covered row that is missing; a
// bad checkpoint signature; entries removed after the newest anchored
// checkpoint. Not detectable: someone holding the examiner's private key can
// rewrite and re-sign everything including the anchors; with every anchor
// gone, truncating the newest entries with their checkpoints yields an older
// consistent record; entries after the newest checkpoint (only a crash
// leaves such a tail) can be cut off without trace; a wholesale rebuild
// under another key verifies under that key, so reports print the signer's
// fingerprint for comparison with the one known out of band.
//
// # Writers
//
// One process writes a record at a time: Create and Open take an exclusive
// flock(2) on the file (ErrBusy otherwise), so Open can safely mark runs left
// "running" by a dead process incomplete. Within one process, read through
// the writing Record rather than OpenReadOnly on the same file.
package record

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	_ "github.com/mattn/go-sqlite3" // the SQLite driver

	"github.com/loupe-forensics/loupe/forensic/finding"
	"github.com/loupe-forensics/loupe/forensic/source"
)

// SchemaVersion is the schema this package writes (PRAGMA user_version).
const SchemaVersion = 1

// Sentinel errors.
var (
	ErrNotRecord = errors.New("record: not a Loupe examination record")
	ErrNewer     = errors.New("record: schema is newer than this Loupe")
	ErrReadOnly  = errors.New("record: opened read-only")
	ErrExists    = errors.New("record: file already exists")
	ErrNotFound  = errors.New("record: not found")
	ErrInvalid   = errors.New("record: invalid argument")
	ErrBusy      = errors.New("record: another process has the record open for writing")
)

// contentTables are the tables whose rows the chain covers, in a fixed order.
var contentTables = []string{"examiners", "details", "sources", "verifications", "volumes", "runs", "artefacts", "warnings", "notes", "tags"}

const schema = `
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE examiners(id INTEGER PRIMARY KEY, content TEXT NOT NULL, row_hash TEXT NOT NULL,
  fingerprint TEXT GENERATED ALWAYS AS (json_extract(content,'$.fingerprint')) VIRTUAL);
CREATE TABLE details(id INTEGER PRIMARY KEY, content TEXT NOT NULL, row_hash TEXT NOT NULL,
  section TEXT GENERATED ALWAYS AS (json_extract(content,'$.section')) VIRTUAL);
CREATE TABLE sources(id INTEGER PRIMARY KEY, content TEXT NOT NULL, row_hash TEXT NOT NULL);
CREATE TABLE verifications(id INTEGER PRIMARY KEY, content TEXT NOT NULL, row_hash TEXT NOT NULL,
  source_id INTEGER GENERATED ALWAYS AS (json_extract(content,'$.source_id')) VIRTUAL);
CREATE TABLE volumes(id INTEGER PRIMARY KEY, content TEXT NOT NULL, row_hash TEXT NOT NULL,
  source_id INTEGER GENERATED ALWAYS AS (json_extract(content,'$.source_id')) VIRTUAL);
CREATE TABLE runs(id INTEGER PRIMARY KEY, content TEXT NOT NULL, row_hash TEXT NOT NULL);
CREATE TABLE artefacts(id INTEGER PRIMARY KEY, content TEXT NOT NULL, row_hash TEXT NOT NULL,
  run_id INTEGER GENERATED ALWAYS AS (json_extract(content,'$.run_id')) VIRTUAL,
  kind TEXT GENERATED ALWAYS AS (json_extract(content,'$.kind')) VIRTUAL);
CREATE INDEX artefacts_kind ON artefacts(kind);
CREATE INDEX artefacts_run ON artefacts(run_id);
CREATE TABLE warnings(id INTEGER PRIMARY KEY, content TEXT NOT NULL, row_hash TEXT NOT NULL,
  run_id INTEGER GENERATED ALWAYS AS (json_extract(content,'$.run_id')) VIRTUAL);
CREATE TABLE notes(id INTEGER PRIMARY KEY, content TEXT NOT NULL, row_hash TEXT NOT NULL);
CREATE TABLE tags(id INTEGER PRIMARY KEY, content TEXT NOT NULL, row_hash TEXT NOT NULL,
  artefact_id INTEGER GENERATED ALWAYS AS (json_extract(content,'$.artefact_id')) VIRTUAL);
CREATE TABLE audit(seq INTEGER PRIMARY KEY, time TEXT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,
  corrects INTEGER NOT NULL DEFAULT 0, params TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL);
`

// Examiner is who works on the record.
type Examiner struct {
	Name string `json:"name"`
	Role string `json:"role,omitempty"` // e.g. "Digital Forensic Examiner"
}

// Setup is what a new record starts with.
type Setup struct {
	Case     map[string]string // urn, operation, lab_case_number, …
	Exhibit  map[string]string // reference (e.g. "ABC/1"), description, seal_number, received_from, received_at
	Examiner Examiner
	// Instructions received, verbatim.
	Instructions string
}

// Options configure opening.
type Options struct {
	// KeyDir holds examiners' signing keys and checkpoint anchors. Default:
	// $LOUPE_HOME/keys, else $XDG_CONFIG_HOME/loupe/keys, else ~/.config/loupe/keys.
	KeyDir string
	// Now is the clock (tests); default time.Now.
	Now func() time.Time
	// Batch is how many findings one audit entry covers (default 256).
	Batch int
	// CheckpointEvery is how often a run's batches are followed by a signed
	// checkpoint, which bounds the unsigned tail a crash can leave (default
	// 30 s; negative: only at the end of runs and on Close).
	CheckpointEvery time.Duration
}

func (o *Options) fill() {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Batch <= 0 {
		o.Batch = 256
	}
	if o.CheckpointEvery == 0 {
		o.CheckpointEvery = 30 * time.Second
	}
	if o.KeyDir == "" {
		o.KeyDir = DefaultKeyDir()
	}
}

// DefaultKeyDir is where examiner keys live unless Options.KeyDir says otherwise.
func DefaultKeyDir() string {
	if h := os.Getenv("LOUPE_HOME"); h != "" {
		return filepath.Join(h, "keys")
	}
	if x := os.Getenv("XDG_CONFIG_HOME"); x != "" {
		return filepath.Join(x, "loupe", "keys")
	}
	home, _ := os.UserHomeDir()
	return filepath.Join(home, ".config", "loupe", "keys")
}

// Record is an open examination record. Methods are safe for concurrent use.
type Record struct {
	path     string
	db       *sql.DB
	opts     Options
	readOnly bool
	id       string
	tmp      string   // temporary copy folder of a read-only open, removed on Close
	lock     *os.File // holds the exclusive flock of a writer; closed after the database
	// liveWriter: at a read-only open, another process held the writer lock.
	liveWriter bool

	mu    sync.Mutex // serialises writers
	key   ed25519.PrivateKey
	actor string // fingerprint of key
	dirty bool   // entries written since the last checkpoint
	// lastCkpt is when this writer last checkpointed (guarded by ckptMu).
	ckptMu   sync.Mutex
	lastCkpt time.Time
}

// Fingerprint is lower-hex SHA-256 of an Ed25519 public key.
func Fingerprint(pub ed25519.PublicKey) string {
	s := sha256.Sum256(pub)
	return hex.EncodeToString(s[:])
}

var (
	slugRe   = regexp.MustCompile(`[^a-z0-9]+`)
	actionRe = regexp.MustCompile(`^[a-z][a-z0-9_.-]{0,63}$`)
)

// ExaminerKey loads the examiner's signing key from dir, generating it on
// first use (mode 0600). Keys never go into the record; only the public key
// and its fingerprint do.
func ExaminerKey(dir, name string) (ed25519.PrivateKey, error) {
	slug := strings.Trim(slugRe.ReplaceAllString(strings.ToLower(name), "-"), "-")
	if slug == "" {
		return nil, fmt.Errorf("%w: empty examiner name", ErrInvalid)
	}
	p := filepath.Join(dir, slug+".ed25519")
	if b, err := os.ReadFile(p); err == nil {
		seed, err := hex.DecodeString(strings.TrimSpace(string(b)))
		if err != nil || len(seed) != ed25519.SeedSize {
			return nil, fmt.Errorf("record: examiner key %s is damaged", p)
		}
		return ed25519.NewKeyFromSeed(seed), nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if _, err := fmt.Fprintln(f, hex.EncodeToString(priv.Seed())); err != nil {
		return nil, err
	}
	return priv, nil
}

func dsn(path string, ro bool) string {
	q := "?_foreign_keys=on&_busy_timeout=5000"
	if ro {
		q += "&mode=ro"
	} else {
		q += "&_journal_mode=WAL&_synchronous=FULL"
	}
	return "file:" + path + q
}

// Create makes a new record. It refuses to overwrite an existing file.
func Create(ctx context.Context, path string, s Setup, opts Options) (*Record, error) {
	opts.fill()
	if _, err := os.Stat(path); err == nil {
		return nil, fmt.Errorf("%w: %s", ErrExists, path)
	}
	key, err := ExaminerKey(opts.KeyDir, s.Examiner.Name)
	if err != nil {
		return nil, err
	}
	db, err := sql.Open("sqlite3", dsn(path, false))
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	idb := make([]byte, 16)
	rand.Read(idb)
	r := &Record{path: path, db: db, opts: opts, id: hex.EncodeToString(idb), key: key, actor: Fingerprint(key.Public().(ed25519.PublicKey))}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		db.Close()
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, schema+fmt.Sprintf("PRAGMA user_version=%d;", SchemaVersion)); err != nil {
		tx.Rollback()
		db.Close()
		os.Remove(path)
		return nil, fmt.Errorf("record: create schema: %w", err)
	}
	for k, v := range map[string]string{"record_id": r.id, "created": opts.Now().UTC().Format(time.RFC3339Nano), "application": "loupe"} {
		if _, err := tx.ExecContext(ctx, `INSERT INTO meta(key,value) VALUES(?,?)`, k, v); err != nil {
			tx.Rollback()
			db.Close()
			return nil, err
		}
	}
	if err := tx.Commit(); err != nil {
		db.Close()
		return nil, err
	}
	if r.lock, err = lockWriter(path); err != nil {
		db.Close()
		return nil, err
	}
	pub := key.Public().(ed25519.PublicKey)
	rows := []pendingRow{{"examiners", map[string]any{"name": s.Examiner.Name, "role": s.Examiner.Role, "public_key": hex.EncodeToString(pub), "fingerprint": r.actor}}}
	for _, d := range []struct {
		section string
		body    any
	}{{"case", s.Case}, {"exhibit", s.Exhibit}, {"instructions", map[string]string{"text": s.Instructions}}} {
		rows = append(rows, pendingRow{"details", map[string]any{"section": d.section, "body": d.body}})
	}
	if _, err := r.write(ctx, "create", map[string]any{"record_id": r.id, "schema": SchemaVersion}, 0, rows); err != nil {
		r.Close()
		return nil, err
	}
	if err := r.Checkpoint(ctx); err != nil {
		r.Close()
		return nil, err
	}
	return r, nil
}

// Open reopens a record for writing as the named examiner. Runs left
// running by a process that died are marked incomplete (a new entry).
func Open(ctx context.Context, path string, ex Examiner, opts Options) (*Record, error) {
	opts.fill()
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrNotRecord, path, err)
	}
	// The lock comes first: marking "running" runs incomplete below is only
	// right when no other process is still writing them.
	lock, err := lockWriter(path)
	if err != nil {
		return nil, err
	}
	db, err := sql.Open("sqlite3", dsn(path, false))
	if err != nil {
		lock.Close()
		return nil, err
	}
	db.SetMaxOpenConns(1)
	r := &Record{path: path, db: db, opts: opts, lock: lock}
	if err := r.load(ctx); err != nil {
		r.closeDB()
		return nil, err
	}
	key, err := ExaminerKey(opts.KeyDir, ex.Name)
	if err != nil {
		r.closeDB()
		return nil, err
	}
	r.key, r.actor = key, Fingerprint(key.Public().(ed25519.PublicKey))
	var n int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM examiners WHERE fingerprint=?`, r.actor).Scan(&n); err != nil {
		r.closeDB()
		return nil, err
	}
	if n == 0 {
		pub := key.Public().(ed25519.PublicKey)
		if _, err := r.write(ctx, "examiner.add", map[string]any{"name": ex.Name}, 0, []pendingRow{{"examiners",
			map[string]any{"name": ex.Name, "role": ex.Role, "public_key": hex.EncodeToString(pub), "fingerprint": r.actor}}}); err != nil {
			r.closeDB()
			return nil, err
		}
	}
	runs, err := r.Runs(ctx)
	if err != nil {
		r.closeDB()
		return nil, err
	}
	for _, run := range runs {
		if run.Status == RunRunning {
			if _, err := r.write(ctx, "run.incomplete", map[string]any{"run_id": run.ID, "reason": "the examining process ended without finishing the run"}, 0, nil); err != nil {
				r.closeDB()
				return nil, err
			}
		}
	}
	return r, nil
}

// OpenReadOnly opens a record for reviewers and reports. It never writes to
// the record: a record whose writer did not close cleanly (WAL left beside
// it, no writer holding the lock) is copied with its WAL into a temporary
// folder and read there; a record another process is writing is read in
// place through SQLite's read-only mode, which sees a consistent snapshot
// (copying a file under a live writer could tear it). Runs left "running"
// by a writer that is gone are reported incomplete.
//
// Do not call it in a process that has the same record open for writing:
// read through that Record instead (see writerActive).
func OpenReadOnly(ctx context.Context, path string, opts Options) (*Record, error) {
	opts.fill()
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrNotRecord, path, err)
	}
	r := &Record{path: path, opts: opts, readOnly: true}
	r.liveWriter = writerActive(path)
	open := path
	if _, err := os.Stat(path + "-wal"); err == nil && !r.liveWriter {
		tmp, err := os.MkdirTemp("", "loupe-record-")
		if err != nil {
			return nil, err
		}
		r.tmp = tmp
		for _, suf := range []string{"", "-wal"} {
			if err := copyFile(path+suf, filepath.Join(tmp, "record.loupe"+suf)); err != nil {
				os.RemoveAll(tmp)
				return nil, err
			}
		}
		open = filepath.Join(tmp, "record.loupe")
	}
	db, err := sql.Open("sqlite3", dsn(open, r.tmp == ""))
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	r.db = db
	if err := r.load(ctx); err != nil {
		r.Close()
		return nil, err
	}
	return r, nil
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

func (r *Record) load(ctx context.Context) error {
	var ver int
	if err := r.db.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&ver); err != nil {
		return fmt.Errorf("%w: %s: %w", ErrNotRecord, r.path, err)
	}
	if ver > SchemaVersion {
		return fmt.Errorf("%w: schema %d", ErrNewer, ver)
	}
	if err := r.db.QueryRowContext(ctx, `SELECT value FROM meta WHERE key='record_id'`).Scan(&r.id); err != nil {
		return fmt.Errorf("%w: %s", ErrNotRecord, r.path)
	}
	return nil
}

// ID is the record's random identifier (in every checkpoint signature).
func (r *Record) ID() string { return r.id }

// Path is the record file.
func (r *Record) Path() string { return r.path }

// Actor is the fingerprint of the examiner writing, or "" when read-only.
func (r *Record) Actor() string { return r.actor }

// Close checkpoints (when anything was written) and closes the record. The
// WAL is folded back so the record is one self-contained file.
func (r *Record) Close() error {
	var first error
	if !r.readOnly && r.dirty {
		first = r.Checkpoint(context.Background())
	}
	if !r.readOnly {
		// Leave one self-contained file: fold the WAL back and drop it, so
		// the record can be hashed, copied and opened read-only as is.
		if _, err := r.db.Exec(`PRAGMA journal_mode=DELETE`); err != nil && first == nil {
			first = err
		}
	}
	if err := r.closeDB(); err != nil && first == nil {
		first = err
	}
	if r.tmp != "" {
		os.RemoveAll(r.tmp)
	}
	return first
}

type pendingRow struct {
	table   string
	content any
}

func rowHash(table string, id int64, content string) string {
	s := sha256.Sum256([]byte(table + "\n" + strconv.FormatInt(id, 10) + "\n" + content))
	return hex.EncodeToString(s[:])
}

func entryHash(seq int64, tm, actor, action string, corrects int64, params, prev string) string {
	s := sha256.Sum256([]byte(strconv.FormatInt(seq, 10) + "\n" + tm + "\n" + actor + "\n" + action + "\n" +
		strconv.FormatInt(corrects, 10) + "\n" + params + "\n" + prev))
	return hex.EncodeToString(s[:])
}

const zeroHash = "0000000000000000000000000000000000000000000000000000000000000000"

// marshal is JSON without HTML escaping, so stored text is the text found.
func marshal(v any) (string, error) {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", err
	}
	return strings.TrimSuffix(b.String(), "\n"), nil
}

// write appends one audit entry and the rows it covers in one transaction.
// It returns the entry's seq; row ids are added to params.rows.
func (r *Record) write(ctx context.Context, action string, params map[string]any, corrects int64, rows []pendingRow) (int64, error) {
	seq, _, err := r.writeRows(ctx, action, params, corrects, rows)
	return seq, err
}

func (r *Record) writeRows(ctx context.Context, action string, params map[string]any, corrects int64, rows []pendingRow) (int64, []int64, error) {
	if r.readOnly {
		return 0, nil, ErrReadOnly
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	tx, err := r.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, nil, err
	}
	defer tx.Rollback()
	covered := map[string][][2]any{}
	ids := make([]int64, 0, len(rows))
	// Ids are chosen here (max+1 under the write transaction) so each row is
	// inserted once with its final hash, through one prepared statement per
	// table: a batch of findings costs one INSERT per row.
	type tableIns struct {
		next int64
		stmt *sql.Stmt
	}
	ins := map[string]*tableIns{}
	defer func() {
		for _, ti := range ins {
			ti.stmt.Close()
		}
	}()
	for _, row := range rows {
		content, err := marshal(row.content)
		if err != nil {
			return 0, nil, err
		}
		ti := ins[row.table]
		if ti == nil {
			if !isContentTable(row.table) {
				return 0, nil, fmt.Errorf("%w: table %q", ErrInvalid, row.table)
			}
			ti = &tableIns{}
			if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(id),0)+1 FROM `+row.table).Scan(&ti.next); err != nil {
				return 0, nil, fmt.Errorf("record: next id of %s: %w", row.table, err)
			}
			if ti.stmt, err = tx.PrepareContext(ctx, `INSERT INTO `+row.table+`(id,content,row_hash) VALUES(?,?,?)`); err != nil {
				return 0, nil, fmt.Errorf("record: prepare insert into %s: %w", row.table, err)
			}
			ins[row.table] = ti
		}
		id := ti.next
		ti.next++
		h := rowHash(row.table, id, content)
		if _, err := ti.stmt.ExecContext(ctx, id, content, h); err != nil {
			return 0, nil, fmt.Errorf("record: insert into %s row %d: %w", row.table, id, err)
		}
		covered[row.table] = append(covered[row.table], [2]any{id, h})
		ids = append(ids, id)
	}
	if params == nil {
		params = map[string]any{}
	}
	if len(covered) > 0 {
		params["rows"] = covered
	}
	ptext, err := marshal(params)
	if err != nil {
		return 0, nil, err
	}
	var seq int64
	prev := zeroHash
	err = tx.QueryRowContext(ctx, `SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1`).Scan(&seq, &prev)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, nil, err
	}
	seq++
	tm := r.opts.Now().UTC().Format(time.RFC3339Nano)
	h := entryHash(seq, tm, r.actor, action, corrects, ptext, prev)
	if _, err := tx.ExecContext(ctx, `INSERT INTO audit(seq,time,actor,action,corrects,params,prev_hash,hash) VALUES(?,?,?,?,?,?,?,?)`,
		seq, tm, r.actor, action, corrects, ptext, prev, h); err != nil {
		return 0, nil, err
	}
	if err := tx.Commit(); err != nil {
		return 0, nil, err
	}
	r.dirty = action != "checkpoint"
	return seq, ids, nil
}

// Log appends an action with no rows of its own (viewing an item, a search,
// an export, a report, a password attempt…).
func (r *Record) Log(ctx context.Context, action string, params map[string]any) (int64, error) {
	// Actions are short names ("family.verb"): the entry hash joins fields
	// with "\n", so an action must not be able to carry one.
	if action == "" || action == "checkpoint" || !actionRe.MatchString(action) {
		return 0, fmt.Errorf("%w: action %q", ErrInvalid, action)
	}
	return r.write(ctx, action, params, 0, nil)
}

// Note is a contemporaneous note.
type Note struct {
	ID       int64     `json:"id"`
	Seq      int64     `json:"seq"`
	Author   string    `json:"author"`
	Time     time.Time `json:"time"`
	Text     string    `json:"text"`
	Corrects int64     `json:"corrects,omitempty"` // seq of the entry this note corrects
}

// AddNote records a note; corrects, when not 0, is the seq it corrects.
func (r *Record) AddNote(ctx context.Context, text string, corrects int64) (int64, error) {
	if strings.TrimSpace(text) == "" {
		return 0, fmt.Errorf("%w: empty note", ErrInvalid)
	}
	if corrects != 0 {
		if err := r.mustHaveEntry(ctx, corrects); err != nil {
			return 0, err
		}
	}
	tm := r.opts.Now().UTC()
	seq, _, err := r.writeRows(ctx, "note", nil, corrects, []pendingRow{{"notes", map[string]any{
		"author": r.actor, "time": tm.Format(time.RFC3339Nano), "text": text, "corrects": corrects}}})
	return seq, err
}

func (r *Record) mustHaveEntry(ctx context.Context, seq int64) error {
	var n int
	if err := r.db.QueryRowContext(ctx, `SELECT count(*) FROM audit WHERE seq=?`, seq).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("%w: no audit entry %d", ErrNotFound, seq)
	}
	return nil
}

// Tag flags (CPIA).
const (
	FlagRelevant   = "relevant"
	FlagUndermines = "undermines" // may undermine the prosecution case (reason required)
	FlagAssists    = "assists"    // may assist the defence (reason required)
	FlagSensitive  = "sensitive"  // sensitive material (reason category required)
	FlagNotable    = "notable"
)

// Tag is a flag on an artefact.
type Tag struct {
	ID         int64     `json:"id"`
	Seq        int64     `json:"seq"`
	ArtefactID int64     `json:"artefact_id"`
	Flag       string    `json:"flag"`
	Reason     string    `json:"reason,omitempty"`
	Category   string    `json:"category,omitempty"`
	Author     string    `json:"author"`
	Time       time.Time `json:"time"`
	Removes    bool      `json:"removes,omitempty"`    // a correction that withdraws an earlier tag
	RemovesID  int64     `json:"removes_id,omitempty"` // the tag it withdraws
}

// AddTag flags an artefact. Undermines/assists need a reason; sensitive a category.
func (r *Record) AddTag(ctx context.Context, artefactID int64, flag, reason, category string) (int64, error) {
	switch flag {
	case FlagRelevant, FlagNotable:
	case FlagUndermines, FlagAssists:
		if strings.TrimSpace(reason) == "" {
			return 0, fmt.Errorf("%w: a %s tag needs a reason", ErrInvalid, flag)
		}
	case FlagSensitive:
		if strings.TrimSpace(category) == "" {
			return 0, fmt.Errorf("%w: a sensitive tag needs a reason category", ErrInvalid)
		}
	default:
		return 0, fmt.Errorf("%w: unknown flag %q (relevant, undermines, assists, sensitive, notable)", ErrInvalid, flag)
	}
	var n int
	if err := r.db.QueryRowContext(ctx, `SELECT count(*) FROM artefacts WHERE id=?`, artefactID).Scan(&n); err != nil {
		return 0, err
	}
	if n == 0 {
		return 0, fmt.Errorf("%w: artefact %d", ErrNotFound, artefactID)
	}
	seq, _, err := r.writeRows(ctx, "tag", map[string]any{"artefact_id": artefactID, "flag": flag}, 0, []pendingRow{{"tags", map[string]any{
		"artefact_id": artefactID, "flag": flag, "reason": reason, "category": category, "author": r.actor,
		"time": r.opts.Now().UTC().Format(time.RFC3339Nano)}}})
	return seq, err
}

// WithdrawTag withdraws tag tagID (a disclosure decision revised): a new tag
// row with removes set, written by an entry that corrects the original's.
// Nothing is deleted; readers honour the latest word (Tag.Removes).
func (r *Record) WithdrawTag(ctx context.Context, tagID int64, reason string) (int64, error) {
	if strings.TrimSpace(reason) == "" {
		return 0, fmt.Errorf("%w: withdrawing a tag needs a reason", ErrInvalid)
	}
	tags, err := r.Tags(ctx)
	if err != nil {
		return 0, err
	}
	var orig *Tag
	for i := range tags {
		if tags[i].ID == tagID {
			orig = &tags[i]
		}
		if tags[i].Removes && tags[i].RemovesID == tagID {
			return 0, fmt.Errorf("%w: tag %d is already withdrawn (by tag %d)", ErrInvalid, tagID, tags[i].ID)
		}
	}
	if orig == nil || orig.Removes {
		return 0, fmt.Errorf("%w: tag %d", ErrNotFound, tagID)
	}
	seq, _, err := r.writeRows(ctx, "tag", map[string]any{"artefact_id": orig.ArtefactID, "flag": orig.Flag, "removes": tagID}, orig.Seq,
		[]pendingRow{{"tags", map[string]any{"artefact_id": orig.ArtefactID, "flag": orig.Flag, "reason": reason, "category": orig.Category,
			"author": r.actor, "time": r.opts.Now().UTC().Format(time.RFC3339Nano), "removes": tagID}}})
	return seq, err
}

// Checkpoint signs the chain's head and writes the anchors beside the record
// and in the key folder.
func (r *Record) Checkpoint(ctx context.Context) error {
	if r.readOnly {
		return ErrReadOnly
	}
	var covers int64
	var head string
	if err := r.db.QueryRowContext(ctx, `SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1`).Scan(&covers, &head); err != nil {
		return err
	}
	sig := ed25519.Sign(r.key, checkpointMessage(r.id, covers, head))
	a := Anchor{RecordID: r.id, Covers: covers, Head: head, Key: r.actor, Sig: hex.EncodeToString(sig)}
	if _, err := r.write(ctx, "checkpoint", map[string]any{"covers": covers, "head": head, "key": r.actor, "sig": a.Sig}, 0, nil); err != nil {
		return err
	}
	r.ckptMu.Lock()
	r.lastCkpt = r.opts.Now()
	r.ckptMu.Unlock()
	b, _ := json.MarshalIndent(a, "", "  ")
	if err := writeAtomic(r.path+".checkpoint", b); err != nil {
		return fmt.Errorf("record: anchor beside the record: %w", err)
	}
	dir := filepath.Join(r.opts.KeyDir, "anchors")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	return writeAtomic(filepath.Join(dir, r.id+".json"), b)
}

// Anchor is a signed checkpoint kept outside the record.
type Anchor struct {
	RecordID string `json:"record_id"`
	Covers   int64  `json:"covers"`
	Head     string `json:"head"`
	Key      string `json:"key"`
	Sig      string `json:"sig"`
}

func checkpointMessage(id string, covers int64, head string) []byte {
	return []byte("loupe-checkpoint-v1\n" + id + "\n" + strconv.FormatInt(covers, 10) + "\n" + head)
}

func writeAtomic(path string, b []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// Sink helpers: a Run buffers findings and commits them in batches.

// Run statuses, derived from the chain.
const (
	RunRunning    = "running"
	RunComplete   = "complete"
	RunIncomplete = "incomplete"
)

// RunSpec describes a parser run.
type RunSpec struct {
	Tool    string            `json:"tool"`
	Parsers []string          `json:"parsers"` // name@version
	Sources []int64           `json:"sources"`
	Params  map[string]string `json:"params,omitempty"`
}

// Run receives one run's findings; it implements finding.Sink.
type Run struct {
	r   *Record
	ID  int64
	mu  sync.Mutex
	buf []pendingRow
	n   struct{ artefacts, warnings int64 }
	end bool
}

var _ finding.Sink = (*Run)(nil)

// StartRun begins a run.
func (r *Record) StartRun(ctx context.Context, spec RunSpec) (*Run, error) {
	_, ids, err := r.writeRows(ctx, "run.start", map[string]any{"tool": spec.Tool}, 0, []pendingRow{{"runs", map[string]any{
		"tool": spec.Tool, "parsers": spec.Parsers, "sources": spec.Sources, "params": spec.Params,
		"started": r.opts.Now().UTC().Format(time.RFC3339Nano)}}})
	if err != nil {
		return nil, err
	}
	return &Run{r: r, ID: ids[0]}, nil
}

// ArtefactContent is how an artefact row's content is laid out.
type ArtefactContent struct {
	RunID         int64          `json:"run_id"`
	Kind          string         `json:"kind"`
	Category      string         `json:"category"`
	Attrs         []finding.Attr `json:"attrs"`
	Ref           string         `json:"ref"`
	Source        *source.Ref    `json:"source"`
	SourceSHA256  string         `json:"source_sha256,omitempty"`
	Parser        string         `json:"parser"`
	ParserVersion string         `json:"parser_version"`
}

// Artefact buffers one artefact.
func (run *Run) Artefact(ctx context.Context, a finding.Artefact) error {
	cat := string(a.Category)
	if cat == "" {
		cat = string(finding.Data)
	}
	return run.add(ctx, pendingRow{"artefacts", ArtefactContent{RunID: run.ID, Kind: a.Kind, Category: cat, Attrs: a.Attrs,
		Ref: a.Source.String(), Source: a.Source, SourceSHA256: a.SourceSHA256, Parser: a.Parser, ParserVersion: a.ParserVersion}}, true)
}

// WarningContent is how a warning row's content is laid out.
type WarningContent struct {
	RunID   int64       `json:"run_id"`
	Parser  string      `json:"parser"`
	Ref     string      `json:"ref"`
	Source  *source.Ref `json:"source"`
	Message string      `json:"message"`
}

// Warn buffers one warning.
func (run *Run) Warn(ctx context.Context, w finding.Warning) error {
	return run.add(ctx, pendingRow{"warnings", WarningContent{RunID: run.ID, Parser: w.Parser, Ref: w.Source.String(), Source: w.Source, Message: w.Message}}, false)
}

func (run *Run) add(ctx context.Context, row pendingRow, artefact bool) error {
	run.mu.Lock()
	if run.end {
		run.mu.Unlock()
		return fmt.Errorf("%w: run %d has ended", ErrInvalid, run.ID)
	}
	run.buf = append(run.buf, row)
	if artefact {
		run.n.artefacts++
	} else {
		run.n.warnings++
	}
	full := len(run.buf) >= run.r.opts.Batch
	run.mu.Unlock()
	if full {
		return run.Flush(ctx)
	}
	return nil
}

// Flush commits buffered findings under one audit entry.
func (run *Run) Flush(ctx context.Context) error {
	run.mu.Lock()
	rows := run.buf
	run.buf = nil
	run.mu.Unlock()
	if len(rows) == 0 {
		return nil
	}
	if _, err := run.r.write(ctx, "run.findings", map[string]any{"run_id": run.ID}, 0, rows); err != nil {
		return err
	}
	return run.r.periodicCheckpoint(ctx)
}

// periodicCheckpoint checkpoints when CheckpointEvery has passed since the
// last one, so a long run killed midway leaves at most that much unsigned.
func (r *Record) periodicCheckpoint(ctx context.Context) error {
	if r.opts.CheckpointEvery < 0 {
		return nil
	}
	r.ckptMu.Lock()
	due := r.opts.Now().Sub(r.lastCkpt) >= r.opts.CheckpointEvery
	r.ckptMu.Unlock()
	if !due {
		return nil
	}
	return r.Checkpoint(ctx)
}

// Finish flushes, marks the run complete and checkpoints.
func (run *Run) Finish(ctx context.Context) error { return run.close(ctx, RunComplete, "") }

// Fail flushes, marks the run incomplete with a reason and checkpoints.
func (run *Run) Fail(ctx context.Context, reason string) error {
	return run.close(ctx, RunIncomplete, reason)
}

func (run *Run) close(ctx context.Context, status, reason string) error {
	// Findings already handed over are recorded even when ctx was cancelled:
	// the cancellation is the reason the run is incomplete, not a reason to
	// lose what it found.
	ctx = context.WithoutCancel(ctx)
	if err := run.Flush(ctx); err != nil {
		return err
	}
	run.mu.Lock()
	run.end = true
	a, w := run.n.artefacts, run.n.warnings
	run.mu.Unlock()
	action := "run.finish"
	if status == RunIncomplete {
		action = "run.incomplete"
	}
	if _, err := run.r.write(ctx, action, map[string]any{"run_id": run.ID, "artefacts": a, "warnings": w, "reason": reason}, 0, nil); err != nil {
		return err
	}
	return run.r.Checkpoint(ctx)
}

// AddRow records one row of a content table (sources, verifications,
// volumes) under an audit entry with the given action.
func (r *Record) AddRow(ctx context.Context, table, action string, content any) (int64, error) {
	switch table {
	case "sources", "verifications", "volumes":
	default:
		return 0, fmt.Errorf("%w: table %q", ErrInvalid, table)
	}
	_, ids, err := r.writeRows(ctx, action, nil, 0, []pendingRow{{table, content}})
	if err != nil {
		return 0, err
	}
	return ids[0], nil
}
