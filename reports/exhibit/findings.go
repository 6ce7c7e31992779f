package exhibit

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/loupe-forensics/loupe/forensic/record"
)

// MaxItems is how many items of one family the exhibit report lists; the
// rest are counted and left to the technical record, which lists them all.
const MaxItems = 40

// family groups artefact kinds under one plain-language heading.
type family struct {
	prefix string // kind prefix, e.g. "tor."
	title  string
	intro  string
	// countOnly families are summarised by counts per kind; listing them
	// would swamp an officer's report (every file typed, every sweep hit).
	countOnly bool
}

// families are the known artefact families in the order the report gives
// them. Kinds under no prefix here are reported by the generic family.
var families = []family{
	{"tor.", "Tor and Tor Browser", "Tor is software for using the internet anonymously and for reaching onion services (sites whose addresses end in .onion). These items show Tor or Tor Browser configuration and use.", false},
	{"wallet.", "Cryptocurrency wallets", "A cryptocurrency wallet holds the keys that control cryptocurrency. These items are wallet files, their keys and the addresses and transactions recorded in them.", false},
	{"coin.", "Cryptocurrency records", "Cryptocurrency records found outside wallet files.", false},
	{"pgp.", "PGP encryption keys", "PGP (GnuPG) keys are used to encrypt and sign messages. A secret key lets its holder decrypt messages sent to it and sign as its owner.", false},
	{"chat.", "Chat and messaging", "Accounts, contacts and messages of chat programs.", false},
	{"notable.", "Files of note", "Files flagged because of what their content looks like, not their name.", false},
	{"identifier.", "Identifiers found anywhere on the disk", "The whole disk (files, the slack space after them, unallocated space and gaps between partitions) was searched for identifiers such as onion addresses, cryptocurrency addresses, PGP keys and e-mail addresses. Every hit was checked (for example by its checksum) before being recorded.", true},
	{"file.", "File types", "Every file was typed from its content.", true},
}

// describe turns one artefact into a plain-English sentence. Unknown kinds
// get their attributes listed.
func describe(a record.StoredArtefact) string {
	m := attrs(a)
	g := func(k string) string { return m[k] }
	switch a.Kind {
	case "tor.onion_service":
		proof := "the secret key found does not prove control of this address"
		if g("proof") == "yes" {
			proof = "the secret key found proves control of this address"
		}
		return fmt.Sprintf("The keys of an onion service with address %s were found in %s; %s.", g("address"), orUnknown(g("folder")), proof)
	case "tor.hidden_service_config":
		return fmt.Sprintf("Tor is configured to run an onion service (%s %s).", g("directive"), g("value"))
	case "tor.onion_auth_dir", "tor.bridge_setting":
		return fmt.Sprintf("Tor configuration line: %s %s.", g("directive"), g("value"))
	case "tor.bridge":
		return fmt.Sprintf("A Tor bridge (%s) at %s is configured.", orUnknown(g("transport")), g("address"))
	case "tor.session_tab":
		return fmt.Sprintf("A %s tab (%s) showing %q at %s, last accessed %s.", orUnknown(g("browser")), g("state"), g("title"), g("url"), orUnknown(g("last_accessed")))
	case "tor.state":
		return fmt.Sprintf("Tor's state file, last written %s by %s.", orUnknown(g("last_written")), orUnknown(g("tor_version")))
	case "tor.pref":
		return fmt.Sprintf("Browser setting %s = %s.", g("name"), g("value"))
	case "wallet.electrum":
		enc := "not encrypted"
		if g("file_encrypted") == "yes" {
			enc = "encrypted with a password"
		}
		return fmt.Sprintf("An Electrum wallet file, %s.", enc)
	case "wallet.keystore":
		return fmt.Sprintf("A wallet keystore (%s); the seed is stored %s and the private key %s.", orUnknown(g("type")), orUnknown(g("seed")), orUnknown(g("xprv")))
	case "wallet.xpub":
		return fmt.Sprintf("An extended public key for %s (%s): %s.", orUnknown(g("coin")), orUnknown(g("script")), g("xpub"))
	case "wallet.address":
		return fmt.Sprintf("%s address %s (%s address %s).", orUnknown(g("coin")), g("address"), orUnknown(g("chain")), g("index"))
	case "wallet.transaction":
		return fmt.Sprintf("A transaction %s labelled %q.", g("txid"), g("label"))
	case "pgp.secret_key":
		return fmt.Sprintf("A PGP secret key (%s %s bits, %s), keygrip %s.", g("algorithm"), g("bits"), orUnknown(g("protection")), g("keygrip"))
	case "pgp.key":
		kind := "public key"
		if g("has_secret") == "yes" {
			kind = "key with its secret part"
		}
		return fmt.Sprintf("A PGP %s, fingerprint %s, created %s.", kind, g("fingerprint"), orUnknown(g("created")))
	case "pgp.uid":
		return fmt.Sprintf("A PGP user identity %q on key %s.", g("uid"), g("fingerprint"))
	case "notable.encrypted_container":
		return fmt.Sprintf("A file that looks like an encrypted container (%s): %s.", g("candidates"), g("reason"))
	}
	if strings.HasPrefix(a.Kind, "identifier.") {
		return fmt.Sprintf("%s %s (%s).", g("type"), g("value"), g("detail"))
	}
	keys := sortedKeys(m)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, k+" = "+m[k])
	}
	return fmt.Sprintf("%s: %s.", a.Kind, strings.Join(parts, "; "))
}

func orUnknown(s string) string {
	if s == "" {
		return "not recorded"
	}
	return s
}

// where says where an item was found, for a reader: the path inside its
// partition, or the provenance reference when there is no path.
func where(a record.StoredArtefact) string {
	if a.Source == nil {
		return a.Ref
	}
	p := a.Source.Path()
	if p == "" {
		return a.Ref
	}
	if n := a.Source.PartitionIndex(); n > 0 {
		return fmt.Sprintf("%s (partition %d)", p, n)
	}
	return p
}

// familyOf returns the index in families of the family a kind belongs to,
// or -1.
func familyOf(kind string) int {
	for i, f := range families {
		if strings.HasPrefix(kind, f.prefix) {
			return i
		}
	}
	return -1
}

// kindCounts counts artefacts per kind, in kind order.
func kindCounts(as []record.StoredArtefact) [][2]string {
	n := map[string]int{}
	for _, a := range as {
		n[a.Kind]++
	}
	keys := sortedKeys(n)
	out := make([][2]string, len(keys))
	for i, k := range keys {
		out[i] = [2]string{k, strconv.Itoa(n[k])}
	}
	return out
}

// grouped splits artefacts by family (plus a trailing generic group), each
// in artefact-ID order.
func grouped(as []record.StoredArtefact) ([][]record.StoredArtefact, []record.StoredArtefact) {
	g := make([][]record.StoredArtefact, len(families))
	var other []record.StoredArtefact
	for _, a := range as {
		if i := familyOf(a.Kind); i >= 0 {
			g[i] = append(g[i], a)
		} else {
			other = append(other, a)
		}
	}
	for _, s := range append(g, other) {
		sort.SliceStable(s, func(i, j int) bool {
			pi, pj := priority(s[i].Kind), priority(s[j].Kind)
			if pi != pj {
				return pi < pj
			}
			return s[i].ID < s[j].ID
		})
	}
	return g, other
}

// listOrder is the order kinds are listed within their family, most telling
// first, so the MaxItems an officer sees are the ones that matter (an onion
// service before a browser setting). Unlisted kinds follow, by kind.
var listOrder = []string{
	"tor.onion_service", "tor.hidden_service_config", "tor.session_tab", "tor.state", "tor.bridge", "tor.bridge_setting", "tor.onion_auth_dir",
	"wallet.electrum", "wallet.keystore", "wallet.transaction", "wallet.xpub",
	"pgp.secret_key", "pgp.key", "pgp.uid",
	"notable.encrypted_container",
}

func priority(kind string) int {
	for i, k := range listOrder {
		if k == kind {
			return i
		}
	}
	switch kind {
	case "tor.pref", "wallet.address":
		return len(listOrder) + 2 // many and plain: last
	}
	return len(listOrder) + 1
}
