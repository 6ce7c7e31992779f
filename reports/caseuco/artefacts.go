package caseuco

import (
	"context"
	"fmt"
	"strings"

	"github.com/loupe-forensics/loupe/forensic/finding"
	"github.com/loupe-forensics/loupe/forensic/record"
	"github.com/loupe-forensics/loupe/forensic/source"
)

// observable is one UCO observable an artefact maps to.
type observable struct {
	class, facet, prop, value string
	note                      string // added to the description (coin, network)
	display                   string // a DigitalAccountFacet displayName, for chat accounts
}

// coinKinds are the sweep's cryptocurrency address kinds.
var coinKinds = map[string]bool{
	"identifier.btc": true, "identifier.ltc": true, "identifier.doge": true,
	"identifier.eth": true, "identifier.xmr": true,
}

func str(a record.StoredArtefact, name string) string {
	for _, at := range a.Attrs {
		if at.Name == name && at.Type == finding.TString {
			return at.Str
		}
	}
	return ""
}

func url(v string) observable {
	return observable{class: "uco-observable:URL", facet: "uco-observable:URLFacet", prop: "uco-observable:fullValue", value: v}
}

func domain(v string) observable {
	return observable{class: "uco-observable:DomainName", facet: "uco-observable:DomainNameFacet", prop: "uco-observable:value", value: v}
}

func email(v string) observable {
	return observable{class: "uco-observable:EmailAddress", facet: "uco-observable:EmailAddressFacet", prop: "uco-observable:addressValue", value: v}
}

func account(v, coin, network string) observable {
	note := strings.TrimSpace(coin + " " + network)
	if note != "" {
		note = "cryptocurrency address (" + note + ")"
	} else {
		note = "cryptocurrency address"
	}
	return observable{class: "uco-observable:DigitalAccount", facet: "uco-observable:AccountFacet", prop: "uco-observable:accountIdentifier", value: v, note: note}
}

// chatAccount is an account in a chat application: the examinee's own
// (chat.account) or a contact's (chat.contact).
func chatAccount(a record.StoredArtefact, idAttr, role string) observable {
	note := strings.TrimSpace(role + " on " + str(a, "client"))
	if p := str(a, "protocol"); p != "" {
		note += " (" + p + ")"
	}
	return observable{class: "uco-observable:ApplicationAccount", facet: "uco-observable:AccountFacet",
		prop: "uco-observable:accountIdentifier", value: str(a, idAttr), note: note, display: str(a, "name")}
}

// observablesOf maps an artefact to the observables UCO has classes for.
func observablesOf(a record.StoredArtefact) []observable {
	var out []observable
	add := func(o observable) {
		if o.value != "" {
			out = append(out, o)
		}
	}
	switch {
	case a.Kind == "identifier.url":
		add(url(str(a, "value")))
	case strings.HasPrefix(a.Kind, "identifier.onion"):
		add(domain(str(a, "value")))
	case a.Kind == "identifier.email":
		add(email(str(a, "value")))
	case coinKinds[a.Kind]:
		add(account(str(a, "value"), str(a, "coin"), str(a, "network")))
	case a.Kind == "wallet.address":
		add(account(str(a, "address"), str(a, "coin"), str(a, "network")))
	case a.Kind == "tor.onion_service":
		add(domain(str(a, "address")))
	case a.Kind == "chat.account":
		add(chatAccount(a, "account", "chat account"))
		add(email(str(a, "email")))
	case a.Kind == "chat.contact":
		add(chatAccount(a, "contact", "chat contact"))
	case strings.HasPrefix(a.Kind, "identifier."):
		// keys, seeds, fingerprints, armour: no UCO class.
	default:
		// Parsers name URLs and e-mail addresses "url" and "email"
		// (Tor Browser history, session tabs, bookmarks; PGP user IDs).
		add(url(str(a, "url")))
		add(email(str(a, "email")))
	}
	return out
}

// fileInfo is a source file as the record knows it.
type fileInfo struct {
	step   *source.Ref
	key    string
	sha256 string
	size   int64
	sized  bool
}

// artefacts adds the source files and observables of every non-sensitive
// artefact and returns, per run, the nodes the run produced.
func (b *builder) artefacts(ctx context.Context, sensitive map[int64]bool) (map[int64][]string, error) {
	results := map[int64][]string{}
	files := map[string]*fileInfo{}
	var order []*fileInfo
	fileInRun := map[string]bool{}
	ids := source.EntryIndex{}
	for a, err := range b.rec.Artefacts(ctx, "") {
		if err != nil {
			return nil, fmt.Errorf("caseuco: artefacts: %w", err)
		}
		if step := fileStep(a.Source); step != nil {
			ids.Note(step)
		}
	}
	for a, err := range b.rec.Artefacts(ctx, "") {
		if err != nil {
			return nil, fmt.Errorf("caseuco: artefacts: %w", err)
		}
		if sensitive[a.ID] {
			continue
		}
		derived := ""
		if step := fileStep(a.Source); step != nil {
			step = ids.Resolve(step)
			key := step.String()
			f := files[key]
			if f == nil {
				f = &fileInfo{step: step, key: key}
				files[key] = f
				order = append(order, f)
			}
			if f.sha256 == "" && isHex(a.SourceSHA256, 32) {
				f.sha256 = a.SourceSHA256
			}
			if a.Kind == "file.type" && a.Source.String() == key && !f.sized {
				if at, ok := (&finding.Artefact{Attrs: a.Attrs}).Get("size"); ok && at.Type == finding.TInt {
					f.size, f.sized = at.Int, true
				}
			}
			derived = b.g.id("file", key)
			if rk := fmt.Sprintf("%d\x00%s", a.RunID, key); !fileInRun[rk] {
				fileInRun[rk] = true
				results[a.RunID] = append(results[a.RunID], derived)
			}
		} else if a.Source != nil {
			derived = b.imageOf(a.Source)
		}
		for i, o := range observablesOf(a) {
			key := fmt.Sprintf("artefact\x00%d\x00%d", a.ID, i)
			facet := b.g.id("facet", key)
			b.g.add(node{"@id": facet, "@type": o.facet, o.prop: o.value})
			facets := []string{facet}
			if o.display != "" {
				df := b.g.id("display-facet", key)
				b.g.add(node{"@id": df, "@type": "uco-observable:DigitalAccountFacet", "uco-observable:displayName": o.display})
				facets = append(facets, df)
			}
			desc := fmt.Sprintf("%s, artefact %d by %s@%s", a.Kind, a.ID, a.Parser, a.ParserVersion)
			if o.note != "" {
				desc = o.note + "; " + desc
			}
			if a.Source != nil {
				desc += "\nprovenance: " + a.Source.String()
			}
			id := b.g.id("observable", key)
			n := node{"@id": id, "@type": o.class, "uco-core:hasFacet": refs(facets), "uco-core:description": desc}
			if derived != "" {
				n["case-investigation:wasDerivedFrom"] = ref(derived)
			}
			b.g.add(n)
			results[a.RunID] = append(results[a.RunID], id)
		}
	}
	for _, f := range order {
		b.file(f)
	}
	return results, nil
}

// file adds a source file with its FileFacet and ContentDataFacet.
func (b *builder) file(f *fileInfo) {
	path := fileName(f.step)
	ff := b.g.id("file-facet", f.key)
	ffn := node{"@id": ff, "@type": "uco-observable:FileFacet", "uco-observable:filePath": path, "uco-observable:fileName": baseName(path)}
	if f.sized {
		ffn["uco-observable:sizeInBytes"] = f.size
	}
	b.g.add(ffn)
	facets := []string{ff}
	if f.sha256 != "" || f.sized {
		cf := b.g.id("content-facet", f.key)
		cn := node{"@id": cf, "@type": "uco-observable:ContentDataFacet"}
		if f.sized {
			cn["uco-observable:sizeInBytes"] = f.size
		}
		if hs := b.g.hashNodes(f.key, digests{SHA256: f.sha256}); len(hs) > 0 {
			cn["uco-observable:hash"] = refs(hs)
		}
		b.g.add(cn)
		facets = append(facets, cf)
	}
	n := node{
		"@id": b.g.id("file", f.key), "@type": "uco-observable:File",
		"uco-core:description": "provenance: " + f.key,
		"uco-core:hasFacet":    refs(facets),
	}
	if img := b.imageOf(f.step); img != "" {
		n["case-investigation:wasDerivedFrom"] = ref(img)
	}
	b.g.add(n)
}
