package wallets

import (
	"github.com/loupe-forensics/loupe/artefacts"
	"github.com/loupe-forensics/loupe/forensic/source"
)

// sourceRef names where inside a wallet file a value came from: a JSON path
// such as "keystore.xpub" or "addresses.receiving.3". nil means the file.
type sourceRef struct{ jsonPath string }

func at(path string) *sourceRef { return &sourceRef{jsonPath: path} }

func (s *sourceRef) ref(in *artefacts.Input) *source.Ref {
	if s == nil || s.jsonPath == "" {
		return in.Ref
	}
	return in.Ref.Record("json", s.jsonPath)
}
