package wallets

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	"github.com/loupe-forensics/loupe/artefacts"
	"github.com/loupe-forensics/loupe/forensic/finding"
)

// Exodus parser identity.
const (
	ExodusName    = "wallets/exodus"
	ExodusVersion = "1"
	KindExodus    = "wallet.exodus"
)

// secure-container ("seco") layout, big-endian: a 224-byte header (magic
// "SECO", version, 4 reserved bytes, then length-prefixed version tag,
// app name and app version), a SHA-256 checksum, 256 bytes of metadata
// (salt 32, scrypt N, r, p, cipher name 32, blob key IV 12 + tag 16 +
// wrapped key 32, blob IV 12 + tag 16, zero padding) and the blob (32-bit
// length + bytes). The checksum is SHA-256 of metadata ‖ blob length ‖
// blob, so it is checkable without the password.
const (
	secoHeaderSize = 224
	secoMetaSize   = 256
	secoMinSize    = secoHeaderSize + 32 + secoMetaSize + 4
	maxSecoSize    = 64 << 20
)

// Exodus reads Exodus's secure-container files (seed.seco, info.seco,
// storage.seco, twofactor*.seco) and, for the seed, the wallet folder
// around it: passphrase.json beside seed.seco means the user never set a
// password (it holds the secret that opens the seed).
type Exodus struct{}

// NewExodus returns the Exodus parser.
func NewExodus() *Exodus { return &Exodus{} }

func (*Exodus) Name() string    { return ExodusName }
func (*Exodus) Version() string { return ExodusVersion }

// Match: the "SECO" magic and the v0 version tag.
func (*Exodus) Match(in *artefacts.Input) bool {
	return in.Size >= secoMinSize && bytes.HasPrefix(in.Head, []byte("SECO")) && bytes.Contains(in.Head[:min(len(in.Head), 64)], []byte("seco-v0"))
}

// SecoHeader is what a secure-container says about itself.
type SecoHeader struct {
	Version          uint32
	Tag, App, AppVer string
	N, R, P          uint32
	Cipher           string
	Salt             []byte
	BlobBytes        uint32
	ChecksumValid    bool
}

// ParseSeco decodes a secure-container's header and checks its checksum.
func ParseSeco(b []byte) (*SecoHeader, error) {
	if len(b) < secoMinSize || string(b[:4]) != "SECO" {
		return nil, fmt.Errorf("seco: %d bytes, not a secure container", len(b))
	}
	h := &SecoHeader{Version: binary.BigEndian.Uint32(b[4:])}
	off := 12
	field := func(what string) (string, error) {
		if off >= secoHeaderSize {
			return "", fmt.Errorf("seco: %s past the header at byte %d", what, off)
		}
		n := int(b[off])
		if off+1+n > secoHeaderSize {
			return "", fmt.Errorf("seco: %s of %d bytes at byte %d runs past the header", what, n, off)
		}
		s := string(b[off+1 : off+1+n])
		off += 1 + n
		return s, nil
	}
	var err error
	if h.Tag, err = field("version tag"); err != nil {
		return nil, err
	}
	if h.App, err = field("app name"); err != nil {
		return nil, err
	}
	if h.AppVer, err = field("app version"); err != nil {
		return nil, err
	}
	m := b[secoHeaderSize+32 : secoHeaderSize+32+secoMetaSize]
	h.Salt = append([]byte{}, m[:32]...)
	h.N, h.R, h.P = binary.BigEndian.Uint32(m[32:]), binary.BigEndian.Uint32(m[36:]), binary.BigEndian.Uint32(m[40:])
	h.Cipher = string(bytes.TrimRight(m[44:76], "\x00"))
	body := b[secoHeaderSize+32+secoMetaSize:]
	h.BlobBytes = binary.BigEndian.Uint32(body)
	if int64(h.BlobBytes) > int64(len(body)-4) {
		return h, fmt.Errorf("seco: blob of %d bytes, only %d follow (truncated)", h.BlobBytes, len(body)-4)
	}
	s := sha256.New()
	s.Write(m)
	s.Write(body[:4+h.BlobBytes])
	h.ChecksumValid = bytes.Equal(s.Sum(nil), b[secoHeaderSize:secoHeaderSize+32])
	return h, nil
}

// Parse writes one wallet.exodus artefact per container.
func (p *Exodus) Parse(ctx context.Context, in *artefacts.Input, out finding.Sink) error {
	e := &emitter{ctx: ctx, in: in, out: out, parser: ExodusName, version: ExodusVersion}
	b, err := readAll(in, maxSecoSize)
	if err != nil {
		return fmt.Errorf("exodus: %w", err)
	}
	h, perr := ParseSeco(b)
	if h == nil {
		return artefacts.ErrWrongFormat
	}
	name := path.Base(in.Path)
	role := "other"
	switch {
	case name == "seed.seco", name == "info.seco", name == "storage.seco":
		role = strings.TrimSuffix(name, ".seco")
	case strings.HasPrefix(name, "twofactor") && strings.HasSuffix(name, ".seco"):
		role = "twofactor"
	}
	attrs := []finding.Attr{finding.S("format", "secure-container"), finding.S("role", role), finding.B("encrypted", true),
		finding.I("seco_version", int64(h.Version)), finding.S("version_tag", h.Tag), finding.S("app_name", h.App),
		finding.S("app_version", h.AppVer), finding.S("kdf", "scrypt"), finding.I("kdf_n", int64(h.N)), finding.I("kdf_r", int64(h.R)),
		finding.I("kdf_p", int64(h.P)), finding.S("cipher", h.Cipher), finding.I("blob_bytes", int64(h.BlobBytes)),
		finding.B("checksum_valid", h.ChecksumValid)}
	if role == "seed" && in.FS != nil && in.Path != "" {
		// The wallet folder: passphrase.json exists only while no password is set.
		dir := path.Dir(strings.TrimPrefix(in.Path, "/"))
		ents, _ := fs.ReadDir(in.FS, dir)
		var names []string
		hasPass := false
		for _, en := range ents {
			names = append(names, en.Name())
			hasPass = hasPass || en.Name() == "passphrase.json"
		}
		sort.Strings(names)
		attrs = append(attrs, finding.B("passphrase_json", hasPass), finding.B("password_set", !hasPass),
			finding.S("folder_files", strings.Join(names, ",")))
	}
	if err := e.artefact(KindExodus, nil, attrs...); err != nil {
		return err
	}
	if perr != nil {
		return e.warn(nil, "exodus: %v", perr)
	}
	if !h.ChecksumValid {
		return e.warn(nil, "exodus: the container's SHA-256 checksum does not match its content")
	}
	return nil
}
