#!/usr/bin/env bash
# Benchmark of `loupe-cli examine` against one triple-hash pass of the same
# image (`loupe-cli image verify`), on generated two-partition GPT disks
# (p1 NTFS, p2 ext4) of two sizes, to check the issue's budget:
#   examine wall time <= 2 x verify wall time, peak RSS < 300 MB, and peak
#   RSS not growing with image size.
#
#   testdata/bench/examine-bench.sh LOUPE_CLI [WORK_DIR]
#
# Sizes default to 256 MiB and 1024 MiB (BENCH_SIZES="256 1024", in MiB).
# Both images hold the same number of files (BENCH_FILES per file system,
# default 1500): what grows with the size is file content, so a growth in
# RSS would come from the image size, not from a longer file list.
# Each file system is filled to about 60 % with a mix of small text files,
# compressible and incompressible medium files, a few large files, an
# SQLite database and a random "container".
#
# Needs: mkntfs (ntfs-3g), wimlib-imagex (wimtools), mke2fs (e2fsprogs),
# sfdisk (fdisk), sqlite3, /usr/bin/time (package "time").
# Timings are warm-cache: each image is read once before measuring, so
# both commands are measured under the same cache conditions.
set -euo pipefail
export LC_ALL=C TZ=UTC

die() { printf 'examine-bench: %s\n' "$*" >&2; exit 2; }
log() { printf '[examine-bench] %s\n' "$*" >&2; }

[ $# -ge 1 ] || die "usage: $0 LOUPE_CLI [WORK_DIR]"
cli=$(realpath "$1")
[ -x "$cli" ] || die "$1 is not executable"
for t in mkntfs wimlib-imagex mke2fs sfdisk sqlite3 /usr/bin/time; do
	command -v "$t" >/dev/null 2>&1 || die "missing $t"
done
work=${2:-$(mktemp -d /tmp/loupe-bench.XXXXXX)}
mkdir -p "$work"
work=$(realpath "$work")
sizes=${BENCH_SIZES:-256 1024}
nfiles=${BENCH_FILES:-1500}

# fill_tree DIR BYTES: about BYTES of content in nfiles files.
fill_tree() {
	local dir=$1 budget=$2
	mkdir -p "$dir/docs" "$dir/media" "$dir/data" "$dir/deep/a/b/c"
	# Text corpus for compressible files.
	local corpus=$work/corpus.txt
	if [ ! -s "$corpus" ]; then
		cat /usr/share/common-licenses/* > "$corpus" 2>/dev/null || head -c 1048576 /dev/zero | tr '\0' 'x' > "$corpus"
	fi
	local small=$((nfiles - 20))
	# 60 % of the budget: 10 % in small files, 50 % in 20 medium/large files.
	local small_sz=$((budget / 10 / small))
	[ "$small_sz" -ge 512 ] || small_sz=512
	local i
	for ((i = 0; i < small; i++)); do
		case $((i % 3)) in
		0) head -c "$small_sz" "$corpus" > "$dir/docs/note$i.txt" ;;
		1) head -c "$small_sz" /dev/urandom > "$dir/deep/a/b/c/blob$i.bin" ;;
		2) head -c "$small_sz" "$corpus" | gzip -n > "$dir/data/arch$i.gz" ;;
		esac
	done
	local big=$((budget / 2 / 18))
	big=$((big / 512 * 512))
	for ((i = 0; i < 9; i++)); do
		head -c "$big" /dev/urandom > "$dir/media/video$i.mp4.part"
		{ yes "log line $i: the quick brown fox jumps over the lazy dog" || true; } | head -c "$big" > "$dir/data/log$i.txt"
	done
	head -c "$big" /dev/urandom > "$dir/data/vault.hc"
	sqlite3 "$dir/data/places.sqlite" "CREATE TABLE moz_places(id INTEGER PRIMARY KEY, url TEXT); WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM n WHERE x < 5000) INSERT INTO moz_places(url) SELECT 'http://example' || x || '.onion/' FROM n;"
}

# make_image MIB OUT: GPT disk, p1 NTFS and p2 ext4 each about half.
make_image() {
	local mib=$1 out=$2
	local dir=$work/build-$mib
	rm -rf "$dir" && mkdir -p "$dir"
	local half=$(((mib - 2) / 2)) # MiB per partition (1 MiB head, 1 MiB GPT backup tail)
	local p1_start=2048 p1_sectors=$((half * 2048))
	local p2_start=$((p1_start + p1_sectors)) p2_sectors=$((half * 2048))
	local budget=$((half * 1048576 * 6 / 10))
	log "image $mib MiB: filling trees ($nfiles files each, $((budget >> 20)) MiB each)"
	fill_tree "$dir/win" "$budget"
	fill_tree "$dir/lin" "$budget"
	truncate -s "${half}M" "$dir/ntfs.img"
	mkntfs -F -Q -q -L BENCHWIN -p "$p1_start" -H 255 -S 63 "$dir/ntfs.img"
	wimlib-imagex capture "$dir/win" "$dir/win.wim" WIN --compress=none >/dev/null
	wimlib-imagex apply "$dir/win.wim" 1 "$dir/ntfs.img" >/dev/null
	mke2fs -q -F -t ext4 -b 4096 -L BENCHLIN -d "$dir/lin" "$dir/ext4.img" "${half}M"
	truncate -s "${mib}M" "$out"
	sfdisk -q --no-reread --no-tell-kernel "$out" <<-EOF
		label: gpt
		start=$p1_start, size=$p1_sectors, type=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7, name="win"
		start=$p2_start, size=$p2_sectors, type=0FC63DAF-8483-4772-8E3D-0061C4797284, name="lin"
	EOF
	dd if="$dir/ntfs.img" of="$out" bs=1M seek=$((p1_start / 2048)) conv=notrunc,sparse status=none
	dd if="$dir/ext4.img" of="$out" bs=1M seek=$((p2_start / 2048)) conv=notrunc,sparse status=none
	rm -rf "$dir"
}

# measure NAME CMD...: runs CMD under /usr/bin/time -v; sets wall_s and rss_kb.
measure() {
	local name=$1
	shift
	local tv=$work/$name.time
	if ! /usr/bin/time -v -o "$tv" "$@" >"$work/$name.out" 2>"$work/$name.err"; then
		cat "$work/$name.err" >&2
		die "$name failed"
	fi
	wall_s=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$tv")
	rss_kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$tv")
}

printf '%-8s %-12s %-12s %-8s %-16s %-16s\n' size_mib verify_s examine_s ratio verify_rss_mb examine_rss_mb
declare -A rss_of
for mib in $sizes; do
	img=$work/bench-$mib.raw
	[ -s "$img" ] || make_image "$mib" "$img"
	cat "$img" >/dev/null # warm the page cache for both measurements
	measure "verify-$mib" "$cli" image verify "$img"
	v_s=$wall_s v_rss=$rss_kb
	rec=$work/bench-$mib.loupe
	rm -f "$rec" "$rec".*
	measure "examine-$mib" env LOUPE_KEY_DIR="$work/keys" "$cli" examine --record "$rec" --case BENCH-1 --exhibit "BENCH/$mib" --examiner bench --key-dir "$work/keys" "$img"
	e_s=$wall_s e_rss=$rss_kb
	ratio=$(awk -v e="$e_s" -v v="$v_s" 'BEGIN {printf "%.2f", e / v}')
	printf '%-8s %-12s %-12s %-8s %-16s %-16s\n' "$mib" "$v_s" "$e_s" "$ratio" "$((v_rss / 1024))" "$((e_rss / 1024))"
	rss_of[$mib]=$e_rss
	echo "$ratio" > "$work/ratio-$mib"
	grep -h '"files"\|"artefacts"' "$work/examine-$mib.out" | head -2 >&2 || true
done
# Verdicts against the issue's budget.
status=0
first=${sizes%% *} last=${sizes##* }
for mib in $sizes; do
	r=$(awk -v e="$(cat "$work/ratio-$mib")" 'BEGIN {print (e <= 2.0) ? "ok" : "FAIL"}')
	m=$((rss_of[$mib] / 1024))
	printf 'size %s MiB: time ratio %s (<= 2.00): %s; peak RSS %d MB (< 300): %s\n' "$mib" "$(cat "$work/ratio-$mib")" "$r" "$m" "$([ "$m" -lt 300 ] && echo ok || echo FAIL)"
	[ "$r" = ok ] && [ "$m" -lt 300 ] || status=1
done
if [ "$first" != "$last" ]; then
	# "Does not grow": allow 10 % (or 16 MB) of measurement noise.
	a=$((rss_of[$first] / 1024)) b=$((rss_of[$last] / 1024))
	g=$(awk -v a="$a" -v b="$b" 'BEGIN {print (b <= a * 1.10 || b - a <= 16) ? "ok" : "FAIL"}')
	printf 'peak RSS %d MB at %s MiB vs %d MB at %s MiB: %s\n' "$a" "$first" "$b" "$last" "$g"
	[ "$g" = ok ] || status=1
fi
log "work dir: $work (images are kept for reruns; delete it when done)"
exit $status
