#!/usr/bin/env bash
# Makes a real tor consensus without touching the Internet: a one-authority
# test network on 127.0.0.1 (TestingTorNetwork, keys from tor-gencert) votes
# a consensus, and a client tor downloads it. Copies what the client's data
# folder then holds (cached-microdesc-consensus, cached-certs, state) into
# testdata/artefacts/tor/tor-net/ and the authority's cached-consensus (the
# "ns" flavour) beside it, with manifest.json holding the values tor wrote.
# The times are those of the run: regenerating changes them and the manifest.
#   testdata/gen/tor-consensus.sh
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
out="$here/artefacts/tor/tor-net"
for t in tor tor-gencert python3; do command -v $t >/dev/null || { echo "tor-consensus.sh: $t not found" >&2; exit 2; }; done
work=$(mktemp -d)
trap 'for p in "$work"/*.pid; do [ -f "$p" ] && kill "$(cat "$p")" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$work"' EXIT
# Ports well away from common services; all listeners are on 127.0.0.1.
or=$((20000 + RANDOM % 5000)); dir=$((or + 1)); socks=$((or + 2))
mkdir -m 700 "$work/auth" "$work/client"; mkdir -m 700 "$work/auth/keys"
(cd "$work/auth/keys" && echo "" | tor-gencert --create-identity-key -m 12 -a "127.0.0.1:$dir" --passphrase-fd 0 >/dev/null 2>&1)
v3=$(awk '/^fingerprint /{print $2}' "$work/auth/keys/authority_certificate")
placeholder="x orport=1 no-v2 v3ident=0000000000000000000000000000000000000000 127.0.0.1:1 0000000000000000000000000000000000000000"
tor --list-fingerprint --DataDirectory "$work/auth" --ORPort "$or" --Nickname loupeauth --TestingTorNetwork 1 --DirAuthority "$placeholder" >/dev/null 2>&1
relay=$(awk '{print $2}' "$work/auth/fingerprint")
cat > "$work/common.rc" <<RC
TestingTorNetwork 1
DirAuthority loupeauth orport=$or no-v2 v3ident=$v3 127.0.0.1:$dir $relay
TestingV3AuthInitialVotingInterval 5
TestingV3AuthInitialVoteDelay 2
TestingV3AuthInitialDistDelay 2
V3AuthVotingInterval 10
V3AuthVoteDelay 2
V3AuthDistDelay 2
TestingDirAuthVoteExit *
TestingDirAuthVoteGuard *
TestingDirAuthVoteHSDir *
AssumeReachable 1
RC
{ cat "$work/common.rc"; cat <<RC
DataDirectory $work/auth
Nickname loupeauth
Address 127.0.0.1
ORPort 127.0.0.1:$or
DirPort 127.0.0.1:$dir
SocksPort 0
AuthoritativeDirectory 1
V3AuthoritativeDirectory 1
ContactInfo loupe-fixture@example.invalid
ExitPolicy reject *:*
Log notice file $work/auth.log
RC
} > "$work/auth.rc"
{ cat "$work/common.rc"; cat <<RC
DataDirectory $work/client
SocksPort 127.0.0.1:$socks
Log notice file $work/client.log
RC
} > "$work/client.rc"
tor -f "$work/auth.rc" >/dev/null & echo $! > "$work/auth.pid"
sleep 2
tor -f "$work/client.rc" >/dev/null & echo $! > "$work/client.pid"
for _ in $(seq 120); do [ -s "$work/client/cached-microdesc-consensus" ] && [ -s "$work/client/state" ] && break; sleep 0.5; done
[ -s "$work/client/cached-microdesc-consensus" ] || { echo "tor-consensus.sh: the client got no consensus; logs:" >&2; tail -20 "$work/auth.log" "$work/client.log" >&2; exit 1; }
sleep 1
kill "$(cat "$work/client.pid")" "$(cat "$work/auth.pid")"; wait 2>/dev/null || true
rm -rf "$out"; mkdir -p "$out"
cp "$work/client/cached-microdesc-consensus" "$work/client/cached-certs" "$work/client/state" "$out/"
cp "$work/auth/cached-consensus" "$out/cached-consensus"
chmod 644 "$out"/*
version=$(tor --version | head -1)
python3 - "$out" "$version" <<'PY'
import json, os, sys
out, version = sys.argv[1], sys.argv[2]
def header(name):
    d = {"relays": 0, "signatures": 0, "dir_sources": 0}
    for line in open(os.path.join(out, name)):
        k, _, v = line.rstrip("\n").partition(" ")
        if k in ("network-status-version", "consensus-method", "valid-after", "fresh-until", "valid-until"):
            d[k] = v
        elif k == "r":
            d["relays"] += 1
        elif k == "directory-signature":
            d["signatures"] += 1
        elif k == "dir-source":
            d["dir_sources"] += 1
    return d
json.dump({"generator": "testdata/gen/tor-consensus.sh", "tor_version": version,
           "note": "one-authority TestingTorNetwork on 127.0.0.1; no Internet traffic",
           "files": {n: header(n) for n in ("cached-microdesc-consensus", "cached-consensus")}},
          open(os.path.join(out, "manifest.json"), "w"), indent=2, sort_keys=True)
PY
echo "tor-consensus.sh: wrote $out" >&2
