package pidgin_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"
	"unicode/utf8"

	"github.com/loupe-forensics/loupe/artefacts"
	"github.com/loupe-forensics/loupe/artefacts/chats"
	"github.com/loupe-forensics/loupe/artefacts/chats/gajim"
	"github.com/loupe-forensics/loupe/artefacts/chats/pidgin"
	"github.com/loupe-forensics/loupe/artefacts/chats/psi"
	"github.com/loupe-forensics/loupe/forensic/finding"
	"github.com/loupe-forensics/loupe/forensic/record"
	"github.com/loupe-forensics/loupe/forensic/source"
)

// TestBodiesInRecord writes the messages of a Pidgin log (HTML markup,
// <script>, control characters, bidi marks), a Psi history and the Gajim
// archive into a real examination record and reads them back: every body
// must come back byte for byte, including one that is not valid UTF-8.
func TestBodiesInRecord(t *testing.T) {
	ctx := context.Background()
	const base = "../../../testdata/artefacts/chats/"
	inputs := []struct {
		p    artefacts.Parser
		file string
		data []byte
	}{
		{pidgin.NewLog(), base + "pidgin/.purple/logs/jabber/alice@example.org/bob@example.net/2026-03-10.193012+0100CET.html", nil},
		{pidgin.NewLog(), base + "pidgin/.purple/logs/jabber/alice@example.org/vendor7@xmpp.example.onion/2026-03-12.080000+0100CET.txt", nil},
		// Latin-1 bytes in a UTF-8 log: kept as bytes, not replaced.
		{pidgin.NewLog(), "2026-03-12.080000+0100CET.txt", []byte("Conversation with b at x on a (jabber)\n(08:00:01) b: caf\xe9 \x00\xff\n")},
		{psi.NewHistory(), base + "psi/data/psi+/profiles/default/history/dave_at_example.net.history", nil},
		{gajim.New(), base + "gajim/gajim/logs.db", nil},
	}
	var c finding.Collector
	for _, i := range inputs {
		b := i.data
		if b == nil {
			var err error
			if b, err = os.ReadFile(i.file); err != nil {
				t.Fatal(err)
			}
		}
		sum := sha256.Sum256(b)
		p := "/x/" + filepath.Base(i.file)
		in := &artefacts.Input{Ref: source.Image("disk").FS("ext4", 0).Entry(p, ""), Path: p, Size: int64(len(b)),
			Head: b[:min(len(b), artefacts.HeadSize)], Reader: bytes.NewReader(b), SHA256: hex.EncodeToString(sum[:]), WorkDir: t.TempDir()}
		if err := artefacts.Run(ctx, i.p, in, &c); err != nil {
			t.Fatal(err)
		}
	}
	msgs := c.Kind(chats.KindMessage)
	if len(msgs) != 8+5+1+3+6 {
		t.Fatalf("%d messages", len(msgs))
	}
	dir := t.TempDir()
	rec, err := record.Create(ctx, filepath.Join(dir, "r.loupe"), record.Setup{Case: map[string]string{"urn": "T/1"},
		Exhibit: map[string]string{"reference": "T/1"}, Examiner: record.Examiner{Name: "T"}}, record.Options{KeyDir: filepath.Join(dir, "keys")})
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Close()
	run, err := rec.StartRun(ctx, record.RunSpec{Tool: "test", Parsers: []string{"chats@1"}})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]byte{}
	for _, a := range msgs {
		if err := run.Artefact(ctx, a); err != nil {
			t.Fatal(err)
		}
		want[a.Source.String()] = bodyBytes(t, a)
	}
	if err := run.Finish(ctx); err != nil {
		t.Fatal(err)
	}
	n, invalid := 0, 0
	for s, err := range rec.Artefacts(ctx, chats.KindMessage) {
		if err != nil {
			t.Fatal(err)
		}
		a := finding.Artefact{Kind: s.Kind, Attrs: s.Attrs, Source: s.Source}
		got := bodyBytes(t, a)
		if w, ok := want[s.Ref]; !ok || !bytes.Equal(got, w) {
			t.Errorf("%s: body %q, want %q", s.Ref, got, w)
		}
		if !utf8.Valid(got) {
			invalid++
		}
		n++
	}
	if n != len(msgs) || invalid != 1 {
		t.Errorf("%d messages read back (want %d), %d with non-UTF-8 bodies (want 1)", n, len(msgs), invalid)
	}
}

// bodyBytes is the body as stored: body_bytes when the parser kept the raw
// bytes (not valid UTF-8), else the body text.
func bodyBytes(t *testing.T, a finding.Artefact) []byte {
	t.Helper()
	if v, ok := a.Get("body_bytes"); ok {
		return v.Bytes
	}
	v, ok := a.Get(chats.AttrBody)
	if !ok {
		t.Fatalf("%s has no body", a.Source)
	}
	return []byte(v.Str)
}
