package signal

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/loupe-forensics/loupe/artefacts"
	"github.com/loupe-forensics/loupe/artefacts/chats"
	"github.com/loupe-forensics/loupe/forensic/finding"
	"github.com/loupe-forensics/loupe/forensic/source"
)

const fixtures = "../../../testdata/artefacts/chats"

func inputAt(t testing.TB, root, rel string) *artefacts.Input {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, rel))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	return &artefacts.Input{Ref: source.Image("disk").FS("ext4", 0).Entry("/"+rel, ""), Path: "/" + rel, Size: int64(len(b)),
		Head: b[:min(len(b), artefacts.HeadSize)], Reader: bytes.NewReader(b), SHA256: hex.EncodeToString(sum[:]),
		FS: os.DirFS(root), WorkDir: t.TempDir()}
}

func parse(t testing.TB, p artefacts.Parser, in *artefacts.Input) *finding.Collector {
	t.Helper()
	var c finding.Collector
	if !p.Match(in) {
		t.Fatalf("%s does not match %s", p.Name(), in.Path)
	}
	if err := artefacts.Run(context.Background(), p, in, &c); err != nil {
		t.Fatalf("%s on %s: %v", p.Name(), in.Path, err)
	}
	return &c
}

type manMsg struct {
	ID           string `json:"id"`
	Type         string `json:"type"`
	SentAt       int64  `json:"sent_at"`
	Conversation string `json:"conversation"`
	Source       string `json:"source"`
	BodyHex      any    `json:"body_hex"`
}

type manDB struct {
	Key      string   `json:"key"`
	Params   string   `json:"params"`
	Messages []manMsg `json:"messages"`
	Count    int      `json:"message_count"`
	Secret   string   `json:"keyring_secret"`
	Offset   int64    `json:"corrupt_offset"`
	Page     int      `json:"corrupt_page"`
}

func manifest(t testing.TB, family string) map[string]json.RawMessage {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fixtures, family, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func entry(t testing.TB, m map[string]json.RawMessage, name string) manDB {
	t.Helper()
	var d manDB
	if err := json.Unmarshal(m[name], &d); err != nil {
		t.Fatal(name, err)
	}
	return d
}

func attr(a finding.Artefact, name string) finding.Attr { v, _ := a.Get(name); return v }

func byID(c *finding.Collector, kind string) map[string]finding.Artefact {
	out := map[string]finding.Artefact{}
	for _, a := range c.Kind(kind) {
		out[attr(a, chats.AttrMessageID).Str] = a
	}
	return out
}

// checkMessages compares every message with what SQLCipher read back in the
// generator run: count, sender/time/body (bytes) and direction.
func checkMessages(t *testing.T, c *finding.Collector, want []manMsg, account string) {
	t.Helper()
	got := byID(c, chats.KindMessage)
	if len(got) != len(want) || len(c.Kind(chats.KindMessage)) != len(want) {
		t.Fatalf("messages: got %d, manifest %d", len(c.Kind(chats.KindMessage)), len(want))
	}
	for _, w := range want {
		a, ok := got[w.ID]
		if !ok {
			t.Fatalf("message %s missing", w.ID)
		}
		if tm := attr(a, chats.AttrTime).Time; !tm.Equal(time.UnixMilli(w.SentAt)) || tm.Location() != time.UTC {
			t.Errorf("%s time %v, want %d ms UTC", w.ID, tm, w.SentAt)
		}
		if h, _ := w.BodyHex.(string); h != "" || w.BodyHex != nil {
			body, _ := hex.DecodeString(h)
			if b, ok := a.Get(chats.AttrBody); !ok || b.Str != string(body) {
				t.Errorf("%s body %q, want %q", w.ID, b.Str, body)
			}
		} else if _, ok := a.Get(chats.AttrBody); ok {
			t.Errorf("%s: NULL body became an attribute", w.ID)
		}
		wantSender, wantDir := w.Source, ""
		switch w.Type {
		case "incoming":
			wantDir = chats.DirIn
		case "outgoing":
			wantDir, wantSender = chats.DirOut, account
		}
		if s := attr(a, chats.AttrSender).Str; s != wantSender {
			t.Errorf("%s sender %q, want %q", w.ID, s, wantSender)
		}
		if d := attr(a, chats.AttrDirection).Str; d != wantDir {
			t.Errorf("%s direction %q, want %q", w.ID, d, wantDir)
		}
		if cv := attr(a, chats.AttrConversationID).Str; cv != w.Conversation {
			t.Errorf("%s conversation %q, want %q", w.ID, cv, w.Conversation)
		}
		if a.Source.Type != source.TypeRow || a.Source.ID != w.ID {
			t.Errorf("%s provenance %v", w.ID, a.Source)
		}
	}
}

const aci = "a1a1a1a1-1111-4111-8111-111111111111"

func TestSignalPlainKeyWithWAL(t *testing.T) {
	m := manifest(t, "signal")
	want := entry(t, m, "linux-plainkey")
	in := inputAt(t, filepath.Join(fixtures, "signal/linux-plainkey"), "sql/db.sqlite")
	c := parse(t, New(Options{}), in)
	if len(c.Warnings) != 0 {
		t.Fatalf("warnings: %+v", c.Warnings)
	}
	checkMessages(t, c, want.Messages, aci)
	if len(want.Messages) != 8 {
		t.Fatalf("manifest has %d messages, the script writes 8", len(want.Messages))
	}
	msgs := byID(c, chats.KindMessage)
	// The eighth message exists only in the WAL: its provenance is the -wal file.
	walMsg := msgs["m0000008-0000-4000-8000-000000000008"]
	if !attr(walMsg, "from_wal").Bool || walMsg.Source.Parent.Locator != "/sql/db.sqlite-wal" {
		t.Errorf("WAL message provenance %s", walMsg.Source)
	}
	if msgs["m0000001-0000-4000-8000-000000000001"].Source.Parent.Locator != "/sql/db.sqlite" {
		t.Error("main-file message not attributed to the main file")
	}
	// Hostile bodies byte for byte: HTML/script, RLO/RLM and control characters.
	for id, body := range map[string]string{
		"m0000002-0000-4000-8000-000000000002": `Yes. <b>bold</b> & <script>alert("x")</script>`,
		"m0000003-0000-4000-8000-000000000003": "price \u202e05 BTC\u200f\x01\x07 end",
		"m0000005-0000-4000-8000-000000000005": "meet at 21:00\nbring cash\tonly",
	} {
		if got := attr(msgs[id], chats.AttrBody).Str; got != body {
			t.Errorf("%s body %q, want %q", id, got, body)
		}
	}
	out := msgs["m0000002-0000-4000-8000-000000000002"]
	if attr(out, chats.AttrRecipient).Str != "b2b2b2b2-2222-4222-8222-222222222222" || attr(out, chats.AttrConversation).Str != "Bob Market" {
		t.Errorf("outgoing private message: %+v", out.Attrs)
	}
	if got := attr(msgs["m0000003-0000-4000-8000-000000000003"], chats.AttrReceived).Time; !got.Equal(time.UnixMilli(1773400121500)) {
		t.Errorf("received %v", got)
	}
	if k := attr(msgs["m0000006-0000-4000-8000-000000000006"], chats.AttrMessageType).Str; k != "keychange" {
		t.Errorf("system message type %q", k)
	}
	// Accounts, conversations, contacts, attachments.
	var accts []string
	for _, a := range c.Kind(chats.KindAccount) {
		accts = append(accts, attr(a, "identifier_type").Str+"="+attr(a, chats.AttrAccount).Str)
	}
	if strings.Join(accts, " ") != "number=+447700900123 pni=e5e5e5e5-5555-4555-8555-555555555555 aci="+aci {
		t.Errorf("accounts %v", accts)
	}
	if n := len(c.Kind(chats.KindConversation)); n != 3 {
		t.Errorf("conversations %d, want 3", n)
	}
	if n := len(c.Kind(chats.KindContact)); n != 2 {
		t.Errorf("contacts %d, want 2 (private conversations)", n)
	}
	att := c.Kind(chats.KindAttachment)
	if len(att) != 2 {
		t.Fatalf("attachments %d, want 2", len(att))
	}
	a0 := att[0]
	if attr(a0, chats.AttrFileName).Str != "stock.jpg" || attr(a0, chats.AttrSize).Int != 48213 || attr(a0, chats.AttrContentType).Str != "image/jpeg" ||
		a0.Source.Locator != "json" || a0.Source.ID != "attachments[0]" || attr(att[1], chats.AttrFileName).Str != "price list.pdf" {
		t.Errorf("attachment %+v at %s", a0.Attrs, a0.Source)
	}
	store := c.Kind(chats.KindStore)
	if len(store) != 1 || attr(store[0], "sqlcipher").Str != want.Params || attr(store[0], "wal_frames").Int == 0 ||
		attr(store[0], chats.AttrKeySource).Str != "config.json key (plaintext)" {
		t.Errorf("store %+v", store)
	}
}

func TestSignalBasicTextAndLegacyV3(t *testing.T) {
	m := manifest(t, "signal")
	want := entry(t, m, "linux-basictext")
	c := parse(t, New(Options{}), inputAt(t, filepath.Join(fixtures, "signal/linux-basictext"), "sql/db.sqlite"))
	if len(c.Warnings) != 0 {
		t.Fatalf("warnings: %+v", c.Warnings)
	}
	checkMessages(t, c, want.Messages, aci)
	if ks := attr(c.Kind(chats.KindStore)[0], chats.AttrKeySource).Str; ks != `encryptedKey v10, backend "basic_text"` {
		t.Errorf("key source %q", ks)
	}
	v3 := entry(t, m, "legacy-v3")
	c = parse(t, New(Options{}), inputAt(t, filepath.Join(fixtures, "signal/legacy-v3"), "sql/db.sqlite"))
	if len(c.Warnings) != 0 {
		t.Fatalf("warnings: %+v", c.Warnings)
	}
	if n := len(c.Kind(chats.KindMessage)); n != v3.Count || n != 7 {
		t.Errorf("v3 messages %d, sqlcipher counted %d", n, v3.Count)
	}
	if p := attr(c.Kind(chats.KindStore)[0], "sqlcipher").Str; p != "v3" {
		t.Errorf("params %q", p)
	}
	checkMessages(t, c, want.Messages, aci) // same script as basictext
}

func TestSignalLibsecretNeedsSecret(t *testing.T) {
	m := manifest(t, "signal")
	want := entry(t, m, "linux-libsecret")
	root := filepath.Join(fixtures, "signal/linux-libsecret")
	c := parse(t, New(Options{}), inputAt(t, root, "sql/db.sqlite"))
	if len(c.Warnings) != 1 || !strings.Contains(c.Warnings[0].Message, "examiner-supplied secret") ||
		c.Warnings[0].Source.Locator != "/config.json" {
		t.Fatalf("warnings: %+v", c.Warnings)
	}
	if s := c.Kind(chats.KindStore); len(s) != 1 || attr(s[0], chats.AttrKeySource).Str != `encryptedKey v11, backend "gnome_libsecret"` || len(c.Kind(chats.KindMessage)) != 0 {
		t.Fatalf("store %+v", s)
	}
	c = parse(t, New(Options{KeyringSecret: want.Secret}), inputAt(t, root, "sql/db.sqlite"))
	if len(c.Warnings) != 0 || len(c.Kind(chats.KindMessage)) != 7 {
		t.Fatalf("with secret: %d messages, warnings %+v", len(c.Kind(chats.KindMessage)), c.Warnings)
	}
	c = parse(t, New(Options{KeyringSecret: "not it"}), inputAt(t, root, "sql/db.sqlite"))
	if len(c.Warnings) != 1 || !strings.Contains(c.Warnings[0].Message, "did not decrypt") {
		t.Fatalf("wrong secret: %+v", c.Warnings)
	}
}

// A wrong key and a corrupt page must say different things.
func TestSignalWrongKeyVersusCorrupt(t *testing.T) {
	m := manifest(t, "signal")
	c := parse(t, New(Options{}), inputAt(t, filepath.Join(fixtures, "signal/wrong-key"), "sql/db.sqlite"))
	if len(c.Warnings) != 1 || !strings.HasPrefix(c.Warnings[0].Message, "WRONG KEY:") || strings.Contains(c.Warnings[0].Message, "CORRUPT") {
		t.Fatalf("wrong key: %+v", c.Warnings)
	}
	if len(c.Kind(chats.KindMessage)) != 0 || len(c.Kind(chats.KindStore)) != 1 || attr(c.Kind(chats.KindStore)[0], "key_verified").Bool {
		t.Fatal("wrong key: store should be recorded unverified, nothing else")
	}
	cor := entry(t, m, "corrupt")
	c = parse(t, New(Options{}), inputAt(t, filepath.Join(fixtures, "signal/corrupt"), "sql/db.sqlite"))
	if len(c.Warnings) == 0 || !strings.HasPrefix(c.Warnings[0].Message, "CORRUPT DATABASE:") ||
		!strings.Contains(c.Warnings[0].Message, "page 2 at offset 4096") || strings.Contains(c.Warnings[0].Message, "WRONG KEY") {
		t.Fatalf("corrupt: %+v", c.Warnings)
	}
	if cor.Page != 2 {
		t.Fatalf("manifest corrupt page %d", cor.Page)
	}
	s := c.Kind(chats.KindStore)
	if len(s) != 1 || !attr(s[0], "key_verified").Bool || attr(s[0], "corrupt_pages").Int != 1 {
		t.Fatalf("corrupt store %+v", s)
	}
	// Page 2 is the items table (the first created): the account is lost
	// with it, and the query's failure is a warning; the messages, on
	// intact pages, are still all read.
	if len(c.Kind(chats.KindAccount)) != 0 || len(c.Kind(chats.KindMessage)) != 7 || len(c.Warnings) != 2 ||
		!strings.Contains(c.Warnings[1].Message, "items") {
		t.Errorf("accounts %d, messages %d, warnings %+v", len(c.Kind(chats.KindAccount)), len(c.Kind(chats.KindMessage)), c.Warnings)
	}
}

func TestSession(t *testing.T) {
	m := manifest(t, "session")
	want := entry(t, m, "linux")
	c := parse(t, New(Options{}), inputAt(t, filepath.Join(fixtures, "session/linux"), "sql/db.sqlite"))
	if len(c.Warnings) != 0 {
		t.Fatalf("warnings: %+v", c.Warnings)
	}
	me := "05aaaa11112222333344445555666677778888999900001111222233334444555566"
	checkMessages(t, c, want.Messages, me)
	if len(want.Messages) != 2 {
		t.Fatalf("manifest messages %d", len(want.Messages))
	}
	for _, a := range c.Kind(chats.KindMessage) {
		if attr(a, chats.AttrClient).Str != "session" {
			t.Fatal("client not session")
		}
	}
	if a := c.Kind(chats.KindAccount); len(a) != 1 || attr(a[0], chats.AttrAccount).Str != me {
		t.Errorf("account %+v", a)
	}
	if ct := c.Kind(chats.KindContact); len(ct) != 1 || attr(ct[0], chats.AttrName).Str != "the supplier" {
		t.Errorf("contacts %+v", ct)
	}
	if n := len(c.Kind(chats.KindAttachment)); n != 1 {
		t.Errorf("attachments %d", n)
	}
}

func TestNotSignal(t *testing.T) {
	// Random-looking bytes with no config.json near them are not claimed.
	b := bytes.Repeat([]byte{0x5a, 0xa5, 0x13, 0x77}, 1024)
	in := &artefacts.Input{Ref: source.Image("d").FS("ext4", 0).Entry("/x/y/blob", ""), Path: "/x/y/blob", Size: int64(len(b)), Head: b,
		Reader: bytes.NewReader(b), FS: os.DirFS(t.TempDir()), WorkDir: t.TempDir()}
	var c finding.Collector
	if err := New(Options{}).Parse(context.Background(), in, &c); err != artefacts.ErrWrongFormat {
		t.Fatalf("err %v", err)
	}
}

// The tree.d hook puts the fixtures where Signal keeps them; the parser
// finds config.json from there (native and Flatpak layouts).
func TestPlacedByHook(t *testing.T) {
	win, lin := t.TempDir(), t.TempDir()
	cmd := exec.Command("bash", "../../../testdata/gen/tree.d/50-chats-signal.sh", win, lin)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("hook: %v\n%s", err, out)
	}
	for rel, want := range map[string]int{
		"home/bob/.config/Signal/sql/db.sqlite":                           8,
		"home/bob/.var/app/org.signal.Signal/config/Signal/sql/db.sqlite": 7,
		"home/bob/.config/Session/sql/db.sqlite":                          2,
	} {
		c := parse(t, New(Options{}), inputAt(t, lin, rel))
		if n := len(c.Kind(chats.KindMessage)); n != want || len(c.Warnings) != 0 {
			t.Errorf("%s: %d messages (want %d), warnings %+v", rel, n, want, c.Warnings)
		}
	}
}
