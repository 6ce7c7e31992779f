#!/usr/bin/env bash
# Installs what Loupe's build, tests and demo need on Debian 12, idempotently:
# only missing packages are installed, and only when running as root (others
# get the command to run). Go modules are downloaded through the module proxy.
set -euo pipefail

# Build: Fyne's cgo (GLFW + OpenGL) headers; gcc comes with the Go machine.
build_pkgs="pkg-config libx11-dev libxcursor-dev libxrandr-dev libxinerama-dev libxi-dev libxxf86vm-dev libgl1-mesa-dev"
# Peers the tests compare against, and the real tools the fixture generator uses.
peer_pkgs="sleuthkit ewf-tools gnupg sqlite3 sqlcipher"
fixture_pkgs="ntfs-3g wimtools e2fsprogs fdisk faketime python3-lz4 db5.3-util xz-utils tor electrum libxml2-utils"
# Report validation in the tests: xmllint for DFXML, node (and npm, below)
# for the offline CASE/UCO SHACL validator in ../shared/tools/case-validate.
report_pkgs="libxml2-utils nodejs"
# Benchmarks and looking at the real window.
tool_pkgs="time hyperfine xvfb xauth imagemagick x11-utils xdotool poppler-utils"

want="$build_pkgs $peer_pkgs $report_pkgs"
case "${1:-}" in
  --all) want="$want $fixture_pkgs $tool_pkgs" ;;
  --build) want="$build_pkgs" ;;
esac

missing=""
for p in $want; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing="$missing $p"
  fi
done
# NodeSource's nodejs ships npm itself; Debian's needs the npm package.
if [ "${1:-}" != --build ] && ! command -v npm >/dev/null; then
  missing="$missing npm"
fi
if [ -n "$missing" ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "install-deps: installing:$missing" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $missing >/dev/null
  else
    echo "install-deps: missing Debian packages:$missing" >&2
    echo "install-deps: run as root: apt-get install -y$missing" >&2
    exit 1
  fi
fi
command -v go >/dev/null || { echo "install-deps: Go toolchain not found (need Go 1.26)" >&2; exit 1; }
go mod download
# The CASE validator installs its npm packages on first use; do it here so
# the tests then validate offline.
validator="$(cd "$(dirname "$0")/.." && pwd)/../shared/tools/case-validate/validate.sh"
if [ "${1:-}" != --build ] && [ -x "$validator" ]; then
  cache=${CASE_VALIDATE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/case-validate}
  if [ ! -d "$cache/node_modules/shacl-engine" ]; then
    echo "install-deps: installing the CASE validator's npm packages into $cache" >&2
    "$validator" "$(dirname "$validator")/../../standards/case/case-minimal-example.jsonld" >/dev/null
  fi
fi
