package tor

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/loupe-forensics/loupe/forensic/finding"
)

type prefsManifest struct {
	Prefs []struct {
		Line        int
		Name, Value string
	}
	Bridges []struct {
		Line                                    int
		Bridge, Transport, Address, Fingerprint string
	}
}

func TestPrefsFixture(t *testing.T) {
	dir := filepath.Join(torFixtures(t), "profile")
	b, err := os.ReadFile(filepath.Join(dir, "prefs.js"))
	if err != nil {
		t.Fatal(err)
	}
	mb, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m prefsManifest
	if err := json.Unmarshal(mb, &m); err != nil {
		t.Fatal(err)
	}
	c, ok := run(t, NewPrefs(), b)
	if !ok || len(c.Warnings) != 0 {
		t.Fatalf("matched %v, %+v", ok, c)
	}
	prefs, bridges := c.Kind("tor.pref"), c.Kind("tor.bridge")
	if len(prefs) != len(m.Prefs) || len(bridges) != len(m.Bridges) || len(m.Prefs) != 17 || len(m.Bridges) != 3 {
		t.Fatalf("got %d prefs, %d bridges; manifest %d, %d", len(prefs), len(bridges), len(m.Prefs), len(m.Bridges))
	}
	// The collector orders artefacts by source; match them by line.
	byLine := map[string]int{}
	for i, a := range prefs {
		byLine[a.Source.ID] = i
	}
	for i, want := range m.Prefs {
		a := prefs[byLine[strconv.Itoa(want.Line)]]
		if attr(t, a, "name").Str != want.Name || attr(t, a, "value").Str != want.Value ||
			a.Source.ID != strconv.Itoa(want.Line) {
			t.Errorf("pref %d: %+v (source %s), want %+v", i, a.Attrs, a.Source, want)
		}
	}
	byLine = map[string]int{}
	for i, a := range bridges {
		byLine[a.Source.ID] = i
	}
	for i, want := range m.Bridges {
		a := bridges[byLine[strconv.Itoa(want.Line)]]
		if attr(t, a, "line").Str != want.Bridge || attr(t, a, "transport").Str != want.Transport ||
			attr(t, a, "address").Str != want.Address || attr(t, a, "fingerprint").Str != want.Fingerprint ||
			a.Source.ID != strconv.Itoa(want.Line) {
			t.Errorf("bridge %d: %+v, want %+v", i, a.Attrs, want)
		}
	}
}

func TestPrefsHostile(t *testing.T) {
	b, _ := os.ReadFile(filepath.Join(torFixtures(t), "profile", "prefs.js"))
	// A 10 MB single line: a warning, the rest still read, memory bounded by the line cap.
	huge := append(append([]byte(nil), b...), []byte(`user_pref("x", "`+strings.Repeat("A", 10<<20)+`");`+"\n")...)
	c, ok := run(t, NewPrefs(), huge)
	if !ok || len(c.Warnings) != 1 || !strings.Contains(c.Warnings[0].Message, "longer than") || len(c.Kind("tor.pref")) != 17 {
		t.Errorf("10 MB line: %d prefs, %+v", len(c.Kind("tor.pref")), c.Warnings)
	}
	c, ok = run(t, NewPrefs(), []byte("user_pref(\"torbrowser.settings.enabled\", true);\nuser_pref(\"torbrowser.x\", \"unterminated);\n"))
	if !ok || len(c.Warnings) != 1 || len(c.Kind("tor.pref")) != 1 {
		t.Errorf("garbage line: %+v", c)
	}
	if _, ok := run(t, NewPrefs(), []byte(`user_pref("browser.startup.page", 3);`)); ok {
		t.Error("plain Firefox prefs.js matched")
	}
}

func FuzzPrefs(f *testing.F) {
	b, _ := os.ReadFile(filepath.Join(torFixtures(f), "profile", "prefs.js"))
	f.Add(b)
	f.Add([]byte(`user_pref("torbrowser.settings.bridges.bridge_strings.0", "obfs4 \u0041 \"x\\");`))
	f.Fuzz(func(t *testing.T, data []byte) { run(t, NewPrefs(), data) })
}

// The Linux profile's prefs.js (tor-profile.sh): built-in obfs4 bridges, no
// bridge lines, history enabled; every wanted pref reported, nothing else.
func TestPrefsLinuxProfile(t *testing.T) {
	want := profiles(t).Linux.Prefs
	_, lin := trees(t)
	c := parseIn(t, NewPrefs(), inputAt(t, lin, linProfile+"/prefs.js"))
	got := c.Kind("tor.pref")
	if len(got) != len(want) || len(want) != 10 || len(c.Kind("tor.bridge")) != 0 || len(c.Warnings) != 0 {
		t.Fatalf("%d prefs (manifest %d), %d bridges, %+v", len(got), len(want), len(c.Kind("tor.bridge")), c.Warnings)
	}
	names := map[string]finding.Artefact{}
	for _, a := range got {
		names[attr(t, a, "name").Str] = a
	}
	for _, n := range want {
		if _, ok := names[n]; !ok {
			t.Errorf("pref %s missing", n)
		}
	}
	if a := names["browser.privatebrowsing.autostart"]; attr(t, a, "bool").Bool {
		t.Error("autostart should be false in the history-enabled profile")
	}
	if a := names["torbrowser.settings.bridges.builtin_type"]; attr(t, a, "value").Str != "obfs4" {
		t.Errorf("builtin type %+v", a.Attrs)
	}
}
