#!/usr/bin/env bash
# Generates the Bitcoin Core wallet fixtures under
# testdata/artefacts/wallets/bitcoin-core/ and their manifest.json.
#
# No bitcoind is installed here, so wallets-bitcoincore.py serialises the
# records in Bitcoin Core's own key/value layout (walletdb.cpp) from the
# BIP32 test-vector keys, and the REAL Berkeley DB loader (db5.3_load, the
# libdb Core linked against for BDB wallets was 4.8, whose B-tree page
# format, version 9, 5.3 still writes) builds the legacy wallet.dat files in
# a sub-database "main", as Core does; the real sqlite3 builds the descriptor
# wallet. The manifest holds what the generator derived (addresses, xpubs,
# encryption) plus what db5.3_dump and sqlite3 report about the files.
#
# Needs: db5.3_load, db5.3_dump (db-util / db5.3-util), sqlite3,
# /usr/bin/python3 with python3-electrum.
# Usage: testdata/gen/wallets-bitcoincore.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
out=$repo/testdata/artefacts/wallets/bitcoin-core
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for t in db5.3_load db5.3_dump sqlite3; do
	command -v "$t" >/dev/null || { echo "wallets-bitcoincore.sh: $t not installed" >&2; exit 2; }
done
/usr/bin/python3 -c 'import electrum' 2>/dev/null || { echo "wallets-bitcoincore.sh: python3-electrum not installed" >&2; exit 2; }

/usr/bin/python3 "$here/wallets-bitcoincore.py" "$work"
rm -rf "$out"
mkdir -p "$out/legacy" "$out/encrypted" "$out/descriptor"
umask 022
for w in legacy encrypted; do
	db5.3_load -f "$work/$w.dump" "$out/$w/wallet.dat"
	db5.3_dump -l "$out/$w/wallet.dat" >"$work/$w.dbs"
	# Records as the real dumper reads them back: one key line and one value line each.
	db5.3_dump -s main "$out/$w/wallet.dat" | sed -n '/^HEADER=END$/,/^DATA=END$/p' | grep -c '^ ' >"$work/$w.lines"
	db5.3_dump -s main "$out/$w/wallet.dat" | sed -n '/^HEADER=END$/,/^DATA=END$/p' | grep '^ ' | paste - - | sha256sum | cut -c1-64 >"$work/$w.pairs"
done
rm -f "$out/descriptor/wallet.dat"
sqlite3 "$out/descriptor/wallet.dat" <"$work/descriptor.sql"
sqlite3 "$out/descriptor/wallet.dat" 'SELECT count(*) FROM main' >"$work/descriptor.rows"
sqlite3 "$out/descriptor/wallet.dat" 'PRAGMA application_id' >"$work/descriptor.appid"

python3 - "$work" "$out" <<'PY'
import hashlib, json, os, subprocess, sys
work, out = sys.argv[1], sys.argv[2]
exp = json.load(open(os.path.join(work, "expected.json")))
ver = subprocess.run(["db5.3_load", "-V"], capture_output=True, text=True).stdout.strip()
sq = subprocess.run(["sqlite3", "--version"], capture_output=True, text=True).stdout.split()[0]
for name in ("legacy", "encrypted"):
    e = exp[name]
    e["format"] = "bdb"
    e["made_by"] = ver + " from records in Bitcoin Core's serialisation (no bitcoind here)"
    e["db_dump_databases"] = open(os.path.join(work, name + ".dbs")).read().split()
    lines = int(open(os.path.join(work, name + ".lines")).read())
    e["db_dump_records"] = lines // 2
    e["db_dump_pairs_sha256"] = open(os.path.join(work, name + ".pairs")).read().strip()
    if e["db_dump_records"] != e["records"]:
        sys.exit(f"{name}: db5.3_dump reads {lines//2} records, {e['records']} were loaded")
e = exp["descriptor"]
e["format"] = "sqlite"
e["made_by"] = "sqlite3 " + sq + " from records in Bitcoin Core's serialisation (no bitcoind here)"
e["sqlite_rows"] = int(open(os.path.join(work, "descriptor.rows")).read())
e["application_id"] = int(open(os.path.join(work, "descriptor.appid")).read())
if e["sqlite_rows"] != e["records"]:
    sys.exit("descriptor: sqlite3 row count differs")
for name in exp:
    p = os.path.join(out, "..", exp[name]["file"])
    exp[name]["sha256"] = hashlib.sha256(open(p, "rb").read()).hexdigest()
    exp[name]["size"] = os.path.getsize(p)
json.dump(exp, open(os.path.join(out, "manifest.json"), "w"), indent=1, sort_keys=True)
open(os.path.join(out, "manifest.json"), "a").write("\n")
PY
echo "wallets-bitcoincore.sh: wrote $out" >&2
