package main

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/loupe-forensics/loupe/forensic/finding"
	"github.com/loupe-forensics/loupe/forensic/record"
	"github.com/loupe-forensics/loupe/forensic/source"
)

// smallRecord makes a record with one finished run through the record API.
func smallRecord(t *testing.T) (path, keyDir string) {
	t.Helper()
	ctx := context.Background()
	keyDir = t.TempDir()
	path = filepath.Join(t.TempDir(), "r.loupe")
	r, err := record.Create(ctx, path, record.Setup{Examiner: record.Examiner{Name: "DC Test"},
		Exhibit: map[string]string{"reference": "ABC/1"}}, record.Options{KeyDir: keyDir})
	if err != nil {
		t.Fatal(err)
	}
	run, _ := r.StartRun(ctx, record.RunSpec{Tool: "test"})
	ref := source.Image("gpt.E01").Partition(2, 31457280, 20971520).FS("ext4", 31457280).Entry("/home/bob/notes.txt", "14")
	run.Artefact(ctx, finding.Artefact{Kind: "identifier.onion", Category: finding.Analysis, Parser: "sweep", ParserVersion: "1",
		Source: ref.At(4096, 62), SourceSHA256: strings.Repeat("ab", 32), Attrs: []finding.Attr{finding.S("value", "x.onion"), finding.I("offset", 4096)}})
	run.Artefact(ctx, finding.Artefact{Kind: "wallet.address", Parser: "wallets/electrum", ParserVersion: "1", Source: ref.Record("json", "addresses.receiving.0"),
		Attrs: []finding.Attr{finding.S("address", "bc1qexample")}})
	if err := run.Finish(ctx); err != nil {
		t.Fatal(err)
	}
	r.Close()
	return path, keyDir
}

func TestRecordCommands(t *testing.T) {
	path, keyDir := smallRecord(t)
	kd := "--key-dir=" + keyDir
	if code, out, stderr := runCLI(t, "verify", path, kd); code != exitOK || !strings.Contains(string(out), "INTACT") {
		t.Fatalf("verify: %d %s %s", code, out, stderr)
	}
	code, out, _ := runCLI(t, "artefacts", "--json", path, "--kind", "identifier.")
	var a struct {
		ID     int64
		Kind   string
		Source struct {
			Ref       string
			Partition int
			FS        string
			Path      string
			Inode     string
			Offset    int64
		}
		SourceSHA256 string `json:"source_sha256"`
		Parser       string
		Attrs        map[string]any
	}
	if err := json.Unmarshal(out, &a); code != exitOK || err != nil {
		t.Fatalf("artefacts: %d %s", code, out)
	}
	if a.Kind != "identifier.onion" || a.Source.Partition != 2 || a.Source.FS != "ext4" || a.Source.Path != "/home/bob/notes.txt" ||
		a.Source.Inode != "14" || a.Source.Offset != 4096 || a.Parser != "sweep@1" || a.Attrs["value"] != "x.onion" || a.Attrs["offset"] != float64(4096) {
		t.Errorf("artefact JSON %s", out)
	}
	if _, out, _ := runCLI(t, "artefacts", "--json", path); bytes.Count(out, []byte("\n")) != 2 {
		t.Errorf("all artefacts: %s", out)
	}
	if code, _, stderr := runCLI(t, "note", path, "--text", "checked", kd); code != exitUsage || !strings.Contains(stderr, "--examiner") {
		t.Errorf("note without an examiner: %d %s", code, stderr)
	}
	if code, _, stderr := runCLI(t, "note", path, "--text", "Checked the onion hit <b>", "--examiner", "DC Test", kd); code != exitOK {
		t.Fatalf("note: %s", stderr)
	}
	if code, _, stderr := runCLI(t, "tag", path, "2", "--flag", "undermines", "--examiner", "DC Test", kd); code != exitUsage || !strings.Contains(stderr, "reason") {
		t.Errorf("undermines tag without reason: %d %s", code, stderr)
	}
	if code, _, stderr := runCLI(t, "tag", path, "2", "--flag", "relevant", "--examiner", "DC Test", kd); code != exitOK {
		t.Fatalf("tag: %s", stderr)
	}
	_, out, _ = runCLI(t, "log", path, kd)
	var actions []string
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		actions = append(actions, strings.Fields(sc.Text())[2])
	}
	want := "create checkpoint run.start run.findings run.finish checkpoint note checkpoint tag checkpoint"
	if strings.Join(actions, " ") != want {
		t.Errorf("log actions %v, want %s", actions, want)
	}
	if code, _, stderr := runCLI(t, "untag", path, "1", "--examiner", "DC Test", kd); code != exitUsage || !strings.Contains(stderr, "--reason") {
		t.Errorf("untag without a reason: %d %s", code, stderr)
	}
	if code, _, stderr := runCLI(t, "untag", path, "1", "--reason", "tagged the wrong row", "--examiner", "DC Test", kd); code != exitOK {
		t.Fatalf("untag: %s", stderr)
	}
	if code, _, stderr := runCLI(t, "untag", path, "1", "--reason", "again", "--examiner", "DC Test", kd); code != exitUsage || !strings.Contains(stderr, "already withdrawn") {
		t.Errorf("second untag: %d %s", code, stderr)
	}
	if code, _, _ := runCLI(t, "verify", path, kd); code != exitOK {
		t.Error("verify after note and tag failed")
	}

	// Tampering through plain SQL is found and named; exit 1.
	db, _ := sql.Open("sqlite3", "file:"+path)
	db.Exec(`UPDATE artefacts SET content=replace(content,'bc1qexample','bc1qother') WHERE id=2`)
	db.Close()
	code, _, stderr := runCLI(t, "verify", path, kd)
	if code != exitFailed || !strings.Contains(stderr, "artefacts row 2") || !strings.Contains(stderr, "audit entry 4") {
		t.Errorf("tampered verify: %d %q", code, stderr)
	}
	if code, _, _ := runCLI(t, "verify", filepath.Join(t.TempDir(), "none.loupe")); code != exitUsage {
		t.Errorf("missing record: exit %d", code)
	}
	notRecord := filepath.Join(t.TempDir(), "x.loupe")
	os.WriteFile(notRecord, []byte("hello"), 0o644)
	if code, _, _ := runCLI(t, "log", notRecord); code != exitUsage {
		t.Errorf("non-record: exit %d", code)
	}
}
