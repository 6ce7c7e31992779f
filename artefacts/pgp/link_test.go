package pgp

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/loupe-forensics/loupe/artefacts"
	"github.com/loupe-forensics/loupe/forensic/finding"
	"github.com/loupe-forensics/loupe/forensic/scan"
	"github.com/loupe-forensics/loupe/forensic/source"
	"github.com/loupe-forensics/loupe/imaging"
)

func TestTokens(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []string
	}{
		{"key E0B1A459BA1E3EFCCA9D4C6859C696DABC6E15FC ok", []string{"E0B1A459BA1E3EFCCA9D4C6859C696DABC6E15FC"}},
		// gpg's display form: groups of four, two spaces between the halves.
		{"E0B1 A459 BA1E 3EFC CA9D  4C68 59C6 96DA BC6E 15FC", []string{"E0B1A459BA1E3EFCCA9D4C6859C696DABC6E15FC"}},
		{"id 0x59c696dabc6e15fc.", []string{"59C696DABC6E15FC"}},
		{"Mail Alice.U@Example.org, please", []string{"alice.u@example.org"}},
		// Not free-standing, or not 16/40 digits: no token.
		{"sha256 9a03286200c0835c2279b6156d2e41cd48a26a83728b729b025f793d00f58c31", nil},
		{"x59C696DABC6E15FC 59C696DABC6E15FCg 59C696DABC6E15F", nil},
		{"user@localhost", nil},
	} {
		if got := tokens(c.in, 10); strings.Join(got, "|") != strings.Join(c.want, "|") {
			t.Errorf("tokens(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	if got := tokens(strings.Repeat("a@b.cd ", 1000), 5); len(got) != 1 {
		t.Errorf("duplicates: %d", len(got))
	}
}

// gpgKeys reads a --with-colons --with-keygrip listing: primary fingerprint
// -> keygrips of the primary and its subkeys, and e-mails of the UIDs.
func gpgKeys(t *testing.T, file string) (grips, emails map[string][]string) {
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	grips, emails = map[string][]string{}, map[string][]string{}
	var primary string
	var inPrimary, wantFpr bool
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fl := strings.Split(sc.Text(), ":")
		switch fl[0] {
		case "pub", "sec":
			inPrimary, wantFpr = true, true
		case "sub", "ssb":
			inPrimary, wantFpr = false, false
		case "fpr":
			if wantFpr {
				primary, wantFpr = fl[9], false
			}
		case "grp":
			grips[primary] = append(grips[primary], fl[9])
		case "uid":
			if i, j := strings.LastIndex(fl[9], "<"), strings.LastIndex(fl[9], ">"); i >= 0 && j > i {
				emails[primary] = append(emails[primary], strings.ToLower(fl[9][i+1:j]))
			}
		}
		_ = inPrimary
	}
	return grips, emails
}

// The linker over the real GnuPG fixtures, as the pipeline runs it: alice's
// GnuPG home, the legacy rings and the documents folder as one exhibit.
func TestLinkerOnRealHomes(t *testing.T) {
	root := filepath.Join("..", "..", "testdata", "artefacts", "pgp")
	reg, err := artefacts.NewRegistry(NewKeyring(), NewPrivateKey(), NewArmour(), NewTrustDB(), NewLinker())
	if err != nil {
		t.Fatal(err)
	}
	s, err := scan.New(scan.Config{Registry: reg, WorkDir: t.TempDir(), Open: scan.Openers{
		Image: func(context.Context, ...string) (imaging.Image, error) { return nil, os.ErrNotExist },
		Disk:  func(context.Context, imaging.Image) (*scan.Disk, error) { return nil, os.ErrNotExist }}})
	if err != nil {
		t.Fatal(err)
	}
	collect := func() *finding.Collector {
		var c finding.Collector
		if err := s.Collect(context.Background(), []scan.SourceSpec{{Folder: root}}, &c); err != nil {
			t.Fatal(err)
		}
		return &c
	}
	c := collect()
	grips, _ := gpgKeys(t, filepath.Join(root, "alice.list-secret-keys.colons"))
	_, pubEmails := gpgKeys(t, filepath.Join(root, "alice.list-keys.colons"))
	ids := map[string]finding.Artefact{}
	for _, a := range c.Kind("pgp.identity") {
		ids[attrOf(a, "fingerprint").Str] = a
	}
	if len(ids) != len(pubEmails) {
		t.Fatalf("%d identities, gpg lists %d public keys", len(ids), len(pubEmails))
	}
	for fpr, want := range pubEmails {
		a, ok := ids[fpr]
		if !ok {
			t.Fatalf("no identity for %s", fpr)
		}
		sort.Strings(want)
		if got := attrOf(a, "emails").Str; got != strings.Join(want, "\n") {
			t.Errorf("%s emails %q, want %q", fpr, got, want)
		}
		_, secret := grips[fpr]
		if attrOf(a, "secret_on_exhibit").Bool != secret {
			t.Errorf("%s secret_on_exhibit %v, gpg --list-secret-keys %v", fpr, attrOf(a, "secret_on_exhibit").Bool, secret)
		}
	}
	// Every keygrip gpg lists for a secret key is linked to its primary
	// through the agent's key file of that name.
	links := c.Kind("pgp.link")
	n := 0
	for fpr, gs := range grips {
		for _, g := range gs {
			found := false
			for _, l := range links {
				if attrOf(l, "fingerprint").Str == fpr && attrOf(l, "link").Str == "secret_key_file" && attrOf(l, "value").Str == g &&
					strings.HasSuffix(l.Source.Path(), "/"+g+".key") {
					found = true
				}
			}
			if !found {
				t.Errorf("keygrip %s of %s not linked", g, fpr)
			}
			n++
		}
	}
	files, _ := filepath.Glob(filepath.Join(root, "alice", "private-keys-v1.d", "*.key"))
	if n != len(files) || n == 0 {
		t.Errorf("%d keygrips in gpg's listing, %d agent key files", n, len(files))
	}
	// The unprotected rsa2048 key has its weakest copy unprotected (the
	// agent file, legacy secring.gpg and the armoured export); the ed25519
	// key's only copies are protected (its subkeys-only export is a stub).
	for _, a := range c.Kind("pgp.identity") {
		e := attrOf(a, "emails").Str
		want := map[string]string{"alice.u@example.org": "unprotected", "alice.p@example.net\nalice@example.org": "protected",
			"archive@example.org": "protected", "bob@example.com": "none found"}[e]
		if got := attrOf(a, "secret_protection").Str; got != want {
			t.Errorf("%q: secret_protection %q, want %q", e, got, want)
		}
		if e == "alice.u@example.org" {
			// Agent files of its keygrip in every GnuPG home of the tree,
			// plus legacy secring.gpg and the armoured export.
			agent, _ := filepath.Glob(filepath.Join(root, "*", "private-keys-v1.d", grips[attrOf(a, "fingerprint").Str][0]+".key"))
			if want := int64(len(agent) + 2); len(agent) == 0 || attrOf(a, "secret_key_files").Int != want {
				t.Errorf("alice.u: %d secret copies, want %d", attrOf(a, "secret_key_files").Int, want)
			}
		}
	}
	// Alice certified Bob's UID: a certified_by link from Alice's key.
	certs := 0
	for _, l := range links {
		if attrOf(l, "link").Str == "key_id" && attrOf(l, "linked_attr").Str == "certified_by" {
			certs++
			if !strings.Contains(ids[attrOf(l, "fingerprint").Str].Attrs[2].Str, "alice@example.org") {
				t.Errorf("certification by %s", attrOf(l, "fingerprint").Str)
			}
		}
	}
	if certs == 0 {
		t.Error("no certification link")
	}
	// Deterministic across reruns (parallel workers, arbitrary order).
	again := collect()
	if canon(c) != canon(again) {
		t.Error("two runs link differently")
	}
}

func canon(c *finding.Collector) string {
	var b strings.Builder
	for _, k := range []string{"pgp.identity", "pgp.link"} {
		for _, a := range c.Kind(k) {
			b.WriteString(a.Source.String())
			for _, at := range a.Attrs {
				b.WriteString("|" + at.Name + "=" + at.Str)
			}
			b.WriteString("\n")
		}
	}
	return b.String()
}

func attrOf(a finding.Artefact, name string) finding.Attr { v, _ := a.Get(name); return v }

// Mentions in other artefacts: a chat message naming the fingerprint in
// gpg's display form and the UID e-mail; an unrelated hex string is not a
// link; output does not depend on observation order.
func TestLinkerMentions(t *testing.T) {
	img := source.Image("d")
	key := finding.Artefact{Kind: "pgp.key", Source: img.Entry("/k/pubring.kbx", "1").At(10, 50),
		Attrs: []finding.Attr{finding.S("fingerprint", "E0B1A459BA1E3EFCCA9D4C6859C696DABC6E15FC"), finding.S("key_id", "59C696DABC6E15FC"), finding.S("keygrip", "AA")}}
	uid := finding.Artefact{Kind: "pgp.uid", Source: img.Entry("/k/pubring.kbx", "1").At(60, 20),
		Attrs: []finding.Attr{finding.S("fingerprint", "E0B1A459BA1E3EFCCA9D4C6859C696DABC6E15FC"), finding.S("email", "alice@example.org"), finding.S("uid", "Alice <alice@example.org>")}}
	chat := finding.Artefact{Kind: "chat.message", Source: img.Entry("/c/db.sqlite", "2").Row("messages", "7"),
		Attrs: []finding.Attr{finding.S("body", "my key: E0B1 A459 BA1E 3EFC CA9D  4C68 59C6 96DA BC6E 15FC, mail ALICE@example.org, not 0123456789ABCDEF")}}
	other := finding.Artefact{Kind: "wallet.label", Source: img.Entry("/w/wallet", "3").Record("label", "1"),
		Attrs: []finding.Attr{finding.S("label", "from 59c696dabc6e15fc"), finding.I("n", 1)}}
	outs := map[string]bool{}
	for _, order := range [][]finding.Artefact{{key, uid, chat, other}, {other, chat, uid, key}, {chat, key, other, uid}} {
		st := NewLinker().Correlation()
		for _, a := range order {
			st.Observe(a)
		}
		var c finding.Collector
		if err := st.Finish(context.Background(), &c); err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, l := range c.Kind("pgp.link") {
			got = append(got, attrOf(l, "link").Str+" "+attrOf(l, "linked_kind").Str+" "+l.Source.String())
		}
		sort.Strings(got)
		outs[strings.Join(got, "\n")+canon(&c)] = true
		want := "fingerprint chat.message image:d > entry:/c/db.sqlite#2 > row:messages#7\n" +
			"key_id wallet.label image:d > entry:/w/wallet#3 > record:label#1\n" +
			"uid_email chat.message image:d > entry:/c/db.sqlite#2 > row:messages#7"
		if strings.Join(got, "\n") != want {
			t.Fatalf("links:\n%s\nwant:\n%s", strings.Join(got, "\n"), want)
		}
		if ids := c.Kind("pgp.identity"); len(ids) != 1 || attrOf(ids[0], "links").Int != 3 || attrOf(ids[0], "secret_on_exhibit").Bool {
			t.Fatalf("identity %+v", ids)
		}
	}
	if len(outs) != 1 {
		t.Error("output depends on observation order")
	}
}

func FuzzLinkTokens(f *testing.F) {
	f.Add("E0B1 A459 BA1E 3EFC CA9D  4C68 59C6 96DA BC6E 15FC alice@example.org 0x59c696dabc6e15fc")
	f.Add("@@@.. a@b. 0123 4567 89AB CDEF 0123 ")
	f.Fuzz(func(t *testing.T, s string) {
		for _, tok := range tokens(s, 16) {
			if len(tok) != 16 && len(tok) != 40 && !strings.Contains(tok, "@") {
				t.Fatalf("token %q", tok)
			}
		}
	})
}
