package cpiatest

import (
	"context"
	"testing"

	"github.com/loupe-forensics/loupe/forensic/record"
)

// RelevantReason is the relevant tag's reason in the scenario.
const RelevantReason = "session open on the Tor Browser start page at seizure"

// Scenario is the disclosure tagging the report tests apply to the
// examined demo record.
type Scenario struct {
	// Sensitive artefacts: an Electrum receiving address (which the
	// identifier sweep also finds, untagged, in the same wallet file) and
	// the onion service alice kept a key for, the latter also flagged
	// undermines.
	SensitiveAddr, SensitiveOnion record.StoredArtefact
	AddrValue, OnionValue         string
	SensitiveReason               string

	Relevant   record.StoredArtefact // a Tor Browser session tab
	Undermines record.StoredArtefact // alice's public key, reason with markup
	Assists    record.StoredArtefact // bob's wallet transaction, reason is a spreadsheet formula
	Hostile    int64                 // the ../../x artefact, tagged relevant with a markup reason

	Formula  string
	Markup   string
	NoteText string
}

// Tags applies the scenario: two sensitive items, one relevant, one
// undermines, one assists, the hostile item relevant, and a note.
func (f *Fixture) Tags(t testing.TB) *Scenario {
	t.Helper()
	s := &Scenario{
		AddrValue:       "bc1qk2382cqe9sgu7u49p450zgglqemrunsfjxe6g5",
		OnionValue:      "dnyv2bzkix6narlcyfkpayiykh7vpcdedf3kirpvuw2tpkmgk2nlmgad.onion",
		SensitiveReason: "supplied in confidence by a partner agency",
		Formula:         `=HYPERLINK("http://example.invalid/x","open")`,
		Markup:          `<script>alert("reason")</script> key is a third party's`,
		NoteText:        `Reviewed the wallet <script>alert("note")</script> folder`,
	}
	s.SensitiveAddr = f.Find(t, "wallet.address", "address", s.AddrValue)
	s.SensitiveOnion = f.Find(t, "tor.onion_service", "address", s.OnionValue)
	s.Relevant = f.Find(t, "tor.session_tab", "url", "")
	s.Undermines = f.Find(t, "pgp.key", "fingerprint", "E0B1A459BA1E3EFCCA9D4C6859C696DABC6E15FC")
	s.Assists = f.Find(t, "wallet.transaction", "label", "deposit from escrow")
	s.Hostile = f.AddHostile(t)

	f.Tag(t, s.SensitiveAddr.ID, record.FlagSensitive, s.SensitiveReason, "intelligence from a partner agency")
	f.Tag(t, s.SensitiveOnion.ID, record.FlagSensitive, s.SensitiveReason, "covert technique")
	f.Tag(t, s.SensitiveOnion.ID, record.FlagUndermines, "service key found in an old backup folder", "")
	f.Tag(t, s.Relevant.ID, record.FlagRelevant, RelevantReason, "")
	f.Tag(t, s.Undermines.ID, record.FlagUndermines, s.Markup, "")
	f.Tag(t, s.Assists.ID, record.FlagAssists, s.Formula, "")
	f.Tag(t, s.Hostile, record.FlagRelevant, HostileText, "")
	if _, err := f.Rec.AddNote(context.Background(), s.NoteText, 0); err != nil {
		t.Fatal(err)
	}
	return s
}
