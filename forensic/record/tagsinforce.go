package record

import "sort"

// TagsInForce decides which tags are in force, the one rule every reader
// (reports, the app) applies. Tags are applied in the order they were
// written (row ID): a tag sets its flag on its artefact (a later one of the
// same flag replaces the earlier, so the newest reason wins), and a tag with
// Removes (WithdrawTag) withdraws that flag from that artefact; a new tag
// after a withdrawal puts it back. The result maps artefact ID to flag to
// the tag in force.
func TagsInForce(tags []Tag) map[int64]map[string]Tag {
	sorted := append([]Tag(nil), tags...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].ID < sorted[j].ID })
	out := map[int64]map[string]Tag{}
	for _, t := range sorted {
		m := out[t.ArtefactID]
		if t.Removes {
			if m != nil {
				delete(m, t.Flag)
				if len(m) == 0 {
					delete(out, t.ArtefactID)
				}
			}
			continue
		}
		if m == nil {
			m = map[string]Tag{}
			out[t.ArtefactID] = m
		}
		m[t.Flag] = t
	}
	return out
}

// SensitiveIDs returns the artefacts with a sensitive tag in force
// (TagsInForce): the items no officer-facing output may show.
func SensitiveIDs(tags []Tag) map[int64]bool {
	out := map[int64]bool{}
	for id, flags := range TagsInForce(tags) {
		if _, ok := flags[FlagSensitive]; ok {
			out[id] = true
		}
	}
	return out
}
