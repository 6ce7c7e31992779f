#!/usr/bin/env bash
# Places the tor fixtures (testdata/gen/tor.sh) on the evidence disks: the
# "market" onion service where a Linux tor daemon keeps it, and a copy of the
# "forum" service in a user folder on Windows, where no tool would look by path.
#   20-tor.sh WIN_ROOT LINUX_ROOT
set -euo pipefail
win=${1:?WIN_ROOT}; lin=${2:?LINUX_ROOT}
src="$(cd "$(dirname "$0")/../.." && pwd)/artefacts/tor"
[ -d "$src/onion-services" ] || { echo "20-tor.sh: run testdata/gen/tor.sh first" >&2; exit 1; }
mkdir -p "$lin/home/bob/.local/share/tor/hidden_service" "$lin/home/bob/.local/share/tor/data"
cp "$src/onion-services/market/"* "$lin/home/bob/.local/share/tor/hidden_service/"
cp "$src/tor-data/state" "$lin/home/bob/.local/share/tor/data/state"
mkdir -p "$lin/home/bob/.config/tor"
cp "$src/torrc/torrc" "$lin/home/bob/.config/tor/torrc"
mkdir -p "$win/Users/alice/Documents/old stuff/backup2"
cp "$src/onion-services/forum/"* "$win/Users/alice/Documents/old stuff/backup2/"
# Tor Browser profile prefs (testdata/gen/tor-prefs.sh): the Windows install
# on alice's desktop and the Linux tor-browser launcher's tree on bob's.
if [ -f "$src/profile/prefs.js" ]; then
  p="$win/Users/alice/Desktop/Tor Browser/Browser/TorBrowser/Data/Browser/profile.default"
  mkdir -p "$p" && cp "$src/profile/prefs.js" "$p/prefs.js"
  [ -d "$src/profile/sessionstore-backups" ] && cp -r "$src/profile/sessionstore-backups" "$p/"
  p="$lin/home/bob/.local/share/torbrowser/tbb/x86_64/tor-browser/Browser/TorBrowser/Data/Browser/profile.default"
  mkdir -p "$p" && cp "$src/profile/prefs.js" "$p/prefs.js"
fi
