package telegram

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/loupe-forensics/loupe/artefacts"
	"github.com/loupe-forensics/loupe/artefacts/chats"
	"github.com/loupe-forensics/loupe/forensic/finding"
	"github.com/loupe-forensics/loupe/forensic/source"
)

const client = "telegram"

// Kinds of this package beyond the common chat kinds.
const (
	KindAuthorization = "chat.telegram_authorization" // MTP data: user id, main DC, DCs holding auth keys (never the keys)
	KindMap           = "chat.telegram_map"           // an account's map: which stores exist
	KindSettings      = "chat.telegram_settings"      // the settings file, decrypted or not
)

// maxFile bounds every tdata file read (the biggest, map and settings, are
// a few KiB; media caches are not TDF$ files).
const maxFile = 16 << 20

// Map keys tdesktop writes (storage_account.cpp "lsk…"): name and how many
// u64 file keys follow, for the entries that carry only keys.
var mapKeys = map[uint32]struct {
	name string
	keys int
}{
	0x00: {"user_map", -1}, 0x01: {"drafts", -1}, 0x02: {"draft_positions", -1}, 0x03: {"legacy_images", -1},
	0x04: {"locations", 1}, 0x05: {"legacy_sticker_images", -1}, 0x06: {"legacy_audios", -1},
	0x07: {"recent_stickers_old", 1}, 0x08: {"background_old_old", 1}, 0x09: {"user_settings", 1},
	0x0a: {"recent_hashtags_and_bots", 1}, 0x0b: {"stickers_old", 1}, 0x0c: {"saved_peers_old", 1},
	0x0d: {"report_spam_statuses_old", 1}, 0x0e: {"saved_gifs_old", 1}, 0x0f: {"saved_gifs", 1},
	0x10: {"stickers_keys", 4}, 0x11: {"trusted_bots", 1}, 0x12: {"faved_stickers", 1},
	0x13: {"export_settings", 1}, 0x14: {"background_old", 2}, 0x15: {"self", -1},
	0x16: {"masks_keys", 3}, 0x17: {"custom_emoji_keys", 3},
}

// Options are the examiner's inputs.
type Options struct {
	// Passcode is tried when key_datas does not open without one. The
	// caller logs that an attempt was made; the passcode itself is never
	// written to artefacts or warnings.
	Passcode string
}

// TData is the parser for TDF$ files of a tdata folder.
type TData struct {
	opt Options
	// strong caches PasscodeKey(salt, opt.Passcode) by salt: with a
	// passcode it costs 100 000 PBKDF2 rounds, and key_datas, the MTP file
	// and every map of the folder need it.
	strong sync.Map
}

// NewTData returns the tdata parser.
func NewTData(opt Options) *TData { return &TData{opt: opt} }

func (p *TData) passcodeKey(salt []byte) []byte {
	if k, ok := p.strong.Load(string(salt)); ok {
		return k.([]byte)
	}
	k := PasscodeKey(salt, []byte(p.opt.Passcode))
	p.strong.Store(string(salt), k)
	return k
}

func (*TData) Name() string    { return "chats/telegram-tdata" }
func (*TData) Version() string { return "1" }

func (*TData) Match(in *artefacts.Input) bool {
	return bytes.HasPrefix(in.Head, Magic) && in.Size >= 24
}

var accountFileRE = regexp.MustCompile(`^[0-9A-F]{16}[s01]$`)

// role names a tdata file by what tdesktop calls it; the suffix s/1/0 is
// the file's write slot.
func role(p string) string {
	base := path.Base(p)
	stem := base
	if n := len(base); n > 1 && strings.ContainsRune("s01", rune(base[n-1])) {
		stem = base[:n-1]
	}
	switch {
	case strings.HasPrefix(base, "key_") && len(base) > 5:
		return "key_data"
	case stem == "map":
		return "map"
	case stem == "settings":
		return "settings"
	case accountFileRE.MatchString(base):
		return "mtp"
	}
	return "other"
}

type run struct {
	ctx context.Context
	in  *artefacts.Input
	out finding.Sink
	p   *TData
}

func (r *run) emit(kind string, src *source.Ref, attrs ...finding.Attr) error {
	if src == nil {
		src = r.in.Ref
	}
	return r.out.Artefact(r.ctx, finding.Artefact{Kind: kind, Category: finding.Data, Attrs: attrs, Parser: r.p.Name(),
		ParserVersion: r.p.Version(), Source: src, SourceSHA256: r.in.SHA256})
}

func (r *run) warn(format string, args ...any) {
	_ = r.out.Warn(r.ctx, finding.Warning{Parser: r.p.Name(), Source: r.in.Ref, Message: fmt.Sprintf(format, args...)})
}

func readInput(in *artefacts.Input) ([]byte, error) {
	if in.Size < 0 || in.Size > maxFile {
		return nil, fmt.Errorf("file of %d bytes is over the %d-byte limit", in.Size, maxFile)
	}
	b := make([]byte, in.Size)
	n, err := in.Reader.ReadAt(b, 0)
	if err != nil && err != io.EOF {
		return nil, fmt.Errorf("reading at byte %d: %w", n, err)
	}
	return b[:n], nil
}

func (p *TData) Parse(ctx context.Context, in *artefacts.Input, out finding.Sink) error {
	data, err := readInput(in)
	if err != nil {
		return fmt.Errorf("tdata: %w", err)
	}
	r := &run{ctx: ctx, in: in, out: out, p: p}
	c, err := ReadContainer(data)
	if err != nil {
		if errors.Is(err, ErrFormat) {
			r.warn("tdata: %v", err)
			return nil
		}
		return err
	}
	if !c.MD5OK {
		r.warn("tdata: TDF$ MD5 trailer mismatch (stored %x, computed %x): the file is damaged or was altered", c.Trailer, c.Computed)
	}
	base := []finding.Attr{finding.S(chats.AttrClient, client), finding.S("app_version", VersionString(c.Version)),
		finding.B("md5_ok", c.MD5OK)}
	switch role(in.Path) {
	case "key_data":
		return r.keyData(c, base)
	case "mtp":
		return r.mtp(c, base)
	case "map":
		return r.mapFile(c, base)
	case "settings":
		return r.settings(c, base)
	}
	return nil
}

// localKey is the result of opening key_datas.
type localKey struct {
	key      []byte
	source   string // how it was opened
	passcode bool   // a local passcode was needed (and supplied)
	accounts []int32
	active   int32
	hasAct   bool
}

// openKeyData opens a key_datas payload: QByteArray salt, QByteArray the
// local key encrypted with the passcode key, QByteArray account info
// encrypted with the local key. damaged says the TDF$ trailer failed, so a
// failed check is reported as damage, not as a passcode.
func (p *TData) openKeyData(c Container) (localKey, error) {
	s := &stream{b: c.Payload}
	salt := s.bytes("salt")
	keyEnc := s.bytes("encrypted local key")
	infoEnc := s.bytes("encrypted account info")
	if s.err != nil {
		return localKey{}, s.err
	}
	if len(salt) != 32 {
		return localKey{}, fmt.Errorf("%w: salt of %d bytes, want 32", ErrFormat, len(salt))
	}
	var lk localKey
	plain, err := DecryptLocal(keyEnc, PasscodeKey(salt, nil))
	lk.source = "key_datas without a local passcode"
	if errors.Is(err, ErrWrongKey) && p.opt.Passcode != "" {
		plain, err = DecryptLocal(keyEnc, p.passcodeKey(salt))
		lk.source, lk.passcode = "key_datas with the examiner-supplied passcode", true
	}
	if err != nil {
		if errors.Is(err, ErrWrongKey) {
			if !c.MD5OK {
				return localKey{}, fmt.Errorf("the local key does not decrypt and the TDF$ trailer fails: key_datas is damaged")
			}
			if p.opt.Passcode != "" {
				return localKey{}, fmt.Errorf("a local passcode is set and the supplied passcode is not it (key_datas is intact: its MD5 trailer matches)")
			}
			return localKey{}, fmt.Errorf("a local passcode is set: supply it to decrypt (key_datas is intact: its MD5 trailer matches)")
		}
		return localKey{}, err
	}
	ks := &stream{b: plain}
	lk.key = ks.raw(KeySize, "local key")
	if ks.err != nil {
		return localKey{}, ks.err
	}
	info, err := DecryptLocal(infoEnc, lk.key)
	if err != nil {
		return lk, fmt.Errorf("account info: %w", err)
	}
	is := &stream{b: info}
	n := is.i32("account count")
	if n < 0 || int(n) > is.left()/4 {
		return lk, fmt.Errorf("%w: account count %d with %d bytes left", ErrFormat, n, is.left())
	}
	for i := int32(0); i < n; i++ {
		lk.accounts = append(lk.accounts, is.i32("account index"))
	}
	if is.left() >= 4 {
		lk.active, lk.hasAct = is.i32("active account"), true
	}
	return lk, is.err
}

func (r *run) keyData(c Container, base []finding.Attr) error {
	lk, err := r.p.openKeyData(c)
	attrs := append(base, finding.S("file_role", "key_data"))
	if err != nil && lk.key == nil {
		r.warn("key_datas: %v", err)
		attrs = append(attrs, finding.B(chats.AttrEncrypted, true), finding.B("decrypted", false))
		return r.emit(chats.KindStore, nil, attrs...)
	}
	if err != nil {
		r.warn("key_datas: %v", err)
	}
	idx := make([]string, len(lk.accounts))
	for i, a := range lk.accounts {
		idx[i] = strconv.Itoa(int(a))
	}
	attrs = append(attrs, finding.B(chats.AttrEncrypted, true), finding.B("decrypted", true), finding.S(chats.AttrKeySource, lk.source),
		finding.B("local_passcode", lk.passcode),
		finding.I("accounts", int64(len(lk.accounts))), finding.S("account_indexes", strings.Join(idx, ",")))
	if lk.hasAct {
		attrs = append(attrs, finding.I("active_account", int64(lk.active)))
	}
	return r.emit(chats.KindStore, nil, attrs...)
}

// siblingKey finds and opens key_datas for a file of the same tdata folder.
func (r *run) siblingKey(dir string) (localKey, error) {
	if r.in.FS == nil {
		return localKey{}, errors.New("no file system to find key_datas in")
	}
	for _, name := range []string{"key_datas", "key_data1", "key_data0", "key_datas1"} {
		p := strings.TrimPrefix(path.Join(dir, name), "/")
		st, err := fs.Stat(r.in.FS, p)
		if err != nil || !st.Mode().IsRegular() {
			continue
		}
		if st.Size() > maxFile {
			return localKey{}, fmt.Errorf("%s is over the size limit", p)
		}
		b, err := fs.ReadFile(r.in.FS, p)
		if err != nil {
			return localKey{}, fmt.Errorf("%s: %w", p, err)
		}
		c, err := ReadContainer(b)
		if err != nil {
			return localKey{}, fmt.Errorf("%s: %w", p, err)
		}
		lk, err := r.p.openKeyData(c)
		if lk.key == nil {
			return localKey{}, fmt.Errorf("/%s: %w", p, err)
		}
		return lk, nil
	}
	return localKey{}, fmt.Errorf("no key_datas in %s", dir)
}

// encryptedPayload decrypts a payload that is one QByteArray of local-key
// encrypted data after skip QByteArrays.
func encryptedPayload(c Container, skip int, key []byte) ([]byte, error) {
	s := &stream{b: c.Payload}
	for i := 0; i < skip; i++ {
		s.bytes("leading field")
	}
	enc := s.bytes("encrypted data")
	if s.err != nil {
		return nil, s.err
	}
	plain, err := DecryptLocal(enc, key)
	if errors.Is(err, ErrWrongKey) && !c.MD5OK {
		return nil, fmt.Errorf("%w; the TDF$ trailer fails too, so the file is damaged", err)
	}
	return plain, err
}

// mtp reads the account's MTP authorisation file (tdata/<16 hex>s).
func (r *run) mtp(c Container, base []finding.Attr) error {
	lk, err := r.siblingKey(path.Dir(r.in.Path))
	if err != nil {
		r.warn("MTP data not decrypted: %v", err)
		return r.emit(KindAuthorization, nil, append(base, finding.B("decrypted", false))...)
	}
	plain, err := encryptedPayload(c, 0, lk.key)
	if err != nil {
		r.warn("MTP data: %v", err)
		return r.emit(KindAuthorization, nil, append(base, finding.B("decrypted", false))...)
	}
	return r.readMTP(plain, append(base, finding.S(chats.AttrKeySource, lk.source)))
}

// readMTP reads the decrypted MTP data: block id 0x4b and the serialised
// authorisation.
func (r *run) readMTP(plain []byte, base []finding.Attr) error {
	s := &stream{b: plain}
	block := s.u32("block id")
	if s.err == nil && block != 0x4B {
		r.warn("MTP data: block 0x%x, expected dbiMtpAuthorization (0x4b)", block)
		return nil
	}
	a := &stream{b: s.bytes("authorization")}
	if s.err != nil {
		r.warn("MTP data: %v", s.err)
		return nil
	}
	legacyUser, legacyDC := a.i32("user id"), a.i32("main dc")
	var user uint64
	var mainDC int32
	if legacyUser == -1 && legacyDC == -1 {
		user, mainDC = a.u64("user id"), a.i32("main dc")
	} else {
		user, mainDC = uint64(uint32(legacyUser)), legacyDC
	}
	keys := func(what string) []string {
		n := a.i32(what + " count")
		if n < 0 || int64(n)*(4+KeySize) > int64(a.left()) {
			if a.err == nil {
				a.err = fmt.Errorf("%w: %d %s with %d bytes left", ErrFormat, n, what, a.left())
			}
			return nil
		}
		var dcs []string
		for i := int32(0); i < n; i++ {
			dcs = append(dcs, strconv.Itoa(int(a.i32("dc id"))))
			a.raw(KeySize, "auth key") // skipped, never kept
		}
		return dcs
	}
	dcs := keys("auth keys")
	destroy := keys("keys to destroy")
	attrs := append(base, finding.B("decrypted", true),
		finding.S(chats.AttrAccount, strconv.FormatUint(user, 10)), finding.I("user_id", int64(user)), finding.I("main_dc", int64(mainDC)),
		finding.I("auth_keys", int64(len(dcs))), finding.S("auth_key_dcs", strings.Join(dcs, ",")),
		finding.I("keys_to_destroy", int64(len(destroy))), finding.S("auth_keys_note", "present; never exported"))
	if a.err != nil {
		r.warn("MTP data: %v", a.err)
	}
	return r.emit(KindAuthorization, nil, attrs...)
}

// mapFile reads an account's map (tdata/<16 hex>/maps): which stores exist
// and the self-peer record.
func (r *run) mapFile(c Container, base []finding.Attr) error {
	lk, err := r.siblingKey(path.Dir(path.Dir(r.in.Path)))
	if err != nil {
		r.warn("map not decrypted: %v", err)
		return r.emit(KindMap, nil, append(base, finding.B("decrypted", false))...)
	}
	plain, err := encryptedPayload(c, 2, lk.key)
	if err != nil {
		r.warn("map: %v", err)
		return r.emit(KindMap, nil, append(base, finding.B("decrypted", false))...)
	}
	return r.readMap(plain, c.Version, base)
}

// readMap walks the decrypted map: (u32 key type, data) pairs.
func (r *run) readMap(plain []byte, version uint32, base []finding.Attr) error {
	s := &stream{b: plain}
	var present []string
	var self []byte
	drafts := int64(-1)
	for s.left() > 0 && s.err == nil {
		at := s.off
		k := s.u32("map key")
		mk, known := mapKeys[k]
		if !known || k == 0x00 {
			r.warn("map: unknown key type 0x%x at byte %d of the decrypted map; the rest is not read", k, at)
			break
		}
		name := mk.name
		present = append(present, name)
		switch k {
		case 0x01, 0x02: // count × (file key, peer id)
			n := s.u32(name + " count")
			if int64(n)*16 > int64(s.left()) {
				s.err = fmt.Errorf("%w: %d %s with %d bytes left", ErrFormat, n, name, s.left())
				break
			}
			s.raw(int(n)*16, name)
			if k == 0x01 {
				drafts = int64(n)
			}
		case 0x03, 0x05, 0x06: // count × (key, first, second, size)
			n := s.u32(name + " count")
			if int64(n)*28 > int64(s.left()) {
				s.err = fmt.Errorf("%w: %d %s with %d bytes left", ErrFormat, n, name, s.left())
				break
			}
			s.raw(int(n)*28, name)
		case 0x15:
			self = s.bytes("self")
		default:
			s.raw(8*mk.keys, name+" keys")
		}
	}
	if s.err != nil {
		r.warn("map: %v", s.err)
	}
	attrs := append(base, finding.B("decrypted", true), finding.S("stores", strings.Join(present, ",")))
	if drafts >= 0 {
		attrs = append(attrs, finding.I("drafts", drafts))
	}
	if err := r.emit(KindMap, nil, attrs...); err != nil {
		return err
	}
	if self != nil {
		return r.self(self, version)
	}
	return nil
}

// self reads the serialised self peer (Serialize::writePeer): peer id,
// photo id, the userpic location, then first name, last name, phone and
// username. The location is the tag INT32_MIN and a QByteArray, or in files
// of old versions a legacy record (width, height, dc, volume, local, secret
// and, from 1.3.13, a file reference).
func (r *run) self(b []byte, version uint32) error {
	s := &stream{b: b}
	peer := s.u64("peer id")
	s.u64("photo id")
	if tag := s.i32("image location tag"); tag == -1<<31 {
		s.bytes("image location")
	} else {
		s.raw(4+4+8+4+8, "legacy image location")
		if version >= 1003013 {
			s.bytes("file reference")
		}
	}
	first, last := s.str("first name"), s.str("last name")
	phone, user := s.str("phone"), s.str("username")
	if s.err != nil {
		r.warn("map: self peer: %v", s.err)
		return nil
	}
	// The low 48 bits are the user id; the high bits mark the peer type.
	id := peer & (1<<48 - 1)
	name := strings.TrimSpace(first + " " + last)
	attrs := []finding.Attr{finding.S(chats.AttrClient, client), finding.S(chats.AttrAccount, strconv.FormatUint(id, 10)),
		finding.I("user_id", int64(id)), finding.S(chats.AttrName, name), finding.S("first_name", first), finding.S("last_name", last),
		finding.S("phone", phone), finding.S("username", user)}
	return r.emit(chats.KindAccount, r.in.Ref.Record("map", "self"), attrs...)
}

// settings reads tdata/settingss: QByteArray salt, QByteArray data
// encrypted with LegacyKey(salt, "").
func (r *run) settings(c Container, base []finding.Attr) error {
	s := &stream{b: c.Payload}
	salt := s.bytes("salt")
	if s.err != nil || len(salt) != 32 {
		r.warn("settings: no 32-byte salt (%v)", s.err)
		return r.emit(KindSettings, nil, append(base, finding.B("decrypted", false))...)
	}
	plain, err := encryptedPayload(c, 1, LegacyKey(salt, nil))
	if err != nil {
		r.warn("settings: %v", err)
		return r.emit(KindSettings, nil, append(base, finding.B("decrypted", false))...)
	}
	attrs := append(base, finding.B("decrypted", true), finding.I("decrypted_size", int64(len(plain))))
	if len(plain) >= 4 {
		ps := &stream{b: plain}
		attrs = append(attrs, finding.I("first_block", int64(ps.u32("block id"))))
	}
	return r.emit(KindSettings, nil, attrs...)
}
