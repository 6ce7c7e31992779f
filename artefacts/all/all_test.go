package all

import (
	"strings"
	"testing"
)

// Every family is in the list, names are unique (NewRegistry checks) and
// there is a correlator.
func TestRegistry(t *testing.T) {
	r, err := New()
	if err != nil {
		t.Fatal(err)
	}
	families := map[string]int{}
	for _, p := range r.Parsers() {
		families[strings.SplitN(p.Name(), "/", 2)[0]]++
	}
	for _, f := range []string{"file", "notable", "wallets", "pgp", "tor", "chats"} {
		if families[f] == 0 {
			t.Errorf("no %s parser registered (%v)", f, families)
		}
	}
	if len(r.Correlators()) == 0 {
		t.Error("no correlator registered")
	}
}
