#!/usr/bin/env bash
# Generates the chat fixtures of testdata/artefacts/chats/{signal,session,qtox,skype}
# with the real programs, and manifest.json (per family) with what those
# programs read back in the same run:
#   - Signal / Session Desktop databases in their schema, encrypted by real
#     SQLCipher: v4 by go-sqlcipher v4.4.2 (gen/sqlcipher4, a separate module),
#     v3 by Debian's sqlcipher 3.4.1 CLI; config.json written by python3
#     (plaintext "key", and "encryptedKey" wrapped the way Chromium's os_crypt
#     does on Linux: basic_text "peanuts" v10, and a libsecret-style v11 whose
#     secret only the manifest knows). A wrong-key and a corrupt copy.
#   - qTox profiles by libtoxcore2 (ctypes; plain and tox_pass_encrypt), and a
#     history database in qTox's schema by sqlite3.
#   - A legacy Skype main.db in its schema by sqlite3.
# Keys and SQLCipher salts are random: every run rewrites fixtures and
# manifests together; tests read the manifests.
#
# Needs: go, sqlcipher (Debian 3.4.1), sqlite3, python3 with cryptography,
#        libtoxcore2, openssl.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)/..
repo=$(cd "$repo" && pwd)
out=$repo/testdata/artefacts/chats
src=$here/chats-signal
work=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT
for t in go sqlcipher sqlite3 python3 openssl; do
	command -v $t >/dev/null || { echo "chats-signal.sh: $t not installed" >&2; exit 2; }
done
python3 -c 'import cryptography' || { echo "chats-signal.sh: python3-cryptography missing" >&2; exit 2; }
umask 022
(cd "$here/sqlcipher4" && GOFLAGS=-mod=mod go build -o "$work/sqlcipher4" .)
SC4=$work/sqlcipher4
rm -rf "$out/signal" "$out/session" "$out/qtox" "$out/skype"
mkdir -p "$out/signal" "$out/session" "$out/qtox" "$out/skype"

msgq="SELECT id, type, sent_at, received_at, conversationId, COALESCE(sourceServiceId, source, ''), body FROM messages ORDER BY sent_at, id"
convq="SELECT id, type, COALESCE(name, profileFullName, ''), COALESCE(e164, ''), COALESCE(serviceId, ''), active_at FROM conversations ORDER BY id"

# --- Signal, SQLCipher 4, plaintext key, WAL left un-checkpointed ---------
cat "$src/signal-schema.sql" "$src/signal-data.sql" >"$work/signal.sql"
k_plain=$(openssl rand -hex 32)
d=$out/signal/linux-plainkey; mkdir -p "$d/sql"
"$SC4" -out "$d/sql/db.sqlite" -key "x'$k_plain'" -sql "$work/signal.sql" -wal "$src/signal-wal.sql"
python3 "$src/signal-config.py" plain "$k_plain" >"$d/config.json"
"$SC4" -out "$d/sql/db.sqlite" -key "x'$k_plain'" -query "$msgq" >"$work/plainkey.messages.json"
"$SC4" -out "$d/sql/db.sqlite" -key "x'$k_plain'" -query "$convq" >"$work/plainkey.conversations.json"

# --- Signal, encryptedKey with the basic_text backend (v10, "peanuts") -----
k_basic=$(openssl rand -hex 32)
d=$out/signal/linux-basictext; mkdir -p "$d/sql"
"$SC4" -out "$d/sql/db.sqlite" -key "x'$k_basic'" -sql "$work/signal.sql"
python3 "$src/signal-config.py" basic_text "$k_basic" >"$d/config.json"
"$SC4" -out "$d/sql/db.sqlite" -key "x'$k_basic'" -query "$msgq" >"$work/basictext.messages.json"

# --- Signal, encryptedKey from gnome_libsecret (v11): needs the examiner's secret
k_gnome=$(openssl rand -hex 32)
secret_gnome=$(openssl rand -base64 12)
d=$out/signal/linux-libsecret; mkdir -p "$d/sql"
"$SC4" -out "$d/sql/db.sqlite" -key "x'$k_gnome'" -sql "$work/signal.sql"
python3 "$src/signal-config.py" gnome_libsecret "$k_gnome" "$secret_gnome" >"$d/config.json"

# --- Signal, legacy SQLCipher 3 (Debian's sqlcipher 3.4.1) ----------------
k_v3=$(openssl rand -hex 32)
d=$out/signal/legacy-v3; mkdir -p "$d/sql"
sqlcipher "$d/sql/db.sqlite" "PRAGMA key=\"x'$k_v3'\";" ".read $work/signal.sql" >/dev/null
python3 "$src/signal-config.py" plain "$k_v3" >"$d/config.json"
sqlcipher "$d/sql/db.sqlite" "PRAGMA key=\"x'$k_v3'\";" "SELECT count(*) FROM messages;" | tail -1 >"$work/v3.count"
sqlcipher "$d/sql/db.sqlite" "PRAGMA key=\"x'$k_v3'\";" "PRAGMA cipher_version;" | tail -1 >"$work/v3.version"

# --- wrong key, and a corrupt page under the right key --------------------
d=$out/signal/wrong-key; mkdir -p "$d/sql"
cp "$out/signal/linux-basictext/sql/db.sqlite" "$d/sql/db.sqlite"
python3 "$src/signal-config.py" plain "$(openssl rand -hex 32)" >"$d/config.json"
d=$out/signal/corrupt; mkdir -p "$d/sql"
cp "$out/signal/linux-basictext/sql/db.sqlite" "$d/sql/db.sqlite"
cp "$out/signal/linux-basictext/config.json" "$d/config.json"
# Flip one ciphertext byte in the middle of page 2 (the messages table's root).
python3 - "$d/sql/db.sqlite" <<'PY'
import sys
p = sys.argv[1]
b = bytearray(open(p, 'rb').read())
b[4096 + 1000] ^= 0x55
open(p, 'wb').write(bytes(b))
PY

# --- Session Desktop (SQLCipher 4, config.json key) ------------------------
k_sess=$(openssl rand -hex 32)
d=$out/session/linux; mkdir -p "$d/sql"
"$SC4" -out "$d/sql/db.sqlite" -key "x'$k_sess'" -sql "$src/session.sql"
python3 "$src/signal-config.py" plain "$k_sess" >"$d/config.json"
"$SC4" -out "$d/sql/db.sqlite" -key "x'$k_sess'" -query "SELECT id, type, sent_at, received_at, conversationId, COALESCE(source, ''), body FROM messages ORDER BY sent_at, id" >"$work/session.messages.json"

# --- qTox ------------------------------------------------------------------
qpass='tox profile pass'
python3 "$src/qtox-profile.py" "$out/qtox" "$qpass" >"$work/qtox.profiles.json"
python3 "$src/qtox-history.py" "$work/qtox.profiles.json" >"$work/qtox-data.sql"
cat "$src/qtox-history.sql" "$work/qtox-data.sql" | sqlite3 "$out/qtox/alice.db"
sqlite3 "$out/qtox/alice.db" "SELECT h.id, h.message_type, h.timestamp, p.public_key, sp.public_key, hex(t.message) FROM history h JOIN peers p ON p.id = h.chat_id LEFT JOIN text_messages t ON t.id = h.id LEFT JOIN aliases a ON a.id = t.sender_alias LEFT JOIN peers sp ON sp.id = a.owner ORDER BY h.id" >"$work/qtox.history.txt"

# --- Skype -----------------------------------------------------------------
mkdir -p "$out/skype/alice.market"
sqlite3 "$out/skype/alice.market/main.db" <"$src/skype.sql"
sqlite3 "$out/skype/alice.market/main.db" "SELECT id, convo_id, author, timestamp, type, hex(body_xml) FROM Messages ORDER BY id" >"$work/skype.messages.txt"

# --- manifests -------------------------------------------------------------
python3 "$src/manifest.py" "$work" "$out" "$k_plain" "$k_basic" "$k_gnome" "$secret_gnome" "$k_v3" "$k_sess" "$qpass"
echo "chats-signal.sh: wrote $out/{signal,session,qtox,skype}" >&2
