#!/usr/bin/env bash
# Makes tiny.img.gz, a small ext4 volume (1 KiB blocks, 64-bit, metadata_csum)
# used as a committed fixture and as the fuzzing seed, with the real
# mke2fs/e2fsck/debugfs, and records TSK's listings of it beside it:
#   tiny.fls.txt   fls -r -p
#   tiny.icat.txt  "inode sha256" of icat for every regular file fls names
#   cd forensic/filesystem/ext4/testdata && ./gen.sh
set -euo pipefail
export TZ=UTC LC_ALL=C E2FSPROGS_FAKE_TIME=1773482400
cd "$(dirname "$0")"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
t=$work/tree
mkdir -p "$t/dir/sub" "$t/wide" "$t/links"
printf 'hello\n' >"$t/dir/hello.txt"
printf 'to be deleted\n' >"$t/dir/sub/deleted.txt"
printf 'kept\n' >"$t/dir/sub/kept.txt"
for i in $(seq -w 1 60); do printf 'file %s\n' "$i" >"$t/wide/entry-with-a-longer-name-$i.txt"; done
# Six data blocks separated by holes: more extents than the inode holds,
# so the extent tree gets an index level.
for i in 0 2 4 6 8 10; do
	head -c 1024 /dev/zero | tr '\0' "$(printf "\\$(printf %03o $((65 + i)))")" |
		dd of="$t/sparse.bin" bs=1024 seek="$i" conv=notrunc status=none
done
ln -s ../dir/hello.txt "$t/links/fast"
ln -s "$(printf 'long/%.0s' $(seq 1 20))target" "$t/links/slow"
img=$work/tiny.img
mke2fs -q -F -t ext4 -b 1024 -N 128 -O ^has_journal -L tiny -U 6c6f7570-6532-4000-8000-74696e790001 \
	-E hash_seed=6c6f7570-6532-4000-8000-74696e790001 -d "$t" "$img" 512K
e2fsck -fyD "$img" >/dev/null || [ $? -eq 1 ]
printf 'rm /dir/sub/deleted.txt\nrm /wide/entry-with-a-longer-name-30.txt\n' >"$work/cmds"
debugfs -w -f "$work/cmds" "$img" >/dev/null 2>&1
fls -r -p "$img" >tiny.fls.txt
grep -E '^r/r ' tiny.fls.txt | sed -E 's/^r\/r (\* )?([0-9]+).*/\2/' | sort -un | while read -r ino; do
	printf '%s %s\n' "$ino" "$(icat "$img" "$ino" | sha256sum | cut -d' ' -f1)"
done >tiny.icat.txt
gzip -n -9 -c "$img" >tiny.img.gz
