#!/usr/bin/env bash
# Adds GnuPG's SQLite stores to the pgp fixtures, from the committed alice
# home (testdata/gen/pgp.sh), so the key material stays that of the manifest:
# - tofu/tofu.db: written by gpg itself (--trust-model tofu) while verifying
#   alice's clear-signed note and encrypting to bob under a fake clock, with
#   gpg's own --with-tofu-info colon listing as the peer reference;
# - keyboxd/public-keys.d/pubring.db: GnuPG 2.4's keyboxd database. gpg 2.4
#   is not installed here (Debian 12 has 2.2.40), so the sqlite3 CLI writes
#   it in keyboxd's schema (columns as in GnuPG's kbx/backend-sqlite.c)
#   from keyblocks gpg 2.2 exports, with fingerprints, key IDs and keygrips
#   taken from gpg's --with-colons --with-keygrip listing; the agent key
#   files are copied beside it, as in a 2.4 home.
#   testdata/gen/pgp-tofu-keyboxd.sh      (needs gpg, faketime, sqlite3, python3)
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
src=$repo/testdata/artefacts/pgp
work=$(mktemp -d)
trap 'gpgconf --homedir "$work/h" --kill gpg-agent 2>/dev/null || true; rm -rf "$work"' EXIT
export TZ=UTC
mkdir -m 700 "$work/h"
cp -r "$src/alice/." "$work/h/"
g() { faketime -f "$1" gpg --homedir "$work/h" --batch --no-tty --trust-model tofu --tofu-default-policy auto "${@:2}"; }
g '@2026-03-05 12:00:00' --verify "$src/docs/note.txt.asc" 2>/dev/null
echo "the package is ready" | g '@2026-03-06 09:00:00' -r bob@example.com --armor --encrypt >/dev/null 2>&1
rm -rf "$src/tofu" "$src/keyboxd"
mkdir -p "$src/tofu" "$src/keyboxd/public-keys.d"
cp "$work/h/tofu.db" "$src/tofu/tofu.db"
g '@2026-03-06 10:00:00' --with-tofu-info --with-colons --list-keys >"$src/tofu/list-keys-tofu.colons" 2>/dev/null

# keyboxd: one pubkey row per key block, its fingerprint and userid rows.
gpg --homedir "$work/h" --batch --with-colons --with-keygrip --list-keys >"$work/keys.colons" 2>/dev/null
python3 - "$work" "$src/keyboxd/public-keys.d/pubring.db" <<'PY'
import subprocess, sys, os, re
work, db = sys.argv[1], sys.argv[2]
keys, cur = [], None
for line in open(os.path.join(work, "keys.colons")):
    f = line.rstrip("\n").split(":")
    if f[0] == "pub":
        cur = {"subs": [], "uids": [], "want": "pfpr", "revoked": f[1] == "r"}; keys.append(cur)
    elif f[0] == "sub":
        cur["subs"].append({}); cur["want"] = "sfpr"
    elif f[0] == "fpr" and cur:
        (cur if cur["want"] == "pfpr" else cur["subs"][-1])["fpr"] = f[9]
    elif f[0] == "grp" and cur:
        (cur if not cur["subs"] else cur["subs"][-1])["grp"] = f[9]
    elif f[0] == "uid" and cur:
        cur["uids"].append(f[9])
def unesc(s):  # gpg's colon listing escapes ':' and non-printables as \xNN
    return re.sub(r"\\x([0-9a-fA-F]{2})", lambda m: chr(int(m.group(1), 16)), s)
sql = ["PRAGMA journal_mode=DELETE;",
 "CREATE TABLE config (name TEXT NOT NULL, value TEXT NOT NULL, UNIQUE (name));",
 "CREATE TABLE pubkey (ubid BLOB NOT NULL PRIMARY KEY, type INTEGER NOT NULL, ephemeral INTEGER NOT NULL DEFAULT 0, revoked INTEGER NOT NULL DEFAULT 0, keyblob BLOB NOT NULL, udata BLOB);",
 "CREATE TABLE fingerprint (fpr BLOB NOT NULL PRIMARY KEY, kid INTEGER NOT NULL, keygrip BLOB NOT NULL, subkey INTEGER NOT NULL, ubid BLOB NOT NULL REFERENCES pubkey ON DELETE CASCADE);",
 "CREATE TABLE userid (uid TEXT NOT NULL, addrspec TEXT, type INTEGER NOT NULL, uidno INTEGER NOT NULL, ubid BLOB NOT NULL REFERENCES pubkey ON DELETE CASCADE);",
 "CREATE TABLE issuer (sn TEXT NOT NULL, dn TEXT NOT NULL, ubid BLOB NOT NULL REFERENCES pubkey ON DELETE CASCADE);",
 "INSERT INTO config VALUES ('dbversion','1.0.0'), ('created','20260301T100000');"]
for k in keys:
    blob = subprocess.run(["gpg", "--homedir", os.path.join(work, "h"), "--batch", "--export", "--export-options", "export-local-sigs", k["fpr"]],
                          check=True, capture_output=True).stdout
    ubid = k["fpr"][:40]
    sql.append("INSERT INTO pubkey (ubid,type,revoked,keyblob) VALUES (x'%s',1,%d,x'%s');" % (ubid, int(k["revoked"]), blob.hex()))
    for i, s in enumerate([k] + k["subs"]):
        kid = int(s["fpr"][-16:], 16)
        if kid >= 1 << 63: kid -= 1 << 64   # keyboxd stores the 64-bit key ID as a signed SQLite integer
        sql.append("INSERT INTO fingerprint VALUES (x'%s',%d,x'%s',%d,x'%s');" % (s["fpr"], kid, s["grp"], i, ubid))
    for n, u in enumerate(k["uids"], 1):
        u = unesc(u); m = re.search(r"<([^<>]+)>\s*$", u)
        sql.append("INSERT INTO userid VALUES ('%s',%s,1,%d,x'%s');" % (u.replace("'", "''"), "'%s'" % m.group(1).lower() if m else "NULL", n, ubid))
subprocess.run(["sqlite3", db], input="\n".join(sql), text=True, check=True)
PY
mkdir -p "$src/keyboxd/private-keys-v1.d"
cp "$src/alice/private-keys-v1.d/"*.key "$src/keyboxd/private-keys-v1.d/"
printf 'use-keyboxd\n' >"$src/keyboxd/common.conf"
cp "$work/keys.colons" "$src/keyboxd/list-keys.colons"
echo "pgp-tofu-keyboxd.sh: wrote $src/tofu and $src/keyboxd" >&2

# Thunderbird's built-in OpenPGP: openpgp.sqlite in the schema Thunderbird
# creates (sqliteDb.jsm: acceptance_email, acceptance_decision), written by
# the sqlite3 CLI (no Thunderbird here); bob's key accepted as verified for
# his address, one of alice's as unverified, and the key rings beside it.
tb=$src/thunderbird
rm -rf "$tb"; mkdir -p "$tb"
bob=$(awk -F: '$1=="pub"{p=1;next} p&&$1=="fpr"{print $10; p=0}' "$work/keys.colons" | tail -1)
alice=$(awk -F: '$1=="pub"{p=1;next} p&&$1=="fpr"{print $10; p=0}' "$work/keys.colons" | head -1)
sqlite3 "$tb/openpgp.sqlite" <<SQL
create table acceptance_email (fpr text not null, email text not null, unique(fpr, email));
create table acceptance_decision (fpr text not null, decision text not null, unique(fpr));
create unique index acceptance_email_i1 on acceptance_email(fpr, email);
create unique index acceptance_decision_i1 on acceptance_decision(fpr);
insert into acceptance_decision values ('$(echo "$bob" | tr A-F a-f)', 'verified');
insert into acceptance_email values ('$(echo "$bob" | tr A-F a-f)', 'bob@example.com');
insert into acceptance_decision values ('$(echo "$alice" | tr A-F a-f)', 'unverified');
insert into acceptance_email values ('$(echo "$alice" | tr A-F a-f)', 'alice@example.org');
insert into acceptance_email values ('$(echo "$alice" | tr A-F a-f)', 'alice.p@example.net');
SQL
printf '{"verified":{"%s":["bob@example.com"]},"unverified":{"%s":["alice.p@example.net","alice@example.org"]}}\n' "$bob" "$alice" >"$tb/manifest.json"
