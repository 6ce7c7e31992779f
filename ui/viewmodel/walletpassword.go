package viewmodel

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/loupe-forensics/loupe/artefacts/wallets/passwordtrial"
	"github.com/loupe-forensics/loupe/forensic/record"
	"github.com/loupe-forensics/loupe/forensic/scan"
)

// WalletLocked reports whether the record says this artefact belongs to an
// encrypted wallet of a kind the password trial can test: a Bitcoin Core
// wallet (its mkey, or an encrypted key), an Electrum wallet encrypted
// whole or in its keystore, an Ethereum keystore, a MetaMask vault. Other
// encrypted wallets (Exodus, Wasabi, Ledger Live) have no lock to try.
func WalletLocked(a record.StoredArtefact) bool {
	switch a.Kind {
	case "wallet.masterkey":
		return true // a Bitcoin Core mkey record exists only in an encrypted wallet
	case "wallet.bitcoin-core", "wallet.key", "wallet.electrum", "wallet.keystore", "wallet.metamask":
	default:
		return false
	}
	for _, at := range a.Attrs {
		switch at.Name {
		case "encrypted", "use_encryption", "file_encrypted":
			if b, ok := at.Value().(bool); ok && b {
				return true
			}
		}
	}
	return false
}

// WalletPasswordAllowed says whether passwords may be tried in this
// session, and if not, why (for the disabled button): every attempt is
// written to the record, and the wallet is read again from the evidence.
func WalletPasswordAllowed(s *Session) (bool, string) {
	switch {
	case s == nil || s.Record == nil:
		return false, "No examination record is open: the attempts could not be logged."
	case s.ReadOnly:
		return false, "Review mode is read-only: trying passwords writes audit entries, so only the examiner can do it."
	case s.Disk == nil || len(s.EvidencePaths) == 0:
		return false, "The evidence is not open in this session: the wallet is read again from the evidence, so open the record with its images present."
	}
	return true, ""
}

// PasswordListKind is where the candidates come from.
type PasswordListKind int

const (
	PasswordFile   PasswordListKind = iota // a file of passwords found in the investigation
	Wordlist                               // a wordlist, with a chosen cap
	TypedPasswords                         // a handful typed into the dialog
)

// PasswordListKinds are the choices, in the order the dialog shows them.
var PasswordListKinds = []string{
	"Password file (at most 100)",
	"Wordlist (1,000 unless set; at most 100,000)",
	"Typed here (at most 100)",
}

// WalletPasswordCaps explains the caps and the audit to the examiner.
const WalletPasswordCaps = "Caps: a password file or typed passwords, at most 100 candidates; a wordlist, 1,000 unless you " +
	"set its cap, never more than 100,000. A longer list is refused before anything is tried (no brute force). " +
	"One candidate per line; blank lines are skipped. Each attempt is an audit entry with the line number and a " +
	"keyed hash, never the password."

// PasswordListSpec is the examiner's choice of candidates.
type PasswordListSpec struct {
	Kind     PasswordListKind
	Path     string // PasswordFile, Wordlist
	Typed    string // TypedPasswords: one per line
	Max      int    // Wordlist's cap; 0 = passwordtrial.DefaultWordlist
	TryEmpty bool   // try the empty password first (line 0)
}

// Cap is how many candidates the list may hold.
func (p PasswordListSpec) Cap() int {
	switch {
	case p.Kind != Wordlist:
		return passwordtrial.MaxPasswordFile
	case p.Max == 0:
		return passwordtrial.DefaultWordlist
	}
	return p.Max
}

// Load reads the candidates, refusing a list over its cap.
func (p PasswordListSpec) Load() (passwordtrial.List, error) {
	if p.Kind == Wordlist && (p.Max < 0 || p.Max > passwordtrial.MaxWordlist) {
		return passwordtrial.List{}, fmt.Errorf("a wordlist's cap is 1 to %d", passwordtrial.MaxWordlist)
	}
	if p.Kind == TypedPasswords {
		return passwordtrial.Read(strings.NewReader(p.Typed), "the typed passwords", p.Cap(), p.TryEmpty)
	}
	if p.Path == "" {
		return passwordtrial.List{}, errors.New("choose a file first")
	}
	return passwordtrial.ReadFile(p.Path, p.Cap(), p.TryEmpty)
}

// TryWalletPasswords tries the list against the wallet file of the
// artefact, reading it again from the session's evidence and logging every
// attempt in the session's record (see passwordtrial). progress, when set,
// is called after each attempt from a worker goroutine.
func TryWalletPasswords(ctx context.Context, s *Session, artefact int64, list passwordtrial.List, progress func(done, total int)) (*passwordtrial.Result, error) {
	if ok, why := WalletPasswordAllowed(s); !ok {
		return nil, errors.New(why)
	}
	return passwordtrial.Trial{
		Record: s.Record, Artefact: artefact, List: list,
		Sources:  []scan.SourceSpec{{Paths: s.EvidencePaths}},
		Open:     scan.DefaultOpeners(),
		Progress: progress,
	}.Run(ctx)
}

// WalletPasswordOutcome is the dialog's closing sentence for a trial.
func WalletPasswordOutcome(res *passwordtrial.Result, err error) string {
	attempts := func() string {
		if res == nil || res.Attempts == 0 {
			return "no attempt was made"
		}
		return fmt.Sprintf("%d attempt%s logged (audit entries up to #%d)", res.Attempts, plural(res.Attempts), res.Seqs["last_attempt"])
	}
	switch {
	case errors.Is(err, context.Canceled):
		return "Cancelled: " + attempts() + "."
	case errors.Is(err, passwordtrial.ErrEvidenceChanged):
		return "Not tried: " + err.Error() + "."
	case err != nil:
		return "Not tried: " + err.Error() + " (" + attempts() + ")."
	case len(res.Opened) == 0:
		return fmt.Sprintf("Not found: none of the %d candidates opened %s; %s.", res.Candidates, lockNames(res), attempts())
	}
	var b strings.Builder
	for i, o := range res.Opened {
		if i > 0 {
			b.WriteString("\n")
		}
		who := fmt.Sprintf("line %d of the list", o.CandidateLine)
		if o.CandidateLine == 0 {
			who = "the empty password"
		}
		fmt.Fprintf(&b, "Found: %s opened the %s lock (%s).", who, o.Format, o.Detail)
	}
	fmt.Fprintf(&b, "\n%s; the success is audit entry #%d.", strings.ToUpper(attempts()[:1])+attempts()[1:], res.Seqs["found"])
	return b.String()
}

func lockNames(res *passwordtrial.Result) string {
	var n []string
	for _, l := range res.Locks {
		n = append(n, l.Format)
	}
	if len(n) == 0 {
		return "the wallet"
	}
	return strings.Join(n, ", ")
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
