#!/usr/bin/env bash
# Benchmark of Loupe's own ext4 reader against The Sleuth Kit: a full walk
# (every name with its inode decoded) of an ext4 volume holding about
# 100,000 files, against `fls -r -p` on the same image, in the same run.
#
#   testdata/bench/ext4-bench.sh [WORK_DIR]
#
# BENCH_EXT4_FILES (default 100000) files are spread over BENCH_EXT4_DIRS
# (default 1311) directories two levels deep, with names of varied length
# and one to a few hundred bytes of content, then `mke2fs -d` builds the
# volume. Both commands run from a warm page cache, one process each per
# run (the walk is testdata/bench/ext4walk, which opens the image with
# forensic/filesystem/ext4 and walks every entry, so process start, Open
# and Walk are all inside the measured time, as fls's start and image open
# are). For an in-process figure, run BenchmarkWalk with
# LOUPE_EXT4_BENCH_IMAGE=IMAGE. hyperfine is used when installed, else the
# median of BENCH_RUNS (default 7) runs. Prints both times and the ratio
# walk/fls (below 1 means Loupe is faster), and checks that both listed the
# same number of names. With hyperfine it also prints the ratio of CPU
# time (user + system), which a busy machine disturbs less than wall time.
#
# Needs: go, mke2fs (e2fsprogs), fls (sleuthkit), python3; hyperfine optional.
set -euo pipefail
export LC_ALL=C TZ=UTC

die() { printf 'ext4-bench: %s\n' "$*" >&2; exit 2; }
log() { printf '[ext4-bench] %s\n' "$*" >&2; }

for t in go mke2fs fls python3; do
	command -v "$t" >/dev/null 2>&1 || die "missing $t"
done
repo=$(cd "$(dirname "$0")/../.." && pwd)
work=${1:-$(mktemp -d /tmp/loupe-ext4-bench.XXXXXX)}
mkdir -p "$work"
work=$(realpath "$work")
nfiles=${BENCH_EXT4_FILES:-100000}
ndirs=${BENCH_EXT4_DIRS:-1311}
runs=${BENCH_RUNS:-7}

img=$work/ext4-$nfiles.img
if [ ! -s "$img" ]; then
	log "tree: $nfiles files in $ndirs directories"
	rm -rf "$work/tree"
	python3 - "$work/tree" "$nfiles" "$ndirs" <<'PY'
import os, sys
root, nfiles, ndirs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
dirs = []
for d in range(ndirs):
    p = os.path.join(root, "top%02d" % (d % 37), "dir-%04d" % d)
    os.makedirs(p, exist_ok=True)
    dirs.append(p)
for i in range(nfiles):
    name = "file-%06d%s.txt" % (i, "-with-a-longer-name" * (i % 3))
    with open(os.path.join(dirs[i % ndirs], name), "w") as f:
        f.write("x" * (1 + i % 300))
PY
	inodes=$((nfiles + ndirs + 1000))
	log "mke2fs -d (this takes a while)"
	mke2fs -q -F -t ext4 -b 4096 -N "$inodes" -d "$work/tree" "$img" "$(((nfiles * 4096 + 256 * 1048576) / 1048576))M"
	rm -rf "$work/tree"
fi

bin=$work/ext4walk
log "building ext4walk"
(cd "$repo" && go build -o "$bin" ./testdata/bench/ext4walk)

walk_cmd="$bin $img"
fls_cmd="fls -r -p $img"

cat "$img" >/dev/null # warm the page cache for both

fls_names=$(fls -r -p "$img" | grep -vc -e '^V/V' -e '\$OrphanFiles' || true)
walk_names=$("$bin" "$img" | awk '{ print $2 }')
log "names: fls $fls_names, walk $walk_names"
[ "$fls_names" = "$walk_names" ] || die "fls listed $fls_names names, the walk $walk_names"

if command -v hyperfine >/dev/null 2>&1; then
	hyperfine -N --warmup 2 --runs "$runs" --export-json "$work/hyperfine.json" \
		-n loupe-walk "$walk_cmd" -n fls "$fls_cmd" >&2
	python3 - "$work/hyperfine.json" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
w, f = r["loupe-walk"]["median"], r["fls"]["median"]
print("ext4 walk (median wall): %.3f s   fls -r -p: %.3f s   ratio walk/fls: %.2f" % (w, f, w / f))
# CPU time (user + system) is steadier than wall time on a shared machine.
cw = r["loupe-walk"]["user"] + r["loupe-walk"]["system"]
cf = r["fls"]["user"] + r["fls"]["system"]
print("ext4 walk (mean cpu):    %.3f s   fls -r -p: %.3f s   ratio walk/fls: %.2f" % (cw, cf, cw / cf))
PY
else
	med() { # med CMD...: median wall time of $runs runs, in seconds
		local i t
		for ((i = 0; i < runs; i++)); do
			t=$(date +%s%N)
			"$@" >/dev/null
			echo $(($(date +%s%N) - t))
		done | sort -n | awk '{ a[NR] = $1 } END { printf "%.3f", a[int((NR + 1) / 2)] / 1e9 }'
	}
	w=$(med "$bin" "$img")
	f=$(med fls -r -p "$img")
	python3 -c "import sys; w, f = float(sys.argv[1]), float(sys.argv[2]); print('ext4 walk (median): %.3f s   fls -r -p: %.3f s   ratio walk/fls: %.2f' % (w, f, w / f))" "$w" "$f"
fi
