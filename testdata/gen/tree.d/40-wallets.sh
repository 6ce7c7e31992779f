#!/usr/bin/env bash
# Places the committed wallet fixtures (made by testdata/gen/wallets.sh with
# the real electrum, plus go-ethereum's public keystore vector) where the
# programs keep them in the user trees, as listed in
# testdata/artefacts/wallets/placements.tsv:
#   tree.d/40-wallets.sh WIN_ROOT LINUX_ROOT
# It only copies files (never runs electrum), so it is idempotent and its
# output depends on the committed fixtures alone. mtimes are fixed relative
# to FIXTURE_EPOCH like the base tree's.
set -euo pipefail
win=${1:?usage: 40-wallets.sh WIN_ROOT LINUX_ROOT}
lin=${2:?usage: 40-wallets.sh WIN_ROOT LINUX_ROOT}
epoch=${FIXTURE_EPOCH:-1773482400}
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../../artefacts/wallets" && pwd)
umask 022

while IFS=$'\t' read -r fixture root dest mode days eol; do
	case "$fixture" in '' | '#'*) continue ;; esac
	case "$root" in
	win) base=$win ;;
	linux) base=$lin ;;
	*) echo "40-wallets.sh: bad root '$root' for $fixture" >&2; exit 2 ;;
	esac
	case "$dest" in /* | *..*) echo "40-wallets.sh: unsafe destination '$dest'" >&2; exit 2 ;; esac
	[ -f "$src/$fixture" ] || { echo "40-wallets.sh: missing fixture $fixture" >&2; exit 2; }
	out=$base/$dest
	mkdir -p "$(dirname "$out")"
	rm -f "$out"
	if [ "$eol" = crlf ]; then
		sed 's/$/\r/' "$src/$fixture" >"$out"
	else
		cp "$src/$fixture" "$out"
	fi
	chmod "$mode" "$out"
	touch -h -d "@$((epoch - days * 86400 + 20 * 3600 + 17 * 60))" "$out"
done <"$src/placements.tsv"
