#!/usr/bin/env bash
# Saves a PNG of each workstation view (artefacts, timeline, search, notes,
# review, reports, display settings; the navigator in both themes) drawn by
# Fyne over a record examined from the bundled demo disk, to docs/screenshots/.
#   docs/screenshot-views.sh            (runs itself under xvfb-run when there is no display)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${DISPLAY:-}" ] && command -v xvfb-run >/dev/null; then
  exec xvfb-run -a -s "-screen 0 1400x820x24" "$0" "$@"
fi
mkdir -p docs/screenshots
LOUPE_SCREENSHOTS="$PWD/docs/screenshots" go test -count=1 -run '^TestScreenshotViews$' ./ui/
ls -l docs/screenshots/
