package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/loupe-forensics/loupe/artefacts"
	"github.com/loupe-forensics/loupe/artefacts/chats"
	"github.com/loupe-forensics/loupe/artefacts/chats/qtox"
	"github.com/loupe-forensics/loupe/artefacts/chats/signal"
	"github.com/loupe-forensics/loupe/artefacts/chats/telegram"
	"github.com/loupe-forensics/loupe/forensic/finding"
	"github.com/loupe-forensics/loupe/forensic/record"
	"github.com/loupe-forensics/loupe/forensic/scan"
)

// chat-secret tries secrets the examiner obtained (a keyring / Keychain /
// DPAPI-unwrapped secret for Signal's encryptedKey, a Telegram Desktop local
// passcode, a qTox profile passphrase) against one locked chat store already
// in the record:
//
//	loupe-cli chat-secret RECORD --artefact ID --image IMAGE... \
//	    (--secret-file F | --wordlist F [--max N]) [--examiner NAME]
//
// The artefact is the store the client's parser recorded as locked (any
// artefact of the file will do). The file is read again from the evidence
// and checked against the SHA-256 the record holds; then the client's own
// parser is run on it with each candidate until one opens it. The caps are
// wallet-password's: 100 lines for --secret-file, --max (default 1,000, at
// most 100,000) for --wordlist, refused before anything is tried.
//
// Audit, as wallet-password: "chat.secret-session", one
// "chat.secret-attempt" per candidate (line number and an HMAC keyed with
// "loupe-chat-secret-v1\n" + the record ID, never the secret), and
// "chat.secret-found". On success the parser is run again with the secret
// over the store's files (Telegram: its whole tdata folder) and what it
// finds is written as a NEW run whose params name the artefact, the file
// and the secret's HMAC. Such a run cannot be reproduced without the
// secret: reproduce reports it as skipped (see secretRunSkip).
//
// Exit 0 when the attempts ran (opened or not), 1 when the evidence file no
// longer matches the record, 2 for bad usage or a file not in the evidence.

// chatLock is what chat-secret knows of one client's locked store.
type chatLock struct {
	client string
	// parser is the client's parser with the secret in its options.
	parser func(secret string) artefacts.Parser
	// scope says which files the unlocked run reads, given the locked file.
	scope func(locked, file string) bool
	// secretKind names the secret in the audit.
	secretKind string
}

func sameFile(locked, file string) bool { return locked == file }

// chatLocks is keyed by the parser name the record holds for the store.
func chatLocks() map[string]chatLock {
	return map[string]chatLock{
		"chats/signal": {client: "signal", secretKind: "keyring secret (libsecret / KWallet / Keychain / DPAPI-unwrapped)",
			parser: func(s string) artefacts.Parser { return signal.New(signal.Options{KeyringSecret: s}) }, scope: sameFile},
		"chats/telegram-tdata": {client: "telegram", secretKind: "local passcode",
			parser: func(s string) artefacts.Parser { return telegram.NewTData(telegram.Options{Passcode: s}) },
			// Every file of the tdata folder needs the local key.
			scope: func(locked, file string) bool {
				dir := locked[:strings.LastIndexByte(locked, '/')+1]
				return strings.HasPrefix(file, dir)
			}},
		"chats/qtox-profile": {client: "qtox", secretKind: "profile passphrase",
			parser: func(s string) artefacts.Parser { return qtox.NewProfile(qtox.Options{ProfilePassphrase: s}) }, scope: sameFile},
	}
}

// secretParam marks a run made with an examiner's secret (its value is the
// secret's HMAC); reproduce looks for it.
const secretParam = "secret_hmac"

// secretRunSkip is why reproduce does not re-run run: it was made with a
// secret the record does not hold.
func secretRunSkip(run record.RunInfo) string {
	if run.Params[secretParam] != "" {
		return "needs the examiner's secret (run made by chat-secret; its params hold only the secret's HMAC)"
	}
	return ""
}

type chatSecretResult struct {
	Artefact   int64            `json:"artefact"`
	Client     string           `json:"client"`
	File       string           `json:"file"`
	ListSHA256 string           `json:"list_sha256"`
	Candidates int              `json:"candidates"`
	Attempts   int              `json:"attempts"`
	Opened     bool             `json:"opened"`
	Line       int              `json:"candidate_line,omitempty"`
	HMAC       string           `json:"candidate_hmac,omitempty"`
	Run        int64            `json:"run,omitempty"`
	Artefacts  int              `json:"run_artefacts"`
	Warnings   int              `json:"run_warnings"`
	Seqs       map[string]int64 `json:"audit_seq"`
}

func chatSecretHMAC(recordID, secret string) string {
	m := hmac.New(sha256.New, []byte("loupe-chat-secret-v1\n"+recordID))
	m.Write([]byte(secret))
	return hex.EncodeToString(m.Sum(nil))
}

func runChatSecret(ctx context.Context, e env, args []string) int {
	pos, flags, err := recordArgs(args)
	if err == nil {
		err = checkFlags(flags, "artefact", "image", "secret-file", "wordlist", "max", "examiner", "key-dir", "workdir")
	}
	usage := "usage: loupe-cli chat-secret RECORD --artefact ID --image IMAGE... (--secret-file F | --wordlist F [--max N]) [--examiner NAME]"
	if err != nil || len(pos) < 1 || one(flags, "artefact") == "" {
		return fail(e, exitUsage, "%s (%v)", usage, err)
	}
	images := append(append([]string{}, flags["image"]...), pos[1:]...)
	if len(images) == 0 {
		return fail(e, exitUsage, "chat-secret: give the evidence the record was made from with --image")
	}
	id, err := strconv.ParseInt(one(flags, "artefact"), 10, 64)
	if err != nil {
		return fail(e, exitUsage, "chat-secret: artefact id %q is not a number", one(flags, "artefact"))
	}
	secretFile, wordlist := one(flags, "secret-file"), one(flags, "wordlist")
	if (secretFile == "") == (wordlist == "") {
		return fail(e, exitUsage, "chat-secret: give exactly one of --secret-file and --wordlist")
	}
	listPath, limit := secretFile, maxPasswordFile
	if wordlist != "" {
		listPath, limit = wordlist, defaultWordlist
		if m := one(flags, "max"); m != "" {
			n, err := strconv.Atoi(m)
			if err != nil || n < 1 || n > maxWordlist {
				return fail(e, exitUsage, "chat-secret: --max takes 1 to %d", maxWordlist)
			}
			limit = n
		}
	} else if one(flags, "max") != "" {
		return fail(e, exitUsage, "chat-secret: --max applies to --wordlist only")
	}
	cands, listSum, err := readCandidates(listPath, limit, false)
	if err != nil {
		return fail(e, exitUsage, "chat-secret: %v", err)
	}
	specs, err := groupSources(ctx, images)
	if err != nil {
		return fail(e, exitUsage, "chat-secret: %v", err)
	}
	rec, code := openForWriting(ctx, e, pos[0], flags)
	if rec == nil {
		return code
	}
	defer rec.Close()
	art, err := findArtefact(ctx, rec, id)
	if err != nil {
		return fail(e, exitUsage, "chat-secret: %v", err)
	}
	lock, ok := chatLocks()[art.Parser]
	if !ok {
		return fail(e, exitUsage, "chat-secret: artefact %d was made by %s, not by a chat parser that takes a secret (chats/signal, chats/telegram-tdata, chats/qtox-profile)", id, art.Parser)
	}
	file := fileStep(art.Source)
	if file == nil {
		return fail(e, exitUsage, "chat-secret: artefact %d has no file in its provenance (%s)", id, art.Ref)
	}
	sourceID, err := artefactSourceID(ctx, rec, art)
	if err != nil {
		return fail(e, exitUsage, "chat-secret: %v", err)
	}
	res := &chatSecretResult{Artefact: id, Client: lock.client, File: file.String(), ListSHA256: listSum,
		Candidates: len(cands), Seqs: map[string]int64{}}
	tr := &secretTrier{rec: rec, res: res, lock: lock, cands: cands, fileRef: file.String(), wantSHA: art.SourceSHA256, artefact: id}
	if err := collectWith(ctx, flags, specs, tr); err != nil {
		return fail(e, exitUsage, "chat-secret: %v", err)
	}
	switch {
	case tr.err != nil && errors.Is(tr.err, errEvidenceChanged):
		writeJSON(e, res)
		return fail(e, exitFailed, "chat-secret: %v", tr.err)
	case tr.err != nil:
		return fail(e, exitUsage, "chat-secret: %v", tr.err)
	case !tr.found:
		return fail(e, exitUsage, "chat-secret: %s is not in the evidence given", file)
	case !res.Opened:
		return writeJSON(e, res)
	}
	// Unlocked: the client's parser with the secret, over the store's files,
	// into a new run.
	p := lock.parser(tr.secret)
	unlocked := newScopedParser(p, tr.fileRef, lock.scope)
	if err := collectWith(ctx, flags, specs, unlocked); err != nil {
		return fail(e, exitUsage, "chat-secret: re-run with the secret: %v", err)
	}
	run, err := rec.StartRun(ctx, record.RunSpec{Tool: "loupe-cli " + Version + " chat-secret",
		Parsers: []string{p.Name() + "@" + p.Version()}, Sources: []int64{sourceID},
		Params: map[string]string{"artefact": strconv.FormatInt(id, 10), "file": tr.fileRef, "file_sha256": art.SourceSHA256,
			"client": lock.client, "secret_kind": lock.secretKind, secretParam: res.HMAC, "candidate_line": strconv.Itoa(res.Line)}})
	if err != nil {
		return fail(e, exitUsage, "chat-secret: start run: %v", err)
	}
	found := unlocked.collected()
	if err := writeCollected(ctx, run, found); err != nil {
		_ = run.Fail(context.WithoutCancel(ctx), err.Error())
		return fail(e, exitUsage, "chat-secret: %v", err)
	}
	if err := run.Finish(ctx); err != nil {
		return fail(e, exitUsage, "chat-secret: finish run: %v", err)
	}
	res.Run, res.Artefacts, res.Warnings = run.ID, len(found.Artefacts), len(found.Warnings)
	return writeJSON(e, res)
}

func collectWith(ctx context.Context, flags map[string][]string, specs []scan.SourceSpec, p artefacts.Parser) error {
	reg, err := artefacts.NewRegistry(p)
	if err != nil {
		return err
	}
	s, err := scan.New(scan.Config{Registry: reg, Open: openers(), WorkDir: one(flags, "workdir")})
	if err != nil {
		return err
	}
	var discard finding.Collector
	return s.Collect(ctx, specs, &discard)
}

func writeCollected(ctx context.Context, run *record.Run, col *finding.Collector) error {
	for _, a := range col.Artefacts {
		if err := run.Artefact(ctx, a); err != nil {
			return fmt.Errorf("record artefact: %w", err)
		}
	}
	for _, w := range col.Warnings {
		if err := run.Warn(ctx, w); err != nil {
			return fmt.Errorf("record warning: %w", err)
		}
	}
	return nil
}

// artefactSourceID is the recorded source the artefact's provenance starts
// from, so the new run names the same evidence.
func artefactSourceID(ctx context.Context, rec *record.Record, art record.StoredArtefact) (int64, error) {
	root := art.Source
	for root != nil && root.Parent != nil {
		root = root.Parent
	}
	rows, err := rec.Rows(ctx, "sources")
	if err != nil {
		return 0, err
	}
	for _, s := range rows {
		ref, _ := s["ref"].(string)
		id, _ := s["id"].(int64)
		if root != nil && ref == root.String() {
			return id, nil
		}
	}
	return 0, fmt.Errorf("no recorded source is the root of artefact %d (%s)", art.ID, art.Ref)
}

// scopedParser runs the client's parser (with the secret) on the files of
// the unlocked store only, keeping what it finds per file so the new run
// is written in file order whatever order the scan's workers finished in.
type scopedParser struct {
	artefacts.Parser
	locked string
	scope  func(locked, file string) bool

	mu      sync.Mutex
	perFile map[string]*finding.Collector
}

func newScopedParser(p artefacts.Parser, locked string, scope func(locked, file string) bool) *scopedParser {
	return &scopedParser{Parser: p, locked: locked, scope: scope, perFile: map[string]*finding.Collector{}}
}

func (p *scopedParser) Match(in *artefacts.Input) bool {
	return p.scope(p.locked, in.Ref.String()) && p.Parser.Match(in)
}

func (p *scopedParser) Parse(ctx context.Context, in *artefacts.Input, _ finding.Sink) error {
	c := &finding.Collector{}
	if err := artefacts.Run(ctx, p.Parser, in, c); err != nil && !errors.Is(err, artefacts.ErrWrongFormat) {
		c.Warnings = append(c.Warnings, finding.Warning{Parser: p.Name(), Source: in.Ref, Message: err.Error()})
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.perFile[in.Ref.String()] = c
	return nil
}

// collected is everything found, file by file in provenance order.
func (p *scopedParser) collected() *finding.Collector {
	p.mu.Lock()
	defer p.mu.Unlock()
	refs := make([]string, 0, len(p.perFile))
	for r := range p.perFile {
		refs = append(refs, r)
	}
	sort.Strings(refs)
	out := &finding.Collector{}
	for _, r := range refs {
		out.Artefacts = append(out.Artefacts, p.perFile[r].Artefacts...)
		out.Warnings = append(out.Warnings, p.perFile[r].Warnings...)
	}
	return out
}

// secretTrier matches only the locked file and there runs the client's
// parser once per candidate, logging each attempt as it is made.
type secretTrier struct {
	rec      *record.Record
	res      *chatSecretResult
	lock     chatLock
	cands    []candidate
	fileRef  string
	wantSHA  string
	artefact int64

	mu     sync.Mutex
	found  bool
	secret string
	err    error
}

func (*secretTrier) Name() string                     { return "chat-secret" }
func (*secretTrier) Version() string                  { return "1" }
func (t *secretTrier) Match(in *artefacts.Input) bool { return in.Ref.String() == t.fileRef }

func (t *secretTrier) Parse(ctx context.Context, in *artefacts.Input, _ finding.Sink) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.found {
		return nil
	}
	t.found = true
	if t.wantSHA != "" && in.SHA256 != t.wantSHA {
		t.err = fmt.Errorf("%w: %s has SHA-256 %s, the record says %s", errEvidenceChanged, t.fileRef, in.SHA256, t.wantSHA)
		return nil
	}
	// A store its parser opens without any secret (a plaintext key, Linux
	// basic_text, a profile that is not encrypted) needs none: trying
	// secrets there would record a "found" that means nothing.
	switch st := storeState(ctx, t.lock.parser(""), in); {
	case st.open:
		t.err = fmt.Errorf("%s opens without a secret; there is nothing to try", t.fileRef)
		return nil
	case !st.encrypted:
		t.err = fmt.Errorf("%s is not a locked %s store; there is nothing to try", t.fileRef, t.lock.client)
		return nil
	}
	seq, err := t.rec.Log(ctx, "chat.secret-session", map[string]any{
		"artefact": t.artefact, "client": t.lock.client, "file": t.fileRef, "file_sha256": in.SHA256,
		"secret_kind": t.lock.secretKind, "list_sha256": t.res.ListSHA256, "candidates": len(t.cands),
	})
	if err != nil {
		t.err = err
		return nil
	}
	t.res.Seqs["session"] = seq
	for _, c := range t.cands {
		if err := ctx.Err(); err != nil {
			t.err = err
			return nil
		}
		h := chatSecretHMAC(t.rec.ID(), c.pw)
		st := storeState(ctx, t.lock.parser(c.pw), in)
		opened := st.open
		result := "not opened: " + st.detail
		if opened {
			result = "opened"
		}
		seq, err := t.rec.Log(ctx, "chat.secret-attempt", map[string]any{
			"artefact": t.artefact, "client": t.lock.client, "candidate_line": c.line, "candidate_hmac": h, "result": result,
		})
		if err != nil {
			t.err = err
			return nil
		}
		t.res.Attempts++
		t.res.Seqs["last_attempt"] = seq
		if opened {
			seq, err := t.rec.Log(ctx, "chat.secret-found", map[string]any{
				"artefact": t.artefact, "client": t.lock.client, "file": t.fileRef, "candidate_line": c.line, "candidate_hmac": h,
			})
			if err != nil {
				t.err = err
				return nil
			}
			t.res.Seqs["found"] = seq
			t.res.Opened, t.res.Line, t.res.HMAC, t.secret = true, c.line, h, c.pw
			break
		}
	}
	return nil
}

// chatStore is what a client's parser said of the store file itself.
type chatStore struct {
	encrypted bool   // its store artefact says encrypted=true
	open      bool   // … and key_verified (Signal, qTox) or decrypted (Telegram key_datas)
	detail    string // the parser's first warning when not open (never holds the secret)
}

// storeState runs p on the store file and reads its store artefact.
func storeState(ctx context.Context, p artefacts.Parser, in *artefacts.Input) chatStore {
	var c finding.Collector
	if err := artefacts.Run(ctx, p, in, &c); err != nil {
		return chatStore{detail: "parser error: " + err.Error()}
	}
	var st chatStore
	for _, a := range c.Artefacts {
		if a.Kind != chats.KindStore || a.Source.String() != in.Ref.String() {
			continue
		}
		for _, at := range a.Attrs {
			if at.Type != finding.TBool || !at.Bool {
				continue
			}
			switch at.Name {
			case chats.AttrEncrypted:
				st.encrypted = true
			case "key_verified", "decrypted":
				st.open = true
			}
		}
	}
	if !st.open {
		st.detail = "the store did not open"
		if len(c.Warnings) > 0 {
			st.detail = c.Warnings[0].Message
		}
	}
	return st
}
