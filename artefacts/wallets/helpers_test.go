package wallets

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/loupe-forensics/loupe/artefacts"
	"github.com/loupe-forensics/loupe/forensic/finding"
	"github.com/loupe-forensics/loupe/forensic/source"
)

const fixtures = "../../testdata/artefacts/wallets"

// manifest mirrors testdata/artefacts/wallets/manifest.json, written by
// testdata/gen/wallets.sh from what electrum itself printed.
type manifest struct {
	Electrum []struct {
		File            string `json:"file"`
		SHA256          string `json:"sha256"`
		Password        string `json:"password"`
		FileEncrypted   bool   `json:"file_encrypted"`
		KeystoreEncrypt bool   `json:"keystore_encrypted"`
		RestoredFrom    string `json:"restored_from"`
		Reports         struct {
			Addresses     []string          `json:"addresses"`
			Receiving     []string          `json:"receiving"`
			Change        []string          `json:"change"`
			MPK           any               `json:"mpk"`
			SeedVersion   any               `json:"seed_version"`
			WalletType    any               `json:"wallet_type"`
			UseEncryption any               `json:"use_encryption"`
			Labels        map[string]string `json:"labels"`
			History       []struct {
				TxID  string `json:"txid"`
				Label string `json:"label"`
			} `json:"history"`
		} `json:"electrum_reports"`
	} `json:"electrum"`
	Ethereum []struct {
		File, Address, KDF, Cipher, Password string
	} `json:"ethereum"`
}

func loadManifest(t testing.TB) manifest {
	t.Helper()
	var m manifest
	b, err := os.ReadFile(filepath.Join(fixtures, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if len(m.Electrum) != 10 || len(m.Ethereum) != 1 {
		t.Fatalf("manifest lists %d electrum and %d ethereum files", len(m.Electrum), len(m.Ethereum))
	}
	return m
}

// input builds a parser input for data as if found at path in a folder.
func input(path string, data []byte) *artefacts.Input {
	sum := sha256.Sum256(data)
	return &artefacts.Input{
		Ref:    source.Folder("wallets").Entry(path, ""),
		Path:   path,
		Size:   int64(len(data)),
		Head:   data[:min(len(data), artefacts.HeadSize)],
		Reader: bytes.NewReader(data),
		SHA256: hex.EncodeToString(sum[:]),
	}
}

func fixtureInput(t testing.TB, rel string) (*artefacts.Input, []byte) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fixtures, rel))
	if err != nil {
		t.Fatal(err)
	}
	return input("/"+rel, b), b
}

func run(t testing.TB, p artefacts.Parser, in *artefacts.Input) (*finding.Collector, error) {
	t.Helper()
	var c finding.Collector
	err := artefacts.Run(context.Background(), p, in, &c)
	return &c, err
}

func attrStr(a finding.Artefact, name string) string {
	x, _ := a.Get(name)
	return x.Str
}

func attrBool(a finding.Artefact, name string) (bool, bool) {
	x, ok := a.Get(name)
	return x.Bool, ok
}

func attrInt(a finding.Artefact, name string) int64 {
	x, _ := a.Get(name)
	return x.Int
}
