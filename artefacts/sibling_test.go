package artefacts

import (
	"testing"
	"testing/fstest"

	"github.com/loupe-forensics/loupe/forensic/filesystem"
	"github.com/loupe-forensics/loupe/forensic/source"
)

func TestSibling(t *testing.T) {
	fsRef := source.Image("d.E01").Partition(2, 1048576, 4096).FS("ext4", 1048576)
	walRef := fsRef.Entry("/p/places.sqlite-wal", "107")
	mfs := fstest.MapFS{
		"p/places.sqlite":     {Data: []byte("db")},
		"p/places.sqlite-wal": {Data: []byte("wal"), Sys: &filesystem.Entry{Path: "/p/places.sqlite-wal", ID: "107", Ref: walRef}},
		"p/other":             {Data: []byte("x")},
	}
	in := &Input{Ref: fsRef.Entry("/p/places.sqlite", "106"), Path: "/p/places.sqlite", FS: mfs}
	for _, c := range []struct{ path, want string }{
		// The file system knows the entry: its own reference, inode included.
		{"/p/places.sqlite-wal", walRef.String()},
		{"p/places.sqlite-wal", walRef.String()},
		// It does not: the path under the same file system, without an inode.
		{"/p/other", fsRef.Entry("/p/other", "").String()},
		{"/p/missing", fsRef.Entry("/p/missing", "").String()},
	} {
		if got := in.Sibling(c.path).String(); got != c.want {
			t.Errorf("Sibling(%q) = %s, want %s", c.path, got, c.want)
		}
	}
	// An input with no file system behind it (a carved stream).
	loose := &Input{Ref: source.Folder("f").Record("carve", "1")}
	if got := loose.Sibling("/x-wal").String(); got != "folder:f > record:carve#1 > record:sibling#/x-wal" {
		t.Errorf("loose: %s", got)
	}
}
