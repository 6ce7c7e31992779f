package tor

import (
	"bytes"
	"context"
	"io"
	"strconv"
	"strings"

	"github.com/loupe-forensics/loupe/artefacts"
	"github.com/loupe-forensics/loupe/forensic/finding"
)

// Consensus reads a cached network-status consensus (cached-consensus,
// cached-microdesc-consensus) from a tor data folder. tor replaces the file
// whenever it downloads a newer consensus, so its valid-after time bounds
// when this tor last had a working directory connection: evidence of use
// that survives the state file being cleaned. Only the header, the relay
// count and the signatures are read; relay entries are not artefacts.
type Consensus struct{}

// NewConsensus returns the parser.
func NewConsensus() *Consensus { return &Consensus{} }

func (*Consensus) Name() string    { return "tor/consensus" }
func (*Consensus) Version() string { return "1" }

// Match wants the first line of a v3 network-status document and the
// consensus vote status (a vote, which only authorities keep, is not read).
func (*Consensus) Match(in *artefacts.Input) bool {
	return bytes.HasPrefix(in.Head, []byte("network-status-version 3")) &&
		bytes.Contains(in.Head, []byte("\nvote-status consensus\n"))
}

func (p *Consensus) Parse(ctx context.Context, in *artefacts.Input, out finding.Sink) error {
	warn := func(line int, msg string) {
		_ = out.Warn(ctx, finding.Warning{Parser: p.Name(), Source: in.Ref.Record("line", strconv.Itoa(line)), Message: msg})
	}
	flavour := "ns"
	var attrs []finding.Attr
	relays, sigs, sources := 0, 0, 0
	inSig := false
	err := scanLines(ctx, io.NewSectionReader(in.Reader, 0, in.Size), warn, func(n int, line string) {
		if inSig {
			inSig = line != "-----END SIGNATURE-----"
			return
		}
		key, val, _ := strings.Cut(line, " ")
		switch key {
		case "network-status-version":
			if strings.TrimSpace(val) == "3 microdesc" {
				flavour = "microdesc"
			}
		case "consensus-method":
			if m, err := strconv.ParseInt(val, 10, 64); err == nil {
				attrs = append(attrs, finding.I("consensus_method", m))
			}
		case "valid-after", "fresh-until", "valid-until":
			if t, ok := stateTime(val); ok {
				attrs = append(attrs, finding.T(strings.ReplaceAll(key, "-", "_"), t))
			} else {
				warn(n, key+" is not a time: "+val)
			}
		case "known-flags":
			attrs = append(attrs, finding.S("known_flags", val))
		case "dir-source":
			sources++
		case "r":
			relays++
		case "directory-signature":
			sigs++
		case "-----BEGIN":
			inSig = true
		}
	})
	attrs = append([]finding.Attr{finding.S("flavour", flavour)}, attrs...)
	attrs = append(attrs, finding.I("relays", int64(relays)), finding.I("dir_sources", int64(sources)), finding.I("signatures", int64(sigs)))
	if sigs == 0 {
		warn(0, "consensus without a directory signature: truncated, or not written by tor")
	}
	_ = out.Artefact(ctx, finding.Artefact{Kind: "tor.consensus", Attrs: attrs, Parser: p.Name(), ParserVersion: p.Version(),
		Source: in.Ref, SourceSHA256: in.SHA256})
	return err
}
