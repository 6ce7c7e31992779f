package ui

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/loupe-forensics/loupe/ui/viewmodel"
)

// NotesTab is the notes and tags tab constructor.
func NotesTab(s *viewmodel.Session, w fyne.Window) fyne.CanvasObject {
	if s.Record == nil {
		return noRecord()
	}
	v := NewNotesView(s, w)
	return lazy(v.Content(), v.reload, v.reload)
}

// NotesView lists the contemporaneous notes (each timestamped by the record
// and in the audit chain), takes new ones and corrections, and lists the
// tags. In review mode the notes are the reviewer's, written with the
// reviewer's own key.
type NotesView struct {
	S        *viewmodel.Session
	List     *widget.List
	Entry    *widget.Entry
	Corrects *widget.Entry
	Add      *widget.Button
	Tags     *widget.List
	Status   *widget.Label

	Notes   []viewmodel.NoteLine
	TagRows []viewmodel.TagLine
	// Done receives the result of each add or reload (tests wait on it).
	Done chan error

	content fyne.CanvasObject
}

// NewNotesView builds the view; reload (run off the UI goroutine by the
// tab when first shown) reads the notes and tags.
func NewNotesView(s *viewmodel.Session, w fyne.Window) *NotesView {
	v := &NotesView{S: s, Done: make(chan error, 16)}
	v.List = widget.NewList(
		func() int { return len(v.Notes) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.Wrapping = fyne.TextWrapWord
			return l
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			n := v.Notes[i]
			head := fmt.Sprintf("#%d  %s  %s", n.Seq, n.Time, n.Author)
			if n.Corrects != 0 {
				head += fmt.Sprintf("  (corrects #%d)", n.Corrects)
			}
			if len(n.CorrectedBy) > 0 {
				head += fmt.Sprintf("  [corrected by %s]", joinSeqs(n.CorrectedBy))
			}
			o.(*widget.Label).SetText(head + "\n" + n.Text)
			v.List.SetItemHeight(i, o.MinSize().Height)
		})
	v.Tags = widget.NewList(
		func() int { return len(v.TagRows) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.Truncation = fyne.TextTruncateEllipsis
			return l
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			t := v.TagRows[i]
			line := fmt.Sprintf("#%d  artefact %d  %s  %s  %s", t.Seq, t.ArtefactID, t.Flag, t.Time, t.Author)
			if t.Reason != "" {
				line += " — " + t.Reason
			}
			if t.Category != "" {
				line += " [" + t.Category + "]"
			}
			o.(*widget.Label).SetText(line)
		})
	v.Entry = widget.NewMultiLineEntry()
	v.Entry.SetPlaceHolder("Contemporaneous note: what you did, saw and why. The record stamps the time.")
	v.Entry.SetMinRowsVisible(3)
	v.Entry.Wrapping = fyne.TextWrapWord
	v.Corrects = widget.NewEntry()
	v.Corrects.SetPlaceHolder("corrects #")
	v.Add = widget.NewButtonWithIcon("Add note", theme.DocumentCreateIcon(), v.add)
	v.Status = widget.NewLabel("")
	v.Status.Wrapping = fyne.TextWrapWord

	who := "examiner"
	if s.ReadOnly {
		who = "reviewer (" + s.Examiner.Name + ")"
	}
	form := container.NewBorder(nil, nil, nil, container.NewVBox(v.Corrects, v.Add), v.Entry)
	notes := container.NewBorder(widget.NewLabelWithStyle("Notes — written as the "+who+"; notes are never edited, correct them with a new note",
		fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), container.NewVBox(form, v.Status), nil, nil, v.List)
	tags := container.NewBorder(widget.NewLabelWithStyle("Tags and CPIA flags (add them from an artefact's detail)", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), nil, nil, nil, v.Tags)
	split := container.NewVSplit(notes, tags)
	split.Offset = 0.65
	v.content = split
	return v
}

// Content returns the view's root object.
func (v *NotesView) Content() fyne.CanvasObject { return v.content }

func (v *NotesView) reload() {
	notes, tags, err := v.read()
	fyne.Do(func() {
		v.apply(notes, tags, err)
		v.signal(err)
	})
}

func (v *NotesView) read() ([]viewmodel.NoteLine, []viewmodel.TagLine, error) {
	ctx := context.Background()
	notes, err := viewmodel.Notes(ctx, v.S)
	if err != nil {
		return nil, nil, err
	}
	tags, err := viewmodel.Tags(ctx, v.S)
	return notes, tags, err
}

func (v *NotesView) apply(notes []viewmodel.NoteLine, tags []viewmodel.TagLine, err error) {
	if err != nil {
		v.Status.SetText("Could not read notes: " + err.Error())
		return
	}
	v.Notes, v.TagRows = notes, tags
	v.List.Refresh()
	v.Tags.Refresh()
	if len(notes) > 0 {
		v.List.ScrollToBottom()
	}
}

func (v *NotesView) signal(err error) {
	select {
	case v.Done <- err:
	default:
	}
}

func (v *NotesView) add() {
	text := v.Entry.Text
	var corrects int64
	if c := strings.TrimPrefix(strings.TrimSpace(v.Corrects.Text), "#"); c != "" {
		n, err := strconv.ParseInt(c, 10, 64)
		if err != nil || n <= 0 {
			v.Status.SetText("“corrects” takes a note number, e.g. 42")
			return
		}
		corrects = n
	}
	v.Add.Disable()
	go func() {
		seq, err := viewmodel.AddNote(context.Background(), v.S, text, corrects)
		var notes []viewmodel.NoteLine
		var tags []viewmodel.TagLine
		var rerr error
		if err == nil {
			notes, tags, rerr = v.read()
		}
		fyne.Do(func() {
			v.Add.Enable()
			if err != nil {
				v.Status.SetText("Not recorded: " + err.Error())
				v.signal(err)
				return
			}
			v.Entry.SetText("")
			v.Corrects.SetText("")
			v.Status.SetText(fmt.Sprintf("Note recorded as audit entry #%d.", seq))
			v.apply(notes, tags, rerr)
			v.signal(rerr)
		})
	}()
}

func joinSeqs(seqs []int64) string {
	var parts []string
	for _, s := range seqs {
		parts = append(parts, "#"+strconv.FormatInt(s, 10))
	}
	return strings.Join(parts, ", ")
}
