package pidgin

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/loupe-forensics/loupe/artefacts"
	"github.com/loupe-forensics/loupe/artefacts/chats"
	"github.com/loupe-forensics/loupe/forensic/finding"
)

// Message kinds as the log shows them.
const (
	KindSend   = "send"   // HTML colour #16569E, or a text-log sender that is the local account
	KindRecv   = "recv"   // HTML colour #A82F2F, or another named sender
	KindSystem = "system" // status lines ("X has signed off.")
	KindAction = "action" // "/me" messages ("***alice waves"); direction from the sender
	KindError  = "error"  // error lines (HTML colour #FF0000)
	KindRaw    = "raw"    // raw lines written without a sender
	KindOther  = "other"  // a colour libpurple does not use for these
)

// LogMessage is one message of a conversation log. Body is the bytes after
// the sender, exactly as in the file (HTML logs keep their markup and
// entities; continuation lines are joined with their newlines).
type LogMessage struct {
	Line   int   // 1-based line number of the message's first line
	Offset int64 // byte offset of that line
	Length int64 // bytes the message spans in the file
	Stamp  string
	Time   time.Time // zero when the stamp or the session start could not be read
	Kind   string
	Sender string
	Color  string // HTML only
	Auto   bool   // an auto-reply ("<AUTO-REPLY>")
	Body   string
}

// LogSession is what one log file says.
type LogSession struct {
	Format   string // "html" or "txt"
	Header   string // "Conversation with … at … on … (…)"
	With     string // the buddy or chat, from the header
	Account  string // from the header
	Protocol string // from the header
	Start    time.Time
	HasStart bool // Start came from the file name
	ZoneName string
	Messages []LogMessage
	Problems []string
}

// nameRE is libpurple's log file name: strftime "%Y-%m-%d.%H%M%S%z%Z".
var nameRE = regexp.MustCompile(`^(\d{4})-(\d{2})-(\d{2})\.(\d{2})(\d{2})(\d{2})([+-])(\d{2})(\d{2})([A-Za-z]*)\.(html|txt)$`)

// SessionStart reads the session start from a log file name.
func SessionStart(name string) (t time.Time, zone string, ok bool) {
	m := nameRE.FindStringSubmatch(name)
	if m == nil {
		return time.Time{}, "", false
	}
	n := func(i int) int { v, _ := strconv.Atoi(m[i]); return v }
	off := (n(8)*60 + n(9)) * 60
	if m[7] == "-" {
		off = -off
	}
	loc := time.FixedZone(m[10], off)
	t = time.Date(n(1), time.Month(n(2)), n(3), n(4), n(5), n(6), 0, loc)
	if t.Month() != time.Month(n(2)) || t.Day() != n(3) || n(4) > 23 || n(5) > 59 || n(6) > 60 {
		return time.Time{}, "", false
	}
	return t, m[10], true
}

var (
	headerRE = regexp.MustCompile(`^Conversation with (.*) at (.*) on (.*) \(([^()]*)\)$`)
	// libpurple's html_logger_write: coloured lines (send, receive,
	// auto-reply, /me, error) and uncoloured ones (system, raw).
	htmlColRE = regexp.MustCompile(`^<font color="(#[0-9A-Fa-f]{6})"><font size="2">\(([^)]{1,40})\)</font>`)
	htmlSysRE = regexp.MustCompile(`^<font size="2">\(([^)]{1,40})\)</font>`)
	txtMsgRE  = regexp.MustCompile(`^\(((?:\d{1,4}[/-]\d{1,2}[/-]\d{1,4} )?\d{1,2}:\d{2}:\d{2}(?: [AP]M)?)\) `)
)

// Stamp layouts libpurple writes: time only within a day of the session
// start, with the date (locale "%x %X", or ISO) after that.
var stampLayouts = []struct {
	layout  string
	hasDate bool
}{
	{"15:04:05", false}, {"03:04:05 PM", false},
	{"01/02/06 15:04:05", true}, {"01/02/2006 15:04:05", true}, {"2006-01-02 15:04:05", true},
	{"01/02/06 03:04:05 PM", true},
}

// ParseLog reads one HTML or text log. name is the file's base name (for the
// session start); it never fails: what it cannot read becomes a Problem.
func ParseLog(data []byte, name string) LogSession {
	var s LogSession
	s.Start, s.ZoneName, s.HasStart = SessionStart(name)
	if !s.HasStart {
		s.Problems = append(s.Problems, fmt.Sprintf("file name %q is not libpurple's session-start name: message times are unknown", name))
	}
	lines := splitLines(data)
	if len(lines) == 0 {
		s.Problems = append(s.Problems, "empty log")
		return s
	}
	first := string(lines[0].text)
	if strings.HasPrefix(first, "<html>") {
		s.Format = "html"
		if i := strings.Index(first, "<title>"); i >= 0 {
			if j := strings.Index(first[i:], "</title>"); j >= 0 {
				s.Header = first[i+len("<title>") : i+j]
			}
		}
	} else {
		s.Format = "txt"
		s.Header = strings.TrimRight(first, "\r")
	}
	if m := headerRE.FindStringSubmatch(s.Header); m != nil {
		s.With, s.Account, s.Protocol = m[1], m[3], m[4]
	} else {
		s.Problems = append(s.Problems, "line 1: no \"Conversation with\" header")
	}
	prev := s.Start
	var cur *LogMessage
	finish := func() {
		if cur == nil {
			return
		}
		if s.Format == "html" {
			cur.Body = strings.TrimSuffix(strings.TrimSuffix(cur.Body, "\n"), "<br/>")
			switch cur.Kind {
			case KindSystem:
				cur.Body = strings.TrimSuffix(cur.Body, "</b>")
			case KindError:
				cur.Body = strings.TrimSuffix(cur.Body, "</b></font>")
			}
		} else {
			cur.Body = strings.TrimSuffix(cur.Body, "\n")
		}
		s.Messages = append(s.Messages, *cur)
		cur = nil
	}
	for i, ln := range lines[1:] {
		lineNo := i + 2
		text := string(ln.text)
		start, ok := s.messageStart(text)
		if !ok {
			if s.Format == "html" && strings.HasPrefix(text, "</body></html>") {
				finish()
				continue
			}
			if cur == nil {
				if strings.TrimSpace(text) != "" {
					s.Problems = append(s.Problems, fmt.Sprintf("line %d at byte %d: not a message line", lineNo, ln.off))
				}
				continue
			}
			cur.Body += text + ln.eol
			cur.Length += int64(len(ln.text) + len(ln.eol))
			continue
		}
		finish()
		start.Line, start.Offset, start.Length = lineNo, ln.off, int64(len(ln.text)+len(ln.eol))
		if s.HasStart {
			t, err := resolveStamp(start.Stamp, s.Start, prev)
			if err != nil {
				s.Problems = append(s.Problems, fmt.Sprintf("line %d at byte %d: %v", lineNo, ln.off, err))
			} else {
				start.Time, prev = t, t
			}
		}
		start.Body += ln.eol
		cur = &start
	}
	finish()
	return s
}

// messageStart recognises the first line of a message and splits it.
func (s *LogSession) messageStart(text string) (LogMessage, bool) {
	if s.Format == "html" {
		if m := htmlColRE.FindStringSubmatchIndex(text); m != nil {
			color, rest := text[m[2]:m[3]], text[m[1]:]
			msg := LogMessage{Stamp: text[m[4]:m[5]], Color: color}
			switch {
			case strings.HasPrefix(rest, " <b>"):
				rest = rest[len(" <b>"):]
				j := strings.Index(rest, "</b></font> ")
				if j < 0 {
					return LogMessage{}, false
				}
				name := rest[:j]
				msg.Body = rest[j+len("</b></font> "):]
				switch {
				case strings.HasPrefix(name, "***"):
					msg.Kind, msg.Sender = KindAction, name[3:]
				case strings.HasSuffix(name, ":"):
					msg.Sender = strings.TrimSuffix(name, ":")
					if a, ok := strings.CutSuffix(msg.Sender, " &lt;AUTO-REPLY&gt;"); ok {
						msg.Sender, msg.Auto = a, true
					}
					switch strings.ToUpper(color) {
					case "#16569E":
						msg.Kind = KindSend
					case "#A82F2F":
						msg.Kind = KindRecv
					default:
						msg.Kind = KindOther
					}
				default:
					return LogMessage{}, false
				}
			case strings.HasPrefix(rest, "<b> "):
				msg.Kind, msg.Body = KindError, rest[len("<b> "):]
			default:
				return LogMessage{}, false
			}
			return msg, true
		}
		if m := htmlSysRE.FindStringSubmatchIndex(text); m != nil {
			msg := LogMessage{Stamp: text[m[2]:m[3]]}
			rest := text[m[1]:]
			switch {
			case strings.HasPrefix(rest, "<b> "):
				msg.Kind, msg.Body = KindSystem, rest[len("<b> "):]
			case strings.HasPrefix(rest, " "):
				msg.Kind, msg.Body = KindRaw, rest[1:]
			default:
				return LogMessage{}, false
			}
			return msg, true
		}
		return LogMessage{}, false
	}
	m := txtMsgRE.FindStringSubmatchIndex(text)
	if m == nil {
		return LogMessage{}, false
	}
	msg := LogMessage{Stamp: text[m[2]:m[3]]}
	rest := text[m[1]:]
	if a, ok := strings.CutPrefix(rest, "***"); ok {
		// "(t) ***alice waves": the name ends at the first space.
		msg.Kind = KindAction
		msg.Sender, msg.Body, _ = strings.Cut(a, " ")
		return msg, true
	}
	if j := strings.Index(rest, ": "); j > 0 {
		msg.Sender, msg.Body, msg.Kind = rest[:j], rest[j+2:], KindRecv
		if a, ok := strings.CutSuffix(msg.Sender, " <AUTO-REPLY>"); ok {
			msg.Sender, msg.Auto = a, true
		}
	} else {
		msg.Body, msg.Kind = rest, KindSystem
	}
	return msg, true
}

// resolveStamp turns a line's stamp into a time in the session's zone. A
// time-only stamp is the first such clock time not before the previous
// message (libpurple prints the date only a day after the session start, so
// a conversation over midnight rolls over without one).
func resolveStamp(stamp string, start, prev time.Time) (time.Time, error) {
	loc := start.Location()
	for _, l := range stampLayouts {
		t, err := time.ParseInLocation(l.layout, stamp, loc)
		if err != nil {
			continue
		}
		if l.hasDate {
			return t, nil
		}
		c := time.Date(prev.Year(), prev.Month(), prev.Day(), t.Hour(), t.Minute(), t.Second(), 0, loc)
		if c.Before(prev) {
			c = c.AddDate(0, 0, 1)
		}
		return c, nil
	}
	return time.Time{}, fmt.Errorf("time stamp %q not understood", stamp)
}

type line struct {
	off  int64
	text []byte
	eol  string
}

func splitLines(data []byte) []line {
	var out []line
	var off int64
	for len(data) > 0 {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			out = append(out, line{off: off, text: data})
			break
		}
		t := data[:i]
		eol := "\n"
		if len(t) > 0 && t[len(t)-1] == '\r' {
			t, eol = t[:len(t)-1], "\r\n"
		}
		out = append(out, line{off: off, text: t, eol: eol})
		off += int64(i + 1)
		data = data[i+1:]
	}
	return out
}

// Log is the parser for conversation logs.
type Log struct{}

// NewLog returns the conversation-log parser.
func NewLog() *Log { return &Log{} }

func (*Log) Name() string    { return "chats/pidgin-log" }
func (*Log) Version() string { return "1" }

var htmlHead = []byte(`<html><head><meta http-equiv="content-type" content="text/html; charset=UTF-8"><title>Conversation with `)

func (*Log) Match(in *artefacts.Input) bool {
	if bytes.HasPrefix(in.Head, htmlHead) {
		return true
	}
	if !bytes.HasPrefix(in.Head, []byte("Conversation with ")) {
		return false
	}
	first, _, _ := bytes.Cut(in.Head, []byte("\n"))
	return headerRE.Match(bytes.TrimRight(first, "\r"))
}

func (p *Log) Parse(ctx context.Context, in *artefacts.Input, out finding.Sink) error {
	data, err := artefacts.ReadAll(in, maxLog)
	if err != nil {
		return fmt.Errorf("pidgin log: %w", err)
	}
	e := emitter{ctx: ctx, in: in, out: out, parser: p}
	s := ParseLog(data, path.Base(in.Path))
	for _, pr := range s.Problems {
		e.warn(nil, "pidgin log: %s", pr)
	}
	// logs/<protocol>/<account>/<buddy>/<file>: the folders name the
	// conversation even when the header is damaged.
	proto, account, buddy := s.Protocol, s.Account, s.With
	dir := path.Dir(in.Path)
	if parts := strings.Split(strings.Trim(dir, "/"), "/"); len(parts) >= 4 && parts[len(parts)-4] == "logs" {
		proto, account, buddy = parts[len(parts)-3], parts[len(parts)-2], parts[len(parts)-1]
	}
	local := localNames(in, dir, account)
	conv := proto + "/" + account + "/" + buddy
	sess := []finding.Attr{finding.S(chats.AttrClient, client), finding.S(chats.AttrConversationID, conv),
		finding.S(chats.AttrAccount, account), finding.S(chats.AttrContact, buddy), finding.S("protocol", proto),
		finding.S("log_format", s.Format), finding.I("messages", int64(len(s.Messages)))}
	if strings.HasSuffix(buddy, ".chat") {
		sess = append(sess, finding.S(chats.AttrConvType, "chat"))
	} else {
		sess = append(sess, finding.S(chats.AttrConvType, "im"))
	}
	if s.HasStart {
		sess = append(sess, finding.T("session_start", s.Start.UTC()), finding.S("time_zone", s.Start.Format("-0700")+" "+s.ZoneName))
	}
	if s.Header != "" {
		sess = append(sess, finding.S("header", s.Header))
	}
	if err := e.emit(chats.KindConversation, nil, sess...); err != nil {
		return err
	}
	for i, m := range s.Messages {
		if i%256 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		kind, dir := m.Kind, m.Kind
		if s.Format == "txt" && kind == KindRecv && local[m.Sender] {
			kind, dir = KindSend, KindSend
		}
		if kind == KindAction && m.Sender != "" {
			// The colour of a /me line does not say who wrote it.
			dir = KindRecv
			if local[m.Sender] {
				dir = KindSend
			}
		}
		msg := chats.Msg{Client: client, ConversationID: conv, Sender: m.Sender, Time: m.Time, Body: m.Body, HasBody: true}
		switch dir {
		case KindSend:
			msg.Direction, msg.Recipient = chats.DirOut, buddy
		case KindRecv:
			msg.Direction, msg.Recipient = chats.DirIn, account
		}
		attrs := msg.Attrs()
		attrs = append(attrs, finding.S(chats.AttrMessageType, kind), finding.S("time_stamp", m.Stamp))
		// The record stores text as JSON, which cannot hold invalid UTF-8:
		// such a body is also kept as bytes so it survives byte for byte.
		if !utf8.ValidString(m.Body) {
			attrs = append(attrs, finding.Raw("body_bytes", []byte(m.Body)))
		}
		if m.Color != "" {
			attrs = append(attrs, finding.S("color", m.Color))
		}
		if m.Auto {
			attrs = append(attrs, finding.B("auto_reply", true))
		}
		if err := e.emit(chats.KindMessage, lineRef(in, m.Line, m.Offset, m.Length), attrs...); err != nil {
			return err
		}
	}
	return nil
}

// localNames are the names a text log may show for the local user: the
// account (with and without resource and domain) and its alias from the
// profile's accounts.xml, four folders up, when that is readable.
func localNames(in *artefacts.Input, dir, account string) map[string]bool {
	names := map[string]bool{}
	add := func(s string) {
		if s != "" {
			names[s] = true
		}
	}
	add(account)
	node, _, _ := strings.Cut(account, "@")
	add(node)
	if in.FS == nil {
		return names
	}
	root := path.Clean(path.Join(dir, "..", "..", "..", ".."))
	b, err := readFSFile(in, path.Join(root, "accounts.xml"), maxXML)
	if err != nil {
		return names
	}
	_ = elements(b, "account", func(d *xml.Decoder, start xml.StartElement, _ int64) error {
		var a xmlAccount
		if d.DecodeElement(&a, &start) != nil {
			return nil
		}
		bare, _, _ := strings.Cut(a.Name, "/")
		if bare == account || a.Name == account {
			add(a.Alias)
			add(a.Name)
		}
		return nil
	})
	return names
}
