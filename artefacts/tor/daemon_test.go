package tor

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/loupe-forensics/loupe/artefacts"
	"github.com/loupe-forensics/loupe/forensic/finding"
	"github.com/loupe-forensics/loupe/forensic/source"
)

func run(t testing.TB, p artefacts.Parser, data []byte) (*finding.Collector, bool) {
	in := &artefacts.Input{Ref: source.Folder("f").Entry("/x", ""), Path: "/x", Size: int64(len(data)),
		Head: data[:min(len(data), artefacts.HeadSize)], Reader: bytes.NewReader(data), SHA256: "00"}
	if !p.Match(in) {
		return nil, false
	}
	var c finding.Collector
	if err := artefacts.Run(context.Background(), p, in, &c); err != nil && err != artefacts.ErrWrongFormat {
		t.Fatal(err)
	}
	return &c, true
}

func TestStateOnRealTorFile(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(torFixtures(t), "tor-data", "state"))
	if err != nil {
		t.Fatal(err)
	}
	// Expected values read straight from the file tor wrote.
	lw := regexp.MustCompile(`(?m)^LastWritten (.+)$`).FindSubmatch(b)
	ver := regexp.MustCompile(`(?m)^TorVersion (.+)$`).FindSubmatch(b)
	c, ok := run(t, NewState(), b)
	if !ok || len(c.Warnings) != 0 || len(c.Artefacts) != 1 {
		t.Fatalf("matched %v, %+v", ok, c)
	}
	a := c.Artefacts[0]
	want, _ := time.Parse("2006-01-02 15:04:05", string(lw[1]))
	if a.Kind != "tor.state" || attr(t, a, "tor_version").Str != string(ver[1]) || !attr(t, a, "last_written").Time.Equal(want) ||
		attr(t, a, "guards").Int != 0 {
		t.Errorf("%+v", a.Attrs)
	}
}

func TestStateGuardsAndGarbage(t *testing.T) {
	b, _ := os.ReadFile(filepath.Join(torFixtures(t), "tor-data", "state"))
	// Guard and transport lines in the form tor writes them (guard-spec),
	// and three garbage lines.
	extra := "Guard in=default rsa_id=0123456789ABCDEF0123456789ABCDEF01234567 nickname=relay1 sampled_on=2026-03-01T10:00:00 sampled_by=0.4.9.11 listed=1 confirmed_on=2026-03-02T11:00:00 confirmed_idx=0\n" +
		"TransportProxy obfs4 127.0.0.1:41234\n" +
		"BWHistoryReadEnds 2026-03-03 21:10:00\nBWHistoryReadInterval 86400\nBWHistoryReadValues 1000,250000,42\n" +
		"BWHistoryWriteEnds 2026-03-03 21:10:00\nBWHistoryWriteInterval 86400\nBWHistoryWriteValues 7,8\n" +
		"\x01\x02binary junk\n" + "lower case junk line\n" + "Key=Value=Nonsense\n"
	c, _ := run(t, NewState(), append(append([]byte(nil), b...), extra...))
	if len(c.Warnings) != 3 {
		t.Errorf("warnings %+v, want 3", c.Warnings)
	}
	g := c.Kind("tor.guard")
	if len(g) != 1 || attr(t, g[0], "nickname").Str != "relay1" || attr(t, g[0], "sampled_on").Time.Format(time.RFC3339) != "2026-03-01T10:00:00Z" ||
		attr(t, g[0], "confirmed_on").Time.Format(time.RFC3339) != "2026-03-02T11:00:00Z" {
		t.Errorf("guards %+v", g)
	}
	if tp := c.Kind("tor.transport_proxy"); len(tp) != 1 || attr(t, tp[0], "address").Str != "127.0.0.1:41234" {
		t.Errorf("transports %+v", tp)
	}
	if s := c.Kind("tor.state"); len(s) != 1 || attr(t, s[0], "guards").Int != 1 || attr(t, s[0], "bw_read_bytes").Int != 251042 ||
		attr(t, s[0], "bw_write_bytes").Int != 15 || attr(t, s[0], "bw_read_ends").Time.Format(time.RFC3339) != "2026-03-03T21:10:00Z" {
		t.Errorf("state %+v", s)
	}
}

func TestTorrcFixture(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(torFixtures(t), "torrc", "torrc"))
	if err != nil {
		t.Fatal(err)
	}
	c, ok := run(t, NewTorrc(), b)
	if !ok || len(c.Warnings) != 0 {
		t.Fatalf("matched %v %+v", ok, c)
	}
	counts := map[string]int{}
	for _, a := range c.Artefacts {
		counts[a.Kind]++
	}
	want := map[string]int{"tor.bridge": 2, "tor.bridge_setting": 2, "tor.hidden_service_config": 2, "tor.onion_auth_dir": 1}
	for k, n := range want {
		if counts[k] != n {
			t.Errorf("%s: %d, want %d (all: %v)", k, counts[k], n, counts)
		}
	}
	br := c.Kind("tor.bridge")
	obfs := br[0]
	if attr(t, obfs, "transport").Str != "obfs4" || attr(t, obfs, "address").Str != "192.0.2.10:443" ||
		attr(t, obfs, "fingerprint").Str != "0123456789ABCDEF0123456789ABCDEF01234567" || obfs.Source.ID != "5" {
		t.Errorf("obfs4 bridge %+v at %s", obfs.Attrs, obfs.Source)
	}
	if _, ok := br[1].Get("transport"); ok || attr(t, br[1], "address").Str != "198.51.100.7:9001" {
		t.Errorf("plain bridge %+v", br[1].Attrs)
	}
}

func TestHostileText(t *testing.T) {
	// A 10 MB single line after a real state header: skipped with a warning,
	// memory bounded by the line cap.
	b, _ := os.ReadFile(filepath.Join(torFixtures(t), "tor-data", "state"))
	huge := append(append([]byte(nil), b...), []byte(strings.Repeat("A", 10<<20)+"\n")...)
	c, ok := run(t, NewState(), huge)
	if !ok || len(c.Warnings) != 1 || !strings.Contains(c.Warnings[0].Message, "longer than") || len(c.Kind("tor.state")) != 1 {
		t.Errorf("10 MB line: %+v", c.Warnings)
	}
	if _, ok := run(t, NewTorrc(), []byte("SocksPort 9050\x00\nUseBridges 1\n")); ok {
		t.Error("binary data matched as torrc")
	}
	if _, ok := run(t, NewTorrc(), []byte("A letter about SocksPort and other things.\n")); ok {
		t.Error("prose matched as torrc")
	}
}

func FuzzState(f *testing.F) {
	b, _ := os.ReadFile(filepath.Join(torFixtures(f), "tor-data", "state"))
	f.Add(b)
	f.Fuzz(func(t *testing.T, data []byte) { run(t, NewState(), data) })
}

func FuzzTorrc(f *testing.F) {
	b, _ := os.ReadFile(filepath.Join(torFixtures(f), "torrc", "torrc"))
	f.Add(b)
	f.Fuzz(func(t *testing.T, data []byte) { run(t, NewTorrc(), data) })
}
