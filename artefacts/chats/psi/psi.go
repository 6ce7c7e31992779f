// Package psi reads Psi and Psi+ profiles: accounts.xml (accounts, the
// lightly obfuscated password, the cached roster) and the flat history files
// (history/<jid>.history, one "|"-separated event per line).
//
// Formats follow Psi's public source: options XML with typed elements
// (<jid type="QString">), encodePassword (each UTF-16 code unit XOR the
// JID's, as four hex digits), and EDBFlatFile's lines
// "|time|type|to/from|flags|[subject|][url|desc|…]body" with "\\", "\p" and
// "\n" escapes. Psi 1.x's SQLite history (history.db) is not read yet.
package psi

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"net/url"
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/loupe-forensics/loupe/artefacts"
	"github.com/loupe-forensics/loupe/artefacts/chats"
	"github.com/loupe-forensics/loupe/forensic/finding"
	"github.com/loupe-forensics/loupe/forensic/source"
)

const client = "psi"

// KindCredential holds a password recovered from accounts.xml. finding.Attr
// has no sensitivity flag, so the secret has its own kind, marked
// sensitive=true; chat.account says only password_present.
const KindCredential = "chat.credential"

const (
	maxXML     = 16 << 20
	maxHistory = 256 << 20
)

type emitter struct {
	ctx    context.Context
	in     *artefacts.Input
	out    finding.Sink
	parser artefacts.Parser
}

func (e emitter) emit(kind string, src *source.Ref, attrs ...finding.Attr) error {
	if src == nil {
		src = e.in.Ref
	}
	return e.out.Artefact(e.ctx, finding.Artefact{Kind: kind, Category: finding.Data, Attrs: attrs,
		Parser: e.parser.Name(), ParserVersion: e.parser.Version(), Source: src, SourceSHA256: e.in.SHA256})
}

func (e emitter) warn(src *source.Ref, format string, args ...any) {
	if src == nil {
		src = e.in.Ref
	}
	_ = e.out.Warn(e.ctx, finding.Warning{Parser: e.parser.Name(), Source: src, Message: fmt.Sprintf(format, args...)})
}

// DecodePassword reverses Psi's encodePassword with the account JID as key.
func DecodePassword(enc, key string) (string, error) {
	if len(enc)%4 != 0 {
		return "", fmt.Errorf("encoded password of %d hex digits is not a multiple of 4", len(enc))
	}
	k := utf16.Encode([]rune(key))
	if len(k) == 0 {
		return enc, nil
	}
	u := make([]uint16, 0, len(enc)/4)
	for i := 0; i < len(enc); i += 4 {
		v, err := strconv.ParseUint(enc[i:i+4], 16, 16)
		if err != nil {
			return "", fmt.Errorf("encoded password at digit %d: %w", i, err)
		}
		u = append(u, uint16(v)^k[(i/4)%len(k)])
	}
	return string(utf16.Decode(u)), nil
}

// node is a generic element of Psi's options XML.
type node struct {
	XMLName xml.Name
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
	Nodes   []node `xml:",any"`
}

func (n *node) child(name string) *node {
	for i := range n.Nodes {
		if n.Nodes[i].XMLName.Local == name {
			return &n.Nodes[i]
		}
	}
	return nil
}

func (n *node) text(name string) (string, bool) {
	if c := n.child(name); c != nil {
		return c.Text, true
	}
	return "", false
}

var slotRE = regexp.MustCompile(`^a[0-9]+$`)

// Accounts is the parser for Psi's accounts.xml.
type Accounts struct{}

// NewAccounts returns the accounts.xml parser.
func NewAccounts() *Accounts { return &Accounts{} }

func (*Accounts) Name() string    { return "chats/psi-accounts" }
func (*Accounts) Version() string { return "1" }

func (*Accounts) Match(in *artefacts.Input) bool {
	return bytes.Contains(in.Head, []byte("<accounts")) && bytes.Contains(in.Head, []byte("http://psi-im.org/options"))
}

func (p *Accounts) Parse(ctx context.Context, in *artefacts.Input, out finding.Sink) error {
	data, err := artefacts.ReadAll(in, maxXML)
	if err != nil {
		return fmt.Errorf("psi accounts.xml: %w", err)
	}
	e := emitter{ctx: ctx, in: in, out: out, parser: p}
	var root node
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = false
	if err := d.Decode(&root); err != nil {
		e.warn(nil, "psi accounts.xml at byte %d: %v", d.InputOffset(), err)
	}
	list := root.child("accounts")
	if list == nil {
		return nil
	}
	for _, a := range list.Nodes {
		if !slotRE.MatchString(a.XMLName.Local) {
			continue
		}
		ref := in.Ref.Record("xml", "/accounts/accounts/"+a.XMLName.Local)
		jid, _ := a.text("jid")
		attrs := []finding.Attr{finding.S(chats.AttrClient, client), finding.S(chats.AttrAccount, jid)}
		for _, f := range []struct{ el, attr string }{{"name", chats.AttrName}, {"resource", "resource"}, {"host", "host"}, {"id", "account_id"}} {
			if v, ok := a.text(f.el); ok && v != "" {
				attrs = append(attrs, finding.S(f.attr, v))
			}
		}
		if v, ok := a.text("enabled"); ok {
			attrs = append(attrs, finding.B("enabled", v == "true"))
		}
		enc, _ := a.text("password")
		attrs = append(attrs, finding.B("password_present", enc != ""))
		if enc != "" {
			attrs = append(attrs, finding.S("password_storage", "Psi obfuscation (XOR with the JID), reversible"))
		}
		if err := e.emit(chats.KindAccount, ref, attrs...); err != nil {
			return err
		}
		if enc != "" {
			pw, err := DecodePassword(enc, jid)
			if err != nil {
				e.warn(ref, "psi account %s: %v", a.XMLName.Local, err)
			} else if err := e.emit(KindCredential, ref, finding.S(chats.AttrClient, client), finding.S(chats.AttrAccount, jid),
				finding.S("credential_type", "password"), finding.S("storage", "accounts.xml, XOR with the JID"),
				finding.B("sensitive", true), finding.S("password", pw)); err != nil {
				return err
			}
		}
		if rc := a.child("roster-cache"); rc != nil {
			for _, c := range rc.Nodes {
				if !slotRE.MatchString(c.XMLName.Local) {
					continue
				}
				cj, _ := c.text("jid")
				cattrs := []finding.Attr{finding.S(chats.AttrClient, client), finding.S(chats.AttrContact, cj), finding.S(chats.AttrAccount, jid)}
				if v, _ := c.text("name"); v != "" {
					cattrs = append(cattrs, finding.S(chats.AttrName, v))
				}
				if v, ok := c.text("subscription"); ok {
					cattrs = append(cattrs, finding.S("subscription", v))
				}
				var groups []string
				if g := c.child("groups"); g != nil {
					for _, it := range g.Nodes {
						groups = append(groups, it.Text)
					}
				}
				cattrs = append(cattrs, finding.S("groups", strings.Join(groups, ",")))
				if err := e.emit(chats.KindContact, in.Ref.Record("xml", "/accounts/accounts/"+a.XMLName.Local+"/roster-cache/"+c.XMLName.Local), cattrs...); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// HistoryEvent is one line of a history file.
type HistoryEvent struct {
	Line        int
	Offset, Len int64
	Stamp       string
	Time        time.Time // the stamp read as UTC (Psi stores local time without a zone)
	Type        int
	Origin      string // "to" (sent) or "from"
	Flags       string
	Subject     string
	URLs        []string
	Body        string
}

var historyRE = regexp.MustCompile(`^\|(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\|(\d+)\|(to|from)\|`)

// logdecode reverses Psi's logencode: "\\" → "\", "\p" → "|", "\n" → newline.
func logdecode(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			switch s[i+1] {
			case '\\':
				b.WriteByte('\\')
				i++
				continue
			case 'p':
				b.WriteByte('|')
				i++
				continue
			case 'n':
				b.WriteByte('\n')
				i++
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// ParseHistoryLine reads one history line.
func ParseHistoryLine(text string) (HistoryEvent, error) {
	if !historyRE.MatchString(text) {
		return HistoryEvent{}, fmt.Errorf("not a history event line")
	}
	f := strings.Split(text, "|")
	if len(f) < 6 {
		return HistoryEvent{}, fmt.Errorf("%d fields, want at least 6", len(f))
	}
	ev := HistoryEvent{Stamp: f[1], Origin: f[3], Flags: f[4]}
	ev.Type, _ = strconv.Atoi(f[2])
	t, err := time.Parse("2006-01-02T15:04:05", f[1])
	if err != nil {
		return HistoryEvent{}, fmt.Errorf("time %q: %w", f[1], err)
	}
	ev.Time = t
	rest := f[5:]
	if len(ev.Flags) > 1 && ev.Flags[1] == 'S' && len(rest) > 1 {
		ev.Subject, rest = logdecode(rest[0]), rest[1:]
	}
	if len(ev.Flags) > 2 && ev.Flags[2] == 'U' {
		for len(rest) > 2 {
			ev.URLs = append(ev.URLs, logdecode(rest[0]))
			rest = rest[2:]
		}
	}
	ev.Body = logdecode(strings.Join(rest, "|"))
	return ev, nil
}

// psiTypes are EDBFlatFile's event types.
var psiTypes = map[int]string{1: "normal", 2: "chat", 4: "error", 5: "headline"}

// History is the parser for Psi's flat history files.
type History struct{}

// NewHistory returns the history-file parser.
func NewHistory() *History { return &History{} }

func (*History) Name() string    { return "chats/psi-history" }
func (*History) Version() string { return "1" }

func (*History) Match(in *artefacts.Input) bool {
	first, _, _ := bytes.Cut(in.Head, []byte("\n"))
	return historyRE.Match(first)
}

// peerFromName decodes a history file name: Psi writes the bare JID with
// "@" as "_at_" and other unsafe characters %-escaped.
func peerFromName(name string) string {
	s := strings.TrimSuffix(name, ".history")
	s = strings.ReplaceAll(s, "_at_", "@")
	if u, err := url.PathUnescape(s); err == nil {
		s = u
	}
	return s
}

func (p *History) Parse(ctx context.Context, in *artefacts.Input, out finding.Sink) error {
	data, err := artefacts.ReadAll(in, maxHistory)
	if err != nil {
		return fmt.Errorf("psi history: %w", err)
	}
	e := emitter{ctx: ctx, in: in, out: out, parser: p}
	peer := peerFromName(path.Base(in.Path))
	var off int64
	n := 0
	for lineNo := 1; len(data) > 0; lineNo++ {
		if lineNo%1024 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		i := bytes.IndexByte(data, '\n')
		raw := data
		if i >= 0 {
			raw = data[:i]
		}
		text := strings.TrimSuffix(string(raw), "\r")
		ref := in.Ref.Child(source.TypeRecord, "line", strconv.Itoa(lineNo), off, int64(len(raw)))
		if text != "" {
			ev, err := ParseHistoryLine(text)
			if err != nil {
				e.warn(ref, "psi history line %d at byte %d: %v", lineNo, off, err)
			} else {
				n++
				m := chats.Msg{Client: client, ConversationID: peer, Time: ev.Time, Body: ev.Body, HasBody: true}
				if ev.Origin == "to" {
					m.Direction, m.Recipient = chats.DirOut, peer
				} else {
					m.Direction, m.Sender = chats.DirIn, peer
				}
				attrs := m.Attrs()
				tn, ok := psiTypes[ev.Type]
				if !ok {
					tn = strconv.Itoa(ev.Type)
				}
				attrs = append(attrs, finding.S(chats.AttrMessageType, tn), finding.S("time_local", ev.Stamp),
					finding.S("time_basis", "local time without zone, read as UTC"), finding.S("flags", ev.Flags))
				// The record stores text as JSON, which cannot hold invalid UTF-8:
				// such a body is also kept as bytes so it survives byte for byte.
				if !utf8.ValidString(ev.Body) {
					attrs = append(attrs, finding.Raw("body_bytes", []byte(ev.Body)))
				}
				if ev.Subject != "" {
					attrs = append(attrs, finding.S("subject", ev.Subject))
				}
				if len(ev.URLs) > 0 {
					attrs = append(attrs, finding.S("urls", strings.Join(ev.URLs, " ")))
				}
				if err := e.emit(chats.KindMessage, ref, attrs...); err != nil {
					return err
				}
			}
		}
		if i < 0 {
			break
		}
		off += int64(i + 1)
		data = data[i+1:]
	}
	return nil
}
