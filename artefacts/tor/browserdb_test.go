package tor

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/loupe-forensics/loupe/artefacts"
	"github.com/loupe-forensics/loupe/forensic/finding"
	"github.com/loupe-forensics/loupe/forensic/source"
)

// Paths where the disk hook (testdata/gen/tree.d/20-tor.sh) puts the
// profiles; the tests run that hook into a temporary tree.
const (
	winApp     = "Users/alice/Desktop/Tor Browser/Browser"
	winProfile = winApp + "/TorBrowser/Data/Browser/profile.default"
	winCopy    = "Users/alice/Music/misc/bk"
	linApp     = "home/bob/.local/share/torbrowser/tbb/x86_64/tor-browser/Browser"
	linProfile = linApp + "/TorBrowser/Data/Browser/profile.default"
	ffProfile  = "home/bob/.mozilla/firefox/k3x9v2ab.default-esr"
)

// trees runs the disk hook into a temporary WIN_ROOT and LINUX_ROOT.
func trees(t testing.TB) (win, lin string) {
	t.Helper()
	d := t.TempDir()
	win, lin = filepath.Join(d, "win"), filepath.Join(d, "lin")
	hook := filepath.Join(torFixtures(t), "..", "..", "gen", "tree.d", "20-tor.sh")
	if out, err := exec.Command("bash", hook, win, lin).CombinedOutput(); err != nil {
		t.Fatalf("20-tor.sh: %v\n%s", err, out)
	}
	return win, lin
}

// inputAt offers root/rel to a parser as the pipeline does.
func inputAt(t testing.TB, root, rel string) *artefacts.Input {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, rel))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	return &artefacts.Input{Ref: source.Image("disk").FS("ext4", 0).Entry("/"+rel, ""), Path: "/" + rel, Size: int64(len(b)),
		Head: b[:min(len(b), artefacts.HeadSize)], Reader: bytes.NewReader(b), SHA256: hex.EncodeToString(sum[:]),
		FS: os.DirFS(root), WorkDir: t.TempDir()}
}

func parseIn(t testing.TB, p artefacts.Parser, in *artefacts.Input) *finding.Collector {
	t.Helper()
	var c finding.Collector
	if !p.Match(in) {
		t.Fatalf("%s does not match %s", p.Name(), in.Path)
	}
	if err := artefacts.Run(context.Background(), p, in, &c); err != nil {
		t.Fatalf("%s on %s: %v", p.Name(), in.Path, err)
	}
	for _, w := range c.Warnings {
		if strings.Contains(w.Message, "panic") {
			t.Fatalf("panic: %s", w.Message)
		}
	}
	return &c
}

type profManifest struct {
	Browser string
	Places  []struct {
		ID            int64
		URL, Title    string
		VisitCount    int64 `json:"visit_count"`
		LastVisitDate int64 `json:"last_visit_date"`
		InWAL         bool  `json:"in_wal"`
	}
	Visits []struct {
		ID            int64
		PlaceID       int64 `json:"place_id"`
		FromVisit     int64 `json:"from_visit"`
		VisitDate     int64 `json:"visit_date"`
		VisitType     int64 `json:"visit_type"`
		URL, Title    string
		VisitTypeName string `json:"visit_type_name"`
		InWAL         bool   `json:"in_wal"`
	}
	Bookmarks []struct {
		ID                 int64
		Title, URL, Folder string
		DateAdded          int64 `json:"date_added"`
		LastModified       int64 `json:"last_modified"`
		InWAL              bool  `json:"in_wal"`
	}
	Folders []struct {
		ID           int64
		Title        string
		DateAdded    int64 `json:"date_added"`
		LastModified int64 `json:"last_modified"`
	}
	Downloads []struct {
		AnnoID           int64 `json:"anno_id"`
		URL, Destination string
		State            int64
		DateAdded        int64 `json:"date_added"`
		FileSize         int64 `json:"file_size"`
		EndTime          int64 `json:"end_time_ms"`
		InWAL            bool  `json:"in_wal"`
	}
	Inputs []struct {
		PlaceID  int64 `json:"place_id"`
		Input    string
		URL      string
		UseCount float64 `json:"use_count"`
		InWAL    bool    `json:"in_wal"`
	}
	Favicons []struct {
		PageURL  string `json:"page_url"`
		IconURL  string `json:"icon_url"`
		ExpireMs int64  `json:"expire_ms"`
		DataSize int64  `json:"data_size"`
	}
	Cookies []struct {
		ID                      int64
		Name, Value, Host, Path string
		ExpiryS                 int64 `json:"expiry_s"`
		LastAccessed            int64 `json:"last_accessed"`
		Created                 int64
	}
	Formhistory []struct {
		ID               int64
		Fieldname, Value string
		TimesUsed        int64 `json:"times_used"`
		FirstUsed        int64 `json:"first_used"`
		LastUsed         int64 `json:"last_used"`
	}
	Extensions []struct {
		ID, Name, Version string
		Active            bool
		InstallMs         int64 `json:"install_ms"`
	}
	Storage []struct{ Folder, Origin string }
	Times   struct {
		CreatedMs  int64  `json:"created_ms"`
		FirstUseMs *int64 `json:"first_use_ms"`
	}
	Compatibility struct {
		LastVersion string `json:"last_version"`
		PlatformDir string `json:"platform_dir"`
	}
	Prefs               []string
	TorStateLastWritten string `json:"tor_state_last_written"`
}

type profilesManifest struct {
	Windows, Linux, Firefox profManifest
	TBBVersion              string `json:"tbb_version"`
}

func profiles(t testing.TB) profilesManifest {
	b, err := os.ReadFile(filepath.Join(torFixtures(t), "profiles-manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m profilesManifest
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// byID indexes artefacts by their row id (the source step's ID).
func byID(as []finding.Artefact) map[string]finding.Artefact {
	out := map[string]finding.Artefact{}
	for _, a := range as {
		out[a.Source.ID] = a
	}
	return out
}

func us(v int64) time.Time { return time.UnixMicro(v).UTC() }

func TestBrowserDBLinuxPlacesWithWAL(t *testing.T) {
	m := profiles(t).Linux
	_, lin := trees(t)
	in := inputAt(t, lin, linProfile+"/places.sqlite")
	c := parseIn(t, NewBrowserDB(), in)
	if len(c.Warnings) != 0 {
		t.Fatalf("warnings %+v", c.Warnings)
	}
	counts := map[string]int{}
	for _, a := range c.Artefacts {
		counts[a.Kind]++
	}
	want := map[string]int{"tor.place": len(m.Places), "tor.visit": len(m.Visits), "tor.bookmark": len(m.Bookmarks),
		"tor.bookmark_folder": len(m.Folders), "tor.download": len(m.Downloads), "tor.input_history": len(m.Inputs)}
	if len(m.Places) != 6 || len(m.Visits) != 8 || len(m.Bookmarks) != 3 || len(m.Folders) != 1 || len(m.Downloads) != 1 || len(m.Inputs) != 2 {
		t.Fatalf("manifest changed shape: %v", want)
	}
	if len(counts) != len(want) {
		t.Errorf("kinds %v, want %v", counts, want)
	}
	for k, n := range want {
		if counts[k] != n {
			t.Errorf("%s: %d, want %d", k, counts[k], n)
		}
	}
	walPath := "/" + linProfile + "/places.sqlite-wal"
	checkSource := func(what string, a finding.Artefact, inWAL bool, table string, id int64) {
		t.Helper()
		wantPath := in.Path
		if inWAL {
			wantPath = walPath
		}
		fw, _ := a.Get("from_wal")
		if a.Source.Type != source.TypeRow || a.Source.Locator != table || a.Source.ID != strconv.FormatInt(id, 10) ||
			a.Source.Path() != wantPath || fw.Bool != inWAL {
			t.Errorf("%s %d: source %s from_wal %v, want %s in %s (WAL %v)", what, id, a.Source, fw.Bool, table, wantPath, inWAL)
		}
		if b := attr(t, a, "browser").Str; b != "Tor Browser" {
			t.Errorf("%s %d: browser %q", what, id, b)
		}
	}
	visits := byID(c.Kind("tor.visit"))
	for _, w := range m.Visits {
		a := visits[strconv.FormatInt(w.ID, 10)]
		if a.Kind == "" {
			t.Errorf("visit %d missing", w.ID)
			continue
		}
		if attr(t, a, "url").Str != w.URL || attr(t, a, "title").Str != w.Title || !attr(t, a, "visit_time").Time.Equal(us(w.VisitDate)) ||
			attr(t, a, "visit_type").Int != w.VisitType || attr(t, a, "visit_type_name").Str != w.VisitTypeName ||
			attr(t, a, "from_visit").Int != w.FromVisit || attr(t, a, "place_id").Int != w.PlaceID {
			t.Errorf("visit %d: %+v, want %+v", w.ID, a.Attrs, w)
		}
		checkSource("visit", a, w.InWAL, "moz_historyvisits", w.ID)
	}
	places := byID(c.Kind("tor.place"))
	for _, w := range m.Places {
		a := places[strconv.FormatInt(w.ID, 10)]
		if attr(t, a, "url").Str != w.URL || attr(t, a, "visit_count").Int != w.VisitCount {
			t.Errorf("place %d: %+v", w.ID, a.Attrs)
		}
		if lv, ok := a.Get("last_visit"); (w.LastVisitDate == 0) == ok || (ok && !lv.Time.Equal(us(w.LastVisitDate))) {
			t.Errorf("place %d last visit %v, want %d", w.ID, lv.Time, w.LastVisitDate)
		}
		checkSource("place", a, w.InWAL, "moz_places", w.ID)
	}
	// The onion market page: checksummed v3 host recorded.
	if a := places["1"]; attr(t, a, "onion").Str != "4637ch63ntgt4zu6mj2nhpdd4vdlzx2d765gtrhhdq5ezl45wjtv4hqd.onion" || !attr(t, a, "onion_valid").Bool {
		t.Errorf("onion attrs %+v", a.Attrs)
	}
	bms := byID(c.Kind("tor.bookmark"))
	for _, w := range m.Bookmarks {
		a := bms[strconv.FormatInt(w.ID, 10)]
		if attr(t, a, "title").Str != w.Title || attr(t, a, "url").Str != w.URL || attr(t, a, "folder").Str != w.Folder ||
			!attr(t, a, "date_added").Time.Equal(us(w.DateAdded)) || !attr(t, a, "last_modified").Time.Equal(us(w.LastModified)) {
			t.Errorf("bookmark %d: %+v, want %+v", w.ID, a.Attrs, w)
		}
		checkSource("bookmark", a, w.InWAL, "moz_bookmarks", w.ID)
	}
	f := c.Kind("tor.bookmark_folder")[0]
	if attr(t, f, "title").Str != m.Folders[0].Title || attr(t, f, "path").Str != "menu/"+m.Folders[0].Title ||
		!attr(t, f, "date_added").Time.Equal(us(m.Folders[0].DateAdded)) || !attr(t, f, "last_modified").Time.Equal(us(m.Folders[0].LastModified)) {
		t.Errorf("folder %+v", f.Attrs)
	}
	d, wd := c.Kind("tor.download")[0], m.Downloads[0]
	if attr(t, d, "url").Str != wd.URL || attr(t, d, "destination").Str != wd.Destination || attr(t, d, "destination_path").Str != "/home/bob/Downloads/invoice-42.pdf" ||
		attr(t, d, "state").Int != wd.State || attr(t, d, "state_name").Str != "finished" || attr(t, d, "file_size").Int != wd.FileSize ||
		!attr(t, d, "end_time").Time.Equal(time.UnixMilli(wd.EndTime)) || !attr(t, d, "date_added").Time.Equal(us(wd.DateAdded)) {
		t.Errorf("download %+v, want %+v", d.Attrs, wd)
	}
	checkSource("download", d, false, "moz_annos", wd.AnnoID)
	inputs := c.Kind("tor.input_history")
	for i, w := range m.Inputs {
		a := inputs[i]
		if attr(t, a, "input").Str != w.Input || attr(t, a, "url").Str != w.URL || attr(t, a, "use_count").Str != strconv.FormatFloat(w.UseCount, 'g', -1, 64) {
			t.Errorf("input %d: %+v, want %+v", i, a.Attrs, w)
		}
		if fw, _ := a.Get("from_wal"); fw.Bool != w.InWAL {
			t.Errorf("input %d from_wal %v", i, fw.Bool)
		}
	}
}

func TestBrowserDBWindowsPrivateBrowsing(t *testing.T) {
	m := profiles(t).Windows
	win, _ := trees(t)
	for _, dir := range []string{winProfile, winCopy} {
		c := parseIn(t, NewBrowserDB(), inputAt(t, win, dir+"/places.sqlite"))
		if len(c.Warnings) != 0 || len(c.Kind("tor.visit")) != 0 || len(c.Kind("tor.place")) != len(m.Places) ||
			len(c.Kind("tor.bookmark")) != len(m.Bookmarks) || len(c.Kind("tor.bookmark_folder")) != 1 || len(m.Bookmarks) != 3 {
			t.Fatalf("%s: %d artefacts, warnings %+v", dir, len(c.Artefacts), c.Warnings)
		}
		bms := byID(c.Kind("tor.bookmark"))
		for _, w := range m.Bookmarks {
			a := bms[strconv.FormatInt(w.ID, 10)]
			if attr(t, a, "url").Str != w.URL || attr(t, a, "folder").Str != w.Folder || !attr(t, a, "date_added").Time.Equal(us(w.DateAdded)) {
				t.Errorf("%s bookmark %d: %+v", dir, w.ID, a.Attrs)
			}
		}
		ev := attr(t, c.Kind("tor.bookmark")[0], "browser_evidence").Str
		// The copy is recognised by its content alone, not by where it sits.
		if !strings.Contains(ev, "prefs.js sets torbrowser.* preferences") || strings.Contains(ev, "sits in") == (dir == winCopy) {
			t.Errorf("%s: evidence %q", dir, ev)
		}
		fav := c.Kind("tor.favicon")
		if len(fav) != 0 {
			t.Errorf("favicons from places.sqlite: %d", len(fav))
		}
		c = parseIn(t, NewBrowserDB(), inputAt(t, win, dir+"/favicons.sqlite"))
		fav = c.Kind("tor.favicon")
		if len(fav) != len(m.Favicons) || len(fav) != 2 {
			t.Fatalf("favicons %d", len(fav))
		}
		for i, w := range m.Favicons {
			a := fav[i]
			if attr(t, a, "page_url").Str != w.PageURL || attr(t, a, "icon_url").Str != w.IconURL || attr(t, a, "data_size").Int != w.DataSize ||
				!attr(t, a, "expires").Time.Equal(time.UnixMilli(w.ExpireMs)) {
				t.Errorf("favicon %d: %+v", i, a.Attrs)
			}
		}
		c = parseIn(t, NewBrowserDB(), inputAt(t, win, dir+"/cookies.sqlite"))
		if len(c.Artefacts) != 0 || len(c.Warnings) != 0 {
			t.Errorf("private browsing cookies: %+v", c)
		}
	}
}

func TestBrowserDBLinuxOtherDatabases(t *testing.T) {
	m := profiles(t).Linux
	_, lin := trees(t)
	c := parseIn(t, NewBrowserDB(), inputAt(t, lin, linProfile+"/cookies.sqlite"))
	ck := c.Kind("tor.cookie")
	if len(ck) != len(m.Cookies) || len(ck) != 2 || len(c.Warnings) != 0 {
		t.Fatalf("cookies %d %+v", len(ck), c.Warnings)
	}
	for i, w := range m.Cookies {
		a := ck[i]
		if attr(t, a, "host").Str != w.Host || attr(t, a, "name").Str != w.Name || attr(t, a, "value").Str != w.Value ||
			!attr(t, a, "expiry").Time.Equal(time.Unix(w.ExpiryS, 0)) || !attr(t, a, "last_accessed").Time.Equal(us(w.LastAccessed)) ||
			!attr(t, a, "created").Time.Equal(us(w.Created)) || !attr(t, a, "onion_valid").Bool || a.Source.ID != strconv.FormatInt(w.ID, 10) {
			t.Errorf("cookie %d: %+v, want %+v", i, a.Attrs, w)
		}
	}
	c = parseIn(t, NewBrowserDB(), inputAt(t, lin, linProfile+"/formhistory.sqlite"))
	fh := c.Kind("tor.form_history")
	if len(fh) != len(m.Formhistory) || len(fh) != 2 {
		t.Fatalf("form history %d", len(fh))
	}
	for i, w := range m.Formhistory {
		a := fh[i]
		if attr(t, a, "field").Str != w.Fieldname || attr(t, a, "value").Str != w.Value || attr(t, a, "times_used").Int != w.TimesUsed ||
			!attr(t, a, "first_used").Time.Equal(us(w.FirstUsed)) || !attr(t, a, "last_used").Time.Equal(us(w.LastUsed)) {
			t.Errorf("form %d: %+v, want %+v", i, a.Attrs, w)
		}
	}
	c = parseIn(t, NewBrowserDB(), inputAt(t, lin, linProfile+"/favicons.sqlite"))
	if fav := c.Kind("tor.favicon"); len(fav) != 1 || attr(t, fav[0], "icon_url").Str != m.Favicons[0].IconURL ||
		attr(t, fav[0], "data_size").Int != m.Favicons[0].DataSize || fav[0].Source.ID != "1,1" {
		t.Errorf("favicons %+v", fav)
	}
	// LocalStorage: one database per origin folder; onion origins by name.
	for _, w := range m.Storage {
		c := parseIn(t, NewBrowserDB(), inputAt(t, lin, linProfile+"/storage/default/"+w.Folder+"/ls/data.sqlite"))
		so := c.Kind("tor.storage_origin")
		if len(so) != 1 || attr(t, so[0], "origin").Str != w.Origin || attr(t, so[0], "folder").Str != w.Folder ||
			attr(t, so[0], "keys").Int != 1 || attr(t, so[0], "browser").Str != "Tor Browser" {
			t.Errorf("%s: %+v", w.Folder, so)
			continue
		}
		_, isOnion := so[0].Get("onion")
		if isOnion != strings.Contains(w.Folder, ".onion") {
			t.Errorf("%s: onion attr %v", w.Folder, isOnion)
		}
	}
}

func TestBrowserDBPlainFirefoxAndCarved(t *testing.T) {
	m := profiles(t).Firefox
	_, lin := trees(t)
	c := parseIn(t, NewBrowserDB(), inputAt(t, lin, ffProfile+"/places.sqlite"))
	if len(c.Kind("firefox.visit")) != len(m.Visits) || len(m.Visits) != 2 || len(c.Kind("tor.visit")) != 0 {
		t.Fatalf("firefox visits %d", len(c.Kind("firefox.visit")))
	}
	v := c.Kind("firefox.visit")[0]
	if attr(t, v, "browser").Str != "Firefox" || attr(t, v, "url").Str != m.Visits[0].URL {
		t.Errorf("firefox visit %+v", v.Attrs)
	}
	if _, ok := v.Get("browser_evidence"); ok {
		t.Error("plain Firefox with Tor evidence")
	}
	// A carved copy under another name, no profile around it: recognised by
	// schema; without its WAL only the checkpointed rows are there.
	lm := profiles(t).Linux
	b, _ := os.ReadFile(filepath.Join(lin, linProfile, "places.sqlite"))
	carved := t.TempDir()
	os.WriteFile(filepath.Join(carved, "f0001234.bin"), b, 0o444)
	c = parseIn(t, NewBrowserDB(), inputAt(t, carved, "f0001234.bin"))
	walVisits := 0
	for _, w := range lm.Visits {
		if w.InWAL {
			walVisits++
		}
	}
	if n := len(c.Kind("firefox.visit")); n != len(lm.Visits)-walVisits || walVisits != 2 {
		t.Errorf("carved: %d visits, want %d", n, len(lm.Visits)-walVisits)
	}
	if a := c.Kind("firefox.visit")[0]; !strings.HasPrefix(attr(t, a, "browser").Str, "unknown") {
		t.Errorf("carved browser %q", attr(t, a, "browser").Str)
	}
}

func TestBrowserDBHostile(t *testing.T) {
	_, lin := trees(t)
	b, _ := os.ReadFile(filepath.Join(lin, linProfile, "places.sqlite"))
	dir := t.TempDir()
	for _, cut := range []int{100, 32768, 32768 * 3, len(b) / 2} {
		os.WriteFile(filepath.Join(dir, "places.sqlite"), b[:cut], 0o444)
		in := inputAt(t, dir, "places.sqlite")
		var c finding.Collector
		// An error here is recorded by Run as a warning, as the pipeline does.
		_ = artefacts.Run(context.Background(), NewBrowserDB(), in, &c)
		for _, w := range c.Warnings {
			if strings.Contains(w.Message, "panic") {
				t.Fatalf("cut %d: %s", cut, w.Message)
			}
		}
		// Truncated: SQLite reports the damage; the parser says so.
		if len(c.Warnings) == 0 {
			t.Errorf("cut at %d: no warning (%d artefacts)", cut, len(c.Artefacts))
		}
		// Cut in half, the tables' pages before the cut are still read
		// (salvage mode): the six checkpointed visits.
		if cut == len(b)/2 && (len(c.Kind("firefox.visit")) != 6 || !strings.Contains(c.Warnings[0].Message, "salvage mode")) {
			t.Errorf("half file: %d visits, warnings %v", len(c.Kind("firefox.visit")), c.Warnings)
		}
	}
	// Not SQLite after the header: no match beyond the magic, a warning.
	junk := append([]byte("SQLite format 3\x00"), bytes.Repeat([]byte{0xff}, 5000)...)
	os.WriteFile(filepath.Join(dir, "junk"), junk, 0o444)
	var c finding.Collector
	_ = artefacts.Run(context.Background(), NewBrowserDB(), inputAt(t, dir, "junk"), &c)
	if len(c.Warnings) != 1 || len(c.Artefacts) != 0 {
		t.Errorf("junk: %+v %+v", c.Artefacts, c.Warnings)
	}
}
