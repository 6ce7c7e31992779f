#!/usr/bin/env bash
# Places the tor fixtures (testdata/gen/tor.sh, tor-prefs.sh, tor-session.sh,
# tor-profile.sh) on the evidence disks. Only copies; running it twice gives
# the same tree.
#   20-tor.sh WIN_ROOT LINUX_ROOT
# Windows (alice): Tor Browser unpacked on the Desktop, private browsing
#   (bookmarks, session store, no history); a copy of that profile renamed
#   into a music folder, where no tool would look by path; a copy of the
#   "forum" onion service in a documents folder.
# Linux (bob): Tor Browser from torbrowser-launcher with history enabled and
#   its tor data folder (state, torrc with bridges); the "market" onion
#   service where a tor daemon keeps it; a plain Firefox ESR profile.
set -euo pipefail
win=${1:?WIN_ROOT}; lin=${2:?LINUX_ROOT}
src="$(cd "$(dirname "$0")/../.." && pwd)/artefacts/tor"
[ -d "$src/onion-services" ] || { echo "20-tor.sh: run testdata/gen/tor.sh first" >&2; exit 1; }

# cpdir SRC DST: DST gets SRC's files and sub-folders (replacing earlier copies).
cpdir() { mkdir -p "$2" && cp -r "$1/." "$2/"; }
# Fixture bookkeeping files are not part of a profile.
prune() { rm -f "$1/manifest.json" "$1/session-manifest.json"; }

mkdir -p "$lin/home/bob/.local/share/tor/hidden_service" "$lin/home/bob/.local/share/tor/data"
cp "$src/onion-services/market/"* "$lin/home/bob/.local/share/tor/hidden_service/"
cp "$src/tor-data/state" "$lin/home/bob/.local/share/tor/data/state"
[ -f "$src/tor-net/cached-consensus" ] && cp "$src/tor-net/cached-consensus" "$lin/home/bob/.local/share/tor/data/"
mkdir -p "$lin/home/bob/.config/tor"
cp "$src/torrc/torrc" "$lin/home/bob/.config/tor/torrc"
mkdir -p "$win/Users/alice/Documents/old stuff/backup2"
cp "$src/onion-services/forum/"* "$win/Users/alice/Documents/old stuff/backup2/"

if [ -f "$src/profile/prefs.js" ]; then
  app="$win/Users/alice/Desktop/Tor Browser/Browser"
  p="$app/TorBrowser/Data/Browser/profile.default"
  cpdir "$src/profile" "$p" && prune "$p"
  [ -f "$src/app/tbb_version-windows.json" ] && cp "$src/app/tbb_version-windows.json" "$app/tbb_version.json"
  # The same profile copied (and renamed) to an unusual place.
  p="$win/Users/alice/Music/misc/bk"
  cpdir "$src/profile" "$p" && prune "$p"
fi
if [ -f "$src/profile-linux/prefs.js" ]; then
  app="$lin/home/bob/.local/share/torbrowser/tbb/x86_64/tor-browser/Browser"
  cpdir "$src/profile-linux" "$app/TorBrowser/Data/Browser/profile.default"
  mkdir -p "$app/TorBrowser/Data/Tor"
  cp "$src/tor-data/state" "$app/TorBrowser/Data/Tor/state"
  cp "$src/torrc/torrc" "$app/TorBrowser/Data/Tor/torrc"
  # The consensus this tor last downloaded (testdata/gen/tor-consensus.sh).
  if [ -f "$src/tor-net/cached-microdesc-consensus" ]; then
    cp "$src/tor-net/cached-microdesc-consensus" "$src/tor-net/cached-certs" "$app/TorBrowser/Data/Tor/"
  fi
  cp "$src/app/tbb_version-linux.json" "$app/tbb_version.json"
  if [ -f "$src/onion-auth/market.auth_private" ]; then
    mkdir -p "$app/TorBrowser/Data/Tor/onion-auth"
    cp "$src/onion-auth/market.auth_private" "$app/TorBrowser/Data/Tor/onion-auth/"
  fi
fi
# The market service lists bob as an authorised client.
if [ -d "$src/onion-auth/authorized_clients" ]; then
  mkdir -p "$lin/home/bob/.local/share/tor/hidden_service/authorized_clients"
  cp "$src/onion-auth/authorized_clients/"* "$lin/home/bob/.local/share/tor/hidden_service/authorized_clients/"
fi
if [ -f "$src/profile-firefox/prefs.js" ]; then
  cpdir "$src/profile-firefox" "$lin/home/bob/.mozilla/firefox/k3x9v2ab.default-esr"
fi
