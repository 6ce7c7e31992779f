#!/usr/bin/env bash
# Saves a PNG of the "Try passwords…" dialog over the artefact navigator,
# after typed passwords opened the demo disk's encrypted Bitcoin Core wallet,
# drawn by Fyne over a record examined from the bundled demo disk, to
# docs/screenshots/wallet-password.png.
#   docs/screenshot-walletpassword.sh   (runs itself under xvfb-run when there is no display)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${DISPLAY:-}" ] && command -v xvfb-run >/dev/null; then
  exec xvfb-run -a -s "-screen 0 1400x820x24" "$0" "$@"
fi
mkdir -p docs/screenshots
LOUPE_SCREENSHOTS="$PWD/docs/screenshots" go test -count=1 -run '^TestScreenshotWalletPassword$' ./ui/
ls -l docs/screenshots/wallet-password.png
