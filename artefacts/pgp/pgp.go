// Package pgp reads OpenPGP keys as GnuPG and other OpenPGP tools leave them:
// keybox files (pubring.kbx), binary key rings (pubring.gpg, secring.gpg),
// gpg-agent's private-keys-v1.d key files and ASCII armour in any file.
// Fingerprints, key IDs and keygrips are computed here from the key
// material; no GnuPG code runs.
package pgp

import (
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strconv"
	"strings"

	"github.com/loupe-forensics/loupe/artefacts"
	"github.com/loupe-forensics/loupe/forensic/finding"
	"github.com/loupe-forensics/loupe/forensic/source"
)

// Parser names and versions.
const (
	KeyringName       = "pgp/keyring"
	KeyringVersion    = "1"
	PrivateKeyName    = "pgp/private-key"
	PrivateKeyVersion = "1"
	ArmourName        = "pgp/armour"
	ArmourVersion     = "1"
)

// maxRing bounds how much of a keybox or key ring is read into memory;
// real rings are a few MB even for heavy users.
const maxRing = 256 << 20

// maxKeyFile bounds a private-keys-v1.d file (a few KiB in practice).
const maxKeyFile = 1 << 20

// Keyring reads keybox files and binary OpenPGP key rings.
type Keyring struct{}

// NewKeyring returns the keybox/key ring parser.
func NewKeyring() *Keyring { return &Keyring{} }

func (*Keyring) Name() string    { return KeyringName }
func (*Keyring) Version() string { return KeyringVersion }

// Match: a keybox header blob (type 1, "KBXf" at offset 8), or a first
// packet that is a public or secret key packet of version 3 to 6.
func (*Keyring) Match(in *artefacts.Input) bool {
	h := in.Head
	if len(h) >= 12 && h[4] == blobHeader && string(h[8:12]) == "KBXf" {
		return true
	}
	return isKeyPacketStart(h)
}

func isKeyPacketStart(h []byte) bool {
	if len(h) < 8 || h[0]&0x80 == 0 {
		return false
	}
	var tag, hl int
	if h[0]&0x40 == 0 {
		tag = int(h[0]>>2) & 0x0f
		hl = [4]int{2, 3, 5, 0}[h[0]&3]
	} else {
		tag = int(h[0] & 0x3f)
		switch c := h[1]; {
		case c < 192:
			hl = 2
		case c < 224:
			hl = 3
		case c == 255:
			hl = 6
		}
	}
	if (tag != 5 && tag != 6) || hl == 0 || hl >= len(h) {
		return false
	}
	return h[hl] >= 3 && h[hl] <= 6
}

func (p *Keyring) Parse(ctx context.Context, in *artefacts.Input, out finding.Sink) error {
	if in.Size > maxRing {
		return fmt.Errorf("pgp: key ring of %d bytes exceeds the %d byte cap", in.Size, maxRing)
	}
	b := make([]byte, in.Size)
	if _, err := in.Reader.ReadAt(b, 0); err != nil && err != io.EOF {
		return fmt.Errorf("pgp: reading key ring: %w", err)
	}
	e := &emitter{ctx: ctx, in: in, out: out, parser: KeyringName, version: KeyringVersion}
	e.home = homeSecrets(in)
	if len(b) >= 12 && b[4] == blobHeader && string(b[8:12]) == "KBXf" {
		return p.keybox(ctx, b, e)
	}
	if !isKeyPacketStart(b) {
		return artefacts.ErrWrongFormat
	}
	ps, err := readPackets(b, 0)
	if err != nil {
		e.warn(in.Ref, fmt.Sprintf("key ring: %v", err))
	}
	for _, k := range assembleKeys(ps) {
		if err := ctx.Err(); err != nil {
			return err
		}
		e.key(k, "keyring", func(pk packet) *source.Ref { return in.Ref.At(pk.Offset, pk.Length) }, nil)
	}
	return e.err
}

func (p *Keyring) keybox(ctx context.Context, b []byte, e *emitter) error {
	blobs, err := walkKeybox(b)
	if err != nil {
		e.warn(e.in.Ref, fmt.Sprintf("keybox: %v", err))
	}
	for _, bl := range blobs {
		if err := ctx.Err(); err != nil {
			return err
		}
		ref := e.in.Ref.At(bl.Offset, int64(bl.Length))
		switch bl.Type {
		case blobHeader:
			e.emit("pgp.keybox", ref, finding.I("blob_count", int64(len(blobs))), finding.T("created", bl.Created), finding.I("flags", int64(bl.Flags)))
		case blobX509:
			e.emit("pgp.x509_blob", ref, finding.S("fingerprint_sha1", hexU(first(bl.Fprs))), finding.T("blob_created", bl.Created), finding.S("checksum", bl.Checksum))
		case blobOpenPGP:
			if bl.Checksum == "sha1-bad" {
				e.warn(ref, "keybox blob checksum does not match its content")
			}
			ps, err := readPackets(bl.KeyBlock, bl.KeyBlockOff)
			if err != nil {
				e.warn(ref, fmt.Sprintf("keybox keyblock: %v", err))
			}
			keys := assembleKeys(ps)
			if len(keys) != 1 {
				e.warn(ref, fmt.Sprintf("keybox blob holds %d key blocks, want 1", len(keys)))
			}
			for _, k := range keys {
				e.key(k, "keybox", func(pk packet) *source.Ref { return e.in.Ref.At(pk.Offset, pk.Length) }, &bl)
			}
		}
	}
	return e.err
}

func first(b [][]byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return b[0]
}

// secretInfo is what a sibling private-keys-v1.d file says about a keygrip.
type secretInfo struct {
	Path       string
	Protection string // "unprotected", "protected", "shadowed"
	Mode       string
}

// homeSecrets returns a lookup into the private-keys-v1.d folder next to
// the input (same GnuPG home), or nil when there is none.
func homeSecrets(in *artefacts.Input) func(grip []byte) *secretInfo {
	if in.FS == nil || in.Path == "" {
		return nil
	}
	return secretsIn(in, path.Dir(strings.TrimPrefix(in.Path, "/")))
}

// secretsIn returns a lookup into home/private-keys-v1.d, or nil.
func secretsIn(in *artefacts.Input, home string) func(grip []byte) *secretInfo {
	if in.FS == nil {
		return nil
	}
	dir := path.Join(home, "private-keys-v1.d")
	if _, err := fs.Stat(in.FS, dir); err != nil {
		return nil
	}
	return func(grip []byte) *secretInfo {
		if grip == nil {
			return nil
		}
		name := path.Join(dir, hexU(grip)+".key")
		f, err := in.FS.Open(name)
		if err != nil {
			return nil
		}
		defer f.Close()
		b, err := io.ReadAll(io.LimitReader(f, maxKeyFile))
		if err != nil {
			return nil
		}
		sk, err := parseKeyFile(b)
		if err != nil {
			return &secretInfo{Path: name, Protection: "unreadable"}
		}
		return &secretInfo{Path: name, Protection: sk.Protection, Mode: sk.Mode}
	}
}

// emitter writes artefacts with the parser identity and keeps the first
// sink error.
type emitter struct {
	ctx             context.Context
	in              *artefacts.Input
	out             finding.Sink
	parser, version string
	home            func([]byte) *secretInfo
	err             error
}

func (e *emitter) emit(kind string, ref *source.Ref, attrs ...finding.Attr) {
	if e.err != nil {
		return
	}
	var keep []finding.Attr
	for _, a := range attrs {
		if a.Type == finding.TTime && a.Time.IsZero() {
			continue
		}
		keep = append(keep, a)
	}
	e.err = e.out.Artefact(e.ctx, finding.Artefact{Kind: kind, Category: finding.Data, Attrs: keep, Parser: e.parser,
		ParserVersion: e.version, Source: ref, SourceSHA256: e.in.SHA256})
}

func (e *emitter) warn(ref *source.Ref, msg string) {
	if e.err == nil {
		e.err = e.out.Warn(e.ctx, finding.Warning{Parser: e.parser, Source: ref, Message: msg})
	}
}

// key writes pgp.key, pgp.uid and pgp.subkey artefacts for one key block.
func (e *emitter) key(k *keyBlock, container string, ref func(packet) *source.Ref, blob *kbxBlob) {
	pk := k.Primary
	kref := ref(k.Packet)
	for _, w := range k.Warnings {
		e.warn(kref, w)
	}
	attrs := []finding.Attr{
		finding.S("fingerprint", hexU(pk.Fingerprint)),
		finding.S("key_id", hexU(pk.KeyID)),
		finding.I("version", int64(pk.Version)),
		finding.I("algorithm", int64(pk.Algo)),
		finding.I("bits", int64(pk.Bits)),
		finding.S("curve", gpgCurveName(pk.Curve)),
		finding.T("created", pk.Created),
		finding.T("expires", k.Expires),
		finding.B("revoked", k.Revoked),
		finding.T("revoked_at", k.RevokedAt),
		finding.S("usage", usage(k.Flags)),
		finding.S("keygrip", hexU(pk.Keygrip)),
		finding.S("container", container),
		finding.I("uid_count", int64(len(k.UIDs))),
		finding.I("subkey_count", int64(len(k.Subkeys))),
	}
	var uids []string
	for _, u := range k.UIDs {
		uids = append(uids, u.Text)
	}
	attrs = append(attrs, finding.S("uids", strings.Join(uids, "\n")))
	if pk.Secret {
		attrs = append(attrs, finding.B("secret_packet", true), finding.S("secret_packet_protection", pk.Protection))
	}
	if k.Trust > 0 {
		attrs = append(attrs, finding.I("trust_packets", int64(k.Trust)))
	}
	if blob != nil {
		attrs = append(attrs, finding.T("blob_created", blob.Created), finding.S("blob_checksum", blob.Checksum),
			finding.B("blob_fingerprint_matches", len(blob.Fprs) > 0 && strings.EqualFold(hexU(blob.Fprs[0][:len(pk.Fingerprint)]), hexU(pk.Fingerprint))))
	}
	attrs = append(attrs, e.secretAttrs(pk.Keygrip)...)
	e.emit("pgp.key", kref, attrs...)
	for _, u := range k.UIDs {
		name, comment, email := splitUID(u.Text)
		var certs []string
		for _, c := range u.Certs {
			certs = append(certs, hexU(c))
		}
		e.emit("pgp.uid", ref(u.Packet),
			finding.S("fingerprint", hexU(pk.Fingerprint)), finding.S("uid", u.Text),
			finding.S("name", name), finding.S("comment", comment), finding.S("email", email),
			finding.T("self_signed", u.Created), finding.B("revoked", u.Revoked),
			finding.S("certified_by", strings.Join(certs, ",")))
	}
	for i, s := range k.Subkeys {
		sa := []finding.Attr{
			finding.S("primary_fingerprint", hexU(pk.Fingerprint)),
			finding.S("fingerprint", hexU(s.Key.Fingerprint)),
			finding.S("key_id", hexU(s.Key.KeyID)),
			finding.I("index", int64(i)),
			finding.I("algorithm", int64(s.Key.Algo)),
			finding.I("bits", int64(s.Key.Bits)),
			finding.S("curve", gpgCurveName(s.Key.Curve)),
			finding.T("created", s.Key.Created),
			finding.T("expires", s.Expires),
			finding.B("revoked", s.Revoked),
			finding.S("usage", usage(s.Flags)),
			finding.S("keygrip", hexU(s.Key.Keygrip)),
		}
		if s.Key.Secret {
			sa = append(sa, finding.B("secret_packet", true), finding.S("secret_packet_protection", s.Key.Protection))
		}
		sa = append(sa, e.secretAttrs(s.Key.Keygrip)...)
		e.emit("pgp.subkey", ref(s.Packet), sa...)
	}
}

func (e *emitter) secretAttrs(grip []byte) []finding.Attr {
	if e.home == nil {
		return nil
	}
	s := e.home(grip)
	if s == nil {
		return []finding.Attr{finding.B("has_secret", false)}
	}
	return []finding.Attr{finding.B("has_secret", true), finding.S("secret_protection", s.Protection),
		finding.S("secret_mode", s.Mode), finding.S("secret_path", s.Path)}
}

func hexU(b []byte) string { return strings.ToUpper(hex.EncodeToString(b)) }

// packetRef names a packet inside decoded armour data.
func packetRef(block *source.Ref, p packet) *source.Ref {
	return block.Record("packet", strconv.FormatInt(p.Offset, 10)+"+"+strconv.FormatInt(p.Length, 10))
}
