package signal

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/loupe-forensics/loupe/artefacts/chats"
	"github.com/loupe-forensics/loupe/forensic/finding"
)

type attachManifest struct {
	Key         string `json:"key"`
	Messages    int    `json:"messages"`
	Attachments []struct {
		MessageID   string `json:"message_id"`
		Index       int64  `json:"index"`
		FileName    string `json:"file_name"`
		Path        string `json:"path"`
		FileSize    int64  `json:"file_size"`
		PlainSize   int64  `json:"plaintext_size"`
		PlainSHA256 string `json:"plaintext_sha256"`
		ContentType string `json:"content_type"`
		Tampered    bool   `json:"tampered"`
		Encrypted   bool   `json:"encrypted"`
	} `json:"attachments"`
}

func attrOf(a finding.Artefact, name string) (any, bool) {
	for _, at := range a.Attrs {
		if at.Name == name {
			return at.Value(), true
		}
	}
	return nil, false
}

// TestAttachmentsDecrypted reads the fixture profile whose messages carry
// localKeys and checks every attachment against the generator's manifest:
// plaintext hash and size for the intact ones, "HMAC mismatch" and no hash
// for the tampered one.
func TestAttachmentsDecrypted(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(fixtures, "signal-attachments/manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m attachManifest
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if len(m.Attachments) != 4 || m.Messages != 2 {
		t.Fatalf("manifest has %d attachments in %d messages, the generator writes 4 in 2", len(m.Attachments), m.Messages)
	}
	c := parse(t, New(Options{}), inputAt(t, filepath.Join(fixtures, "signal-attachments/linux"), "sql/db.sqlite"))
	var atts, msgs []finding.Artefact
	for _, a := range c.Artefacts {
		switch a.Kind {
		case chats.KindAttachment:
			atts = append(atts, a)
		case chats.KindMessage:
			msgs = append(msgs, a)
		}
	}
	if len(msgs) != m.Messages || len(atts) != len(m.Attachments) {
		t.Fatalf("got %d messages and %d attachments, manifest %d and %d", len(msgs), len(atts), m.Messages, len(m.Attachments))
	}
	verified, legacy := 0, 0
	for _, want := range m.Attachments {
		var got *finding.Artefact
		for i, a := range atts {
			id, _ := attrOf(a, chats.AttrMessageID)
			idx, _ := attrOf(a, "index")
			if id == want.MessageID && idx == want.Index {
				got = &atts[i]
			}
		}
		if got == nil {
			t.Fatalf("no attachment %s[%d]", want.MessageID, want.Index)
		}
		if v, _ := attrOf(*got, "attachment_file_size"); v != want.FileSize {
			t.Errorf("%s: file size %v, manifest %d", want.FileName, v, want.FileSize)
		}
		raw, err := os.ReadFile(filepath.Join(fixtures, "signal-attachments/linux", want.Path))
		if err != nil {
			t.Fatal(err)
		}
		fileSum := sha256.Sum256(raw)
		if v, _ := attrOf(*got, "attachment_file_sha256"); v != hex.EncodeToString(fileSum[:]) {
			t.Errorf("%s: file SHA-256 %v, want %x", want.FileName, v, fileSum)
		}
		hm, hasHM := attrOf(*got, "hmac_verified")
		sum, hasSum := attrOf(*got, "plaintext_sha256")
		if !want.Encrypted {
			// A legacy plaintext file: its own hash is the content's; no
			// decryption is claimed.
			mime, _ := attrOf(*got, "sniffed_mime")
			if hasHM || hasSum || hex.EncodeToString(fileSum[:]) != want.PlainSHA256 || mime != want.ContentType {
				t.Errorf("legacy %s: hmac %v %v, plaintext hash %v, MIME %v", want.FileName, hasHM, hm, sum, mime)
			}
			legacy++
			continue
		}
		if want.Tampered {
			errText, _ := attrOf(*got, "decrypt_error")
			s, _ := errText.(string)
			if hm != false || hasSum || !strings.Contains(s, "HMAC mismatch") {
				t.Errorf("tampered %s: hmac_verified %v, hash %v, error %q; want false, none, HMAC mismatch", want.FileName, hm, sum, s)
			}
			continue
		}
		verified++
		if hm != true || sum != want.PlainSHA256 {
			t.Errorf("%s: hmac_verified %v, plaintext SHA-256 %v; manifest %s", want.FileName, hm, sum, want.PlainSHA256)
		}
		if v, _ := attrOf(*got, "plaintext_size"); v != want.PlainSize {
			t.Errorf("%s: plaintext size %v, manifest %d", want.FileName, v, want.PlainSize)
		}
		if v, _ := attrOf(*got, "plaintext_hash_matches"); v != true {
			t.Errorf("%s: plaintext_hash_matches %v", want.FileName, v)
		}
		mime, _ := attrOf(*got, "sniffed_mime")
		if s, _ := mime.(string); !strings.HasPrefix(s, want.ContentType) {
			t.Errorf("%s: sniffed %q, want %s", want.FileName, s, want.ContentType)
		}
	}
	if verified != 2 || legacy != 1 {
		t.Fatalf("%d attachments verified (want 2), %d legacy plaintext (want 1)", verified, legacy)
	}
	warned := 0
	for _, w := range c.Warnings {
		if strings.Contains(w.Message, "HMAC mismatch") {
			warned++
		}
	}
	if warned != 1 {
		t.Errorf("%d HMAC-mismatch warnings, want 1", warned)
	}
}

// sealAttachment is the test's own encryptor (Signal's layout), for the
// table tests and the fuzz seeds.
func sealAttachment(plain, key, iv []byte) []byte {
	pad := aes.BlockSize - len(plain)%aes.BlockSize
	data := append(append([]byte{}, plain...), bytes.Repeat([]byte{byte(pad)}, pad)...)
	block, _ := aes.NewCipher(key[:32])
	ct := make([]byte, len(data))
	cipher.NewCBCEncrypter(block, iv).CryptBlocks(ct, data)
	body := append(append([]byte{}, iv...), ct...)
	m := hmac.New(sha256.New, key[32:])
	m.Write(body)
	return m.Sum(body)
}

func TestDecryptAttachmentCases(t *testing.T) {
	key := bytes.Repeat([]byte{7}, 64)
	iv := bytes.Repeat([]byte{9}, 16)
	plain := []byte("%PDF-1.4 not really a pdf but sniffed as one")
	good := sealAttachment(plain, key, iv)
	sum := sha256.Sum256(plain)
	sum10 := sha256.Sum256(plain[:10])
	flipped := append([]byte{}, good...)
	flipped[20] ^= 1
	cases := []struct {
		name     string
		file     []byte
		key      []byte
		want     int64
		sha, err string
	}{
		{"intact", good, key, 0, string(sum[:]), ""},
		{"cut to the stored size", good, key, 10, string(sum10[:]), ""},
		{"stored size beyond the plaintext is ignored", good, key, 1 << 20, string(sum[:]), ""},
		{"flipped byte", flipped, key, 0, "", "HMAC mismatch"},
		{"wrong key", good, bytes.Repeat([]byte{8}, 64), 0, "", "HMAC mismatch"},
		{"short key", good, key[:32], 0, "", "want 64"},
		{"too short", good[:40], key, 0, "", "not IV(16)"},
		{"empty", nil, key, 0, "", "not IV(16)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, err := DecryptAttachment(bytes.NewReader(tc.file), int64(len(tc.file)), tc.key, tc.want)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) || res.PlainSHA256 != "" {
					t.Fatalf("err %v, hash %q; want %q and no hash", err, res.PlainSHA256, tc.err)
				}
				if tc.err == "HMAC mismatch" && !errors.Is(err, ErrAttachmentMAC) {
					t.Fatalf("err %v is not ErrAttachmentMAC", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !res.HMACVerified || res.PlainSHA256 != hexOf(tc.sha) {
				t.Fatalf("verified %v hash %s", res.HMACVerified, res.PlainSHA256)
			}
		})
	}
	res, _ := DecryptAttachment(bytes.NewReader(good), int64(len(good)), key, 0)
	if res.MIME != "application/pdf" || res.PlainSize != int64(len(plain)) {
		t.Fatalf("MIME %q size %d", res.MIME, res.PlainSize)
	}
}

func hexOf(s string) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(s))
	for i := 0; i < len(s); i++ {
		out = append(out, digits[s[i]>>4], digits[s[i]&15])
	}
	return string(out)
}

// FuzzDecryptAttachment: never panics, never yields a hash without a
// verified HMAC, and a hash only for plaintext no longer than the file.
func FuzzDecryptAttachment(f *testing.F) {
	key := bytes.Repeat([]byte{3}, 64)
	f.Add(sealAttachment([]byte("hello"), key, make([]byte, 16)), int64(0))
	f.Add(sealAttachment(bytes.Repeat([]byte("x"), 100), key, make([]byte, 16)), int64(50))
	f.Add([]byte{}, int64(-1))
	f.Fuzz(func(t *testing.T, file []byte, want int64) {
		res, err := DecryptAttachment(bytes.NewReader(file), int64(len(file)), key, want)
		if res.PlainSHA256 != "" && (err != nil || !res.HMACVerified || res.PlainSize > int64(len(file))) {
			t.Fatalf("hash %s with err %v verified %v size %d of %d", res.PlainSHA256, err, res.HMACVerified, res.PlainSize, len(file))
		}
	})
}
