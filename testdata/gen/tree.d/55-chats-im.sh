#!/usr/bin/env bash
# Chat-client hook for the evidence disks: copies the committed fixtures of
# testdata/gen/chats-im.sh (testdata/artefacts/chats/{pidgin,psi,gajim,
# telegram,element,discord}) to where each client keeps its data. Only
# copies (manifests left out); running it twice gives the same tree.
#   tree.d/55-chats-im.sh WIN_ROOT LINUX_ROOT
# Windows (alice): Pidgin in %APPDATA%\.purple, Telegram Desktop tdata
#   without a local passcode, Element and Discord Local Storage, a Gajim 2.x
#   archive.
# Linux (bob): Gajim's archive and OMEMO store, a Psi+ profile (config and
#   history halves), and a Telegram Desktop tdata with a local passcode.
set -euo pipefail
win=${1:?usage: 55-chats-im.sh WIN_ROOT LINUX_ROOT}
lin=${2:?usage: 55-chats-im.sh WIN_ROOT LINUX_ROOT}
src=$(cd "$(dirname "$0")/../../artefacts/chats" && pwd)
[ -d "$src/pidgin/.purple" ] || { echo "55-chats-im.sh: run testdata/gen/chats-im.sh first" >&2; exit 1; }
epoch=${FIXTURE_EPOCH:-1773482400}
umask 022
stamp() { find "$1" -exec touch -h -d "@$((epoch - $2 * 86400))" {} +; }
# cpdir SRC DST: DST gets SRC's files and sub-folders.
cpdir() { mkdir -p "$2" && cp -r "$1/." "$2/"; }

r=$win/Users/alice/AppData/Roaming
cpdir "$src/pidgin/.purple" "$r/.purple" && stamp "$r/.purple" 3
cpdir "$src/telegram/tdata" "$r/Telegram Desktop/tdata" && stamp "$r/Telegram Desktop" 2
cpdir "$src/element/Local Storage" "$r/Element/Local Storage" && stamp "$r/Element" 4
cpdir "$src/discord/Local Storage" "$r/discord/Local Storage" && stamp "$r/discord" 5
mkdir -p "$r/Gajim"
cp "$src/gajim/gajim-2.x/logs.db" "$r/Gajim/logs.db" && stamp "$r/Gajim" 1

h=$lin/home/bob
mkdir -p "$h/.local/share/gajim"
cp "$src/gajim/gajim/logs.db" "$h/.local/share/gajim/logs.db"
cpdir "$src/gajim/gajim/omemo" "$h/.local/share/gajim/omemo"
stamp "$h/.local/share/gajim" 1
cpdir "$src/psi/config/psi+" "$h/.config/psi+" && stamp "$h/.config/psi+" 6
cpdir "$src/psi/data/psi+" "$h/.local/share/psi+" && stamp "$h/.local/share/psi+" 6
cpdir "$src/telegram/tdata-passcode" "$h/.local/share/TelegramDesktop/tdata" && stamp "$h/.local/share/TelegramDesktop/tdata" 2
