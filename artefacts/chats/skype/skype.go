// Package skype reads legacy Skype (7.x and older) main.db files: the
// account, contacts, conversations, messages (body_xml kept exactly as
// stored: it is Skype's XML-escaped text, which renderers must escape again)
// and file transfers. The database is recognised by its schema through
// artefacts/sqlitedb, so a renamed copy is read too.
package skype

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/loupe-forensics/loupe/artefacts"
	"github.com/loupe-forensics/loupe/artefacts/chats"
	"github.com/loupe-forensics/loupe/artefacts/sqlitedb"
	"github.com/loupe-forensics/loupe/forensic/finding"
	"github.com/loupe-forensics/loupe/forensic/source"
)

// Parser reads Skype main.db.
type Parser struct{}

// New returns the parser.
func New() *Parser { return &Parser{} }

func (*Parser) Name() string                   { return "chats/skype" }
func (*Parser) Version() string                { return "1" }
func (*Parser) Match(in *artefacts.Input) bool { return sqlitedb.IsSQLite(in.Head) }

// messageTypes names Messages.type values (as plaso's skype plugin and
// Skype's own client library use them).
var messageTypes = map[int64]string{
	4: "conference_invite", 10: "participants_added", 12: "participant_removed", 13: "participant_left",
	30: "call_started", 39: "call_ended", 50: "auth_request", 51: "auth_granted", 53: "blocked",
	60: "emote", 61: "text", 63: "contacts_sent", 64: "sms", 68: "file_transfer", 70: "video_message",
	110: "birthday", 201: "media",
}

type run struct {
	ctx     context.Context
	in      *artefacts.Input
	out     finding.Sink
	p       *Parser
	walRef  *source.Ref
	walSHA  string
	account string
	convs   map[int64]string
}

func (p *Parser) Parse(ctx context.Context, in *artefacts.Input, out finding.Sink) error {
	r := &run{ctx: ctx, in: in, out: out, p: p, convs: map[int64]string{}}
	warn := func(m string) { _ = out.Warn(ctx, finding.Warning{Parser: p.Name(), Source: in.Ref, Message: m}) }
	db, err := sqlitedb.Open(ctx, in, sqlitedb.Options{}, warn)
	if err != nil {
		if errors.Is(err, artefacts.ErrWrongFormat) {
			return err
		}
		return fmt.Errorf("SQLite database: %w", err)
	}
	defer db.Close()
	if db.Files.WALPath != "" {
		r.walRef = siblingRef(in, db.Files.WALPath)
		r.walSHA = db.Files.WALSHA256
	}
	_, err = db.Run(ctx, r.plugins()...)
	return err
}

func siblingRef(in *artefacts.Input, p string) *source.Ref { return in.Sibling(p) }

func (r *run) plugins() []sqlitedb.Plugin {
	req := map[string][]string{
		"accounts":      {"id", "skypename", "fullname"},
		"contacts":      {"id", "skypename", "fullname", "displayname"},
		"conversations": {"id", "identity", "type", "displayname"},
		"messages":      {"id", "convo_id", "author", "from_dispname", "dialog_partner", "timestamp", "type", "chatmsg_type", "body_xml"},
	}
	return []sqlitedb.Plugin{{Name: "skype", Required: req, Queries: []sqlitedb.Query{
		{Name: "accounts", Key: "id", Each: r.accountRow,
			SQL: "SELECT id, skypename, fullname, displayname, emails, country, city, mood_text, profile_timestamp, lastused_timestamp FROM Accounts ORDER BY id"},
		{Name: "contacts", Key: "id", Each: r.contact,
			SQL: "SELECT id, skypename, fullname, displayname, given_displayname, country, city, mood_text, isauthorized, isblocked, lastonline_timestamp FROM Contacts ORDER BY id"},
		{Name: "conversations", Key: "id", Each: r.conversation,
			SQL: "SELECT id, identity, type, displayname, given_displayname, creator, creation_timestamp, last_activity_timestamp, meta_topic FROM Conversations ORDER BY id"},
		{Name: "messages", Key: "id", Each: r.message,
			SQL: "SELECT id, convo_id, chatname, author, from_dispname, dialog_partner, timestamp, type, chatmsg_type, body_xml, edited_by, edited_timestamp FROM Messages ORDER BY timestamp, id"},
	}}, {Name: "skype-transfers", Required: map[string][]string{"accounts": {"skypename"},
		"transfers": {"id", "type", "partner_handle", "status", "starttime", "finishtime", "filepath", "filename", "filesize", "convo_id"}},
		Queries: []sqlitedb.Query{{Name: "transfers", Key: "id", Each: r.transfer,
			SQL: "SELECT id, type, partner_handle, partner_dispname, status, starttime, finishtime, filepath, filename, filesize, bytestransferred, convo_id FROM Transfers ORDER BY id"}}}}
}

func str(row *sqlitedb.Row, c string) string { s, _ := row.Str(c); return s }
func num(row *sqlitedb.Row, c string) int64  { n, _ := row.Int(c); return n }

func (r *run) rowRef(row *sqlitedb.Row, table, id string) (*source.Ref, string, []finding.Attr) {
	if row.InWAL && r.walRef != nil {
		return r.walRef.Row(table, id), r.walSHA, []finding.Attr{finding.B("from_wal", true)}
	}
	return r.in.Ref.Row(table, id), r.in.SHA256, nil
}

func (r *run) emit(kind string, row *sqlitedb.Row, table string, attrs []finding.Attr) {
	src, sha, extra := r.rowRef(row, table, str(row, "id"))
	_ = r.out.Artefact(r.ctx, finding.Artefact{Kind: kind, Category: finding.Data, Attrs: append(attrs, extra...),
		Parser: r.p.Name(), ParserVersion: r.p.Version(), Source: src, SourceSHA256: sha})
}

// opt appends string attributes that are present and non-empty.
func opt(attrs []finding.Attr, row *sqlitedb.Row, cols ...string) []finding.Attr {
	for i := 0; i+1 < len(cols); i += 2 {
		if v := str(row, cols[i+1]); v != "" {
			attrs = append(attrs, finding.S(cols[i], v))
		}
	}
	return attrs
}

func optTime(attrs []finding.Attr, name string, s int64) []finding.Attr {
	if t := chats.Unix(s); !t.IsZero() {
		attrs = append(attrs, finding.T(name, t))
	}
	return attrs
}

func (r *run) accountRow(_ context.Context, row *sqlitedb.Row) error {
	if r.account == "" {
		r.account = str(row, "skypename")
	}
	a := []finding.Attr{finding.S(chats.AttrClient, "skype"), finding.S(chats.AttrAccount, str(row, "skypename"))}
	a = opt(a, row, "full_name", "fullname", chats.AttrName, "displayname", "emails", "emails", "country", "country", "city", "city", "mood", "mood_text")
	a = optTime(a, "profile_time", num(row, "profile_timestamp"))
	a = optTime(a, "last_used", num(row, "lastused_timestamp"))
	r.emit(chats.KindAccount, row, "Accounts", a)
	return nil
}

func (r *run) contact(_ context.Context, row *sqlitedb.Row) error {
	a := []finding.Attr{finding.S(chats.AttrClient, "skype"), finding.S(chats.AttrContact, str(row, "skypename"))}
	if r.account != "" {
		a = append(a, finding.S(chats.AttrAccount, r.account))
	}
	a = opt(a, row, "full_name", "fullname", chats.AttrName, "displayname", "given_name", "given_displayname", "country", "country", "city", "city", "mood", "mood_text")
	a = append(a, finding.B("authorized", num(row, "isauthorized") != 0), finding.B("blocked", num(row, "isblocked") != 0))
	a = optTime(a, "last_online", num(row, "lastonline_timestamp"))
	r.emit(chats.KindContact, row, "Contacts", a)
	return nil
}

func (r *run) conversation(_ context.Context, row *sqlitedb.Row) error {
	id := num(row, "id")
	name := str(row, "given_displayname")
	if name == "" {
		name = str(row, "displayname")
	}
	r.convs[id] = name
	typ := map[int64]string{1: "dialog", 2: "group"}[num(row, "type")]
	if typ == "" {
		typ = strconv.FormatInt(num(row, "type"), 10)
	}
	a := []finding.Attr{finding.S(chats.AttrClient, "skype"), finding.S(chats.AttrConversationID, strconv.FormatInt(id, 10)),
		finding.S("identity", str(row, "identity")), finding.S(chats.AttrConvType, typ)}
	if name != "" {
		a = append(a, finding.S(chats.AttrName, name))
	}
	a = opt(a, row, "creator", "creator", "topic", "meta_topic")
	a = optTime(a, "created", num(row, "creation_timestamp"))
	a = optTime(a, "last_activity", num(row, "last_activity_timestamp"))
	r.emit(chats.KindConversation, row, "Conversations", a)
	return nil
}

func (r *run) message(_ context.Context, row *sqlitedb.Row) error {
	author := str(row, "author")
	conv := num(row, "convo_id")
	m := chats.Msg{Client: "skype", ConversationID: strconv.FormatInt(conv, 10), MessageID: str(row, "id"),
		Sender: author, Time: chats.Unix(num(row, "timestamp"))}
	m.Body, m.HasBody = row.Str("body_xml")
	partner := str(row, "dialog_partner")
	if r.account != "" {
		if author == r.account {
			m.Direction, m.Recipient = chats.DirOut, partner
		} else {
			m.Direction = chats.DirIn
			if partner != "" {
				m.Recipient = r.account
			}
		}
	}
	a := m.Attrs()
	t := num(row, "type")
	name := messageTypes[t]
	if name == "" {
		name = "type_" + strconv.FormatInt(t, 10)
	}
	a = append(a, finding.S(chats.AttrMessageType, name), finding.I("chatmsg_type", num(row, "chatmsg_type")))
	if c := r.convs[conv]; c != "" {
		a = append(a, finding.S(chats.AttrConversation, c))
	}
	a = opt(a, row, "sender_name", "from_dispname", "chatname", "chatname", "edited_by", "edited_by")
	a = optTime(a, "edited", num(row, "edited_timestamp"))
	r.emit(chats.KindMessage, row, "Messages", a)
	return nil
}

func (r *run) transfer(_ context.Context, row *sqlitedb.Row) error {
	// Transfers.type: 1 incoming, 2 outgoing.
	dir := map[int64]string{1: chats.DirIn, 2: chats.DirOut}[num(row, "type")]
	a := []finding.Attr{finding.S(chats.AttrClient, "skype"), finding.S(chats.AttrConversationID, str(row, "convo_id"))}
	if dir != "" {
		a = append(a, finding.S(chats.AttrDirection, dir))
	}
	a = opt(a, row, chats.AttrContact, "partner_handle", "partner_name", "partner_dispname", chats.AttrFileName, "filename", chats.AttrPath, "filepath")
	if n, err := strconv.ParseInt(str(row, "filesize"), 10, 64); err == nil {
		a = append(a, finding.I(chats.AttrSize, n))
	}
	if n, err := strconv.ParseInt(str(row, "bytestransferred"), 10, 64); err == nil {
		a = append(a, finding.I("bytes_transferred", n))
	}
	a = append(a, finding.I("status", num(row, "status")))
	a = optTime(a, "started", num(row, "starttime"))
	a = optTime(a, "finished", num(row, "finishtime"))
	r.emit(chats.KindAttachment, row, "Transfers", a)
	return nil
}
