package tor

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// The consensus fixtures come from a one-authority test network run by the
// real tor (testdata/gen/tor-consensus.sh); manifest.json holds the header
// values and counts read from the files tor wrote.
func TestConsensusOnRealTorFiles(t *testing.T) {
	dir := filepath.Join(torFixtures(t), "tor-net")
	var m struct {
		Files map[string]map[string]any `json:"files"`
	}
	b, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if len(m.Files) != 2 {
		t.Fatalf("manifest lists %d files", len(m.Files))
	}
	for name, want := range m.Files {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		c, ok := run(t, NewConsensus(), data)
		if !ok || len(c.Warnings) != 0 || len(c.Artefacts) != 1 {
			t.Fatalf("%s: matched %v, %+v", name, ok, c)
		}
		a := c.Artefacts[0]
		flavour := "ns"
		if want["network-status-version"] == "3 microdesc" {
			flavour = "microdesc"
		}
		if a.Kind != "tor.consensus" || attr(t, a, "flavour").Str != flavour {
			t.Errorf("%s: %+v", name, a)
		}
		for _, k := range []string{"valid-after", "fresh-until", "valid-until"} {
			w, _ := time.Parse("2006-01-02 15:04:05", want[k].(string))
			if got := attr(t, a, strings.ReplaceAll(k, "-", "_")).Time; !got.Equal(w) {
				t.Errorf("%s %s = %v, want %v", name, k, got, w)
			}
		}
		for _, k := range []string{"relays", "signatures", "dir_sources"} {
			if got := attr(t, a, k).Int; got != int64(want[k].(float64)) {
				t.Errorf("%s %s = %d, want %v", name, k, got, want[k])
			}
		}
	}
}

// The client's state file from the same run names, as its guard, the one
// relay of the consensus it downloaded: the identity in the consensus "r"
// line (base64) is the state's rsa_id (hex).
func TestConsensusGuardIsStateGuard(t *testing.T) {
	dir := filepath.Join(torFixtures(t), "tor-net")
	cons, _ := os.ReadFile(filepath.Join(dir, "cached-microdesc-consensus"))
	state, _ := os.ReadFile(filepath.Join(dir, "state"))
	r := regexp.MustCompile(`(?m)^r \S+ (\S+) `).FindSubmatch(cons)
	if r == nil {
		t.Fatal("no r line")
	}
	id, err := base64.RawStdEncoding.DecodeString(string(r[1]))
	if err != nil {
		t.Fatal(err)
	}
	c, _ := run(t, NewState(), state)
	var guards []string
	for _, a := range c.Artefacts {
		if a.Kind == "tor.guard" {
			guards = append(guards, attr(t, a, "rsa_id").Str)
		}
	}
	if len(guards) != 1 || !strings.EqualFold(guards[0], hex.EncodeToString(id)) {
		t.Fatalf("guards %v, consensus relay %X", guards, id)
	}
}

func TestConsensusTruncatedAndVote(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(torFixtures(t), "tor-net", "cached-consensus"))
	if err != nil {
		t.Fatal(err)
	}
	cut := data[:strings.Index(string(data), "directory-footer")]
	c, ok := run(t, NewConsensus(), cut)
	if !ok || len(c.Artefacts) != 1 || len(c.Warnings) != 1 || !strings.Contains(c.Warnings[0].Message, "without a directory signature") {
		t.Fatalf("truncated: %+v", c)
	}
	// A vote is an authority's, not a client's cache: not matched.
	vote := strings.Replace(string(data), "vote-status consensus", "vote-status vote", 1)
	if _, ok := run(t, NewConsensus(), []byte(vote)); ok {
		t.Fatal("vote matched")
	}
}
