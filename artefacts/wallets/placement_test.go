package wallets

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/loupe-forensics/loupe/artefacts/coins"
)

// The disk-generator hook places every fixture listed in placements.tsv;
// run it into a temporary tree and check that what lands there is found by
// content alone: each wallet by its parser, the note's seeds by the sweep's
// line rule even with Windows line endings.
func TestPlacementHook(t *testing.T) {
	hook, _ := filepath.Abs("../../testdata/gen/tree.d/40-wallets.sh")
	st, err := os.Stat(hook)
	if err != nil || st.Mode()&0o111 == 0 {
		t.Fatalf("hook missing or not executable: %v", err)
	}
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("bash not installed")
	}
	tmp := t.TempDir()
	win, lin := filepath.Join(tmp, "win"), filepath.Join(tmp, "lin")
	for range 2 { // idempotent: a second run changes nothing and does not fail
		cmd := exec.Command(hook, win, lin)
		cmd.Env = append(os.Environ(), "FIXTURE_EPOCH=1773482400")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("hook: %v\n%s", err, out)
		}
	}
	f, err := os.Open(filepath.Join(fixtures, "placements.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
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
		root := map[string]string{"win": win, "linux": lin}[col[1]]
		b, err := os.ReadFile(filepath.Join(root, col[2]))
		if err != nil {
			t.Fatal(err)
		}
		in := input("/"+col[2], b)
		el, ks := NewElectrum().Match(in), NewEthKeystore().Match(in)
		switch {
		case strings.HasPrefix(col[0], "electrum/"):
			if !el || ks {
				t.Errorf("%s: electrum match %v keystore match %v", col[2], el, ks)
			}
		case strings.HasPrefix(col[0], "ethereum/"):
			if el || !ks {
				t.Errorf("%s: electrum match %v keystore match %v", col[2], el, ks)
			}
		default:
			if el || ks {
				t.Errorf("%s: matched by a wallet parser", col[2])
			}
			if n := len(coins.FindSeedLines(b)); n != 2 {
				t.Errorf("%s: %d seed lines, want 2", col[2], n)
			}
		}
		placed++
	}
	if placed != 12 {
		t.Fatalf("%d placements, want 12", placed)
	}
}
