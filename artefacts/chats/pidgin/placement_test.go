package pidgin_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/loupe-forensics/loupe/artefacts"
	"github.com/loupe-forensics/loupe/artefacts/chats/discord"
	"github.com/loupe-forensics/loupe/artefacts/chats/element"
	"github.com/loupe-forensics/loupe/artefacts/chats/gajim"
	"github.com/loupe-forensics/loupe/artefacts/chats/pidgin"
	"github.com/loupe-forensics/loupe/artefacts/chats/psi"
	"github.com/loupe-forensics/loupe/artefacts/chats/telegram"
	"github.com/loupe-forensics/loupe/forensic/finding"
	"github.com/loupe-forensics/loupe/forensic/source"
)

// TestHookPlacement runs the disk hook (tree.d/55-chats-im.sh) into a
// temporary Windows and Linux tree and offers every file to every chat
// parser, as examine does: content matching must find each store where the
// clients keep it and nothing else, with exact totals per kind.
func TestHookPlacement(t *testing.T) {
	d := t.TempDir()
	win, lin := filepath.Join(d, "win"), filepath.Join(d, "lin")
	hook := filepath.Join("..", "..", "..", "testdata", "gen", "tree.d", "55-chats-im.sh")
	if out, err := exec.Command("bash", hook, win, lin).CombinedOutput(); err != nil {
		t.Fatalf("hook: %v\n%s", err, out)
	}
	reg, err := artefacts.NewRegistry(pidgin.NewAccounts(), pidgin.NewBuddyList(), pidgin.NewLog(), pidgin.NewOTRPrivateKey(),
		pidgin.NewOTRFingerprints(), gajim.New(), psi.NewAccounts(), psi.NewHistory(), telegram.NewTData(telegram.Options{}),
		element.New(), discord.New())
	if err != nil {
		t.Fatal(err)
	}
	var c finding.Collector
	for _, root := range []string{win, lin} {
		fsys := os.DirFS(root)
		err := fs.WalkDir(fsys, ".", func(p string, de fs.DirEntry, err error) error {
			if err != nil || !de.Type().IsRegular() {
				return err
			}
			b, err := fs.ReadFile(fsys, p)
			if err != nil {
				return err
			}
			sum := sha256.Sum256(b)
			in := &artefacts.Input{Ref: source.Image(filepath.Base(root)).FS("ext4", 0).Entry("/"+p, ""), Path: "/" + p,
				Size: int64(len(b)), Head: b[:min(len(b), artefacts.HeadSize)], Reader: bytes.NewReader(b),
				SHA256: hex.EncodeToString(sum[:]), FS: fsys, WorkDir: t.TempDir()}
			for _, parser := range reg.Matching(in) {
				_ = artefacts.Run(context.Background(), parser, in, &c)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	counts := map[string]int{}
	for _, a := range c.Artefacts {
		counts[a.Kind]++
		seen := map[string]bool{}
		for _, at := range a.Attrs {
			if seen[at.Name] {
				t.Errorf("%s at %s: attribute %s twice", a.Kind, a.Source, at.Name)
			}
			seen[at.Name] = true
		}
		if err := a.Source.Validate(); err != nil {
			t.Errorf("%s: provenance %s: %v", a.Kind, a.Source, err)
		}
	}
	want := map[string]int{
		"chat.account": 6, "chat.credential": 2, "chat.contact": 5, "chat.conversation": 5, "chat.message": 29,
		"chat.store": 2, "chat.telegram_authorization": 2, "chat.telegram_map": 2, "chat.telegram_settings": 2,
		"chat.omemo_identity": 3, "chat.otr_private_key": 2, "chat.otr_fingerprint": 3, "chat.pidgin_group": 2,
	}
	for k, n := range want {
		if counts[k] != n {
			t.Errorf("%s: %d, want %d", k, counts[k], n)
		}
	}
	for k := range counts {
		if _, ok := want[k]; !ok {
			t.Errorf("unexpected kind %s (%d)", k, counts[k])
		}
	}
	// The only warnings: bob's tdata has a local passcode and none was given.
	if len(c.Warnings) != 3 {
		t.Errorf("%d warnings: %+v", len(c.Warnings), c.Warnings)
	}
	for _, w := range c.Warnings {
		if !strings.Contains(w.Message, "a local passcode is set") || !strings.Contains(w.Source.String(), "TelegramDesktop") {
			t.Errorf("warning %s: %s", w.Source, w.Message)
		}
	}
}
