// Package signal reads Signal Desktop's and Session Desktop's databases
// (sql/db.sqlite, SQLCipher 4, or 3 in old installs) with the key from the
// config.json two folders up: plaintext "key", or "encryptedKey" unwrapped
// offline for Linux basic_text or with an examiner-supplied keyring secret.
// The database is decrypted by artefacts/sqlcipher into the work folder and
// read through artefacts/sqlitedb, with its WAL; rows keep their provenance.
// When the key is missing or wrong, the store itself is still recorded
// (chat.store with the key type) and the warning says which problem it was.
package signal

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strconv"
	"strings"

	"github.com/loupe-forensics/loupe/artefacts"
	"github.com/loupe-forensics/loupe/artefacts/chats"
	"github.com/loupe-forensics/loupe/artefacts/sqlcipher"
	"github.com/loupe-forensics/loupe/artefacts/sqlitedb"
	"github.com/loupe-forensics/loupe/forensic/finding"
	"github.com/loupe-forensics/loupe/forensic/source"
)

// Options carry what the examiner supplies.
type Options struct {
	// KeyringSecret opens a "v11" encryptedKey (the libsecret / KWallet
	// password), tried after the offline ones.
	KeyringSecret string
	// DBKey is a database key given directly (64 hex, or x'…', or a
	// passphrase), used when config.json is absent or gives none.
	DBKey string
	// Decrypt bounds the decryptor (zero: its defaults).
	Decrypt sqlcipher.Options
}

// Parser reads Signal and Session Desktop databases.
type Parser struct{ opt Options }

// New returns the parser with examiner options.
func New(opt Options) *Parser { return &Parser{opt: opt} }

func (*Parser) Name() string    { return "chats/signal" }
func (*Parser) Version() string { return "2" } // 2: attachments under attachments.noindex are opened and decrypted

// Match accepts a plaintext SQLite database (Signal's schema is checked in
// Parse) or a file that looks like SQLCipher: whole 512-byte multiples with
// a non-zero salt where SQLite's header would be. Parse then requires the
// Signal layout's config.json, or an examiner key.
func (*Parser) Match(in *artefacts.Input) bool {
	if sqlitedb.IsSQLite(in.Head) {
		return true
	}
	return looksEncrypted(in.Head, in.Size)
}

func looksEncrypted(head []byte, size int64) bool {
	if size < 1024 || size%512 != 0 || len(head) < sqlcipher.SaltSize {
		return false
	}
	return !bytes.Equal(head[:sqlcipher.SaltSize], make([]byte, sqlcipher.SaltSize))
}

type run struct {
	ctx    context.Context
	in     *artefacts.Input
	out    finding.Sink
	p      *Parser
	client string
	walRef *source.Ref
	walSHA string
	// account and conversations, read before the messages.
	account string
	convs   map[string]conv
}

type conv struct {
	typ, name, peer string
}

func (r *run) warn(src *source.Ref, msg string) {
	if src == nil {
		src = r.in.Ref
	}
	_ = r.out.Warn(r.ctx, finding.Warning{Parser: r.p.Name(), Source: src, Message: msg})
}

func (r *run) emit(kind string, src *source.Ref, sha string, attrs []finding.Attr) {
	if sha == "" {
		sha = r.in.SHA256
	}
	_ = r.out.Artefact(r.ctx, finding.Artefact{Kind: kind, Category: finding.Data, Attrs: attrs,
		Parser: r.p.Name(), ParserVersion: r.p.Version(), Source: src, SourceSHA256: sha})
}

func (p *Parser) Parse(ctx context.Context, in *artefacts.Input, out finding.Sink) error {
	r := &run{ctx: ctx, in: in, out: out, p: p, convs: map[string]conv{}}
	if sqlitedb.IsSQLite(in.Head) {
		return r.read(in, []finding.Attr{finding.B(chats.AttrEncrypted, false)})
	}
	store := []finding.Attr{finding.B(chats.AttrEncrypted, true)}
	key, keyType, cfgRef, err := p.findKey(in)
	if cfgRef == nil && p.opt.DBKey == "" {
		return artefacts.ErrWrongFormat // an encrypted-looking file outside a Signal layout
	}
	store = append(store, finding.S(chats.AttrKeySource, keyType))
	if err != nil {
		r.warn(cfgRef, fmt.Sprintf("Signal/Session database key not available (%s): %v; only the store is recorded", keyType, err))
		r.emit(chats.KindStore, in.Ref, "", append(store, finding.I(chats.AttrSize, in.Size)))
		return nil
	}
	cp, err := sqlcipher.Decrypt(ctx, in, key, p.opt.Decrypt, func(m string) { r.warn(nil, m) })
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		msg := fmt.Sprintf("database not decrypted: %v", err)
		if errors.Is(err, sqlcipher.ErrWrongKey) {
			msg = fmt.Sprintf("WRONG KEY: the key from %s does not open this database (page 1 failed its HMAC under SQLCipher 4 and 3 parameters); the file is not read", keyType)
		}
		r.warn(nil, msg)
		r.emit(chats.KindStore, in.Ref, "", append(store, finding.I(chats.AttrSize, in.Size), finding.B("key_verified", false)))
		return nil
	}
	defer cp.Close()
	for _, w := range cp.CorruptPageWarnings(path.Base(in.Path)) {
		r.warn(nil, "CORRUPT DATABASE: "+w)
	}
	store = append(store, finding.B("key_verified", true), finding.S("sqlcipher", cp.Cipher.Params.Name),
		finding.I("pages", cp.DB.Pages), finding.I("corrupt_pages", int64(len(cp.DB.BadPages))))
	if cp.WALPath != "" {
		r.walRef, r.walSHA = siblingRef(in, cp.WALPath), cp.WALSHA
		if cp.WAL != nil {
			store = append(store, finding.I("wal_frames", int64(cp.WAL.Frames)))
		}
	}
	return r.read(cp.Input, store)
}

// findKey reads config.json from the profile folder (the parent of sql/).
// cfgRef is nil when there is no config.json there.
func (p *Parser) findKey(in *artefacts.Input) (key sqlcipher.Key, keyType string, cfgRef *source.Ref, err error) {
	if in.FS != nil && in.Path != "" {
		cfgPath := path.Join(path.Dir(path.Dir(strings.TrimPrefix(in.Path, "/"))), "config.json")
		if b, rerr := readCapped(in.FS, cfgPath, maxConfig); rerr == nil {
			cfgRef = siblingRef(in, cfgPath)
			c, perr := parseConfig(b)
			switch {
			case perr != nil:
				err = perr
				keyType = "config.json unreadable"
			case c.Key != "":
				keyType = "config.json key (plaintext)"
				key, err = sqlcipher.RawHex(c.Key)
			default:
				var hexKey string
				hexKey, keyType, err = unwrapKey(c.EncryptedKey, c.Backend, p.opt.KeyringSecret)
				if err == nil {
					key, err = sqlcipher.RawHex(hexKey)
				}
			}
			if err == nil || p.opt.DBKey == "" {
				return key, keyType, cfgRef, err
			}
		}
	}
	if p.opt.DBKey != "" {
		keyType = "examiner-supplied key"
		if k, kerr := sqlcipher.RawHex(strings.Trim(p.opt.DBKey, "x'")); kerr == nil && !strings.HasPrefix(p.opt.DBKey, "x'") {
			return k, keyType, cfgRef, nil
		}
		key, err = sqlcipher.ParseKey(p.opt.DBKey)
		return key, keyType, cfgRef, err
	}
	return key, "no key", cfgRef, errors.New("no config.json beside the database")
}

func readCapped(fsys fs.FS, name string, limit int64) ([]byte, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s is over %d bytes", name, limit)
	}
	return b, nil
}

func siblingRef(in *artefacts.Input, p string) *source.Ref { return in.Sibling(p) }

// read runs the schema plugins on a plaintext database (the evidence file
// itself when it is not encrypted, else the decrypted copy).
func (r *run) read(db *artefacts.Input, store []finding.Attr) error {
	d, err := sqlitedb.Open(r.ctx, db, sqlitedb.Options{}, func(m string) { r.warn(nil, m) })
	if err != nil {
		if errors.Is(err, artefacts.ErrWrongFormat) {
			return err
		}
		return fmt.Errorf("Signal/Session database: %w", err)
	}
	defer d.Close()
	var plugins []sqlitedb.Plugin
	switch {
	case d.Schema.Has("messages", "id", "json", "conversationid", "type", "body", "sent_at", "messagehash") &&
		d.Schema.Has("conversations", "id", "type", "displaynameinprofile"):
		r.client = "session"
		plugins = r.sessionPlugins(d.Schema)
	case d.Schema.Has("messages", "id", "json", "conversationid", "type", "body", "sent_at") &&
		d.Schema.Has("conversations", "id", "type", "json") && d.Schema.Has("items", "id", "json"):
		r.client = "signal"
		plugins = r.signalPlugins(d.Schema)
	default:
		return artefacts.ErrWrongFormat
	}
	r.emit(chats.KindStore, r.in.Ref, "", append([]finding.Attr{finding.S(chats.AttrClient, r.client)}, store...))
	_, err = d.Run(r.ctx, plugins...)
	return err
}

func (r *run) rowRef(row *sqlitedb.Row, table, id string) (*source.Ref, string, []finding.Attr) {
	if row.InWAL && r.walRef != nil {
		return r.walRef.Row(table, id), r.walSHA, []finding.Attr{finding.B("from_wal", true)}
	}
	return r.in.Ref.Row(table, id), r.in.SHA256, nil
}

func str(row *sqlitedb.Row, col string) string { s, _ := row.Str(col); return s }
func num(row *sqlitedb.Row, col string) int64  { n, _ := row.Int(col); return n }

// col returns name when the table has it, else NULL, so one query serves
// schema versions that renamed or added columns.
func col(s sqlitedb.Schema, table, name string) string {
	if s.Has(table, strings.ToLower(name)) {
		return name
	}
	return "NULL"
}

func (r *run) signalPlugins(s sqlitedb.Schema) []sqlitedb.Plugin {
	srcSvc := col(s, "messages", "sourceServiceId")
	if srcSvc == "NULL" {
		srcSvc = col(s, "messages", "sourceUuid")
	}
	convSvc := col(s, "conversations", "serviceId")
	if convSvc == "NULL" {
		convSvc = col(s, "conversations", "uuid")
	}
	return []sqlitedb.Plugin{{Name: "signal",
		Required: map[string][]string{"messages": {"id", "json", "conversationId", "type", "body", "sent_at"},
			"conversations": {"id", "type", "json"}, "items": {"id", "json"}},
		Queries: []sqlitedb.Query{
			{Name: "items", Key: "id", Each: r.item,
				SQL: "SELECT id, json FROM items WHERE id IN ('number_id', 'uuid_id', 'pni', 'profileKey') ORDER BY id"},
			{Name: "conversations", Key: "id", Each: r.conversation,
				SQL: fmt.Sprintf("SELECT id, type, %s AS name, %s AS profileFullName, %s AS e164, %s AS svc, %s AS groupId, %s AS active_at FROM conversations ORDER BY id",
					col(s, "conversations", "name"), col(s, "conversations", "profileFullName"), col(s, "conversations", "e164"),
					convSvc, col(s, "conversations", "groupId"), col(s, "conversations", "active_at"))},
			{Name: "messages", Key: "id", Each: r.message,
				SQL: fmt.Sprintf("SELECT id, json, conversationId, type, body, sent_at, %s AS received_at, %s AS received_at_ms, %s AS source, %s AS svc, %s AS sourceDevice FROM messages ORDER BY sent_at, id",
					col(s, "messages", "received_at"), col(s, "messages", "received_at_ms"), col(s, "messages", "source"),
					srcSvc, col(s, "messages", "sourceDevice"))},
		}}}
}

func (r *run) sessionPlugins(s sqlitedb.Schema) []sqlitedb.Plugin {
	return []sqlitedb.Plugin{{Name: "session",
		Required: map[string][]string{"messages": {"id", "json", "conversationId", "type", "body", "sent_at", "messageHash"},
			"conversations": {"id", "type", "displayNameInProfile"}},
		Queries: []sqlitedb.Query{
			{Name: "items", Key: "id", Each: r.item,
				SQL: "SELECT id, json FROM items WHERE id IN ('number_id') ORDER BY id"},
			{Name: "conversations", Key: "id", Each: r.conversation,
				SQL: fmt.Sprintf("SELECT id, type, %s AS name, displayNameInProfile AS profileFullName, NULL AS e164, CASE WHEN type = 'private' THEN id END AS svc, NULL AS groupId, %s AS active_at FROM conversations ORDER BY id",
					col(s, "conversations", "nickname"), col(s, "conversations", "active_at"))},
			{Name: "messages", Key: "id", Each: r.message,
				SQL: fmt.Sprintf("SELECT id, json, conversationId, type, body, sent_at, %s AS received_at, NULL AS received_at_ms, %s AS source, NULL AS svc, NULL AS sourceDevice FROM messages ORDER BY sent_at, id",
					col(s, "messages", "received_at"), col(s, "messages", "source"))},
		}}}
}

// item reads the local account from the items table: number_id and uuid_id
// hold "<value>.<deviceId>".
func (r *run) item(_ context.Context, row *sqlitedb.Row) error {
	id := str(row, "id")
	var v struct {
		Value json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal([]byte(str(row, "json")), &v); err != nil {
		src, _, _ := r.rowRef(row, "items", id)
		r.warn(src, fmt.Sprintf("items %q: json: %v", id, err))
		return nil
	}
	var val string
	if err := json.Unmarshal(v.Value, &val); err != nil {
		return nil // profileKey and others are not strings: not account identifiers
	}
	attr := map[string]string{"number_id": "number", "uuid_id": "aci", "pni": "pni"}[id]
	if attr == "" {
		return nil
	}
	if r.client == "session" {
		attr = "session_id"
	}
	device := ""
	if attr == "number" || attr == "aci" {
		if i := strings.LastIndexByte(val, '.'); i > 0 {
			val, device = val[:i], val[i+1:]
		}
	}
	val = strings.TrimPrefix(val, "PNI:")
	if attr == "aci" || attr == "session_id" || r.account == "" {
		r.account = val
	}
	src, sha, extra := r.rowRef(row, "items", id)
	attrs := []finding.Attr{finding.S(chats.AttrClient, r.client), finding.S(chats.AttrAccount, val), finding.S("identifier_type", attr)}
	if device != "" {
		attrs = append(attrs, finding.S("device_id", device))
	}
	r.emit(chats.KindAccount, src, sha, append(attrs, extra...))
	return nil
}

func (r *run) conversation(_ context.Context, row *sqlitedb.Row) error {
	id := str(row, "id")
	c := conv{typ: str(row, "type"), name: str(row, "name"), peer: str(row, "svc")}
	if c.name == "" {
		c.name = str(row, "profileFullName")
	}
	if c.peer == "" {
		c.peer = str(row, "e164")
	}
	r.convs[id] = c
	src, sha, extra := r.rowRef(row, "conversations", id)
	attrs := []finding.Attr{finding.S(chats.AttrClient, r.client), finding.S(chats.AttrConversationID, id), finding.S(chats.AttrConvType, c.typ)}
	add := func(name, v string) {
		if v != "" {
			attrs = append(attrs, finding.S(name, v))
		}
	}
	add(chats.AttrName, c.name)
	add("profile_name", str(row, "profileFullName"))
	add("e164", str(row, "e164"))
	add("service_id", str(row, "svc"))
	add("group_id", str(row, "groupId"))
	if t := chats.UnixMilli(num(row, "active_at")); !t.IsZero() {
		attrs = append(attrs, finding.T("active_at", t))
	}
	r.emit(chats.KindConversation, src, sha, append(attrs, extra...))
	if c.typ == "private" && c.peer != "" {
		cattrs := []finding.Attr{finding.S(chats.AttrClient, r.client), finding.S(chats.AttrContact, c.peer)}
		if c.name != "" {
			cattrs = append(cattrs, finding.S(chats.AttrName, c.name))
		}
		if e := str(row, "e164"); e != "" && e != c.peer {
			cattrs = append(cattrs, finding.S("e164", e))
		}
		r.emit(chats.KindContact, src, sha, append(append(cattrs, finding.S(chats.AttrConversationID, id)), extra...))
	}
	return nil
}

// msgJSON is what Loupe reads from a message's json column.
type msgJSON struct {
	Attachments []struct {
		ContentType string          `json:"contentType"`
		FileName    string          `json:"fileName"`
		Size        json.Number     `json:"size"`
		Path        string          `json:"path"`
		Width       json.Number     `json:"width"`
		Height      json.Number     `json:"height"`
		Digest      string          `json:"digest"`
		Key         json.RawMessage `json:"key"`
		// LocalKey encrypts the file under attachments.noindex (see attachments.go).
		LocalKey      string `json:"localKey"`
		PlaintextHash string `json:"plaintextHash"`
	} `json:"attachments"`
}

func (r *run) message(_ context.Context, row *sqlitedb.Row) error {
	id := str(row, "id")
	src, sha, extra := r.rowRef(row, "messages", id)
	typ := str(row, "type")
	c := r.convs[str(row, "conversationId")]
	m := chats.Msg{Client: r.client, ConversationID: str(row, "conversationId"), MessageID: id, Time: chats.UnixMilli(num(row, "sent_at"))}
	m.Body, m.HasBody = row.Str("body")
	sender := str(row, "svc")
	if sender == "" {
		sender = str(row, "source")
	}
	switch typ {
	case "incoming":
		m.Direction, m.Sender = chats.DirIn, sender
		if c.typ == "private" {
			m.Recipient = r.account
		}
	case "outgoing":
		m.Direction, m.Sender = chats.DirOut, r.account
		if c.typ == "private" {
			m.Recipient = c.peer
		}
	default:
		m.Sender = sender
	}
	attrs := m.Attrs()
	attrs = append(attrs, finding.S(chats.AttrMessageType, typ))
	if c.name != "" {
		attrs = append(attrs, finding.S(chats.AttrConversation, c.name))
	}
	recv := num(row, "received_at_ms")
	if recv == 0 {
		// Old schemas keep ms in received_at; newer ones a counter there.
		if v := num(row, "received_at"); v > 1e12 {
			recv = v
		}
	}
	if t := chats.UnixMilli(recv); !t.IsZero() {
		attrs = append(attrs, finding.T(chats.AttrReceived, t))
	}
	if d := str(row, "sourceDevice"); d != "" {
		attrs = append(attrs, finding.S("source_device", d))
	}
	var js msgJSON
	jsonText, _ := row.Bytes("json")
	if len(jsonText) > 0 {
		dec := json.NewDecoder(bytes.NewReader(jsonText))
		dec.UseNumber()
		if err := dec.Decode(&js); err != nil {
			r.warn(src, fmt.Sprintf("message %s: json: %v", id, err))
		}
	}
	if len(js.Attachments) > 0 {
		attrs = append(attrs, finding.I("attachments", int64(len(js.Attachments))))
	}
	r.emit(chats.KindMessage, src, sha, append(attrs, extra...))
	for i, a := range js.Attachments {
		at := []finding.Attr{finding.S(chats.AttrClient, r.client), finding.S(chats.AttrMessageID, id),
			finding.S(chats.AttrConversationID, m.ConversationID), finding.I("index", int64(i))}
		if m.Direction != "" {
			at = append(at, finding.S(chats.AttrDirection, m.Direction))
		}
		add := func(name, v string) {
			if v != "" {
				at = append(at, finding.S(name, v))
			}
		}
		add(chats.AttrFileName, a.FileName)
		add(chats.AttrContentType, a.ContentType)
		if n, err := strconv.ParseInt(string(a.Size), 10, 64); err == nil {
			at = append(at, finding.I(chats.AttrSize, n))
		}
		add(chats.AttrPath, a.Path)
		if a.Path != "" {
			at = append(at, finding.S("attachment_file", "attachments.noindex/"+a.Path))
		}
		add("digest", a.Digest)
		at = append(at, finding.B("key_present", len(a.Key) > 0 && string(a.Key) != "null"))
		if a.Path != "" {
			n, _ := strconv.ParseInt(string(a.Size), 10, 64)
			at = append(at, r.attachmentAttrs(a.Path, a.LocalKey, a.PlaintextHash, n)...)
		}
		r.emit(chats.KindAttachment, src.Record("json", fmt.Sprintf("attachments[%d]", i)), sha, append(at, extra...))
	}
	return nil
}
