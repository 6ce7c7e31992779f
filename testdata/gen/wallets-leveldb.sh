#!/usr/bin/env bash
# Generates the LevelDB wallet fixtures (MetaMask extension storage, Atomic
# Wallet localStorage) under testdata/artefacts/wallets/{metamask,atomic}/
# with testdata/gen/mkwalletldb (goleveldb), and a manifest.json beside each
# holding what the generator wrote (accounts, transactions, the vault's
# password and KDF). Output is byte-for-byte reproducible.
# Usage: testdata/gen/wallets-leveldb.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
out=$repo/testdata/artefacts/wallets
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$repo"
go build -o "$work/mkwalletldb" ./testdata/gen/mkwalletldb
umask 022
mm="$out/metamask/Default/Local Extension Settings/nkbihfbeogaeaoehlefnkodbefgpgknn"
at="$out/atomic/Local Storage/leveldb"
rm -rf "$out/metamask" "$out/atomic"
mkdir -p "$(dirname "$mm")" "$(dirname "$at")"
"$work/mkwalletldb" -kind metamask -o "$mm" >"$work/metamask.json"
"$work/mkwalletldb" -kind atomic -o "$at" >"$work/atomic.json"
for k in metamask atomic; do
	python3 - "$work/$k.json" "$out/$k" <<'PY'
import hashlib, json, os, sys
exp = json.load(open(sys.argv[1]))
root = sys.argv[2]
files = {}
for d, _, names in os.walk(root):
    for n in sorted(names):
        p = os.path.join(d, n)
        files[os.path.relpath(p, root)] = hashlib.sha256(open(p, "rb").read()).hexdigest()
exp["files"] = dict(sorted(files.items()))
exp["made_by"] = "testdata/gen/mkwalletldb (github.com/syndtr/goleveldb v1.0.0)"
with open(os.path.join(root, "manifest.json"), "w") as f:
    json.dump(exp, f, indent=1, sort_keys=True)
    f.write("\n")
PY
done
echo "wallets-leveldb.sh: wrote $out/metamask $out/atomic" >&2
