#!/usr/bin/env bash
# Builds the identifier-sweep fixture: a 20 MiB GPT disk with NTFS (mkntfs +
# wimlib apply) and ext4 (mke2fs -d), identifiers planted in allocated files
# (ASCII and UTF-16LE, one duplicate file, a resident file and a named
# stream on NTFS), in file slack, in free blocks of
# both file systems (found with blkcalc, checked with blkstat), across 1 MiB
# boundaries and in a partition gap, plus one-character decoys. Writes
# testdata/artefacts/sweep/sweep.raw.gz and manifest.json (every planted
# identifier with its region and absolute image offset).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
for t in mkntfs ntfscp wimlib-imagex mke2fs sfdisk ifind istat blkcalc blkstat fsstat python3; do
	command -v "$t" >/dev/null || { echo "sweep-fixture: $t not installed" >&2; exit 2; }
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export E2FSPROGS_FAKE_TIME=1700000000
python3 "$here/gen/sweep-fixture.py" "$work" "$here/artefacts/sweep"
