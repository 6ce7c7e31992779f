#!/usr/bin/env bash
# Makes the tor fixtures with the real tor daemon, network disabled:
# two onion-service folders (hostname, hs_ed25519_public_key,
# hs_ed25519_secret_key) and the daemon's state file, into
# testdata/artefacts/tor/, plus manifest.json with what tor itself wrote.
# Keys are random: regenerating changes the addresses and the manifest with them.
#   testdata/gen/tor.sh
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
out="$here/artefacts/tor"
command -v tor >/dev/null || { echo "tor.sh: tor not found (apt-get install tor)" >&2; exit 2; }
work=$(mktemp -d)
trap 'for p in "$work"/*.pid; do [ -f "$p" ] && kill "$(cat "$p")" 2>/dev/null; done; rm -rf "$work"' EXIT
for s in market forum; do
  mkdir -m 700 "$work/data-$s" "$work/hs-$s"
  # DisableNetwork 1: tor never opens a network connection; SocksPort 0: no listener.
  tor -f /dev/null --ignore-missing-torrc --DataDirectory "$work/data-$s" \
    --HiddenServiceDir "$work/hs-$s" --HiddenServicePort '80 127.0.0.1:8080' \
    --SocksPort 0 --DisableNetwork 1 --Log "notice file $work/$s.log" &
  echo $! > "$work/$s.pid"
done
for s in market forum; do
  for _ in $(seq 100); do [ -s "$work/hs-$s/hostname" ] && [ -s "$work/data-$s/state" ] && break; sleep 0.1; done
  [ -s "$work/hs-$s/hostname" ] || { echo "tor.sh: tor wrote no hostname for $s" >&2; exit 1; }
done
for s in market forum; do kill "$(cat "$work/$s.pid")"; done
wait 2>/dev/null || true
rm -rf "$out/onion-services" "$out/tor-data"
for s in market forum; do
  mkdir -p "$out/onion-services/$s"
  cp "$work/hs-$s/hostname" "$work/hs-$s/hs_ed25519_public_key" "$work/hs-$s/hs_ed25519_secret_key" "$out/onion-services/$s/"
done
mkdir -p "$out/tor-data"
cp "$work/data-market/state" "$out/tor-data/state"
# The torrc fixture is written by hand, as users write theirs; tor itself
# must accept it (paths moved into the scratch folder for the check).
mkdir -m 700 "$work/v" "$work/v/onion-auth" "$work/v/hidden_service" "$work/v/data"
sed "s#/home/bob/.local/share/tor#$work/v#; s#/usr/bin/obfs4proxy#/bin/true#" "$out/torrc/torrc" > "$work/v/torrc"
tor --verify-config -f "$work/v/torrc" 2>&1 | grep -q "Configuration was valid" || { echo "tor.sh: tor rejects torrc/torrc" >&2; exit 1; }
version=$(tor --version | head -1)
python3 - "$out" "$version" <<'PY'
import json, os, sys
out, version = sys.argv[1], sys.argv[2]
svc = {}
for s in ("market", "forum"):
    d = os.path.join(out, "onion-services", s)
    svc[s] = {"hostname": open(os.path.join(d, "hostname")).read().strip(),
              "public_key_hex": open(os.path.join(d, "hs_ed25519_public_key"), "rb").read()[32:].hex()}
json.dump({"generator": "testdata/gen/tor.sh", "tor_version": version, "onion_services": svc},
          open(os.path.join(out, "manifest.json"), "w"), indent=2, sort_keys=True)
PY
echo "tor.sh: wrote $out" >&2
