package record

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
)

// Problem is the first thing verification found wrong.
type Problem struct {
	Seq    int64  `json:"seq"`             // the audit entry concerned (0: none)
	Table  string `json:"table,omitempty"` // the row concerned, if any
	RowID  int64  `json:"row_id,omitempty"`
	Reason string `json:"reason"`
}

func (p *Problem) Error() string {
	s := fmt.Sprintf("audit entry %d: %s", p.Seq, p.Reason)
	if p.Table != "" {
		s = fmt.Sprintf("audit entry %d, %s row %d: %s", p.Seq, p.Table, p.RowID, p.Reason)
	}
	return s
}

// Result of verifying a record.
type Result struct {
	OK          bool     `json:"ok"`
	Entries     int64    `json:"entries"`
	Rows        int64    `json:"rows"`
	Head        string   `json:"head"`
	Checkpoints int      `json:"checkpoints"`
	Signers     []string `json:"signers"` // fingerprints whose signatures verified
	Anchors     []string `json:"anchors"` // which external anchors were checked
	Problem     *Problem `json:"problem,omitempty"`
}

// Verify recomputes the chain and every row hash, checks every checkpoint
// signature and the external anchors. It stops at the first problem.
func (r *Record) Verify(ctx context.Context) (*Result, error) {
	res := &Result{}
	fail := func(p *Problem) (*Result, error) {
		res.Problem = p
		return res, nil
	}
	keys := map[string]ed25519.PublicKey{} // keys of examiner rows the chain has covered so far
	// Examiner rows are read before the chain is walked: the record has one
	// connection, and the walk holds it.
	type examinerKey struct {
		fp  string
		key ed25519.PublicKey
	}
	examinerKeys := map[int64]examinerKey{}
	if err := r.eachWithHash(ctx, "examiners", func(id int64, content, _ string) {
		var c struct {
			PublicKey   string `json:"public_key"`
			Fingerprint string `json:"fingerprint"`
		}
		if json.Unmarshal([]byte(content), &c) != nil {
			return
		}
		if pub, err := hex.DecodeString(c.PublicKey); err == nil && len(pub) == ed25519.PublicKeySize && Fingerprint(pub) == c.Fingerprint {
			examinerKeys[id] = examinerKey{c.Fingerprint, pub}
		}
	}); err != nil {
		return nil, err
	}
	covered := map[string]map[int64]coverage{}
	for _, t := range contentTables {
		covered[t] = map[int64]coverage{}
	}
	prev := zeroHash
	var expect int64 = 1
	hashes := map[int64]string{}
	signers := map[string]bool{}
	for e, err := range r.Entries(ctx, 0) {
		if err != nil {
			return nil, err
		}
		if e.Seq != expect {
			if e.Seq > expect {
				return fail(&Problem{Seq: expect, Reason: fmt.Sprintf("entry %d is missing (next is %d)", expect, e.Seq)})
			}
			return fail(&Problem{Seq: e.Seq, Reason: "sequence out of order"})
		}
		tm := e.rawTime
		if e.PrevHash != prev {
			return fail(&Problem{Seq: e.Seq, Reason: "prev_hash does not match the previous entry (an entry was removed, inserted or reordered)"})
		}
		if h := entryHash(e.Seq, tm, e.Actor, e.Action, e.Corrects, string(e.Params), prev); h != e.Hash {
			return fail(&Problem{Seq: e.Seq, Reason: "entry hash does not match its content (the entry was edited)"})
		}
		if e.Corrects < 0 || e.Corrects >= e.Seq {
			return fail(&Problem{Seq: e.Seq, Reason: fmt.Sprintf("correction points at entry %d, which is not an earlier entry", e.Corrects)})
		}
		var p struct {
			Rows   map[string][][2]json.RawMessage `json:"rows"`
			Covers int64                           `json:"covers"`
			Head   string                          `json:"head"`
			Key    string                          `json:"key"`
			Sig    string                          `json:"sig"`
		}
		if err := json.Unmarshal(e.Params, &p); err != nil {
			return fail(&Problem{Seq: e.Seq, Reason: "params are not JSON"})
		}
		for table, list := range p.Rows {
			if !isContentTable(table) {
				return fail(&Problem{Seq: e.Seq, Reason: "covers rows of unknown table " + table})
			}
			for _, pair := range list {
				var id int64
				var h string
				if json.Unmarshal(pair[0], &id) != nil || json.Unmarshal(pair[1], &h) != nil {
					return fail(&Problem{Seq: e.Seq, Reason: "malformed row list"})
				}
				if _, dup := covered[table][id]; dup {
					return fail(&Problem{Seq: e.Seq, Table: table, RowID: id, Reason: "row covered twice"})
				}
				covered[table][id] = coverage{seq: e.Seq, hash: h}
				if table == "examiners" {
					if pub, ok := examinerKeys[id]; ok {
						keys[pub.fp] = pub.key
					}
				}
			}
		}
		if e.Action == "checkpoint" {
			pub, ok := keys[p.Key]
			if !ok {
				return fail(&Problem{Seq: e.Seq, Reason: "checkpoint signed by a key that is not in the record"})
			}
			sig, _ := hex.DecodeString(p.Sig)
			if hashes[p.Covers] != p.Head || !ed25519.Verify(pub, checkpointMessage(r.id, p.Covers, p.Head), sig) {
				return fail(&Problem{Seq: e.Seq, Reason: "checkpoint signature does not verify"})
			}
			signers[p.Key] = true
			res.Checkpoints++
		}
		hashes[e.Seq] = e.Hash
		prev = e.Hash
		expect++
		res.Entries++
		res.Head = e.Hash
	}
	// External anchors: the newest signed checkpoint known outside the record.
	// They are checked before the rows: after a truncation the rows of the
	// removed entries are uncovered, and the truncation is the finding to name.
	for _, a := range []struct{ name, path string }{
		{"beside the record", r.path + ".checkpoint"},
		{"examiner key folder", filepath.Join(r.opts.KeyDir, "anchors", r.id+".json")},
	} {
		b, err := os.ReadFile(a.path)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		var an Anchor
		if json.Unmarshal(b, &an) != nil || an.RecordID != r.id {
			return fail(&Problem{Reason: fmt.Sprintf("anchor %s (%s) is unreadable or belongs to another record", a.name, a.path)})
		}
		res.Anchors = append(res.Anchors, a.name)
		pub, ok := keys[an.Key]
		sig, _ := hex.DecodeString(an.Sig)
		if !ok || !ed25519.Verify(pub, checkpointMessage(r.id, an.Covers, an.Head), sig) {
			return fail(&Problem{Reason: fmt.Sprintf("anchor %s has a signature that does not verify", a.name)})
		}
		if h, ok := hashes[an.Covers]; !ok || h != an.Head {
			return fail(&Problem{Seq: an.Covers, Reason: fmt.Sprintf("the record no longer holds the entries covered by the signed checkpoint anchored %s (entries were removed or rewritten after it)", a.name)})
		}
	}
	// Every row: covered, unchanged, and every covered row present.
	for _, table := range contentTables {
		seen := map[int64]bool{}
		var bad *Problem
		err := r.eachWithHash(ctx, table, func(id int64, content, stored string) {
			if bad != nil {
				return
			}
			seen[id] = true
			res.Rows++
			c, ok := covered[table][id]
			switch {
			case !ok:
				bad = &Problem{Table: table, RowID: id, Reason: "row is not covered by any audit entry (inserted outside Loupe)"}
			case rowHash(table, id, content) != c.hash || stored != c.hash:
				bad = &Problem{Seq: c.seq, Table: table, RowID: id, Reason: "row content does not match the hash its audit entry recorded (the row was edited)"}
			}
		})
		if err != nil {
			return nil, err
		}
		if bad != nil {
			return fail(bad)
		}
		ids := make([]int64, 0, len(covered[table]))
		for id := range covered[table] {
			ids = append(ids, id)
		}
		sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
		for _, id := range ids {
			if !seen[id] {
				return fail(&Problem{Seq: covered[table][id].seq, Table: table, RowID: id, Reason: "row recorded by this entry is missing (deleted)"})
			}
		}
	}
	for k := range signers {
		res.Signers = append(res.Signers, k)
	}
	sort.Strings(res.Signers)
	res.OK = true
	return res, nil
}

type coverage struct {
	seq  int64
	hash string
}

func (r *Record) eachWithHash(ctx context.Context, table string, fn func(id int64, content, hash string)) error {
	rows, err := r.db.QueryContext(ctx, `SELECT id, content, row_hash FROM `+table+` ORDER BY id`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var c, h string
		if err := rows.Scan(&id, &c, &h); err != nil {
			return err
		}
		fn(id, c, h)
	}
	return rows.Err()
}
