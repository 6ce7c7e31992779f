package pgp

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"path"
	"strconv"
	"strings"

	"github.com/loupe-forensics/loupe/artefacts"
	"github.com/loupe-forensics/loupe/forensic/finding"
)

// Config parser identity.
const (
	ConfigName    = "pgp/config"
	ConfigVersion = "1"
)

// Bounds: GnuPG's own limit for a config line is 4 KiB; real files are a
// few dozen lines.
const (
	maxConfigLine  = 4096
	maxConfigLines = 10000
)

// configOptions lists, per GnuPG configuration file, options whose
// presence says something about how the keys were used; every option is
// recorded, these decide whether a file is GnuPG's at all (a file named
// gpg.conf without one of them is somebody else's). sshcontrol is a list
// of keygrips instead.
var configOptions = map[string][]string{
	"gpg.conf": {"default-key", "local-user", "encrypt-to", "hidden-encrypt-to", "default-recipient", "default-recipient-self",
		"keyserver", "keyserver-options", "trust-model", "throw-keyids", "auto-key-locate", "auto-key-retrieve", "group",
		"personal-cipher-preferences", "personal-digest-preferences", "personal-compress-preferences", "default-preference-list",
		"no-emit-version", "no-comments", "keyid-format", "with-fingerprint", "use-agent", "armor", "charset", "utf8-strings",
		"cert-digest-algo", "s2k-cipher-algo", "s2k-digest-algo", "s2k-count", "require-cross-certification", "list-options", "verify-options",
		"no-greeting", "tofu-default-policy", "compliance"},
	"gpg-agent.conf": {"default-cache-ttl", "max-cache-ttl", "default-cache-ttl-ssh", "max-cache-ttl-ssh", "pinentry-program",
		"enable-ssh-support", "allow-loopback-pinentry", "allow-preset-passphrase", "no-grab", "ignore-cache-for-signing",
		"disable-scdaemon", "pinentry-timeout", "no-allow-external-cache", "enforce-passphrase-constraints", "log-file"},
	"dirmngr.conf":  {"keyserver", "use-tor", "honor-http-proxy", "http-proxy", "standard-resolver", "log-file", "hkp-cacert"},
	"common.conf":   {"use-keyboxd", "keyboxd-program", "no-autostart"},
	"scdaemon.conf": {"reader-port", "disable-ccid", "pcsc-driver", "card-timeout", "pcsc-shared"},
}

// notableOptions are flagged in the summary: they route gpg through Tor,
// hide recipients or keep passphrases cached, and examiners ask about them.
var notableOptions = map[string]string{
	"use-tor":                 "dirmngr fetches keys through Tor",
	"throw-keyids":            "recipients' key IDs are removed from encrypted messages",
	"hidden-encrypt-to":       "messages are also encrypted to a hidden recipient",
	"encrypt-to":              "messages are also encrypted to this key",
	"default-key":             "key used to sign by default",
	"allow-preset-passphrase": "passphrases can be preset into the agent",
	"enable-ssh-support":      "the agent serves SSH keys",
	"max-cache-ttl":           "how long the agent keeps a passphrase",
}

// Config reads GnuPG's configuration files (gpg.conf, gpg-agent.conf,
// dirmngr.conf, common.conf, scdaemon.conf) and sshcontrol.
type Config struct{}

// NewConfig returns the parser.
func NewConfig() *Config { return &Config{} }

func (*Config) Name() string    { return ConfigName }
func (*Config) Version() string { return ConfigVersion }

// Match needs the file name and content both: the name says which option
// set applies, and at least one line of the head must be one of them (or,
// for sshcontrol, a keygrip line).
func (*Config) Match(in *artefacts.Input) bool {
	name := path.Base(in.Path)
	if name == "sshcontrol" {
		for _, l := range bytes.Split(in.Head, []byte("\n")) {
			if f := strings.Fields(string(l)); len(f) > 0 && isKeygrip(strings.TrimPrefix(f[0], "!")) {
				return true
			}
		}
		return false
	}
	opts, ok := configOptions[name]
	if !ok || bytes.IndexByte(in.Head, 0) >= 0 {
		return false
	}
	for _, l := range bytes.Split(in.Head, []byte("\n")) {
		opt, _ := splitOption(string(l))
		for _, o := range opts {
			if opt == o {
				return true
			}
		}
	}
	return false
}

func isKeygrip(s string) bool {
	if len(s) != 40 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'F' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// splitOption splits "option value" (GnuPG also accepts a leading "--" and
// "option=value" is not GnuPG syntax, so it is kept as one word).
func splitOption(l string) (string, string) {
	l = strings.TrimSpace(l)
	if l == "" || l[0] == '#' {
		return "", ""
	}
	l = strings.TrimPrefix(l, "--")
	opt, val, _ := strings.Cut(l, " ")
	if o, v, ok := strings.Cut(opt, "\t"); ok {
		opt, val = o, v+" "+val
	}
	return opt, strings.TrimSpace(val)
}

func (p *Config) Parse(ctx context.Context, in *artefacts.Input, out finding.Sink) error {
	e := &emitter{ctx: ctx, in: in, out: out, parser: ConfigName, version: ConfigVersion}
	name := path.Base(in.Path)
	known := map[string]bool{}
	for _, o := range configOptions[name] {
		known[o] = true
	}
	br := bufio.NewReaderSize(io.NewSectionReader(in.Reader, 0, in.Size), maxConfigLine+1)
	var notable []string
	n, options := 0, 0
	for {
		if n >= maxConfigLines {
			e.warn(in.Ref, "more than "+strconv.Itoa(maxConfigLines)+" lines: the rest was not read")
			break
		}
		line, isPrefix, err := br.ReadLine()
		if err != nil {
			break
		}
		n++
		ref := in.Ref.Record("line", strconv.Itoa(n))
		if isPrefix {
			e.warn(ref, "line longer than GnuPG's 4096-byte limit skipped")
			for isPrefix && err == nil {
				_, isPrefix, err = br.ReadLine()
			}
			continue
		}
		if name == "sshcontrol" {
			f := strings.Fields(string(line))
			if len(f) == 0 || strings.HasPrefix(f[0], "#") {
				continue
			}
			grip := strings.TrimPrefix(f[0], "!")
			if !isKeygrip(grip) {
				e.warn(ref, "not a keygrip line")
				continue
			}
			options++
			e.emit("pgp.ssh_key", ref, finding.S("keygrip", strings.ToUpper(grip)), finding.B("disabled", strings.HasPrefix(f[0], "!")),
				finding.S("ttl_and_flags", strings.Join(f[1:], " ")))
			continue
		}
		opt, val := splitOption(string(line))
		if opt == "" {
			continue
		}
		options++
		attrs := []finding.Attr{finding.S("file", name), finding.S("option", opt), finding.S("value", val), finding.B("known", known[opt])}
		if why, ok := notableOptions[opt]; ok {
			attrs = append(attrs, finding.S("meaning", why))
			notable = append(notable, opt)
		}
		e.emit("pgp.config_option", ref, attrs...)
	}
	e.emit("pgp.config", in.Ref, finding.S("file", name), finding.I("options", int64(options)), finding.S("notable", strings.Join(notable, ",")))
	return e.err
}
