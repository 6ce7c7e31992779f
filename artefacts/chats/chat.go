// Package chats holds what every chat-client parser shares: the artefact
// kinds and attribute names for accounts, contacts, conversations, messages
// and attachments, so that reports and the timeline can treat Signal, qTox,
// Pidgin, Telegram and the rest alike. The clients live in sub-packages
// (chats/signal, chats/qtox, chats/skype, chats/pidgin, …); this package has
// no parsers of its own and no state.
package chats

import (
	"time"

	"github.com/loupe-forensics/loupe/forensic/finding"
)

// Artefact kinds common to all chat clients. A client may add its own
// "chat.<client>_<type>" kinds for things that have no common meaning.
const (
	KindAccount      = "chat.account"      // the local user of the client
	KindContact      = "chat.contact"      // a peer known to the account (buddy list, friend, address book)
	KindConversation = "chat.conversation" // a thread: one-to-one, group or channel
	KindMessage      = "chat.message"      // one message (text, system, call entry)
	KindAttachment   = "chat.attachment"   // a file sent or received, metadata only unless noted
	KindStore        = "chat.store"        // a client's database or profile seen as a whole (encryption, key source)
)

// Attribute names. Values are stored exactly as read: bodies and names are
// never trimmed, unescaped or normalised, so HTML, control characters and
// bidi marks reach the record byte for byte (renderers escape them).
const (
	AttrClient         = "client"          // "signal", "session", "qtox", "skype", "pidgin", …
	AttrAccount        = "account"         // the local account's identifier (phone, uuid, Tox ID, skypename, JID)
	AttrContact        = "contact"         // a peer's identifier
	AttrName           = "name"            // display name (profile or alias)
	AttrConversationID = "conversation_id" // the client's own id of the thread
	AttrConversation   = "conversation"    // the thread's display name, when known
	AttrConvType       = "conversation_type"
	AttrMessageID      = "message_id"   // the client's own id of the message
	AttrDirection      = "direction"    // DirIn or DirOut; absent when the client does not say
	AttrSender         = "sender"       // identifier of the author
	AttrRecipient      = "recipient"    // identifier of the addressee (one-to-one), when known
	AttrTime           = "time"         // when the message was sent (the client's sent timestamp), UTC
	AttrReceived       = "received"     // when the local client received or stored it, UTC
	AttrBody           = "body"         // text exactly as stored
	AttrMessageType    = "message_type" // the client's own type name or number, as text
	AttrFileName       = "file_name"
	AttrContentType    = "content_type"
	AttrSize           = "size"
	AttrPath           = "path" // where the client keeps the file, as the client records it
	AttrEncrypted      = "encrypted"
	AttrKeySource      = "key_source" // how the store's key was obtained (config key, safeStorage backend, examiner secret)
)

// Message directions.
const (
	DirIn  = "in"
	DirOut = "out"
)

// Msg is the common part of a chat.message artefact; parsers append
// client-specific attributes after Attrs().
type Msg struct {
	Client         string
	ConversationID string
	MessageID      string
	Direction      string // DirIn, DirOut or ""
	Sender         string
	Recipient      string
	Time           time.Time // zero when unknown
	Body           string
	HasBody        bool // distinguishes an empty body from none
}

// Attrs returns the message's attributes in a fixed order, leaving out
// unknown values rather than writing empty ones.
func (m Msg) Attrs() []finding.Attr {
	out := []finding.Attr{finding.S(AttrClient, m.Client)}
	add := func(name, v string) {
		if v != "" {
			out = append(out, finding.S(name, v))
		}
	}
	add(AttrConversationID, m.ConversationID)
	add(AttrMessageID, m.MessageID)
	add(AttrDirection, m.Direction)
	add(AttrSender, m.Sender)
	add(AttrRecipient, m.Recipient)
	if !m.Time.IsZero() {
		out = append(out, finding.T(AttrTime, m.Time.UTC()))
	}
	if m.HasBody {
		out = append(out, finding.S(AttrBody, m.Body))
	}
	return out
}

// UnixMilli converts a millisecond timestamp, treating 0 and negatives as
// unknown (clients write 0 for "never").
func UnixMilli(ms int64) time.Time {
	if ms <= 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}

// Unix converts a second timestamp, treating 0 and negatives as unknown.
func Unix(s int64) time.Time {
	if s <= 0 {
		return time.Time{}
	}
	return time.Unix(s, 0).UTC()
}
