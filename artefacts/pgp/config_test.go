package pgp

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/loupe-forensics/loupe/artefacts"
	"github.com/loupe-forensics/loupe/forensic/finding"
	"github.com/loupe-forensics/loupe/forensic/source"
)

// optionLines counts the option lines of a config file as GnuPG reads it
// (blank lines and # comments skipped).
func optionLines(t *testing.T, file string) int {
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, l := range strings.Split(string(b), "\n") {
		if l = strings.TrimSpace(l); l != "" && l[0] != '#' {
			n++
		}
	}
	return n
}

func TestConfigFiles(t *testing.T) {
	root := filepath.Join(fixtures, "conf")
	check, err := os.ReadFile(filepath.Join(root, "gpgconf-check.txt"))
	if err != nil || strings.Count(string(check), ": ok") != 3 {
		t.Fatalf("GnuPG did not accept the fixtures (testdata/gen/pgp-conf.sh): %s %v", check, err)
	}
	for _, c := range []struct {
		file, notable string
		values        map[string]string
	}{
		{"gpg.conf", "default-key,hidden-encrypt-to,throw-keyids", map[string]string{
			"default-key": "E0B1A459BA1E3EFCCA9D4C6859C696DABC6E15FC", "personal-digest-preferences": "SHA512 SHA384 SHA256", "throw-keyids": ""}},
		{"gpg-agent.conf", "max-cache-ttl,allow-preset-passphrase,enable-ssh-support", map[string]string{"default-cache-ttl": "34560000"}},
		{"dirmngr.conf", "use-tor", map[string]string{"keyserver": "hkp://zkaan2xfbuxia2wpf7ofnkbz6r5zdbbvxbunvp5g2iebopbfc4iqmbad.onion"}},
	} {
		c2 := run(t, NewConfig(), input(t, root, c.file))
		opts := c2.Kind("pgp.config_option")
		if len(c2.Warnings) != 0 || len(opts) != optionLines(t, filepath.Join(root, c.file)) {
			t.Errorf("%s: %d options, %d lines; warnings %+v", c.file, len(opts), optionLines(t, filepath.Join(root, c.file)), c2.Warnings)
		}
		got := map[string]string{}
		for _, o := range opts {
			got[str(o, "option")] = str(o, "value")
			if v, _ := o.Get("known"); !v.Bool {
				t.Errorf("%s: %s not known", c.file, str(o, "option"))
			}
			if !strings.Contains(o.Source.String(), "record:line#") {
				t.Errorf("provenance %s", o.Source)
			}
		}
		for k, v := range c.values {
			if g, ok := got[k]; !ok || g != v {
				t.Errorf("%s: %s = %q, want %q", c.file, k, g, v)
			}
		}
		if s := c2.Kind("pgp.config"); len(s) != 1 || str(s[0], "notable") != c.notable {
			t.Errorf("%s summary: %+v", c.file, s)
		}
	}
	ssh := run(t, NewConfig(), input(t, root, "sshcontrol"))
	keys := ssh.Kind("pgp.ssh_key")
	if len(keys) != 2 || str(keys[0], "keygrip") != "B8C313DCA59F96C647BCC60C320C94EF330B61F4" {
		t.Fatalf("sshcontrol: %+v", keys)
	}
	if v, _ := keys[1].Get("disabled"); !v.Bool {
		t.Error("the ! entry is not marked disabled")
	}
}

func TestConfigHostile(t *testing.T) {
	dir := t.TempDir()
	// Same name, someone else's format: not matched.
	os.WriteFile(filepath.Join(dir, "gpg.conf"), []byte("[section]\nkey=value\n"), 0o644)
	if NewConfig().Match(input(t, dir, "gpg.conf")) {
		t.Error("an INI file named gpg.conf matched")
	}
	// A 1 MB line among real options: skipped with a warning.
	os.WriteFile(filepath.Join(dir, "gpg.conf"), []byte("default-key X\n"+strings.Repeat("a", 1<<20)+"\nthrow-keyids\n"), 0o644)
	c := run(t, NewConfig(), input(t, dir, "gpg.conf"))
	if len(c.Warnings) != 1 || len(c.Kind("pgp.config_option")) != 2 {
		t.Errorf("warnings %+v, options %d", c.Warnings, len(c.Kind("pgp.config_option")))
	}
}

func FuzzConfig(f *testing.F) {
	for _, n := range []string{"gpg.conf", "gpg-agent.conf", "dirmngr.conf", "sshcontrol"} {
		b, _ := os.ReadFile(filepath.Join(fixtures, "conf", n))
		f.Add(n, b)
	}
	f.Fuzz(func(t *testing.T, name string, data []byte) {
		for _, n := range []string{"gpg.conf", "sshcontrol"} {
			in := &artefacts.Input{Ref: source.Folder("f").Entry("/h/"+n, ""), Path: "/h/" + n, Size: int64(len(data)), Head: data[:min(len(data), artefacts.HeadSize)],
				Reader: strings.NewReader(string(data))}
			if NewConfig().Match(in) {
				var c finding.Collector
				_ = NewConfig().Parse(t.Context(), in, &c)
			}
		}
		_ = name
	})
}
