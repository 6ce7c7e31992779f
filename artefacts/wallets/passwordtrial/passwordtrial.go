// Package passwordtrial tries passwords the examiner found during the
// investigation against one encrypted wallet already in an examination
// record, writing every attempt to the record's audit chain. It is the core
// shared by `loupe-cli wallet-password` and the desktop app's "Try
// passwords…" dialog, so both audit exactly alike.
//
// The artefact names the wallet file (any artefact of it will do: the
// summary, a key, an address); the file is read again from the evidence
// (checked against the SHA-256 the record holds) and its encrypted parts
// (Electrum file or keystore, Ethereum keystore, MetaMask vault, Bitcoin Core
// mkey; see wallets.Locks) are tried with each candidate.
//
// Nothing is brute-forced: a password file (or a handful typed in) takes at
// most MaxPasswordFile candidates and a wordlist at most a chosen cap
// (DefaultWordlist, never more than MaxWordlist); a longer list is refused
// before anything is tried. Each KDF is slow by design, and a real
// dictionary attack belongs on dedicated hardware.
//
// Audit: a "wallet.password-session" entry (artefact, file, list SHA-256 and
// size, locks), then one "wallet.password-attempt" entry per candidate and
// lock, then "wallet.password-found" for a success. Candidates never enter
// the record: each is identified by its line number in the list (0 for the
// empty password) and an HMAC-SHA256 keyed with "loupe-wallet-password-v1\n"
// + the record ID, so a reviewer holding the list can confirm which line
// opened the wallet, but the record alone does not reveal it (nor link it
// across records).
package passwordtrial

import (
	"bufio"
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/loupe-forensics/loupe/artefacts"
	"github.com/loupe-forensics/loupe/artefacts/wallets"
	"github.com/loupe-forensics/loupe/forensic/finding"
	"github.com/loupe-forensics/loupe/forensic/record"
	"github.com/loupe-forensics/loupe/forensic/scan"
	"github.com/loupe-forensics/loupe/forensic/source"
)

// The caps on a list's candidates (non-empty lines).
const (
	MaxPasswordFile = 100    // a password file, or passwords typed in
	DefaultWordlist = 1000   // a wordlist when no cap is chosen
	MaxWordlist     = 100000 // the highest cap a wordlist may be given
)

// maxLine bounds one candidate: a line is a password, so 4 KiB is generous,
// and with the cap on lines it bounds the whole read.
const maxLine = 4096

// Candidate is one password and its line in the list (0: the empty
// password added on request).
type Candidate struct {
	Password string
	Line     int
}

// List is a list of candidates and the SHA-256 of the bytes it was read
// from (recorded, so the list used can be identified later).
type List struct {
	Candidates []Candidate
	SHA256     string
}

// ReadFile reads one candidate per line of the file at p; see Parse.
func ReadFile(p string, limit int, tryEmpty bool) (List, error) {
	f, err := os.Open(p)
	if err != nil {
		return List{}, err
	}
	defer f.Close()
	return Read(f, p, limit, tryEmpty)
}

// Read reads one candidate per line (trailing CR/LF removed; empty lines
// skipped), refusing a list of more than limit candidates before anything
// is tried. tryEmpty adds the empty password first, as line 0. name says
// where the list came from, for errors.
func Read(r io.Reader, name string, limit int, tryEmpty bool) (List, error) {
	if limit < 1 || limit > MaxWordlist {
		return List{}, fmt.Errorf("a list's cap is 1 to %d, not %d", MaxWordlist, limit)
	}
	data, err := io.ReadAll(io.LimitReader(r, int64(limit+1)*maxLine))
	if err != nil {
		return List{}, fmt.Errorf("read %s: %w", name, err)
	}
	sum := sha256.Sum256(data)
	var out []Candidate
	if tryEmpty {
		out = append(out, Candidate{})
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, maxLine), maxLine)
	n := 0
	for sc.Scan() {
		n++
		line := string(bytes.TrimRight(sc.Bytes(), "\r"))
		if line == "" {
			continue
		}
		if len(out) >= limit {
			return List{}, fmt.Errorf("%s holds more than %d candidates; this command tries passwords found in the investigation, it does not brute-force", name, limit)
		}
		out = append(out, Candidate{Password: line, Line: n})
	}
	if err := sc.Err(); err != nil {
		return List{}, fmt.Errorf("%s: %w (a line over %d bytes?)", name, err, maxLine)
	}
	if len(out) == 0 {
		return List{}, fmt.Errorf("%s holds no candidates", name)
	}
	return List{Candidates: out, SHA256: hex.EncodeToString(sum[:])}, nil
}

// CandidateHMAC identifies a candidate in the audit without revealing it.
func CandidateHMAC(recordID, candidate string) string {
	m := hmac.New(sha256.New, []byte("loupe-wallet-password-v1\n"+recordID))
	m.Write([]byte(candidate))
	return hex.EncodeToString(m.Sum(nil))
}

// Lock describes one encrypted part of the wallet that was tried.
type Lock struct {
	Format string `json:"format"`
	Source string `json:"source"`
	KDF    string `json:"kdf"`
}

// Opened is one lock a candidate opened.
type Opened struct {
	Format        string `json:"format"`
	Source        string `json:"source"`
	CandidateLine int    `json:"candidate_line"` // 0 for the empty password
	CandidateHMAC string `json:"candidate_hmac"`
	Detail        string `json:"detail"`
}

// Result is what a trial did; its JSON is `loupe-cli wallet-password`'s output.
type Result struct {
	Artefact   int64            `json:"artefact"`
	File       string           `json:"file"`
	ListSHA256 string           `json:"list_sha256"`
	Candidates int              `json:"candidates"`
	Locks      []Lock           `json:"locks"`
	Attempts   int              `json:"attempts"`
	Opened     []Opened         `json:"opened"`
	Errors     []string         `json:"errors,omitempty"`
	Seqs       map[string]int64 `json:"audit_seq"`
}

// Errors a caller may tell apart.
var (
	// ErrEvidenceChanged: the wallet file's SHA-256 is not the one recorded.
	ErrEvidenceChanged = errors.New("the evidence file differs from the one recorded")
	// ErrNothingEncrypted: the file holds no lock this package can try.
	ErrNothingEncrypted = errors.New("nothing encrypted")
	// ErrNotInEvidence: the wallet file was not found in the evidence given.
	ErrNotInEvidence = errors.New("not in the evidence given")
)

// Trial is one examiner-requested trial of a list against one artefact's
// wallet file.
type Trial struct {
	Record   *record.Record // open for writing: every attempt is logged
	Artefact int64
	List     List
	Sources  []scan.SourceSpec // the evidence the record was made from
	Open     scan.Openers
	WorkDir  string // scan scratch ("" = the system temp dir)
	// Progress, when set, is called after each logged attempt with the
	// attempts made and the most there can be (candidates × locks; fewer
	// are made when a lock opens early). It runs on a scan worker.
	Progress func(done, total int)
}

// Run tries the list. The Result holds what was done even when an error
// ends the trial early (a cancelled ctx, a changed evidence file); every
// attempt it counts is in the audit chain.
func (t Trial) Run(ctx context.Context) (*Result, error) {
	if t.Record == nil {
		return nil, errors.New("no record to audit the attempts in")
	}
	if len(t.List.Candidates) == 0 {
		return nil, errors.New("no candidates to try")
	}
	art, err := FindArtefact(ctx, t.Record, t.Artefact)
	if err != nil {
		return nil, err
	}
	file := FileStep(art.Source)
	if file == nil {
		return nil, fmt.Errorf("artefact %d has no file in its provenance (%s)", t.Artefact, art.Ref)
	}
	res := &Result{Artefact: t.Artefact, File: file.String(), ListSHA256: t.List.SHA256, Candidates: len(t.List.Candidates),
		Locks: []Lock{}, Opened: []Opened{}, Seqs: map[string]int64{}}
	tr := &trier{t: t, res: res, fileRef: file.String(), wantSHA: art.SourceSHA256}
	reg, err := artefacts.NewRegistry(tr)
	if err != nil {
		return nil, err
	}
	s, err := scan.New(scan.Config{Registry: reg, Open: t.Open, WorkDir: t.WorkDir})
	if err != nil {
		return nil, err
	}
	var col finding.Collector
	cerr := s.Collect(ctx, t.Sources, &col)
	// Collect has waited for its workers: tr is settled.
	switch {
	case tr.err != nil:
		return res, tr.err
	case cerr != nil && tr.found:
		return res, fmt.Errorf("after %d attempts: %w", res.Attempts, cerr)
	case cerr != nil:
		return nil, cerr
	case !tr.found:
		return nil, fmt.Errorf("%s is %w", file, ErrNotInEvidence)
	}
	return res, nil
}

// FindArtefact reads one artefact back from the record.
func FindArtefact(ctx context.Context, rec *record.Record, id int64) (record.StoredArtefact, error) {
	for a, err := range rec.Artefacts(ctx, "") {
		if err != nil {
			return record.StoredArtefact{}, err
		}
		if a.ID == id {
			return a, nil
		}
	}
	return record.StoredArtefact{}, fmt.Errorf("no artefact %d in the record", id)
}

// FileStep is the deepest file (entry or stream) step of a provenance chain.
func FileStep(r *source.Ref) *source.Ref {
	for s := r; s != nil; s = s.Parent {
		if s.Type == source.TypeEntry || s.Type == source.TypeStream {
			return s
		}
	}
	return nil
}

// trier is a one-file "parser" the scan offers every file to: it matches
// only the wallet file named by the artefact, and there tries the
// candidates against its locks, logging each attempt as it is made.
type trier struct {
	t       Trial
	res     *Result
	fileRef string
	wantSHA string

	mu    sync.Mutex
	found bool
	err   error
}

func (*trier) Name() string    { return "wallet-password" }
func (*trier) Version() string { return "1" }

func (p *trier) Match(in *artefacts.Input) bool { return in.Ref.String() == p.fileRef }

func (p *trier) Parse(ctx context.Context, in *artefacts.Input, _ finding.Sink) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.found {
		return nil
	}
	p.found = true
	p.err = p.try(ctx, in)
	return nil
}

func (p *trier) try(ctx context.Context, in *artefacts.Input) error {
	rec, res, cands := p.t.Record, p.res, p.t.List.Candidates
	if p.wantSHA != "" && in.SHA256 != p.wantSHA {
		return fmt.Errorf("%w: %s has SHA-256 %s, the record says %s", ErrEvidenceChanged, p.fileRef, in.SHA256, p.wantSHA)
	}
	locks, err := wallets.Locks(ctx, in)
	if err != nil {
		return fmt.Errorf("read the wallet's encrypted parts: %w", err)
	}
	if len(locks) == 0 {
		return fmt.Errorf("%s holds %w that this command can try", p.fileRef, ErrNothingEncrypted)
	}
	for _, l := range locks {
		res.Locks = append(res.Locks, Lock{Format: l.Format, Source: l.Source.String(), KDF: l.KDF})
	}
	seq, err := rec.Log(ctx, "wallet.password-session", map[string]any{
		"artefact": p.t.Artefact, "file": p.fileRef, "file_sha256": in.SHA256, "list_sha256": res.ListSHA256,
		"candidates": len(cands), "locks": res.Locks,
	})
	if err != nil {
		return err
	}
	res.Seqs["session"] = seq
	total := len(cands) * len(locks)
	for _, l := range locks {
		for _, c := range cands {
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("stopped after %d attempts: %w", res.Attempts, err)
			}
			h := CandidateHMAC(rec.ID(), c.Password)
			opened, detail, terr := l.Try(c.Password)
			result := "not opened"
			switch {
			case terr != nil:
				result = "error: " + terr.Error()
			case opened:
				result = "opened"
			}
			seq, err := rec.Log(ctx, "wallet.password-attempt", map[string]any{
				"artefact": p.t.Artefact, "lock": l.Format, "lock_source": l.Source.String(),
				"candidate_line": c.Line, "candidate_hmac": h, "result": result,
			})
			if err != nil {
				return err
			}
			res.Attempts++
			res.Seqs["last_attempt"] = seq
			if p.t.Progress != nil {
				p.t.Progress(res.Attempts, total)
			}
			if terr != nil {
				res.Errors = append(res.Errors, fmt.Sprintf("%s: %v", l.Format, terr))
				break // the lock cannot be tried at all; the next candidate would fail the same way
			}
			if opened {
				seq, err := rec.Log(ctx, "wallet.password-found", map[string]any{
					"artefact": p.t.Artefact, "lock": l.Format, "lock_source": l.Source.String(),
					"candidate_line": c.Line, "candidate_hmac": h, "opened": detail,
				})
				if err != nil {
					return err
				}
				res.Seqs["found"] = seq
				res.Opened = append(res.Opened, Opened{Format: l.Format, Source: l.Source.String(), CandidateLine: c.Line, CandidateHMAC: h, Detail: detail})
				break
			}
		}
	}
	return nil
}
