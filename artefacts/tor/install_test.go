package tor

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/loupe-forensics/loupe/forensic/finding"
)

type installWant struct {
	FirstUseMs       int64  `json:"first_use_ms"`
	FirstUseEvidence string `json:"first_use_evidence"`
	LastUseMs        int64  `json:"last_use_ms"`
	LastUseEvidence  string `json:"last_use_evidence"`
	Version          string
}

type installManifest struct {
	Windows, Linux, Firefox struct {
		Install installWant
	}
}

func installs(t *testing.T) installManifest {
	var m installManifest
	b, err := os.ReadFile(filepath.Join(torFixtures(t), "profiles-manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func checkSummary(t *testing.T, what string, a finding.Artefact, w installWant) {
	t.Helper()
	if !attr(t, a, "first_use").Time.Equal(time.UnixMilli(w.FirstUseMs)) || attr(t, a, "first_use_evidence").Str != w.FirstUseEvidence ||
		!attr(t, a, "last_use").Time.Equal(time.UnixMilli(w.LastUseMs)) || attr(t, a, "last_use_evidence").Str != w.LastUseEvidence ||
		attr(t, a, "version").Str != w.Version {
		t.Errorf("%s: %+v, want %+v", what, a.Attrs, w)
	}
	if a.Category != finding.Analysis {
		t.Errorf("%s: category %s", what, a.Category)
	}
}

func TestInstallSummaries(t *testing.T) {
	m := installs(t)
	win, lin := trees(t)

	// Windows, at the default place and as a renamed copy elsewhere.
	for _, dir := range []string{winProfile, winCopy} {
		c := parseIn(t, NewInstall(), inputAt(t, win, dir+"/compatibility.ini"))
		inst := c.Kind("tor.install")
		if len(inst) != 1 || len(c.Kind("tor.compatibility")) != 1 || len(c.Artefacts) != 2 || len(c.Warnings) != 0 {
			t.Fatalf("%s: %+v %+v", dir, c.Artefacts, c.Warnings)
		}
		a := inst[0]
		checkSummary(t, dir, a, m.Windows.Install)
		if attr(t, a, "browser").Str != "Tor Browser" || attr(t, a, "profile_path").Str != "/"+dir ||
			attr(t, a, "install_path").Str != `C:\Users\alice\Desktop\Tor Browser\Browser` ||
			attr(t, a, "install_path_on_volume").Str != "/"+winApp || attr(t, a, "version_source").Str != "/"+winApp+"/tbb_version.json" ||
			attr(t, a, "firefox_version").Str != "128.5.0" {
			t.Errorf("%s: %+v", dir, a.Attrs)
		}
		if _, ok := a.Get("tor_data_path"); ok {
			t.Errorf("%s: no tor data folder on the Windows fixture", dir)
		}
		// The copy is found and labelled by content: prefs.js and the install
		// folder compatibility.ini names; only the original sits in the tree.
		ev := attr(t, a, "browser_evidence").Str
		if !strings.Contains(ev, "prefs.js sets torbrowser") || !strings.Contains(ev, "compatibility.ini LastPlatformDir") ||
			strings.Contains(ev, "profile sits in TorBrowser/Data/Browser") != (dir == winProfile) {
			t.Errorf("%s: evidence %q", dir, ev)
		}
	}

	c := parseIn(t, NewInstall(), inputAt(t, lin, linProfile+"/compatibility.ini"))
	inst := c.Kind("tor.install")
	if len(inst) != 1 || len(c.Warnings) != 0 {
		t.Fatalf("linux: %+v %+v", c.Artefacts, c.Warnings)
	}
	a := inst[0]
	checkSummary(t, "linux", a, m.Linux.Install)
	if attr(t, a, "tor_data_path").Str != "/"+linApp+"/TorBrowser/Data/Tor" || attr(t, a, "onion_storage_origins").Int != 2 ||
		!strings.Contains(attr(t, a, "storage_origins").Str, "http://4637ch63ntgt4zu6mj2nhpdd4vdlzx2d765gtrhhdq5ezl45wjtv4hqd.onion") ||
		attr(t, a, "install_path_on_volume").Str != "/"+linApp {
		t.Errorf("linux: %+v", a.Attrs)
	}
	// The other dated facts are listed too, not only the winners.
	if ue := attr(t, a, "use_evidence").Str; !strings.Contains(ue, "prefs.js toolkit.startup.last_success 2026-03-03T21:15:00Z") ||
		!strings.Contains(ue, "times.json firstUse") {
		t.Errorf("linux use evidence %q", ue)
	}

	c = parseIn(t, NewInstall(), inputAt(t, lin, ffProfile+"/compatibility.ini"))
	if len(c.Kind("tor.install")) != 0 || len(c.Kind("firefox.profile")) != 1 || len(c.Kind("firefox.compatibility")) != 1 {
		t.Fatalf("firefox: %+v", c.Artefacts)
	}
	a = c.Kind("firefox.profile")[0]
	checkSummary(t, "firefox", a, m.Firefox.Install)
	if attr(t, a, "browser").Str != "Firefox" || attr(t, a, "install_path").Str != "/usr/lib/firefox-esr" {
		t.Errorf("firefox: %+v", a.Attrs)
	}
}

// Other layouts the catalogue lists (macOS, Flatpak, tarball in a renamed
// folder) built from the same profile files.
func TestInstallLayouts(t *testing.T) {
	src := filepath.Join(torFixtures(t), "profile-linux")
	for _, tc := range []struct {
		name, profile, tor string
		layout             bool
	}{
		{"macOS", "Users/carol/Library/Application Support/TorBrowser-Data/Browser/x1y2z3.default", "Users/carol/Library/Application Support/TorBrowser-Data/Tor", true},
		{"Flatpak", "home/dan/.var/app/org.torproject.torbrowser-launcher/data/torbrowser/tbb/x86_64/tor-browser/Browser/TorBrowser/Data/Browser/profile.default",
			"home/dan/.var/app/org.torproject.torbrowser-launcher/data/torbrowser/tbb/x86_64/tor-browser/Browser/TorBrowser/Data/Tor", true},
		{"renamed tarball", "home/eve/stuff/xx/Browser/TorBrowser/Data/Browser/profile.default", "home/eve/stuff/xx/Browser/TorBrowser/Data/Tor", true},
		{"loose copy", "media/usb/p", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			for _, f := range []string{"compatibility.ini", "prefs.js", "times.json"} {
				b, _ := os.ReadFile(filepath.Join(src, f))
				os.MkdirAll(filepath.Join(root, tc.profile), 0o755)
				os.WriteFile(filepath.Join(root, tc.profile, f), b, 0o444)
			}
			if tc.tor != "" {
				b, _ := os.ReadFile(filepath.Join(torFixtures(t), "tor-data", "state"))
				os.MkdirAll(filepath.Join(root, tc.tor), 0o755)
				os.WriteFile(filepath.Join(root, tc.tor, "state"), b, 0o444)
			}
			c := parseIn(t, NewInstall(), inputAt(t, root, tc.profile+"/compatibility.ini"))
			inst := c.Kind("tor.install")
			if len(inst) != 1 {
				t.Fatalf("%+v", c.Artefacts)
			}
			a := inst[0]
			if tp, ok := a.Get("tor_data_path"); ok != (tc.tor != "") || (ok && tp.Str != "/"+tc.tor) {
				t.Errorf("tor data %q", tp.Str)
			}
			if ev := attr(t, a, "browser_evidence").Str; strings.Contains(ev, "profile sits in") != tc.layout {
				t.Errorf("evidence %q", ev)
			}
			// No tbb_version.json in these trees: the version prefs.js records.
			if attr(t, a, "version").Str != "14.0.3" || !strings.HasPrefix(attr(t, a, "version_source").Str, "prefs.js") {
				t.Errorf("version %+v", a.Attrs)
			}
		})
	}
}

func TestProfileJSON(t *testing.T) {
	pm := profiles(t)
	win, lin := trees(t)
	c := parseIn(t, NewProfileJSON(), inputAt(t, lin, linProfile+"/extensions.json"))
	ext := c.Kind("tor.extension")
	if len(ext) != len(pm.Linux.Extensions) || len(ext) != 2 || len(c.Warnings) != 0 {
		t.Fatalf("extensions %d %+v", len(ext), c.Warnings)
	}
	for i, w := range pm.Linux.Extensions {
		a := ext[i]
		if attr(t, a, "id").Str != w.ID || attr(t, a, "name").Str != w.Name || attr(t, a, "version").Str != w.Version ||
			attr(t, a, "active").Bool != w.Active || !attr(t, a, "install_date").Time.Equal(time.UnixMilli(w.InstallMs)) ||
			a.Source.ID != "addons["+string(rune('0'+i))+"]" {
			t.Errorf("extension %d: %+v (%s), want %+v", i, a.Attrs, a.Source, w)
		}
	}
	c = parseIn(t, NewProfileJSON(), inputAt(t, lin, linProfile+"/times.json"))
	tm := c.Kind("tor.profile_times")
	if len(tm) != 1 || !attr(t, tm[0], "created").Time.Equal(time.UnixMilli(pm.Linux.Times.CreatedMs)) ||
		!attr(t, tm[0], "first_use").Time.Equal(time.UnixMilli(*pm.Linux.Times.FirstUseMs)) {
		t.Errorf("times %+v", tm)
	}
	c = parseIn(t, NewProfileJSON(), inputAt(t, win, winCopy+"/times.json"))
	if tm := c.Kind("tor.profile_times"); len(tm) != 1 || attr(t, tm[0], "browser").Str != "Tor Browser" {
		t.Errorf("copy times %+v", c.Artefacts)
	}
	c = parseIn(t, NewProfileJSON(), inputAt(t, lin, ffProfile+"/times.json"))
	if len(c.Kind("firefox.profile_times")) != 1 {
		t.Errorf("firefox times %+v", c.Artefacts)
	}
	// Hostile: broken JSON gives a warning; other JSON does not match.
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "e.json"), []byte(`{"schemaVersion":36,"addons":[{"id":"x"},`), 0o444)
	c = parseIn(t, NewProfileJSON(), inputAt(t, dir, "e.json"))
	if len(c.Warnings) != 1 || len(c.Artefacts) != 0 {
		t.Errorf("broken: %+v %+v", c.Artefacts, c.Warnings)
	}
	os.WriteFile(filepath.Join(dir, "o.json"), []byte(`{"name":"x"}`), 0o444)
	if NewProfileJSON().Match(inputAt(t, dir, "o.json")) {
		t.Error("unrelated JSON matched")
	}
}
