package tor

import (
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestSessionFixture(t *testing.T) {
	dir := filepath.Join(torFixtures(t), "profile")
	b, err := os.ReadFile(filepath.Join(dir, "sessionstore-backups", "recovery.jsonlz4"))
	if err != nil {
		t.Fatal(err)
	}
	mb, err := os.ReadFile(filepath.Join(dir, "session-manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Tabs []struct {
			Path, State, URL, Title string
			Entries                 int64
			ClosedAtMs              int64 `json:"closed_at_ms"`
		}
	}
	if err := json.Unmarshal(mb, &m); err != nil {
		t.Fatal(err)
	}
	// In the Windows Tor Browser profile (placed by the disk hook).
	win, _ := trees(t)
	c := parseIn(t, NewSession(), inputAt(t, win, winProfile+"/sessionstore-backups/recovery.jsonlz4"))
	if len(c.Warnings) != 0 {
		t.Fatalf("warnings %+v", c.Warnings)
	}
	tabs := c.Kind("tor.session_tab")
	if len(tabs) != len(m.Tabs) || len(tabs) != 5 {
		t.Fatalf("%d tabs, manifest %d", len(tabs), len(m.Tabs))
	}
	// The collector orders artefacts by source; match them by JSON path.
	byPath := map[string]int{}
	for i, a := range tabs {
		byPath[a.Source.ID] = i
	}
	for i, want := range m.Tabs {
		j, ok := byPath[want.Path]
		if !ok {
			t.Errorf("no tab at %s", want.Path)
			continue
		}
		a := tabs[j]
		if a.Source.ID != want.Path || attr(t, a, "state").Str != want.State || attr(t, a, "url").Str != want.URL ||
			attr(t, a, "title").Str != want.Title || attr(t, a, "entries").Int != want.Entries {
			t.Errorf("tab %d at %s: %+v, want %+v", i, a.Source.ID, a.Attrs, want)
		}
		if want.ClosedAtMs != 0 && !attr(t, a, "closed_at").Time.Equal(time.UnixMilli(want.ClosedAtMs)) {
			t.Errorf("tab %d closed_at %v", i, attr(t, a, "closed_at").Time)
		}
		if attr(t, a, "browser").Str != "Tor Browser" {
			t.Errorf("tab %d browser %q", i, attr(t, a, "browser").Str)
		}
	}
	// The same bytes with no profile around them (carved): read, but not
	// called Tor Browser.
	c, ok := run(t, NewSession(), b)
	if !ok || len(c.Kind("firefox.session_tab")) != len(m.Tabs) || len(c.Kind("tor.session_tab")) != 0 {
		t.Errorf("carved: %d artefacts", len(c.Artefacts))
	}
}

func TestSessionHostile(t *testing.T) {
	b, _ := os.ReadFile(filepath.Join(torFixtures(t), "profile", "sessionstore-backups", "recovery.jsonlz4"))
	// A 4 GiB claim: refused from the header, nothing allocated.
	claim := append([]byte(nil), b...)
	binary.LittleEndian.PutUint32(claim[8:], 0xFFFFFFFF)
	if c, ok := run(t, NewSession(), claim); !ok || len(c.Warnings) != 1 || !strings.Contains(c.Warnings[0].Message, "over the") || len(c.Artefacts) != 0 {
		t.Errorf("4 GiB claim: %+v", c)
	}
	// Truncated block: a warning naming the LZ4 block.
	if c, ok := run(t, NewSession(), b[:len(b)/2]); !ok || len(c.Warnings) != 1 || !strings.Contains(c.Warnings[0].Message, "mozlz4") {
		t.Errorf("truncated: %+v", c)
	}
	if c, ok := run(t, NewSession(), b[:10]); !ok || len(c.Warnings) != 1 {
		t.Errorf("header only: %+v", c)
	}
}

func FuzzSession(f *testing.F) {
	b, _ := os.ReadFile(filepath.Join(torFixtures(f), "profile", "sessionstore-backups", "recovery.jsonlz4"))
	f.Add(b)
	f.Fuzz(func(t *testing.T, data []byte) { run(t, NewSession(), data) })
}
