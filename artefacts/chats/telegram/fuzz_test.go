package telegram

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/loupe-forensics/loupe/artefacts"
	"github.com/loupe-forensics/loupe/forensic/finding"
	"github.com/loupe-forensics/loupe/forensic/source"
)

// FuzzTDF: the TDF$ reader and the key_datas reader on any bytes, then the
// payload handed to the decrypted-data walkers (MTP data, map, self peer) as
// if it had decrypted, so every QDataStream length claim meets hostile values.
func FuzzTDF(f *testing.F) {
	for _, rel := range []string{"tdata/key_datas", "tdata/D877F783D5D3EF8Cs", "tdata/D877F783D5D3EF8C/maps", "tdata/settingss", "tdata-passcode/key_datas"} {
		b, err := os.ReadFile(filepath.Join(fixture, rel))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("TDF$\x00\x00\x00\x00\xff\xff\xff\xf0"))
	f.Add([]byte{0, 0, 0, 0x4b, 0, 0, 0, 24, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 2, 0x7f, 0xff, 0xff, 0xff})
	f.Add([]byte{0, 0, 0, 0x15, 0, 0, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8})
	p := NewTData(Options{})
	f.Fuzz(func(t *testing.T, data []byte) {
		if c, err := ReadContainer(data); err == nil {
			if c.MD5OK && len(c.Payload) != len(data)-24 {
				t.Fatalf("payload of %d bytes from %d", len(c.Payload), len(data))
			}
			_, _ = p.openKeyData(c)
		}
		var col finding.Collector
		r := &run{ctx: context.Background(), in: &artefacts.Input{Ref: source.Folder("f")}, out: &col, p: p}
		_ = r.readMTP(data, nil)
		_ = r.readMap(data, 5008003, nil)
		_ = r.self(data, 5008003)
		_ = r.self(data, 1000000)
		for _, a := range col.Artefacts {
			for _, at := range a.Attrs {
				if at.Type == finding.TBytes {
					t.Fatalf("%s exports bytes", a.Kind)
				}
			}
		}
	})
}
