#!/usr/bin/env bash
# GnuPG fixtures for artefacts/pgp: real gpg homes made under a fixed fake
# clock, copied into testdata/artefacts/pgp/<home>/ with gpg's own colon
# listings (the peer reference) and a manifest.json written by the same run.
# Keys are random: a rerun changes every fingerprint, so tests read the
# listings/manifest and never hard-code key material.
#   testdata/gen/pgp.sh            (needs gpg, faketime, python3)
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
out=$repo/testdata/artefacts/pgp
work=$(mktemp -d)
homes=()
cleanup() {
	for h in "${homes[@]}"; do gpgconf --homedir "$h" --kill gpg-agent 2>/dev/null || true; done
	rm -rf "$work"
}
trap cleanup EXIT
export PGP_CLOCK='@2026-03-01 10:00:00' TZ=UTC
g() { faketime -f "$PGP_CLOCK" gpg --homedir "$H" --batch --no-tty --pinentry-mode loopback "$@"; }

# alice: GnuPG 2.2 home (keybox). ed25519/cv25519 protected, rsa2048
# unprotected, rsa4096 protected with expiry, and bob's imported public key.
H=$work/alice; mkdir -m 700 "$H"; homes+=("$H")
g --passphrase 'correct horse' --quick-gen-key 'Alice Example (work) <alice@example.org>' ed25519 sign,cert 10y
A1=$(g --with-colons --list-keys alice@example.org | awk -F: '$1=="fpr"{print $10; exit}')
g --passphrase 'correct horse' --quick-add-key "$A1" cv25519 encr 10y
g --passphrase 'correct horse' --quick-add-uid "$A1" 'Alice Private <alice.p@example.net>'
g --passphrase '' --quick-gen-key 'Alice Unprotected <alice.u@example.org>' rsa2048 default 2y
g --passphrase 'tr0ub4dor' --quick-gen-key 'Alice Archive <archive@example.org>' rsa4096 sign,cert 5y

# bob: a separate home whose public key alice imports and certifies.
B=$work/bob; mkdir -m 700 "$B"; homes+=("$B")
H=$B g --passphrase '' --quick-gen-key 'Bob Builder <bob@example.com>' ed25519 sign,cert 3y
BF=$(H=$B g --with-colons --list-keys bob@example.com | awk -F: '$1=="fpr"{print $10; exit}')
H=$B g --passphrase '' --quick-add-key "$BF" cv25519 encr 3y
H=$B g --armor --export bob@example.com >"$work/bob.asc"
g --import "$work/bob.asc"
BF=$(g --with-colons --list-keys bob@example.com | awk -F: '$1=="fpr"{print $10; exit}')
g --passphrase 'correct horse' -u "$A1" --quick-sign-key "$BF"

# legacy gnupg1-style rings (old packet headers, trust packets): pubring.gpg
# through the gnupg-ring keyring format, secring.gpg from an export.
L=$work/legacy; mkdir -m 700 "$L"; homes+=("$L")
g --export | faketime -f "$PGP_CLOCK" gpg --homedir "$L" --batch --no-default-keyring --keyring "gnupg-ring:$L/pubring.gpg" --import
g --passphrase '' --export-secret-keys 'alice.u@example.org' >"$L/secring.gpg"

# armoured exports and a signed message for documents and the chat log.
mkdir -p "$work/docs"
g --armor --export "$A1" >"$work/docs/alice-public.asc"
# subkeys only: the primary becomes a GNU dummy stub (S2K 101, mode 1).
g --passphrase 'correct horse' --export-secret-subkeys "$A1" >"$work/docs/alice-subkeys-only.gpg"
g --passphrase '' --armor --export-secret-keys alice.u@example.org >"$work/docs/alice-unprotected-secret.asc"
printf 'meet at 10, bring the drive\n' | g --passphrase 'correct horse' -u "$A1" --clearsign >"$work/docs/note.txt.asc"
printf 'the package is ready\n' | g --armor --trust-model always -r "$BF" --encrypt >"$work/docs/msg.asc"
{
	printf '[2026-03-01 10:05] alice: here is my key\n'
	cat "$work/docs/alice-public.asc"
	printf '[2026-03-01 10:06] bob: thanks, mine below\n'
	cat "$work/bob.asc"
	printf '[2026-03-01 10:07] alice: and a secret message\n'
	cat "$work/docs/msg.asc"
} >"$work/docs/chat.log"

rm -rf "$out"; mkdir -p "$out/alice" "$out/legacy" "$out/docs"
cp -r "$H/pubring.kbx" "$H/private-keys-v1.d" "$H/openpgp-revocs.d" "$H/trustdb.gpg" "$out/alice/"
cp "$L/pubring.gpg" "$L/secring.gpg" "$out/legacy/"
cp "$work/docs/"* "$out/docs/"
g --with-colons --with-keygrip --fingerprint --list-keys >"$out/alice.list-keys.colons"
g --with-colons --with-keygrip --fingerprint --list-secret-keys >"$out/alice.list-secret-keys.colons"
g --export-ownertrust >"$out/alice.ownertrust"
faketime -f "$PGP_CLOCK" gpg --homedir "$L" --batch --no-default-keyring --keyring "$L/pubring.gpg" \
	--with-colons --fingerprint --list-keys >"$out/legacy.list-keys.colons"
faketime -f "$PGP_CLOCK" gpg --homedir "$L" --batch --list-packets "$L/secring.gpg" >"$out/legacy.secring.list-packets" 2>/dev/null || true
gpg --version | head -2 >"$out/gpg-version.txt"

# manifest.json: expected values per key, from gpg's listing of the same run.
python3 - "$out" <<'PY'
import json, sys, os
out = sys.argv[1]
def parse(path):
    keys, cur, last = [], None, None
    for line in open(path):
        f = line.rstrip('\n').split(':')
        t = f[0]
        if t in ('pub', 'sec'):
            cur = {'keyid': f[4], 'algo': int(f[3]), 'bits': int(f[2]), 'created': int(f[5]),
                   'expires': int(f[6]) if f[6] else 0, 'curve': f[16] if len(f) > 16 else '',
                   'uids': [], 'subkeys': [], 'secret': f[14] if len(f) > 14 else ''}
            keys.append(cur); last = cur
        elif t in ('sub', 'ssb'):
            last = {'keyid': f[4], 'algo': int(f[3]), 'bits': int(f[2]), 'created': int(f[5]),
                    'expires': int(f[6]) if f[6] else 0, 'curve': f[16] if len(f) > 16 else '',
                    'usage': f[11], 'secret': f[14] if len(f) > 14 else ''}
            cur['subkeys'].append(last)
        elif t == 'fpr' and last is not None and 'fpr' not in last:
            last['fpr'] = f[9]
        elif t == 'grp' and last is not None and 'keygrip' not in last:
            last['keygrip'] = f[9]
        elif t == 'uid':
            cur['uids'].append(f[9])
    return keys
m = {'clock': os.environ['PGP_CLOCK'],
     'alice_public': parse(os.path.join(out, 'alice.list-keys.colons')),
     'alice_secret': parse(os.path.join(out, 'alice.list-secret-keys.colons')),
     'legacy_public': parse(os.path.join(out, 'legacy.list-keys.colons'))}
json.dump(m, open(os.path.join(out, 'manifest.json'), 'w'), indent=1, sort_keys=True)
PY
echo "pgp fixtures written to $out"
