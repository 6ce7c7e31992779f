package source

import (
	"encoding/json"
	"errors"
	"testing"
)

func TestStringCanonical(t *testing.T) {
	img := Image("disk.E01")
	tests := []struct {
		name string
		ref  *Ref
		want string
	}{
		{"root", img, "image:disk.E01"},
		{"partition", img.Partition(2, 1048576, 33554432), "image:disk.E01 > partition:p2@1048576+33554432"},
		{"row", img.Partition(1, 1048576, 100).FS("ntfs", 1048576).Entry("/Users/a/places.sqlite", "64-1").Row("moz_places", "42"),
			"image:disk.E01 > partition:p1@1048576+100 > fs:ntfs@1048576 > entry:/Users/a/places.sqlite#64-1 > row:moz_places#42"},
		{"offset zero is printed", img.At(0, 16), "image:disk.E01 > offset:@0+16"},
		{"escaped separators", img.Entry("/a > b#c@d+e%f", "12"), "image:disk.E01 > entry:/a %3E b%23c%40d%2Be%25f#12"},
		{"gap", img.Gap(1, 512, 1024), "image:disk.E01 > partition:gap1@512+1024"},
		{"nil", nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.ref.String(); got != tc.want {
				t.Errorf("String() = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestEscapingKeepsDistinctRefsDistinct(t *testing.T) {
	// A crafted file name must not be able to impersonate a deeper chain.
	img := Image("x")
	a := img.Entry("/a > row:t", "1")
	b := img.Entry("/a", "").Row("t", "1")
	if a.String() == b.String() {
		t.Fatalf("distinct refs share a string: %q", a.String())
	}
}

func TestValidate(t *testing.T) {
	img := Image("d.raw")
	good := img.Partition(1, 0, 10).FS("ext4", 0).Entry("/etc/passwd", "12").At(5, 3)
	if err := good.Validate(); err != nil {
		t.Fatalf("valid chain rejected: %v", err)
	}
	bad := []*Ref{
		{Type: TypeEntry, Locator: "/x"},                    // no root
		img.Child("bogus", "", "", 0, 0),                    // unknown type
		img.Child(TypeEntry, "", "", 0, 0),                  // entry without path or id
		img.At(-1, 2),                                       // negative offset
		{Type: TypeImage, Locator: "a", Parent: Image("b")}, // image not at root
		img.Child(TypePartition, "", "", 0, 0),              // partition without locator
	}
	for i, r := range bad {
		if err := r.Validate(); !errors.Is(err, ErrInvalid) {
			t.Errorf("case %d: Validate() = %v, want ErrInvalid", i, err)
		}
	}
}

func TestAccessors(t *testing.T) {
	r := Image("d").Partition(3, 0, 1).FS("ntfs", 0).Entry("/Users/a/f.txt", "70-2").Stream("Zone.Identifier")
	if got := r.PartitionIndex(); got != 3 {
		t.Errorf("PartitionIndex = %d, want 3", got)
	}
	if got := r.Path(); got != "/Users/a/f.txt" {
		t.Errorf("Path = %q", got)
	}
	if got := Image("d").Gap(1, 0, 1).PartitionIndex(); got != 0 {
		t.Errorf("gap PartitionIndex = %d, want 0", got)
	}
	if n := len(r.Chain()); n != 5 {
		t.Errorf("Chain has %d steps, want 5", n)
	}
	if r.Chain()[0].Type != TypeImage {
		t.Errorf("chain does not start at the image")
	}
}

func TestJSONRoundTrip(t *testing.T) {
	r := Image("d").Partition(1, 512, 1024).FS("ext4", 512).Entry("/home/bob/x", "13")
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var back Ref
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.String() != r.String() {
		t.Errorf("round trip changed the ref: %q != %q", back.String(), r.String())
	}
}
