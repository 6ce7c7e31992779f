package pidgin

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

// root is the fixture profile written by testdata/gen/chats-im.sh.
const fixture = "../../../testdata/artefacts/chats/pidgin"

type manifest struct {
	Accounts []struct {
		Protocol, Name, Alias string
		PasswordPresent       bool    `json:"password_present"`
		Password              *string `json:"password"`
	}
	Buddies []struct {
		Group, Account, Protocol, Name string
		Alias                          *string
		LastSeen                       *int64 `json:"last_seen"`
	}
	Logs []struct {
		Path, Format, Protocol, Account, Buddy string
		SessionStart                           string `json:"session_start"`
		Messages                               []struct {
			Line              int
			Kind              string
			Sender, Direction *string
			Time, Body        string
		}
	}
	OTRKeys []struct {
		Account, Protocol, Fingerprint string
	} `json:"otr_keys"`
	OTRFingerprints []struct {
		Line                                            int
		Username, Account, Protocol, Fingerprint, Trust string
	} `json:"otr_fingerprints"`
}

func readManifest(t testing.TB) manifest {
	t.Helper()
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

// input offers the fixture file rel (below .purple) as the pipeline does:
// the profile sits at /home/x/.purple on the file system.
func input(t testing.TB, rel string, data []byte) *artefacts.Input {
	t.Helper()
	if data == nil {
		var err error
		if data, err = os.ReadFile(filepath.Join(fixture, ".purple", rel)); err != nil {
			t.Fatal(err)
		}
	}
	sum := sha256.Sum256(data)
	p := "/home/x/.purple/" + rel
	fsys := os.DirFS(t.TempDir())
	if _, err := os.Stat(filepath.Join(fixture, ".purple")); err == nil {
		abs, _ := filepath.Abs(fixture)
		fsys = os.DirFS(mount(t, abs))
	}
	return &artefacts.Input{Ref: source.Image("disk").FS("ext4", 0).Entry(p, ""), Path: p, Size: int64(len(data)),
		Head: data[:min(len(data), artefacts.HeadSize)], Reader: bytes.NewReader(data), SHA256: hex.EncodeToString(sum[:]),
		FS: fsys, WorkDir: t.TempDir()}
}

// mount makes a tree where home/x/.purple is the fixture profile.
func mount(t testing.TB, abs string) string {
	d := t.TempDir()
	if err := os.MkdirAll(filepath.Join(d, "home", "x"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(abs, ".purple"), filepath.Join(d, "home", "x", ".purple")); err != nil {
		t.Fatal(err)
	}
	return d
}

func run(t testing.TB, p artefacts.Parser, in *artefacts.Input) *finding.Collector {
	t.Helper()
	if !p.Match(in) {
		t.Fatalf("%s does not match %s", p.Name(), in.Path)
	}
	var c finding.Collector
	if err := artefacts.Run(context.Background(), p, in, &c); err != nil {
		t.Fatalf("%s: %v", p.Name(), err)
	}
	return &c
}

func str(t testing.TB, a finding.Artefact, name string) string {
	t.Helper()
	v, ok := a.Get(name)
	if !ok {
		return "<absent>"
	}
	switch v.Type {
	case finding.TTime:
		return v.Time.Format(time.RFC3339)
	case finding.TBool:
		if v.Bool {
			return "true"
		}
		return "false"
	case finding.TInt:
		return fmtInt(v.Int)
	}
	return v.Str
}

func fmtInt(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

func TestAccounts(t *testing.T) {
	m := readManifest(t)
	c := run(t, NewAccounts(), input(t, "accounts.xml", nil))
	if len(c.Warnings) != 0 {
		t.Fatalf("warnings: %+v", c.Warnings)
	}
	acc := c.Kind(chats.KindAccount)
	if len(acc) != len(m.Accounts) {
		t.Fatalf("%d accounts, manifest %d", len(acc), len(m.Accounts))
	}
	creds := c.Kind(KindCredential)
	wantCreds := 0
	for i, w := range m.Accounts {
		a := acc[i]
		if str(t, a, "account") != w.Name || str(t, a, "protocol") != w.Protocol || str(t, a, "name") != w.Alias {
			t.Errorf("account %d: %+v, want %+v", i, a.Attrs, w)
		}
		if got := str(t, a, "password_present"); got != map[bool]string{true: "true", false: "false"}[w.PasswordPresent] {
			t.Errorf("account %d password_present %s", i, got)
		}
		if _, leaked := a.Get("password"); leaked {
			t.Errorf("account %d carries the password itself", i)
		}
		if w.Password != nil {
			cr := creds[wantCreds]
			wantCreds++
			if str(t, cr, "password") != *w.Password || str(t, cr, "sensitive") != "true" || str(t, cr, "account") != w.Name {
				t.Errorf("credential %+v, want password %q", cr.Attrs, *w.Password)
			}
		}
	}
	if len(creds) != wantCreds {
		t.Errorf("%d credentials, want %d", len(creds), wantCreds)
	}
}

func TestBuddyList(t *testing.T) {
	m := readManifest(t)
	c := run(t, NewBuddyList(), input(t, "blist.xml", nil))
	if len(c.Warnings) != 0 {
		t.Fatalf("warnings: %+v", c.Warnings)
	}
	got := c.Kind(chats.KindContact)
	if len(got) != len(m.Buddies) {
		t.Fatalf("%d buddies, manifest %d", len(got), len(m.Buddies))
	}
	for i, w := range m.Buddies {
		a := got[i]
		if str(t, a, "contact") != w.Name || str(t, a, "account") != w.Account || str(t, a, "group") != w.Group || str(t, a, "protocol") != w.Protocol {
			t.Errorf("buddy %d: %+v, want %+v", i, a.Attrs, w)
		}
		wantAlias := "<absent>"
		if w.Alias != nil {
			wantAlias = *w.Alias
		}
		if str(t, a, "name") != wantAlias {
			t.Errorf("buddy %d alias %q, want %q", i, str(t, a, "name"), wantAlias)
		}
		wantSeen := "<absent>"
		if w.LastSeen != nil {
			wantSeen = time.Unix(*w.LastSeen, 0).UTC().Format(time.RFC3339)
		}
		if str(t, a, "last_seen") != wantSeen {
			t.Errorf("buddy %d last_seen %s, want %s", i, str(t, a, "last_seen"), wantSeen)
		}
	}
	if g := c.Kind(KindGroup); len(g) != 2 {
		t.Errorf("%d groups, want 2", len(g))
	}
}

func TestLogs(t *testing.T) {
	m := readManifest(t)
	total := 0
	for _, l := range m.Logs {
		t.Run(l.Format, func(t *testing.T) {
			in := input(t, l.Path, nil)
			c := run(t, NewLog(), in)
			if len(c.Warnings) != 0 {
				t.Fatalf("warnings: %+v", c.Warnings)
			}
			conv := c.Kind(chats.KindConversation)
			if len(conv) != 1 || str(t, conv[0], "session_start") != l.SessionStart || str(t, conv[0], "contact") != l.Buddy ||
				str(t, conv[0], "account") != l.Account || str(t, conv[0], "log_format") != l.Format {
				t.Fatalf("conversation %+v", conv)
			}
			msgs := c.Kind(chats.KindMessage)
			if len(msgs) != len(l.Messages) {
				t.Fatalf("%d messages, manifest %d", len(msgs), len(l.Messages))
			}
			// Kind sorts by source reference: order by line instead.
			byLine := map[string]finding.Artefact{}
			for _, a := range msgs {
				byLine[a.Source.ID] = a
			}
			for _, w := range l.Messages {
				a, ok := byLine[fmtInt(int64(w.Line))]
				if !ok {
					t.Fatalf("no message at line %d", w.Line)
				}
				if a.Source.Locator != "line" || a.Source.Parent != in.Ref {
					t.Errorf("line %d provenance %s", w.Line, a.Source)
				}
				if got := str(t, a, "body"); got != w.Body {
					t.Errorf("line %d body %q, want %q", w.Line, got, w.Body)
				}
				if got := str(t, a, "time"); got != w.Time {
					t.Errorf("line %d time %s, want %s", w.Line, got, w.Time)
				}
				wantSender, wantDir := "<absent>", "<absent>"
				if w.Sender != nil {
					wantSender = *w.Sender
				}
				if w.Direction != nil {
					wantDir = *w.Direction
				}
				wantType, wantAuto := map[string]string{"auto-recv": "recv", "action-send": "action"}[w.Kind], "<absent>"
				if wantType == "" {
					wantType = w.Kind
				}
				if w.Kind == "auto-recv" {
					wantAuto = "true"
				}
				if str(t, a, "message_type") != wantType || str(t, a, "auto_reply") != wantAuto {
					t.Errorf("line %d type %s auto %s, want %s %s", w.Line, str(t, a, "message_type"), str(t, a, "auto_reply"), wantType, wantAuto)
				}
				if str(t, a, "sender") != wantSender || str(t, a, "direction") != wantDir {
					t.Errorf("line %d sender %q direction %q, want %q %q", w.Line, str(t, a, "sender"), str(t, a, "direction"), wantSender, wantDir)
				}
			}
		})
		total += len(l.Messages)
	}
	if total != 13 {
		t.Errorf("%d messages in the manifest, the generator writes 13", total)
	}
}

func TestOTR(t *testing.T) {
	m := readManifest(t)
	c := run(t, NewOTRPrivateKey(), input(t, "otr.private_key", nil))
	if len(c.Warnings) != 0 {
		t.Fatalf("warnings: %+v", c.Warnings)
	}
	keys := c.Kind(KindOTRKey)
	if len(keys) != len(m.OTRKeys) {
		t.Fatalf("%d keys, manifest %d", len(keys), len(m.OTRKeys))
	}
	for i, w := range m.OTRKeys {
		if str(t, keys[i], "fingerprint") != w.Fingerprint || str(t, keys[i], "account") != w.Account || str(t, keys[i], "protocol") != w.Protocol {
			t.Errorf("key %d: %+v, want %+v", i, keys[i].Attrs, w)
		}
		if str(t, keys[i], "private_key_present") != "true" || str(t, keys[i], "p_bits") != "1024" {
			t.Errorf("key %d: %+v", i, keys[i].Attrs)
		}
		for _, at := range keys[i].Attrs {
			if at.Type == finding.TBytes {
				t.Errorf("key %d exports bytes %s", i, at.Name)
			}
		}
	}
	c = run(t, NewOTRFingerprints(), input(t, "otr.fingerprints", nil))
	fps := c.Kind(KindOTRPeer)
	if len(fps) != len(m.OTRFingerprints) || len(c.Warnings) != 0 {
		t.Fatalf("%d fingerprints (manifest %d), warnings %+v", len(fps), len(m.OTRFingerprints), c.Warnings)
	}
	for i, w := range m.OTRFingerprints {
		a := fps[i]
		if str(t, a, "contact") != w.Username || str(t, a, "fingerprint") != strings.ToUpper(w.Fingerprint) || str(t, a, "trust") != w.Trust || a.Source.ID != fmtInt(int64(w.Line)) {
			t.Errorf("fingerprint %d: %+v, want %+v", i, a.Attrs, w)
		}
	}
}

// TestFingerprintKnownAnswer checks the MPI framing: leading zero bytes of
// the stored numbers are not hashed, and lengths are 4-byte big-endian.
func TestFingerprintKnownAnswer(t *testing.T) {
	// SHA-1 of 00000001 01 | 00000001 02 | 00000001 03 | 00000002 0104,
	// computed with: printf '\0\0\0\1\1\0\0\0\1\2\0\0\0\1\3\0\0\0\2\1\4' | sha1sum
	got := Fingerprint([]byte{0, 1}, []byte{2}, []byte{0, 0, 3}, []byte{1, 4})
	want := strings.ToUpper("10e4b4fbaf55e79218c1943f196d1a5259e7dad9")
	if got != want {
		t.Fatalf("fingerprint %s, want %s", got, want)
	}
}
