package source

// EntryIndex resolves entry steps that name a file by path without its
// inode or MFT entry to the one entry with that path on the same file
// system that other references name with an ID, so that one file is one
// object in a report. Parsers now name neighbouring files with their ID
// (artefacts.Input.Sibling); records made before that still hold
// path-only steps, and this keeps their reports right.
type EntryIndex map[string][]string // parent key + "\x00" + path -> IDs

// Note records the ID of step's entry (or of the entry of a stream step).
func (ix EntryIndex) Note(step *Ref) {
	e := entryOf(step)
	if e == nil || e.ID == "" {
		return
	}
	k := e.Parent.String() + "\x00" + e.Locator
	for _, id := range ix[k] {
		if id == e.ID {
			return
		}
	}
	ix[k] = append(ix[k], e.ID)
}

// Resolve returns step with the entry's ID filled in when exactly one ID
// was noted for that path; otherwise step unchanged.
func (ix EntryIndex) Resolve(step *Ref) *Ref {
	e := entryOf(step)
	if e == nil || e.ID != "" {
		return step
	}
	known := ix[e.Parent.String()+"\x00"+e.Locator]
	if len(known) != 1 {
		return step
	}
	r := e.Parent.Entry(e.Locator, known[0])
	if step.Type == TypeStream {
		r = r.Stream(step.Locator)
	}
	return r
}

func entryOf(step *Ref) *Ref {
	if step != nil && step.Type == TypeStream {
		step = step.Parent
	}
	if step == nil || step.Type != TypeEntry || step.Parent == nil {
		return nil
	}
	return step
}
