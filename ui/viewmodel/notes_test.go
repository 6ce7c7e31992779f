package viewmodel

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/loupe-forensics/loupe/forensic/record"
)

func TestNotesAndCorrections(t *testing.T) {
	ctx := context.Background()
	s := demoSession(t, false)
	changed := 0
	s.Changed = func() { changed++ }
	before := entryCount(t, s)
	first, err := AddNote(ctx, s, "Exhibit ABC/1 seal intact on receipt", 0)
	if err != nil {
		t.Fatal(err)
	}
	fix, err := AddNote(ctx, s, "Correction: seal number 12345 checked against MG10", first)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := AddNote(ctx, s, "   ", 0); err == nil {
		t.Error("an empty note was accepted")
	}
	if got := entryCount(t, s) - before; got != 2 || changed != 2 {
		t.Errorf("two notes added %d entries, Changed called %d times", got, changed)
	}
	notes, err := Notes(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	if len(notes) != 2 {
		t.Fatalf("%d notes", len(notes))
	}
	if notes[0].Seq != first || notes[0].Author != demoExaminer || len(notes[0].CorrectedBy) != 1 || notes[0].CorrectedBy[0] != fix {
		t.Errorf("first note %+v", notes[0])
	}
	if notes[1].Corrects != first || notes[0].Text != "Exhibit ABC/1 seal intact on receipt" {
		t.Errorf("correction %+v", notes[1])
	}
	// Times are shown in the display zone with the zone's abbreviation.
	if !strings.HasSuffix(notes[0].Time, " GMT") && !strings.HasSuffix(notes[0].Time, " BST") {
		t.Errorf("note time %q does not name the London zone", notes[0].Time)
	}
}

func TestTagsFollowCPIARules(t *testing.T) {
	ctx := context.Background()
	s := demoSession(t, false)
	before := entryCount(t, s)
	if _, err := AddTag(ctx, s, 3, record.FlagUndermines, "", ""); !errors.Is(err, record.ErrInvalid) {
		t.Errorf("undermines without a reason: %v", err)
	}
	if _, err := AddTag(ctx, s, 3, record.FlagSensitive, "", ""); !errors.Is(err, record.ErrInvalid) {
		t.Errorf("sensitive without a category: %v", err)
	}
	if _, err := AddTag(ctx, s, 3, record.FlagUndermines, "wallet label suggests a third party", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := AddTag(ctx, s, 4, record.FlagSensitive, "", "third-party personal data"); err != nil {
		t.Fatal(err)
	}
	if got := entryCount(t, s) - before; got != 2 {
		t.Errorf("two tags added %d entries", got)
	}
	tags, err := Tags(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	if len(tags) != 2 || tags[0].ArtefactID != 3 || tags[0].Flag != "undermines" || tags[0].Reason != "wallet label suggests a third party" ||
		tags[1].Flag != "sensitive" || tags[1].Category != "third-party personal data" || tags[1].Author != demoExaminer {
		t.Errorf("tags %+v", tags)
	}
	d, err := LoadDetail(ctx, s, 4, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Tags) != 1 || d.Tags[0].Flag != "sensitive" {
		t.Errorf("detail of artefact 4 shows tags %+v", d.Tags)
	}
}
