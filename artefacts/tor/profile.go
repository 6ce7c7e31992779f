package tor

import (
	"bytes"
	"context"
	"io"
	"io/fs"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/loupe-forensics/loupe/artefacts"
	"github.com/loupe-forensics/loupe/artefacts/onion"
	"github.com/loupe-forensics/loupe/forensic/finding"
	"github.com/loupe-forensics/loupe/forensic/source"
)

// profile says which browser a profile folder belongs to, and why. Tor
// Browser is a Firefox ESR build, so its profile files have Firefox's
// formats; what tells them apart is content: Tor settings in prefs.js, an
// install folder recorded in compatibility.ini, Tor's own add-ons, and the
// TorBrowser/Data tree around the profile. The default install path
// (Desktop\Tor Browser) proves nothing and is not used: a copied or renamed
// profile keeps its content.
type profile struct {
	Dir      string   // the profile folder in the file system, without a leading "/"
	Known    bool     // prefs.js or compatibility.ini is beside the file
	Tor      bool     // at least one piece of evidence says Tor Browser
	Evidence []string // each piece of evidence, for the examiner
}

// family is the artefact family: "tor" for Tor Browser, "firefox" otherwise.
func (p profile) family() string {
	if p.Tor {
		return "tor"
	}
	return "firefox"
}

// browser names the browser for reports.
func (p profile) browser() string {
	switch {
	case p.Tor:
		return "Tor Browser"
	case p.Known:
		return "Firefox"
	}
	return "unknown (no profile files beside it)"
}

func (p profile) attrs() []finding.Attr {
	a := []finding.Attr{finding.S("browser", p.browser())}
	if len(p.Evidence) > 0 {
		a = append(a, finding.S("browser_evidence", strings.Join(p.Evidence, "; ")))
	}
	return a
}

// prefsTorMarkers are preference names only Tor Browser writes.
var prefsTorMarkers = []string{`user_pref("torbrowser.`, `user_pref("extensions.torlauncher.`,
	`user_pref("extensions.torbutton.`, `user_pref("browser.security_level.`}

// Reads of sibling files are bounded: evidence chooses their sizes.
const (
	maxPrefsRead = 4 << 20
	maxSmallRead = 1 << 20
)

// classify looks at the files beside dir (a folder path without leading "/").
func classify(fsys fs.FS, dir string) profile {
	p := profile{Dir: dir}
	if fsys == nil {
		return p
	}
	if b, err := readPrefix(fsys, path.Join(dir, "prefs.js"), maxPrefsRead); err == nil {
		p.Known = true
		for _, m := range prefsTorMarkers {
			if bytes.Contains(b, []byte(m)) {
				p.Evidence = append(p.Evidence, "prefs.js sets "+strings.TrimSuffix(strings.TrimPrefix(m, `user_pref("`), ".")+".* preferences")
				break
			}
		}
	}
	if b, err := readPrefix(fsys, path.Join(dir, "compatibility.ini"), maxSmallRead); err == nil {
		p.Known = true
		c := parseCompat(b)
		if d := c["LastPlatformDir"]; d != "" && torInstallPath(d) {
			p.Evidence = append(p.Evidence, "compatibility.ini LastPlatformDir is a Tor Browser install ("+d+")")
		}
	}
	if b, err := readPrefix(fsys, path.Join(dir, "extensions.json"), maxPrefsRead); err == nil {
		for _, id := range []string{"torbutton@torproject.org", "tor-launcher@torproject.org"} {
			if bytes.Contains(b, []byte(`"`+id+`"`)) {
				p.Evidence = append(p.Evidence, "extensions.json lists "+id)
				break
			}
		}
	}
	if layout := torLayout(dir); layout != "" {
		p.Evidence = append(p.Evidence, "profile sits in "+layout)
	}
	p.Tor = len(p.Evidence) > 0
	return p
}

// torInstallPath: an application folder in Tor Browser's own tree
// (…/Tor Browser/Browser, …/tor-browser/Browser, …/TorBrowser.app/…).
func torInstallPath(d string) bool {
	l := strings.ToLower(strings.ReplaceAll(d, `\`, "/"))
	return strings.Contains(l, "tor browser") || strings.Contains(l, "tor-browser") || strings.Contains(l, "torbrowser")
}

// torLayout reports the Tor Browser data tree a profile folder sits in:
// <app>/Browser/TorBrowser/Data/Browser/<profile> (Windows, Linux tarball,
// torbrowser-launcher, Flatpak) or TorBrowser-Data/Browser/<profile> (macOS).
func torLayout(dir string) string {
	parts := strings.Split(dir, "/")
	n := len(parts)
	if n >= 4 && parts[n-2] == "Browser" && parts[n-3] == "Data" && parts[n-4] == "TorBrowser" {
		return "TorBrowser/Data/Browser"
	}
	if n >= 3 && parts[n-2] == "Browser" && parts[n-3] == "TorBrowser-Data" {
		return "TorBrowser-Data/Browser"
	}
	return ""
}

// parseCompat reads compatibility.ini's key=value lines.
func parseCompat(b []byte) map[string]string {
	out := map[string]string{}
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(strings.TrimSuffix(line, "\r"))
		if k, v, ok := strings.Cut(line, "="); ok && !strings.HasPrefix(line, "[") {
			out[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	return out
}

// readPrefix reads at most limit bytes of a file.
func readPrefix(fsys fs.FS, name string, limit int64) ([]byte, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, limit))
}

// fsPath is in.Path without its leading "/", as fs.FS wants it.
func fsPath(in *artefacts.Input) string { return strings.TrimPrefix(in.Path, "/") }

// siblingRef is the provenance of another file on the same file system as
// in (its path only: fs.FS does not give inode numbers).
func siblingRef(in *artefacts.Input, p string) *source.Ref { return in.Sibling(p) }

// onionAttrs adds the onion host of a URL (or bare host) when it is one:
// "onion" with the canonical host, and whether it is a checksummed v3 address.
func onionAttrs(raw string) []finding.Attr {
	host := raw
	if u, err := url.Parse(raw); err == nil && u.Host != "" {
		host = u.Hostname()
	}
	host = strings.TrimPrefix(strings.ToLower(host), ".")
	if !strings.HasSuffix(host, ".onion") {
		return nil
	}
	a, err := onion.Parse(host)
	if err != nil {
		return []finding.Attr{finding.S("onion", host), finding.B("onion_valid", false)}
	}
	return []finding.Attr{finding.S("onion", a.Host), finding.B("onion_valid", true), finding.I("onion_version", int64(a.Version))}
}

// prTime converts PRTime (µs since 1970 UTC); zero and negative mean unset.
func prTime(us int64) (time.Time, bool) {
	if us <= 0 {
		return time.Time{}, false
	}
	return time.UnixMicro(us).UTC(), true
}

// emitter writes artefacts of one parser for one input.
type emitter struct {
	ctx    context.Context
	in     *artefacts.Input
	out    finding.Sink
	parser artefacts.Parser
}

func (e emitter) emit(kind string, cat finding.Category, src *source.Ref, sha string, attrs []finding.Attr) {
	if cat == "" {
		cat = finding.Data
	}
	if sha == "" {
		sha = e.in.SHA256
	}
	_ = e.out.Artefact(e.ctx, finding.Artefact{Kind: kind, Category: cat, Attrs: attrs, Parser: e.parser.Name(),
		ParserVersion: e.parser.Version(), Source: src, SourceSHA256: sha})
}

func (e emitter) warn(src *source.Ref, msg string) {
	if src == nil {
		src = e.in.Ref
	}
	_ = e.out.Warn(e.ctx, finding.Warning{Parser: e.parser.Name(), Source: src, Message: msg})
}
