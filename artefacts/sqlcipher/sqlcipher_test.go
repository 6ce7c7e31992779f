package sqlcipher

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

const fixtures = "../../testdata/artefacts/chats"

type fixtureKey struct {
	Key    string `json:"key"`
	Params string `json:"params"`
	Offset int64  `json:"corrupt_offset"`
	Page   uint32 `json:"corrupt_page"`
}

type sigManifest map[string]fixtureKey

func manifest(t testing.TB) sigManifest {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fixtures, "signal/manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	m := sigManifest{}
	for k, v := range raw {
		var e fixtureKey
		if json.Unmarshal(v, &e) == nil {
			m[k] = e
		}
	}
	return m
}

func read(t testing.TB, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fixtures, rel))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseKey(t *testing.T) {
	hex64 := "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
	salt := "0f0e0d0c0b0a09080706050403020100"
	tests := []struct {
		in      string
		typ     string
		wantErr bool
	}{
		{"x'" + hex64 + "'", "raw key", false},
		{"x'" + hex64 + salt + "'", "raw key with salt", false},
		{"x'" + hex64[:62] + "'", "", true},
		{"x'zz'", "", true},
		{"correct horse", "passphrase", false},
	}
	for _, tc := range tests {
		k, err := ParseKey(tc.in)
		if (err != nil) != tc.wantErr || (err == nil && k.KeyType() != tc.typ) {
			t.Errorf("%q: %v %q", tc.in, err, k.KeyType())
		}
		if err != nil && !errors.Is(err, ErrBadKey) {
			t.Errorf("%q: error not ErrBadKey: %v", tc.in, err)
		}
	}
}

// Each fixture made by real SQLCipher decrypts to a database whose header
// SQLite accepts, with the parameter set the generator used.
func TestDecryptFixtures(t *testing.T) {
	m := manifest(t)
	for _, name := range []string{"linux-plainkey", "linux-basictext", "linux-libsecret", "legacy-v3"} {
		t.Run(name, func(t *testing.T) {
			db := read(t, "signal/"+name+"/sql/db.sqlite")
			key, err := RawHex(m[name].Key)
			if err != nil {
				t.Fatal(err)
			}
			c, err := Open(context.Background(), bytes.NewReader(db), int64(len(db)), key, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if c.Params.Name != m[name].Params {
				t.Fatalf("params %s, generator %s", c.Params.Name, m[name].Params)
			}
			var out bytes.Buffer
			rep, err := c.DecryptDB(context.Background(), bytes.NewReader(db), int64(len(db)), &out)
			if err != nil || len(rep.BadPages) != 0 || rep.Tail != 0 || rep.Pages*int64(c.Params.PageSize) != int64(len(db)) {
				t.Fatalf("%+v %v", rep, err)
			}
			pt := out.Bytes()
			if !bytes.HasPrefix(pt, sqliteMagic) || int(pt[16])<<8|int(pt[17]) != c.Params.PageSize || int(pt[20]) != c.Params.Reserve {
				t.Fatalf("plaintext header % x", pt[:24])
			}
		})
	}
}

func TestWrongKeyAndCorruptPage(t *testing.T) {
	m := manifest(t)
	db := read(t, "signal/linux-basictext/sql/db.sqlite")
	wrong, _ := RawHex(m["linux-plainkey"].Key)
	if _, err := Open(context.Background(), bytes.NewReader(db), int64(len(db)), wrong, Options{}); !errors.Is(err, ErrWrongKey) {
		t.Fatalf("wrong key: %v", err)
	}
	if _, err := Open(context.Background(), bytes.NewReader(db), int64(len(db)), Key{Passphrase: []byte("guess")}, Options{}); !errors.Is(err, ErrWrongKey) {
		t.Fatalf("wrong passphrase: %v", err)
	}
	cor := read(t, "signal/corrupt/sql/db.sqlite")
	key, _ := RawHex(m["corrupt"].Key)
	c, err := Open(context.Background(), bytes.NewReader(cor), int64(len(cor)), key, Options{})
	if err != nil {
		t.Fatalf("page 1 is intact, the key must verify: %v", err)
	}
	var out bytes.Buffer
	rep, err := c.DecryptDB(context.Background(), bytes.NewReader(cor), int64(len(cor)), &out)
	if err != nil || len(rep.BadPages) != 1 || rep.BadPages[0] != m["corrupt"].Page || c.BadPageOffset(rep.BadPages[0]) != m["corrupt"].Offset/4096*4096 {
		t.Fatalf("corrupt: %+v %v", rep, err)
	}
	if !bytes.Equal(out.Bytes()[4096:8192], make([]byte, 4096)) {
		t.Fatal("corrupt page not zeroed")
	}
	// Truncated mid-page: whole pages only, the tail reported.
	rep, err = c.DecryptDB(context.Background(), bytes.NewReader(cor[:4096*3+100]), 4096*3+100, &bytes.Buffer{})
	if err != nil || rep.Pages != 3 || rep.Tail != 100 {
		t.Fatalf("truncated: %+v %v", rep, err)
	}
	// Bounds are checked before anything is read.
	if _, err := Open(context.Background(), bytes.NewReader(cor), int64(len(cor)), key, Options{MaxSize: 4096}); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("limit: %v", err)
	}
}

// The un-checkpointed WAL of the plain-key fixture: every frame written by
// SQLCipher is valid and decrypts; flipping a byte in a frame's page ends
// the log there as SQLite would (running checksum).
func TestDecryptWAL(t *testing.T) {
	m := manifest(t)
	db := read(t, "signal/linux-plainkey/sql/db.sqlite")
	wal := read(t, "signal/linux-plainkey/sql/db.sqlite-wal")
	key, _ := RawHex(m["linux-plainkey"].Key)
	c, err := Open(context.Background(), bytes.NewReader(db), int64(len(db)), key, Options{})
	if err != nil {
		t.Fatal(err)
	}
	frames := (len(wal) - walHeaderSize) / (walFrameHeaderSize + 4096)
	var out bytes.Buffer
	rep, err := c.DecryptWAL(context.Background(), bytes.NewReader(wal), int64(len(wal)), &out)
	if err != nil || rep.Frames != frames || rep.StoppedAt != -1 || out.Len() != len(wal) {
		t.Fatalf("%+v %v (frames in file %d)", rep, err, frames)
	}
	bad := bytes.Clone(wal)
	bad[walHeaderSize+walFrameHeaderSize+100] ^= 1
	rep, err = c.DecryptWAL(context.Background(), bytes.NewReader(bad), int64(len(bad)), &bytes.Buffer{})
	if err != nil || rep.Frames != 0 || rep.StoppedAt != walHeaderSize {
		t.Fatalf("damaged frame: %+v %v", rep, err)
	}
}
