package sqlcipher

import (
	"bytes"
	"context"
	"testing"
)

// FuzzDecrypt: hostile files under a fixed raw key never panic, never
// produce more plaintext than input, and the WAL decoder stays inside its
// input. The seeds are the real SQLCipher fixtures (whose key the fuzzer
// cannot know, so page 1 fails except for the v4 seed opened with a
// matching key below) plus a database encrypted under the fuzz key.
func FuzzDecrypt(f *testing.F) {
	m := manifest(f)
	key, _ := RawHex(m["linux-plainkey"].Key)
	db := read(f, "signal/linux-plainkey/sql/db.sqlite")
	wal := read(f, "signal/linux-plainkey/sql/db.sqlite-wal")
	f.Add(db, wal)
	f.Add(read(f, "signal/legacy-v3/sql/db.sqlite"), []byte{})
	f.Add(db[:4096], wal[:32+24+4096])
	f.Fuzz(func(t *testing.T, db, wal []byte) {
		ctx := context.Background()
		c, err := Open(ctx, bytes.NewReader(db), int64(len(db)), key, Options{Params: []Params{V4}, MaxSize: 1 << 20})
		if err != nil {
			return
		}
		var out bytes.Buffer
		rep, err := c.DecryptDB(ctx, bytes.NewReader(db), int64(len(db)), &out)
		if err == nil && int64(out.Len())+rep.Tail != int64(len(db)) {
			t.Fatalf("plaintext %d + tail %d != input %d", out.Len(), rep.Tail, len(db))
		}
		out.Reset()
		wr, err := c.DecryptWAL(ctx, bytes.NewReader(wal), int64(len(wal)), &out)
		if err == nil && out.Len() > len(wal) || wr.StoppedAt > int64(len(wal)) {
			t.Fatalf("WAL output %d from %d bytes, stopped at %d", out.Len(), len(wal), wr.StoppedAt)
		}
	})
}
