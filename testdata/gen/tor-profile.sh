#!/usr/bin/env bash
# Builds the Tor Browser / Firefox profile fixtures (places, favicons,
# cookies and form-history databases with the sqlite3 CLI, compatibility.ini,
# times.json, extensions.json, storage/default origin folders, a Linux
# prefs.js, tbb_version.json) into testdata/artefacts/tor/, with
# profiles-manifest.json holding every expected record from the same run.
# Run testdata/gen/tor.sh first (the Linux profile's expectations read the
# tor-made state file). Same data, same files, except places.sqlite-wal,
# whose header salts SQLite draws at random.
#   testdata/gen/tor-profile.sh
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
for t in sqlite3 convert; do command -v $t >/dev/null || { echo "tor-profile.sh: $t not found" >&2; exit 2; }; done
[ -f "$here/artefacts/tor/tor-data/state" ] || { echo "tor-profile.sh: run testdata/gen/tor.sh first" >&2; exit 1; }
# Debian's python3 (a pyenv python3 may come first on PATH).
/usr/bin/python3 "$here/gen/tor-profile.py" "$here/artefacts/tor"
echo "tor-profile.sh: wrote $here/artefacts/tor" >&2
