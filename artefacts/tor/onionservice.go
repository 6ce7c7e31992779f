// Package tor parses Tor and Tor Browser artefacts. This file: onion-service
// key folders, the evidence that a suspect operated a hidden service.
package tor

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"

	"filippo.io/edwards25519"

	"github.com/loupe-forensics/loupe/artefacts"
	"github.com/loupe-forensics/loupe/artefacts/onion"
	"github.com/loupe-forensics/loupe/forensic/finding"
)

// Tor writes each key file as a 32-byte NUL-padded header then the key.
const (
	secretHeader = "== ed25519v1-secret: type0 =="
	publicHeader = "== ed25519v1-public: type0 =="
	keyHeaderLen = 32
	secretLen    = keyHeaderLen + 64 // expanded secret key: clamped scalar ‖ nonce prefix
	publicLen    = keyHeaderLen + 32
)

// OnionService reads an onion service's key folder. It matches the secret
// key file by its header and reads the public key and hostname beside it.
type OnionService struct{}

// NewOnionService returns the parser.
func NewOnionService() *OnionService { return &OnionService{} }

func (*OnionService) Name() string    { return "tor/onion-service" }
func (*OnionService) Version() string { return "1" }

func (*OnionService) Match(in *artefacts.Input) bool {
	return in.Size == secretLen && bytes.HasPrefix(in.Head, []byte(secretHeader))
}

// Parse derives the public key from the secret key (A = a·B with a the
// clamped scalar Tor stores), the address from A, and compares both with
// the folder's hs_ed25519_public_key and hostname. The three facts are
// recorded separately, because each file can be missing or swapped alone.
func (p *OnionService) Parse(ctx context.Context, in *artefacts.Input, out finding.Sink) error {
	secret := make([]byte, secretLen)
	if n, err := in.Reader.ReadAt(secret, 0); n != secretLen {
		return fmt.Errorf("secret key file: %d of %d bytes read: %w", n, secretLen, err)
	}
	if !bytes.Equal(bytes.TrimRight(secret[:keyHeaderLen], "\x00"), []byte(secretHeader)) {
		return artefacts.ErrWrongFormat
	}
	scalar, err := edwards25519.NewScalar().SetBytesWithClamping(secret[keyHeaderLen : keyHeaderLen+32])
	if err != nil {
		return fmt.Errorf("secret key scalar: %w", err)
	}
	pub := new(edwards25519.Point).ScalarBaseMult(scalar).Bytes()
	derived, err := onion.FromPublicKey(pub)
	if err != nil {
		return err
	}
	dir := path.Dir(strings.TrimPrefix(in.Path, "/"))
	attrs := []finding.Attr{
		finding.S("address", derived),
		finding.S("public_key", hex.EncodeToString(pub)),
		finding.S("secret_key_path", in.Path),
		finding.S("folder", "/"+dir),
	}
	warn := func(msg string) {
		_ = out.Warn(ctx, finding.Warning{Parser: p.Name(), Source: in.Ref, Message: msg})
	}

	// hs_ed25519_public_key: must hold the derived key.
	pubFile, err := readSibling(in.FS, dir, "hs_ed25519_public_key", publicLen)
	switch {
	case err != nil:
		warn("no readable hs_ed25519_public_key beside the secret key: " + err.Error())
		attrs = append(attrs, finding.B("public_key_file_present", false))
	case len(pubFile) != publicLen || !bytes.Equal(bytes.TrimRight(pubFile[:keyHeaderLen], "\x00"), []byte(publicHeader)):
		warn(fmt.Sprintf("hs_ed25519_public_key is not a tor public key file (%d bytes)", len(pubFile)))
		attrs = append(attrs, finding.B("public_key_file_present", true), finding.B("public_key_matches_secret", false))
	default:
		attrs = append(attrs, finding.B("public_key_file_present", true),
			finding.B("public_key_matches_secret", bytes.Equal(pubFile[keyHeaderLen:], pub)))
	}

	// hostname: must be the address of the derived key.
	host, err := readSibling(in.FS, dir, "hostname", 512)
	hostOK := false
	if err != nil {
		warn("no readable hostname beside the secret key: " + err.Error())
		attrs = append(attrs, finding.B("hostname_present", false))
	} else {
		h := strings.TrimSpace(string(host))
		a, perr := onion.Parse(h)
		hostOK = perr == nil && a.Host == derived
		attrs = append(attrs, finding.B("hostname_present", true), finding.S("hostname", h),
			finding.B("hostname_valid", perr == nil), finding.B("hostname_matches_secret", hostOK))
	}
	pubOK := false
	for _, a := range attrs {
		if a.Name == "public_key_matches_secret" {
			pubOK = a.Bool
		}
	}
	// The proof holds when all three files belong together.
	attrs = append(attrs, finding.B("proof", pubOK && hostOK))
	return out.Artefact(ctx, finding.Artefact{
		Kind: "tor.onion_service", Category: finding.Analysis, Attrs: attrs,
		Parser: p.Name(), ParserVersion: p.Version(), Source: in.Ref, SourceSHA256: in.SHA256,
	})
}

// readSibling reads a small file in dir through the evidence file system,
// refusing anything larger than limit (a crafted folder must not make us
// read a huge file).
func readSibling(fsys fs.FS, dir, name string, limit int64) ([]byte, error) {
	if fsys == nil {
		return nil, fs.ErrNotExist
	}
	f, err := fsys.Open(path.Join(dir, name))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s is larger than %d bytes", name, limit)
	}
	return b, nil
}
