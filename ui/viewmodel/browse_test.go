package viewmodel

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/loupe-forensics/loupe/forensic/disk"
	"github.com/loupe-forensics/loupe/forensic/evidencetest"
	"github.com/loupe-forensics/loupe/forensic/filesystem"
	"github.com/loupe-forensics/loupe/forensic/source"
	"github.com/loupe-forensics/loupe/imaging"
)

// openDemo opens the committed two-segment GPT E01 (NTFS p1, ext4 p2).
func openDemo(t testing.TB) *Browser {
	t.Helper()
	ctx := context.Background()
	img, err := imaging.Open(ctx, evidencetest.E01(t, "gpt")...)
	if err != nil {
		t.Fatal(err)
	}
	d, err := disk.Open(ctx, img)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.Close() })
	return NewBrowser(d, "gpt.E01")
}

// flsChild is one row of a committed fls -r -p listing directly under a folder.
type flsChild struct {
	Name    string
	Entry   string // inode / MFT entry number, without TSK's type-id suffix or sequence
	Deleted bool
}

// flsChildren reads testdata/evidence/peers/<file> and returns the entries
// whose parent is dir ("" for the root). Named NTFS streams (path:stream),
// which fls lists as rows of their own, fold into their file.
func flsChildren(t *testing.T, file, dir string) []flsChild {
	t.Helper()
	f, err := os.Open(filepath.Join(evidencetest.Dir(t), "peers", file))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []flsChild
	seen := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		head, p, ok := strings.Cut(sc.Text(), ":\t")
		if !ok {
			t.Fatalf("fls line %q", sc.Text())
		}
		parent, name := "", p
		if i := strings.LastIndex(p, "/"); i >= 0 {
			parent, name = p[:i], p[i+1:]
		}
		if parent != dir {
			continue
		}
		if base, _, isStream := strings.Cut(name, ":"); isStream {
			name = base
		}
		fields := strings.Fields(head)
		entry, _, _ := strings.Cut(fields[len(fields)-1], "-")
		c := flsChild{Name: name, Entry: entry, Deleted: slices.Contains(fields, "*")}
		key := c.Name + "/" + c.Entry
		if seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, c)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func sortChildren(c []flsChild) []flsChild {
	slices.SortFunc(c, func(a, b flsChild) int {
		return strings.Compare(a.Name+"\x00"+a.Entry, b.Name+"\x00"+b.Entry)
	})
	return c
}

// TestTreeChildrenMatchFls expands folders of the real GPT E01 and compares
// every child (name, entry number, deleted mark) with The Sleuth Kit's fls
// listing committed by the fixture generator. The orphan folder is virtual
// (fls gives it a made-up inode); only its name is compared.
func TestTreeChildrenMatchFls(t *testing.T) {
	b := openDemo(t)
	ctx := context.Background()
	tests := []struct {
		name      string
		partition int
		path      string
		fls       string
		flsDir    string
		// minimum sizes of the peer listing, so a broken fixture cannot
		// make the comparison vacuous
		minN, minDel int
	}{
		{"NTFS root", 1, "/", "gpt.p1.fls.txt", "", 13, 0},
		{"NTFS Documents with deleted files", 1, "/Users/alice/Documents", "gpt.p1.fls.txt", "Users/alice/Documents", 10, 2},
		{"NTFS orphans", 1, "/" + OrphanDir, "gpt.p1.fls.txt", OrphanDir, 1, 1},
		{"ext4 root", 2, "/", "gpt.p2.fls.txt", "", 3, 0},
		{"ext4 Documents with a deleted file", 2, "/home/bob/Documents", "gpt.p2.fls.txt", "home/bob/Documents", 5, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			id := DirNodeID(tc.partition, tc.path)
			if tc.path != "/" {
				// Reach the folder the way the tree does: expanding from the top.
				trail, _, err := b.Reveal(ctx, b.Node(DirNodeID(tc.partition, "/")).Ref.Entry(tc.path+"/x", ""))
				if err == nil || !strings.Contains(err.Error(), "not listed") {
					t.Fatalf("reveal of a missing file: %v", err)
				}
				if got := trail[len(trail)-1]; got != id {
					t.Fatalf("expanded down to %q, want %q", got, id)
				}
			}
			entries, err := b.Entries(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			var got []flsChild
			del := 0
			for _, e := range entries {
				entry, _, _ := strings.Cut(string(e.ID), "-")
				if e.Name == OrphanDir {
					entry = ""
				}
				got = append(got, flsChild{Name: e.Name, Entry: entry, Deleted: e.Deleted || e.Orphan})
				if e.Deleted || e.Orphan {
					del++
				}
			}
			want := flsChildren(t, tc.fls, tc.flsDir)
			if tc.path == "/" {
				for i := range want {
					if want[i].Name == OrphanDir {
						want[i].Entry = ""
					}
				}
			}
			wantDel := 0
			for _, w := range want {
				if w.Deleted {
					wantDel++
				}
			}
			if len(want) < tc.minN || wantDel < tc.minDel {
				t.Fatalf("fls lists only %d children (%d deleted) of %s; fixture broken?", len(want), wantDel, tc.path)
			}
			if len(got) != len(want) || del != wantDel {
				t.Errorf("%d children, %d deleted; fls lists %d and %d", len(got), del, len(want), wantDel)
			}
			if g, w := sortChildren(got), sortChildren(want); !slices.Equal(g, w) {
				t.Errorf("children differ from fls:\n got %v\nwant %v", g, w)
			}
		})
	}
}

func TestTreeTopAndFolders(t *testing.T) {
	b := openDemo(t)
	ctx := context.Background()
	top, err := b.Children(ctx, ImageNodeID)
	if err != nil {
		t.Fatal(err)
	}
	// mmls order: gap, p1, gap, p2, gap.
	if want := []string{"gap1", "p1", "gap2", "p2", "gap3"}; !slices.Equal(top, want) {
		t.Fatalf("image children = %v, want %v", top, want)
	}
	if b.IsBranch("gap1") || !b.IsBranch("p1") {
		t.Error("gaps are leaves, partitions with a file system are branches")
	}
	fsNodes, _ := b.Children(ctx, "p1")
	if len(fsNodes) != 1 || b.Node(fsNodes[0]).Label != "NTFS file system" {
		t.Fatalf("p1 children = %v", fsNodes)
	}
	// Folders only in the tree; deleted folders would be marked.
	// Expanding one level at a time, as the tree widget does.
	var kids []string
	for _, p := range []string{"/", "/Users", "/Users/alice", "/Users/alice/Documents"} {
		if kids, err = b.Children(ctx, DirNodeID(1, p)); err != nil {
			t.Fatal(err)
		}
	}
	var names []string
	for _, k := range kids {
		n := b.Node(k)
		names = append(names, n.Label)
		if n.Kind != NodeDir || n.Entry.Type != filesystem.TypeDir {
			t.Errorf("%s is not a folder node", k)
		}
	}
	if !slices.Equal(names, []string{"old stuff"}) {
		t.Errorf("folders under Documents = %v", names)
	}
}

// TestRevealDeletedFile follows a provenance reference to a deleted file,
// as ShowSource does for an artefact found in one.
func TestRevealDeletedFile(t *testing.T) {
	b := openDemo(t)
	ctx := context.Background()
	fsRef := b.Node(DirNodeID(1, "/")).Ref
	ref := fsRef.Entry("/Users/alice/Documents/meeting-notes.txt", "").At(10, 5)
	trail, e, err := b.Reveal(ctx, ref)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{ImageNodeID, "p1", "p1:/", "p1:/Users", "p1:/Users/alice", "p1:/Users/alice/Documents"}
	if !slices.Equal(trail, want) {
		t.Errorf("trail = %q, want %q", trail, want)
	}
	if e == nil || !e.Deleted || e.Size != 79 {
		t.Fatalf("entry = %+v, want the deleted 79-byte resident file", e)
	}
	if _, _, err := b.Reveal(ctx, source.Image("gpt.E01").Partition(7, 0, 1)); err == nil {
		t.Error("a partition that is not on the image was revealed")
	}
}
