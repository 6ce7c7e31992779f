#!/usr/bin/env bash
# Generates testdata/artefacts/chats/signal-attachments/: a Signal Desktop
# profile (config.json with a plaintext key, sql/db.sqlite encrypted by real
# SQLCipher 4 through gen/sqlcipher4) whose messages carry localKeys for
# files under attachments.noindex/ encrypted the way Signal Desktop does
# (chats-signal-attachments/make.py, python3 cryptography), and manifest.json
# with each attachment's plaintext SHA-256 and size. Separate from
# chats-signal.sh so its fixtures (and their random keys) stay as they are.
#
# Needs: go, python3 with cryptography, openssl.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
out=$repo/testdata/artefacts/chats/signal-attachments
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for t in go python3 openssl; do
	command -v $t >/dev/null || { echo "chats-signal-attachments.sh: $t not installed" >&2; exit 2; }
done
umask 022
(cd "$here/sqlcipher4" && GOFLAGS=-mod=mod go build -o "$work/sqlcipher4" .)
rm -rf "$out"
d=$out/linux; mkdir -p "$d/sql"
python3 "$here/chats-signal-attachments/make.py" "$d" >"$work/data.sql"
k=$(openssl rand -hex 32)
cat "$here/chats-signal/signal-schema.sql" "$work/data.sql" >"$work/all.sql"
"$work/sqlcipher4" -out "$d/sql/db.sqlite" -key "x'$k'" -sql "$work/all.sql"
python3 "$here/chats-signal/signal-config.py" plain "$k" >"$d/config.json"
# What SQLCipher reads back: the message count, into the manifest.
n=$("$work/sqlcipher4" -out "$d/sql/db.sqlite" -key "x'$k'" -query "SELECT count(*) FROM messages")
python3 - "$out/manifest.json" "$k" "$n" <<'PY'
import json, sys
p, k, n = sys.argv[1:4]
m = json.load(open(p))
m["key"] = k
m["sqlcipher_messages"] = json.loads(n)
json.dump(m, open(p, "w"), indent=1, sort_keys=True)
open(p, "a").write("\n")
PY
echo "chats-signal-attachments.sh: wrote $out" >&2
