package main

import (
	"github.com/loupe-forensics/loupe/artefacts"
	"github.com/loupe-forensics/loupe/artefacts/all"
)

// buildRegistry is the parser list every examination runs (artefacts/all),
// shared with the desktop app.
func buildRegistry() (*artefacts.Registry, error) { return all.New() }
