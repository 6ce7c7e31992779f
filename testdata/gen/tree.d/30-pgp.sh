#!/usr/bin/env bash
# GnuPG hook for the evidence disks: copies the committed, gpg-made fixtures
# (testdata/artefacts/pgp, made by testdata/gen/pgp.sh) into realistic places.
# Nothing is generated here, so the disks stay reproducible.
#   tree.d/30-pgp.sh WIN_ROOT LINUX_ROOT
set -euo pipefail
win=${1:?usage: 30-pgp.sh WIN_ROOT LINUX_ROOT}
lin=${2:?usage: 30-pgp.sh WIN_ROOT LINUX_ROOT}
src=$(cd "$(dirname "$0")/../../artefacts/pgp" && pwd)
epoch=${FIXTURE_EPOCH:-1773482400}
umask 022
stamp() { find "$1" -exec touch -h -d "@$((epoch - $2 * 86400))" {} +; }

# Gpg4win keeps the home in %APPDATA%\gnupg.
wg=$win/Users/alice/AppData/Roaming/gnupg
mkdir -p "$wg"
cp -r "$src/alice/." "$wg/"
mkdir -p "$win/Users/alice/Documents"
cp "$src/docs/alice-public.asc" "$src/docs/note.txt.asc" "$src/docs/alice-subkeys-only.gpg" "$win/Users/alice/Documents/"
stamp "$wg" 12
stamp "$win/Users/alice/Documents/alice-public.asc" 11
stamp "$win/Users/alice/Documents/note.txt.asc" 10
stamp "$win/Users/alice/Documents/alice-subkeys-only.gpg" 10

# bob's Linux home: a legacy gnupg1 ring, alice's unprotected secret export
# and the chat log holding armoured keys and a message.
lg=$lin/home/bob/.gnupg
mkdir -p "$lg" "$lin/home/bob/Documents" "$lin/home/bob/.local/share/chat"
chmod 700 "$lg"
cp "$src/legacy/pubring.gpg" "$src/legacy/secring.gpg" "$lg/"
cp "$src/docs/alice-unprotected-secret.asc" "$src/docs/msg.asc" "$lin/home/bob/Documents/"
cp "$src/docs/chat.log" "$lin/home/bob/.local/share/chat/alice.log"
stamp "$lg" 9
stamp "$lin/home/bob/Documents/alice-unprotected-secret.asc" 8
stamp "$lin/home/bob/Documents/msg.asc" 8
stamp "$lin/home/bob/.local/share/chat/alice.log" 7

# GnuPG's SQLite stores (testdata/gen/pgp-tofu-keyboxd.sh): alice's TOFU
# database in her home; a GnuPG 2.4 keyboxd home (the same keys) in a
# backup folder of bob's, where no path-based tool would look.
if [ -f "$src/tofu/tofu.db" ]; then
  cp "$src/tofu/tofu.db" "$wg/tofu.db"
  stamp "$wg/tofu.db" 6
fi
if [ -f "$src/keyboxd/public-keys.d/pubring.db" ]; then
  kg=$lin/home/bob/backup/gnupg-2.4
  mkdir -p "$kg/public-keys.d" "$kg/private-keys-v1.d"
  cp "$src/keyboxd/public-keys.d/pubring.db" "$kg/public-keys.d/"
  cp "$src/keyboxd/private-keys-v1.d/"*.key "$kg/private-keys-v1.d/"
  cp "$src/keyboxd/common.conf" "$kg/"
  stamp "$kg" 5
fi
# alice's configuration (testdata/artefacts/pgp/conf, checked by gpg itself).
if [ -f "$src/conf/gpg.conf" ]; then
  cp "$src/conf/gpg.conf" "$src/conf/gpg-agent.conf" "$src/conf/dirmngr.conf" "$src/conf/sshcontrol" "$wg/"
  stamp "$wg/gpg.conf" 12
fi
# Thunderbird's built-in OpenPGP in alice's mail profile: the acceptance
# database and the profile's own key ring.
if [ -f "$src/thunderbird/openpgp.sqlite" ]; then
  tb=$win/Users/alice/AppData/Roaming/Thunderbird/Profiles/q8v1x0ab.default-release
  mkdir -p "$tb"
  cp "$src/thunderbird/openpgp.sqlite" "$tb/"
  cp "$src/legacy/pubring.gpg" "$tb/pubring.gpg"
  stamp "$tb" 4
fi
