package disk

import (
	"context"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/loupe-forensics/loupe/forensic/evidencetest"
	"github.com/loupe-forensics/loupe/forensic/filesystem"
	"github.com/loupe-forensics/loupe/forensic/volume"
)

// TestPartitionsAndKinds checks that every allocated partition of both
// disks is mounted with the file system fsstat reported (manifest).
func TestPartitionsAndKinds(t *testing.T) {
	for _, name := range []string{"gpt", "mbr"} {
		t.Run(name, func(t *testing.T) {
			info := evidencetest.DiskInfo(t, name)
			d, err := Open(context.Background(), openImage(t, evidencetest.Raw(t, name)))
			if err != nil {
				t.Fatal(err)
			}
			if len(d.FileSystems) != len(info.Partitions) {
				t.Fatalf("%d mounted, mmls lists %d allocated partitions", len(d.FileSystems), len(info.Partitions))
			}
			for i, p := range info.Partitions {
				m := d.FileSystems[i]
				if m.Partition.Index != p.Index || m.Partition.Start != p.StartSector*int64(info.SectorSize) {
					t.Errorf("partition %d: index %d start %d, mmls %d at sector %d", i, m.Partition.Index, m.Partition.Start, p.Index, p.StartSector)
				}
				fsys, err := d.FS(p.Index)
				if err != nil {
					t.Fatalf("partition %d: %v", p.Index, err)
				}
				if fsys.Kind() != p.FS {
					t.Errorf("partition %d: %s, fsstat %s", p.Index, fsys.Kind(), p.FS)
				}
				if got := fsys.Ref().PartitionIndex(); got != p.Index {
					t.Errorf("partition %d: ref %s has partition %d", p.Index, fsys.Ref(), got)
				}
			}
			if _, err := d.FS(len(info.Partitions) + 1); err == nil {
				t.Error("FS of a partition that does not exist")
			}
			if len(d.Warnings) != 0 {
				t.Errorf("warnings on a clean disk: %v", d.Warnings)
			}
		})
	}
}

// partitionFile writes one partition of a fixture disk to a temp file.
func partitionFile(t *testing.T, disk string, index int) string {
	t.Helper()
	info := evidencetest.DiskInfo(t, disk)
	p := info.Partition(index)
	b, err := os.ReadFile(evidencetest.Raw(t, disk))
	if err != nil {
		t.Fatal(err)
	}
	ss := int64(info.SectorSize)
	out := filepath.Join(t.TempDir(), disk+".p"+string(rune('0'+index))+".raw")
	if err := os.WriteFile(out, b[p.StartSector*ss:(p.StartSector+p.Sectors)*ss], 0o600); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestWholeImageFS opens bare volumes (no partition table): the file
// system sits at offset 0 and is partition 1 with no partition step.
func TestWholeImageFS(t *testing.T) {
	info := evidencetest.DiskInfo(t, "gpt")
	for _, p := range info.Partitions {
		d, err := Open(context.Background(), openImage(t, partitionFile(t, "gpt", p.Index)))
		if err != nil {
			t.Fatal(err)
		}
		if d.Volumes.Kind != volume.KindNone || len(d.FileSystems) != 1 {
			t.Fatalf("%s volume: kind %s, %d file systems", p.FS, d.Volumes.Kind, len(d.FileSystems))
		}
		fsys, err := d.FS(1)
		if err != nil {
			t.Fatal(err)
		}
		if fsys.Kind() != p.FS || fsys.Ref().PartitionIndex() != 0 {
			t.Errorf("bare %s: kind %s, ref %s", p.FS, fsys.Kind(), fsys.Ref())
		}
		// The same files as on the disk, at the same paths.
		want := map[string]string{}
		for _, f := range info.FilesOn(p.Index) {
			if !f.Deleted && !strings.Contains(f.Path, ":") {
				want[f.Path] = f.Inode
			}
		}
		got := map[string]string{}
		if err := fsys.Walk(context.Background(), func(e *filesystem.Entry) error {
			if _, ok := want[e.Path]; ok && !e.Deleted {
				got[e.Path] = string(e.ID)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if len(want) < 10 || !maps.Equal(got, want) {
			t.Errorf("bare %s: %d of %d allocated manifest entries found with their inode", p.FS, len(got), len(want))
		}
	}
}

// TestUnknownFS wipes the NTFS boot sector of a copy of the disk: the
// partition stays listed without a file system and the other one mounts.
func TestUnknownFS(t *testing.T) {
	info := evidencetest.DiskInfo(t, "gpt")
	b, err := os.ReadFile(evidencetest.Raw(t, "gpt"))
	if err != nil {
		t.Fatal(err)
	}
	var ntfsIdx int
	for _, p := range info.Partitions {
		if p.FS == filesystem.KindNTFS {
			ntfsIdx = p.Index
			clear(b[p.StartSector*int64(info.SectorSize):][:512])
		}
	}
	path := filepath.Join(t.TempDir(), "wiped.raw")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	d, err := Open(context.Background(), openImage(t, path))
	if err != nil {
		t.Fatal(err)
	}
	if len(d.FileSystems) != len(info.Partitions) {
		t.Fatalf("%d partitions kept, want %d", len(d.FileSystems), len(info.Partitions))
	}
	if _, err := d.FS(ntfsIdx); !errors.Is(err, ErrNoFS) {
		t.Errorf("wiped partition: %v, want ErrNoFS", err)
	}
	for _, p := range info.Partitions {
		if p.Index != ntfsIdx {
			if _, err := d.FS(p.Index); err != nil {
				t.Errorf("partition %d: %v", p.Index, err)
			}
		}
	}
}
