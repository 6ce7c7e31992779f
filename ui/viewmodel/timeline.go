package viewmodel

import (
	"context"
	"fmt"
	"sort"
	"time"
)

// Zoom is a timeline bucket size, from years down to minutes.
type Zoom int

const (
	ZoomYear Zoom = iota
	ZoomMonth
	ZoomDay
	ZoomHour
	ZoomMinute
)

var zoomNames = [...]string{"year", "month", "day", "hour", "minute"}

func (z Zoom) String() string {
	if z < ZoomYear || z > ZoomMinute {
		return fmt.Sprintf("zoom(%d)", int(z))
	}
	return zoomNames[z]
}

// Truncate returns the start of the bucket holding t, on the calendar of loc
// (a day in Europe/London starts at local midnight, whatever the offset).
func (z Zoom) Truncate(t time.Time, loc *time.Location) time.Time {
	l := t.In(loc)
	y, m, d := l.Date()
	switch z {
	case ZoomYear:
		return time.Date(y, 1, 1, 0, 0, 0, 0, loc)
	case ZoomMonth:
		return time.Date(y, m, 1, 0, 0, 0, 0, loc)
	case ZoomDay:
		return time.Date(y, m, d, 0, 0, 0, 0, loc)
	case ZoomHour:
		// Hours are cut on absolute time: across a DST change local
		// clock hours repeat or vanish, absolute hours never do.
		return t.Truncate(time.Hour).In(loc)
	default:
		return t.Truncate(time.Minute).In(loc)
	}
}

// Next returns the start of the bucket after the one starting at start.
func (z Zoom) Next(start time.Time) time.Time {
	switch z {
	case ZoomYear:
		return start.AddDate(1, 0, 0)
	case ZoomMonth:
		return start.AddDate(0, 1, 0)
	case ZoomDay:
		return start.AddDate(0, 0, 1)
	case ZoomHour:
		return start.Add(time.Hour)
	default:
		return start.Add(time.Minute)
	}
}

// Label prints a bucket's start at this zoom.
func (z Zoom) Label(start time.Time) string {
	switch z {
	case ZoomYear:
		return start.Format("2006")
	case ZoomMonth:
		return start.Format("2006-01")
	case ZoomDay:
		return start.Format("2006-01-02")
	case ZoomHour:
		return start.Format("2006-01-02 15:00 MST")
	default:
		return start.Format("2006-01-02 15:04 MST")
	}
}

// Event is one moment of activity: an artefact's time attribute.
type Event struct {
	ArtefactID int64
	Kind       string
	Family     string
	Attr       string
	Time       time.Time // UTC, as recorded
	Summary    string    // the artefact's key columns, for the event list
}

// Timeline holds every event of the record, oldest first.
type Timeline struct {
	Events   []Event
	Families []string // families that have events, in navigator order
}

// MaxBuckets bounds one view of the plot; a window needing more is refused
// (zoom in on a bucket instead).
const MaxBuckets = 5000

// LoadTimeline reads every artefact's activity times from the record.
func LoadTimeline(ctx context.Context, s *Session) (*Timeline, error) {
	fams := Families()
	byName := map[string]Family{}
	for _, f := range fams {
		byName[f.Name] = f
	}
	tl := &Timeline{}
	has := map[string]bool{}
	fm := newFormatter(s)
	for a, err := range s.Record.Artefacts(ctx, "") {
		if err != nil {
			return nil, fmt.Errorf("read artefacts: %w", err)
		}
		ts := TimeAttrs(a.Attrs)
		if len(ts) == 0 {
			continue
		}
		fam := FamilyOf(fams, a.Kind)
		has[fam] = true
		sum := summary(fm, a.Attrs, 2)
		if a.Source != nil && a.Source.Path() != "" {
			sum += "  " + a.Source.Path()
		}
		for _, at := range ts {
			tl.Events = append(tl.Events, Event{ArtefactID: a.ID, Kind: a.Kind, Family: fam, Attr: at.Name, Time: at.Time.UTC(), Summary: sum})
		}
	}
	sort.SliceStable(tl.Events, func(i, j int) bool {
		a, b := tl.Events[i], tl.Events[j]
		if !a.Time.Equal(b.Time) {
			return a.Time.Before(b.Time)
		}
		if a.ArtefactID != b.ArtefactID {
			return a.ArtefactID < b.ArtefactID
		}
		return a.Attr < b.Attr
	})
	for _, f := range fams {
		if has[f.Name] {
			tl.Families = append(tl.Families, f.Name)
		}
	}
	return tl, nil
}

// Bucket is one bar group of the plot.
type Bucket struct {
	Start, End time.Time // in the display zone; End exclusive
	Counts     []int     // per Timeline.Families
	Total      int
}

// Range returns the span covering every event at zoom z in loc: from the
// start of the first event's bucket to the end of the last one's.
func (tl *Timeline) Range(z Zoom, loc *time.Location) (from, to time.Time, ok bool) {
	if len(tl.Events) == 0 {
		return time.Time{}, time.Time{}, false
	}
	from = z.Truncate(tl.Events[0].Time, loc)
	to = z.Next(z.Truncate(tl.Events[len(tl.Events)-1].Time, loc))
	return from, to, true
}

// Buckets counts the events in [from, to) per bucket of size z and per
// family. from should be a bucket start (Truncate); to is rounded up to one.
func (tl *Timeline) Buckets(z Zoom, from, to time.Time, loc *time.Location) ([]Bucket, error) {
	famIdx := map[string]int{}
	for i, f := range tl.Families {
		famIdx[f] = i
	}
	var out []Bucket
	for st := z.Truncate(from, loc); st.Before(to); st = z.Next(st) {
		if len(out) == MaxBuckets {
			return nil, fmt.Errorf("%s to %s needs more than %d %s buckets: zoom in on a shorter span", from.Format(time.RFC3339), to.Format(time.RFC3339), MaxBuckets, z)
		}
		out = append(out, Bucket{Start: st, End: z.Next(st), Counts: make([]int, len(tl.Families))})
	}
	if len(out) == 0 {
		return nil, nil
	}
	// Events are sorted: find the first in range, then walk buckets along.
	i := sort.Search(len(tl.Events), func(i int) bool { return !tl.Events[i].Time.Before(out[0].Start) })
	b := 0
	for ; i < len(tl.Events); i++ {
		e := tl.Events[i]
		for b < len(out) && !e.Time.Before(out[b].End) {
			b++
		}
		if b == len(out) {
			break
		}
		out[b].Counts[famIdx[e.Family]]++
		out[b].Total++
	}
	return out, nil
}

// EventsIn returns the events in [from, to), oldest first.
func (tl *Timeline) EventsIn(from, to time.Time) []Event {
	i := sort.Search(len(tl.Events), func(i int) bool { return !tl.Events[i].Time.Before(from) })
	j := sort.Search(len(tl.Events), func(i int) bool { return !tl.Events[i].Time.Before(to) })
	if j < i {
		return nil
	}
	return tl.Events[i:j]
}

// TimelineView is the plot's navigation state: the zoom and the window
// shown. Zooming in opens one bucket at the next finer size (a year's
// months, a month's days, …); zooming out goes back to the enclosing one.
type TimelineView struct {
	TL   *Timeline
	Loc  *time.Location
	Zoom Zoom
	From time.Time
	To   time.Time
}

// NewTimelineView starts at years over the whole record and then zooms in
// while all events fall into one bucket, so the first plot shows spread.
func NewTimelineView(tl *Timeline, loc *time.Location) *TimelineView {
	v := &TimelineView{TL: tl, Loc: loc, Zoom: ZoomYear}
	v.From, v.To, _ = tl.Range(ZoomYear, loc)
	for v.Zoom < ZoomMinute {
		bs, err := v.Buckets()
		if err != nil {
			break
		}
		only := -1
		for i, b := range bs {
			if b.Total > 0 {
				if only >= 0 {
					only = -2
					break
				}
				only = i
			}
		}
		if only < 0 {
			break
		}
		v.ZoomIn(bs[only])
	}
	return v
}

// Buckets returns the buckets of the current window.
func (v *TimelineView) Buckets() ([]Bucket, error) {
	return v.TL.Buckets(v.Zoom, v.From, v.To, v.Loc)
}

// ZoomIn shows bucket b at the next finer size. It reports false at minutes.
func (v *TimelineView) ZoomIn(b Bucket) bool {
	if v.Zoom >= ZoomMinute {
		return false
	}
	v.Zoom++
	v.From, v.To = b.Start, b.End
	return true
}

// ZoomOut shows the bucket enclosing the window at the next coarser size
// (at years: every year of the record). It reports false at years.
func (v *TimelineView) ZoomOut() bool {
	if v.Zoom <= ZoomYear {
		return false
	}
	v.Zoom--
	if v.Zoom == ZoomYear {
		v.From, v.To, _ = v.TL.Range(ZoomYear, v.Loc)
		return true
	}
	parent := v.Zoom - 1
	v.From = parent.Truncate(v.From, v.Loc)
	v.To = parent.Next(v.From)
	return true
}
