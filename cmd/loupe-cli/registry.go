package main

import (
	"github.com/loupe-forensics/loupe/artefacts"
	"github.com/loupe-forensics/loupe/artefacts/filetype"
	"github.com/loupe-forensics/loupe/artefacts/notable"
	"github.com/loupe-forensics/loupe/artefacts/pgp"
	"github.com/loupe-forensics/loupe/artefacts/tor"
	"github.com/loupe-forensics/loupe/artefacts/wallets"
)

// buildRegistry lists every parser examine runs, by constructor. There is
// no init() registration: a parser runs only if it is named here. The order
// is the order parsers are offered each file; findings are compared as sets,
// so it does not change results. Add new parsers at the end of the list.
func buildRegistry() (*artefacts.Registry, error) {
	return artefacts.NewRegistry(
		filetype.New(),
		notable.New(),
		wallets.NewElectrum(),
		wallets.NewEthKeystore(),
		pgp.NewKeyring(), pgp.NewPrivateKey(), pgp.NewArmour(), pgp.NewTrustDB(), pgp.NewLinker(),
		tor.NewOnionService(), tor.NewState(), tor.NewTorrc(), tor.NewPrefs(), tor.NewSession(), tor.NewBrowserDB(), tor.NewInstall(), tor.NewProfileJSON(), tor.NewOnionAuth(), tor.NewConsensus(),
	)
}
