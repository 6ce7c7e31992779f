package main

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/loupe-forensics/loupe/forensic/evidencetest"
	"github.com/loupe-forensics/loupe/forensic/scan"
	"github.com/loupe-forensics/loupe/imaging"
)

func TestGroupSources(t *testing.T) {
	ctx := context.Background()
	e01 := evidencetest.E01(t, "gpt")
	split := evidencetest.Split(t, "gpt")
	raw := evidencetest.Raw(t, "gpt")
	folder := t.TempDir()
	for _, tc := range []struct {
		name string
		args []string
		want [][]string // segments per source; nil entry = the folder
	}{
		{"e01 both segments", e01, [][]string{e01}},
		{"e01 first segment finds the second", e01[:1], [][]string{e01}},
		{"split pieces", split, [][]string{split}},
		{"split first piece", split[:1], [][]string{split}},
		{"raw, e01 and a folder", append(append([]string{raw}, e01...), folder), [][]string{{raw}, e01, nil}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := groupSources(ctx, tc.args)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("%d sources, want %d: %+v", len(got), len(tc.want), got)
			}
			for i, w := range tc.want {
				if w == nil {
					if got[i].Folder != folder {
						t.Errorf("source %d = %+v, want folder %s", i, got[i], folder)
					}
					continue
				}
				if strings.Join(abs(t, got[i].Paths), " ") != strings.Join(abs(t, w), " ") {
					t.Errorf("source %d = %v, want %v", i, got[i].Paths, w)
				}
			}
		})
	}
	if _, err := groupSources(ctx, []string{filepath.Join(folder, "missing.E01")}); !errors.Is(err, scan.ErrSource) {
		t.Fatalf("missing file: %v", err)
	}
}

func abs(t *testing.T, ps []string) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		a, err := filepath.Abs(p)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = a
	}
	return out
}

// TestOpeners: the wired image, disk and hash layers give what the fixture
// manifest (mmls, fsstat, ewfinfo, coreutils) says.
func TestOpeners(t *testing.T) {
	ctx := context.Background()
	disk := evidencetest.DiskInfo(t, "gpt")
	o := openers()
	img, err := o.Image(ctx, evidencetest.E01(t, "gpt")...)
	if err != nil {
		t.Fatal(err)
	}
	defer img.Close()
	d, err := o.Disk(ctx, img)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Volumes) != len(disk.Partitions) {
		t.Fatalf("%d volumes, manifest has %d partitions", len(d.Volumes), len(disk.Partitions))
	}
	for i, p := range disk.Partitions {
		v := d.Volumes[i]
		if v.Index != p.Index || v.Start != p.StartSector*512 || v.Length != p.Sectors*512 || v.Scheme != "gpt" || v.FS == nil || v.FS.Kind() != p.FS {
			t.Errorf("volume %d = %+v, manifest %+v", i, v, p)
		}
	}
	got, detail, err := o.Hash(ctx, img)
	if err != nil || detail != "" {
		t.Fatal(err, detail)
	}
	if want := (imaging.Digests{MD5: disk.MD5, SHA1: disk.SHA1, SHA256: disk.SHA256}); got != want {
		t.Fatalf("hash %+v, manifest %+v", got, want)
	}
}
