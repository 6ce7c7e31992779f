package tor

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strconv"
	"strings"

	"github.com/loupe-forensics/loupe/artefacts"
	"github.com/loupe-forensics/loupe/forensic/finding"
)

// Prefs reads a Tor Browser profile's prefs.js: the bridge, proxy and
// firewall settings (current "torbrowser.settings.*" and legacy
// "extensions.torlauncher.*"), the security level, the download folder and
// private-browsing autostart. Bridge lines also become "tor.bridge".
type Prefs struct{}

// NewPrefs returns the parser.
func NewPrefs() *Prefs { return &Prefs{} }

func (*Prefs) Name() string    { return "tor/prefs" }
func (*Prefs) Version() string { return "1" }

// Any Firefox profile has a prefs.js; only one that mentions Tor is ours.
func (*Prefs) Match(in *artefacts.Input) bool {
	h := in.Head
	return bytes.Contains(h, []byte("user_pref(")) &&
		(bytes.Contains(h, []byte("torbrowser.")) || bytes.Contains(h, []byte("extensions.torlauncher.")) ||
			bytes.Contains(h, []byte("extensions.torbutton.")) || bytes.Contains(h, []byte("browser.security_level.")))
}

// wantedPref says whether a preference name is one the catalogue asks for.
func wantedPref(name string) bool {
	for _, p := range []string{"torbrowser.settings.bridges.", "torbrowser.settings.proxy.", "torbrowser.settings.firewall.",
		"torbrowser.settings.quickstart.", "extensions.torlauncher."} {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	switch name {
	case "browser.security_level.security_slider", "browser.download.dir", "browser.privatebrowsing.autostart",
		"browser.download.lastDir", "torbrowser.settings.enabled":
		return true
	}
	return false
}

// isBridgePref: a preference whose string value is a bridge line.
func isBridgePref(name string) bool {
	return strings.HasPrefix(name, "torbrowser.settings.bridges.bridge_strings.") ||
		strings.HasPrefix(name, "extensions.torlauncher.default_bridge.") ||
		name == "extensions.torlauncher.bridgedb_bridge" || strings.HasPrefix(name, "extensions.torlauncher.bridgedb_bridge.")
}

func (p *Prefs) Parse(ctx context.Context, in *artefacts.Input, out finding.Sink) error {
	warn := func(line int, msg string) {
		_ = out.Warn(ctx, finding.Warning{Parser: p.Name(), Source: in.Ref.Record("line", strconv.Itoa(line)), Message: msg})
	}
	emit := func(kind string, line int, attrs ...finding.Attr) {
		_ = out.Artefact(ctx, finding.Artefact{Kind: kind, Attrs: attrs, Parser: p.Name(), ParserVersion: p.Version(),
			Source: in.Ref.Record("line", strconv.Itoa(line)), SourceSHA256: in.SHA256})
	}
	prefs := 0
	err := scanLines(ctx, io.NewSectionReader(in.Reader, 0, in.Size), warn, func(n int, line string) {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "user_pref(") && !strings.HasPrefix(line, "pref(") {
			return
		}
		name, val, isStr, ok := parseUserPref(line)
		if !ok {
			warn(n, "unreadable user_pref line")
			return
		}
		prefs++
		if !wantedPref(name) {
			return
		}
		attrs := []finding.Attr{finding.S("name", name), finding.S("value", val)}
		if !isStr {
			switch val {
			case "true", "false":
				attrs = append(attrs, finding.B("bool", val == "true"))
			default:
				if i, err := strconv.ParseInt(val, 10, 64); err == nil {
					attrs = append(attrs, finding.I("int", i))
				}
			}
		}
		emit("tor.pref", n, attrs...)
		if isStr && isBridgePref(name) && val != "" {
			battrs := []finding.Attr{finding.S("line", val), finding.S("pref", name)}
			f := strings.Fields(val)
			if len(f) > 0 && !strings.ContainsAny(f[0], ".:[") {
				battrs = append(battrs, finding.S("transport", f[0]))
				f = f[1:]
			}
			if len(f) > 0 {
				battrs = append(battrs, finding.S("address", f[0]))
			}
			if len(f) > 1 && len(f[1]) == 40 {
				battrs = append(battrs, finding.S("fingerprint", f[1]))
			}
			emit("tor.bridge", n, battrs...)
		}
	})
	if err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	if prefs == 0 {
		return artefacts.ErrWrongFormat
	}
	return nil
}

// parseUserPref reads `user_pref("name", value);` where value is a JS
// string (with \" \\ \n \uXXXX escapes, as Firefox writes them), an
// integer or a boolean. It returns the value unquoted.
func parseUserPref(line string) (name, val string, isStr, ok bool) {
	_, rest, _ := strings.Cut(line, "(")
	rest = strings.TrimSpace(rest)
	name, rest, ok = jsString(rest)
	if !ok {
		return "", "", false, false
	}
	rest = strings.TrimSpace(rest)
	if !strings.HasPrefix(rest, ",") {
		return "", "", false, false
	}
	rest = strings.TrimSpace(rest[1:])
	if strings.HasPrefix(rest, `"`) {
		val, rest, ok = jsString(rest)
		isStr = true
	} else {
		end := strings.IndexByte(rest, ')')
		if end < 0 {
			return "", "", false, false
		}
		val, rest, ok = strings.TrimSpace(rest[:end]), rest[end:], true
	}
	if !ok || !strings.HasPrefix(strings.TrimSpace(rest), ")") {
		return "", "", false, false
	}
	return name, val, isStr, true
}

// jsString reads a double-quoted string from the start of s.
func jsString(s string) (string, string, bool) {
	if !strings.HasPrefix(s, `"`) {
		return "", "", false
	}
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"':
			return b.String(), s[i+1:], true
		case c == '\\' && i+1 < len(s):
			i++
			switch s[i] {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'u':
				if i+4 < len(s) {
					if r, err := strconv.ParseUint(s[i+1:i+5], 16, 32); err == nil {
						b.WriteRune(rune(r))
						i += 4
						continue
					}
				}
				b.WriteByte('u')
			default:
				b.WriteByte(s[i])
			}
		default:
			b.WriteByte(c)
		}
	}
	return "", "", false
}
