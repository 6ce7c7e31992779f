// Package gajim reads Gajim's SQLite stores through the schema-matching
// engine (artefacts/sqlitedb): the 1.x message archive (logs.db: jids and
// logs) and the OMEMO plugin's store (omemo_<jid>.db: identities). Both are
// recognised by their tables, so renamed or carved copies are read too.
//
// Gajim 2.x keeps its archive in a new schema (gajim/common/storage/archive/
// models.py: account, remote, occupant, encryption, message); both are read.
package gajim

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/loupe-forensics/loupe/artefacts"
	"github.com/loupe-forensics/loupe/artefacts/chats"
	"github.com/loupe-forensics/loupe/artefacts/sqlitedb"
	"github.com/loupe-forensics/loupe/forensic/finding"
	"github.com/loupe-forensics/loupe/forensic/source"
)

const client = "gajim"

// KindOMEMOIdentity is an OMEMO identity key: the account's own (with only
// the presence of its private key) or a peer's with its trust level.
const KindOMEMOIdentity = "chat.omemo_identity"

// kinds are Gajim's KindConstant values (gajim/common/const.py, 1.x).
var kinds = map[int64]struct {
	name, dir string
}{
	0: {"status", ""}, 1: {"groupchat_status", ""}, 2: {"groupchat_message", ""},
	3: {"single_message_received", chats.DirIn}, 4: {"chat_message_received", chats.DirIn},
	5: {"single_message_sent", chats.DirOut}, 6: {"chat_message_sent", chats.DirOut}, 7: {"error", ""},
}

// trust levels of the Gajim OMEMO plugin's identities.trust column.
var trustNames = map[int64]string{0: "untrusted", 1: "verified", 2: "undecided", 3: "blind"}

// DB is the parser for Gajim databases.
type DB struct{}

// New returns the Gajim parser.
func New() *DB { return &DB{} }

func (*DB) Name() string                   { return "chats/gajim" }
func (*DB) Version() string                { return "1" }
func (*DB) Match(in *artefacts.Input) bool { return sqlitedb.IsSQLite(in.Head) }

type run struct {
	ctx    context.Context
	in     *artefacts.Input
	out    finding.Sink
	p      *DB
	walRef *source.Ref
	walSHA string
}

func (r *run) emit(kind, table, id string, row *sqlitedb.Row, attrs []finding.Attr) error {
	src, sha := r.in.Ref.Row(table, id), r.in.SHA256
	if row.InWAL && r.walRef != nil {
		src, sha = r.walRef.Row(table, id), r.walSHA
		attrs = append(attrs, finding.B("from_wal", true))
	}
	return r.out.Artefact(r.ctx, finding.Artefact{Kind: kind, Category: finding.Data, Attrs: attrs, Parser: r.p.Name(),
		ParserVersion: r.p.Version(), Source: src, SourceSHA256: sha})
}

func (r *run) warn(msg string) {
	_ = r.out.Warn(r.ctx, finding.Warning{Parser: r.p.Name(), Source: r.in.Ref, Message: msg})
}

func (p *DB) Parse(ctx context.Context, in *artefacts.Input, out finding.Sink) error {
	r := &run{ctx: ctx, in: in, out: out, p: p}
	db, err := sqlitedb.Open(ctx, in, sqlitedb.Options{}, r.warn)
	if err != nil {
		if errors.Is(err, artefacts.ErrWrongFormat) {
			return err
		}
		return fmt.Errorf("gajim: SQLite database: %w", err)
	}
	defer db.Close()
	if db.Files.WALPath != "" {
		r.walRef = in.Sibling(db.Files.WALPath)
		r.walSHA = db.Files.WALSHA256
	}
	_, err = db.Run(ctx, r.plugins()...)
	return err
}

func (r *run) plugins() []sqlitedb.Plugin {
	return []sqlitedb.Plugin{
		{Name: "archive-1.x", Required: map[string][]string{
			"jids": {"jid_id", "jid", "type"},
			"logs": {"log_line_id", "account_id", "jid_id", "contact_name", "time", "kind", "message"}},
			Queries: []sqlitedb.Query{
				{Name: "jids", Key: "jid_id", Each: r.jid,
					SQL: "SELECT jid_id, jid, type FROM jids ORDER BY jid_id"},
				{Name: "logs", Key: "log_line_id", Each: r.message,
					// l.* so that columns later 1.x versions added (encryption,
					// stanza_id) are read when present and absent otherwise.
					SQL: "SELECT l.*, a.jid AS account_jid, j.jid AS peer_jid, j.type AS jid_type FROM logs l LEFT JOIN jids j ON j.jid_id = l.jid_id LEFT JOIN jids a ON a.jid_id = l.account_id ORDER BY l.log_line_id"},
			}},
		{Name: "archive-2.x", Required: map[string][]string{
			"account":    {"pk", "jid"},
			"remote":     {"pk", "jid"},
			"occupant":   {"pk", "nickname"},
			"encryption": {"pk", "protocol", "trust"},
			"message":    {"pk", "fk_account_pk", "fk_remote_pk", "fk_occupant_pk", "fk_encryption_pk", "resource", "type", "direction", "timestamp", "id", "text"}},
			Queries: []sqlitedb.Query{{Name: "message", Key: "pk", Each: r.message2,
				SQL: `SELECT m.*, a.jid AS account_jid, r.jid AS remote_jid, o.nickname AS occupant_nick,
  e.protocol AS enc_protocol, e.trust AS enc_trust
FROM message m LEFT JOIN account a ON a.pk = m.fk_account_pk LEFT JOIN remote r ON r.pk = m.fk_remote_pk
LEFT JOIN occupant o ON o.pk = m.fk_occupant_pk LEFT JOIN encryption e ON e.pk = m.fk_encryption_pk ORDER BY m.pk`}}},
		{Name: "omemo", Required: map[string][]string{"identities": {"_id", "recipient_id", "public_key", "private_key"}},
			Queries: []sqlitedb.Query{{Name: "identities", Key: "_id", Each: r.identity,
				SQL: "SELECT * FROM identities ORDER BY _id"}}},
	}
}

func (r *run) jid(_ context.Context, row *sqlitedb.Row) error {
	id, _ := row.Str("jid_id")
	jid, _ := row.Str("jid")
	typ, _ := row.Int("type")
	attrs := []finding.Attr{finding.S(chats.AttrClient, client), finding.S(chats.AttrConversationID, jid)}
	if typ == 1 {
		attrs = append(attrs, finding.S(chats.AttrConvType, "groupchat"))
	} else {
		attrs = append(attrs, finding.S(chats.AttrConvType, "chat"))
	}
	return r.emit(chats.KindConversation, "jids", id, row, attrs)
}

// gajimTime reads the time column: seconds since 1970 (Gajim stores floats).
func gajimTime(row *sqlitedb.Row) time.Time {
	f, ok := row.Float("time")
	if !ok || f <= 0 || f > 1e11 || math.IsNaN(f) {
		return time.Time{}
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(math.Round(frac*1e6))*1000).UTC()
}

func (r *run) message(ctx context.Context, row *sqlitedb.Row) error {
	id, _ := row.Str("log_line_id")
	kind, _ := row.Int("kind")
	k, known := kinds[kind]
	if !known {
		k.name = "kind " + strconv.FormatInt(kind, 10)
	}
	account, _ := row.Str("account_jid")
	jid, _ := row.Str("peer_jid")
	nick, _ := row.Str("contact_name")
	body, hasBody := row.Str("message")
	xmppID, _ := row.Str("message_id")
	m := chats.Msg{Client: client, ConversationID: jid, MessageID: xmppID, Direction: k.dir, Time: gajimTime(row), Body: body, HasBody: hasBody}
	switch {
	case kind == 2 || kind == 1:
		m.Sender = nick
	case k.dir == chats.DirIn:
		m.Sender, m.Recipient = jid, account
	case k.dir == chats.DirOut:
		m.Sender, m.Recipient = account, jid
	}
	attrs := m.Attrs()
	attrs = append(attrs, finding.S(chats.AttrMessageType, k.name), finding.I("kind", kind))
	// The record stores text as JSON, which cannot hold invalid UTF-8:
	// such a body is also kept as bytes so it survives byte for byte.
	if !utf8.ValidString(body) {
		attrs = append(attrs, finding.Raw("body_bytes", []byte(body)))
	}
	if account != "" {
		attrs = append(attrs, finding.S(chats.AttrAccount, account))
	}
	if nick != "" {
		attrs = append(attrs, finding.S("contact_name", nick))
	}
	for _, c := range []string{"subject", "stanza_id"} {
		if v, ok := row.Str(c); ok && v != "" {
			attrs = append(attrs, finding.S(c, v))
		}
	}
	if f, ok := row.Float("time"); ok {
		attrs = append(attrs, finding.S("time_raw", strconv.FormatFloat(f, 'f', -1, 64)))
	}
	if enc, ok := row.Str("encryption"); ok && enc != "" {
		attrs = append(attrs, finding.S("encryption", enc))
	}
	return r.emit(chats.KindMessage, "logs", id, row, attrs)
}

// message types of Gajim 2.x (archive/const.py MessageType).
var types2 = map[int64]string{1: "chat", 2: "groupchat", 3: "private"}

// message2 reads one row of the 2.x archive.
func (r *run) message2(_ context.Context, row *sqlitedb.Row) error {
	id, _ := row.Str("pk")
	typ, _ := row.Int("type")
	dir, _ := row.Int("direction")
	account, _ := row.Str("account_jid")
	remote, _ := row.Str("remote_jid")
	res, _ := row.Str("resource")
	nick, _ := row.Str("occupant_nick")
	body, hasBody := row.Str("text")
	var t time.Time
	if f, ok := row.Float("timestamp"); ok && f > 0 && f < 1e11 {
		sec, frac := math.Modf(f)
		t = time.Unix(int64(sec), int64(math.Round(frac*1e6))*1000).UTC()
	}
	xmppID, _ := row.Str("id")
	m := chats.Msg{Client: client, ConversationID: remote, MessageID: xmppID, Time: t, Body: body, HasBody: hasBody}
	// In a group chat (and a private message through it) the author is the
	// occupant: its nickname, else the resource, which is the nick in MUC.
	author := nick
	if author == "" {
		author = res
	}
	switch {
	case dir == 1 && typ == 1:
		m.Direction, m.Sender, m.Recipient = chats.DirIn, remote, account
	case dir == 1:
		m.Direction, m.Sender = chats.DirIn, author
	case dir == 2 && typ == 1:
		m.Direction, m.Sender, m.Recipient = chats.DirOut, account, remote
	case dir == 2:
		m.Direction, m.Sender = chats.DirOut, account
	}
	name, ok := types2[typ]
	if !ok {
		name = "type " + strconv.FormatInt(typ, 10)
	}
	attrs := m.Attrs()
	attrs = append(attrs, finding.S(chats.AttrMessageType, name), finding.S(chats.AttrAccount, account), finding.S("schema", "2.x"))
	if !utf8.ValidString(body) {
		attrs = append(attrs, finding.Raw("body_bytes", []byte(body)))
	}
	if res != "" {
		attrs = append(attrs, finding.S("resource", res))
	}
	if nick != "" {
		attrs = append(attrs, finding.S("contact_name", nick))
	}
	if v, ok := row.Str("stanza_id"); ok && v != "" {
		attrs = append(attrs, finding.S("stanza_id", v))
	}
	if v, ok := row.Str("correction_id"); ok && v != "" {
		attrs = append(attrs, finding.S("correction_of", v))
	}
	if p, ok := row.Int("enc_protocol"); ok {
		tr, _ := row.Int("enc_trust")
		attrs = append(attrs, finding.B(chats.AttrEncrypted, true), finding.I("encryption_protocol", p), finding.I("encryption_trust", tr))
	}
	return r.emit(chats.KindMessage, "message", id, row, attrs)
}

func (r *run) identity(_ context.Context, row *sqlitedb.Row) error {
	id, _ := row.Str("_id")
	rid, _ := row.Str("recipient_id")
	pub, _ := row.Bytes("public_key")
	priv, _ := row.Bytes("private_key")
	own := rid == "-1"
	attrs := []finding.Attr{finding.S(chats.AttrClient, client), finding.B("own", own)}
	if !own {
		attrs = append(attrs, finding.S(chats.AttrContact, rid))
	}
	// Gajim shows the Curve25519 key without its 0x05 type byte.
	fp := pub
	if len(fp) == 33 && fp[0] == 0x05 {
		fp = fp[1:]
	}
	attrs = append(attrs, finding.S("fingerprint", hex.EncodeToString(fp)), finding.B("private_key_present", len(priv) > 0))
	if reg, ok := row.Int("registration_id"); ok {
		attrs = append(attrs, finding.I("registration_id", reg))
	}
	if t, ok := row.Int("trust"); ok {
		name, known := trustNames[t]
		if !known {
			name = "unknown"
		}
		attrs = append(attrs, finding.I("trust", t), finding.S("trust_state", name))
	}
	return r.emit(KindOMEMOIdentity, "identities", id, row, attrs)
}
