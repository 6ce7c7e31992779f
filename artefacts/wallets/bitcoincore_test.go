package wallets

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

// coreManifest mirrors testdata/artefacts/wallets/bitcoin-core/manifest.json
// (testdata/gen/wallets-bitcoincore.sh).
type coreManifest map[string]struct {
	File      string `json:"file"`
	Format    string `json:"format"`
	Encrypted bool   `json:"encrypted"`
	Password  string `json:"password"`
	Records   int    `json:"records"`
	Version   int64  `json:"version"`
	MinVer    int64  `json:"min_version"`
	Flags     int64  `json:"flags"`
	WatchOnly bool   `json:"watch_only"`
	SeedID    string `json:"hd_seed_id"`
	BestBlock string `json:"best_block"`
	Mkey      *struct {
		Salt       string `json:"salt"`
		Iterations int64  `json:"iterations"`
		Method     int64  `json:"derivation_method"`
	} `json:"mkey"`
	Keys []struct {
		Pubkey, P2PKH, P2WPKH, Path string
		Created                     int64
		Encrypted                   bool
	} `json:"keys"`
	Addresses []struct{ Address, Label, Purpose string } `json:"addresses"`
	Txs       []struct {
		TxID     string `json:"txid"`
		RawBytes int64  `json:"raw_bytes"`
		Outputs  int64  `json:"outputs"`
		Received int64  `json:"time_received"`
		Comment  string `json:"comment"`
	} `json:"transactions"`
	Descriptors []struct {
		Descriptor, ID, XPub string
		NextIndex            int64 `json:"next_index"`
	} `json:"descriptors"`
	DumpRecords int    `json:"db_dump_records"`
	DumpPairs   string `json:"db_dump_pairs_sha256"`
}

func loadCoreManifest(t testing.TB) coreManifest {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fixtures, "bitcoin-core", "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	// The manifest's key fields are named for readers (hd_keypath, p2pkh, …).
	b = []byte(strings.NewReplacer(`"hd_keypath"`, `"Path"`).Replace(string(b)))
	var m coreManifest
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if len(m) != 3 {
		t.Fatalf("manifest lists %d wallets, want 3", len(m))
	}
	return m
}

func TestBitcoinCoreFixtures(t *testing.T) {
	m := loadCoreManifest(t)
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		w := m[name]
		t.Run(name, func(t *testing.T) {
			in, _ := fixtureInput(t, w.File)
			in.WorkDir = t.TempDir()
			p := NewBitcoinCore()
			if !p.Match(in) {
				t.Fatal("no match")
			}
			c, err := run(t, p, in)
			if err != nil {
				t.Fatal(err)
			}
			if len(c.Warnings) != 0 {
				t.Fatalf("warnings: %+v", c.Warnings)
			}
			sum := c.Kind(KindBitcoinCore)
			if len(sum) != 1 {
				t.Fatalf("%d summaries", len(sum))
			}
			s := sum[0]
			if got := attrStr(s, "format"); got != w.Format {
				t.Errorf("format %q, want %q", got, w.Format)
			}
			if enc, _ := attrBool(s, "encrypted"); enc != w.Encrypted {
				t.Errorf("encrypted %v, want %v", enc, w.Encrypted)
			}
			if got := attrInt(s, "records"); got != int64(w.Records) {
				t.Errorf("records %d, want %d", got, w.Records)
			}
			if got := attrInt(s, "wallet_version"); got != w.Version {
				t.Errorf("wallet_version %d, want %d", got, w.Version)
			}
			if w.MinVer != 0 && attrInt(s, "min_version") != w.MinVer {
				t.Errorf("min_version %d, want %d", attrInt(s, "min_version"), w.MinVer)
			}
			if w.Flags != 0 {
				wo, _ := attrBool(s, "watch_only")
				if attrInt(s, "flags") != w.Flags || wo != w.WatchOnly {
					t.Errorf("flags %d watch_only %v, want %d %v", attrInt(s, "flags"), wo, w.Flags, w.WatchOnly)
				}
			}
			if attrStr(s, "hd_seed_id") != w.SeedID || attrStr(s, "best_block") != w.BestBlock {
				t.Errorf("hd_seed_id %q best_block %q, want %q %q", attrStr(s, "hd_seed_id"), attrStr(s, "best_block"), w.SeedID, w.BestBlock)
			}

			mk := c.Kind(KindMasterKey)
			if (w.Mkey != nil) != (len(mk) == 1) || len(mk) > 1 {
				t.Fatalf("%d master keys; manifest has mkey: %v", len(mk), w.Mkey != nil)
			}
			if w.Mkey != nil {
				if attrStr(mk[0], "salt") != w.Mkey.Salt || attrInt(mk[0], "iterations") != w.Mkey.Iterations ||
					attrStr(mk[0], "derivation") != "sha512-evp-bytestokey" {
					t.Errorf("mkey %+v, want %+v", mk[0].Attrs, *w.Mkey)
				}
			}

			var gotKeys, wantKeys []string
			for _, k := range c.Kind(KindKey) {
				enc, _ := attrBool(k, "encrypted")
				ts, _ := k.Get("created")
				gotKeys = append(gotKeys, fmt.Sprintf("%s %s %s %s %s %v", attrStr(k, "pubkey"), attrStr(k, "address_p2pkh"),
					attrStr(k, "address_p2wpkh"), attrStr(k, "hd_keypath"), ts.Time.Format(time.RFC3339), enc))
			}
			for _, k := range w.Keys {
				wantKeys = append(wantKeys, fmt.Sprintf("%s %s %s %s %s %v", k.Pubkey, k.P2PKH, k.P2WPKH, k.Path,
					time.Unix(k.Created, 0).UTC().Format(time.RFC3339), k.Encrypted))
			}
			sameSet(t, "keys", gotKeys, wantKeys)

			var gotAddr, wantAddr []string
			for _, a := range c.Kind(KindAddress) {
				if ok, _ := attrBool(a, "validated"); !ok {
					t.Errorf("address %s not validated", attrStr(a, "address"))
				}
				gotAddr = append(gotAddr, attrStr(a, "address")+"|"+attrStr(a, "label")+"|"+attrStr(a, "purpose"))
			}
			for _, a := range w.Addresses {
				wantAddr = append(wantAddr, a.Address+"|"+a.Label+"|"+a.Purpose)
			}
			sameSet(t, "addresses", gotAddr, wantAddr)

			var gotTx, wantTx []string
			for _, x := range c.Kind(KindTransaction) {
				if ok, _ := attrBool(x, "txid_matches_key"); !ok {
					t.Errorf("tx %s: computed txid differs from the record key", attrStr(x, "txid"))
				}
				ts, _ := x.Get("time_received")
				gotTx = append(gotTx, fmt.Sprintf("%s %d %d %d %s", attrStr(x, "txid"), attrInt(x, "raw_bytes"), attrInt(x, "outputs"), ts.Time.Unix(), attrStr(x, "comment")))
			}
			for _, x := range w.Txs {
				wantTx = append(wantTx, fmt.Sprintf("%s %d %d %d %s", x.TxID, x.RawBytes, x.Outputs, x.Received, x.Comment))
			}
			sameSet(t, "transactions", gotTx, wantTx)

			var gotDesc, wantDesc, gotX, wantX []string
			for _, d := range c.Kind(KindDescriptor) {
				if ok, _ := attrBool(d, "checksum_valid"); !ok {
					t.Errorf("descriptor %s: checksum not valid", attrStr(d, "descriptor"))
				}
				gotDesc = append(gotDesc, fmt.Sprintf("%s %s %d", attrStr(d, "descriptor"), attrStr(d, "id"), attrInt(d, "next_index")))
			}
			for _, x := range c.Kind(KindXPub) {
				gotX = append(gotX, attrStr(x, "xpub"))
			}
			for _, d := range w.Descriptors {
				wantDesc = append(wantDesc, fmt.Sprintf("%s %s %d", d.Descriptor, d.ID, d.NextIndex))
				wantX = append(wantX, d.XPub)
			}
			sameSet(t, "descriptors", gotDesc, wantDesc)
			sameSet(t, "xpubs", gotX, wantX)
			for _, a := range c.Artefacts {
				if a.Source == nil || a.Source.Validate() != nil {
					t.Errorf("%s: bad provenance %v", a.Kind, a.Source)
				}
			}
		})
	}
}

// sameSet compares two lists as multisets, naming what differs.
func sameSet(t *testing.T, what string, got, want []string) {
	t.Helper()
	sort.Strings(got)
	sort.Strings(want)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s: got %d, want %d\n got: %q\nwant: %q", what, len(got), len(want), got, want)
	}
}
