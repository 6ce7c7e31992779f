#!/usr/bin/env bash
# Chat-client fixtures for artefacts/chats/{pidgin,psi,gajim,telegram,element,discord}:
# written into testdata/artefacts/chats/<client>/ with a manifest.json each.
#   testdata/gen/chats-im.sh      (needs python3 with python3-cryptography, sqlite3, go)
# - Pidgin, Psi+ and the Telegram tdata tree: testdata/gen/chats-im.py, which
#   follows each client's file format (there is no Pidgin, Psi or Telegram
#   here; see the manifests). The OTR key is a real DSA key, so it and its
#   fingerprint change on every run; tests read them from the manifest.
# - Gajim: logs.db (Gajim 1.x schema and the 2.x archive
#   schema) and the OMEMO store, made by the sqlite3 CLI from the SQL the
#   Python script writes.
# - Element and Discord: Chromium Local Storage LevelDB folders written with
#   goleveldb by testdata/gen/mkleveldb.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
out=$repo/testdata/artefacts/chats
for c in python3 sqlite3 go; do
	command -v "$c" >/dev/null || { echo "chats-im.sh: $c is missing" >&2; exit 1; }
done
python3 -c 'import cryptography' 2>/dev/null || { echo "chats-im.sh: python3-cryptography is missing" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export TZ=UTC
python3 "$repo/testdata/gen/chats-im.py" "$work"

for c in pidgin psi gajim telegram element discord; do rm -rf "${out:?}/$c"; done
mkdir -p "$out"
cp -r "$work/pidgin" "$work/psi" "$work/telegram" "$out/"

mkdir -p "$out/gajim/gajim" "$out/gajim/gajim/omemo"
sqlite3 "$out/gajim/gajim/logs.db" <"$work/gajim/logs.sql"
sqlite3 "$out/gajim/gajim/omemo/omemo_frank@example.org.db" <"$work/gajim/omemo.sql"
mkdir -p "$out/gajim/gajim-2.x"
sqlite3 "$out/gajim/gajim-2.x/logs.db" <"$work/gajim/logs2.sql"
# A truncated copy: the header survives, the pages do not.
head -c 2048 "$out/gajim/gajim/logs.db" >"$out/gajim/logs-truncated.db"
cp "$work/gajim/manifest.json" "$out/gajim/manifest.json"
# sqlite3's own view of the archive, as the peer reference.
sqlite3 -json "$out/gajim/gajim/logs.db" 'SELECT l.log_line_id, j.jid, l.contact_name, l.time, l.kind, l.message FROM logs l JOIN jids j ON j.jid_id = l.jid_id ORDER BY l.log_line_id' >"$out/gajim/sqlite3-logs.json"

(cd "$repo" && go run ./testdata/gen/mkleveldb "$work/ldb" <"$work/leveldb-entries.json")
for c in element discord; do
	mkdir -p "$out/$c"
	cp -r "$work/ldb/$c/Local Storage" "$out/$c/"
	cp "$work/$c/manifest.json" "$out/$c/manifest.json"
done
echo "chats-im.sh: wrote $out/{pidgin,psi,gajim,telegram,element,discord}"
