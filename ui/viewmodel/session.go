package viewmodel

import (
	"time"

	"github.com/loupe-forensics/loupe/forensic/disk"
	"github.com/loupe-forensics/loupe/forensic/record"
	"github.com/loupe-forensics/loupe/forensic/source"
)

// Session is one open examination as every view sees it: the record (the
// only place views read findings from and write notes, tags and reviews to),
// the evidence it is about, and the examiner's display preferences. The app
// shell builds it; views receive it. Add fields; do not remove or rename them.
type Session struct {
	Record     *record.Record
	RecordPath string
	ReadOnly   bool // review mode: opened with record.OpenReadOnly; no writes

	EvidencePaths []string   // image files, as recorded at intake
	Disk          *disk.Disk // nil until the evidence is opened (it may be absent in review)

	Zone *time.Location // display zone (UTC is stored); nil means Europe/London

	// ShowSource asks the shell to show a provenance reference in the
	// evidence tree and hex viewer (set by the shell; nil when there is none).
	ShowSource func(ref *source.Ref)
	// Changed is called after a view wrote to the record (note, tag, review)
	// so other views can refresh (set by the shell; may be nil).
	Changed func()

	// Examiner is who is working: the examiner, or in review mode the
	// reviewer, whose own writer (record.Open under their key) takes review
	// notes and the sign-off. KeyDir holds their key ("" = the default).
	Examiner record.Examiner
	KeyDir   string
	// Reproduce re-runs the recorded parsers for review mode (nil: the
	// loupe-cli beside this executable or on PATH; see CLIReproducer).
	Reproduce Reproducer

	views viewLog // artefacts whose viewing is already in the access log
}

// DisplayZone returns the session's display zone: Zone, or Europe/London, or
// UTC when the tz database is missing.
func (s *Session) DisplayZone() *time.Location {
	if s != nil && s.Zone != nil {
		return s.Zone
	}
	if l, err := time.LoadLocation("Europe/London"); err == nil {
		return l
	}
	return time.UTC
}

// FormatTime prints t in the display zone as RFC 3339 with the zone's
// abbreviation, so the zone is shown wherever a time is.
func (s *Session) FormatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	l := t.In(s.DisplayZone())
	return l.Format(time.RFC3339) + " " + l.Format("MST")
}
