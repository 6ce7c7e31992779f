#!/usr/bin/env bash
# Places the committed Signal, Session, qTox and Skype fixtures (made by
# testdata/gen/chats-signal.sh with real SQLCipher, libtoxcore and sqlite3)
# where the programs keep them in the user trees:
#   tree.d/50-chats-signal.sh WIN_ROOT LINUX_ROOT
# It only copies files, so it is idempotent and depends on the committed
# fixtures alone. mtimes are fixed relative to FIXTURE_EPOCH.
set -euo pipefail
win=${1:?usage: 50-chats-signal.sh WIN_ROOT LINUX_ROOT}
lin=${2:?usage: 50-chats-signal.sh WIN_ROOT LINUX_ROOT}
epoch=${FIXTURE_EPOCH:-1773482400}
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../../artefacts/chats" && pwd)
umask 022

# fixture (relative to artefacts/chats)  root  destination  days-before-epoch
place() {
	local fixture=$1 root=$2 dest=$3 days=$4 base
	case "$root" in win) base=$win ;; linux) base=$lin ;; *) echo "50-chats-signal.sh: bad root $root" >&2; exit 2 ;; esac
	[ -f "$src/$fixture" ] || { echo "50-chats-signal.sh: missing fixture $fixture" >&2; exit 2; }
	mkdir -p "$(dirname "$base/$dest")"
	rm -f "$base/$dest"
	cp "$src/$fixture" "$base/$dest"
	chmod 600 "$base/$dest"
	touch -h -d "@$((epoch - days * 86400 + 21 * 3600))" "$base/$dest"
}

# Signal Desktop (Linux, plaintext key, WAL still open) and a Flatpak install
# whose key is the basic_text encryptedKey.
place signal/linux-plainkey/config.json linux home/bob/.config/Signal/config.json 3
place signal/linux-plainkey/sql/db.sqlite linux home/bob/.config/Signal/sql/db.sqlite 1
place signal/linux-plainkey/sql/db.sqlite-wal linux home/bob/.config/Signal/sql/db.sqlite-wal 1
place signal/linux-basictext/config.json linux home/bob/.var/app/org.signal.Signal/config/Signal/config.json 9
place signal/linux-basictext/sql/db.sqlite linux home/bob/.var/app/org.signal.Signal/config/Signal/sql/db.sqlite 8
# Session Desktop.
place session/linux/config.json linux home/bob/.config/Session/config.json 5
place session/linux/sql/db.sqlite linux home/bob/.config/Session/sql/db.sqlite 4
# qTox: plain profile with history, and an encrypted profile.
place qtox/alice.tox linux home/bob/.config/tox/alice.tox 6
place qtox/alice.db linux home/bob/.config/tox/alice.db 2
place qtox/dave.tox linux home/bob/.config/tox/dave.tox 12
# Legacy Skype on Windows.
place skype/alice.market/main.db win Users/alice/AppData/Roaming/Skype/alice.market/main.db 30
