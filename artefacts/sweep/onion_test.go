package sweep

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/loupe-forensics/loupe/artefacts/onion"
)

// TestOnionVectors checks the default v3 validator on the shared public
// vector (RFC 8032 TEST 1's key) and its three broken forms.
func TestOnionVectors(t *testing.T) {
	dir := os.Getenv("LOUPE_SHARED")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "shared")
	}
	b, err := os.ReadFile(filepath.Join(dir, "vectors", "onion", "onion_v3_vectors.json"))
	if err != nil {
		t.Skipf("shared vectors not found (set LOUPE_SHARED): %v", err)
	}
	var v struct {
		Valid   []struct{ Address string }
		Invalid []struct{ Address, Why string }
	}
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	if len(v.Valid) == 0 || len(v.Invalid) == 0 {
		t.Fatal("no vectors")
	}
	for _, x := range v.Valid {
		if !onion.ValidV3(x.Address) {
			t.Errorf("valid %s rejected", x.Address)
		}
		hits, _ := (&Engine{}).ScanBytes([]byte("<a href=\"http://"+x.Address+"/\">"), 0)
		if len(hits) != 2 || hits[1].Type != TypeOnionV3 || hits[1].Offset != 16 {
			t.Errorf("scan of a link: %+v", hits)
		}
	}
	for _, x := range v.Invalid {
		if onion.ValidV3(x.Address) {
			t.Errorf("invalid %s (%s) accepted", x.Address, x.Why)
		}
		if hits, _ := (&Engine{}).ScanBytes([]byte(" "+x.Address+" "), 0); len(hits) != 0 {
			t.Errorf("invalid %s reported: %+v", x.Address, hits)
		}
	}
}

// A v2 address has no checksum: its shape is all that can be checked, and
// it is reported as such.
func TestOnionV2(t *testing.T) {
	hits, counts := (&Engine{}).ScanBytes([]byte("old: expyuzz4wqqyqhjn.onion, not: expyuzz4wqqyqhj1.onion\n"), 0)
	if len(hits) != 1 || hits[0].Type != TypeOnionV2 || hits[0].Value != "expyuzz4wqqyqhjn.onion" || hits[0].Offset != 5 {
		t.Fatalf("hits %+v", hits)
	}
	if counts.Candidates[famOnion] != 1 {
		t.Errorf("candidates %v", counts.Candidates)
	}
}
