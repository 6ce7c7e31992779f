#!/usr/bin/env bash
# `make bench`: every peer benchmark, each measured against its peer in the same run.
#   testdata/bench/run-all.sh LOUPE_CLI
set -euo pipefail
cli=${1:?usage: run-all.sh LOUPE_CLI}
here=$(cd "$(dirname "$0")" && pwd)
for b in image-bench.sh ext4-bench.sh ntfs-bench.sh examine-bench.sh sweep-bench.sh; do
  if [ -x "$here/$b" ]; then
    printf '\n===== %s\n' "$b"
    case "$b" in
      image-bench.sh|examine-bench.sh|sweep-bench.sh) "$here/$b" "$cli" ;;
      *) "$here/$b" ;;
    esac
  fi
done
