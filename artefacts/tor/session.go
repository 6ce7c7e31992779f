package tor

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"path"
	"strconv"
	"time"

	"github.com/loupe-forensics/loupe/artefacts"
	"github.com/loupe-forensics/loupe/forensic/finding"
	"github.com/pierrec/lz4/v4"
)

// mozlz4 framing: 8-byte magic, uint32 LE decompressed size, one raw LZ4 block.
var mozMagic = []byte("mozLz40\x00")

// maxSession bounds the decompressed session store. Real ones are a few
// MiB; the size field is attacker-controlled, so a bigger claim is refused
// before anything is allocated.
const maxSession = 64 << 20

// Session reads Firefox / Tor Browser session stores (sessionstore.jsonlz4,
// recovery.jsonlz4, *.baklz4): open tabs, and closed tabs and windows that
// the browser keeps for "undo close". Tabs are "tor.session_tab" in a Tor
// Browser profile and "firefox.session_tab" otherwise (see classify).
type Session struct{}

// NewSession returns the parser.
func NewSession() *Session { return &Session{} }

func (*Session) Name() string    { return "tor/session" }
func (*Session) Version() string { return "2" }

func (*Session) Match(in *artefacts.Input) bool { return bytes.HasPrefix(in.Head, mozMagic) }

type sessEntry struct {
	URL   string `json:"url"`
	Title string `json:"title"`
}

type sessTab struct {
	Entries    []sessEntry `json:"entries"`
	Index      int         `json:"index"`
	LastAccess int64       `json:"lastAccessed"`
}

type sessClosedTab struct {
	State    sessTab `json:"state"`
	ClosedAt int64   `json:"closedAt"`
}

type sessWindow struct {
	Tabs       []sessTab       `json:"tabs"`
	ClosedTabs []sessClosedTab `json:"_closedTabs"`
}

type sessStore struct {
	Windows       []sessWindow `json:"windows"`
	ClosedWindows []sessWindow `json:"_closedWindows"`
}

// decodeMozLz4 returns the JSON inside a mozlz4 file, or an error naming
// what is wrong and where.
func decodeMozLz4(r io.ReaderAt, size int64) ([]byte, error) {
	if size < 12 {
		return nil, fmt.Errorf("mozlz4: %d bytes, shorter than the 12-byte header: %w", size, artefacts.ErrWrongFormat)
	}
	hdr := make([]byte, 12)
	if _, err := r.ReadAt(hdr, 0); err != nil {
		return nil, fmt.Errorf("mozlz4: header at offset 0: %w", err)
	}
	n := binary.LittleEndian.Uint32(hdr[8:])
	if n > maxSession {
		return nil, fmt.Errorf("mozlz4: header at offset 8 claims %d decompressed bytes, over the %d limit", n, maxSession)
	}
	// An LZ4 block is never much larger than its output, and expands at
	// most ~255x (a match token adds 255 bytes per length byte), so a size
	// claim outside those bounds is refused before the output buffer is
	// made: a small file cannot make us allocate the 64 MiB cap.
	if size-12 > int64(n)+int64(n)/255+16 {
		return nil, fmt.Errorf("mozlz4: %d compressed bytes for %d decompressed", size-12, n)
	}
	if int64(n) > (size-12)*255+64 {
		return nil, fmt.Errorf("mozlz4: header at offset 8 claims %d bytes, more than %d compressed bytes can expand to", n, size-12)
	}
	src := make([]byte, size-12)
	if _, err := r.ReadAt(src, 12); err != nil && err != io.EOF {
		return nil, fmt.Errorf("mozlz4: block at offset 12: %w", err)
	}
	dst := make([]byte, n)
	got, err := lz4.UncompressBlock(src, dst)
	if err != nil {
		return nil, fmt.Errorf("mozlz4: LZ4 block at offset 12: %w", err)
	}
	if got != int(n) {
		return nil, fmt.Errorf("mozlz4: block gave %d bytes, header at offset 8 says %d", got, n)
	}
	return dst, nil
}

func (p *Session) Parse(ctx context.Context, in *artefacts.Input, out finding.Sink) error {
	warn := func(msg string) {
		_ = out.Warn(ctx, finding.Warning{Parser: p.Name(), Source: in.Ref, Message: msg})
	}
	data, err := decodeMozLz4(in.Reader, in.Size)
	if err != nil {
		warn(err.Error())
		return nil
	}
	var s sessStore
	if err := json.Unmarshal(data, &s); err != nil {
		warn(fmt.Sprintf("session JSON: %v", err))
		return nil
	}
	// Tor Browser or Firefox, from the profile around the file (the store
	// sits in the profile or in its sessionstore-backups folder).
	var prof profile
	if in.FS != nil && in.Path != "" {
		dir := path.Dir(fsPath(in))
		if path.Base(dir) == "sessionstore-backups" {
			dir = path.Dir(dir)
		}
		prof = classify(in.FS, dir)
	}
	kind, base := prof.family()+".session_tab", prof.attrs()
	emit := func(path, state string, t sessTab, closedAt int64) {
		attrs := []finding.Attr{finding.S("state", state), finding.I("entries", int64(len(t.Entries)))}
		// index is 1-based: the entry the tab was showing.
		if i := t.Index - 1; i >= 0 && i < len(t.Entries) {
			attrs = append(attrs, finding.S("url", t.Entries[i].URL), finding.S("title", t.Entries[i].Title))
		} else if len(t.Entries) > 0 {
			e := t.Entries[len(t.Entries)-1]
			attrs = append(attrs, finding.S("url", e.URL), finding.S("title", e.Title))
		}
		if closedAt > 0 {
			attrs = append(attrs, finding.T("closed_at", msTime(closedAt)))
		}
		if t.LastAccess > 0 {
			attrs = append(attrs, finding.T("last_accessed", msTime(t.LastAccess)))
		}
		attrs = append(attrs, base...)
		_ = out.Artefact(ctx, finding.Artefact{Kind: kind, Attrs: attrs, Parser: p.Name(), ParserVersion: p.Version(),
			Source: in.Ref.Record("json", path), SourceSHA256: in.SHA256})
	}
	walk := func(prefix string, ws []sessWindow, open string) {
		for wi, w := range ws {
			wp := prefix + "[" + strconv.Itoa(wi) + "]"
			for ti, t := range w.Tabs {
				emit(wp+".tabs["+strconv.Itoa(ti)+"]", open, t, 0)
			}
			for ti, t := range w.ClosedTabs {
				emit(wp+"._closedTabs["+strconv.Itoa(ti)+"].state", "closed_tab", t.State, t.ClosedAt)
			}
		}
	}
	walk("windows", s.Windows, "open")
	walk("_closedWindows", s.ClosedWindows, "closed_window")
	return nil
}

// msTime: session-store times are JavaScript milliseconds since 1970 (UTC).
func msTime(ms int64) time.Time { return time.UnixMilli(ms).UTC() }
