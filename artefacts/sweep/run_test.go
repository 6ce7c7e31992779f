package sweep

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/loupe-forensics/loupe/forensic/disk"
	"github.com/loupe-forensics/loupe/forensic/finding"
	"github.com/loupe-forensics/loupe/forensic/source"
	"github.com/loupe-forensics/loupe/imaging"
)

type fixtureManifest struct {
	Size    int64  `json:"size"`
	SHA256  string `json:"sha256"`
	Planted []struct {
		Type       string `json:"type"`
		Value      string `json:"value"`
		Region     string `json:"region"`
		Offset     int64  `json:"offset"`
		Encoding   string `json:"encoding"`
		Path       string `json:"path"`
		Stream     string `json:"stream"`
		FileOffset int64  `json:"file_offset"`
	} `json:"planted"`
	Decoys     []string `json:"decoys"`
	Duplicates []string `json:"duplicates"`
}

const fixtureDir = "../../testdata/artefacts/sweep"

// fixture gunzips the generated disk (testdata/gen/sweep-fixture.sh) into a
// temporary directory and reads its manifest.
func fixture(t testing.TB) (string, *fixtureManifest) {
	t.Helper()
	var m fixtureManifest
	b, err := os.ReadFile(filepath.Join(fixtureDir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	zf, err := os.Open(filepath.Join(fixtureDir, "sweep.raw.gz"))
	if err != nil {
		t.Fatal(err)
	}
	defer zf.Close()
	z, err := gzip.NewReader(zf)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "sweep.raw")
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, z); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
	return path, &m
}

func sweepFixture(t *testing.T, path string, opts Options) (*finding.Collector, *Log) {
	t.Helper()
	ctx := context.Background()
	img, err := imaging.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	d, err := disk.Open(ctx, img)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var c finding.Collector
	log, err := Run(ctx, d, &c, opts)
	if err != nil {
		t.Fatal(err)
	}
	return &c, log
}

func attr(a finding.Artefact, name string) finding.Attr {
	v, _ := a.Get(name)
	return v
}

// TestFixture: every planted identifier is found with its region and
// absolute image offset (and, in files, path and file offset); nothing else
// is reported, so no decoy and no second copy of a duplicate file.
func TestFixture(t *testing.T) {
	path, m := fixture(t)
	for _, chunk := range []int64{1 << 20, DefaultChunk, 65521} {
		t.Run(fmt.Sprint(chunk), func(t *testing.T) {
			c, log := sweepFixture(t, path, Options{Engine: Engine{Chunk: chunk}})
			got := map[string]finding.Artefact{}
			for _, a := range c.Artefacts {
				k := fmt.Sprintf("%s|%d|%s|%s", attr(a, "region").Str, attr(a, "offset").Int, attr(a, "encoding").Str, attr(a, "value").Str)
				if _, dup := got[k]; dup {
					t.Errorf("reported twice: %s", k)
				}
				got[k] = a
			}
			for _, p := range m.Planted {
				k := fmt.Sprintf("%s|%d|%s|%s", p.Region, p.Offset, p.Encoding, p.Value)
				a, ok := got[k]
				if !ok {
					t.Errorf("planted %s not found: %s", p.Type, k)
					continue
				}
				delete(got, k)
				if a.Kind != "identifier."+p.Type || attr(a, "type").Str != p.Type || a.Category != finding.Analysis {
					t.Errorf("%s: kind %s", k, a.Kind)
				}
				if err := a.Source.Validate(); err != nil {
					t.Errorf("%s: %v", k, err)
				}
				if p.Region == RegionFile {
					e := a.Source.Find(source.TypeEntry)
					at := a.Source.Find(source.TypeOffset)
					if e == nil || e.Locator != p.Path || at == nil || at.Offset != p.FileOffset || attr(a, "file_offset").Int != p.FileOffset {
						t.Errorf("%s: source %s, want %s at %d", k, a.Source, p.Path, p.FileOffset)
					}
					st := a.Source.Find(source.TypeStream)
					wantPath := p.Path
					if p.Stream != "" {
						wantPath += ":" + p.Stream
					}
					if (p.Stream == "") != (st == nil) || (st != nil && st.Locator != p.Stream) || attr(a, "path").Str != wantPath {
						t.Errorf("%s: source %s path %q, want stream %q", k, a.Source, attr(a, "path").Str, p.Stream)
					}
					if len(a.SourceSHA256) != 64 {
						t.Errorf("%s: no content hash", k)
					}
				} else {
					r := a.Source.Find(source.TypeRegion)
					if r == nil || r.Locator != p.Region || r.Offset != p.Offset || a.Source.Find(source.TypePartition) == nil {
						t.Errorf("%s: source %s", k, a.Source)
					}
				}
			}
			for k := range got {
				t.Errorf("not planted, reported: %s", k)
			}
			if n := len(c.Artefacts); n != len(m.Planted) {
				t.Errorf("%d hits, %d planted", n, len(m.Planted))
			}
			checkLog(t, log, m)
		})
	}
}

func checkLog(t *testing.T, log *Log, m *fixtureManifest) {
	t.Helper()
	var total int64
	for _, n := range log.Counts.Hits {
		total += n
	}
	if total != int64(len(m.Planted)) || log.Version != Version || len(log.Patterns) != len(patternList) {
		t.Errorf("log: %d hits counted, version %s", total, log.Version)
	}
	regions := map[string]int{}
	var dups, resident int
	for _, r := range log.Regions {
		regions[r.Region]++
		dups += r.Duplicate
		resident += r.Resident
	}
	// small.txt's identifier is whole in its MFT record too: reported once,
	// as the file.
	if resident != 1 {
		t.Errorf("%d $MFT hits inside resident files, want 1", resident)
	}
	want := map[string]int{RegionFile: 2, RegionSlack: 2, RegionUnallocated: 2, RegionGap: 3}
	// Each file system holds the planted duplicate; NTFS metadata files of
	// equal content (empty ones) are deduplicated too.
	if fmt.Sprint(regions) != fmt.Sprint(want) || dups < 2*len(m.Duplicates) {
		t.Errorf("log regions %v, duplicates %d", regions, dups)
	}
	if log.Counts.Rejected[famAddress] == 0 || log.Counts.Rejected[famOnion] == 0 || log.Counts.Rejected[famSeed] == 0 {
		t.Errorf("decoys not counted as rejected: %v", log.Counts.Rejected)
	}
}

// TestFixtureWholeImage: the image swept as one range finds every planted
// identifier at the same image offset (file content is contiguous here),
// still without decoys.
func TestFixtureWholeImage(t *testing.T) {
	path, m := fixture(t)
	c, log := sweepFixture(t, path, Options{WholeImage: true, Engine: Engine{Chunk: 1 << 20}})
	got := map[string]bool{}
	values := map[string]bool{}
	for _, a := range c.Artefacts {
		if attr(a, "region").Str != RegionImage {
			t.Fatalf("region %s", attr(a, "region").Str)
		}
		got[fmt.Sprintf("%d|%s|%s", attr(a, "offset").Int, attr(a, "encoding").Str, attr(a, "value").Str)] = true
		values[attr(a, "value").Str] = true
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	skipped := 0
	for _, p := range m.Planted {
		if p.Encoding == EncASCII && string(raw[p.Offset:p.Offset+int64(len(p.Value))]) != p.Value {
			// Inside an MFT record the update-sequence fixup replaces the
			// last two bytes of each sector: only the file view has the
			// identifier whole.
			skipped++
			continue
		}
		if !got[fmt.Sprintf("%d|%s|%s", p.Offset, p.Encoding, p.Value)] {
			t.Errorf("planted %s at %d not found", p.Type, p.Offset)
		}
	}
	if skipped > 1 {
		t.Errorf("%d planted identifiers are not in the raw bytes", skipped)
	}
	for _, d := range m.Decoys {
		if values[d] {
			t.Errorf("decoy reported: %s", d)
		}
	}
	if len(log.Regions) != 1 || log.Regions[0].Bytes != m.Size {
		t.Errorf("regions %+v", log.Regions)
	}
}

func TestRunCancel(t *testing.T) {
	path, _ := fixture(t)
	img, err := imaging.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	d, err := disk.Open(context.Background(), img)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Run(ctx, d, &finding.Collector{}, Options{}); err == nil {
		t.Fatal("cancelled run succeeded")
	}
}
