package tor

import (
	"bytes"
	"context"
	"crypto/ecdh"
	"encoding/base32"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"

	"github.com/loupe-forensics/loupe/artefacts"
	"github.com/loupe-forensics/loupe/artefacts/onion"
	"github.com/loupe-forensics/loupe/forensic/finding"
)

// OnionAuth reads onion-service client authorisation files. A client's
// "<name>.auth_private" (ClientOnionAuthDir, Tor Browser's Data/Tor/
// onion-auth) holds "<56-char address>:descriptor:x25519:<base32 private
// key>": the key that lets this user reach a restricted service. A
// service's authorized_clients/"<name>.auth" holds "descriptor:x25519:
// <base32 public key>". The client's public key is derived here, so a
// client file on one disk can be matched with a service's authorized
// client on another.
type OnionAuth struct{}

// NewOnionAuth returns the parser.
func NewOnionAuth() *OnionAuth { return &OnionAuth{} }

func (*OnionAuth) Name() string    { return "tor/onion-auth" }
func (*OnionAuth) Version() string { return "1" }

// maxAuthFile: tor's files hold one line of ~130 bytes.
const maxAuthFile = 64 << 10

var b32std = base32.StdEncoding.WithPadding(base32.NoPadding)

// authLine splits a client or service line; ok is false for anything else.
func authLine(line string) (addr, keyType, key string, client, ok bool) {
	f := strings.Split(line, ":")
	switch {
	case len(f) == 4 && f[1] == "descriptor":
		return f[0], f[2], f[3], true, f[0] != "" && f[3] != ""
	case len(f) == 3 && f[0] == "descriptor":
		return "", f[1], f[2], false, f[2] != ""
	}
	return "", "", "", false, false
}

func (*OnionAuth) Match(in *artefacts.Input) bool {
	if in.Size > maxAuthFile || in.Size == 0 {
		return false
	}
	line, _, _ := bytes.Cut(in.Head, []byte("\n"))
	_, kt, key, _, ok := authLine(strings.TrimSpace(string(line)))
	return ok && kt == "x25519" && len(key) >= 52 && len(key) <= 56
}

func (p *OnionAuth) Parse(ctx context.Context, in *artefacts.Input, out finding.Sink) error {
	e := emitter{ctx: ctx, in: in, out: out, parser: p}
	b, err := io.ReadAll(io.NewSectionReader(in.Reader, 0, min(in.Size, maxAuthFile)))
	if err != nil {
		return fmt.Errorf("read: %w", err)
	}
	name := strings.TrimSuffix(strings.TrimSuffix(path.Base(in.Path), ".auth_private"), ".auth")
	found := 0
	for i, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' {
			continue
		}
		src := in.Ref.Record("line", strconv.Itoa(i+1))
		addr, kt, key, client, ok := authLine(line)
		if !ok {
			e.warn(src, fmt.Sprintf("not a client authorisation line: %.80q", line))
			continue
		}
		raw, err := b32std.DecodeString(strings.ToUpper(strings.TrimRight(key, "=")))
		attrs := []finding.Attr{finding.S("key_type", kt), finding.S("file_name", name)}
		if err != nil || len(raw) != 32 {
			e.warn(src, fmt.Sprintf("%s key is not 32 bytes of base32", kt))
			attrs = append(attrs, finding.B("key_valid", false))
		} else {
			attrs = append(attrs, finding.B("key_valid", true))
		}
		found++
		if !client {
			attrs = append(attrs, finding.S("public_key", key))
			e.emit("tor.onion_authorized_client", finding.Data, src, "", attrs)
			continue
		}
		host := strings.ToLower(strings.TrimSuffix(addr, ".onion")) + ".onion"
		a, perr := onion.Parse(host)
		attrs = append(attrs, finding.S("address", host), finding.B("address_valid", perr == nil && a.Version == 3),
			finding.S("private_key", key))
		// The public key the service lists for this client (X25519 base point
		// multiplication; ecdh applies the clamping tor does).
		if err == nil && len(raw) == 32 && kt == "x25519" {
			if k, err := ecdh.X25519().NewPrivateKey(raw); err == nil {
				attrs = append(attrs, finding.S("public_key", b32std.EncodeToString(k.PublicKey().Bytes())))
			}
		}
		e.emit("tor.onion_auth", finding.Data, src, "", attrs)
	}
	if found == 0 {
		return artefacts.ErrWrongFormat
	}
	return nil
}
