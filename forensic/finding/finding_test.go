package finding

import (
	"context"
	"testing"
	"time"

	"github.com/loupe-forensics/loupe/forensic/source"
)

func TestAttrValue(t *testing.T) {
	bst := time.Date(2026, 3, 14, 11, 0, 0, 5, time.FixedZone("BST", 3600))
	tests := []struct {
		a    Attr
		want any
	}{
		{S("url", "http://x.onion/"), "http://x.onion/"},
		{I("visits", 3), int64(3)},
		{B("encrypted", true), true},
		{T("visited", bst), "2026-03-14T10:00:00.000000005Z"}, // stored in UTC
		{Raw("key", []byte{0xde, 0xad}), "dead"},
	}
	for _, tc := range tests {
		if got := tc.a.Value(); got != tc.want {
			t.Errorf("%s: Value() = %v, want %v", tc.a.Name, got, tc.want)
		}
	}
}

func TestCollectorKindSortedBySource(t *testing.T) {
	var c Collector
	img := source.Image("d")
	ctx := context.Background()
	_ = c.Artefact(ctx, Artefact{Kind: "tor.visit", Source: img.Row("moz_places", "2")})
	_ = c.Artefact(ctx, Artefact{Kind: "tor.bookmark", Source: img.Row("moz_bookmarks", "1")})
	_ = c.Artefact(ctx, Artefact{Kind: "tor.visit", Source: img.Row("moz_places", "1"), Attrs: []Attr{S("url", "u")}})
	got := c.Kind("tor.visit")
	if len(got) != 2 || got[0].Source.ID != "1" || got[1].Source.ID != "2" {
		t.Fatalf("Kind(tor.visit) = %+v", got)
	}
	if a, ok := got[0].Get("url"); !ok || a.Str != "u" {
		t.Errorf("Get(url) = %+v, %v", a, ok)
	}
	if _, ok := got[1].Get("url"); ok {
		t.Errorf("Get on a missing attribute succeeded")
	}
}
