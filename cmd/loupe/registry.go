package main

import (
	"github.com/loupe-forensics/loupe/artefacts"
	"github.com/loupe-forensics/loupe/artefacts/all"
)

// buildRegistry is the parser list every examination runs (artefacts/all):
// the same as loupe-cli's, so a record made here reproduces with the CLI.
func buildRegistry() (*artefacts.Registry, error) { return all.New() }
