package record

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"iter"
	"strings"
	"time"
)

// Entry is one audit entry.
type Entry struct {
	Seq      int64           `json:"seq"`
	Time     time.Time       `json:"time"`
	Actor    string          `json:"actor"`
	Action   string          `json:"action"`
	Corrects int64           `json:"corrects,omitempty"`
	Params   json.RawMessage `json:"params"`
	PrevHash string          `json:"prev_hash"`
	Hash     string          `json:"hash"`
	rawTime  string          // the stored text, which the hash covers
}

// Entries iterates the audit chain in order from fromSeq.
func (r *Record) Entries(ctx context.Context, fromSeq int64) iter.Seq2[Entry, error] {
	return func(yield func(Entry, error) bool) {
		rows, err := r.db.QueryContext(ctx, `SELECT seq,time,actor,action,corrects,params,prev_hash,hash FROM audit WHERE seq>=? ORDER BY seq`, fromSeq)
		if err != nil {
			yield(Entry{}, err)
			return
		}
		defer rows.Close()
		for rows.Next() {
			var e Entry
			var tm, params string
			if err := rows.Scan(&e.Seq, &tm, &e.Actor, &e.Action, &e.Corrects, &params, &e.PrevHash, &e.Hash); err != nil {
				yield(Entry{}, err)
				return
			}
			e.rawTime = tm
			e.Time, _ = time.Parse(time.RFC3339Nano, tm)
			e.Params = json.RawMessage(params)
			if !yield(e, nil) {
				return
			}
		}
		if err := rows.Err(); err != nil {
			yield(Entry{}, err)
		}
	}
}

// StoredArtefact is an artefact as recorded.
type StoredArtefact struct {
	ID int64
	ArtefactContent
}

// Artefacts iterates recorded artefacts whose kind starts with kindPrefix, by id.
func (r *Record) Artefacts(ctx context.Context, kindPrefix string) iter.Seq2[StoredArtefact, error] {
	return func(yield func(StoredArtefact, error) bool) {
		rows, err := r.db.QueryContext(ctx, `SELECT id, content FROM artefacts WHERE kind >= ? AND kind < ? ORDER BY id`,
			kindPrefix, kindPrefix+"\U0010FFFF")
		if err != nil {
			yield(StoredArtefact{}, err)
			return
		}
		defer rows.Close()
		for rows.Next() {
			var a StoredArtefact
			var content string
			if err := rows.Scan(&a.ID, &content); err != nil {
				yield(StoredArtefact{}, err)
				return
			}
			if err := json.Unmarshal([]byte(content), &a.ArtefactContent); err != nil {
				yield(StoredArtefact{}, fmt.Errorf("record: artefact %d: %w", a.ID, err))
				return
			}
			if !yield(a, nil) {
				return
			}
		}
		if err := rows.Err(); err != nil {
			yield(StoredArtefact{}, err)
		}
	}
}

// StoredWarning is a warning as recorded.
type StoredWarning struct {
	ID int64
	WarningContent
}

// Warnings lists recorded warnings (of one run, or all when runID is 0).
func (r *Record) Warnings(ctx context.Context, runID int64) ([]StoredWarning, error) {
	var out []StoredWarning
	err := r.each(ctx, `SELECT id, content FROM warnings WHERE ?=0 OR run_id=? ORDER BY id`, []any{runID, runID}, func(id int64, c []byte) error {
		w := StoredWarning{ID: id}
		if err := json.Unmarshal(c, &w.WarningContent); err != nil {
			return err
		}
		out = append(out, w)
		return nil
	})
	return out, err
}

func (r *Record) each(ctx context.Context, q string, args []any, fn func(id int64, content []byte) error) error {
	rows, err := r.db.QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var c string
		if err := rows.Scan(&id, &c); err != nil {
			return err
		}
		if err := fn(id, []byte(c)); err != nil {
			return fmt.Errorf("record: row %d: %w", id, err)
		}
	}
	return rows.Err()
}

// RunInfo is a run with its status derived from the chain.
type RunInfo struct {
	ID int64 `json:"id"`
	RunSpec
	Started   string `json:"started"`
	Status    string `json:"status"`
	Reason    string `json:"reason,omitempty"`
	Artefacts int64  `json:"artefacts"`
	Warnings  int64  `json:"warnings"`
}

// Runs lists runs in order. A run with no finish or incomplete entry is running.
func (r *Record) Runs(ctx context.Context) ([]RunInfo, error) {
	var out []RunInfo
	err := r.each(ctx, `SELECT id, content FROM runs ORDER BY id`, nil, func(id int64, c []byte) error {
		ri := RunInfo{ID: id, Status: RunRunning}
		if err := json.Unmarshal(c, &ri); err != nil {
			return err
		}
		ri.ID = id
		out = append(out, ri)
		return nil
	})
	if err != nil {
		return nil, err
	}
	rows, err := r.db.QueryContext(ctx, `SELECT action, params FROM audit WHERE action IN ('run.finish','run.incomplete') ORDER BY seq`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var action, params string
		if err := rows.Scan(&action, &params); err != nil {
			return nil, err
		}
		var p struct {
			RunID     int64  `json:"run_id"`
			Reason    string `json:"reason"`
			Artefacts int64  `json:"artefacts"`
			Warnings  int64  `json:"warnings"`
		}
		json.Unmarshal([]byte(params), &p)
		for i := range out {
			if out[i].ID == p.RunID {
				out[i].Status, out[i].Reason = RunComplete, p.Reason
				if action == "run.incomplete" {
					out[i].Status = RunIncomplete
				}
				if p.Artefacts > 0 || p.Warnings > 0 {
					out[i].Artefacts, out[i].Warnings = p.Artefacts, p.Warnings
				}
			}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	for i := range out {
		if out[i].Status == RunComplete {
			continue
		}
		// No run.finish: count what the chain holds for the run.
		if err := r.db.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM artefacts WHERE run_id=?), (SELECT count(*) FROM warnings WHERE run_id=?)`,
			out[i].ID, out[i].ID).Scan(&out[i].Artefacts, &out[i].Warnings); err != nil {
			return nil, err
		}
		if out[i].Status == RunRunning && r.readOnly && !r.liveWriter {
			// The writer is gone; the next writer to open the record will
			// put this in the chain.
			out[i].Status = RunIncomplete
			out[i].Reason = "the examining process ended without finishing the run (not yet marked in the chain)"
		}
	}
	return out, nil
}

// Rows returns the decoded content of every row of a content table, by id.
func (r *Record) Rows(ctx context.Context, table string) ([]map[string]any, error) {
	if !isContentTable(table) {
		return nil, fmt.Errorf("%w: table %q", ErrInvalid, table)
	}
	var out []map[string]any
	err := r.each(ctx, `SELECT id, content FROM `+table+` ORDER BY id`, nil, func(id int64, c []byte) error {
		m := map[string]any{}
		if err := json.Unmarshal(c, &m); err != nil {
			return err
		}
		m["id"] = id
		out = append(out, m)
		return nil
	})
	return out, err
}

func isContentTable(t string) bool {
	for _, x := range contentTables {
		if x == t {
			return true
		}
	}
	return false
}

// Details returns the newest body of a details section ("case", "exhibit", "instructions").
func (r *Record) Details(ctx context.Context, section string) (map[string]string, error) {
	var c string
	err := r.db.QueryRowContext(ctx, `SELECT content FROM details WHERE section=? ORDER BY id DESC LIMIT 1`, section).Scan(&c)
	if err == sql.ErrNoRows {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var d struct {
		Body map[string]string `json:"body"`
	}
	if err := json.Unmarshal([]byte(c), &d); err != nil {
		return nil, err
	}
	return d.Body, nil
}

// Notes lists notes in order.
func (r *Record) Notes(ctx context.Context) ([]Note, error) {
	var out []Note
	err := r.each(ctx, `SELECT id, content FROM notes ORDER BY id`, nil, func(id int64, c []byte) error {
		var n struct {
			Author, Time, Text string
			Corrects           int64
		}
		if err := json.Unmarshal(c, &n); err != nil {
			return err
		}
		tm, _ := time.Parse(time.RFC3339Nano, n.Time)
		out = append(out, Note{ID: id, Author: n.Author, Time: tm, Text: n.Text, Corrects: n.Corrects})
		return nil
	})
	return out, err
}

// Tags lists tags in order, with the audit entry that wrote each. A tag
// with Removes set withdraws the earlier tag of that ID (WithdrawTag); the
// withdrawn tag is still listed, as the record keeps everything.
func (r *Record) Tags(ctx context.Context) ([]Tag, error) {
	seqOf, err := r.rowSeqs(ctx, "tag", "tags")
	if err != nil {
		return nil, err
	}
	var out []Tag
	err = r.each(ctx, `SELECT id, content FROM tags ORDER BY id`, nil, func(id int64, c []byte) error {
		var t struct {
			ArtefactID                           int64 `json:"artefact_id"`
			Flag, Reason, Category, Author, Time string
			Removes                              int64 `json:"removes"`
		}
		if err := json.Unmarshal(c, &t); err != nil {
			return err
		}
		tm, _ := time.Parse(time.RFC3339Nano, t.Time)
		out = append(out, Tag{ID: id, Seq: seqOf[id], ArtefactID: t.ArtefactID, Flag: t.Flag, Reason: t.Reason, Category: t.Category,
			Author: t.Author, Time: tm, Removes: t.Removes != 0, RemovesID: t.Removes})
		return nil
	})
	return out, err
}

// rowSeqs maps the IDs of table's rows to the seq of the entry (of the
// given action) that wrote them, from the entries' params.rows.
func (r *Record) rowSeqs(ctx context.Context, action, table string) (map[int64]int64, error) {
	rows, err := r.db.QueryContext(ctx, `SELECT seq, params FROM audit WHERE action=? ORDER BY seq`, action)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]int64{}
	for rows.Next() {
		var seq int64
		var params string
		if err := rows.Scan(&seq, &params); err != nil {
			return nil, err
		}
		var p struct {
			Rows map[string][][2]json.RawMessage `json:"rows"`
		}
		if json.Unmarshal([]byte(params), &p) != nil {
			continue
		}
		for _, pair := range p.Rows[table] {
			var id int64
			if json.Unmarshal(pair[0], &id) == nil {
				out[id] = seq
			}
		}
	}
	return out, rows.Err()
}

// Head returns the newest entry's seq and hash.
func (r *Record) Head(ctx context.Context) (int64, string, error) {
	var seq int64
	var h string
	err := r.db.QueryRowContext(ctx, `SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1`).Scan(&seq, &h)
	return seq, h, err
}

// ExaminerNames maps fingerprints to "name (role)".
func (r *Record) ExaminerNames(ctx context.Context) (map[string]string, error) {
	rows, err := r.Rows(ctx, "examiners")
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, x := range rows {
		fp, _ := x["fingerprint"].(string)
		name, _ := x["name"].(string)
		if role, _ := x["role"].(string); role != "" {
			name += " (" + strings.TrimSpace(role) + ")"
		}
		out[fp] = name
	}
	return out, nil
}
