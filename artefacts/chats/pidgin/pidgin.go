// Package pidgin reads Pidgin (libpurple) profiles: accounts.xml (accounts,
// protocols and the plaintext passwords libpurple keeps there), blist.xml
// (buddies and groups), the HTML and text conversation logs under
// logs/<protocol>/<account>/<buddy>/, and the OTR files otr.private_key and
// otr.fingerprints. Every parser matches on content; file and folder names
// are used only for what they encode (a log's session start and time zone,
// its protocol, account and buddy).
package pidgin

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"strings"

	"github.com/loupe-forensics/loupe/artefacts"
	"github.com/loupe-forensics/loupe/forensic/finding"
	"github.com/loupe-forensics/loupe/forensic/source"
)

const client = "pidgin"

// Kinds of this package beyond the common chat kinds.
const (
	// KindCredential holds a secret read in the clear (an account password).
	// finding.Attr has no sensitivity flag, so the secret gets an artefact
	// kind of its own, marked sensitive=true: reports can withhold the kind
	// as a whole while chat.account says only password_present.
	KindCredential = "chat.credential"
	KindOTRKey     = "chat.otr_private_key" // an OTR identity key: account, protocol, fingerprint (never the key)
	KindOTRPeer    = "chat.otr_fingerprint" // a peer's OTR fingerprint and its trust state
	KindGroup      = "chat.pidgin_group"    // a buddy-list group
)

// Size limits, checked against Input.Size before anything is read.
const (
	maxXML = 16 << 20 // accounts.xml, blist.xml
	maxLog = 64 << 20 // one conversation log
	maxOTR = 4 << 20  // otr.private_key, otr.fingerprints
)

type emitter struct {
	ctx    context.Context
	in     *artefacts.Input
	out    finding.Sink
	parser artefacts.Parser
}

func (e emitter) emit(kind string, src *source.Ref, attrs ...finding.Attr) error {
	if src == nil {
		src = e.in.Ref
	}
	return e.out.Artefact(e.ctx, finding.Artefact{Kind: kind, Category: finding.Data, Attrs: attrs,
		Parser: e.parser.Name(), ParserVersion: e.parser.Version(), Source: src, SourceSHA256: e.in.SHA256})
}

func (e emitter) warn(src *source.Ref, format string, args ...any) {
	if src == nil {
		src = e.in.Ref
	}
	_ = e.out.Warn(e.ctx, finding.Warning{Parser: e.parser.Name(), Source: src, Message: fmt.Sprintf(format, args...)})
}

// lineRef points at one line of a text file: record "line" N with its byte range.
func lineRef(in *artefacts.Input, line int, off, length int64) *source.Ref {
	return in.Ref.Child(source.TypeRecord, "line", fmt.Sprint(line), off, length)
}

// readFSFile reads a sibling file of the input (path as Input.Path, with a
// leading "/") from the input's file system, after checking its size.
func readFSFile(in *artefacts.Input, p string, limit int64) ([]byte, error) {
	name := strings.TrimPrefix(p, "/")
	st, err := fs.Stat(in.FS, name)
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() || st.Size() > limit {
		return nil, fmt.Errorf("%s: not a regular file under %d bytes", p, limit)
	}
	f, err := in.FS.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, limit))
}
