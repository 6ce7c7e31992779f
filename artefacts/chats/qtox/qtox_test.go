package qtox

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/loupe-forensics/loupe/artefacts"
	"github.com/loupe-forensics/loupe/artefacts/chats"
	"github.com/loupe-forensics/loupe/forensic/finding"
	"github.com/loupe-forensics/loupe/forensic/source"
)

const root = "../../../testdata/artefacts/chats/qtox"

type manifest struct {
	Profiles map[string]struct {
		Address   string `json:"address"`
		PublicKey string `json:"public_key"`
		NameHex   string `json:"name_hex"`
		StatusHex string `json:"status_message_hex"`
		Encrypted bool   `json:"encrypted"`
		Friends   []struct {
			PublicKey  string `json:"public_key"`
			RequestHex string `json:"request_hex"`
		} `json:"friends"`
	} `json:"profiles"`
	Passphrase string `json:"passphrase"`
	History    []struct {
		ID        int64  `json:"id"`
		Type      string `json:"type"`
		Timestamp int64  `json:"timestamp"`
		Chat      string `json:"chat"`
		Sender    string `json:"sender"`
		BodyHex   string `json:"body_hex"`
	} `json:"history"`
}

func load(t testing.TB) manifest {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m manifest
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func input(t testing.TB, name string) *artefacts.Input {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, name))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	return &artefacts.Input{Ref: source.Image("d").FS("ext4", 0).Entry("/"+name, "12"), Path: "/" + name, Size: int64(len(b)),
		Head: b[:min(len(b), artefacts.HeadSize)], Reader: bytes.NewReader(b), SHA256: hex.EncodeToString(sum[:]),
		FS: os.DirFS(root), WorkDir: t.TempDir()}
}

func run(t testing.TB, p artefacts.Parser, in *artefacts.Input) *finding.Collector {
	t.Helper()
	if !p.Match(in) {
		t.Fatalf("%s does not match %s", p.Name(), in.Path)
	}
	var c finding.Collector
	if err := artefacts.Run(context.Background(), p, in, &c); err != nil {
		t.Fatal(err)
	}
	return &c
}

func attr(a finding.Artefact, n string) finding.Attr { v, _ := a.Get(n); return v }

func unhex(t testing.TB, s string) string {
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// The plain profile against what toxcore reported about it.
func TestPlainProfile(t *testing.T) {
	m := load(t)
	want := m.Profiles["alice.tox"]
	c := run(t, NewProfile(Options{}), input(t, "alice.tox"))
	if len(c.Warnings) != 0 {
		t.Fatalf("warnings %+v", c.Warnings)
	}
	acct := c.Kind(chats.KindAccount)
	if len(acct) != 1 {
		t.Fatalf("accounts %d", len(acct))
	}
	a := acct[0]
	if attr(a, chats.AttrAccount).Str != want.Address || attr(a, "public_key").Str != want.PublicKey ||
		attr(a, chats.AttrName).Str != unhex(t, want.NameHex) || attr(a, "status_message").Str != unhex(t, want.StatusHex) ||
		attr(a, "user_status").Str != "away" || !attr(a, "secret_key_present").Bool || attr(a, "friends").Int != 2 {
		t.Errorf("account %+v\nwant %+v", a.Attrs, want)
	}
	// Name with RLO/RLM and HTML, status with BEL, byte for byte.
	if got := attr(a, chats.AttrName).Str; got != "alice \u202eevil\u200f <b>x</b>" {
		t.Errorf("name %q", got)
	}
	if a.Source.Type != source.TypeOffset || a.Source.Offset != 8 || a.Source.Length != 76 {
		t.Errorf("account provenance %s", a.Source)
	}
	fr := c.Kind(chats.KindContact)
	if len(fr) != len(want.Friends) || len(fr) != 2 {
		t.Fatalf("friends %d, toxcore %d", len(fr), len(want.Friends))
	}
	for i, w := range want.Friends {
		if attr(fr[i], chats.AttrContact).Str != w.PublicKey || attr(fr[i], "request_message").Str != unhex(t, w.RequestHex) {
			t.Errorf("friend %d %+v, want %+v", i, fr[i].Attrs, w)
		}
	}
	if attr(fr[0], "friend_status").Str != "confirmed" || attr(fr[1], "friend_status").Str != "added (request not sent)" {
		t.Errorf("statuses %q %q", attr(fr[0], "friend_status").Str, attr(fr[1], "friend_status").Str)
	}
}

func TestEncryptedProfile(t *testing.T) {
	m := load(t)
	want := m.Profiles["dave.tox"]
	if !want.Encrypted {
		t.Fatal("toxcore says dave.tox is not encrypted")
	}
	c := run(t, NewProfile(Options{}), input(t, "dave.tox"))
	if len(c.Warnings) != 1 || !strings.Contains(c.Warnings[0].Message, "encrypted (toxEsave)") || len(c.Kind(chats.KindAccount)) != 0 {
		t.Fatalf("no passphrase: %+v", c.Warnings)
	}
	if s := c.Kind(chats.KindStore); len(s) != 1 || !attr(s[0], chats.AttrEncrypted).Bool {
		t.Fatalf("store %+v", s)
	}
	c = run(t, NewProfile(Options{ProfilePassphrase: "wrong"}), input(t, "dave.tox"))
	if len(c.Warnings) != 1 || !strings.Contains(c.Warnings[0].Message, "passphrase does not open") {
		t.Fatalf("wrong passphrase: %+v", c.Warnings)
	}
	c = run(t, NewProfile(Options{ProfilePassphrase: m.Passphrase}), input(t, "dave.tox"))
	acct := c.Kind(chats.KindAccount)
	if len(c.Warnings) != 0 || len(acct) != 1 || attr(acct[0], chats.AttrAccount).Str != want.Address || attr(acct[0], chats.AttrName).Str != "dave" {
		t.Fatalf("decrypted: %+v %+v", c.Warnings, acct)
	}
}

func TestHistory(t *testing.T) {
	m := load(t)
	c := run(t, NewHistory(), input(t, "alice.db"))
	if len(c.Warnings) != 0 {
		t.Fatalf("warnings %+v", c.Warnings)
	}
	msgs := c.Kind(chats.KindMessage)
	att := c.Kind(chats.KindAttachment)
	var nT, nF, nS int
	for _, h := range m.History {
		switch h.Type {
		case "T":
			nT++
		case "F":
			nF++
		case "S":
			nS++
		}
	}
	if len(msgs) != nT+nS || len(att) != nF || nT != 3 || nF != 1 || nS != 1 {
		t.Fatalf("messages %d attachments %d; sqlite3 listed T=%d F=%d S=%d", len(msgs), len(att), nT, nF, nS)
	}
	byID := map[string]finding.Artefact{}
	for _, a := range append(msgs, att...) {
		byID[attr(a, chats.AttrMessageID).Str] = a
	}
	alice := m.Profiles["alice.tox"].PublicKey
	for _, h := range m.History {
		a := byID[strconv.FormatInt(h.ID, 10)]
		if !attr(a, chats.AttrTime).Time.Equal(time.UnixMilli(h.Timestamp)) || attr(a, chats.AttrConversationID).Str != h.Chat {
			t.Errorf("%d: %+v", h.ID, a.Attrs)
		}
		if h.Type != "T" {
			continue
		}
		if attr(a, chats.AttrSender).Str != h.Sender || attr(a, chats.AttrBody).Str != unhex(t, h.BodyHex) {
			t.Errorf("%d: sender %q body %q, want %q %q", h.ID, attr(a, chats.AttrSender).Str, attr(a, chats.AttrBody).Str, h.Sender, unhex(t, h.BodyHex))
		}
		wantDir := chats.DirIn
		if h.Sender == alice {
			wantDir = chats.DirOut
		}
		if attr(a, chats.AttrDirection).Str != wantDir {
			t.Errorf("%d direction %q", h.ID, attr(a, chats.AttrDirection).Str)
		}
	}
	if b := attr(byID["2"], chats.AttrBody).Str; b != "yes \u2067hidden\u2069 \x00\x1f ok" {
		t.Errorf("body with isolates and NUL %q", b)
	}
	if f := byID["3"]; attr(f, chats.AttrFileName).Str != "wallet backup.zip" || attr(f, chats.AttrSize).Int != 52344 || attr(f, chats.AttrDirection).Str != chats.DirOut {
		t.Errorf("file %+v", f.Attrs)
	}
	if n := len(c.Kind(chats.KindContact)); n != 3 {
		t.Errorf("aliases %d", n)
	}
}
