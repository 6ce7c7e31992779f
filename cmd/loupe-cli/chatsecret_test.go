package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/loupe-forensics/loupe/artefacts"
	"github.com/loupe-forensics/loupe/artefacts/chats"
	"github.com/loupe-forensics/loupe/forensic/finding"
	"github.com/loupe-forensics/loupe/forensic/record"
	"github.com/loupe-forensics/loupe/forensic/scan"
)

// chatSecretCase is one locked store among the chat fixtures, with the
// secret its generator's manifest knows.
type chatSecretCase struct {
	name     string
	fixture  string // under testdata/artefacts/chats
	parser   string // the parser whose store artefact is locked
	lockedAt string // suffix of the locked file's ref
	secret   func(t *testing.T) string
	unlocked func(secret string) artefacts.Parser
	kind     string // an artefact kind the unlocked run must hold …
	count    int    // … exactly this many times
}

func manifestField(t *testing.T, family string, keys ...string) any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("../../testdata/artefacts/chats", family, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			t.Fatalf("%s manifest: no %v", family, keys)
		}
		v = m[k]
	}
	return v
}

func chatSecretCases(t *testing.T) []chatSecretCase {
	signalMsgs := len(manifestField(t, "signal", "linux-basictext", "messages").([]any)) // same data, another key wrapping
	tdata := manifestField(t, "telegram", "trees").([]any)
	passcode := ""
	for _, tr := range tdata {
		if m := tr.(map[string]any); m["folder"] == "tdata-passcode" {
			passcode = m["passcode"].(string)
		}
	}
	str := func(v any) func(*testing.T) string { return func(*testing.T) string { s, _ := v.(string); return s } }
	parserOf := func(name string) func(string) artefacts.Parser { return chatLocks()[name].parser }
	return []chatSecretCase{
		{name: "signal keyring secret", fixture: "signal/linux-libsecret", parser: "chats/signal", lockedAt: "/sql/db.sqlite",
			secret:   str(manifestField(t, "signal", "linux-libsecret", "keyring_secret")),
			unlocked: parserOf("chats/signal"), kind: chats.KindMessage, count: signalMsgs},
		// The same store with its key wrapped as on macOS and on Windows.
		{name: "signal macOS Keychain secret", fixture: "signal-oskeys/macos", parser: "chats/signal", lockedAt: "/sql/db.sqlite",
			secret:   str(manifestField(t, "signal-oskeys", "macos", "secret")),
			unlocked: parserOf("chats/signal"), kind: chats.KindMessage, count: int(manifestField(t, "signal-oskeys", "macos", "messages").(float64))},
		{name: "signal Windows DPAPI-unwrapped key", fixture: "signal-oskeys/windows", parser: "chats/signal", lockedAt: "/sql/db.sqlite",
			secret:   str(manifestField(t, "signal-oskeys", "windows", "secret")),
			unlocked: parserOf("chats/signal"), kind: chats.KindMessage, count: int(manifestField(t, "signal-oskeys", "windows", "messages").(float64))},
		// The tdata folder: the unlocked run reads every file of it (the
		// self-peer record in the map's account file is the one account).
		{name: "telegram local passcode", fixture: "telegram/tdata-passcode", parser: "chats/telegram-tdata", lockedAt: "/key_datas",
			secret: str(passcode), unlocked: parserOf("chats/telegram-tdata"), kind: chats.KindAccount, count: 1},
		{name: "qtox profile passphrase", fixture: "qtox", parser: "chats/qtox-profile", lockedAt: "/dave.tox",
			secret:   str(manifestField(t, "qtox", "passphrase")),
			unlocked: parserOf("chats/qtox-profile"), kind: chats.KindAccount, count: 1},
	}
}

// TestChatSecret: a wrong secret and then the right one; every attempt is
// an audit entry with only an HMAC; the secret is nowhere in the record's
// bytes; the new run holds exactly what the parser finds given the secret
// directly; reproduce skips that run with its reason.
func TestChatSecret(t *testing.T) {
	ctx := context.Background()
	for _, tc := range chatSecretCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			secret := tc.secret(t)
			if secret == "" {
				t.Fatal("manifest has no secret")
			}
			dir := t.TempDir()
			ev := filepath.Join(dir, "evidence")
			copyTree(t, filepath.Join("../../testdata/artefacts/chats", tc.fixture), ev)
			keys := filepath.Join(dir, "keys")
			rec := filepath.Join(dir, "case.loupe")
			if code, _, errs := runExamineCLI(t, examineArgs(rec, keys, ev)...); code != exitOK {
				t.Fatalf("examine: %d %s", code, errs)
			}
			id := lockedStore(t, rec, keys, tc)

			wrongOnly := filepath.Join(dir, "wrong.txt")
			os.WriteFile(wrongOnly, []byte("wrong-secret-one\nwrong-secret-two\n"), 0o600)
			args := []string{"chat-secret", rec, "--artefact", itoa(id), "--image", ev, "--secret-file", wrongOnly, "--examiner", "tester", "--key-dir", keys}
			code, out, errs := runExamineCLI(t, args...)
			var res chatSecretResult
			if code != exitOK || json.Unmarshal([]byte(out), &res) != nil || res.Opened || res.Attempts != 2 || res.Run != 0 {
				t.Fatalf("wrong secrets: %d %s %s", code, out, errs)
			}
			list := filepath.Join(dir, "found.txt")
			os.WriteFile(list, []byte("wrong-secret-one\r\n"+secret+"\r\n\r\nwrong-secret-two\n"), 0o600)
			args[7] = list
			code, out, errs = runExamineCLI(t, args...)
			res = chatSecretResult{}
			if code != exitOK || json.Unmarshal([]byte(out), &res) != nil {
				t.Fatalf("chat-secret: %d %s %s", code, out, errs)
			}
			if !res.Opened || res.Attempts != 2 || res.Line != 2 || res.Candidates != 3 || res.Run == 0 || strings.Contains(out, secret) {
				t.Fatalf("result %s", out)
			}

			r, err := record.OpenReadOnly(ctx, rec, record.Options{KeyDir: keys})
			if err != nil {
				t.Fatal(err)
			}
			count := map[string]int{}
			for en, err := range r.Entries(ctx, 1) {
				if err != nil {
					t.Fatal(err)
				}
				if strings.HasPrefix(en.Action, "chat.secret") {
					count[en.Action]++
					if en.Action == "chat.secret-found" {
						p, _ := json.Marshal(en.Params)
						if !strings.Contains(string(p), chatSecretHMAC(r.ID(), secret)) {
							t.Fatalf("success entry lacks the HMAC: %s", p)
						}
					}
				}
			}
			// Two sessions: 2 wrong attempts, then 2 attempts of which the second opened.
			if count["chat.secret-session"] != 2 || count["chat.secret-attempt"] != 4 || count["chat.secret-found"] != 1 {
				t.Fatalf("audit entries %v", count)
			}
			var recorded []scan.Keyed
			got := 0
			for a, err := range r.Artefacts(ctx, "") {
				if err != nil {
					t.Fatal(err)
				}
				if a.RunID != res.Run {
					continue
				}
				if a.Kind == tc.kind {
					got++
				}
				recorded = append(recorded, scan.Keyed{Source: a.Ref, A: finding.Artefact{Kind: a.Kind, Category: finding.Category(a.Category),
					Attrs: a.Attrs, Parser: a.Parser, ParserVersion: a.ParserVersion, Source: a.Source, SourceSHA256: a.SourceSHA256}})
			}
			runs, _ := r.Runs(ctx)
			r.Close()
			if got != tc.count || len(recorded) != res.Artefacts {
				t.Fatalf("new run %d: %d %s (want %d), %d artefacts (result says %d)", res.Run, got, tc.kind, tc.count, len(recorded), res.Artefacts)
			}
			if last := runs[len(runs)-1]; last.ID != res.Run || last.Status != record.RunComplete || last.Params[secretParam] != res.HMAC ||
				strings.Join(last.Parsers, ",") != tc.unlocked(secret).Name()+"@"+tc.unlocked(secret).Version() {
				t.Fatalf("new run %+v", last)
			}
			// The same parser given the secret directly, over the same evidence.
			direct := newScopedParser(tc.unlocked(secret), lockedRef(t, rec, keys, id), chatLocks()[tc.parser].scope)
			specs, err := groupSources(ctx, []string{ev})
			if err != nil {
				t.Fatal(err)
			}
			if err := collectWith(ctx, nil, specs, direct); err != nil {
				t.Fatal(err)
			}
			directFound := direct.collected()
			reproduced := make([]scan.Keyed, len(directFound.Artefacts))
			for i, a := range directFound.Artefacts {
				reproduced[i] = scan.Keyed{A: a}
			}
			if d := scan.Diff(recorded, reproduced); len(d) != 0 || len(reproduced) != len(recorded) {
				t.Fatalf("new run differs from the parser with the secret: %d vs %d, %+v", len(recorded), len(reproduced), d)
			}
			// And in the same order (file by file), so the record is deterministic.
			for i := range recorded {
				if recorded[i].A.Kind != reproduced[i].A.Kind || recorded[i].A.Source.String() != reproduced[i].A.Source.String() {
					t.Fatalf("artefact %d: recorded %s at %s, parser gives %s at %s", i, recorded[i].A.Kind, recorded[i].A.Source, reproduced[i].A.Kind, reproduced[i].A.Source)
				}
			}

			// No candidate, right or wrong, in the record's raw bytes.
			files, _ := filepath.Glob(rec + "*")
			for _, f := range files {
				raw, err := os.ReadFile(f)
				if err != nil {
					t.Fatal(err)
				}
				for _, c := range []string{secret, "wrong-secret-one", "wrong-secret-two"} {
					if bytes.Contains(raw, []byte(c)) {
						t.Fatalf("%s holds the candidate %q in clear", f, c)
					}
				}
			}

			// reproduce: the examine run is compared, the secret run skipped.
			code, out, errs = runExamineCLI(t, "reproduce", rec, "--image", ev)
			var rep reproduceReport
			if code != exitOK || json.Unmarshal([]byte(out), &rep) != nil || len(rep.Runs) != 2 {
				t.Fatalf("reproduce: %d %s %s", code, out, errs)
			}
			if rep.Runs[0].Skipped != "" || rep.Runs[1].Run != res.Run || !strings.HasPrefix(rep.Runs[1].Skipped, "needs the examiner's secret") || !rep.Identical {
				t.Fatalf("reproduce report %s", out)
			}
			if code, _, errs := runExamineCLI(t, "verify", rec, "--key-dir", keys); code != exitOK {
				t.Fatalf("verify: %d %s", code, errs)
			}
		})
	}
}

func lockedStore(t *testing.T, rec, keys string, tc chatSecretCase) int64 {
	t.Helper()
	r, err := record.OpenReadOnly(context.Background(), rec, record.Options{KeyDir: keys})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var ids []int64
	for a, err := range r.Artefacts(context.Background(), chats.KindStore) {
		if err != nil {
			t.Fatal(err)
		}
		if a.Parser == tc.parser && strings.HasSuffix(fileStep(a.Source).Path(), tc.lockedAt) {
			for _, at := range a.Attrs {
				if (at.Name == "key_verified" || at.Name == "decrypted") && at.Bool {
					t.Fatalf("store %s is already open: %s", a.Ref, at.Name)
				}
			}
			ids = append(ids, a.ID)
		}
	}
	if len(ids) != 1 {
		t.Fatalf("%d locked %s stores, want 1", len(ids), tc.parser)
	}
	return ids[0]
}

func lockedRef(t *testing.T, rec, keys string, id int64) string {
	t.Helper()
	r, err := record.OpenReadOnly(context.Background(), rec, record.Options{KeyDir: keys})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	a, err := findArtefact(context.Background(), r, id)
	if err != nil {
		t.Fatal(err)
	}
	return fileStep(a.Source).String()
}

// TestChatSecretRefusals: lists over the caps, an artefact no chat parser
// locked, and evidence that changed since the examination are refused
// before any attempt is logged (the last with exit 1).
func TestChatSecretRefusals(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	ev := filepath.Join(dir, "evidence")
	copyTree(t, "../../testdata/artefacts/chats/qtox", ev)
	keys := filepath.Join(dir, "keys")
	rec := filepath.Join(dir, "case.loupe")
	if code, _, errs := runExamineCLI(t, examineArgs(rec, keys, ev)...); code != exitOK {
		t.Fatalf("examine: %d %s", code, errs)
	}
	tc := chatSecretCase{parser: "chats/qtox-profile", lockedAt: "/dave.tox"}
	id := lockedStore(t, rec, keys, tc)
	plainProfile := lockedStore(t, rec, keys, chatSecretCase{parser: "chats/qtox-profile", lockedAt: "/alice.tox"})
	var other int64
	r, err := record.OpenReadOnly(ctx, rec, record.Options{KeyDir: keys})
	if err != nil {
		t.Fatal(err)
	}
	for a, err := range r.Artefacts(ctx, "file.") {
		if err == nil && other == 0 {
			other = a.ID
		}
	}
	r.Close()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	long := write("long.txt", strings.Repeat("x\n", 101))
	one := write("one.txt", "not-it\n")
	base := func(art int64, list ...string) []string {
		return append([]string{"chat-secret", rec, "--artefact", itoa(art), "--image", ev, "--examiner", "tester", "--key-dir", keys}, list...)
	}
	cases := []struct {
		name string
		args []string
		code int
		err  string
	}{
		{"secret file over 100 lines", base(id, "--secret-file", long), exitUsage, "does not brute-force"},
		{"wordlist over --max", base(id, "--wordlist", long, "--max", "100"), exitUsage, "does not brute-force"},
		{"--max without a wordlist", base(id, "--secret-file", one, "--max", "5"), exitUsage, "--wordlist only"},
		{"both lists", base(id, "--secret-file", one, "--wordlist", one), exitUsage, "exactly one"},
		{"not a chat store", base(other, "--secret-file", one), exitUsage, "not by a chat parser"},
		{"a profile that is not encrypted", base(plainProfile, "--secret-file", one), exitUsage, "is not a locked qtox store"},
	}
	for _, c := range cases {
		code, _, errs := runExamineCLI(t, c.args...)
		if code != c.code || !strings.Contains(errs, c.err) {
			t.Errorf("%s: %d %q, want %d and %q", c.name, code, errs, c.code, c.err)
		}
	}
	// A Signal store whose key opens offline (basic_text) needs no secret.
	open := filepath.Join(dir, "open")
	copyTree(t, "../../testdata/artefacts/chats/signal/linux-basictext", open)
	openRec := filepath.Join(dir, "open.loupe")
	if code, _, errs := runExamineCLI(t, examineArgs(openRec, keys, open)...); code != exitOK {
		t.Fatalf("examine: %d %s", code, errs)
	}
	r, err = record.OpenReadOnly(ctx, openRec, record.Options{KeyDir: keys})
	if err != nil {
		t.Fatal(err)
	}
	var openStore int64
	for a, err := range r.Artefacts(ctx, chats.KindStore) {
		if err == nil && a.Parser == "chats/signal" {
			openStore = a.ID
		}
	}
	r.Close()
	code, _, errs := runExamineCLI(t, "chat-secret", openRec, "--artefact", itoa(openStore), "--image", open, "--secret-file", one, "--examiner", "tester", "--key-dir", keys)
	if code != exitUsage || !strings.Contains(errs, "opens without a secret") {
		t.Fatalf("open store: %d %s", code, errs)
	}
	// The profile changes after the examination: exit 1, no attempt.
	b, err := os.ReadFile(filepath.Join(ev, "dave.tox"))
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)-1] ^= 1
	if err := os.WriteFile(filepath.Join(ev, "dave.tox"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errs := runExamineCLI(t, base(id, "--secret-file", one)...); code != exitFailed || !strings.Contains(errs, "differs from the one recorded") {
		t.Fatalf("changed evidence: %d %s", code, errs)
	}
	r, err = record.OpenReadOnly(ctx, rec, record.Options{KeyDir: keys})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for en, err := range r.Entries(ctx, 1) {
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(en.Action, "chat.secret") {
			t.Fatalf("audit entry %s after refusals only", en.Action)
		}
	}
}
