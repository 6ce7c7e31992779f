package wallets

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/loupe-forensics/loupe/artefacts"
	"github.com/loupe-forensics/loupe/artefacts/coins"
	"github.com/loupe-forensics/loupe/artefacts/leveldbcopy"
	"github.com/loupe-forensics/loupe/forensic/source"
)

// Examiner-supplied passwords. Nothing here guesses: a Lock is tried only
// with candidates the examiner gives (a password found during the
// investigation, or a short wordlist), one by one, and the caller records
// every attempt. The KDFs make each try deliberately slow (Bitcoin Core's
// mkey iterations, MetaMask's 600,000 PBKDF2 rounds, scrypt for keystores),
// which is a further reason not to run large lists here.

// ErrWrongPassword-style errors from every format satisfy errors.Is(err,
// ErrNotOpened), so callers can tell "wrong password" from "cannot try".
var ErrNotOpened = errors.New("wallet: the password does not open it")

// Lock is the password-checkable material of one encrypted wallet.
type Lock struct {
	Format string      // electrum-file | electrum-keystore | ethereum-keystore | metamask-vault | bitcoin-core-mkey
	Source *source.Ref // where the material is
	KDF    string      // what each try costs, for the examiner
	try    func(password string) (string, error)
}

// Try checks one candidate. opened reports success; detail says what
// opened (never the secret); err is set when the attempt could not be made
// at all (bad parameters), not for a wrong password.
func (l *Lock) Try(password string) (opened bool, detail string, err error) {
	d, err := l.try(password)
	switch {
	case err == nil:
		return true, d, nil
	case errors.Is(err, ErrNotOpened), errors.Is(err, ErrWrongPassword), errors.Is(err, ErrElectrumPassword), errors.Is(err, ErrVaultPassword):
		return false, "", nil
	default:
		return false, "", err
	}
}

// Locks reads the input (as a parser would be offered it) and returns the
// encrypted parts it holds. A file with nothing encrypted gives none.
func Locks(ctx context.Context, in *artefacts.Input) ([]*Lock, error) {
	switch {
	case leveldbcopy.Match(in):
		return metaMaskLocks(in)
	case (&BitcoinCore{}).Match(in):
		return coreLocks(ctx, in)
	case (&EthKeystore{}).Match(in):
		data, err := readAll(in, maxKeystoreSize)
		if err != nil {
			return nil, err
		}
		k, err := ParseEthKeyFile(data)
		if err != nil {
			return nil, err
		}
		c := k.crypto()
		return []*Lock{{Format: "ethereum-keystore", Source: in.Ref, KDF: c.KDF, try: func(pw string) (string, error) {
			key, err := k.Decrypt(pw)
			if err != nil {
				return "", err
			}
			if acct, ok := coins.EthAccountFromPrivate(key); ok {
				return "private key of " + coins.ChecksumETH(acct), nil
			}
			return fmt.Sprintf("%d-byte private key", len(key)), nil
		}}}, nil
	case (&Electrum{}).Match(in):
		return electrumLocks(in)
	}
	return nil, nil
}

func electrumLocks(in *artefacts.Input) ([]*Lock, error) {
	data, err := readAll(in, MaxJSONSize)
	if err != nil {
		return nil, err
	}
	trimmed := bytes.TrimSpace(data)
	if isBase64(trimmed) && (bytes.HasPrefix(trimmed, []byte("QklFMQ")) || bytes.HasPrefix(trimmed, []byte("QklFMg"))) {
		return []*Lock{{Format: "electrum-file", Source: in.Ref, KDF: "pbkdf2-sha512 1024 + ecies (BIE1)", try: func(pw string) (string, error) {
			plain, err := DecryptElectrumFile(data, pw, MaxJSONSize)
			if err != nil {
				return "", err
			}
			return fmt.Sprintf("wallet file (%d bytes of JSON)", len(plain)), nil
		}}}, nil
	}
	db, err := ReadElectrumJSON(data)
	if err != nil {
		return nil, err
	}
	var locks []*Lock
	for _, name := range sortedKeys(db.Doc) {
		if name != "keystore" && !isCosignerKey(name) {
			continue
		}
		ks := mapOf(db.Doc[name])
		for _, field := range []string{"xprv", "seed"} {
			ct := str(ks[field])
			if ct == "" || !electrumCiphertext(ct) {
				continue
			}
			field, name := field, name
			locks = append(locks, &Lock{Format: "electrum-keystore", Source: in.Ref.Record("json", name+"."+field), KDF: "sha256d + aes-256-cbc",
				try: func(pw string) (string, error) {
					s, err := DecryptElectrumSecret(ct, pw)
					if err != nil {
						return "", err
					}
					// CBC padding alone passes about 1 wrong password in 256:
					// the plaintext must also be what the field holds.
					if field == "xprv" {
						if x, ok := coins.ValidateExtendedKey(s); ok && x.Kind != coins.ExtendedPublicKey {
							return name + " extended private key", nil
						}
					} else if n := len(strings.Fields(s)); n >= 12 || (len(s) == 32 && isHex(s)) {
						return fmt.Sprintf("%s seed (%d words)", name, max(n, 1)), nil
					}
					return "", ErrNotOpened
				}})
			break // one check per keystore is enough
		}
		// Imported keys: pubkey → encrypted WIF (with Electrum's "type:" prefix).
		kp := mapOf(ks["keypairs"])
		for _, pubHex := range sortedKeys(kp) {
			ct := str(kp[pubHex])
			pub, err := hex.DecodeString(pubHex)
			if err != nil || !electrumCiphertext(ct) {
				continue
			}
			name := name
			locks = append(locks, &Lock{Format: "electrum-keystore", Source: in.Ref.Record("json", name+".keypairs."+pubHex), KDF: "sha256d + aes-256-cbc",
				try: func(pw string) (string, error) {
					s, err := DecryptElectrumSecret(ct, pw)
					if err != nil {
						return "", err
					}
					if i := strings.IndexByte(s, ':'); i >= 0 {
						s = s[i+1:]
					}
					if raw, ok := coins.DecodeBase58Check(s); ok && len(raw) == 34 && raw[33] == 1 && bytes.Equal(compressedPub(raw[1:33]), pub) {
						return name + " imported key for " + pubHex, nil
					}
					return "", ErrNotOpened
				}})
			break
		}
	}
	return locks, nil
}

func metaMaskLocks(in *artefacts.Input) ([]*Lock, error) {
	c, err := leveldbcopy.Open(in)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	data, ok, err := leveldbcopy.GetCapped(c.DB, "data", MaxJSONSize)
	if err != nil || !ok {
		return nil, err
	}
	st, err := ParseMetaMaskState(data)
	if err != nil || st.Vault == nil {
		return nil, err
	}
	v := st.Vault
	iter, _ := v.Iterations()
	return []*Lock{{Format: "metamask-vault", Source: in.Ref.Record("leveldb", "data").Record("json", "KeyringController.vault"),
		KDF: fmt.Sprintf("pbkdf2-sha256 %d + aes-256-gcm", iter), try: func(pw string) (string, error) {
			rings, err := v.Decrypt(pw)
			if err != nil {
				return "", err
			}
			var parts []string
			for _, r := range rings {
				parts = append(parts, fmt.Sprintf("%s (%d accounts)", r.Type, r.Accounts))
			}
			return "vault keyrings: " + strings.Join(parts, ", "), nil
		}}}, nil
}

// maxCoreIterations bounds one mkey try (Core calibrates to about 0.1 s,
// tens of thousands to a few million rounds).
const maxCoreIterations = 1 << 25

func coreLocks(ctx context.Context, in *artefacts.Input) ([]*Lock, error) {
	recs, _, err := readCoreRecords(ctx, in, func(*source.Ref, string) {})
	if err != nil && len(recs) == 0 {
		return nil, err
	}
	type ckey struct{ pub, crypted []byte }
	var ckeys []ckey
	var mkeys []coreRecord
	for _, r := range recs {
		switch r.typ {
		case "mkey":
			mkeys = append(mkeys, r)
		case "ckey", "walletdescriptorckey":
			k := &coreReader{b: r.payload}
			if r.typ == "walletdescriptorckey" {
				k.take(32, "descriptor id")
			}
			pub := k.vec("pubkey")
			v := &coreReader{b: r.value}
			ct := v.vec("crypted secret")
			if k.err == nil && v.err == nil && len(ct) == 48 {
				ckeys = append(ckeys, ckey{pub, ct})
			}
		}
	}
	sort.Slice(ckeys, func(i, j int) bool { return bytes.Compare(ckeys[i].pub, ckeys[j].pub) < 0 })
	var locks []*Lock
	for _, r := range mkeys {
		m, err := decodeMasterKey(r.payload, r.value)
		if err != nil {
			continue
		}
		if len(ckeys) == 0 {
			return nil, errors.New("bitcoin core: mkey but no encrypted key to check a password against")
		}
		check := ckeys[0]
		locks = append(locks, &Lock{Format: "bitcoin-core-mkey", Source: r.src, KDF: fmt.Sprintf("sha512 x %d (EVP_BytesToKey) + aes-256-cbc", m.Iterations),
			try: func(pw string) (string, error) {
				return m.open(pw, check.pub, check.crypted)
			}})
	}
	return locks, nil
}

// open derives the key-encryption key from the password (EVP_BytesToKey
// with SHA-512: D = SHA-512(password‖salt), then iterations-1 rounds of
// SHA-512(D); key = D[0:32], IV = D[32:48]), decrypts the 32-byte master
// key (AES-256-CBC), uses it to decrypt one ckey (IV = SHA256d(pubkey)[:16])
// and accepts only if that secret's public key is the ckey's public key.
func (m coreMasterKey) open(password string, pub, crypted []byte) (string, error) {
	if m.Method != 0 {
		return "", fmt.Errorf("bitcoin core: derivation method %d is not supported", m.Method)
	}
	if m.Iterations == 0 || m.Iterations > maxCoreIterations {
		return "", fmt.Errorf("bitcoin core: %d iterations out of range", m.Iterations)
	}
	if len(m.Crypted) != 48 || len(m.Salt) != 8 {
		return "", fmt.Errorf("bitcoin core: crypted master key of %d bytes, salt of %d", len(m.Crypted), len(m.Salt))
	}
	d := sha512.Sum512(append([]byte(password), m.Salt...))
	for i := uint32(1); i < m.Iterations; i++ {
		d = sha512.Sum512(d[:])
	}
	mk, err := cbcDecrypt(d[:32], d[32:48], m.Crypted)
	if err != nil || len(mk) != 32 {
		return "", ErrNotOpened
	}
	iv := sha256d(pub)[:16]
	secret, err := cbcDecrypt(mk, iv, crypted)
	if err != nil || len(secret) != 32 {
		return "", ErrNotOpened
	}
	full, ok := coins.PublicKey(secret)
	if !ok {
		return "", ErrNotOpened
	}
	want := full
	if len(pub) == 33 {
		want = compressedPub(secret)
	}
	if !bytes.Equal(want, pub) {
		return "", ErrNotOpened
	}
	return "master key; checked on the key for " + hex.EncodeToString(pub), nil
}

// compressedPub is the 33-byte public key of a private key, nil if invalid.
func compressedPub(priv []byte) []byte {
	full, ok := coins.PublicKey(priv)
	if !ok {
		return nil
	}
	return append([]byte{2 + full[64]&1}, full[1:33]...)
}

// cbcDecrypt is AES-256-CBC with PKCS#7 padding checked.
func cbcDecrypt(key, iv, ct []byte) ([]byte, error) {
	blk, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	if len(ct) == 0 || len(ct)%aes.BlockSize != 0 {
		return nil, errors.New("ciphertext not a whole number of blocks")
	}
	pt := make([]byte, len(ct))
	cipher.NewCBCDecrypter(blk, iv).CryptBlocks(pt, ct)
	pad := int(pt[len(pt)-1])
	if pad == 0 || pad > aes.BlockSize {
		return nil, errors.New("bad padding")
	}
	for _, c := range pt[len(pt)-pad:] {
		if int(c) != pad {
			return nil, errors.New("bad padding")
		}
	}
	return pt[:len(pt)-pad], nil
}
