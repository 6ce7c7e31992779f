package tor

import (
	"os"
	"path/filepath"
	"testing"
)

func FuzzInstall(f *testing.F) {
	for _, p := range []string{"profile", "profile-linux", "profile-firefox"} {
		b, _ := os.ReadFile(filepath.Join(torFixtures(f), p, "compatibility.ini"))
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) { run(t, NewInstall(), data) })
}

func FuzzProfileJSON(f *testing.F) {
	for _, p := range []string{"profile-linux/extensions.json", "profile-linux/times.json", "profile/times.json"} {
		b, _ := os.ReadFile(filepath.Join(torFixtures(f), p))
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) { run(t, NewProfileJSON(), data) })
}

func FuzzConsensus(f *testing.F) {
	for _, n := range []string{"cached-consensus", "cached-microdesc-consensus"} {
		b, _ := os.ReadFile(filepath.Join(torFixtures(f), "tor-net", n))
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) { run(t, NewConsensus(), data) })
}
