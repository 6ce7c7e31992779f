package main

import (
	"context"
	"errors"
	"strconv"

	"github.com/loupe-forensics/loupe/artefacts/wallets/passwordtrial"
	"github.com/loupe-forensics/loupe/forensic/record"
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
// a longer list is refused before anything is tried.
//
// The work, and the audit entries (a session, one attempt per candidate and
// lock, a success; candidates only as line number and keyed HMAC), are
// artefacts/wallets/passwordtrial's, shared with the desktop app.
//
// Output: one JSON object. Exit 0 when the attempts ran (opened or not),
// 1 when the evidence file no longer matches the record's SHA-256, 2 for
// bad usage or when the file cannot be found in the evidence.

// walletPasswordResult is the command's JSON output.
type walletPasswordResult = passwordtrial.Result

// candidateHMAC identifies a candidate in the audit without revealing it.
func candidateHMAC(recordID, candidate string) string {
	return passwordtrial.CandidateHMAC(recordID, candidate)
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
	listPath, limit := pwFile, passwordtrial.MaxPasswordFile
	if wordlist != "" {
		listPath, limit = wordlist, passwordtrial.DefaultWordlist
		if m := one(flags, "max"); m != "" {
			n, err := strconv.Atoi(m)
			if err != nil || n < 1 || n > passwordtrial.MaxWordlist {
				return fail(e, exitUsage, "wallet-password: --max takes 1 to %d", passwordtrial.MaxWordlist)
			}
			limit = n
		}
	} else if one(flags, "max") != "" {
		return fail(e, exitUsage, "wallet-password: --max applies to --wordlist only")
	}
	list, err := passwordtrial.ReadFile(listPath, limit, one(flags, "try-empty") == "true")
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
	res, err := passwordtrial.Trial{Record: rec, Artefact: id, List: list, Sources: specs, Open: openers(), WorkDir: one(flags, "workdir")}.Run(ctx)
	switch {
	case err != nil && errors.Is(err, passwordtrial.ErrEvidenceChanged):
		writeJSON(e, res)
		return fail(e, exitFailed, "wallet-password: %v", err)
	case err != nil:
		return fail(e, exitUsage, "wallet-password: %v", err)
	}
	return writeJSON(e, res)
}

// The list caps and helpers below are shared with chat-secret (chatsecret.go),
// which follows the same rules for examiner-supplied secrets.

const (
	maxPasswordFile = passwordtrial.MaxPasswordFile
	defaultWordlist = passwordtrial.DefaultWordlist
	maxWordlist     = passwordtrial.MaxWordlist
)

// candidate is one secret and its line in the list (0: the empty one).
type candidate struct {
	pw   string
	line int
}

// readCandidates reads one candidate per line, refusing lists over limit
// before anything is tried; it returns the list's SHA-256 too.
func readCandidates(p string, limit int, tryEmpty bool) ([]candidate, string, error) {
	list, err := passwordtrial.ReadFile(p, limit, tryEmpty)
	if err != nil {
		return nil, "", err
	}
	out := make([]candidate, len(list.Candidates))
	for i, c := range list.Candidates {
		out[i] = candidate{pw: c.Password, line: c.Line}
	}
	return out, list.SHA256, nil
}

var errEvidenceChanged = passwordtrial.ErrEvidenceChanged

func findArtefact(ctx context.Context, rec *record.Record, id int64) (record.StoredArtefact, error) {
	return passwordtrial.FindArtefact(ctx, rec, id)
}

func fileStep(r *source.Ref) *source.Ref { return passwordtrial.FileStep(r) }
