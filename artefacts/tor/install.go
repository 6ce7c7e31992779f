package tor

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/loupe-forensics/loupe/artefacts"
	"github.com/loupe-forensics/loupe/forensic/finding"
)

// Install reads a profile's compatibility.ini (every Firefox-family profile
// has one, rewritten at each start) and from it and the files around it
// builds one summary per profile: "tor.install" for Tor Browser (or
// "firefox.profile"), with version, install and profile paths, the tor
// data folder, and first and last use each with the evidence it rests on.
// It also reports the file itself as "<family>.compatibility".
type Install struct{}

// NewInstall returns the parser.
func NewInstall() *Install { return &Install{} }

func (*Install) Name() string    { return "tor/install" }
func (*Install) Version() string { return "1" }

func (*Install) Match(in *artefacts.Input) bool {
	h := bytes.TrimPrefix(in.Head, []byte("\xef\xbb\xbf"))
	return in.Size < maxSmallRead && bytes.HasPrefix(bytes.TrimSpace(h), []byte("[Compatibility]")) &&
		bytes.Contains(h, []byte("\nLastVersion="))
}

// useEvidence is one dated fact about when the browser was used.
type useEvidence struct {
	t    time.Time
	what string
}

func (p *Install) Parse(ctx context.Context, in *artefacts.Input, out finding.Sink) error {
	e := emitter{ctx: ctx, in: in, out: out, parser: p}
	b := make([]byte, in.Size)
	if n, err := in.Reader.ReadAt(b, 0); int64(n) != in.Size {
		return fmt.Errorf("compatibility.ini: %d of %d bytes read: %w", n, in.Size, err)
	}
	c := parseCompat(b)
	if c["LastVersion"] == "" {
		return artefacts.ErrWrongFormat
	}
	dir := path.Dir(fsPath(in))
	prof := profile{Dir: dir}
	if in.FS != nil && in.Path != "" {
		prof = classify(in.FS, dir)
	}
	fam := prof.family()

	// The file's own content.
	ver, build, _ := strings.Cut(c["LastVersion"], "_")
	build, _, _ = strings.Cut(build, "/")
	cattrs := []finding.Attr{finding.S("last_version", c["LastVersion"]), finding.S("firefox_version", ver), finding.S("build_id", build),
		finding.S("os_abi", c["LastOSABI"]), finding.S("platform_dir", c["LastPlatformDir"]), finding.S("app_dir", c["LastAppDir"])}
	e.emit(fam+".compatibility", finding.Data, in.Ref, "", append(cattrs, prof.attrs()...))

	// The summary.
	attrs := append(prof.attrs(), finding.S("profile_path", "/"+dir), finding.S("firefox_version", ver))
	var evidence []string
	if inst := c["LastPlatformDir"]; inst != "" {
		attrs = append(attrs, finding.S("install_path", inst))
		if onVol, ok := localPath(in.FS, inst); ok {
			attrs = append(attrs, finding.S("install_path_on_volume", "/"+onVol))
		}
	}
	version, source := p.tbbVersion(in.FS, dir, c["LastPlatformDir"], prof)
	if version != "" {
		attrs = append(attrs, finding.S("version", version), finding.S("version_source", source))
	} else if !prof.Tor {
		attrs = append(attrs, finding.S("version", ver), finding.S("version_source", "compatibility.ini LastVersion"))
	}
	var firsts, lasts []useEvidence
	if in.FS != nil {
		firsts = timesJSON(in.FS, dir)
		lasts = append(lasts, prefsLastSuccess(in.FS, dir)...)
		lasts = append(lasts, sessionLastUpdate(in.FS, dir)...)
		if torDir := path.Join(path.Dir(path.Dir(dir)), "Tor"); torLayout(dir) != "" {
			if t, ok := stateLastWritten(in.FS, path.Join(torDir, "state")); ok {
				attrs = append(attrs, finding.S("tor_data_path", "/"+torDir))
				lasts = append(lasts, useEvidence{t, "/" + torDir + "/state LastWritten"})
			}
		}
	}
	if len(firsts) > 0 {
		sort.SliceStable(firsts, func(i, j int) bool { return firsts[i].t.Before(firsts[j].t) })
		attrs = append(attrs, finding.T("first_use", firsts[0].t), finding.S("first_use_evidence", firsts[0].what))
		for _, f := range firsts {
			evidence = append(evidence, f.what+" "+f.t.Format(time.RFC3339))
		}
	}
	if len(lasts) > 0 {
		sort.SliceStable(lasts, func(i, j int) bool { return lasts[i].t.After(lasts[j].t) })
		attrs = append(attrs, finding.T("last_use", lasts[0].t), finding.S("last_use_evidence", lasts[0].what))
		for _, l := range lasts {
			evidence = append(evidence, l.what+" "+l.t.Format(time.RFC3339))
		}
	}
	if len(evidence) > 0 {
		attrs = append(attrs, finding.S("use_evidence", strings.Join(evidence, "; ")))
	}
	if origins := storageOrigins(in.FS, dir); len(origins) > 0 {
		onions := 0
		for _, o := range origins {
			if len(onionAttrs(o)) > 0 {
				onions++
			}
		}
		attrs = append(attrs, finding.S("storage_origins", strings.Join(origins, " ")), finding.I("onion_storage_origins", int64(onions)))
	}
	kind := "firefox.profile"
	if prof.Tor {
		kind = "tor.install"
	}
	e.emit(kind, finding.Analysis, in.Ref, "", attrs)
	return nil
}

// localPath maps an install path recorded in compatibility.ini to this file
// system: "C:\Users\x\Desktop\Tor Browser\Browser" → "Users/x/Desktop/Tor
// Browser/Browser" when that folder exists (the volume is the C: drive as
// far as we can tell; another drive's path simply does not resolve).
func localPath(fsys fs.FS, p string) (string, bool) {
	if fsys == nil || p == "" {
		return "", false
	}
	q := strings.ReplaceAll(p, `\`, "/")
	if len(q) >= 2 && q[1] == ':' {
		q = q[2:]
	}
	q = strings.Trim(path.Clean("/"+q), "/")
	if q == "" || !fs.ValidPath(q) {
		return "", false
	}
	st, err := fs.Stat(fsys, q)
	return q, err == nil && st.IsDir()
}

// tbbVersion finds Tor Browser's version: tbb_version.json in the install
// folder (from compatibility.ini, or the folder the TorBrowser/Data tree
// sits in), else the version Tor Browser records in prefs.js.
func (p *Install) tbbVersion(fsys fs.FS, dir, inst string, prof profile) (string, string) {
	if fsys == nil || !prof.Tor {
		return "", ""
	}
	var cands []string
	if q, ok := localPath(fsys, inst); ok {
		cands = append(cands, q)
	}
	if torLayout(dir) == "TorBrowser/Data/Browser" {
		// <app>/Browser/TorBrowser/Data/Browser/<profile>
		cands = append(cands, path.Dir(path.Dir(path.Dir(path.Dir(dir)))))
	}
	for _, c := range cands {
		f := path.Join(c, "tbb_version.json")
		b, err := readPrefix(fsys, f, maxSmallRead)
		if err != nil {
			continue
		}
		var v struct {
			Version string `json:"version"`
		}
		if json.Unmarshal(b, &v) == nil && v.Version != "" {
			return v.Version, "/" + f
		}
	}
	if b, err := readPrefix(fsys, path.Join(dir, "prefs.js"), maxPrefsRead); err == nil {
		if v, ok := prefValue(b, "browser.startup.homepage_override.torbrowser.version"); ok {
			return v, "prefs.js browser.startup.homepage_override.torbrowser.version"
		}
	}
	return "", ""
}

// prefValue finds one preference in prefs.js content.
func prefValue(b []byte, name string) (string, bool) {
	key := []byte(`user_pref("` + name + `"`)
	i := bytes.Index(b, key)
	if i < 0 {
		return "", false
	}
	line := b[i:]
	if j := bytes.IndexByte(line, '\n'); j >= 0 {
		line = line[:j]
	}
	_, v, _, ok := parseUserPref(string(line))
	return v, ok
}

// timesJSON gives the profile's creation and first-use times (ms).
func timesJSON(fsys fs.FS, dir string) []useEvidence {
	b, err := readPrefix(fsys, path.Join(dir, "times.json"), maxSmallRead)
	if err != nil {
		return nil
	}
	var t struct {
		Created  *int64 `json:"created"`
		FirstUse *int64 `json:"firstUse"`
	}
	if json.Unmarshal(b, &t) != nil {
		return nil
	}
	var out []useEvidence
	if t.Created != nil && *t.Created > 0 {
		out = append(out, useEvidence{time.UnixMilli(*t.Created).UTC(), "times.json created (profile creation)"})
	}
	if t.FirstUse != nil && *t.FirstUse > 0 {
		out = append(out, useEvidence{time.UnixMilli(*t.FirstUse).UTC(), "times.json firstUse"})
	}
	return out
}

// prefsLastSuccess: toolkit.startup.last_success is written (seconds since
// 1970) each time the browser starts successfully.
func prefsLastSuccess(fsys fs.FS, dir string) []useEvidence {
	b, err := readPrefix(fsys, path.Join(dir, "prefs.js"), maxPrefsRead)
	if err != nil {
		return nil
	}
	v, ok := prefValue(b, "toolkit.startup.last_success")
	if !ok {
		return nil
	}
	s, err := strconv.ParseInt(v, 10, 64)
	if err != nil || s <= 0 {
		return nil
	}
	return []useEvidence{{time.Unix(s, 0).UTC(), "prefs.js toolkit.startup.last_success"}}
}

// sessionLastUpdate: the session store's session.lastUpdate (ms) is the
// last time the browser saved its open tabs.
func sessionLastUpdate(fsys fs.FS, dir string) []useEvidence {
	var out []useEvidence
	for _, name := range []string{"sessionstore.jsonlz4", "sessionstore-backups/recovery.jsonlz4", "sessionstore-backups/previous.jsonlz4"} {
		p := path.Join(dir, name)
		b, err := readPrefix(fsys, p, 8<<20) // real stores are a few hundred KiB
		if err != nil {
			continue
		}
		data, err := decodeMozLz4(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			continue
		}
		var s struct {
			Session struct {
				LastUpdate int64 `json:"lastUpdate"`
			} `json:"session"`
		}
		if json.Unmarshal(data, &s) == nil && s.Session.LastUpdate > 0 {
			out = append(out, useEvidence{time.UnixMilli(s.Session.LastUpdate).UTC(), name + " session.lastUpdate"})
		}
	}
	return out
}

// stateLastWritten reads LastWritten from a tor state file.
func stateLastWritten(fsys fs.FS, p string) (time.Time, bool) {
	b, err := readPrefix(fsys, p, maxSmallRead)
	if err != nil {
		return time.Time{}, false
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 4096), maxLine)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "LastWritten "); ok {
			return stateTime(strings.TrimSpace(v))
		}
	}
	return time.Time{}, false
}

// storageOrigins lists the origin folders under storage/default, decoded.
func storageOrigins(fsys fs.FS, dir string) []string {
	if fsys == nil {
		return nil
	}
	ents, err := fs.ReadDir(fsys, path.Join(dir, "storage", "default"))
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range ents {
		if !e.IsDir() {
			continue
		}
		if o, ok := originFromFolder(e.Name()); ok {
			out = append(out, o)
		}
		if len(out) >= 1000 {
			break
		}
	}
	sort.Strings(out)
	return out
}
