package skype

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/loupe-forensics/loupe/artefacts"
	"github.com/loupe-forensics/loupe/artefacts/chats"
	"github.com/loupe-forensics/loupe/forensic/finding"
	"github.com/loupe-forensics/loupe/forensic/source"
)

const root = "../../../testdata/artefacts/chats/skype"

type manMsg struct {
	ID        int64  `json:"id"`
	ConvoID   int64  `json:"convo_id"`
	Author    string `json:"author"`
	Timestamp int64  `json:"timestamp"`
	BodyHex   string `json:"body_hex"`
}

func attr(a finding.Artefact, n string) finding.Attr { v, _ := a.Get(n); return v }

func TestMainDB(t *testing.T) {
	var man map[string]struct {
		Messages []manMsg `json:"messages"`
	}
	b, err := os.ReadFile(filepath.Join(root, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &man); err != nil {
		t.Fatal(err)
	}
	want := man["alice.market/main.db"].Messages
	data, err := os.ReadFile(filepath.Join(root, "alice.market/main.db"))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	in := &artefacts.Input{Ref: source.Image("d").FS("ntfs", 0).Entry("/alice.market/main.db", "5-1"), Path: "/alice.market/main.db",
		Size: int64(len(data)), Head: data[:min(len(data), artefacts.HeadSize)], Reader: bytes.NewReader(data),
		SHA256: hex.EncodeToString(sum[:]), FS: os.DirFS(root), WorkDir: t.TempDir()}
	p := New()
	if !p.Match(in) {
		t.Fatal("no match")
	}
	var c finding.Collector
	if err := artefacts.Run(context.Background(), p, in, &c); err != nil || len(c.Warnings) != 0 {
		t.Fatalf("err %v warnings %+v", err, c.Warnings)
	}
	msgs := c.Kind(chats.KindMessage)
	if len(msgs) != len(want) || len(want) != 5 {
		t.Fatalf("messages %d, sqlite3 listed %d (script writes 5)", len(msgs), len(want))
	}
	got := map[string]finding.Artefact{}
	for _, m := range msgs {
		got[attr(m, chats.AttrMessageID).Str] = m
	}
	for _, w := range want {
		m, ok := got[itoa(w.ID)]
		if !ok {
			t.Fatalf("message %d missing", w.ID)
		}
		body, _ := hex.DecodeString(w.BodyHex)
		if attr(m, chats.AttrBody).Str != string(body) || attr(m, chats.AttrSender).Str != w.Author ||
			!attr(m, chats.AttrTime).Time.Equal(time.Unix(w.Timestamp, 0)) || attr(m, chats.AttrConversationID).Str != itoa(w.ConvoID) {
			t.Errorf("message %d: %+v, want %+v", w.ID, m.Attrs, w)
		}
		if m.Source.Locator != "Messages" || m.Source.ID != itoa(w.ID) {
			t.Errorf("provenance %s", m.Source)
		}
	}
	// Exact bytes: XML-escaped script, RLM and an ANSI escape, untouched.
	if b := attr(got["102"], chats.AttrBody).Str; b != "&lt;script&gt;alert(1)&lt;/script&gt; <ss type=\"smile\">:)</ss> 0.05 \u200fBTC\x1b[0m" {
		t.Errorf("body 102 %q", b)
	}
	if d := attr(got["102"], chats.AttrDirection).Str; d != chats.DirOut || attr(got["102"], chats.AttrRecipient).Str != "bob.vendor" {
		t.Errorf("102 direction %q", d)
	}
	if d := attr(got["101"], chats.AttrDirection).Str; d != chats.DirIn || attr(got["101"], chats.AttrRecipient).Str != "alice.market" {
		t.Errorf("101 direction %q", d)
	}
	if attr(got["103"], chats.AttrMessageType).Str != "file_transfer" || attr(got["105"], chats.AttrConversation).Str != "Shipping team" {
		t.Error("message type / conversation name")
	}
	if a := c.Kind(chats.KindAccount); len(a) != 1 || attr(a[0], chats.AttrAccount).Str != "alice.market" {
		t.Errorf("accounts %+v", a)
	}
	ct := c.Kind(chats.KindContact)
	if len(ct) != 2 || attr(ct[1], "given_name").Str != "Carol (courier)" || !attr(ct[1], "blocked").Bool {
		t.Errorf("contacts %+v", ct)
	}
	if n := len(c.Kind(chats.KindConversation)); n != 2 {
		t.Errorf("conversations %d", n)
	}
	tr := c.Kind(chats.KindAttachment)
	if len(tr) != 1 || attr(tr[0], chats.AttrFileName).Str != "list.txt" || attr(tr[0], chats.AttrSize).Int != 2048 ||
		attr(tr[0], chats.AttrDirection).Str != chats.DirIn || attr(tr[0], chats.AttrPath).Str != `C:\Users\alice\Documents\list.txt` {
		t.Errorf("transfers %+v", tr)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
