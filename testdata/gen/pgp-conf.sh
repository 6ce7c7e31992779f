#!/usr/bin/env bash
# Checks the hand-written GnuPG configuration fixtures in
# testdata/artefacts/pgp/conf with GnuPG itself: each of gpg, gpg-agent and
# dirmngr reads its file with --gpgconf-test in a scratch home; writes gpgconf's verdicts to
# conf/gpgconf-check.txt (the peer reference the tests read).
#   testdata/gen/pgp-conf.sh
set -euo pipefail
conf=$(cd "$(dirname "$0")/../artefacts/pgp/conf" && pwd)
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
chmod 700 "$work"
cp "$conf/gpg.conf" "$conf/gpg-agent.conf" "$conf/dirmngr.conf" "$conf/sshcontrol" "$work/"
# --gpgconf-test makes each program read its file and stop; it still exits
# 0 on an unknown option, but says "invalid option" on stderr.
{
  for c in gpg gpg-agent dirmngr; do
    errs=$("$c" --homedir "$work" --batch --gpgconf-test 2>&1 >/dev/null || true)
    if [ -z "$errs" ]; then echo "$c: ok"; else echo "$c: FAILED: $errs" >&2; exit 1; fi
  done
  gpg --version | head -1
} >"$conf/gpgconf-check.txt"
cat "$conf/gpgconf-check.txt"
