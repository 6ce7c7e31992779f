package qtox

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/loupe-forensics/loupe/artefacts"
	"github.com/loupe-forensics/loupe/artefacts/chats"
	"github.com/loupe-forensics/loupe/artefacts/sqlitedb"
	"github.com/loupe-forensics/loupe/forensic/finding"
	"github.com/loupe-forensics/loupe/forensic/source"
)

// Options carry what the examiner supplies.
type Options struct {
	// ProfilePassphrase opens encrypted (toxEsave) profiles.
	ProfilePassphrase string
}

// ProfileParser reads Tox profiles.
type ProfileParser struct{ opt Options }

// NewProfile returns the profile parser.
func NewProfile(opt Options) *ProfileParser { return &ProfileParser{opt: opt} }

func (*ProfileParser) Name() string                   { return "chats/qtox-profile" }
func (*ProfileParser) Version() string                { return "1" }
func (*ProfileParser) Match(in *artefacts.Input) bool { return IsProfile(in.Head) }

type emitter struct {
	ctx context.Context
	in  *artefacts.Input
	out finding.Sink
	p   artefacts.Parser
}

func (e emitter) emit(kind string, src *source.Ref, attrs []finding.Attr) {
	_ = e.out.Artefact(e.ctx, finding.Artefact{Kind: kind, Category: finding.Data, Attrs: attrs, Parser: e.p.Name(),
		ParserVersion: e.p.Version(), Source: src, SourceSHA256: e.in.SHA256})
}

func (e emitter) warn(src *source.Ref, msg string) {
	_ = e.out.Warn(e.ctx, finding.Warning{Parser: e.p.Name(), Source: src, Message: msg})
}

func (p *ProfileParser) Parse(ctx context.Context, in *artefacts.Input, out finding.Sink) error {
	if !IsProfile(in.Head) {
		return artefacts.ErrWrongFormat
	}
	if in.Size > MaxProfile {
		return fmt.Errorf("Tox profile of %d bytes is over the %d-byte limit: not read", in.Size, MaxProfile)
	}
	b := make([]byte, in.Size)
	if _, err := in.Reader.ReadAt(b, 0); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("Tox profile: read: %w", err)
	}
	e := emitter{ctx: ctx, in: in, out: out, p: p}
	store := []finding.Attr{finding.S(chats.AttrClient, "qtox"), finding.B(chats.AttrEncrypted, IsEncrypted(b)), finding.I(chats.AttrSize, in.Size)}
	if IsEncrypted(b) {
		if p.opt.ProfilePassphrase == "" {
			e.emit(chats.KindStore, in.Ref, append(store, finding.S(chats.AttrKeySource, "none (profile passphrase not supplied)")))
			e.warn(in.Ref, "Tox profile is encrypted (toxEsave): supply the profile passphrase to read it")
			return nil
		}
		plain, err := DecryptProfile(b, p.opt.ProfilePassphrase)
		if err != nil {
			e.emit(chats.KindStore, in.Ref, append(store, finding.S(chats.AttrKeySource, "examiner passphrase"), finding.B("key_verified", false)))
			e.warn(in.Ref, fmt.Sprintf("Tox profile is encrypted: %v", err))
			return nil
		}
		store = append(store, finding.S(chats.AttrKeySource, "examiner passphrase"), finding.B("key_verified", true))
		b = plain
	}
	prof, probs, err := ReadProfile(b)
	if err != nil {
		return err
	}
	// Offsets refer to the plaintext save; for an encrypted profile they are
	// marked as such.
	at := func(off, n int64) *source.Ref {
		if IsEncrypted(in.Head) {
			return in.Ref.Record("decrypted-save", "toxEsave").At(off, n)
		}
		return in.Ref.At(off, n)
	}
	for _, pr := range probs {
		e.warn(at(pr.Offset, 0), "Tox profile: "+pr.Msg)
	}
	e.emit(chats.KindStore, in.Ref, append(store, finding.I("sections", int64(len(prof.Sections))), finding.B("complete", prof.Ended)))
	acct := []finding.Attr{finding.S(chats.AttrClient, "qtox")}
	if id := prof.ToxID(); id != "" {
		acct = append(acct, finding.S(chats.AttrAccount, id), finding.S("public_key", strings.ToUpper(hex.EncodeToString(prof.PublicKey))),
			finding.S("nospam", strings.ToUpper(hex.EncodeToString(prof.Nospam))), finding.B("secret_key_present", prof.SecretPresent))
	}
	if prof.NameSet {
		acct = append(acct, finding.S(chats.AttrName, string(prof.Name)))
	}
	if prof.StatusSet {
		acct = append(acct, finding.S("status_message", string(prof.StatusMessage)))
	}
	if prof.UserStatus >= 0 {
		acct = append(acct, finding.S("user_status", userStatus(prof.UserStatus)))
	}
	acct = append(acct, finding.I("friends", int64(len(prof.Friends))))
	var acctSrc = in.Ref
	for _, s := range prof.Sections {
		if s.Type == secNospamKeys {
			acctSrc = at(s.Offset, sectionHeaderSize+s.Length)
		}
	}
	e.emit(chats.KindAccount, acctSrc, acct)
	for _, f := range prof.Friends {
		a := []finding.Attr{finding.S(chats.AttrClient, "qtox"), finding.S(chats.AttrContact, strings.ToUpper(hex.EncodeToString(f.PublicKey)))}
		if id := prof.ToxID(); id != "" {
			a = append(a, finding.S(chats.AttrAccount, id))
		}
		st, ok := friendStatus[f.Status]
		if !ok {
			st = "status " + strconv.Itoa(int(f.Status))
		}
		a = append(a, finding.S("friend_status", st))
		if len(f.Name) > 0 {
			a = append(a, finding.S(chats.AttrName, string(f.Name)))
		}
		if len(f.StatusMessage) > 0 {
			a = append(a, finding.S("status_message", string(f.StatusMessage)))
		}
		if len(f.Request) > 0 {
			a = append(a, finding.S("request_message", string(f.Request)))
		}
		if t := chats.Unix(int64(min(f.LastSeen, 1<<62))); !t.IsZero() {
			a = append(a, finding.T("last_seen", t))
		}
		e.emit(chats.KindContact, at(f.Offset, savedFriendSize), a)
	}
	return nil
}

// IsEncrypted reports whether b starts with toxEsave's magic.
func IsEncrypted(b []byte) bool {
	return len(b) >= len(EncryptedMagic) && string(b[:len(EncryptedMagic)]) == string(EncryptedMagic)
}

func userStatus(s int) string {
	switch s {
	case 0:
		return "online"
	case 1:
		return "away"
	case 2:
		return "busy"
	}
	return "status " + strconv.Itoa(s)
}

// HistoryParser reads qTox's history database (schema 9 and later).
type HistoryParser struct{}

// NewHistory returns the history parser.
func NewHistory() *HistoryParser { return &HistoryParser{} }

func (*HistoryParser) Name() string                   { return "chats/qtox-history" }
func (*HistoryParser) Version() string                { return "1" }
func (*HistoryParser) Match(in *artefacts.Input) bool { return sqlitedb.IsSQLite(in.Head) }

type histRun struct {
	emitter
	walRef *source.Ref
	walSHA string
}

func (p *HistoryParser) Parse(ctx context.Context, in *artefacts.Input, out finding.Sink) error {
	r := &histRun{emitter: emitter{ctx: ctx, in: in, out: out, p: p}}
	db, err := sqlitedb.Open(ctx, in, sqlitedb.Options{}, func(m string) { r.warn(in.Ref, m) })
	if err != nil {
		if errors.Is(err, artefacts.ErrWrongFormat) {
			return err
		}
		return fmt.Errorf("SQLite database: %w", err)
	}
	defer db.Close()
	if db.Files.WALPath != "" {
		r.walSHA = db.Files.WALSHA256
		r.walRef = in.Sibling(db.Files.WALPath)
	}
	_, err = db.Run(ctx, sqlitedb.Plugin{Name: "qtox-history",
		Required: map[string][]string{"peers": {"id", "public_key"}, "aliases": {"id", "owner", "display_name"},
			"history": {"id", "message_type", "timestamp", "chat_id"}, "text_messages": {"id", "sender_alias", "message"},
			"file_transfers": {"id", "sender_alias", "file_name", "file_path", "file_size", "direction", "file_state"}},
		Queries: []sqlitedb.Query{
			{Name: "aliases", Key: "id", Each: r.alias,
				SQL: "SELECT a.id, p.public_key, a.display_name FROM aliases a LEFT JOIN peers p ON p.id = a.owner ORDER BY a.id"},
			{Name: "history", Key: "id", Each: r.history,
				SQL: `SELECT h.id, h.message_type, h.timestamp, cp.public_key AS chat,
  sp.public_key AS sender, sa.display_name AS sender_name, t.message,
  f.file_name, f.file_path, f.file_size, f.direction, f.file_state
FROM history h LEFT JOIN peers cp ON cp.id = h.chat_id
LEFT JOIN text_messages t ON t.id = h.id
LEFT JOIN file_transfers f ON f.id = h.id
LEFT JOIN aliases sa ON sa.id = COALESCE(t.sender_alias, f.sender_alias)
LEFT JOIN peers sp ON sp.id = sa.owner
ORDER BY h.id`},
		}})
	return err
}

func (r *histRun) ref(row *sqlitedb.Row, table, id string) (*source.Ref, []finding.Attr) {
	if row.InWAL && r.walRef != nil {
		return r.walRef.Row(table, id), []finding.Attr{finding.B("from_wal", true)}
	}
	return r.in.Ref.Row(table, id), nil
}

func str(row *sqlitedb.Row, c string) string { s, _ := row.Str(c); return s }
func num(row *sqlitedb.Row, c string) int64  { n, _ := row.Int(c); return n }

func (r *histRun) alias(_ context.Context, row *sqlitedb.Row) error {
	id := str(row, "id")
	src, extra := r.ref(row, "aliases", id)
	name, _ := row.Bytes("display_name")
	r.emit(chats.KindContact, src, append([]finding.Attr{finding.S(chats.AttrClient, "qtox"),
		finding.S(chats.AttrContact, str(row, "public_key")), finding.S(chats.AttrName, string(name))}, extra...))
	return nil
}

func (r *histRun) history(_ context.Context, row *sqlitedb.Row) error {
	id := str(row, "id")
	src, extra := r.ref(row, "history", id)
	chat, sender := str(row, "chat"), str(row, "sender")
	m := chats.Msg{Client: "qtox", ConversationID: chat, MessageID: id, Sender: sender, Time: chats.UnixMilli(num(row, "timestamp"))}
	typ := str(row, "message_type")
	switch typ {
	case "T":
		body, ok := row.Bytes("message")
		m.Body, m.HasBody = string(body), ok
		if sender != "" {
			if sender == chat {
				m.Direction = chats.DirIn
			} else {
				m.Direction, m.Recipient = chats.DirOut, chat
			}
		}
		a := append(m.Attrs(), finding.S(chats.AttrMessageType, "text"))
		if n, ok := row.Bytes("sender_name"); ok {
			a = append(a, finding.S("sender_name", string(n)))
		}
		r.emit(chats.KindMessage, src, append(a, extra...))
	case "F":
		// qTox's ToxFile::FileDirection: 0 sending, 1 receiving.
		m.Direction = map[int64]string{0: chats.DirOut, 1: chats.DirIn}[num(row, "direction")]
		name, _ := row.Bytes("file_name")
		p, _ := row.Bytes("file_path")
		a := append(m.Attrs(), finding.S(chats.AttrFileName, string(name)), finding.S(chats.AttrPath, string(p)),
			finding.I(chats.AttrSize, num(row, "file_size")), finding.I("file_state", num(row, "file_state")))
		r.emit(chats.KindAttachment, src, append(a, extra...))
	default:
		a := append(m.Attrs(), finding.S(chats.AttrMessageType, "system"))
		r.emit(chats.KindMessage, src, append(a, extra...))
	}
	return nil
}
