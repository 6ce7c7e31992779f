// Package all is Loupe's explicit list of parsers: the one registry both
// front ends (loupe-cli and the desktop app) examine with, so a record made
// by either reproduces with the other.
package all

import (
	"github.com/loupe-forensics/loupe/artefacts"
	"github.com/loupe-forensics/loupe/artefacts/chats/discord"
	"github.com/loupe-forensics/loupe/artefacts/chats/element"
	"github.com/loupe-forensics/loupe/artefacts/chats/gajim"
	"github.com/loupe-forensics/loupe/artefacts/chats/pidgin"
	"github.com/loupe-forensics/loupe/artefacts/chats/psi"
	"github.com/loupe-forensics/loupe/artefacts/chats/qtox"
	"github.com/loupe-forensics/loupe/artefacts/chats/signal"
	"github.com/loupe-forensics/loupe/artefacts/chats/skype"
	"github.com/loupe-forensics/loupe/artefacts/chats/telegram"
	"github.com/loupe-forensics/loupe/artefacts/filetype"
	"github.com/loupe-forensics/loupe/artefacts/notable"
	"github.com/loupe-forensics/loupe/artefacts/pgp"
	"github.com/loupe-forensics/loupe/artefacts/tor"
	"github.com/loupe-forensics/loupe/artefacts/wallets"
)

// New returns a registry of every parser an examination runs, by
// constructor. There is no init() registration: a parser runs only if it is
// named here. The order is the order parsers are offered each file;
// findings are compared as sets, so it does not change results. Add new
// parsers at the end of the list.
func New() (*artefacts.Registry, error) {
	return artefacts.NewRegistry(
		filetype.New(),
		notable.New(),
		wallets.NewElectrum(),
		wallets.NewEthKeystore(),
		wallets.NewBitcoinCore(), wallets.NewMetaMask(), wallets.NewAtomic(),
		wallets.NewExodus(), wallets.NewMonero(), wallets.NewWasabi(), wallets.NewLedgerLive(),
		pgp.NewKeyring(), pgp.NewPrivateKey(), pgp.NewArmour(), pgp.NewTrustDB(), pgp.NewKeyboxd(), pgp.NewTofu(), pgp.NewConfig(), pgp.NewThunderbird(), pgp.NewLinker(),
		tor.NewOnionService(), tor.NewState(), tor.NewTorrc(), tor.NewPrefs(), tor.NewSession(), tor.NewBrowserDB(), tor.NewInstall(), tor.NewProfileJSON(), tor.NewOnionAuth(), tor.NewConsensus(),
		pidgin.NewAccounts(), pidgin.NewBuddyList(), pidgin.NewLog(), pidgin.NewOTRPrivateKey(), pidgin.NewOTRFingerprints(),
		gajim.New(), psi.NewAccounts(), psi.NewHistory(), telegram.NewTData(telegram.Options{}), element.New(), discord.New(),
		signal.New(signal.Options{}), qtox.NewProfile(qtox.Options{}), qtox.NewHistory(), skype.New(),
	)
}
