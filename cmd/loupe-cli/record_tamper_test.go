package main

import (
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestVerifyTamperExitCodes applies each acceptance edit with plain SQL to a
// copy of a record (with its beside-the-record anchor) and checks that
// `verify` exits 1 naming the entry, while the untouched copy exits 0.
func TestVerifyTamperExitCodes(t *testing.T) {
	path, keyDir := smallRecord(t)
	kd := "--key-dir=" + keyDir
	// Entries so far: 1 create, 2 checkpoint, 3 run.start, 4 run.findings,
	// 5 run.finish, 6 checkpoint. The note adds 7 note, 8 checkpoint.
	if code, _, stderr := runCLI(t, "note", path, "--text", "Seal S123 intact on receipt", "--examiner", "DC Test", kd); code != exitOK {
		t.Fatalf("note: %s", stderr)
	}
	copyRecord := func(t *testing.T) string {
		cp := filepath.Join(t.TempDir(), "copy.loupe")
		for _, suf := range []string{"", ".checkpoint"} {
			b, err := os.ReadFile(path + suf)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(cp+suf, b, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		return cp
	}
	if code, _, stderr := runCLI(t, "verify", copyRecord(t), kd); code != exitOK {
		t.Fatalf("untouched copy: exit %d %s", code, stderr)
	}
	cases := []struct {
		name string
		sql  []string
		want []string // all must appear in stderr
	}{
		{"artefact attribute changed", []string{`UPDATE artefacts SET content=replace(content,'x.onion','y.onion') WHERE id=1`},
			[]string{"audit entry 4", "artefacts row 1", "edited"}},
		{"audit entry deleted", []string{`DELETE FROM audit WHERE seq=5`}, []string{"audit entry 5", "missing"}},
		{"two audit entries swapped", []string{`UPDATE audit SET seq=-3 WHERE seq=3`, `UPDATE audit SET seq=3 WHERE seq=4`, `UPDATE audit SET seq=4 WHERE seq=-3`},
			[]string{"audit entry 3"}},
		{"note edited", []string{`UPDATE notes SET content=replace(content,'intact','broken')`}, []string{"audit entry 7", "notes row 1"}},
		{"newest entries deleted after a signed checkpoint", []string{`DELETE FROM audit WHERE seq>6`, `DELETE FROM notes`},
			[]string{"audit entry 7", "signed checkpoint"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cp := copyRecord(t)
			db, err := sql.Open("sqlite3", "file:"+cp)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range tc.sql {
				if _, err := db.Exec(s); err != nil {
					t.Fatalf("%s: %v", s, err)
				}
			}
			db.Close()
			code, _, stderr := runCLI(t, "verify", cp, kd)
			if code != exitFailed {
				t.Fatalf("exit %d, want 1 (%s)", code, stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr %q lacks %q", stderr, w)
				}
			}
		})
	}
}
