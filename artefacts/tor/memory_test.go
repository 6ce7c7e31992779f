package tor

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/loupe-forensics/loupe/artefacts"
)

// allocated returns the bytes the Go heap allocated while f ran.
func allocated(f func()) uint64 {
	var a, b runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&a)
	f()
	runtime.ReadMemStats(&b)
	return b.TotalAlloc - a.TotalAlloc
}

// Hostile inputs must not make the parsers allocate in proportion to what
// the input claims or contains: the input itself is already in memory
// here, so anything near its size would be a copy.
func TestBoundedMemory(t *testing.T) {
	prefs, _ := os.ReadFile(filepath.Join(torFixtures(t), "profile", "prefs.js"))
	state, _ := os.ReadFile(filepath.Join(torFixtures(t), "tor-data", "state"))
	sess, _ := os.ReadFile(filepath.Join(torFixtures(t), "profile", "sessionstore-backups", "recovery.jsonlz4"))
	line := strings.Repeat("A", 10<<20)
	hugePrefs := append(append([]byte(nil), prefs...), `user_pref("torbrowser.x", "`+line+`");`+"\n"...)
	hugeState := append(append([]byte(nil), state...), "Guard in=default nickname="+line+"\n"...)
	claim := append([]byte(nil), sess...)
	binary.LittleEndian.PutUint32(claim[8:], 0xFFFFFFFF)
	// A claim just under the cap with a tiny block: refused before the
	// 64 MiB output buffer is made, because no LZ4 block that small can
	// expand that far.
	nearCap := append([]byte(nil), sess...)
	binary.LittleEndian.PutUint32(nearCap[8:], maxSession)
	for _, tc := range []struct {
		name  string
		p     artefacts.Parser
		data  []byte
		limit uint64
	}{
		{"10 MB single-line prefs.js", NewPrefs(), hugePrefs, 1 << 20},
		{"10 MB garbage line in state", NewState(), hugeState, 1 << 20},
		{"mozlz4 claiming 4 GiB", NewSession(), claim, 64 << 10},
		{"mozlz4 claiming 64 MiB from 700 bytes", NewSession(), nearCap, 1 << 20},
	} {
		warns := 0
		n := allocated(func() {
			c, _ := run(t, tc.p, tc.data)
			warns = len(c.Warnings)
		})
		if n > tc.limit || warns == 0 {
			t.Errorf("%s: %d bytes allocated (limit %d), %d warnings", tc.name, n, tc.limit, warns)
		}
		t.Logf("%s: %d KiB allocated", tc.name, n>>10)
	}
}
