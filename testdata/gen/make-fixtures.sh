#!/usr/bin/env bash
# Builds Loupe's evidence fixtures with the real tools and writes, in the same
# run, the manifest of expected values and the peer tools' listings.
#
#   testdata/gen/make-fixtures.sh        (or: make fixtures)
#   testdata/gen/make-fixtures.sh --from-head
#                                        the same from committed inputs only
#
# Outputs (testdata/evidence/):
#   gpt.raw.gz, mbr.raw.gz             whole disks, gzip -n -9
#   gpt.raw.001.gz ...                 the GPT disk split in 16 MiB pieces, each gzipped
#   gpt.E01, gpt.E02                   EnCase 6 image of the GPT disk, two segments
#                                      (ewfacquire -S picked so that there are exactly two)
#   mbr.E01                            EnCase 6 image of the MBR disk, one segment
#   peers/                             mmls, fls, istat, ewfinfo, ewfverify listings
#   manifest.json                      expected values (see testdata/README.md)
#
# Disks:
#   gpt: p1 NTFS "WINDATA" (28 MiB), 1 MiB gap, p2 ext4 "LINHOME" (20 MiB), 1 MiB free
#   mbr: p1 NTFS "DATA" (28 MiB), 1 MiB gap, extended partition holding a
#        logical ext4 "home" (20 MiB), 1 MiB free
# Both disks carry the same user trees (tree.d hooks run once; the MBR disk
# leaves out the two incompressible containers), each file system built
# separately.
#
# Tree hooks: every executable tree.d/*.sh runs, in name order, as
#   HOOK WIN_ROOT LINUX_ROOT
# before the file systems are built. WIN_ROOT becomes the NTFS volume's root
# (Users/alice/...), LINUX_ROOT the ext4 volume's root (home/bob/...). Hooks
# get FIXTURE_EPOCH / FIXTURE_DATE in the environment; afterwards every
# timestamp newer than the fixture date is clamped to it and atime is set to
# mtime, so a hook that ignores time still yields stable images.
#
# Needs root (ntfs-3g FUSE mount to delete NTFS files). Runs under faketime at
# FIXTURE_DATE so that file system, GPT and E01 timestamps do not depend on
# the wall clock. Random material from hooks (keys, salts) still changes on
# every run; tests must read expected values from manifest.json.
set -euo pipefail

export TZ=UTC LC_ALL=C
umask 022

here=$(cd "$(dirname "$0")" && pwd)
testdata=$(cd "$here/.." && pwd)

# --from-head: build from the committed generator, hooks and artefact
# fixtures only (a git archive of HEAD), so other people's uncommitted work
# in the tree cannot leak into the committed evidence. Outputs still go to
# this tree's testdata/evidence (or FIXTURES_OUT).
if [ "${1:-}" = --from-head ]; then
	repo=$(cd "$testdata/.." && pwd)
	export_dir=$(mktemp -d /tmp/loupe-fixtures-head.XXXXXX)
	trap 'rm -rf "$export_dir"' EXIT
	git -C "$repo" archive HEAD go.mod go.sum testdata/gen testdata/artefacts | tar -x -C "$export_dir"
	printf '[make-fixtures] building from HEAD %s\n' "$(git -C "$repo" rev-parse --short HEAD)" >&2
	FIXTURES_OUT=${FIXTURES_OUT:-$testdata/evidence} "$export_dir/testdata/gen/make-fixtures.sh"
	exit
fi
# FIXTURES_OUT redirects the outputs (used to check that two runs agree).
out=${FIXTURES_OUT:-$testdata/evidence}

export FIXTURE_DATE='2026-03-14 10:00:00'
export FIXTURE_EPOCH=1773482400 # date -u -d "$FIXTURE_DATE UTC" +%s

log() { printf '[make-fixtures %3ss] %s\n' "$SECONDS" "$*" >&2; }
die() { printf 'make-fixtures: %s\n' "$*" >&2; exit 2; }

# ------------------------------------------------------------------ checks
need() { # need TOOL DEBIAN-PACKAGE
	command -v "$1" >/dev/null 2>&1 || die "missing tool '$1' (apt-get install $2)"
}
need mkntfs ntfs-3g
need ntfscp ntfs-3g
need ntfs-3g ntfs-3g
need ntfsfix ntfs-3g
need wimlib-imagex wimtools
need mke2fs e2fsprogs
need debugfs e2fsprogs
need e2fsck e2fsprogs
need sfdisk fdisk
need ewfacquire ewf-tools
need ewfinfo ewf-tools
need ewfverify ewf-tools
need mmls sleuthkit
need fls sleuthkit
need icat sleuthkit
need istat sleuthkit
need img_cat sleuthkit
need faketime faketime
need convert imagemagick
need python3 python3
need gzip gzip
command -v go >/dev/null 2>&1 || die "missing the Go toolchain (go), used to build testdata/gen/mkpdf"
[ "$(id -u)" = 0 ] || die "must run as root (ntfs-3g FUSE mount is used to delete NTFS files)"
[ -e /dev/fuse ] || die "/dev/fuse is missing (needed by ntfs-3g)"

# -f passes the date to libfaketime as is: an absolute date without '@'
# freezes the clock (the plain form would start it there and let it run,
# leaving sub-second differences between runs).
FT=(faketime -f "$FIXTURE_DATE")

# One run at a time on this machine: two runs publishing into the same
# directory could mix one run's images with the other's manifest.
need flock util-linux
exec 9>/tmp/loupe-make-fixtures.lock
if ! flock -n 9; then
	log "another make-fixtures run holds /tmp/loupe-make-fixtures.lock; waiting"
	flock 9
fi
export E2FSPROGS_FAKE_TIME=$FIXTURE_EPOCH

work=$(mktemp -d /tmp/loupe-fixtures.XXXXXX)
mnt=
cleanup() {
	if [ -n "$mnt" ] && mountpoint -q "$mnt"; then umount "$mnt" || true; fi
	if [ -n "${KEEP_WORK:-}" ]; then log "work files kept in $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

# ------------------------------------------------------------------ trees
win=$work/tree/win
lin=$work/tree/linux
mkdir -p "$win" "$lin" "$work/new/peers"
# FIXTURE_HOOKS="10-base.sh 20-x.sh" runs only those hooks (for debugging a
# hook, or to leave out one that is not ready); committed outputs come from
# all hooks.
for hook in "$here"/tree.d/*.sh; do
	[ -x "$hook" ] || continue
	if [ -n "${FIXTURE_HOOKS:-}" ] && [[ " $FIXTURE_HOOKS " != *" $(basename "$hook") "* ]]; then
		log "tree hook $(basename "$hook") skipped (FIXTURE_HOOKS)"
		continue
	fi
	log "tree hook $(basename "$hook")"
	"$hook" "$win" "$lin" || die "tree hook $(basename "$hook") failed (exit $?)"
done

# normalise_times: clamp times to the fixture date and set atime = mtime
# (the file systems get their final atime/crtime/ctime from times.py).
# Reading a file (wimlib, mke2fs) may move its atime under relatime, so this
# runs again before each file system is built.
# A directory whose mtime is newer than the fixture date (it was just made)
# takes the newest mtime of its children instead, as if it had last changed
# when its newest file was written; an empty one gets a day in the month
# before the fixture date, derived from its path.
normalise_times() {
	python3 - "$FIXTURE_EPOCH" "$@" <<'PY'
import hashlib, os, sys
epoch = int(sys.argv[1]) * 10**9
def empty_dir_time(root, d):
    h = hashlib.sha256(os.path.relpath(d, root).encode()).digest()
    return epoch - (int.from_bytes(h[:8], "little") % (30 * 86400)) * 10**9
for root in sys.argv[2:]:
    for d, dirs, files in os.walk(root, topdown=False):
        newest = 0
        for n in files + dirs:
            p = os.path.join(d, n)
            st = os.lstat(p)
            m = min(st.st_mtime_ns, epoch)
            os.utime(p, ns=(m, m), follow_symlinks=False)
            newest = max(newest, m)
        st = os.lstat(d)
        m = st.st_mtime_ns if st.st_mtime_ns <= epoch else (newest or empty_dir_time(root, d))
        os.utime(d, ns=(m, m), follow_symlinks=False)
PY
}

# ------------------------------------------------------------------ NTFS
# build_ntfs IMG SECTORS START_SECTOR LABEL TREE
build_ntfs() {
	local img=$1 sectors=$2 start=$3 label=$4 tree=$5
	log "NTFS $label: mkntfs, wimlib apply, ADS, deletions"
	rm -f "$img"
	truncate -s $((sectors * 512)) "$img"
	# mkntfs always complains that a file "is not a block device"; keep it quiet.
	"${FT[@]}" mkntfs -F -Q -q -s 512 -c 4096 -L "$label" -p "$start" -H 255 -S 63 "$img" 2>"$work/mkntfs.err" || {
		cat "$work/mkntfs.err" >&2
		die "mkntfs failed on $img"
	}
	normalise_times "$tree"
	# wimlib writes the whole tree into the image through libntfs-3g.
	"${FT[@]}" wimlib-imagex capture "$tree" "$work/win.wim" "$label" --compress=none >/dev/null
	"${FT[@]}" wimlib-imagex apply "$work/win.wim" 1 "$img" >/dev/null
	rm -f "$work/win.wim"
	# Alternate data stream, as a browser leaves on a download.
	printf '[ZoneTransfer]\r\nZoneId=3\r\nReferrerUrl=https://www.example.org/gallery\r\nHostUrl=https://www.example.org/files/holiday-photos.zip\r\n' >"$work/zone.txt"
	"${FT[@]}" ntfscp -q -N Zone.Identifier "$img" "$work/zone.txt" /Users/alice/Downloads/holiday-photos.zip
	# Deletions need a mount: no ntfsprogs tool unlinks.
	mnt=$work/mnt
	mkdir -p "$mnt"
	"${FT[@]}" ntfs-3g -o no_detach,rw "$img" "$mnt" 2>"$work/ntfs-3g.log" &
	local pid=$!
	local i
	for i in $(seq 1 100); do mountpoint -q "$mnt" && break; sleep 0.1; done
	mountpoint -q "$mnt" || {
		cat "$work/ntfs-3g.log" >&2
		die "ntfs-3g mount of $img failed"
	}
	python3 "$here/times.py" ntfs "$tree" "$FIXTURE_EPOCH" "$mnt"
	for f in "${NTFS_DELETE[@]}"; do rm -- "$mnt$f"; done
	umount "$mnt"
	wait "$pid"
	mnt=
	# libntfs-3g leaves zero timestamps in $MFT's own record when it grows
	# the MFT; copy them from $MFTMirr's record (both copies of record 0).
	python3 "$here/ntfs_fix_mft_times.py" "$img"
	ntfsfix -n "$img" >"$work/ntfsfix.log" 2>&1 && grep -q 'processed successfully' "$work/ntfsfix.log" || {
		cat "$work/ntfsfix.log" >&2
		die "ntfsfix -n finds $img inconsistent"
	}
}

# ------------------------------------------------------------------ ext4
# build_ext4 IMG SECTORS LABEL UUID TREE
build_ext4() {
	local img=$1 sectors=$2 label=$3 uuid=$4 tree=$5
	log "ext4 $label: mke2fs -d, ownership and times, deletions"
	rm -f "$img"
	truncate -s $((sectors * 512)) "$img"
	normalise_times "$tree"
	mke2fs -q -F -t ext4 -b 4096 -L "$label" -U "$uuid" -E "hash_seed=$uuid" -d "$tree" "$img"
	# mke2fs -d copies the builder's uid/gid, its real ctime and no
	# nanoseconds: give bob his files and set all four times (times.py).
	python3 "$here/times.py" ext4 "$tree" "$FIXTURE_EPOCH" >"$work/ext4.cmds"
	(cd "$tree" && find home/bob -depth -print0 | sort -z) |
		while IFS= read -r -d '' p; do printf 'sif "/%s" uid 1000\nsif "/%s" gid 1000\n' "$p" "$p"; done >>"$work/ext4.cmds"
	for f in "${EXT4_DELETE[@]}"; do echo "rm \"$f\""; done >>"$work/ext4.cmds"
	"${FT[@]}" debugfs -w -f "$work/ext4.cmds" "$img" >/dev/null 2>"$work/debugfs.err" || {
		cat "$work/debugfs.err" >&2
		die "debugfs failed on $img"
	}
	if grep -v '^debugfs ' "$work/debugfs.err" | grep -q .; then
		cat "$work/debugfs.err" >&2
		die "debugfs reported errors on $img"
	fi
	e2fsck -fn "$img" >"$work/e2fsck.log" 2>&1 || {
		cat "$work/e2fsck.log" >&2
		die "e2fsck -fn finds $img inconsistent"
	}
}

NTFS_DELETE=(/Users/alice/Documents/meeting-notes.txt /Users/alice/Documents/contacts-export.txt)
EXT4_DELETE=(/home/bob/Documents/draft-message.txt /home/bob/Downloads/address-list.txt)
# Relative to $work/tree: left out of the MBR disk's copies of the trees.
CONTAINERS=(win-mbr/Users/alice/Documents/backup.hc linux-mbr/home/bob/Documents/archive.tc)

# ------------------------------------------------------------------ disks
# Sector layout (512-byte sectors).
GPT_TOTAL=104448 # 51 MiB
GPT_P1=(2048 57344)  # NTFS 28 MiB
GPT_P2=(61440 40960) # ext4 20 MiB, after a 1 MiB gap; 1 MiB free at the end
MBR_TOTAL=106496     # 52 MiB
MBR_P1=(2048 57344)  # NTFS 28 MiB
MBR_EXT=(61440 43008)
MBR_P5=(63488 40960) # logical ext4 20 MiB; its EBR sits at 61440

assemble() { # assemble DISK TOTAL SFDISK-SCRIPT NTFS-IMG NTFS-START EXT4-IMG EXT4-START
	local disk=$1 total=$2 script=$3
	rm -f "$disk"
	truncate -s $((total * 512)) "$disk"
	printf '%s' "$script" | "${FT[@]}" sfdisk -q --no-reread --no-tell-kernel "$disk"
	dd if="$4" of="$disk" bs=512 seek="$5" conv=notrunc,sparse status=none
	dd if="$6" of="$disk" bs=512 seek="$7" conv=notrunc,sparse status=none
}

normalise_times "$win" "$lin"
# The MBR disk gets the same trees without the two incompressible containers:
# they are there to make the GPT E01 spill into a second segment and would
# only make the committed MBR files 3 MB bigger. Hard-linked copies keep
# every file's times; the two parent directories keep theirs.
cp -al "$win" "$work/tree/win-mbr"
cp -al "$lin" "$work/tree/linux-mbr"
for f in "${CONTAINERS[@]}"; do
	r=$work/tree/$f
	rm -f "$r"
	touch -h -r "$(dirname "${r/-mbr\//\/}")" "$(dirname "$r")"
done

log "GPT disk"
build_ntfs "$work/gpt-ntfs.img" "${GPT_P1[1]}" "${GPT_P1[0]}" WINDATA "$win"
build_ext4 "$work/gpt-ext4.img" "${GPT_P2[1]}" LINHOME 6c6f7570-6532-4000-8000-6c696e686f6d "$lin"
assemble "$work/gpt.raw" $GPT_TOTAL "label: gpt
label-id: 6C6F7570-6500-4000-8000-000000000001
unit: sectors
first-lba: 34
start=${GPT_P1[0]}, size=${GPT_P1[1]}, type=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7, uuid=6C6F7570-6500-4000-8000-000000000011, name=\"Basic data partition\"
start=${GPT_P2[0]}, size=${GPT_P2[1]}, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, uuid=6C6F7570-6500-4000-8000-000000000012, name=\"home\"
" "$work/gpt-ntfs.img" "${GPT_P1[0]}" "$work/gpt-ext4.img" "${GPT_P2[0]}"

log "MBR disk"
build_ntfs "$work/mbr-ntfs.img" "${MBR_P1[1]}" "${MBR_P1[0]}" DATA "$work/tree/win-mbr"
build_ext4 "$work/mbr-ext4.img" "${MBR_P5[1]}" home 6c6f7570-6532-4000-8000-6d6272686f6d "$work/tree/linux-mbr"
assemble "$work/mbr.raw" $MBR_TOTAL "label: dos
label-id: 0x4c4f5550
unit: sectors

mbr.raw1 : start=${MBR_P1[0]}, size=${MBR_P1[1]}, type=7
mbr.raw2 : start=${MBR_EXT[0]}, size=${MBR_EXT[1]}, type=5
mbr.raw5 : start=${MBR_P5[0]}, size=${MBR_P5[1]}, type=83
" "$work/mbr-ntfs.img" "${MBR_P1[0]}" "$work/mbr-ext4.img" "${MBR_P5[0]}"
rm -f "$work"/*-ntfs.img "$work"/*-ext4.img

# ------------------------------------------------------------------ containers
n=$work/new
log "compress raw disks"
gzip -n -9 -c "$work/gpt.raw" >"$n/gpt.raw.gz"
gzip -n -9 -c "$work/mbr.raw" >"$n/mbr.raw.gz"
log "split raw of the GPT disk"
(cd "$work" && split -b 16M -d -a 3 --numeric-suffixes=1 gpt.raw gpt.raw.)
for p in "$work"/gpt.raw.[0-9][0-9][0-9]; do
	gzip -n -9 -c "$p" >"$n/$(basename "$p").gz"
	rm -f "$p"
done

GPT_META=(-C "LOUPE-2026-0314" -E "EXH-001" -e "DS R. Example"
	-D "GPT test disk: Windows profile (NTFS) and Linux home (ext4)"
	-N "Synthetic fixture made by testdata/gen/make-fixtures.sh")
MBR_META=(-C "LOUPE-2026-0315" -E "EXH-002" -e "DC J. Sample"
	-D "MBR test disk: NTFS primary, ext4 logical in an extended partition"
	-N "Synthetic fixture; single segment")
# The GPT disk's E01 must have exactly two segments. Both file systems hold
# an incompressible 1.5 MiB file, so the compressed media is a little over
# 3 MiB; the smallest segment size from this list that yields two segments
# wins (hooks adding data may move it). The choice is in the manifest.
log "E01 of the GPT disk (two segments)"
GPT_SEGMENT=
gzsize=$(stat -c %s "$n/gpt.raw.gz")
for s in 1048576 1572864 2097152 2621440 3145728 4194304 6291456 8388608; do
	# gzip -9 and EWF's deflate compress alike: skip sizes that surely
	# give three or more segments.
	[ $((2 * s)) -ge $((gzsize * 9 / 10)) ] || continue
	rm -f "$n"/gpt.E??
	"${FT[@]}" ewfacquire -u -q -f encase6 -c best -d sha1 -m fixed -M physical \
		"${GPT_META[@]}" -S "$s" -t "$n/gpt" "$work/gpt.raw" >"$work/ewfacquire-gpt.log"
	if [ -f "$n/gpt.E02" ] && [ ! -f "$n/gpt.E03" ]; then GPT_SEGMENT=$s; break; fi
done
[ -n "$GPT_SEGMENT" ] || die "no segment size gives a two-segment E01 of the GPT disk"
log "  segment size $GPT_SEGMENT bytes"
log "E01 of the MBR disk (one segment)"
"${FT[@]}" ewfacquire -u -q -f encase6 -c fast -d sha1 -m fixed -M physical \
	"${MBR_META[@]}" -t "$n/mbr" "$work/mbr.raw" >"$work/ewfacquire-mbr.log"
[ -f "$n/gpt.E02" ] || die "gpt E01 did not spill into a second segment"
[ ! -f "$n/gpt.E03" ] || die "gpt E01 has more than two segments"
[ ! -f "$n/mbr.E02" ] || die "mbr E01 has more than one segment"

# ------------------------------------------------------------------ peers
log "peer listings"
p=$n/peers
for d in gpt mbr; do
	mmls "$work/$d.raw" >"$p/$d.mmls.txt"
	ewfinfo "$n/$d.E01" >"$p/$d.ewfinfo.txt"
	ewfverify -q "$n/$d.E01" >"$p/$d.ewfverify.txt" 2>&1 || die "ewfverify failed for $d"
	# The E01 must hold exactly the raw disk.
	cmp <(img_cat "$n/$d.E01") "$work/$d.raw" || die "img_cat of $d.E01 differs from the raw disk"
done
cmp <(zcat "$n"/gpt.raw.0*.gz) "$work/gpt.raw" || die "split pieces differ from the raw disk"
# TSK must list the same entries whichever container it reads.
mkdir -p "$work/split"
for p in "$n"/gpt.raw.0*.gz; do zcat "$p" >"$work/split/$(basename "$p" .gz)"; done
for d in gpt mbr; do
	for start in $(mmls -a "$work/$d.raw" | awk '/^[0-9][0-9][0-9]:/ {print $3+0}'); do
		fls -r -p -o "$start" "$work/$d.raw" >"$work/fls.raw"
		fls -r -p -o "$start" "$n/$d.E01" >"$work/fls.e01"
		cmp -s "$work/fls.raw" "$work/fls.e01" || die "fls of $d at sector $start differs between raw and E01"
		if [ "$d" = gpt ]; then
			fls -r -p -o "$start" "$work/split/gpt.raw.001" >"$work/fls.split"
			cmp -s "$work/fls.raw" "$work/fls.split" || die "fls of the split image at sector $start differs from raw"
		fi
	done
done
rm -rf "$work/split"

log "manifest"
python3 "$here/manifest.py" --work "$work" --out "$n" --tree-win "$win" --tree-linux "$lin" \
	--mbr-tree-win "$work/tree/win-mbr" --mbr-tree-linux "$work/tree/linux-mbr" \
	--ntfs-deleted "$(IFS=:; echo "${NTFS_DELETE[*]}")" \
	--ext4-deleted "$(IFS=:; echo "${EXT4_DELETE[*]}")" \
	--gpt-segment-size "$GPT_SEGMENT"

# ------------------------------------------------------------------ publish
log "publish to $out"
mkdir -p "$out/peers"
rm -f "$out"/gpt.* "$out"/mbr.* "$out"/manifest.json "$out"/peers/gpt.* "$out"/peers/mbr.*
cp -p "$n"/gpt.* "$n"/mbr.* "$n"/manifest.json "$out/"
cp -p "$n"/peers/* "$out/peers/"
(cd "$out" && ls -l gpt.* mbr.* manifest.json) >&2
log "done"
