package recordstore

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/loupe-forensics/loupe/forensic/record"
	"github.com/loupe-forensics/loupe/forensic/scan"
	"github.com/loupe-forensics/loupe/forensic/source"
	"github.com/loupe-forensics/loupe/imaging"
)

// The rows as readers (reports, review, the UI) find them: the JSON names
// are a contract, so they are asserted by name here.
func TestRowsAsWritten(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	rec, err := record.Create(ctx, filepath.Join(dir, "r.loupe"), record.Setup{
		Case: map[string]string{"urn": "OP-T"}, Exhibit: map[string]string{"reference": "ABC/1"},
		Examiner: record.Examiner{Name: "DC Test"},
	}, record.Options{KeyDir: filepath.Join(dir, "keys")})
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Close()
	st := New(rec)
	img := source.Image("gpt.E01")
	id, err := st.AddSource(ctx, scan.SourceInfo{Ref: img, Format: "e01", Segments: []string{"gpt.E01", "gpt.E02"}, Size: 4096, SectorSize: 512,
		Stored: imaging.Digests{MD5: "aa"}, Metadata: imaging.Metadata{CaseNumber: "C1"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.AddVolume(ctx, id, scan.Volume{Ref: img.Partition(1, 1024, 2048), Index: 1, Scheme: "gpt", Start: 1024, Length: 2048, Type: "Linux"}); err != nil {
		t.Fatal(err)
	}
	if err := st.AddVerification(ctx, id, scan.Verification{Computed: imaging.Digests{MD5: "aa"}, Result: scan.Match, Duration: time.Second}); err != nil {
		t.Fatal(err)
	}
	run, err := st.StartRun(ctx, scan.RunSpec{Tool: "t", Parsers: []string{"p@1"}, Sources: []int64{id}})
	if err != nil {
		t.Fatal(err)
	}
	if err := run.Finish(ctx); err != nil {
		t.Fatal(err)
	}
	if st.RunID() == 0 {
		t.Error("run ID not kept")
	}
	check := func(table string, want map[string]any) {
		rows, err := rec.Rows(ctx, table)
		if err != nil || len(rows) != 1 {
			t.Fatalf("%s: %v %v", table, rows, err)
		}
		for k, v := range want {
			if got := rows[0][k]; fmt.Sprint(got) != fmt.Sprint(v) {
				t.Errorf("%s.%s = %#v, want %#v", table, k, got, v)
			}
		}
	}
	check("sources", map[string]any{"ref": "image:gpt.E01", "format": "e01", "size": 4096, "sector_size": 512})
	check("volumes", map[string]any{"source_id": id, "ref": "image:gpt.E01 > partition:p1@1024+2048", "scheme": "gpt", "start": 1024, "type": "Linux"})
	check("verifications", map[string]any{"source_id": id, "result": "match", "duration_ns": 1e9})
	if res, _ := rec.Verify(ctx); !res.OK {
		t.Fatalf("record: %v", res.Problem)
	}
}
