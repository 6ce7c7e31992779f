// Package element reads Element Desktop (Matrix) account metadata from the
// Electron profile's Local Storage (user id, homeserver, identity server,
// device id) and records that an access token is present without copying it.
// Room and event caches live in IndexedDB and the Seshat index is encrypted;
// neither is read here.
package element

import (
	"context"
	"strings"

	"github.com/loupe-forensics/loupe/artefacts"
	"github.com/loupe-forensics/loupe/artefacts/chats"
	"github.com/loupe-forensics/loupe/artefacts/chats/element/localstorage"
	"github.com/loupe-forensics/loupe/forensic/finding"
)

const client = "element"

// Parser reads Element's Local Storage.
type Parser struct{}

// New returns the Element parser.
func New() *Parser { return &Parser{} }

func (*Parser) Name() string                   { return "chats/element" }
func (*Parser) Version() string                { return "1" }
func (*Parser) Match(in *artefacts.Input) bool { return localstorage.Match(in) }

// values copied into the account as they are, by Local Storage key.
var fields = []struct{ key, attr string }{
	{"mx_user_id", chats.AttrAccount}, {"mx_hs_url", "homeserver"}, {"mx_is_url", "identity_server"},
	{"mx_device_id", "device_id"}, {"mx_is_guest", "is_guest"}, {"mx_last_room_id", "last_room_id"},
	{"mx_crypto_initialised", "crypto_initialised"},
}

func (p *Parser) Parse(ctx context.Context, in *artefacts.Input, out finding.Sink) error {
	warn := func(m string) { _ = out.Warn(ctx, finding.Warning{Parser: p.Name(), Source: in.Ref, Message: m}) }
	entries, err := localstorage.Read(ctx, in, warn)
	if err != nil {
		return err
	}
	// Element keeps its session under one origin (vector://vector in the
	// desktop app, the web app's URL otherwise); one account per origin.
	byOrigin := map[string]map[string]string{}
	var origins []string
	for _, e := range entries {
		if !strings.HasPrefix(e.Key, "mx_") {
			continue
		}
		if byOrigin[e.Origin] == nil {
			byOrigin[e.Origin] = map[string]string{}
			origins = append(origins, e.Origin)
		}
		byOrigin[e.Origin][e.Key] = e.Value
	}
	found := false
	for _, o := range origins {
		kv := byOrigin[o]
		if kv["mx_user_id"] == "" && kv["mx_hs_url"] == "" {
			continue
		}
		found = true
		attrs := []finding.Attr{finding.S(chats.AttrClient, client), finding.S("origin", o)}
		for _, f := range fields {
			if v, ok := kv[f.key]; ok && v != "" {
				attrs = append(attrs, finding.S(f.attr, v))
			}
		}
		// The access token logs in as the user: presence only.
		attrs = append(attrs, finding.B("access_token_present", kv["mx_access_token"] != ""))
		if err := out.Artefact(ctx, finding.Artefact{Kind: chats.KindAccount, Category: finding.Data, Attrs: attrs,
			Parser: p.Name(), ParserVersion: p.Version(), Source: in.Ref.Record("localstorage", o), SourceSHA256: in.SHA256}); err != nil {
			return err
		}
	}
	if !found {
		return artefacts.ErrWrongFormat
	}
	return nil
}
