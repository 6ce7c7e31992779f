package tor

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/loupe-forensics/loupe/artefacts"
	"github.com/loupe-forensics/loupe/forensic/finding"
)

// Bounds for tor's text files: real ones are a few KiB. A longer line or
// file is hostile or not tor's, and is warned about rather than read.
const (
	maxLine  = 64 << 10
	maxLines = 100000
)

// scanLines calls fn for each line (1-based number, text without the
// newline), skipping over-long lines with a warning. It never holds more
// than one line.
func scanLines(ctx context.Context, r io.Reader, warn func(line int, msg string), fn func(n int, line string)) error {
	br := bufio.NewReaderSize(r, 32<<10)
	for n := 1; n <= maxLines; n++ {
		if n%1024 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		line, long, err := readLine(br)
		if long {
			warn(n, fmt.Sprintf("line longer than %d bytes skipped", maxLine))
		} else if line != "" || err == nil {
			fn(n, line)
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
	warn(maxLines, fmt.Sprintf("more than %d lines: the rest was not read", maxLines))
	return nil
}

// readLine reads one line, discarding (and reporting) lines over maxLine.
func readLine(br *bufio.Reader) (string, bool, error) {
	var buf []byte
	long := false
	for {
		chunk, isPrefix, err := br.ReadLine()
		if !long {
			buf = append(buf, chunk...)
			if len(buf) > maxLine {
				long, buf = true, nil
			}
		}
		if err != nil || !isPrefix {
			return string(buf), long, err
		}
	}
}

// State reads the tor daemon's "state" file: its version, when it last
// wrote, the guards it chose (with when they were sampled and confirmed) and
// pluggable-transport proxies.
type State struct{}

// NewState returns the parser.
func NewState() *State { return &State{} }

func (*State) Name() string    { return "tor/state" }
func (*State) Version() string { return "2" }

func (*State) Match(in *artefacts.Input) bool {
	h := in.Head
	return (bytes.HasPrefix(h, []byte("# Tor state file")) || bytes.Contains(h, []byte("\nTorVersion Tor "))) &&
		bytes.Contains(h, []byte("LastWritten "))
}

// stateTime parses tor's "YYYY-MM-DD HH:MM:SS" (UTC) and the ISO form used
// inside guard entries.
func stateTime(s string) (time.Time, bool) {
	for _, layout := range []string{"2006-01-02 15:04:05", "2006-01-02T15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

func (p *State) Parse(ctx context.Context, in *artefacts.Input, out finding.Sink) error {
	warn := func(line int, msg string) {
		_ = out.Warn(ctx, finding.Warning{Parser: p.Name(), Source: in.Ref.Record("line", strconv.Itoa(line)), Message: msg})
	}
	emit := func(kind string, line int, attrs ...finding.Attr) {
		_ = out.Artefact(ctx, finding.Artefact{Kind: kind, Attrs: attrs, Parser: p.Name(), ParserVersion: p.Version(),
			Source: in.Ref.Record("line", strconv.Itoa(line)), SourceSHA256: in.SHA256})
	}
	var summary []finding.Attr
	guards, transports := 0, 0
	err := scanLines(ctx, io.NewSectionReader(in.Reader, 0, in.Size), warn, func(n int, line string) {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' {
			return
		}
		key, val, _ := strings.Cut(line, " ")
		switch key {
		case "TorVersion":
			summary = append(summary, finding.S("tor_version", val))
		case "LastWritten":
			if t, ok := stateTime(val); ok {
				summary = append(summary, finding.T("last_written", t))
			} else {
				warn(n, "LastWritten is not a time: "+val)
			}
		case "Guard":
			guards++
			attrs := []finding.Attr{}
			for _, f := range strings.Fields(val) {
				k, v, ok := strings.Cut(f, "=")
				if !ok {
					continue
				}
				switch k {
				case "in", "rsa_id", "nickname", "sampled_by", "bridge_addr", "pb_path_use_attempts":
					attrs = append(attrs, finding.S(k, v))
				case "sampled_on", "confirmed_on", "unlisted_since":
					if t, ok := stateTime(v); ok {
						attrs = append(attrs, finding.T(k, t))
					}
				case "listed", "confirmed_idx":
					if i, err := strconv.ParseInt(v, 10, 64); err == nil {
						attrs = append(attrs, finding.I(k, i))
					}
				}
			}
			emit("tor.guard", n, attrs...)
		case "TransportProxy":
			transports++
			name, addr, _ := strings.Cut(val, " ")
			emit("tor.transport_proxy", n, finding.S("transport", name), finding.S("address", addr))
		case "Dormant", "AccountingBytesReadInInterval", "AccountingBytesWrittenInInterval", "AccountingExpectedUsage",
			"AccountingIntervalStart", "AccountingSecondsActive", "AccountingSecondsToReachSoftLimit", "AccountingSoftLimitHitAt",
			"CircuitBuildAbandonedCount", "CircuitBuildTimeBin", "TotalBuildTimes", "MinutesSinceUserActivity", "LastRotatedOnionKey":
			// Known keys of no evidential weight on their own.
		default:
			if strings.HasPrefix(key, "BWHistory") {
				switch key {
				case "BWHistoryReadEnds", "BWHistoryWriteEnds":
					if t, ok := stateTime(val); ok {
						name := "bw_read_ends"
						if key == "BWHistoryWriteEnds" {
							name = "bw_write_ends"
						}
						summary = append(summary, finding.T(name, t))
					}
				case "BWHistoryReadValues", "BWHistoryWriteValues":
					// Bytes per interval, comma-separated: their sum is the
					// traffic of the period tor keeps (about five days).
					var sum int64
					for _, v := range strings.Split(val, ",") {
						if n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil && n > 0 && sum <= math.MaxInt64-n {
							sum += n
						}
					}
					name := "bw_read_bytes"
					if key == "BWHistoryWriteValues" {
						name = "bw_write_bytes"
					}
					summary = append(summary, finding.I(name, sum))
				}
				return
			}
			if !isStateKey(key) {
				warn(n, fmt.Sprintf("not a tor state line: %.80q", line))
			}
		}
	})
	summary = append(summary, finding.I("guards", int64(guards)), finding.I("transport_proxies", int64(transports)))
	_ = out.Artefact(ctx, finding.Artefact{Kind: "tor.state", Attrs: summary, Parser: p.Name(), ParserVersion: p.Version(),
		Source: in.Ref, SourceSHA256: in.SHA256})
	return err
}

// isStateKey accepts the CamelCase keys tor writes that are not listed
// above, so that a new tor version's keys are not called garbage.
func isStateKey(k string) bool {
	if k == "" || k[0] < 'A' || k[0] > 'Z' {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// Torrc reads tor configuration files (torrc, torrc-defaults): bridges and
// transports, proxies, onion-service and client-authorisation folders.
type Torrc struct{}

// NewTorrc returns the parser.
func NewTorrc() *Torrc { return &Torrc{} }

func (*Torrc) Name() string    { return "tor/torrc" }
func (*Torrc) Version() string { return "1" }

// torrcKeys are directives that only a tor configuration contains.
var torrcKeys = []string{"SocksPort", "UseBridges", "Bridge", "ClientTransportPlugin", "HiddenServiceDir", "HiddenServicePort",
	"ClientOnionAuthDir", "ControlPort", "ExitNodes", "EntryNodes", "ExcludeNodes", "Socks5Proxy", "HTTPSProxy", "DataDirectory", "ORPort"}

func (*Torrc) Match(in *artefacts.Input) bool {
	if bytes.IndexByte(in.Head, 0) >= 0 {
		return false
	}
	hits := 0
	for _, line := range bytes.Split(in.Head, []byte("\n")) {
		f := bytes.Fields(line)
		if len(f) == 0 {
			continue
		}
		for _, k := range torrcKeys {
			if string(f[0]) == k {
				hits++
			}
		}
	}
	return hits >= 2
}

func (p *Torrc) Parse(ctx context.Context, in *artefacts.Input, out finding.Sink) error {
	warn := func(line int, msg string) {
		_ = out.Warn(ctx, finding.Warning{Parser: p.Name(), Source: in.Ref.Record("line", strconv.Itoa(line)), Message: msg})
	}
	found := 0
	err := scanLines(ctx, io.NewSectionReader(in.Reader, 0, in.Size), warn, func(n int, line string) {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' {
			return
		}
		key, val, _ := strings.Cut(line, " ")
		val = strings.TrimSpace(val)
		var kind string
		attrs := []finding.Attr{finding.S("directive", key), finding.S("value", val)}
		switch key {
		case "Bridge":
			kind = "tor.bridge"
			f := strings.Fields(val)
			if len(f) > 0 && !strings.ContainsAny(f[0], ".:[") { // a transport name comes first
				attrs = append(attrs, finding.S("transport", f[0]))
				f = f[1:]
			}
			if len(f) > 0 {
				attrs = append(attrs, finding.S("address", f[0]))
			}
			if len(f) > 1 && len(f[1]) == 40 {
				attrs = append(attrs, finding.S("fingerprint", f[1]))
			}
		case "UseBridges", "ClientTransportPlugin":
			kind = "tor.bridge_setting"
		case "Socks5Proxy", "HTTPSProxy", "HTTPProxy", "Socks4Proxy":
			kind = "tor.proxy"
		case "HiddenServiceDir", "HiddenServicePort", "HiddenServiceVersion":
			kind = "tor.hidden_service_config"
		case "ClientOnionAuthDir":
			kind = "tor.onion_auth_dir"
		case "ExitNodes", "EntryNodes", "ExcludeNodes", "StrictNodes", "ORPort", "ExitRelay", "ExitPolicy", "Nickname", "ContactInfo":
			kind = "tor.relay_config"
		default:
			return
		}
		found++
		_ = out.Artefact(ctx, finding.Artefact{Kind: kind, Attrs: attrs, Parser: p.Name(), ParserVersion: p.Version(),
			Source: in.Ref.Record("line", strconv.Itoa(n)), SourceSHA256: in.SHA256})
	})
	if err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	if found == 0 {
		return artefacts.ErrWrongFormat
	}
	return nil
}
