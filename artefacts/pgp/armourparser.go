package pgp

import (
	"bytes"
	"context"
	"fmt"
	"io"

	"github.com/loupe-forensics/loupe/artefacts"
	"github.com/loupe-forensics/loupe/forensic/finding"
	"github.com/loupe-forensics/loupe/forensic/source"
)

// Armour finds ASCII-armoured OpenPGP blocks in any file (exports, mail,
// chat logs) and reads the keys inside key blocks.
type Armour struct{}

// NewArmour returns the armour parser.
func NewArmour() *Armour { return &Armour{} }

func (*Armour) Name() string    { return ArmourName }
func (*Armour) Version() string { return ArmourVersion }

// Match: an armour header line in the first HeadSize bytes. Blocks deeper
// in large files are the identifier sweep's business.
func (*Armour) Match(in *artefacts.Input) bool {
	return bytes.Contains(in.Head, []byte("-----BEGIN PGP "))
}

func (*Armour) Parse(ctx context.Context, in *artefacts.Input, out finding.Sink) error {
	e := &emitter{ctx: ctx, in: in, out: out, parser: ArmourName, version: ArmourVersion}
	n := 0
	err := scanArmour(io.NewSectionReader(in.Reader, 0, in.Size), func(b *armourBlock) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		n++
		ref := in.Ref.At(b.Offset, b.Length)
		attrs := []finding.Attr{
			finding.S("block_type", b.Type), finding.I("offset", b.Offset), finding.I("length", b.Length),
			finding.I("decoded_size", b.Size), finding.B("complete", b.Complete),
		}
		if b.Type != "SIGNED MESSAGE" {
			attrs = append(attrs, finding.B("crc_present", b.HasCRC), finding.B("crc_ok", b.CRCOK))
		}
		if b.Disarmed {
			attrs = append(attrs, finding.B("disarmed", true))
		}
		for _, h := range []string{"Version", "Comment", "Hash", "Charset"} {
			if v, ok := b.Headers[h]; ok {
				attrs = append(attrs, finding.S("header_"+h, v))
			}
		}
		e.emit("pgp.armour", ref, attrs...)
		switch {
		case !b.Complete:
			e.warn(ref, "armour block has no END line")
		case b.HasCRC && !b.CRCOK:
			e.warn(ref, "armour CRC-24 does not match the data")
		case b.BadBase64:
			e.warn(ref, "armour block has invalid base64 or over-long lines")
		}
		if b.Truncated {
			e.warn(ref, fmt.Sprintf("armour block decodes to %d bytes; only the first %d were parsed", b.Size, maxArmourKeep))
		}
		if b.Type == "PUBLIC KEY BLOCK" || b.Type == "PRIVATE KEY BLOCK" || b.Type == "SECRET KEY BLOCK" {
			ps, err := readPackets(b.Data, 0)
			if err != nil && !b.Truncated {
				e.warn(ref, fmt.Sprintf("armoured key block: %v", err))
			}
			for _, k := range assembleKeys(ps) {
				e.key(k, "armour", func(p packet) *source.Ref { return packetRef(ref, p) }, nil)
			}
			e.revocations(ref, ps)
		}
		return e.err
	})
	if err != nil {
		return err
	}
	if n == 0 {
		return artefacts.ErrWrongFormat
	}
	return e.err
}

// revocations reports key revocation signatures that stand alone in a key
// block (no key packet before them): GnuPG's revocation certificates.
func (e *emitter) revocations(block *source.Ref, ps []packet) {
	for _, p := range ps {
		if p.Tag == 5 || p.Tag == 6 {
			return
		}
		if p.Tag != 2 {
			continue
		}
		s, err := parseSig(p.Body)
		if err != nil {
			e.warn(packetRef(block, p), err.Error())
			continue
		}
		if s.Type != 0x20 && s.Type != 0x28 && s.Type != 0x30 {
			continue
		}
		e.emit("pgp.revocation", packetRef(block, p),
			finding.I("signature_type", int64(s.Type)),
			finding.S("issuer_key_id", hexU(s.IssuerID())),
			finding.S("issuer_fingerprint", hexU(s.IssuerFpr)),
			finding.T("created", s.Created),
			finding.I("reason", int64(s.Reason)),
			finding.S("reason_text", s.ReasonMsg))
	}
}
