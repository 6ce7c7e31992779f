package main

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/loupe-forensics/loupe/forensic/finding"
	"github.com/loupe-forensics/loupe/forensic/record"
	"github.com/loupe-forensics/loupe/forensic/source"
	"github.com/loupe-forensics/loupe/imaging"
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

// TestCheckEvidence compares re-hash results with the source and
// verification rows as examine writes them.
func TestCheckEvidence(t *testing.T) {
	ctx := context.Background()
	keyDir := t.TempDir()
	path := filepath.Join(t.TempDir(), "r.loupe")
	r, err := record.Create(ctx, path, record.Setup{Examiner: record.Examiner{Name: "DC Test"}}, record.Options{KeyDir: keyDir})
	if err != nil {
		t.Fatal(err)
	}
	// The digests of the committed gpt.E01 fixture, as examine records them.
	good := imaging.Digests{MD5: "fb641b6d79a28025a500ba59da5a7dda", SHA1: "75d919f0bac511c0258418caab31f1f627b20d8d",
		SHA256: "4f81890b9ce57877506ddf1b8d21f9ab30f4858991566f9b31727f8544cea1c9"}
	// Row layouts as examine writes them (forensic/recordstore: SourceRow and VerificationRow).
	src, err := r.AddRow(ctx, "sources", "source.add", map[string]any{"ref": "image:gpt.E01", "format": "e01", "acquisition": imaging.Digests{MD5: good.MD5}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.AddRow(ctx, "verifications", "source.verify", map[string]any{"source_id": src, "computed": good, "result": "match"}); err != nil {
		t.Fatal(err)
	}
	r.AddRow(ctx, "sources", "source.add", map[string]any{"ref": "image:unverified.raw", "format": "raw"})
	r.Close()
	ro, err := record.OpenReadOnly(ctx, path, record.Options{KeyDir: keyDir})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	bad := good
	bad.SHA1 = "0000000000000000000000000000000000000000"
	badMD5 := good
	badMD5.MD5 = "00000000000000000000000000000000"
	for _, tc := range []struct {
		ref      string
		computed imaging.Digests
		errs     []*imaging.ChunkError
		want     string // "" = intact
	}{
		{"image:gpt.E01", good, nil, ""},
		{"image:gpt.E01", bad, nil, "verification 1 sha1"},
		{"image:gpt.E01", badMD5, nil, "acquisition md5"},
		{"image:gpt.E01", good, []*imaging.ChunkError{{FirstSector: 64, LastSector: 127, File: "gpt.E01", Reason: "bad checksum"}}, "unreadable"},
		{"image:other.E01", good, nil, "not a source"},
		{"image:unverified.raw", good, nil, "no verification"},
	} {
		recorded, problem, err := checkEvidence(ctx, ro, tc.ref, imaging.VerifyResult{Computed: tc.computed, Errors: tc.errs})
		if err != nil {
			t.Fatal(err)
		}
		if (tc.want == "") != (problem == "") || !strings.Contains(problem, tc.want) || recorded != (tc.want == "") {
			t.Errorf("%s %+v: recorded %v problem %q, want %q", tc.ref, tc.computed, recorded, problem, tc.want)
		}
	}
}

func TestArtefactsRunFilter(t *testing.T) {
	path, keyDir := smallRecord(t)
	ctx := context.Background()
	r, err := record.Open(ctx, path, record.Examiner{Name: "DC Test"}, record.Options{KeyDir: keyDir})
	if err != nil {
		t.Fatal(err)
	}
	run, _ := r.StartRun(ctx, record.RunSpec{Tool: "rerun"})
	run.Artefact(ctx, finding.Artefact{Kind: "file.type", Parser: "file/type", ParserVersion: "1", Source: source.Image("gpt.E01").Entry("/x", "5")})
	if err := run.Finish(ctx); err != nil {
		t.Fatal(err)
	}
	r.Close()
	for _, tc := range []struct {
		args  []string
		lines int
		code  int
	}{
		{nil, 3, exitOK},
		{[]string{"--run", "1"}, 2, exitOK},
		{[]string{"--run", "2"}, 1, exitOK},
		{[]string{"--run", "0"}, 0, exitUsage},
		{[]string{"--run", "x"}, 0, exitUsage},
	} {
		code, out, _ := runCLI(t, append([]string{"artefacts", "--json", path}, tc.args...)...)
		if code != tc.code || strings.Count(string(out), "\n") != tc.lines {
			t.Errorf("%v: exit %d, %d lines; want %d, %d", tc.args, code, strings.Count(string(out), "\n"), tc.code, tc.lines)
		}
	}
}
