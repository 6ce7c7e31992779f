package pgp

import (
	"context"
	"fmt"
	"io"

	"github.com/loupe-forensics/loupe/artefacts"
	"github.com/loupe-forensics/loupe/forensic/finding"
)

// TrustDB parser identity.
const (
	TrustDBName    = "pgp/trustdb"
	TrustDBVersion = "1"
)

// trustdb.gpg is a file of 40-byte records (GnuPG g10/tdbio.c): record 0
// is the version record ("gpg" magic), type 12 records hold a key's
// fingerprint and the owner trust the user assigned.
const (
	tdbRecLen    = 40
	tdbVersion   = 1
	tdbTrust     = 12
	maxTrustDB   = 64 << 20
	tdbMagic     = "gpg"
	ownerTrustMk = 0x0f // low bits: the trust level; 0x20 = disabled
)

// TrustDB reads GnuPG's trust database.
type TrustDB struct{}

// NewTrustDB returns the trustdb.gpg parser.
func NewTrustDB() *TrustDB { return &TrustDB{} }

func (*TrustDB) Name() string    { return TrustDBName }
func (*TrustDB) Version() string { return TrustDBVersion }

// Match: a version record (type 1, "gpg") and a size in whole records.
func (*TrustDB) Match(in *artefacts.Input) bool {
	return len(in.Head) >= tdbRecLen && in.Head[0] == tdbVersion && string(in.Head[1:4]) == tdbMagic && in.Size%tdbRecLen == 0
}

var trustNames = map[int]string{0: "unknown", 1: "expired", 2: "undefined", 3: "never", 4: "marginal", 5: "full", 6: "ultimate"}

func (*TrustDB) Parse(ctx context.Context, in *artefacts.Input, out finding.Sink) error {
	if in.Size > maxTrustDB {
		return fmt.Errorf("pgp: trustdb of %d bytes exceeds the %d byte cap", in.Size, maxTrustDB)
	}
	b := make([]byte, in.Size)
	if _, err := in.Reader.ReadAt(b, 0); err != nil && err != io.EOF {
		return fmt.Errorf("pgp: reading trustdb: %w", err)
	}
	if len(b) < tdbRecLen || b[0] != tdbVersion || string(b[1:4]) != tdbMagic {
		return artefacts.ErrWrongFormat
	}
	e := &emitter{ctx: ctx, in: in, out: out, parser: TrustDBName, version: TrustDBVersion}
	models := map[int]string{0: "classic", 1: "pgp", 2: "external", 3: "always", 4: "direct", 5: "auto", 6: "tofu", 7: "tofu+pgp"}
	v := b[:tdbRecLen]
	e.emit("pgp.trustdb", in.Ref.At(0, tdbRecLen),
		finding.I("version", int64(v[4])), finding.I("marginals_needed", int64(v[5])),
		finding.I("completes_needed", int64(v[6])), finding.I("max_cert_depth", int64(v[7])),
		finding.S("trust_model", models[int(v[8])]), finding.T("created", unix32(v[12:])),
		finding.T("next_check", unix32(v[16:])), finding.I("records", int64(len(b)/tdbRecLen)))
	for off := tdbRecLen; off+tdbRecLen <= len(b); off += tdbRecLen {
		if off%(tdbRecLen*1024) == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		r := b[off : off+tdbRecLen]
		if r[0] != tdbTrust {
			continue
		}
		ot := int(r[22])
		e.emit("pgp.ownertrust", in.Ref.At(int64(off), tdbRecLen),
			finding.S("fingerprint", hexU(r[2:22])), finding.I("ownertrust", int64(ot)),
			finding.S("ownertrust_name", trustNames[ot&ownerTrustMk]), finding.B("disabled", ot&0x20 != 0),
			finding.I("depth", int64(r[23])), finding.I("min_ownertrust", int64(r[28])))
	}
	return e.err
}
