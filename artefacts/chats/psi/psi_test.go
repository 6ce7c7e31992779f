package psi

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

const fixture = "../../../testdata/artefacts/chats/psi"

type manifest struct {
	Accounts []struct{ JID, Name, Resource, Password string }
	Contacts []struct {
		JID, Name, Subscription string
		Groups                  []string
	}
	Histories []struct {
		File, Peer string
		Messages   []struct {
			Line            int
			TimeLocal       string `json:"time_local"`
			Type            int
			Direction, Body string
		}
	}
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

func input(t testing.TB, rel string, data []byte) *artefacts.Input {
	t.Helper()
	if data == nil {
		var err error
		if data, err = os.ReadFile(filepath.Join(fixture, rel)); err != nil {
			t.Fatal(err)
		}
	}
	s := sha256.Sum256(data)
	p := "/home/x/" + rel
	return &artefacts.Input{Ref: source.Image("disk").FS("ext4", 0).Entry(p, ""), Path: p, Size: int64(len(data)),
		Head: data[:min(len(data), artefacts.HeadSize)], Reader: bytes.NewReader(data), SHA256: hex.EncodeToString(s[:])}
}

func parse(t testing.TB, p artefacts.Parser, in *artefacts.Input) *finding.Collector {
	t.Helper()
	if !p.Match(in) {
		t.Fatalf("%s: no match", p.Name())
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
		return v.Time.Format(time.RFC3339)
	}
	return v.Value()
}

func TestAccounts(t *testing.T) {
	m := readManifest(t)
	c := parse(t, NewAccounts(), input(t, "config/psi+/profiles/default/accounts.xml", nil))
	if len(c.Warnings) != 0 {
		t.Fatalf("warnings %+v", c.Warnings)
	}
	acc, cred, con := c.Kind(chats.KindAccount), c.Kind(KindCredential), c.Kind(chats.KindContact)
	if len(acc) != 1 || len(cred) != 1 || len(con) != len(m.Contacts) {
		t.Fatalf("%d accounts, %d credentials, %d contacts (manifest %d)", len(acc), len(cred), len(con), len(m.Contacts))
	}
	w := m.Accounts[0]
	if get(acc[0], "account") != w.JID || get(acc[0], "name") != w.Name || get(acc[0], "resource") != w.Resource || get(acc[0], "password_present") != true {
		t.Errorf("account %+v", acc[0].Attrs)
	}
	if _, leaked := acc[0].Get("password"); leaked {
		t.Error("account carries the password")
	}
	if get(cred[0], "password") != w.Password || get(cred[0], "sensitive") != true {
		t.Errorf("credential %+v, want %q", cred[0].Attrs, w.Password)
	}
	for i, wc := range m.Contacts {
		wantName := any(wc.Name)
		if wc.Name == "" {
			wantName = nil
		}
		if get(con[i], "contact") != wc.JID || get(con[i], "name") != wantName || get(con[i], "subscription") != wc.Subscription ||
			get(con[i], "groups") != strings.Join(wc.Groups, ",") {
			t.Errorf("contact %d: %+v, want %+v", i, con[i].Attrs, wc)
		}
	}
}

func TestHistory(t *testing.T) {
	m := readManifest(t)
	total := 0
	for _, h := range m.Histories {
		in := input(t, "data/psi+/profiles/default/"+h.File, nil)
		c := parse(t, NewHistory(), in)
		if len(c.Warnings) != 0 {
			t.Fatalf("warnings %+v", c.Warnings)
		}
		msgs := c.Kind(chats.KindMessage)
		if len(msgs) != len(h.Messages) {
			t.Fatalf("%s: %d messages, manifest %d", h.File, len(msgs), len(h.Messages))
		}
		for i, w := range h.Messages {
			a := msgs[i]
			wt, _ := time.Parse("2006-01-02T15:04:05", w.TimeLocal)
			if get(a, "body") != w.Body || get(a, "direction") != w.Direction || get(a, "time") != wt.Format(time.RFC3339) ||
				get(a, "conversation_id") != h.Peer || a.Source.ID != itoa(w.Line) {
				t.Errorf("%s line %d: %+v, want %+v", h.File, w.Line, a.Attrs, w)
			}
			peerAttr := "sender"
			if w.Direction == "out" {
				peerAttr = "recipient"
			}
			if get(a, peerAttr) != h.Peer {
				t.Errorf("%s line %d: %s %v", h.File, w.Line, peerAttr, get(a, peerAttr))
			}
		}
		total += len(msgs)
	}
	if total != 5 {
		t.Errorf("%d messages, the generator writes 5", total)
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func TestHostileHistory(t *testing.T) {
	good, err := os.ReadFile(filepath.Join(fixture, "data/psi+/profiles/default/history/dave_at_example.net.history"))
	if err != nil {
		t.Fatal(err)
	}
	bad := append(append([]byte{}, good...), []byte("|2026-13-45T99:00:00|2|from|N---|x\n\x00\x01garbage\n|2026-03-12T21:17:00|2|from|NSU-|subj|http://x.onion|desc|body\\pwith\\\\escapes\n")...)
	c := parse(t, NewHistory(), input(t, "h/dave_at_example.net.history", bad))
	msgs := c.Kind(chats.KindMessage)
	if len(msgs) != 4 || len(c.Warnings) != 2 {
		t.Fatalf("%d messages, warnings %+v", len(msgs), c.Warnings)
	}
	last := msgs[3]
	if get(last, "body") != `body|with\escapes` || get(last, "subject") != "subj" || get(last, "urls") != "http://x.onion" {
		t.Errorf("last %+v", last.Attrs)
	}
	for _, w := range c.Warnings {
		if w.Source == nil || w.Source.Locator != "line" {
			t.Errorf("warning without line provenance: %+v", w)
		}
	}
}

func FuzzHistoryLine(f *testing.F) {
	f.Add("|2026-03-12T21:15:02|2|to|NSU-|s|u|d|body")
	f.Add("|2026-03-12T21:15:02|2|to|N---|\\")
	f.Fuzz(func(t *testing.T, s string) {
		_, _ = ParseHistoryLine(s)
		_, _ = DecodePassword(s, "a@b")
	})
}
