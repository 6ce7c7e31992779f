package main

import (
	"github.com/loupe-forensics/loupe/artefacts"
	"github.com/loupe-forensics/loupe/artefacts/filetype"
	"github.com/loupe-forensics/loupe/artefacts/notable"
	"github.com/loupe-forensics/loupe/artefacts/pgp"
	"github.com/loupe-forensics/loupe/artefacts/tor"
	"github.com/loupe-forensics/loupe/artefacts/wallets"
)

// buildRegistry lists the parsers the app's examinations run: the same
// constructors, in the same order, as loupe-cli's buildRegistry
// (cmd/loupe-cli/registry.go), so a record made here reproduces with the
// CLI. registry_test.go fails when the two lists differ.
func buildRegistry() (*artefacts.Registry, error) {
	return artefacts.NewRegistry(
		filetype.New(),
		notable.New(),
		wallets.NewElectrum(),
		wallets.NewEthKeystore(),
		pgp.NewKeyring(), pgp.NewPrivateKey(), pgp.NewArmour(), pgp.NewTrustDB(),
		tor.NewOnionService(), tor.NewState(), tor.NewTorrc(), tor.NewPrefs(), tor.NewSession(), tor.NewBrowserDB(), tor.NewInstall(), tor.NewProfileJSON(), tor.NewOnionAuth(), tor.NewConsensus(),
	)
}
