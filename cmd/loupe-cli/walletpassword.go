package main

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
	"strconv"
	"sync"

	"github.com/loupe-forensics/loupe/artefacts"
	"github.com/loupe-forensics/loupe/artefacts/wallets"
	"github.com/loupe-forensics/loupe/forensic/finding"
	"github.com/loupe-forensics/loupe/forensic/record"
	"github.com/loupe-forensics/loupe/forensic/scan"
	"github.com/loupe-forensics/loupe/forensic/source"
)

// wallet-password tries passwords the examiner found during the
// investigation against one encrypted wallet already in the record:
//
//	loupe-cli wallet-password RECORD --artefact ID --image IMAGE... \
//	    (--password-file F | --wordlist F [--max N]) [--try-empty] [--examiner NAME]
//
// The artefact names the wallet file (any artefact of it will do: the
// summary, a key, an address); the file is read again from the evidence
// (checked against the SHA-256 the record holds) and its encrypted parts
// (Electrum file or keystore, Ethereum keystore, MetaMask vault, Bitcoin Core
// mkey) are tried with each candidate, one line of F each (trailing CR/LF
// removed; empty lines skipped unless --try-empty adds the empty password).
//
// Nothing is brute-forced: a --password-file takes at most 100 candidates
// and a --wordlist at most --max (default 1,000, never more than 100,000);
// a longer list is refused before anything is tried. Each KDF is slow by
// design, and a real dictionary attack belongs on dedicated hardware.
//
// Audit: a "wallet.password-session" entry (artefact, file, list SHA-256 and
// size, locks), then one "wallet.password-attempt" entry per candidate and
// lock, then "wallet.password-found" for a success. Candidates never enter
// the record: each is identified by its line number in the list (0 for the
// empty password of --try-empty) and
// HMAC-SHA256 keyed with "loupe-wallet-password-v1\n" + the record ID, so
// a reviewer holding the list can confirm which line opened the wallet, but
// the record alone does not reveal it (nor link it across records).
//
// Output: one JSON object. Exit 0 when the attempts ran (opened or not),
// 1 when the evidence file no longer matches the record's SHA-256, 2 for
// bad usage or when the file cannot be found in the evidence.

const (
	maxPasswordFile = 100
	defaultWordlist = 1000
	maxWordlist     = 100000
)

type walletPasswordResult struct {
	Artefact   int64            `json:"artefact"`
	File       string           `json:"file"`
	ListSHA256 string           `json:"list_sha256"`
	Candidates int              `json:"candidates"`
	Locks      []lockJSON       `json:"locks"`
	Attempts   int              `json:"attempts"`
	Opened     []openedJSON     `json:"opened"`
	Errors     []string         `json:"errors,omitempty"`
	Seqs       map[string]int64 `json:"audit_seq"`
}

type lockJSON struct {
	Format string `json:"format"`
	Source string `json:"source"`
	KDF    string `json:"kdf"`
}

type openedJSON struct {
	Format        string `json:"format"`
	Source        string `json:"source"`
	CandidateLine int    `json:"candidate_line"` // 0 for the empty password of --try-empty
	CandidateHMAC string `json:"candidate_hmac"`
	Detail        string `json:"detail"`
}

func runWalletPassword(ctx context.Context, e env, args []string) int {
	pos, flags, err := recordArgs(args, "try-empty")
	if err == nil {
		err = checkFlags(flags, "artefact", "image", "password-file", "wordlist", "max", "try-empty", "examiner", "key-dir", "workdir")
	}
	usage := "usage: loupe-cli wallet-password RECORD --artefact ID --image IMAGE... (--password-file F | --wordlist F [--max N]) [--try-empty] [--examiner NAME]"
	if err != nil || len(pos) < 1 || one(flags, "artefact") == "" {
		return fail(e, exitUsage, "%s (%v)", usage, err)
	}
	images := append(append([]string{}, flags["image"]...), pos[1:]...)
	if len(images) == 0 {
		return fail(e, exitUsage, "wallet-password: give the evidence the record was made from with --image")
	}
	id, err := strconv.ParseInt(one(flags, "artefact"), 10, 64)
	if err != nil {
		return fail(e, exitUsage, "wallet-password: artefact id %q is not a number", one(flags, "artefact"))
	}
	pwFile, wordlist := one(flags, "password-file"), one(flags, "wordlist")
	if (pwFile == "") == (wordlist == "") {
		return fail(e, exitUsage, "wallet-password: give exactly one of --password-file and --wordlist")
	}
	listPath, limit := pwFile, maxPasswordFile
	if wordlist != "" {
		listPath, limit = wordlist, defaultWordlist
		if m := one(flags, "max"); m != "" {
			n, err := strconv.Atoi(m)
			if err != nil || n < 1 || n > maxWordlist {
				return fail(e, exitUsage, "wallet-password: --max takes 1 to %d", maxWordlist)
			}
			limit = n
		}
	} else if one(flags, "max") != "" {
		return fail(e, exitUsage, "wallet-password: --max applies to --wordlist only")
	}
	cands, listSum, err := readCandidates(listPath, limit, one(flags, "try-empty") == "true")
	if err != nil {
		return fail(e, exitUsage, "wallet-password: %v", err)
	}
	specs, err := groupSources(ctx, images)
	if err != nil {
		return fail(e, exitUsage, "wallet-password: %v", err)
	}
	rec, code := openForWriting(ctx, e, pos[0], flags)
	if rec == nil {
		return code
	}
	defer rec.Close()
	art, err := findArtefact(ctx, rec, id)
	if err != nil {
		return fail(e, exitUsage, "wallet-password: %v", err)
	}
	file := fileStep(art.Source)
	if file == nil {
		return fail(e, exitUsage, "wallet-password: artefact %d has no file in its provenance (%s)", id, art.Ref)
	}
	res := &walletPasswordResult{Artefact: id, File: file.String(), ListSHA256: listSum, Candidates: len(cands),
		Locks: []lockJSON{}, Opened: []openedJSON{}, Seqs: map[string]int64{}}
	tr := &passwordTrier{rec: rec, res: res, cands: cands, fileRef: file.String(), wantSHA: art.SourceSHA256, artefact: id}
	reg, err := artefacts.NewRegistry(tr)
	if err != nil {
		return fail(e, exitUsage, "wallet-password: %v", err)
	}
	s, err := scan.New(scan.Config{Registry: reg, Open: openers(), WorkDir: one(flags, "workdir")})
	if err != nil {
		return fail(e, exitUsage, "wallet-password: %v", err)
	}
	var col finding.Collector
	if err := s.Collect(ctx, specs, &col); err != nil {
		return fail(e, exitUsage, "wallet-password: %v", err)
	}
	switch {
	case tr.err != nil && errors.Is(tr.err, errEvidenceChanged):
		writeJSON(e, res)
		return fail(e, exitFailed, "wallet-password: %v", tr.err)
	case tr.err != nil:
		return fail(e, exitUsage, "wallet-password: %v", tr.err)
	case !tr.found:
		return fail(e, exitUsage, "wallet-password: %s is not in the evidence given", file)
	}
	return writeJSON(e, res)
}

// readCandidates reads one candidate per line, refusing lists over limit
// before anything is tried.
// candidate is one password and its line in the list (0: --try-empty).
type candidate struct {
	pw   string
	line int
}

func readCandidates(p string, limit int, tryEmpty bool) ([]candidate, string, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, "", err
	}
	defer f.Close()
	// A line is a password, so 4 KiB per line is generous; the cap on
	// lines bounds the whole read.
	data, err := io.ReadAll(io.LimitReader(f, int64(limit+1)*4096))
	if err != nil {
		return nil, "", err
	}
	sum := sha256.Sum256(data)
	var out []candidate
	if tryEmpty {
		out = append(out, candidate{})
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 4096), 4096)
	n := 0
	for sc.Scan() {
		n++
		line := string(bytes.TrimRight(sc.Bytes(), "\r"))
		if line == "" {
			continue
		}
		if len(out) >= limit {
			return nil, "", fmt.Errorf("%s holds more than %d candidates; this command tries passwords found in the investigation, it does not brute-force", p, limit)
		}
		out = append(out, candidate{pw: line, line: n})
	}
	if err := sc.Err(); err != nil {
		return nil, "", fmt.Errorf("%s: %w (a line over 4096 bytes?)", p, err)
	}
	if len(out) == 0 {
		return nil, "", fmt.Errorf("%s holds no candidates", p)
	}
	return out, hex.EncodeToString(sum[:]), nil
}

func findArtefact(ctx context.Context, rec *record.Record, id int64) (record.StoredArtefact, error) {
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

// fileStep is the deepest file (entry or stream) step of a provenance chain.
func fileStep(r *source.Ref) *source.Ref {
	for s := r; s != nil; s = s.Parent {
		if s.Type == source.TypeEntry || s.Type == source.TypeStream {
			return s
		}
	}
	return nil
}

var errEvidenceChanged = errors.New("the evidence file differs from the one recorded")

// candidateHMAC identifies a candidate in the audit without revealing it.
func candidateHMAC(recordID, candidate string) string {
	m := hmac.New(sha256.New, []byte("loupe-wallet-password-v1\n"+recordID))
	m.Write([]byte(candidate))
	return hex.EncodeToString(m.Sum(nil))
}

// passwordTrier is a one-file "parser" the scan offers every file to: it
// matches only the wallet file named by the artefact, and there tries the
// candidates against its locks, logging each attempt as it is made.
type passwordTrier struct {
	rec      *record.Record
	res      *walletPasswordResult
	cands    []candidate
	fileRef  string
	wantSHA  string
	artefact int64

	mu    sync.Mutex
	found bool
	err   error
}

func (*passwordTrier) Name() string    { return "wallet-password" }
func (*passwordTrier) Version() string { return "1" }

func (p *passwordTrier) Match(in *artefacts.Input) bool { return in.Ref.String() == p.fileRef }

func (p *passwordTrier) Parse(ctx context.Context, in *artefacts.Input, _ finding.Sink) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.found {
		return nil
	}
	p.found = true
	if p.wantSHA != "" && in.SHA256 != p.wantSHA {
		p.err = fmt.Errorf("%w: %s has SHA-256 %s, the record says %s", errEvidenceChanged, p.fileRef, in.SHA256, p.wantSHA)
		return nil
	}
	locks, err := wallets.Locks(ctx, in)
	if err != nil {
		p.err = fmt.Errorf("read the wallet's encrypted parts: %w", err)
		return nil
	}
	if len(locks) == 0 {
		p.err = fmt.Errorf("%s holds nothing encrypted that this command can try", p.fileRef)
		return nil
	}
	for _, l := range locks {
		p.res.Locks = append(p.res.Locks, lockJSON{Format: l.Format, Source: l.Source.String(), KDF: l.KDF})
	}
	seq, err := p.rec.Log(ctx, "wallet.password-session", map[string]any{
		"artefact": p.artefact, "file": p.fileRef, "file_sha256": in.SHA256, "list_sha256": p.res.ListSHA256,
		"candidates": len(p.cands), "locks": p.res.Locks,
	})
	if err != nil {
		p.err = err
		return nil
	}
	p.res.Seqs["session"] = seq
	for _, l := range locks {
		for _, c := range p.cands {
			if err := ctx.Err(); err != nil {
				p.err = err
				return nil
			}
			h := candidateHMAC(p.rec.ID(), c.pw)
			opened, detail, terr := l.Try(c.pw)
			result := "not opened"
			switch {
			case terr != nil:
				result = "error: " + terr.Error()
			case opened:
				result = "opened"
			}
			seq, err := p.rec.Log(ctx, "wallet.password-attempt", map[string]any{
				"artefact": p.artefact, "lock": l.Format, "lock_source": l.Source.String(),
				"candidate_line": c.line, "candidate_hmac": h, "result": result,
			})
			if err != nil {
				p.err = err
				return nil
			}
			p.res.Attempts++
			p.res.Seqs["last_attempt"] = seq
			if terr != nil {
				p.res.Errors = append(p.res.Errors, fmt.Sprintf("%s: %v", l.Format, terr))
				break // the lock cannot be tried at all; the next candidate would fail the same way
			}
			if opened {
				o := openedJSON{Format: l.Format, Source: l.Source.String(), CandidateLine: c.line, CandidateHMAC: h, Detail: detail}
				seq, err := p.rec.Log(ctx, "wallet.password-found", map[string]any{
					"artefact": p.artefact, "lock": l.Format, "lock_source": l.Source.String(),
					"candidate_line": c.line, "candidate_hmac": h, "opened": detail,
				})
				if err != nil {
					p.err = err
					return nil
				}
				p.res.Seqs["found"] = seq
				p.res.Opened = append(p.res.Opened, o)
				break
			}
		}
	}
	return nil
}
