#!/usr/bin/env bash
# Screenshots of the desktop app's main views, taken under Xvfb, saved to
# docs/screenshots/. It examines the demo evidence into a throw-away record
# with loupe-cli, then opens: the start screen (that record in the recent
# list), the new-examination wizard, and the examination with a deleted
# file selected in the Files tab (tree, list, metadata, hex with the first
# 16 bytes highlighted). Needs: xvfb, xdotool, imagemagick.
#   xvfb-run -a -s "-screen 0 1400x900x24" docs/screenshot.sh
set -euo pipefail
cd "$(dirname "$0")/.."
go build -o bin/loupe ./cmd/loupe
go build -o bin/loupe-cli ./cmd/loupe-cli
mkdir -p docs/screenshots
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# A private home: the app's preferences (examiner, recent records) and keys.
export HOME="$work/home" XDG_CONFIG_HOME="$work/home/.config" LOUPE_HOME="$work/loupe"
mkdir -p "$XDG_CONFIG_HOME/fyne/uk.police.roccu.loupe"
rec="$work/demo.loupe"
# The record names its images by file name; the app finds them beside it.
ln -s "$PWD/testdata/evidence/gpt.E01" "$PWD/testdata/evidence/gpt.E02" "$work/"
./bin/loupe-cli examine --record "$rec" --case OP-DEMO-2026 --exhibit RX/1 --examiner "DC Demo Examiner" \
	testdata/evidence/gpt.E01 >/dev/null
cat >"$XDG_CONFIG_HOME/fyne/uk.police.roccu.loupe/preferences.json" <<JSON
{"examiner.name":"DC Demo Examiner","examiner.role":"Digital Forensic Examiner","records.recent":["$rec"]}
JSON

shot() { # shot NAME SECONDS ARGS... : run the app, wait, save the screen
	local name=$1 wait=$2
	shift 2
	./bin/loupe "$@" &
	local pid=$!
	xdotool search --sync --name "Loupe" >/dev/null
	sleep "$wait"
	import -window root "docs/screenshots/$name.png"
	kill "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}
shot start 3
shot wizard 3 --new
LOUPE_SHOW="1:/Users/alice/Documents/meeting-notes.txt" shot files 6 "$rec"
