#!/usr/bin/env bash
# Places the Signal Desktop profile with encrypted attachments (made by
# testdata/gen/chats-signal-attachments.sh) in the Linux user tree:
#   tree.d/52-chats-signal-attachments.sh WIN_ROOT LINUX_ROOT
# Copies files only: idempotent. mtimes fixed relative to FIXTURE_EPOCH.
set -euo pipefail
lin=${2:?usage: 52-chats-signal-attachments.sh WIN_ROOT LINUX_ROOT}
epoch=${FIXTURE_EPOCH:-1773482400}
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../../artefacts/chats/signal-attachments/linux" && pwd)
dest=$lin/home/carol/.config/Signal
umask 022
rm -rf "$dest"
mkdir -p "$dest"
(cd "$src" && find . -type f | LC_ALL=C sort) | while read -r f; do
	mkdir -p "$(dirname "$dest/$f")"
	cp "$src/$f" "$dest/$f"
	chmod 600 "$dest/$f"
	touch -h -d "@$((epoch - 2 * 86400 + 21 * 3600))" "$dest/$f"
done
