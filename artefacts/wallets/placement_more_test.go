package wallets

import (
	"bufio"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"github.com/loupe-forensics/loupe/artefacts"
)

// TestPlacementMoreHook: 41-wallets-more.sh places every listed fixture,
// and on the placed tree each wallet is found by content by its parser
// (LevelDB stores through their CURRENT file, as the pipeline offers it).
func TestPlacementMoreHook(t *testing.T) {
	hook, _ := filepath.Abs("../../testdata/gen/tree.d/41-wallets-more.sh")
	if st, err := os.Stat(hook); err != nil || st.Mode()&0o111 == 0 {
		t.Fatalf("hook missing or not executable: %v", err)
	}
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("bash not installed")
	}
	tmp := t.TempDir()
	roots := map[string]string{"win": filepath.Join(tmp, "win"), "linux": filepath.Join(tmp, "lin")}
	for range 2 { // idempotent
		cmd := exec.Command(hook, roots["win"], roots["linux"])
		cmd.Env = append(os.Environ(), "FIXTURE_EPOCH=1773482400")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("hook: %v\n%s", err, out)
		}
	}
	f, err := os.Open(filepath.Join(fixtures, "placements-more.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	family := map[string]struct {
		p    artefacts.Parser
		kind string
		file string // inside a placed folder, the file offered
	}{
		"bitcoin-core": {NewBitcoinCore(), KindBitcoinCore, ""},
		"metamask":     {NewMetaMask(), KindMetaMask, "CURRENT"},
		"atomic":       {NewAtomic(), KindAtomic, "CURRENT"},
		"exodus":       {NewExodus(), KindExodus, "seed.seco"},
		"monero":       {NewMonero(), KindMonero, "market.keys"},
		"wasabi":       {NewWasabi(), KindWasabi, ""},
		"ledger-live":  {NewLedgerLive(), KindLedgerLive, ""},
	}
	placed := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		col := strings.Split(line, "\t")
		if len(col) != 6 {
			t.Fatalf("bad placement line %q", line)
		}
		fam, ok := family[strings.SplitN(col[0], "/", 2)[0]]
		if !ok {
			t.Fatalf("no parser for %s", col[0])
		}
		rel := col[2]
		if fam.file != "" {
			rel = path.Join(rel, fam.file)
		}
		b, err := os.ReadFile(filepath.Join(roots[col[1]], rel))
		if err != nil {
			t.Fatal(err)
		}
		in := input("/"+rel, b)
		in.FS = os.DirFS(roots[col[1]])
		in.WorkDir = t.TempDir()
		if !fam.p.Match(in) {
			t.Errorf("%s: %s does not match", rel, fam.p.Name())
			continue
		}
		c, err := run(t, fam.p, in)
		if err != nil || len(c.Kind(fam.kind)) != 1 {
			t.Errorf("%s: %v, %d %s", rel, err, len(c.Kind(fam.kind)), fam.kind)
		}
		for _, w := range c.Warnings {
			if !strings.Contains(w.Message, "not a valid address") { // Atomic's deliberately damaged entry
				t.Errorf("%s: warning %s", rel, w.Message)
			}
		}
		placed++
	}
	if placed != 12 {
		t.Fatalf("%d placements, want 12", placed)
	}
}
