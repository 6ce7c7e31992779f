package source

import "testing"

func TestEntryIndex(t *testing.T) {
	fs := Image("d").Partition(2, 1024, 4096).FS("ext4", 1024)
	ix := EntryIndex{}
	ix.Note(fs.Entry("/p/places.sqlite-wal", "107").Row("moz_places", "1"))
	ix.Note(fs.Entry("/p/places.sqlite-wal", "107"))
	ix.Note(fs.Entry("/twice", "5"))
	ix.Note(fs.Entry("/twice", "6"))
	for _, c := range []struct{ in, want *Ref }{
		{fs.Entry("/p/places.sqlite-wal", ""), fs.Entry("/p/places.sqlite-wal", "107")},
		{fs.Entry("/p/places.sqlite-wal", "").Stream("s"), fs.Entry("/p/places.sqlite-wal", "107").Stream("s")},
		// Two IDs for one path (a deleted and a live file): left alone.
		{fs.Entry("/twice", ""), fs.Entry("/twice", "")},
		// Another file system's path: left alone.
		{Image("d").Partition(1, 0, 1).FS("ntfs", 0).Entry("/p/places.sqlite-wal", ""), Image("d").Partition(1, 0, 1).FS("ntfs", 0).Entry("/p/places.sqlite-wal", "")},
		{fs, fs},
	} {
		if got := ix.Resolve(c.in); got.String() != c.want.String() {
			t.Errorf("Resolve(%s) = %s, want %s", c.in, got, c.want)
		}
	}
}
