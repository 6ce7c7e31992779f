#!/usr/bin/env bash
# Generates testdata/artefacts/chats/signal-oskeys/: Signal Desktop
# profiles whose database key is wrapped as on macOS (Keychain password)
# and on Windows (DPAPI-unwrapped AES-256-GCM key), by
# chats-signal-oskeys/wrap.py with python3 cryptography; the databases are
# Signal's schema and data (chats-signal/) encrypted by real SQLCipher 4
# (gen/sqlcipher4). manifest.json holds each profile's secret and the
# message count SQLCipher reads back. Random keys: fixtures and manifest
# are rewritten together.
#
# Needs: go, python3 with cryptography, openssl.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
out=$repo/testdata/artefacts/chats/signal-oskeys
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for t in go python3 openssl; do
	command -v $t >/dev/null || { echo "chats-signal-oskeys.sh: $t not installed" >&2; exit 2; }
done
umask 022
(cd "$here/sqlcipher4" && GOFLAGS=-mod=mod go build -o "$work/sqlcipher4" .)
rm -rf "$out"
cat "$here/chats-signal/signal-schema.sql" "$here/chats-signal/signal-data.sql" >"$work/signal.sql"
mac_secret=$(openssl rand -base64 16)
win_secret=$(openssl rand -hex 32)
for os in macos windows; do
	d=$out/$os; mkdir -p "$d/sql"
	k=$(openssl rand -hex 32)
	"$work/sqlcipher4" -out "$d/sql/db.sqlite" -key "x'$k'" -sql "$work/signal.sql"
	s=$mac_secret; [ $os = windows ] && s=$win_secret
	python3 "$here/chats-signal-oskeys/wrap.py" $os "$k" "$s" >"$d/config.json"
	n=$("$work/sqlcipher4" -out "$d/sql/db.sqlite" -key "x'$k'" -query "SELECT count(*) FROM messages")
	printf '%s\t%s\t%s\t%s\n' "$os" "$k" "$s" "$n" >>"$work/rows"
done
python3 - "$work/rows" "$out/manifest.json" <<'PY'
import json, sys
rows, out = sys.argv[1:3]
m = {"generator": "testdata/gen/chats-signal-oskeys.sh (SQLCipher 4 via go-sqlcipher; python3 cryptography)"}
for line in open(rows):
    os_, key, secret, n = line.rstrip("\n").split("\t")
    m[os_] = {"key": key, "secret": secret, "messages": json.loads(n)[0][0],
              "secret_kind": {"macos": "Keychain password", "windows": "DPAPI-unwrapped AES key (hex)"}[os_]}
json.dump(m, open(out, "w"), indent=1, sort_keys=True)
open(out, "a").write("\n")
PY
echo "chats-signal-oskeys.sh: wrote $out" >&2
