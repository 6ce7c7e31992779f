#!/usr/bin/env bash
# Generates the loose wallet fixtures under testdata/artefacts/wallets/ with the
# real programs, and writes manifest.json with what those programs themselves
# report in the same run (addresses, master public keys, encryption state).
# Electrum's seeds and encryption salts are random, so every regeneration
# rewrites the wallets and the manifest together; tests read the manifest.
#
# Needs: electrum (Debian package, 4.3.x, whose library /usr/bin/python3
# imports for the old-format seed and the multisig wallet), python3.
# Usage: testdata/gen/wallets.sh [SHARED_DIR]   (default ../shared next to the repo)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
shared=${1:-$repo/../shared}
out=$repo/testdata/artefacts/wallets
work=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT; echo "work: $work" >&2

command -v electrum >/dev/null || { echo "wallets.sh: electrum not installed" >&2; exit 2; }

rm -rf "$out/electrum" "$out/ethereum" "$out/text"
umask 022
mkdir -p "$out/electrum" "$out/ethereum" "$out/text" "$work/rep"

E() { electrum -D "$work/edir" --offline "$@"; }
pass='correct horse battery staple'
# Offline commands read a wallet's password only from the config or a tty
# prompt, so encrypted wallets are listed through a second data dir whose
# config holds the password (a temporary folder, removed on exit).
EP() { electrum -D "$work/edir-pw" --offline "$@"; }
EP setconfig password "$pass" >/dev/null

seed_std=$(E make_seed --seed_type standard)
seed_sw=$(E make_seed --seed_type segwit)
seed_enc=$(E make_seed --seed_type segwit)
seed_fenc=$(E make_seed --seed_type standard)

# name|seed-or-key|password|encrypt_file
make_wallet() {
	local name=$1 text=$2 pw=$3 ef=$4
	local f=$out/electrum/$name
	local args=()
	if [ -n "$pw" ]; then args=(-W "$pw" --encrypt_file "$ef"); fi
	E restore -w "$f" "${args[@]}" "$text" >/dev/null
	local L=E
	if [ -n "$pw" ]; then L=EP; fi
	# What electrum itself reports about the file it wrote.
	if [ -n "${5:-}" ]; then
		# A label typed by the user on the first receiving address.
		local first
		first=$($L listaddresses --receiving -w "$f" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0])')
		$L setlabel -w "$f" "$first" "$5" >/dev/null
	fi
	$L listaddresses -w "$f" >"$work/rep/$name.addresses.json"
	$L listaddresses --labels -w "$f" >"$work/rep/$name.labels.json"
	$L listaddresses --receiving -w "$f" >"$work/rep/$name.receiving.json"
	$L listaddresses --change -w "$f" >"$work/rep/$name.change.json"
	$L getmpk -w "$f" >"$work/rep/$name.mpk.json" 2>/dev/null || echo null >"$work/rep/$name.mpk.json"
	$L get seed_version -w "$f" >"$work/rep/$name.seed_version.json" 2>/dev/null || echo null >"$work/rep/$name.seed_version.json"
	$L get wallet_type -w "$f" >"$work/rep/$name.wallet_type.json" 2>/dev/null || echo null >"$work/rep/$name.wallet_type.json"
	$L get use_encryption -w "$f" >"$work/rep/$name.use_encryption.json" 2>/dev/null || echo null >"$work/rep/$name.use_encryption.json"
	printf '%s\n' "$text" >"$work/rep/$name.input"
	printf '%s\n' "$pw" >"$work/rep/$name.password"
	printf '%s\n' "$ef" >"$work/rep/$name.encrypt_file"
}

make_wallet standard_wallet "$seed_std" "" "" "payment from dave 0.2 BTC"
# A transaction in the standard wallet's history: electrum signs (serialize)
# a payment from its first receiving key, spending a made-up funding output,
# to its sixth receiving address and an outside address, and adds it offline
# (addtransaction); the user labels it.
funding=$(python3 -c 'import hashlib; print(hashlib.sha256(b"loupe fixture funding").hexdigest())')
stdw=$out/electrum/standard_wallet
r0=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0])' "$work/rep/standard_wallet.receiving.json")
r5=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[5])' "$work/rep/standard_wallet.receiving.json")
key=$(E getprivatekeys -w "$stdw" "$r0" 2>/dev/null)
tx=$(E serialize "{\"inputs\":[{\"prevout_hash\":\"$funding\",\"prevout_n\":1,\"value_sats\":500000,\"privkey\":\"$key\"}],\"outputs\":[{\"address\":\"$r5\",\"value_sats\":150000},{\"address\":\"1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa\",\"value_sats\":340000}]}")
txid=$(E addtransaction -w "$stdw" "$tx")
E setlabel -w "$stdw" "$txid" "deposit from escrow" >/dev/null

make_wallet segwit_wallet "$seed_sw" "" ""
make_wallet keystore_encrypted "$seed_enc" "$pass" false "market escrow"
make_wallet file_encrypted "$seed_fenc" "$pass" true
# Watch-only: restore from the segwit wallet's master public key (a zpub).
zpub=$(cat "$work/rep/segwit_wallet.mpk.json")
make_wallet watch_only "$zpub" "" ""
# Imported addresses: three receiving addresses of the standard wallet.
imported=$(python3 -c 'import json,sys; print(" ".join(json.load(open(sys.argv[1]))[:3]))' "$work/rep/standard_wallet.receiving.json")
make_wallet imported_addresses "$imported" "" ""

# Imported private keys (keystore type "imported", keypairs encrypted with
# the password): two keys electrum exports from the standard wallet.
wifs=""
for a in $(python3 -c 'import json,sys; print(" ".join(json.load(open(sys.argv[1]))[1:3]))' "$work/rep/standard_wallet.receiving.json"); do
	wifs="$wifs $(E getprivatekeys -w "$out/electrum/standard_wallet" "$a" 2>/dev/null)"
done
make_wallet imported_keys "${wifs# }" "$pass" false
# A pre-2.0 style seed (Electrum's old 1626-word list, made by Electrum's
# own old_mnemonic module): restoring it gives an "old" keystore with a hex
# master public key.
seed_old=$(/usr/bin/python3 -c 'import os; from electrum.old_mnemonic import mn_encode; print(" ".join(mn_encode(os.urandom(16).hex())))')
make_wallet old_seed "$seed_old" "" ""
# Multisig 2-of-2 (p2sh) from the standard and file-encrypted wallets' xpubs.
mpk1=$(cat "$work/rep/standard_wallet.mpk.json")
mpk2=$(cat "$work/rep/file_encrypted.mpk.json")
/usr/bin/python3 "$here/wallets-multisig.py" "$work/edir" "$out/electrum/multisig_2of2" 2 "$mpk1" "$mpk2"
ms=$out/electrum/multisig_2of2
E listaddresses -w "$ms" >"$work/rep/multisig_2of2.addresses.json"
E listaddresses --labels -w "$ms" >"$work/rep/multisig_2of2.labels.json"
E listaddresses --receiving -w "$ms" >"$work/rep/multisig_2of2.receiving.json"
E listaddresses --change -w "$ms" >"$work/rep/multisig_2of2.change.json"
E getmpk -w "$ms" >"$work/rep/multisig_2of2.mpk.json"
E get seed_version -w "$ms" >"$work/rep/multisig_2of2.seed_version.json"
E get wallet_type -w "$ms" >"$work/rep/multisig_2of2.wallet_type.json"
E get use_encryption -w "$ms" >"$work/rep/multisig_2of2.use_encryption.json" 2>/dev/null || echo false >"$work/rep/multisig_2of2.use_encryption.json"
printf '%s\n' "$mpk1 $mpk2" >"$work/rep/multisig_2of2.input"
printf '\n' >"$work/rep/multisig_2of2.password"
printf '\n' >"$work/rep/multisig_2of2.encrypt_file"

# A testnet segwit wallet (tb1… addresses, vpub).
ET() { electrum -D "$work/edir" --testnet --offline "$@"; }
seed_tn=$(ET make_seed --seed_type segwit)
tn=$out/electrum/testnet_wallet
ET restore -w "$tn" "$seed_tn" >/dev/null
ET listaddresses -w "$tn" >"$work/rep/testnet_wallet.addresses.json"
ET listaddresses --labels -w "$tn" >"$work/rep/testnet_wallet.labels.json"
ET listaddresses --receiving -w "$tn" >"$work/rep/testnet_wallet.receiving.json"
ET listaddresses --change -w "$tn" >"$work/rep/testnet_wallet.change.json"
ET getmpk -w "$tn" >"$work/rep/testnet_wallet.mpk.json"
ET get seed_version -w "$tn" >"$work/rep/testnet_wallet.seed_version.json"
ET get wallet_type -w "$tn" >"$work/rep/testnet_wallet.wallet_type.json"
ET get use_encryption -w "$tn" >"$work/rep/testnet_wallet.use_encryption.json"
ET onchain_history -w "$tn" >"$work/rep/testnet_wallet.history.json"
printf '%s\n' "$seed_tn" >"$work/rep/testnet_wallet.input"
printf '\n' >"$work/rep/testnet_wallet.password"
printf '\n' >"$work/rep/testnet_wallet.encrypt_file"

# Transaction history as electrum reports it, for every wallet.
for f in "$out"/electrum/*; do
	name=$(basename "$f")
	[ "$name" = testnet_wallet ] && continue
	if [ "$name" = file_encrypted ]; then L=EP; else L=E; fi
	$L onchain_history -w "$f" >"$work/rep/$name.history.json"
done

# Ethereum keystore: go-ethereum's public light-scrypt vector (password "")
# under the file name geth gives it (UTC--<time>--<address>).
install -m 0644 "$shared/vectors/keystore/very-light-scrypt.json" \
	"$out/ethereum/UTC--2017-03-08T10-55-25.436540812Z--45dea0fb0bba44f4fcf290bba71fd57d7117cbb8"

# A note holding a BIP39 phrase (vector 14 of the public BIP39 vectors) and
# the Electrum segwit seed, as a suspect would type them.
bip39=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["english"][14][1])' "$shared/vectors/bip39/vectors.json")
cat >"$out/text/seed-backup.txt" <<NOTE
wallet backup - do not lose

ledger recovery phrase:
$bip39

electrum:
$seed_sw
NOTE
printf '%s\n' "$bip39" >"$work/rep/bip39"

python3 - "$work/rep" "$out" "$(electrum version --offline 2>/dev/null | tail -1)" <<'PY'
import ast, json, os, sys, hashlib
rep, out, version = sys.argv[1], sys.argv[2], sys.argv[3]
def load(p):
    # electrum prints lists and numbers as JSON but strings bare.
    with open(p) as f:
        raw = f.read().strip()
    try:
        return json.loads(raw)
    except ValueError:
        return raw
def text(p):
    with open(p) as f:
        return f.read().rstrip("\n")
wallets = []
for name in ["standard_wallet", "segwit_wallet", "keystore_encrypted", "file_encrypted", "watch_only", "imported_addresses",
             "imported_keys", "old_seed", "multisig_2of2", "testnet_wallet"]:
    path = os.path.join(out, "electrum", name)
    with open(path, "rb") as f:
        data = f.read()
    pw = text(os.path.join(rep, name + ".password"))
    ef = text(os.path.join(rep, name + ".encrypt_file"))
    wallets.append({
        "file": "electrum/" + name,
        "sha256": hashlib.sha256(data).hexdigest(),
        "restored_from": text(os.path.join(rep, name + ".input")),
        "password": pw,
        "file_encrypted": bool(pw) and ef == "true",
        "keystore_encrypted": bool(pw),
        "electrum_reports": {
            "addresses": load(os.path.join(rep, name + ".addresses.json")),
            # listaddresses --labels prints [address, repr(label)] pairs.
            "labels": {a: ast.literal_eval(l) for a, l in load(os.path.join(rep, name + ".labels.json")) if ast.literal_eval(l)},
            "receiving": load(os.path.join(rep, name + ".receiving.json")),
            "change": load(os.path.join(rep, name + ".change.json")),
            "mpk": load(os.path.join(rep, name + ".mpk.json")),
            "seed_version": load(os.path.join(rep, name + ".seed_version.json")),
            "wallet_type": load(os.path.join(rep, name + ".wallet_type.json")),
            "use_encryption": load(os.path.join(rep, name + ".use_encryption.json")),
            "history": [{"txid": t["txid"], "label": t["label"], "incoming": t["incoming"], "height": t["height"]}
                        for t in load(os.path.join(rep, name + ".history.json"))["transactions"]],
        },
    })
manifest = {
    "generator": "testdata/gen/wallets.sh",
    "electrum_version": version,
    "electrum": wallets,
    "ethereum": [{
        "file": "ethereum/" + f,
        "address": "45dea0fb0bba44f4fcf290bba71fd57d7117cbb8",
        "kdf": "scrypt", "cipher": "aes-128-ctr", "password": "",
    } for f in sorted(os.listdir(os.path.join(out, "ethereum")))],
    "text": [{"file": "text/seed-backup.txt", "bip39": text(os.path.join(rep, "bip39")),
              "electrum_seed": wallets[1]["restored_from"], "electrum_seed_type": "segwit"}],
}
with open(os.path.join(out, "manifest.json"), "w") as f:
    json.dump(manifest, f, indent=1, sort_keys=True)
    f.write("\n")
PY
chmod 0644 "$out"/electrum/*
echo "wallets.sh: wrote $out"
