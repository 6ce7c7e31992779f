package pgp

import (
	"context"
	"fmt"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/loupe-forensics/loupe/artefacts"
	"github.com/loupe-forensics/loupe/artefacts/sqlitedb"
	"github.com/loupe-forensics/loupe/forensic/finding"
	"github.com/loupe-forensics/loupe/forensic/source"
)

// Names and versions of GnuPG's SQLite stores.
const (
	KeyboxdName    = "pgp/keyboxd"
	KeyboxdVersion = "1"
	TofuName       = "pgp/tofu"
	TofuVersion    = "1"
)

// maxStore bounds the SQLite stores copied for reading; a keyboxd database
// of a heavy user holds a few thousand keys (tens of MB).
const maxStore = 512 << 20

// Keyboxd reads GnuPG 2.4's keyboxd database (public-keys.d/pubring.db):
// the key blocks in table pubkey are parsed as a keybox's are, and the
// fingerprint table's keygrips (which name the agent's key files) are
// checked against the ones computed from the key material.
type Keyboxd struct{}

// NewKeyboxd returns the parser.
func NewKeyboxd() *Keyboxd { return &Keyboxd{} }

func (*Keyboxd) Name() string                          { return KeyboxdName }
func (*Keyboxd) Version() string                       { return KeyboxdVersion }
func (*Keyboxd) Match(in *artefacts.Input) bool        { return sqlitedb.IsSQLite(in.Head) }
func (*Tofu) Match(in *artefacts.Input) bool           { return sqlitedb.IsSQLite(in.Head) }
func (*Tofu) Name() string                             { return TofuName }
func (*Tofu) Version() string                          { return TofuVersion }
func sqlWarn(e *emitter, ref *source.Ref) func(string) { return func(m string) { e.warn(ref, m) } }

type kbdFpr struct {
	grip   string
	subkey int64
	ubid   string
}

func (p *Keyboxd) Parse(ctx context.Context, in *artefacts.Input, out finding.Sink) error {
	e := &emitter{ctx: ctx, in: in, out: out, parser: KeyboxdName, version: KeyboxdVersion}
	// The agent's keys live in the GnuPG home, the parent of public-keys.d.
	if in.Path != "" {
		e.home = secretsIn(in, path.Dir(path.Dir(strings.TrimPrefix(in.Path, "/"))))
	}
	fprs := map[string]kbdFpr{}
	blocks := 0
	plugin := sqlitedb.Plugin{
		Name: "keyboxd",
		Required: map[string][]string{
			"pubkey":      {"ubid", "type", "keyblob"},
			"fingerprint": {"fpr", "kid", "keygrip", "subkey", "ubid"},
			"userid":      {"uid", "addrspec", "ubid"},
		},
		Queries: []sqlitedb.Query{
			{Name: "fingerprint", SQL: "SELECT fpr, keygrip, subkey, ubid FROM fingerprint", Each: func(_ context.Context, r *sqlitedb.Row) error {
				f, _ := r.Bytes("fpr")
				g, _ := r.Bytes("keygrip")
				sub, _ := r.Int("subkey")
				u, _ := r.Bytes("ubid")
				fprs[hexU(f)] = kbdFpr{grip: hexU(g), subkey: sub, ubid: hexU(u)}
				return nil
			}},
			{Name: "pubkey", SQL: "SELECT rowid AS rid, ubid, type, revoked, keyblob FROM pubkey ORDER BY rowid", Key: "rid",
				Each: func(ctx context.Context, r *sqlitedb.Row) error {
					rid, _ := r.Int("rid")
					typ, _ := r.Int("type")
					blob, _ := r.Bytes("keyblob")
					ubid, _ := r.Bytes("ubid")
					row := in.Ref.Row("pubkey", strconv.FormatInt(rid, 10))
					if typ != 1 {
						e.emit("pgp.x509_blob", row, finding.S("ubid", hexU(ubid)), finding.S("container", "keyboxd"))
						return e.err
					}
					ps, err := readPackets(blob, 0)
					if err != nil {
						e.warn(row, fmt.Sprintf("keyboxd keyblob: %v", err))
					}
					keys := assembleKeys(ps)
					if len(keys) != 1 {
						e.warn(row, fmt.Sprintf("keyboxd row holds %d key blocks, want 1", len(keys)))
					}
					for _, k := range keys {
						blocks++
						e.key(k, "keyboxd", func(pk packet) *source.Ref { return packetRef(row, pk) }, nil)
						// keyboxd's own index must agree with the key material.
						fp := hexU(k.Primary.Fingerprint)
						stored, ok := fprs[fp]
						switch {
						case !ok:
							e.warn(row, "keyboxd has no fingerprint row for key "+fp)
						case stored.grip != hexU(k.Primary.Keygrip) && k.Primary.Keygrip != nil:
							e.warn(row, fmt.Sprintf("keyboxd stores keygrip %s for %s; the key material gives %s", stored.grip, fp, hexU(k.Primary.Keygrip)))
						case !strings.HasPrefix(fp, stored.ubid) && stored.ubid != "":
							e.warn(row, fmt.Sprintf("keyboxd ubid %s does not begin the fingerprint %s", stored.ubid, fp))
						}
					}
					return e.err
				}},
		},
	}
	res, err := sqlitedb.Parse(ctx, in, sqlitedb.Options{MaxSize: maxStore}, sqlWarn(e, in.Ref), plugin)
	if err != nil {
		return err
	}
	if len(res.Matched) == 0 {
		return artefacts.ErrWrongFormat
	}
	e.emit("pgp.keyboxd", in.Ref, finding.I("key_blocks", int64(blocks)), finding.I("fingerprints", int64(len(fprs))))
	return e.err
}

// Tofu reads GnuPG's TOFU database (tofu.db): which key was bound to which
// e-mail address, when it was first seen, the policy, and how many
// signatures were verified from and encryptions made to each binding, with
// their first and last times: evidence of the user's correspondence with
// each key holder.
type Tofu struct{}

// NewTofu returns the parser.
func NewTofu() *Tofu { return &Tofu{} }

// tofuPolicy names gpg's TOFU policy numbers (tofu.c: TOFU_POLICY_*).
var tofuPolicy = map[int64]string{0: "none", 1: "auto", 2: "good", 3: "unknown", 4: "bad", 5: "ask"}

func (p *Tofu) Parse(ctx context.Context, in *artefacts.Input, out finding.Sink) error {
	e := &emitter{ctx: ctx, in: in, out: out, parser: TofuName, version: TofuVersion}
	unix := func(r *sqlitedb.Row, col string) time.Time {
		if v, ok := r.Int(col); ok && v > 0 {
			return time.Unix(v, 0).UTC()
		}
		return time.Time{}
	}
	plugin := sqlitedb.Plugin{
		Name: "tofu",
		Required: map[string][]string{
			"bindings":    {"oid", "fingerprint", "email", "user_id", "time", "policy"},
			"signatures":  {"binding", "sig_digest", "origin", "sig_time", "time"},
			"encryptions": {"binding", "time"},
		},
		Queries: []sqlitedb.Query{{Name: "bindings", Key: "oid", SQL: `SELECT b.oid, b.fingerprint, b.email, b.user_id, b.time, b.policy,
				b.conflict, b.effective_policy,
				(SELECT count(*) FROM signatures s WHERE s.binding = b.oid) AS sigs,
				(SELECT min(time) FROM signatures s WHERE s.binding = b.oid) AS sig_first,
				(SELECT max(time) FROM signatures s WHERE s.binding = b.oid) AS sig_last,
				(SELECT count(*) FROM encryptions x WHERE x.binding = b.oid) AS encs,
				(SELECT min(time) FROM encryptions x WHERE x.binding = b.oid) AS enc_first,
				(SELECT max(time) FROM encryptions x WHERE x.binding = b.oid) AS enc_last
				FROM bindings b ORDER BY b.oid`,
			Each: func(ctx context.Context, r *sqlitedb.Row) error {
				oid, _ := r.Int("oid")
				fpr, _ := r.Str("fingerprint")
				email, _ := r.Str("email")
				uid, _ := r.Str("user_id")
				pol, _ := r.Int("policy")
				eff, _ := r.Int("effective_policy")
				conflict, _ := r.Str("conflict")
				sigs, _ := r.Int("sigs")
				encs, _ := r.Int("encs")
				ref := in.Ref.Row("bindings", strconv.FormatInt(oid, 10))
				name, _, _ := splitUID(uid)
				e.emit("pgp.tofu_binding", ref,
					finding.S("fingerprint", strings.ToUpper(fpr)), finding.S("email", email), finding.S("uid", uid), finding.S("name", name),
					finding.T("first_seen", unix(r, "time")), finding.S("policy", tofuPolicy[pol]), finding.S("effective_policy", tofuPolicy[eff]),
					finding.S("conflict", conflict),
					finding.I("signatures_verified", sigs), finding.T("first_signature_seen", unix(r, "sig_first")), finding.T("last_signature_seen", unix(r, "sig_last")),
					finding.I("encryptions", encs), finding.T("first_encryption", unix(r, "enc_first")), finding.T("last_encryption", unix(r, "enc_last")),
					finding.B("in_wal", r.InWAL))
				return e.err
			}}},
	}
	res, err := sqlitedb.Parse(ctx, in, sqlitedb.Options{MaxSize: maxStore}, sqlWarn(e, in.Ref), plugin)
	if err != nil {
		return err
	}
	if len(res.Matched) == 0 {
		return artefacts.ErrWrongFormat
	}
	return e.err
}

// Thunderbird parser identity.
const (
	ThunderbirdName    = "pgp/thunderbird-acceptance"
	ThunderbirdVersion = "1"
)

// Thunderbird reads the built-in OpenPGP's acceptance database
// (openpgp.sqlite in the profile): for each key fingerprint the user's
// decision (verified, unverified, rejected, undecided…) and the e-mail
// addresses it was accepted for. A "verified" decision means the user
// compared fingerprints with the correspondent: evidence of contact.
type Thunderbird struct{}

// NewThunderbird returns the parser.
func NewThunderbird() *Thunderbird { return &Thunderbird{} }

func (*Thunderbird) Name() string                   { return ThunderbirdName }
func (*Thunderbird) Version() string                { return ThunderbirdVersion }
func (*Thunderbird) Match(in *artefacts.Input) bool { return sqlitedb.IsSQLite(in.Head) }

func (p *Thunderbird) Parse(ctx context.Context, in *artefacts.Input, out finding.Sink) error {
	e := &emitter{ctx: ctx, in: in, out: out, parser: ThunderbirdName, version: ThunderbirdVersion}
	plugin := sqlitedb.Plugin{
		Name: "thunderbird-openpgp",
		Required: map[string][]string{
			"acceptance_decision": {"fpr", "decision"},
			"acceptance_email":    {"fpr", "email"},
		},
		Queries: []sqlitedb.Query{{Name: "acceptance", Key: "rid",
			SQL: `SELECT d.rowid AS rid, d.fpr, d.decision,
				(SELECT group_concat(email, char(10)) FROM (SELECT email FROM acceptance_email m WHERE m.fpr = d.fpr ORDER BY email)) AS emails
				FROM acceptance_decision d ORDER BY d.rowid`,
			Each: func(ctx context.Context, r *sqlitedb.Row) error {
				rid, _ := r.Int("rid")
				fpr, _ := r.Str("fpr")
				dec, _ := r.Str("decision")
				emails, _ := r.Str("emails")
				e.emit("pgp.acceptance", in.Ref.Row("acceptance_decision", strconv.FormatInt(rid, 10)),
					finding.S("fingerprint", strings.ToUpper(fpr)), finding.S("decision", dec), finding.S("emails", emails),
					finding.B("in_wal", r.InWAL))
				return e.err
			}}},
	}
	res, err := sqlitedb.Parse(ctx, in, sqlitedb.Options{MaxSize: maxStore}, sqlWarn(e, in.Ref), plugin)
	if err != nil {
		return err
	}
	if len(res.Matched) == 0 {
		return artefacts.ErrWrongFormat
	}
	return e.err
}
