package gajim

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/loupe-forensics/loupe/artefacts"
	"github.com/loupe-forensics/loupe/artefacts/chats"
	"github.com/loupe-forensics/loupe/forensic/finding"
	"github.com/loupe-forensics/loupe/forensic/source"
)

const fixture = "../../../testdata/artefacts/chats/gajim"

type manifest struct {
	JIDs []struct {
		JIDID int64 `json:"jid_id"`
		JID   string
		Type  int64
	}
	Messages []struct {
		ID          int64
		JID         string
		ContactName *string `json:"contact_name"`
		Kind        int64
		Time, Body  string
		Encryption  *string
	}
	OMEMO []struct {
		ID                int64
		RecipientID       string `json:"recipient_id"`
		Own               bool
		Fingerprint       string
		Trust             *int64
		PrivateKeyPresent bool `json:"private_key_present"`
	} `json:"omemo"`
}

func input(t testing.TB, rel string) *artefacts.Input {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fixture, rel))
	if err != nil {
		t.Fatal(err)
	}
	s := sha256.Sum256(b)
	p := "/home/x/.local/share/" + rel
	return &artefacts.Input{Ref: source.Image("disk").FS("ext4", 0).Entry(p, ""), Path: p, Size: int64(len(b)),
		Head: b[:min(len(b), artefacts.HeadSize)], Reader: bytes.NewReader(b), SHA256: hex.EncodeToString(s[:]),
		FS: os.DirFS(t.TempDir()), WorkDir: t.TempDir()}
}

func parse(t testing.TB, in *artefacts.Input) *finding.Collector {
	t.Helper()
	p := New()
	if !p.Match(in) {
		t.Fatal("no match")
	}
	var c finding.Collector
	if err := artefacts.Run(context.Background(), p, in, &c); err != nil {
		t.Fatal(err)
	}
	return &c
}

func get(a finding.Artefact, name string) any {
	v, ok := a.Get(name)
	if !ok {
		return nil
	}
	if v.Type == finding.TTime {
		return v.Time.Format(time.RFC3339Nano)
	}
	return v.Value()
}

func readManifest(t testing.TB) manifest {
	b, err := os.ReadFile(filepath.Join(fixture, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m manifest
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestArchive(t *testing.T) {
	m := readManifest(t)
	c := parse(t, input(t, "gajim/logs.db"))
	if len(c.Warnings) != 0 {
		t.Fatalf("warnings: %+v", c.Warnings)
	}
	if got := c.Kind(chats.KindConversation); len(got) != len(m.JIDs) {
		t.Fatalf("%d conversations, want %d", len(got), len(m.JIDs))
	}
	msgs := c.Kind(chats.KindMessage)
	if len(msgs) != len(m.Messages) || len(msgs) != 6 {
		t.Fatalf("%d messages, manifest %d", len(msgs), len(m.Messages))
	}
	// sqlite3's own listing, written by the generator, is the peer reference.
	var peer []struct {
		ID      int64   `json:"log_line_id"`
		Message string  `json:"message"`
		Time    float64 `json:"time"`
	}
	b, err := os.ReadFile(filepath.Join(fixture, "sqlite3-logs.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &peer); err != nil || len(peer) != len(msgs) {
		t.Fatalf("sqlite3 listing: %d rows, %v", len(peer), err)
	}
	for i, w := range m.Messages {
		a := msgs[i]
		if a.Source.Locator != "logs" || a.Source.ID != fmtID(peer[i].ID) {
			t.Errorf("message %d provenance %s", i, a.Source)
		}
		if get(a, "body") != w.Body || get(a, "body") != peer[i].Message {
			t.Errorf("message %d body %q, want %q", w.ID, get(a, "body"), w.Body)
		}
		wt, err := time.Parse(time.RFC3339Nano, w.Time)
		if err != nil || get(a, "time") != wt.Format(time.RFC3339Nano) {
			t.Errorf("message %d time %v, want %s", w.ID, get(a, "time"), w.Time)
		}
		if get(a, "conversation_id") != w.JID || get(a, "kind") != w.Kind {
			t.Errorf("message %d: %+v", w.ID, a.Attrs)
		}
		wantEnc := any(nil)
		if w.Encryption != nil {
			wantEnc = *w.Encryption
		}
		if get(a, "encryption") != wantEnc {
			t.Errorf("message %d encryption %v", w.ID, get(a, "encryption"))
		}
	}
	// Exact records: a sent chat, a received one and a group message.
	checks := []struct {
		i                                int
		dir, sender, recipient, typeName any
	}{
		{0, "out", "frank@example.org", "grace@example.net", "chat_message_sent"},
		{1, "in", "grace@example.net", "frank@example.org", "chat_message_received"},
		{3, nil, "seller9", nil, "groupchat_message"},
		{5, nil, nil, nil, "status"},
	}
	for _, ch := range checks {
		a := msgs[ch.i]
		if get(a, "direction") != ch.dir || get(a, "sender") != ch.sender || get(a, "recipient") != ch.recipient || get(a, "message_type") != ch.typeName {
			t.Errorf("message %d: %+v", ch.i, a.Attrs)
		}
	}
}

func TestOMEMO(t *testing.T) {
	m := readManifest(t)
	c := parse(t, input(t, "gajim/omemo/omemo_frank@example.org.db"))
	if len(c.Warnings) != 0 {
		t.Fatalf("warnings: %+v", c.Warnings)
	}
	ids := c.Kind(KindOMEMOIdentity)
	if len(ids) != len(m.OMEMO) {
		t.Fatalf("%d identities, manifest %d", len(ids), len(m.OMEMO))
	}
	for i, w := range m.OMEMO {
		a := ids[i]
		if get(a, "fingerprint") != w.Fingerprint || get(a, "own") != w.Own || get(a, "private_key_present") != w.PrivateKeyPresent {
			t.Errorf("identity %d: %+v, want %+v", i, a.Attrs, w)
		}
		if w.Trust != nil && get(a, "trust") != *w.Trust {
			t.Errorf("identity %d trust %v", i, get(a, "trust"))
		}
		for _, at := range a.Attrs {
			if at.Type == finding.TBytes || strings.Contains(at.Name, "private_key") && at.Type != finding.TBool {
				t.Errorf("identity %d exports %s", i, at.Name)
			}
		}
	}
}

// TestTruncated: the pipeline records Parse's error as a warning that says
// the database is unreadable (not a wrong key: Gajim has none).
func TestTruncated(t *testing.T) {
	var c finding.Collector
	err := artefacts.Run(context.Background(), New(), input(t, "logs-truncated.db"), &c)
	if err == nil || len(c.Warnings) != 1 || !strings.Contains(c.Warnings[0].Message, "database unreadable") {
		t.Fatalf("truncated database: %v, warnings %+v", err, c.Warnings)
	}
	for _, w := range c.Warnings {
		if strings.Contains(w.Message, "panic") || w.Source == nil {
			t.Fatalf("bad warning %+v", w)
		}
	}
}

func fmtID(n int64) string { b, _ := json.Marshal(n); return string(b) }

func TestArchive2(t *testing.T) {
	var m struct {
		Messages []struct {
			PK                    int64
			Remote                string
			Resource, Nickname    *string
			Type                  int64
			Direction, Time, Body string
			Encrypted             bool
		} `json:"messages_2x"`
	}
	b, err := os.ReadFile(filepath.Join(fixture, "manifest.json"))
	if err != nil || json.Unmarshal(b, &m) != nil || len(m.Messages) != 5 {
		t.Fatalf("manifest: %v, %d messages", err, len(m.Messages))
	}
	c := parse(t, input(t, "gajim-2.x/logs.db"))
	if len(c.Warnings) != 0 {
		t.Fatalf("warnings: %+v", c.Warnings)
	}
	msgs := c.Kind(chats.KindMessage)
	if len(msgs) != len(m.Messages) || len(c.Artefacts) != len(msgs) {
		t.Fatalf("%d messages, %d artefacts, manifest %d", len(msgs), len(c.Artefacts), len(m.Messages))
	}
	for i, w := range m.Messages {
		a := msgs[i]
		wt, _ := time.Parse(time.RFC3339Nano, w.Time)
		if a.Source.Locator != "message" || a.Source.ID != fmtID(w.PK) || get(a, "body") != w.Body || get(a, "time") != wt.Format(time.RFC3339Nano) ||
			get(a, "direction") != w.Direction || get(a, "conversation_id") != w.Remote {
			t.Errorf("message %d: %s %+v, want %+v", w.PK, a.Source, a.Attrs, w)
		}
		if (get(a, "encrypted") == true) != w.Encrypted {
			t.Errorf("message %d encrypted %v", w.PK, get(a, "encrypted"))
		}
		names := map[string]bool{}
		for _, at := range a.Attrs {
			if names[at.Name] {
				t.Errorf("message %d: attribute %s twice", w.PK, at.Name)
			}
			names[at.Name] = true
		}
	}
	// Exact records: chat in, chat out, group in (occupant), group out.
	checks := []struct {
		i                      int
		sender, recipient, typ any
	}{
		{0, "grace@example.net", "frank@example.org", "chat"},
		{1, "frank@example.org", "grace@example.net", "chat"},
		{2, "seller9", nil, "groupchat"},
		{3, "frank@example.org", nil, "groupchat"},
		{4, "seller9", nil, "private"},
	}
	for _, ch := range checks {
		a := msgs[ch.i]
		if get(a, "sender") != ch.sender || get(a, "recipient") != ch.recipient || get(a, "message_type") != ch.typ {
			t.Errorf("message %d: %+v", ch.i, a.Attrs)
		}
	}
}
