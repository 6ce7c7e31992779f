package chats

import (
	"reflect"
	"testing"
	"time"

	"github.com/loupe-forensics/loupe/forensic/finding"
)

func TestMsgAttrs(t *testing.T) {
	at := time.Date(2026, 3, 1, 12, 0, 0, 5e6, time.FixedZone("x", 3600))
	tests := []struct {
		name string
		m    Msg
		want []finding.Attr
	}{
		{"minimal", Msg{Client: "qtox"}, []finding.Attr{finding.S(AttrClient, "qtox")}},
		{"empty body kept", Msg{Client: "skype", HasBody: true}, []finding.Attr{finding.S(AttrClient, "skype"), finding.S(AttrBody, "")}},
		{"full", Msg{Client: "signal", ConversationID: "c", MessageID: "m", Direction: DirOut, Sender: "a", Recipient: "b", Time: at, Body: "<b>\u200f\x01", HasBody: true},
			[]finding.Attr{finding.S(AttrClient, "signal"), finding.S(AttrConversationID, "c"), finding.S(AttrMessageID, "m"),
				finding.S(AttrDirection, "out"), finding.S(AttrSender, "a"), finding.S(AttrRecipient, "b"),
				finding.T(AttrTime, at.UTC()), finding.S(AttrBody, "<b>\u200f\x01")}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.m.Attrs(); !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestTimes(t *testing.T) {
	if !UnixMilli(0).IsZero() || !Unix(-1).IsZero() {
		t.Fatal("0 and negative must be unknown")
	}
	if got := UnixMilli(1700000000123).Format(time.RFC3339Nano); got != "2023-11-14T22:13:20.123Z" {
		t.Fatal(got)
	}
	if got := Unix(1700000000).Format(time.RFC3339); got != "2023-11-14T22:13:20Z" {
		t.Fatal(got)
	}
}
