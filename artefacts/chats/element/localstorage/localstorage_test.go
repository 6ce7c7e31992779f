package localstorage

import "testing"

func TestDecode(t *testing.T) {
	cases := []struct {
		in   []byte
		want string
		ok   bool
	}{
		{[]byte("\x01caf\xe9"), "café", true},
		{[]byte{0, 0x0f, 0x20, 0xe9, 0x05}, "\u200fש", true}, // UTF-16LE: RLM, shin
		{[]byte{0, 0x41}, "", false},                         // odd UTF-16 length
		{[]byte{2, 'x'}, "", false},
		{nil, "", false},
	}
	for _, c := range cases {
		got, ok := decode(c.in)
		if got != c.want || ok != c.ok {
			t.Errorf("decode(%q) = %q %v, want %q %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

func FuzzDecode(f *testing.F) {
	f.Add([]byte{0, 1, 2})
	f.Fuzz(func(t *testing.T, b []byte) { decode(b) })
}
