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
# Benchmarks and looking at the real window.
tool_pkgs="time hyperfine xvfb xauth imagemagick x11-utils xdotool poppler-utils"

want="$build_pkgs $peer_pkgs"
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
