package record

import "testing"

func TestTagsInForce(t *testing.T) {
	tags := []Tag{
		{ID: 1, ArtefactID: 7, Flag: FlagSensitive, Category: "covert technique"},
		{ID: 2, ArtefactID: 8, Flag: FlagSensitive, Category: "partner agency"},
		{ID: 3, ArtefactID: 7, Flag: FlagRelevant},
		{ID: 4, ArtefactID: 8, Flag: FlagSensitive, Removes: true, RemovesID: 2},
		{ID: 6, ArtefactID: 9, Flag: FlagSensitive, Category: "second word"},
		{ID: 5, ArtefactID: 9, Flag: FlagSensitive, Category: "first word"}, // out of order: row ID decides
	}
	in := TagsInForce(tags)
	if len(in) != 2 || len(in[7]) != 2 || in[8] != nil || in[9][FlagSensitive].Category != "second word" {
		t.Errorf("in force: %+v", in)
	}
	s := SensitiveIDs(tags)
	if len(s) != 2 || !s[7] || s[8] || !s[9] {
		t.Errorf("sensitive: %v", s)
	}
	// Tagged again after the withdrawal: back in force.
	s = SensitiveIDs(append(tags, Tag{ID: 10, ArtefactID: 8, Flag: FlagSensitive, Category: "again"}))
	if !s[8] {
		t.Error("a sensitive tag after a withdrawal is not in force")
	}
}
