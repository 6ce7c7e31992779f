package telegram

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/loupe-forensics/loupe/artefacts"
	"github.com/loupe-forensics/loupe/artefacts/chats"
	"github.com/loupe-forensics/loupe/forensic/finding"
	"github.com/loupe-forensics/loupe/forensic/source"
)

const fixture = "../../../testdata/artefacts/chats/telegram"

type tree struct {
	Folder, Passcode string
	AppVersion       uint32 `json:"app_version"`
	AccountDir       string `json:"account_dir"`
	Salt             string
	PasscodeKeySHA   string         `json:"passcode_key_sha256"`
	LocalKeySHA      string         `json:"local_key_sha256"`
	Accounts         []int32        `json:"accounts"`
	UserID           int64          `json:"user_id"`
	MainDC           int64          `json:"main_dc"`
	AuthKeyDCs       []int          `json:"auth_key_dcs"`
	SelfRaw          map[string]any `json:"self"`
	Drafts           int64          `json:"drafts"`
	MapKeys          []string       `json:"map_keys"`
	SettingsSalt     string         `json:"settings_salt"`
	SettingsKeySHA   string         `json:"settings_key_sha256"`
	SettingsFirst    int64          `json:"settings_first_block"`
}

type hexCase map[string]string

type manifest struct {
	Trees []tree
	KAT   struct {
		PasscodeKDF  []hexCase `json:"passcode_kdf"`
		LegacyKDF    []hexCase `json:"legacy_kdf"`
		OldMTP       []hexCase `json:"oldmtp"`
		DecryptLocal []hexCase `json:"decrypt_local"`
		IGE256       []hexCase `json:"ige256"`
		IGEPublic    []hexCase `json:"ige_public"`
		FilePartData string    `json:"file_part_data"`
		FilePartD2   string    `json:"file_part_data2"`
	} `json:"kat"`
}

func readManifest(t testing.TB) manifest {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fixture, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m manifest
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if len(m.Trees) != 2 {
		t.Fatalf("%d trees in the manifest", len(m.Trees))
	}
	return m
}

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func sha(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

// TestKnownAnswers checks the cryptography against values computed by the
// generator with python3-cryptography, and against OpenSSL's public IGE vectors.
func TestKnownAnswers(t *testing.T) {
	m := readManifest(t)
	k := m.KAT
	if len(k.PasscodeKDF) != 2 || len(k.IGEPublic) != 2 || len(k.DecryptLocal) != 1 {
		t.Fatalf("manifest known answers incomplete: %+v", k)
	}
	for _, c := range k.PasscodeKDF {
		if got := hex.EncodeToString(PasscodeKey(unhex(t, c["salt"]), []byte(c["passcode"]))); got != c["key"] {
			t.Errorf("PasscodeKey(%q) = %s…, want %s…", c["passcode"], got[:16], c["key"][:16])
		}
	}
	for _, c := range k.LegacyKDF {
		if got := hex.EncodeToString(LegacyKey(unhex(t, c["salt"]), []byte(c["passcode"]))); got != c["key"] {
			t.Errorf("LegacyKey = %s…, want %s…", got[:16], c["key"][:16])
		}
	}
	for _, c := range k.OldMTP {
		key, iv := OldMTPKeyIV(unhex(t, c["auth_key"]), unhex(t, c["msg_key"]))
		if hex.EncodeToString(key) != c["aes_key"] || hex.EncodeToString(iv) != c["aes_iv"] {
			t.Errorf("OldMTPKeyIV = %x %x, want %s %s", key, iv, c["aes_key"], c["aes_iv"])
		}
	}
	for _, c := range append(k.IGE256, k.IGEPublic...) {
		ct, err := IGEEncrypt(unhex(t, c["key"]), unhex(t, c["iv"]), unhex(t, c["plain"]))
		if err != nil || hex.EncodeToString(ct) != c["cipher"] {
			t.Errorf("IGEEncrypt = %x (%v), want %s", ct, err, c["cipher"])
		}
		pt, err := IGEDecrypt(unhex(t, c["key"]), unhex(t, c["iv"]), unhex(t, c["cipher"]))
		if err != nil || hex.EncodeToString(pt) != c["plain"] {
			t.Errorf("IGEDecrypt = %x (%v), want %s", pt, err, c["plain"])
		}
	}
	for _, c := range k.DecryptLocal {
		pt, err := DecryptLocal(unhex(t, c["encrypted"]), unhex(t, c["key"]))
		if err != nil || hex.EncodeToString(pt) != c["plain"] {
			t.Errorf("DecryptLocal = %x (%v), want %s", pt, err, c["plain"])
		}
		bad := unhex(t, c["encrypted"])
		bad[20] ^= 1
		if _, err := DecryptLocal(bad, unhex(t, c["key"])); err != ErrWrongKey {
			t.Errorf("altered cipher text: %v, want ErrWrongKey", err)
		}
	}
	if FilePart("data") != k.FilePartData || FilePart("data") != "D877F783D5D3EF8C" || FilePart("data#2") != k.FilePartD2 {
		t.Errorf("FilePart: %s %s", FilePart("data"), FilePart("data#2"))
	}
}

func input(t testing.TB, rel string, data []byte) *artefacts.Input {
	t.Helper()
	if data == nil {
		var err error
		if data, err = os.ReadFile(filepath.Join(fixture, rel)); err != nil {
			t.Fatal(err)
		}
	}
	p := "/tg/" + rel
	return &artefacts.Input{Ref: source.Image("disk").FS("ntfs", 0).Entry(p, ""), Path: p, Size: int64(len(data)),
		Head: data[:min(len(data), artefacts.HeadSize)], Reader: bytes.NewReader(data), SHA256: sha(data),
		FS: os.DirFS(filepath.Join(fixture, "..")), WorkDir: t.TempDir()}
}

// The tests' file system is testdata/artefacts/chats, mounted at "/":
// fix Input.Path to match it.
func inputFS(t testing.TB, rel string, data []byte) *artefacts.Input {
	in := input(t, rel, data)
	in.Path = "/telegram/" + rel
	return in
}

func parse(t testing.TB, p *TData, in *artefacts.Input) *finding.Collector {
	t.Helper()
	if !p.Match(in) {
		t.Fatalf("no match on %s", in.Path)
	}
	var c finding.Collector
	if err := artefacts.Run(context.Background(), p, in, &c); err != nil {
		t.Fatal(err)
	}
	for _, w := range c.Warnings {
		if strings.Contains(w.Message, "panic") {
			t.Fatal(w.Message)
		}
	}
	return &c
}

func get(a finding.Artefact, name string) any {
	v, ok := a.Get(name)
	if !ok {
		return nil
	}
	return v.Value()
}

func TestTree(t *testing.T) {
	m := readManifest(t)
	for _, tr := range m.Trees {
		t.Run(tr.Folder, func(t *testing.T) {
			p := NewTData(Options{Passcode: tr.Passcode})
			c := parse(t, p, inputFS(t, tr.Folder+"/key_datas", nil))
			c2 := parse(t, p, inputFS(t, tr.Folder+"/"+tr.AccountDir+"s", nil))
			c3 := parse(t, p, inputFS(t, tr.Folder+"/"+tr.AccountDir+"/maps", nil))
			c4 := parse(t, p, inputFS(t, tr.Folder+"/settingss", nil))
			for _, col := range []*finding.Collector{c, c2, c3, c4} {
				if len(col.Warnings) != 0 {
					t.Fatalf("warnings: %+v", col.Warnings)
				}
			}
			st := c.Kind(chats.KindStore)
			if len(st) != 1 || get(st[0], "decrypted") != true || get(st[0], "local_passcode") != (tr.Passcode != "") ||
				get(st[0], "accounts") != int64(1) || get(st[0], "app_version") != VersionString(tr.AppVersion) || get(st[0], "md5_ok") != true {
				t.Fatalf("store: %+v", st)
			}
			au := c2.Kind(KindAuthorization)
			if len(au) != 1 || get(au[0], "user_id") != tr.UserID || get(au[0], "main_dc") != tr.MainDC ||
				get(au[0], "auth_key_dcs") != joinInts(tr.AuthKeyDCs) || get(au[0], "auth_keys") != int64(len(tr.AuthKeyDCs)) {
				t.Fatalf("authorization: %+v", au)
			}
			for _, col := range []*finding.Collector{c, c2, c3, c4} {
				for _, a := range col.Artefacts {
					for _, at := range a.Attrs {
						if at.Type == finding.TBytes || len(at.Str) >= 64 {
							t.Errorf("%s exports %s (%d bytes)", a.Kind, at.Name, len(at.Str)+len(at.Bytes))
						}
					}
				}
			}
			mp := c3.Kind(KindMap)
			if len(mp) != 1 || get(mp[0], "stores") != strings.Join(tr.MapKeys, ",") || get(mp[0], "drafts") != tr.Drafts {
				t.Fatalf("map: %+v", mp)
			}
			acc := c3.Kind(chats.KindAccount)
			self := tr.SelfRaw
			if len(acc) != 1 || get(acc[0], "user_id") != tr.UserID || get(acc[0], "first_name") != self["first_name"] ||
				get(acc[0], "last_name") != self["last_name"] || get(acc[0], "phone") != self["phone"] || get(acc[0], "username") != self["username"] {
				t.Fatalf("self: %+v, want %+v", acc, self)
			}
			se := c4.Kind(KindSettings)
			if len(se) != 1 || get(se[0], "decrypted") != true || get(se[0], "first_block") != tr.SettingsFirst {
				t.Fatalf("settings: %+v", se)
			}
		})
	}
}

func joinInts(v []int) string {
	s := make([]string, len(v))
	for i, n := range v {
		b, _ := json.Marshal(n)
		s[i] = string(b)
	}
	return strings.Join(s, ",")
}

// TestPasscodeAndDamage: without the passcode, with a wrong one and with a
// damaged file, the warning says which it is.
func TestPasscodeAndDamage(t *testing.T) {
	kd, err := os.ReadFile(filepath.Join(fixture, "tdata-passcode", "key_datas"))
	if err != nil {
		t.Fatal(err)
	}
	damaged := append([]byte{}, kd...)
	damaged[60] ^= 0xFF // inside the encrypted local key
	cases := []struct {
		name, passcode, rel string
		data                []byte
		want                string
	}{
		{"no passcode given", "", "tdata-passcode/key_datas", nil, "a local passcode is set: supply it"},
		{"wrong passcode", "letmein", "tdata-passcode/key_datas", nil, "the supplied passcode is not it"},
		{"damaged key_datas", "hunter2", "tdata-passcode/key_datas", damaged, "TDF$ MD5 trailer mismatch"},
		{"damaged key_datas says damaged", "hunter2", "tdata-passcode/key_datas", damaged, "key_datas is damaged"},
		{"map without the passcode", "", "tdata-passcode/D877F783D5D3EF8C/maps", nil, "map not decrypted: /telegram/tdata-passcode/key_datas: a local passcode is set"},
		{"truncated", "", "tdata/key_datas", kd[:30], "MD5 trailer mismatch"},
		{"too short", "", "tdata/key_datas", []byte("TDF$\x01\x00\x00\x00abcdefghijkl"), "shorter than its 24-byte frame"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := inputFS(t, tc.rel, tc.data)
			var c finding.Collector
			if err := artefacts.Run(context.Background(), NewTData(Options{Passcode: tc.passcode}), in, &c); err != nil {
				t.Fatal(err)
			}
			found := false
			for _, w := range c.Warnings {
				if strings.Contains(w.Message, "panic") || strings.Contains(w.Message, tc.passcode) && tc.passcode != "" {
					t.Fatalf("bad warning: %s", w.Message)
				}
				found = found || strings.Contains(w.Message, tc.want)
			}
			if !found {
				t.Errorf("no warning with %q in %+v", tc.want, c.Warnings)
			}
		})
	}
}
