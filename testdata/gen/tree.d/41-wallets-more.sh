#!/usr/bin/env bash
# Places the Bitcoin Core, MetaMask, Atomic, Exodus, Monero, Wasabi and
# Ledger Live wallet fixtures (made by testdata/gen/wallets-bitcoincore.sh,
# wallets-leveldb.sh and wallets-others.py) where those programs keep them,
# as listed in testdata/artefacts/wallets/placements-more.tsv:
#   tree.d/41-wallets-more.sh WIN_ROOT LINUX_ROOT
# A listed folder (a LevelDB store, an exodus.wallet) is copied file by
# file. It only copies, so it is idempotent; mtimes are fixed relative to
# FIXTURE_EPOCH like the other hooks'.
set -euo pipefail
win=${1:?usage: 41-wallets-more.sh WIN_ROOT LINUX_ROOT}
lin=${2:?usage: 41-wallets-more.sh WIN_ROOT LINUX_ROOT}
epoch=${FIXTURE_EPOCH:-1773482400}
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../../artefacts/wallets" && pwd)
umask 022

place() { # from to mode mtime
	mkdir -p "$(dirname "$2")"
	rm -f "$2"
	cp "$1" "$2"
	chmod "$3" "$2"
	touch -h -d "@$4" "$2"
}

while IFS=$'\t' read -r fixture root dest mode days eol; do
	case "$fixture" in '' | '#'*) continue ;; esac
	case "$root" in
	win) base=$win ;;
	linux) base=$lin ;;
	*) echo "41-wallets-more.sh: bad root '$root' for $fixture" >&2; exit 2 ;;
	esac
	case "$dest" in /* | *..*) echo "41-wallets-more.sh: unsafe destination '$dest'" >&2; exit 2 ;; esac
	[ "$eol" = keep ] || { echo "41-wallets-more.sh: only 'keep' line endings here ($fixture)" >&2; exit 2; }
	when=$((epoch - days * 86400 + 19 * 3600 + 41 * 60))
	if [ -d "$src/$fixture" ]; then
		for f in "$src/$fixture"/*; do
			[ -f "$f" ] || continue
			place "$f" "$base/$dest/$(basename "$f")" "$mode" "$when"
		done
	elif [ -f "$src/$fixture" ]; then
		place "$src/$fixture" "$base/$dest" "$mode" "$when"
	else
		echo "41-wallets-more.sh: missing fixture $fixture" >&2; exit 2
	fi
done <"$src/placements-more.tsv"
