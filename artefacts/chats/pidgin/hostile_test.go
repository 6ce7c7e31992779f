package pidgin

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/loupe-forensics/loupe/artefacts"
	"github.com/loupe-forensics/loupe/artefacts/chats"
)

// Damaged inputs give warnings with provenance and whatever could be read;
// never a panic (artefacts.Run turns one into a warning, which fails here).
func TestHostile(t *testing.T) {
	read := func(rel string) []byte {
		b, err := os.ReadFile(filepath.Join(fixture, ".purple", rel))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	htmlRel := "logs/jabber/alice@example.org/bob@example.net/2026-03-10.193012+0100CET.html"
	html := read(htmlRel)
	acc := read("accounts.xml")
	cases := []struct {
		name    string
		p       artefacts.Parser
		rel     string
		data    []byte
		kind    string
		n       int    // artefacts of kind
		warning string // substring of a warning; "" = none
	}{
		{"accounts truncated inside the second account", NewAccounts(), "accounts.xml", acc[:strings.Index(string(acc), "alice_dw")], chats.KindAccount, 1, "XML at byte"},
		{"log with a garbage line", NewLog(), htmlRel, append(append([]byte{}, html[:strings.Index(string(html), "\n")+1]...), append([]byte("\x00\xff junk\n"), html[strings.Index(string(html), "\n")+1:]...)...), chats.KindMessage, 8, "line 2 at byte"},
		{"log with a bad time stamp", NewLog(), htmlRel, []byte(strings.Replace(string(html), "(19:30:17)", "(99:99:99)", 1)), chats.KindMessage, 8, "time stamp \"99:99:99\""},
		{"log renamed", NewLog(), "logs/jabber/alice@example.org/bob@example.net/copy.html", html, chats.KindMessage, 8, "message times are unknown"},
		{"otr key without public values", NewOTRPrivateKey(), "otr.private_key", []byte(`(privkeys (account (name "a") (protocol prpl-x) (private-key (dsa (p #01#) (x #02#)))))`), KindOTRKey, 0, "lacks a public parameter"},
		{"otr key unbalanced", NewOTRPrivateKey(), "otr.private_key", []byte("(privkeys (account (name \"a\")"), KindOTRKey, 0, "not closed"},
		{"fingerprints with a bad line", NewOTRFingerprints(), "otr.fingerprints", append(read("otr.fingerprints"), []byte("broken\tline\n")...), KindOTRPeer, 3, "line 4 at byte"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := run(t, tc.p, input(t, tc.rel, tc.data))
			if got := len(c.Kind(tc.kind)); got != tc.n {
				t.Errorf("%d %s, want %d", got, tc.kind, tc.n)
			}
			found := false
			for _, w := range c.Warnings {
				if strings.Contains(w.Message, "panic") {
					t.Fatalf("panic: %s", w.Message)
				}
				if w.Source == nil {
					t.Errorf("warning without provenance: %s", w.Message)
				}
				found = found || (tc.warning != "" && strings.Contains(w.Message, tc.warning))
			}
			if tc.warning != "" && !found {
				t.Errorf("no warning containing %q in %+v", tc.warning, c.Warnings)
			}
		})
	}
}

// TestSizeLimit: a claimed size over the limit is refused before allocating.
func TestSizeLimit(t *testing.T) {
	in := input(t, "otr.fingerprints", nil)
	in.Size = maxOTR + 1
	if _, err := artefacts.ReadAll(in, maxOTR); err == nil {
		t.Fatal("over-limit size accepted")
	}
}
