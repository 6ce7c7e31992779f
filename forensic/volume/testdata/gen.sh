#!/usr/bin/env bash
# Makes the small partitioned disks the volume tests and fuzz seeds use,
# with the real sfdisk, and records mmls's listing of each beside it.
#   cd forensic/volume/testdata && ./gen.sh
set -euo pipefail
export TZ=UTC LC_ALL=C
cd "$(dirname "$0")"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# gpt-small: three partitions in entries 1, 3 and 5 (gaps in the entry
# array and on the disk), 256 KiB.
truncate -s 256K "$work/gpt-small.raw"
sfdisk -q --no-reread --no-tell-kernel "$work/gpt-small.raw" <<'S'
label: gpt
label-id: 6C6F7570-6532-4000-8000-000000000001
first-lba: 34
1 : start=40, size=64, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, name="one", uuid=6C6F7570-6532-4000-8000-0000000000A1
3 : start=120, size=100, type=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7, name="three", uuid=6C6F7570-6532-4000-8000-0000000000A3
5 : start=300, size=40, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, name="five", uuid=6C6F7570-6532-4000-8000-0000000000A5
S

# gpt-tiny: the smallest useful GPT (48 KiB), a fuzzing seed.
truncate -s 48K "$work/gpt-tiny.raw"
sfdisk -q --no-reread --no-tell-kernel "$work/gpt-tiny.raw" <<'S'
label: gpt
label-id: 6C6F7570-6532-4000-8000-000000000002
first-lba: 34
start=34, size=8, name="a"
start=50, size=6, name="b"
S

# mbr-small: a primary, an extended partition with three logicals, and a
# primary after it, 256 KiB.
truncate -s 256K "$work/mbr-small.raw"
sfdisk -q --no-reread --no-tell-kernel "$work/mbr-small.raw" <<'S'
label: dos
label-id: 0x6c6f7570
start=4, size=40, type=83
start=48, size=300, type=5
start=52, size=40, type=83
start=100, size=60, type=7
start=170, size=50, type=b
start=400, size=60, type=83
S

for d in gpt-small gpt-tiny mbr-small; do
	mmls "$work/$d.raw" >"$d.mmls.txt"
	gzip -n -9 -c "$work/$d.raw" >"$d.raw.gz"
done
