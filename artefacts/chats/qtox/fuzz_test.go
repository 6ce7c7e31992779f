package qtox

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzReadProfile: hostile saves never panic, and every problem and friend
// lies inside the input.
func FuzzReadProfile(f *testing.F) {
	for _, n := range []string{"alice.tox", "dave.tox"} {
		if b, err := os.ReadFile(filepath.Join(root, n)); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("\x00\x00\x00\x00\x1f\x1b\xed\x15\xff\xff\xff\xff\x03\x00\xce\x01"))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, probs, err := ReadProfile(b)
		if err != nil {
			return
		}
		for _, pr := range probs {
			if pr.Offset < 0 || pr.Offset > int64(len(b)) {
				t.Fatalf("problem offset %d outside %d bytes", pr.Offset, len(b))
			}
		}
		for _, fr := range p.Friends {
			if fr.Offset < 0 || fr.Offset+savedFriendSize > int64(len(b)) {
				t.Fatalf("friend at %d outside %d bytes", fr.Offset, len(b))
			}
		}
		_ = p.ToxID()
	})
}
