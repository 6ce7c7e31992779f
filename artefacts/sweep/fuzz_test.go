package sweep

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/loupe-forensics/loupe/artefacts/coins"
	"github.com/loupe-forensics/loupe/artefacts/onion"
)

// revalidate checks a hit with the validator of its type, independently of
// how the scanner found it.
func revalidate(h Hit) bool {
	switch h.Type {
	case TypeBTC, TypeLTC, TypeDOGE, TypeETH, TypeXMR:
		_, ok := coins.Validate(h.Value)
		return ok
	case TypeXKey:
		_, ok := coins.ValidateExtendedKey(h.Value)
		return ok
	case TypeWIF:
		_, ok := coins.ValidateWIF(h.Value)
		return ok
	case TypeOnionV3:
		return onion.ValidV3(h.Value)
	case TypeOnionV2:
		return len(h.Value) == 22 && strings.HasSuffix(h.Value, ".onion")
	case TypeSeed:
		_, ok := coins.CheckMnemonic(strings.Fields(h.Value))
		_, el := coins.ElectrumSeedVersion(h.Value)
		return ok || el
	case TypePGPArmour:
		return strings.HasPrefix(h.Value, "-----BEGIN PGP ") && strings.HasSuffix(h.Value, "-----")
	case TypeFingerprint:
		return validFingerprint([]byte(h.Value))
	case TypeEmail:
		at := strings.LastIndexByte(h.Value, '@')
		return at > 0 && validHost([]byte(h.Value[at+1:]))
	case TypeURL:
		return strings.Contains(h.Value, "://")
	}
	return false
}

func FuzzScan(f *testing.F) {
	b, _ := corpus(3, 256<<10)
	for i := 0; i+4096 <= len(b); i += 64 << 10 {
		f.Add(b[i:i+4096], uint16(300))
	}
	for _, k := range known {
		f.Add([]byte("x "+k.value+"\n"), uint16(7))
		f.Add(utf16le(k.value+" y"), uint16(13))
	}
	f.Fuzz(func(t *testing.T, data []byte, chunk uint16) {
		e := &Engine{Chunk: int64(chunk%4096) + 256, Workers: 2}
		whole, _ := e.ScanBytes(data, 0)
		for _, h := range whole {
			if !revalidate(h) {
				t.Fatalf("hit does not validate: %+v", h)
			}
			if h.Offset < 0 || h.Offset+h.Length > int64(len(data)) {
				t.Fatalf("hit outside the input: %+v", h)
			}
			if h.Encoding == EncASCII && h.Type != TypeSeed && string(data[h.Offset:h.Offset+h.Length]) != h.Value {
				t.Fatalf("hit value %q is not the bytes at %d", h.Value, h.Offset)
			}
		}
		chunked, _, err := e.ScanRange(context.Background(), bytes.NewReader(data), 0, int64(len(data)), nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(chunked) != len(whole) {
			t.Fatalf("chunk %d: %d hits, whole %d", e.Chunk, len(chunked), len(whole))
		}
		for i := range whole {
			if whole[i] != chunked[i] {
				t.Fatalf("chunk %d: hit %d %+v, whole %+v", e.Chunk, i, chunked[i], whole[i])
			}
		}
	})
}
