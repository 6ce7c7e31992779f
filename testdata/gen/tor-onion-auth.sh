#!/usr/bin/env bash
# Makes onion-service client authorisation files for the "market" service
# (testdata/gen/tor.sh): the client side, onion-auth/market.auth_private
# ("<addr>:descriptor:x25519:<base32 private key>", what Tor Browser writes
# into Data/Tor/onion-auth), and the service side,
# onion-auth/authorized_clients/bob.auth ("descriptor:x25519:<base32 public
# key>"). The key pair comes from python3-cryptography's X25519. The real
# tor daemon (network disabled) must load both: the client file through
# ClientOnionAuthDir, the service file from a copy of the market service's
# folder. Writes onion-auth/manifest.json with the expected values.
#   testdata/gen/tor-onion-auth.sh
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
out="$here/artefacts/tor/onion-auth"
svc="$here/artefacts/tor/onion-services/market"
[ -f "$svc/hostname" ] || { echo "tor-onion-auth.sh: run testdata/gen/tor.sh first" >&2; exit 1; }
command -v tor >/dev/null || { echo "tor-onion-auth.sh: tor not found" >&2; exit 2; }
rm -rf "$out" && mkdir -p "$out/authorized_clients"
/usr/bin/python3 - "$out" "$(cat "$svc/hostname")" <<'PY'
import base64, json, os, sys
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives import serialization as s
out, host = sys.argv[1], sys.argv[2].strip()
k = X25519PrivateKey.generate()
priv = base64.b32encode(k.private_bytes(s.Encoding.Raw, s.PrivateFormat.Raw, s.NoEncryption())).decode().rstrip("=")
pub = base64.b32encode(k.public_key().public_bytes(s.Encoding.Raw, s.PublicFormat.Raw)).decode().rstrip("=")
addr = host[:-len(".onion")]
open(os.path.join(out, "market.auth_private"), "w").write("%s:descriptor:x25519:%s\n" % (addr, priv))
open(os.path.join(out, "authorized_clients", "bob.auth"), "w").write("descriptor:x25519:%s\n" % pub)
json.dump({"generator": "testdata/gen/tor-onion-auth.sh", "address": host, "private_key_b32": priv, "public_key_b32": pub, "client": "bob"},
          open(os.path.join(out, "manifest.json"), "w"), indent=2, sort_keys=True)
PY
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -m 700 "$work/d1" "$work/d2" "$work/auth" "$work/hs"
cp "$out/market.auth_private" "$work/auth/"
cp "$svc/"* "$work/hs/" && cp -r "$out/authorized_clients" "$work/hs/" && chmod -R go-rwx "$work"
# DisableNetwork 1: tor never opens a connection; it exits after loading.
timeout 20 tor --hush -f /dev/null --ignore-missing-torrc --DataDirectory "$work/d1" --ClientOnionAuthDir "$work/auth" \
  --SocksPort 0 --DisableNetwork 1 --Log "info file $work/client.log" --RunAsDaemon 0 & pid=$!
timeout 20 tor --hush -f /dev/null --ignore-missing-torrc --DataDirectory "$work/d2" --HiddenServiceDir "$work/hs" \
  --HiddenServicePort '80 127.0.0.1:8080' --SocksPort 0 --DisableNetwork 1 --Log "info file $work/service.log" & pid2=$!
for _ in $(seq 100); do
  grep -q "Loaded a client authorization key file market.auth_private" "$work/client.log" 2>/dev/null &&
    grep -q "Loaded a client authorization key file bob.auth" "$work/service.log" 2>/dev/null && break
  sleep 0.1
done
kill $pid $pid2 2>/dev/null; wait 2>/dev/null || true
grep -q "Loaded a client authorization key file market.auth_private" "$work/client.log" || { echo "tor-onion-auth.sh: tor did not load the client file" >&2; exit 1; }
grep -q "Loaded a client authorization key file bob.auth" "$work/service.log" || { echo "tor-onion-auth.sh: tor did not load the service file" >&2; exit 1; }
echo "tor-onion-auth.sh: wrote $out (both files loaded by $(tor --version | head -1))" >&2
