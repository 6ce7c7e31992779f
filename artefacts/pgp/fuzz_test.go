package pgp

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/loupe-forensics/loupe/forensic/finding"
)

// Run each target with a bounded minimisation, e.g.
//
//	go test -run '^$' -fuzz '^FuzzKeybox$' -fuzztime 30s -fuzzminimizetime 200x ./artefacts/pgp/
//
// With the default (60 s per new input) the few-KiB real seeds keep the
// single worker minimising instead of fuzzing on a loaded machine.

func seedFiles(f *testing.F, rels ...string) {
	for _, r := range rels {
		b, err := os.ReadFile(filepath.Join(fixtures, r))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

func FuzzKeybox(f *testing.F) {
	seedFiles(f, "alice/pubring.kbx")
	f.Fuzz(func(t *testing.T, b []byte) {
		blobs, _ := walkKeybox(b)
		for _, bl := range blobs {
			ps, _ := readPackets(bl.KeyBlock, bl.KeyBlockOff)
			assembleKeys(ps)
		}
	})
}

func FuzzPackets(f *testing.F) {
	seedFiles(f, "legacy/pubring.gpg", "legacy/secring.gpg")
	f.Fuzz(func(t *testing.T, b []byte) {
		ps, _ := readPackets(b, 0)
		var n int64
		for _, p := range ps {
			if p.Offset < n || p.Length <= 0 || p.Offset+p.Length > int64(len(b)) {
				t.Fatalf("packet %+v outside %d bytes", p, len(b))
			}
			n = p.Offset + p.Length
		}
		assembleKeys(ps)
	})
}

func FuzzSexp(f *testing.F) {
	dir := filepath.Join(fixtures, "alice/private-keys-v1.d")
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		seedFiles(f, "alice/private-keys-v1.d/"+e.Name())
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		parseKeyFile(b)
		parseSexp(b)
	})
}

func FuzzArmour(f *testing.F) {
	seedFiles(f, "docs/chat.log", "docs/note.txt.asc")
	f.Fuzz(func(t *testing.T, b []byte) {
		scanArmour(bytes.NewReader(b), func(a *armourBlock) error {
			ps, _ := readPackets(a.Data, 0)
			assembleKeys(ps)
			return nil
		})
	})
}

func FuzzTrustDB(f *testing.F) {
	seedFiles(f, "alice/trustdb.gpg")
	f.Fuzz(func(t *testing.T, b []byte) {
		in := memInput("trustdb.gpg", b)
		if !NewTrustDB().Match(in) {
			return
		}
		c := &finding.Collector{}
		if err := NewTrustDB().Parse(context.Background(), in, c); err != nil {
			t.Fatal(err)
		}
		if got := len(c.Kind("pgp.ownertrust")); got > len(b)/tdbRecLen {
			t.Fatalf("%d trust records from %d bytes", got, len(b))
		}
	})
}
