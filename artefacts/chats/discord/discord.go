// Package discord reads Discord's Electron Local Storage for the account:
// the cached user id and e-mail, and whether a login token is stored (and
// whether it is safeStorage-encrypted, prefix "dQw4w9WgXcQ:"), never the
// token itself. Cached messages in the Chromium HTTP cache are not read yet.
package discord

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/loupe-forensics/loupe/artefacts"
	"github.com/loupe-forensics/loupe/artefacts/chats"
	"github.com/loupe-forensics/loupe/artefacts/chats/element/localstorage"
	"github.com/loupe-forensics/loupe/forensic/finding"
)

const client = "discord"

// Parser reads Discord's Local Storage.
type Parser struct{}

// New returns the Discord parser.
func New() *Parser { return &Parser{} }

func (*Parser) Name() string                   { return "chats/discord" }
func (*Parser) Version() string                { return "1" }
func (*Parser) Match(in *artefacts.Input) bool { return localstorage.Match(in) }

// isDiscord is true for the origins of the stable, PTB and Canary builds.
func isDiscord(origin string) bool {
	for _, h := range []string{"https://discord.com", "https://ptb.discord.com", "https://canary.discord.com", "https://discordapp.com"} {
		if origin == h {
			return true
		}
	}
	return false
}

// unquote reads Discord's values, which are JSON strings.
func unquote(v string) string {
	var s string
	if json.Unmarshal([]byte(v), &s) == nil {
		return s
	}
	return v
}

func (p *Parser) Parse(ctx context.Context, in *artefacts.Input, out finding.Sink) error {
	warn := func(m string) { _ = out.Warn(ctx, finding.Warning{Parser: p.Name(), Source: in.Ref, Message: m}) }
	entries, err := localstorage.Read(ctx, in, warn)
	if err != nil {
		return err
	}
	byOrigin := map[string]map[string]string{}
	var origins []string
	for _, e := range entries {
		if !isDiscord(e.Origin) {
			continue
		}
		if byOrigin[e.Origin] == nil {
			byOrigin[e.Origin] = map[string]string{}
			origins = append(origins, e.Origin)
		}
		byOrigin[e.Origin][e.Key] = e.Value
	}
	if len(origins) == 0 {
		return artefacts.ErrWrongFormat
	}
	for _, o := range origins {
		kv := byOrigin[o]
		attrs := []finding.Attr{finding.S(chats.AttrClient, client), finding.S("origin", o)}
		if v := unquote(kv["user_id_cache"]); v != "" {
			attrs = append(attrs, finding.S(chats.AttrAccount, v))
		}
		if v := unquote(kv["email_cache"]); v != "" {
			attrs = append(attrs, finding.S("email", v))
		}
		tok := unquote(kv["token"])
		attrs = append(attrs, finding.B("token_present", tok != ""))
		if tok != "" {
			attrs = append(attrs, finding.B("token_encrypted", strings.HasPrefix(tok, "dQw4w9WgXcQ:")))
		}
		attrs = append(attrs, finding.I("local_storage_keys", int64(len(kv))))
		if err := out.Artefact(ctx, finding.Artefact{Kind: chats.KindAccount, Category: finding.Data, Attrs: attrs,
			Parser: p.Name(), ParserVersion: p.Version(), Source: in.Ref.Record("localstorage", o), SourceSHA256: in.SHA256}); err != nil {
			return err
		}
	}
	return nil
}
