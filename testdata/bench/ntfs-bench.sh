#!/usr/bin/env bash
# Benchmark of Loupe's NTFS reader (go-ntfs underneath) against The Sleuth
# Kit: a full walk of an NTFS volume holding about 100,000 files, every entry
# decoded with all its times, sizes and streams, against `fls -r -p` on the
# same image, in the same run.
#
#   testdata/bench/ntfs-bench.sh [WORK_DIR]
#
# BENCH_NTFS_FILES (default 100000) files are spread over BENCH_NTFS_DIRS
# (default 1311) directories two levels deep, with names of varied length and
# one to a few hundred bytes of content; `mkntfs` formats a sparse image and
# `wimlib-imagex capture` + `apply` write the tree into it (no mounting).
# Both commands run from a warm page cache, one process each per run (the
# walk is testdata/bench/ntfswalk). hyperfine is used when installed, else
# the median of BENCH_RUNS (default 7) runs. Prints both times and the ratio
# walk/fls (below 1 means Loupe is faster), after checking that both listed
# the same number of user (non-$) entries.
#
# Needs: go, mkntfs (ntfs-3g), wimlib-imagex (wimtools), fls (sleuthkit),
# python3; hyperfine optional.
set -euo pipefail
export LC_ALL=C TZ=UTC

die() { printf 'ntfs-bench: %s\n' "$*" >&2; exit 2; }
log() { printf '[ntfs-bench] %s\n' "$*" >&2; }

for t in go mkntfs wimlib-imagex fls python3; do
	command -v "$t" >/dev/null 2>&1 || die "missing $t"
done
repo=$(cd "$(dirname "$0")/../.." && pwd)
work=${1:-$(mktemp -d /tmp/loupe-ntfs-bench.XXXXXX)}
mkdir -p "$work"
work=$(realpath "$work")
nfiles=${BENCH_NTFS_FILES:-100000}
ndirs=${BENCH_NTFS_DIRS:-1311}
runs=${BENCH_RUNS:-7}

img=$work/ntfs-$nfiles.img
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
	# About 1 KiB of MFT per file plus content and slack.
	size_mb=$(((nfiles * 8192) / 1048576 + 256))
	log "mkntfs ${size_mb} MiB, wimlib capture + apply (this takes a while)"
	rm -f "$img"
	truncate -s "${size_mb}M" "$img"
	mkntfs -F -Q -q -L BENCH "$img" >/dev/null 2>&1
	wimlib-imagex capture "$work/tree" "$work/tree.wim" BENCH --compress=none >/dev/null
	wimlib-imagex apply "$work/tree.wim" 1 "$img" >/dev/null
	rm -rf "$work/tree" "$work/tree.wim"
fi

bin=$work/ntfswalk
log "building ntfswalk"
(cd "$repo" && go build -o "$bin" ./testdata/bench/ntfswalk)

walk_cmd="$bin $img"
fls_cmd="fls -r -p $img"

cat "$img" >/dev/null # warm the page cache for both

# fls prints paths without a leading "/"; user entries are those whose
# first component does not start with "$" ($OrphanFiles, metadata files).
fls_user=$(fls -r -p "$img" | awk -F'\t' '$2 !~ /^\$/' | wc -l)
walk_user=$("$bin" "$img" | awk '{ print $2 }')
log "user entries: fls $fls_user, walk $walk_user"
[ "$fls_user" = "$walk_user" ] || die "fls listed $fls_user user entries, the walk $walk_user"
[ "$walk_user" -ge "$nfiles" ] || die "only $walk_user entries for $nfiles files"

if command -v hyperfine >/dev/null 2>&1; then
	hyperfine -N --warmup 2 --runs "$runs" --export-json "$work/hyperfine.json" \
		-n loupe-walk "$walk_cmd" -n fls "$fls_cmd" >&2
	python3 - "$work/hyperfine.json" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
w, f = r["loupe-walk"]["median"], r["fls"]["median"]
print("ntfs walk (median wall): %.3f s   fls -r -p: %.3f s   ratio walk/fls: %.2f" % (w, f, w / f))
cw = r["loupe-walk"]["user"] + r["loupe-walk"]["system"]
cf = r["fls"]["user"] + r["fls"]["system"]
print("ntfs walk (mean cpu):    %.3f s   fls -r -p: %.3f s   ratio walk/fls: %.2f" % (cw, cf, cw / cf))
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
	python3 -c "import sys; w, f = float(sys.argv[1]), float(sys.argv[2]); print('ntfs walk (median): %.3f s   fls -r -p: %.3f s   ratio walk/fls: %.2f' % (w, f, w / f))" "$w" "$f"
fi
