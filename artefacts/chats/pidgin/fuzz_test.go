package pidgin

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func fixtureLogs(tb testing.TB) map[string][]byte {
	out := map[string][]byte{}
	_ = filepath.WalkDir(filepath.Join(fixture, ".purple", "logs"), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := os.ReadFile(p)
			out[filepath.Base(p)] = b
		}
		return nil
	})
	if len(out) == 0 {
		tb.Fatal("no fixture logs")
	}
	return out
}

// FuzzParseLog: any bytes give a session whose messages lie inside the
// input, in line order, with bodies taken from the file.
func FuzzParseLog(f *testing.F) {
	for name, b := range fixtureLogs(f) {
		f.Add(b, name)
	}
	f.Add([]byte("Conversation with a at b on c (d)\n(25:61:99) x: y\n"), "2026-02-30.250000+9999X.txt")
	f.Fuzz(func(t *testing.T, data []byte, name string) {
		s := ParseLog(data, name)
		last := -1
		for _, m := range s.Messages {
			if m.Offset < 0 || m.Offset+m.Length > int64(len(data)) || m.Line <= last {
				t.Fatalf("message out of place: %+v (len %d)", m, len(data))
			}
			last = m.Line
			if !strings.Contains(string(data[m.Offset:m.Offset+m.Length]), m.Body) {
				t.Fatalf("body %q not in its bytes", m.Body)
			}
		}
	})
}

// FuzzOTRPrivateKeys: the S-expression reader never panics and bounds its depth.
func FuzzOTRPrivateKeys(f *testing.F) {
	b, err := os.ReadFile(filepath.Join(fixture, ".purple", "otr.private_key"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add([]byte(strings.Repeat("(", 100000)))
	f.Add([]byte(`(privkeys (account (name "a") (protocol p) (private-key (dsa (p #zz#)))))`))
	f.Fuzz(func(t *testing.T, data []byte) {
		keys, _ := ParseOTRPrivateKeys(data)
		for _, k := range keys {
			if len(k.Fingerprint) != 40 {
				t.Fatalf("fingerprint %q", k.Fingerprint)
			}
		}
	})
}
