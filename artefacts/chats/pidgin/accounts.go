package pidgin

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/loupe-forensics/loupe/artefacts"
	"github.com/loupe-forensics/loupe/artefacts/chats"
	"github.com/loupe-forensics/loupe/forensic/finding"
	"github.com/loupe-forensics/loupe/forensic/source"
)

// Accounts reads accounts.xml: one chat.account per <account>, and for a
// <password> kept in the clear a separate chat.credential (see KindCredential).
type Accounts struct{}

// NewAccounts returns the accounts.xml parser.
func NewAccounts() *Accounts { return &Accounts{} }

func (*Accounts) Name() string    { return "chats/pidgin-accounts" }
func (*Accounts) Version() string { return "1" }

func (*Accounts) Match(in *artefacts.Input) bool {
	return bytes.Contains(in.Head, []byte("<account version=")) && bytes.Contains(in.Head, []byte("<protocol>"))
}

type xmlSetting struct {
	Name  string `xml:"name,attr"`
	Type  string `xml:"type,attr"`
	Value string `xml:",chardata"`
}

type xmlAccount struct {
	Protocol string       `xml:"protocol"`
	Name     string       `xml:"name"`
	Password *string      `xml:"password"`
	Alias    string       `xml:"alias"`
	Settings []xmlSetting `xml:"settings>setting"`
}

// elements streams the direct children named name of the document's root,
// calling fn with each decoded element and the byte offset of its start tag.
func elements(data []byte, name string, fn func(d *xml.Decoder, start xml.StartElement, off int64) error) error {
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = false
	depth := 0
	for {
		off := d.InputOffset()
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("XML at byte %d: %w", d.InputOffset(), err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if depth == 1 && t.Name.Local == name {
				if err := fn(d, t, off); err != nil {
					return err
				}
				continue
			}
			depth++
		case xml.EndElement:
			depth--
		}
	}
}

// xmlRef points at the n-th (from 1) element of its kind inside the file.
func xmlRef(in *artefacts.Input, path string, n int, off int64) *source.Ref {
	return in.Ref.Child(source.TypeRecord, "xml", fmt.Sprintf("%s[%d]", path, n), off, 0)
}

func (p *Accounts) Parse(ctx context.Context, in *artefacts.Input, out finding.Sink) error {
	data, err := artefacts.ReadAll(in, maxXML)
	if err != nil {
		return fmt.Errorf("accounts.xml: %w", err)
	}
	e := emitter{ctx: ctx, in: in, out: out, parser: p}
	n := 0
	err = elements(data, "account", func(d *xml.Decoder, start xml.StartElement, off int64) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		n++
		var a xmlAccount
		ref := xmlRef(in, "/account/account", n, off)
		if err := d.DecodeElement(&a, &start); err != nil {
			e.warn(ref, "account %d at byte %d: %v", n, off, err)
			return nil
		}
		attrs := []finding.Attr{finding.S(chats.AttrClient, client), finding.S(chats.AttrAccount, a.Name),
			finding.S("protocol", a.Protocol)}
		if a.Alias != "" {
			attrs = append(attrs, finding.S(chats.AttrName, a.Alias))
		}
		hasPW := a.Password != nil && *a.Password != ""
		attrs = append(attrs, finding.B("password_present", hasPW))
		if hasPW {
			attrs = append(attrs, finding.S("password_storage", "plaintext"))
		}
		for _, s := range a.Settings {
			// Server and proxy settings say where the account connected.
			switch s.Name {
			case "connect_server", "server", "port", "proxy", "ft_proxies", "bosh_url":
				if strings.TrimSpace(s.Value) != "" {
					attrs = append(attrs, finding.S("setting."+s.Name, s.Value))
				}
			}
		}
		if err := e.emit(chats.KindAccount, ref, attrs...); err != nil {
			return err
		}
		if hasPW {
			return e.emit(KindCredential, ref, finding.S(chats.AttrClient, client), finding.S(chats.AttrAccount, a.Name),
				finding.S("protocol", a.Protocol), finding.S("credential_type", "password"),
				finding.S("storage", "plaintext in accounts.xml"), finding.B("sensitive", true), finding.S("password", *a.Password))
		}
		return nil
	})
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		e.warn(nil, "accounts.xml: %v (%d accounts read before it)", err, n)
	}
	if n == 0 && err == nil {
		return artefacts.ErrWrongFormat
	}
	return nil
}

// BuddyList reads blist.xml: groups, and one chat.contact per buddy with the
// account it belongs to, its alias and last-seen time.
type BuddyList struct{}

// NewBuddyList returns the blist.xml parser.
func NewBuddyList() *BuddyList { return &BuddyList{} }

func (*BuddyList) Name() string    { return "chats/pidgin-blist" }
func (*BuddyList) Version() string { return "1" }

func (*BuddyList) Match(in *artefacts.Input) bool {
	return bytes.Contains(in.Head, []byte("<purple version=")) && bytes.Contains(in.Head, []byte("<blist"))
}

type xmlBuddy struct {
	Account  string       `xml:"account,attr"`
	Proto    string       `xml:"proto,attr"`
	Name     string       `xml:"name"`
	Alias    *string      `xml:"alias"`
	Settings []xmlSetting `xml:"setting"`
}

type xmlGroup struct {
	Name     string `xml:"name,attr"`
	Contacts []struct {
		Alias   string     `xml:"alias,attr"`
		Buddies []xmlBuddy `xml:"buddy"`
	} `xml:"contact"`
	Chats []struct {
		Account    string       `xml:"account,attr"`
		Proto      string       `xml:"proto,attr"`
		Alias      string       `xml:"alias"`
		Components []xmlSetting `xml:"component"`
	} `xml:"chat"`
}

type xmlPurple struct {
	Groups []xmlGroup `xml:"blist>group"`
}

func (p *BuddyList) Parse(ctx context.Context, in *artefacts.Input, out finding.Sink) error {
	data, err := artefacts.ReadAll(in, maxXML)
	if err != nil {
		return fmt.Errorf("blist.xml: %w", err)
	}
	e := emitter{ctx: ctx, in: in, out: out, parser: p}
	var doc xmlPurple
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = false
	if err := d.Decode(&doc); err != nil {
		// Whatever was decoded before the damage is kept.
		e.warn(nil, "blist.xml at byte %d: %v", d.InputOffset(), err)
	}
	buddy := 0
	for gi, g := range doc.Groups {
		gref := in.Ref.Record("xml", fmt.Sprintf("/purple/blist/group[%d]", gi+1))
		members := 0
		for ci, c := range g.Contacts {
			for bi, b := range c.Buddies {
				buddy++
				members++
				attrs := []finding.Attr{finding.S(chats.AttrClient, client), finding.S(chats.AttrContact, b.Name),
					finding.S(chats.AttrAccount, b.Account), finding.S("protocol", b.Proto), finding.S("group", g.Name)}
				if b.Alias != nil {
					attrs = append(attrs, finding.S(chats.AttrName, *b.Alias))
				} else if c.Alias != "" {
					attrs = append(attrs, finding.S(chats.AttrName, c.Alias))
				}
				for _, s := range b.Settings {
					if s.Name == "last_seen" && s.Type == "int" {
						var v int64
						if _, err := fmt.Sscan(strings.TrimSpace(s.Value), &v); err == nil {
							if t := chats.Unix(v); !t.IsZero() {
								attrs = append(attrs, finding.T("last_seen", t))
							}
						}
					}
				}
				ref := in.Ref.Record("xml", fmt.Sprintf("/purple/blist/group[%d]/contact[%d]/buddy[%d]", gi+1, ci+1, bi+1))
				if err := e.emit(chats.KindContact, ref, attrs...); err != nil {
					return err
				}
			}
		}
		for ci, c := range g.Chats {
			attrs := []finding.Attr{finding.S(chats.AttrClient, client), finding.S(chats.AttrAccount, c.Account),
				finding.S("protocol", c.Proto), finding.S(chats.AttrConvType, "chat"), finding.S("group", g.Name)}
			if c.Alias != "" {
				attrs = append(attrs, finding.S(chats.AttrConversation, c.Alias))
			}
			for _, comp := range c.Components {
				if comp.Name == "room" || comp.Name == "server" || comp.Name == "channel" || comp.Name == "handle" {
					attrs = append(attrs, finding.S("component."+comp.Name, comp.Value))
				}
			}
			ref := in.Ref.Record("xml", fmt.Sprintf("/purple/blist/group[%d]/chat[%d]", gi+1, ci+1))
			if err := e.emit(chats.KindConversation, ref, attrs...); err != nil {
				return err
			}
		}
		if err := e.emit(KindGroup, gref, finding.S(chats.AttrClient, client), finding.S(chats.AttrName, g.Name),
			finding.I("buddies", int64(members)), finding.I("chats", int64(len(g.Chats)))); err != nil {
			return err
		}
	}
	if len(doc.Groups) == 0 && buddy == 0 {
		e.warn(nil, "blist.xml holds no groups")
	}
	return nil
}
