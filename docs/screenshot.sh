#!/usr/bin/env bash
# Opens the desktop app on the demo evidence under Xvfb, verifies it, and
# saves screenshots to docs/screenshots/. Needs: xvfb, xdotool, imagemagick.
#   xvfb-run -a -s "-screen 0 1000x700x24" docs/screenshot.sh
set -euo pipefail
cd "$(dirname "$0")/.."
go build -o bin/loupe ./cmd/loupe
mkdir -p docs/screenshots
./bin/loupe testdata/evidence/gpt.E01 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
xdotool search --sync --name "Loupe" >/dev/null
sleep 3
import -window root docs/screenshots/evidence-open.png
xdotool mousemove 175 75 click 1   # the Verify button
sleep 6
import -window root docs/screenshots/evidence-verified.png
