package pgp

import (
	"context"
	"sort"
	"strconv"
	"strings"

	"github.com/loupe-forensics/loupe/artefacts"
	"github.com/loupe-forensics/loupe/forensic/finding"
	"github.com/loupe-forensics/loupe/forensic/source"
)

// Linker names and version.
const (
	LinkerName    = "pgp/link"
	LinkerVersion = "1"
)

// Bounds on what the linker keeps. A real exhibit has tens of keys and a
// few thousand mentions; anything far beyond is hostile or a carved mess,
// and is cut with a warning rather than allowed to grow without limit.
const (
	maxLinkKeys      = 100000
	maxMentions      = 500000
	maxAttrScan      = 64 << 10 // bytes of one attribute value searched for tokens
	maxTokensPerAttr = 256
)

// Linker joins what the other parsers found about OpenPGP keys across the
// whole exhibit: every place a key appears (keybox, legacy ring, armoured
// export), the secret-key files whose keygrip belongs to it wherever they
// are, and every other artefact whose text names the key's fingerprint,
// its 16-digit key ID or one of its UID e-mail addresses (chat messages,
// wallet labels, form history, trust databases, …). It writes one
// pgp.identity per primary key and one pgp.link per connection, each link
// anchored at the place of the mention.
type Linker struct{}

// NewLinker returns the correlator.
func NewLinker() *Linker { return &Linker{} }

func (*Linker) Name() string                { return LinkerName }
func (*Linker) Version() string             { return LinkerVersion }
func (*Linker) Match(*artefacts.Input) bool { return false }
func (*Linker) Parse(context.Context, *artefacts.Input, finding.Sink) error {
	return artefacts.ErrWrongFormat
}

// Correlation returns one run's linking state.
func (*Linker) Correlation() artefacts.Correlation {
	return &linkState{keys: map[string]*linkKey{}, grips: map[string][]secretSeen{}, tokens: map[string][]mention{}}
}

// linkKey is one primary key as seen anywhere on the exhibit.
type linkKey struct {
	fpr, keyID  string
	subFprs     map[string]string // subkey fingerprint -> key ID
	grips       map[string]bool   // primary and subkey keygrips
	emails      map[string]bool
	uids        map[string]bool
	appearances map[string]*source.Ref // canonical ref -> ref
	ringSecrets []secretSeen           // secret key packets of the primary (rings, exports)
}

type secretSeen struct {
	ref, protection, mode string
	src                   *source.Ref
}

// mention is one artefact attribute holding a token (a normalised e-mail,
// fingerprint or key ID).
type mention struct {
	ref, kind, attr string
	src             *source.Ref
}

type linkState struct {
	keys      map[string]*linkKey // by primary fingerprint
	grips     map[string][]secretSeen
	tokens    map[string][]mention
	nMentions int
	cut       []string
}

func (s *linkState) key(fpr string) *linkKey {
	k := s.keys[fpr]
	if k == nil {
		if len(s.keys) >= maxLinkKeys {
			s.note("more than " + strconv.Itoa(maxLinkKeys) + " keys: the rest are not linked")
			return nil
		}
		k = &linkKey{fpr: fpr, subFprs: map[string]string{}, grips: map[string]bool{}, emails: map[string]bool{},
			uids: map[string]bool{}, appearances: map[string]*source.Ref{}}
		s.keys[fpr] = k
	}
	return k
}

func (s *linkState) note(msg string) {
	for _, m := range s.cut {
		if m == msg {
			return
		}
	}
	s.cut = append(s.cut, msg)
}

func attrStr(a finding.Artefact, name string) string {
	v, _ := a.Get(name)
	return v.Str
}

func (s *linkState) Observe(a finding.Artefact) {
	ref := a.Source.String()
	switch a.Kind {
	case "pgp.key":
		fpr := strings.ToUpper(attrStr(a, "fingerprint"))
		if fpr == "" {
			return
		}
		if k := s.key(fpr); k != nil {
			k.keyID = strings.ToUpper(attrStr(a, "key_id"))
			if g := attrStr(a, "keygrip"); g != "" {
				k.grips[strings.ToUpper(g)] = true
			}
			k.appearances[ref] = a.Source
			// A secret key packet in a ring or armoured export is a copy of
			// the secret too (a GNU dummy stub is not: its primary is absent).
			if sp, _ := a.Get("secret_packet"); sp.Bool {
				if prot := packetProtection(attrStr(a, "secret_packet_protection")); prot != "" {
					k.ringSecrets = append(k.ringSecrets, secretSeen{ref: ref, src: a.Source, protection: prot, mode: attrStr(a, "secret_packet_protection")})
				}
			}
		}
		return
	case "pgp.subkey":
		pf := strings.ToUpper(attrStr(a, "primary_fingerprint"))
		if pf == "" {
			return
		}
		if k := s.key(pf); k != nil {
			if f := strings.ToUpper(attrStr(a, "fingerprint")); f != "" {
				k.subFprs[f] = strings.ToUpper(attrStr(a, "key_id"))
			}
			if g := attrStr(a, "keygrip"); g != "" {
				k.grips[strings.ToUpper(g)] = true
			}
		}
		return
	case "pgp.uid":
		fpr := strings.ToUpper(attrStr(a, "fingerprint"))
		if fpr == "" {
			return
		}
		if k := s.key(fpr); k != nil {
			if e := strings.ToLower(attrStr(a, "email")); e != "" {
				k.emails[e] = true
			}
			if u := attrStr(a, "uid"); u != "" {
				k.uids[u] = true
			}
		}
		// Certifications by other keys link the certifier to this UID.
		for _, id := range strings.Split(attrStr(a, "certified_by"), ",") {
			if id = strings.ToUpper(strings.TrimSpace(id)); len(id) == 16 && s.nMentions < maxMentions {
				s.nMentions++
				s.tokens[id] = append(s.tokens[id], mention{ref: ref, src: a.Source, kind: a.Kind, attr: "certified_by"})
			}
		}
		return
	case "pgp.secret_key":
		if g := strings.ToUpper(attrStr(a, "keygrip")); g != "" {
			s.grips[g] = append(s.grips[g], secretSeen{ref: ref, src: a.Source, protection: attrStr(a, "protection"), mode: attrStr(a, "protection_mode")})
		}
		return
	}
	// Any other artefact: remember the tokens its text attributes hold.
	for _, at := range a.Attrs {
		if at.Type != finding.TString || at.Str == "" {
			continue
		}
		v := at.Str
		if len(v) > maxAttrScan {
			v = v[:maxAttrScan]
		}
		for _, t := range tokens(v, maxTokensPerAttr) {
			if s.nMentions >= maxMentions {
				s.note("more than " + strconv.Itoa(maxMentions) + " candidate mentions: the rest are not linked")
				return
			}
			s.nMentions++
			s.tokens[t] = append(s.tokens[t], mention{ref: ref, src: a.Source, kind: a.Kind, attr: at.Name})
		}
	}
}

// tokens returns the e-mail addresses (lower-cased) and the free-standing
// 16- and 40-digit hexadecimal numbers (upper-cased; a fingerprint written
// in gpg's groups of four with single spaces is joined first) in v.
func tokens(v string, limit int) []string {
	var out []string
	seen := map[string]bool{}
	add := func(t string) {
		if !seen[t] && len(out) < limit {
			seen[t] = true
			out = append(out, t)
		}
	}
	// Hex runs; a run may be split into groups of 4 by single spaces.
	isHex := func(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }
	isWord := func(c byte) bool { return isHex(c) || c >= 'g' && c <= 'z' || c >= 'G' && c <= 'Z' || c == '_' }
	for i := 0; i < len(v) && len(out) < limit; {
		if !isHex(v[i]) || (i > 0 && isWord(v[i-1]) && !(i >= 2 && v[i-2] == '0' && (v[i-1] == 'x' || v[i-1] == 'X'))) {
			i++
			continue
		}
		var b strings.Builder
		j := i
		for j < len(v) {
			k := j
			for k < len(v) && isHex(v[k]) {
				k++
			}
			b.WriteString(v[j:k])
			// Continue over "XXXX XXXX" grouping (gpg prints fingerprints so).
			if k-j == 4 && k+5 <= len(v) && v[k] == ' ' && isHex(v[k+1]) && isHex(v[k+2]) && isHex(v[k+3]) && isHex(v[k+4]) &&
				(k+5 == len(v) || !isHex(v[k+5]) || (k+6 <= len(v) && v[k+5] == ' ')) {
				j = k + 1
				continue
			}
			if k-j == 4 && k+2 <= len(v) && v[k] == ' ' && v[k+1] == ' ' { // gpg's double space between the halves
				j = k + 2
				if j < len(v) && isHex(v[j]) {
					continue
				}
			}
			j = k
			break
		}
		if j >= len(v) || !isWord(v[j]) {
			if t := strings.ToUpper(b.String()); len(t) == 16 || len(t) == 40 {
				add(t)
			}
		}
		i = j + 1
	}
	// E-mail addresses: local@domain with a dot in the domain.
	for i := 0; i < len(v) && len(out) < limit; i++ {
		if v[i] != '@' {
			continue
		}
		l := i
		for l > 0 && isMailLocal(v[l-1]) {
			l--
		}
		r := i + 1
		for r < len(v) && isMailDomain(v[r]) {
			r++
		}
		dom := strings.TrimRight(v[i+1:r], ".-")
		if l < i && strings.Contains(dom, ".") {
			add(strings.ToLower(v[l:i] + "@" + dom))
		}
	}
	return out
}

func isMailLocal(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte(".!#$%&'*+/=?^_`{|}~-", c) >= 0
}

func isMailDomain(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-'
}

// link is one output link before sorting.
type link struct {
	fpr, how, value string
	m               mention
}

func (s *linkState) Finish(ctx context.Context, out finding.Sink) error {
	fprs := make([]string, 0, len(s.keys))
	for f := range s.keys {
		fprs = append(fprs, f)
	}
	sort.Strings(fprs)
	for _, msg := range s.cut {
		_ = out.Warn(ctx, finding.Warning{Parser: LinkerName, Message: msg})
	}
	for _, fpr := range fprs {
		if err := ctx.Err(); err != nil {
			return err
		}
		k := s.keys[fpr]
		if len(k.appearances) == 0 {
			continue // only subkeys or UIDs seen: no primary key packet to anchor to
		}
		var links []link
		byToken := func(tok, how string) {
			for _, m := range s.tokens[tok] {
				links = append(links, link{fpr: fpr, how: how, value: tok, m: m})
			}
		}
		byToken(fpr, "fingerprint")
		if k.keyID != "" {
			byToken(k.keyID, "key_id")
		}
		for sf, sid := range k.subFprs {
			byToken(sf, "subkey_fingerprint")
			if sid != "" {
				byToken(sid, "subkey_key_id")
			}
		}
		for e := range k.emails {
			byToken(e, "uid_email")
		}
		var secrets []secretSeen
		for g := range k.grips {
			for _, sc := range s.grips[g] {
				secrets = append(secrets, sc)
				links = append(links, link{fpr: fpr, how: "secret_key_file", value: g, m: mention{ref: sc.ref, src: sc.src, kind: "pgp.secret_key", attr: "keygrip"}})
			}
		}
		for _, sc := range k.ringSecrets {
			secrets = append(secrets, sc)
			links = append(links, link{fpr: fpr, how: "secret_key_packet", value: fpr, m: mention{ref: sc.ref, src: sc.src, kind: "pgp.key", attr: "secret_packet"}})
		}
		sort.Slice(secrets, func(i, j int) bool { return secrets[i].ref < secrets[j].ref })
		sort.Slice(links, func(i, j int) bool {
			a, b := links[i], links[j]
			if a.how != b.how {
				return a.how < b.how
			}
			if a.m.ref != b.m.ref {
				return a.m.ref < b.m.ref
			}
			if a.m.attr != b.m.attr {
				return a.m.attr < b.m.attr
			}
			return a.value < b.value
		})
		places := sortedKeys(k.appearances)
		keyRef := places[0]
		// Secret protection across the exhibit: unprotected beats protected
		// beats a card stub, since the weakest copy is what matters.
		protection := "none found"
		for _, sc := range secrets {
			if rank := protRank(sc.protection); rank > protRank(protection) {
				protection = sc.protection
			}
		}
		attrs := []finding.Attr{
			finding.S("fingerprint", fpr), finding.S("key_id", k.keyID),
			finding.S("uids", strings.Join(sortedKeys(k.uids), "\n")),
			finding.S("emails", strings.Join(sortedKeys(k.emails), "\n")),
			finding.I("appearances", int64(len(places))), finding.S("appearance_refs", strings.Join(places, "\n")),
			finding.B("secret_on_exhibit", len(secrets) > 0), finding.I("secret_key_files", int64(len(secrets))),
			finding.S("secret_protection", protection),
			finding.I("links", int64(len(links))),
		}
		if err := out.Artefact(ctx, finding.Artefact{Kind: "pgp.identity", Category: finding.Analysis, Attrs: attrs,
			Parser: LinkerName, ParserVersion: LinkerVersion, Source: k.appearances[keyRef]}); err != nil {
			return err
		}
		for _, l := range links {
			la := []finding.Attr{
				finding.S("fingerprint", fpr), finding.S("key_id", k.keyID), finding.S("link", l.how), finding.S("value", l.value),
				finding.S("linked_kind", l.m.kind), finding.S("linked_attr", l.m.attr), finding.S("linked_ref", l.m.ref),
				finding.S("key_ref", keyRef),
			}
			if err := out.Artefact(ctx, finding.Artefact{Kind: "pgp.link", Category: finding.Analysis, Attrs: la,
				Parser: LinkerName, ParserVersion: LinkerVersion, Source: l.m.src}); err != nil {
				return err
			}
		}
	}
	return nil
}

// packetProtection maps an OpenPGP secret packet's protection (as the
// keyring parser names it) onto the agent file's terms; "" for a stub.
func packetProtection(p string) string {
	switch p {
	case "none":
		return "unprotected"
	case "gnu-dummy", "":
		return ""
	case "gnu-divert-to-card":
		return "card"
	}
	return "protected"
}

func protRank(p string) int {
	switch p {
	case "unprotected":
		return 3
	case "protected":
		return 2
	case "shadowed", "card":
		return 1
	}
	return 0
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
