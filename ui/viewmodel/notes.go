package viewmodel

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/loupe-forensics/loupe/forensic/record"
)

// TagFlags are the CPIA flags an artefact can carry, in menu order.
var TagFlags = []string{record.FlagRelevant, record.FlagUndermines, record.FlagAssists, record.FlagSensitive, record.FlagNotable}

// NoteLine is one note as the notes view lists it.
type NoteLine struct {
	Seq      int64
	Time     string // display zone, zone shown
	Author   string
	Text     string
	Corrects int64 // seq of the entry this note corrects, or 0
	// CorrectedBy lists the seqs of later notes that correct this one; the
	// note itself stays as written (the record is append-only).
	CorrectedBy []int64
}

// Notes lists the record's notes oldest first, with author names and the
// corrections that point at each.
func Notes(ctx context.Context, s *Session) ([]NoteLine, error) {
	notes, err := s.Record.Notes(ctx)
	if err != nil {
		return nil, fmt.Errorf("read notes: %w", err)
	}
	names, _ := s.Record.ExaminerNames(ctx)
	seqs, err := rowSeqs(ctx, s.Record, "note", "notes")
	if err != nil {
		return nil, err
	}
	bySeq := map[int64]int{}
	out := make([]NoteLine, 0, len(notes))
	for _, n := range notes {
		who := names[n.Author]
		if who == "" {
			who = n.Author
		}
		if n.Seq == 0 {
			n.Seq = seqs[n.ID]
		}
		bySeq[n.Seq] = len(out)
		out = append(out, NoteLine{Seq: n.Seq, Time: s.FormatTime(n.Time), Author: who, Text: n.Text, Corrects: n.Corrects})
	}
	for _, n := range out {
		if i, ok := bySeq[n.Corrects]; ok && n.Corrects != 0 {
			out[i].CorrectedBy = append(out[i].CorrectedBy, n.Seq)
		}
	}
	return out, nil
}

// AddNote writes a contemporaneous note (the record stamps its time);
// corrects, when not 0, is the seq of the note it corrects. It returns the
// note's audit entry seq.
func AddNote(ctx context.Context, s *Session, text string, corrects int64) (int64, error) {
	if strings.TrimSpace(text) == "" {
		return 0, errors.New("a note needs text")
	}
	var seq int64
	err := s.Write(ctx, func(w *record.Record) error {
		var err error
		seq, err = w.AddNote(ctx, text, corrects)
		return err
	})
	return seq, err
}

// AddTag flags an artefact. The record enforces CPIA's rules (a reason for
// undermines/assists, a category for sensitive); the error says which.
func AddTag(ctx context.Context, s *Session, artefactID int64, flag, reason, category string) (int64, error) {
	var seq int64
	err := s.Write(ctx, func(w *record.Record) error {
		var err error
		seq, err = w.AddTag(ctx, artefactID, flag, reason, category)
		return err
	})
	return seq, err
}

// TagLine is one tag as the notes view lists it.
type TagLine struct {
	Seq        int64
	ArtefactID int64
	Flag       string
	Reason     string
	Category   string
	Author     string
	Time       string
}

// Tags lists the record's tags oldest first.
func Tags(ctx context.Context, s *Session) ([]TagLine, error) {
	tags, err := s.Record.Tags(ctx)
	if err != nil {
		return nil, fmt.Errorf("read tags: %w", err)
	}
	names, _ := s.Record.ExaminerNames(ctx)
	seqs, err := rowSeqs(ctx, s.Record, "tag", "tags")
	if err != nil {
		return nil, err
	}
	out := make([]TagLine, 0, len(tags))
	for _, t := range tags {
		if t.Seq == 0 {
			t.Seq = seqs[t.ID]
		}
		who := names[t.Author]
		if who == "" {
			who = t.Author
		}
		flag := t.Flag
		if t.Removes {
			flag = "withdrawn: " + flag
		}
		out = append(out, TagLine{Seq: t.Seq, ArtefactID: t.ArtefactID, Flag: flag, Reason: t.Reason, Category: t.Category, Author: who, Time: s.FormatTime(t.Time)})
	}
	return out, nil
}

// rowSeqs maps the row ids of table to the seq of the audit entry that
// wrote them (params.rows lists them), for the record's readers that leave
// Seq unset: a correction points at the entry's seq, not the row id.
func rowSeqs(ctx context.Context, rec *record.Record, action, table string) (map[int64]int64, error) {
	entries, err := rec.EntriesByAction(ctx, action)
	if err != nil {
		return nil, fmt.Errorf("read %s entries: %w", action, err)
	}
	out := map[int64]int64{}
	for _, e := range entries {
		var p struct {
			Rows map[string][][2]json.RawMessage `json:"rows"`
		}
		if err := json.Unmarshal(e.Params, &p); err != nil {
			return nil, fmt.Errorf("entry %d: %w", e.Seq, err)
		}
		for _, r := range p.Rows[table] {
			var id int64
			if err := json.Unmarshal(r[0], &id); err == nil {
				out[id] = e.Seq
			}
		}
	}
	return out, nil
}
