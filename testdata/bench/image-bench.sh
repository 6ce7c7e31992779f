#!/usr/bin/env bash
# Peer benchmark for evidence verification, measured in one run:
#   1. raw:  `loupe-cli image verify` (MD5+SHA-1+SHA-256 in one pass) against
#            md5sum, sha1sum and sha256sum run one after another;
#   2. E01:  `loupe-cli image verify` (all three hashes) against
#            `ewfverify -d sha1` (MD5 and SHA-1 only).
# It prints the ratios (peer time / our time: above 1 means Loupe is faster).
#
#   testdata/bench/image-bench.sh LOUPE_CLI [WORK_DIR]
#
# The image (BENCH_IMAGE_MIB, default 1024) mixes what disks hold: zeros,
# text, compressible binary and incompressible (encrypted-looking) data,
# in 1 MiB stripes. Timings are warm-cache medians of BENCH_RUNS runs (3).
# Needs: ewfacquire and ewfverify (ewf-tools), python3, coreutils.
set -euo pipefail
export LC_ALL=C TZ=UTC
die() { printf 'image-bench: %s\n' "$*" >&2; exit 2; }
log() { printf '[image-bench] %s\n' "$*" >&2; }
[ $# -ge 1 ] || die "usage: $0 LOUPE_CLI [WORK_DIR]"
cli=$(realpath "$1")
work=${2:-$(mktemp -d /tmp/loupe-image-bench.XXXXXX)}
mib=${BENCH_IMAGE_MIB:-1024}
runs=${BENCH_RUNS:-3}
for t in ewfacquire ewfverify md5sum sha1sum sha256sum python3; do
  command -v "$t" >/dev/null || die "$t not found (apt-get install ewf-tools coreutils python3)"
done
mkdir -p "$work"
raw="$work/mixed.raw"
if [ ! -s "$raw" ] || [ "$(stat -c %s "$raw")" != $((mib << 20)) ]; then
  log "generating a ${mib} MiB mixed image"
  python3 - "$raw" "$mib" <<'PY'
import os, random, sys
path, mib = sys.argv[1], int(sys.argv[2])
rng = random.Random(1)
words = b"the of evidence seized laptop onion wallet key message bitcoin tor browser profile".split()
with open(path, "wb") as f:
    for i in range(mib):
        kind = i % 4
        if kind == 0:
            f.write(bytes(1 << 20))                                    # empty space
        elif kind == 1:
            f.write(rng.randbytes(1 << 20))                            # encrypted / compressed data
        elif kind == 2:
            line = b" ".join(rng.choice(words) for _ in range(4096))   # text
            f.write((line * ((1 << 20) // len(line) + 1))[:1 << 20])
        else:
            block = rng.randbytes(4096)                                # repetitive binary
            f.write(block * 256)
PY
fi
e01base="$work/mixed"
if [ ! -s "$e01base.E01" ]; then
  log "acquiring it with ewfacquire (EnCase 6, deflate fast, 1.4 GiB segments)"
  ewfacquire -u -q -f encase6 -c fast -d sha1 -m fixed -M physical -C BENCH -E 1 -e bench -D bench -N bench \
    -S 1400MiB -t "$e01base" "$raw" >/dev/null
fi

# time_cmd NAME CMD... : median wall seconds over $runs runs
time_cmd() {
  local ts=()
  for _ in $(seq "$runs"); do
    local s e
    s=$(date +%s.%N); "$@" >/dev/null 2>&1 || die "command failed: $*"; e=$(date +%s.%N)
    ts+=("$(echo "$e - $s" | bc -l)")
  done
  printf '%s\n' "${ts[@]}" | sort -n | sed -n "$(( (runs + 1) / 2 ))p"
}
coreutils() { md5sum "$raw" && sha1sum "$raw" && sha256sum "$raw"; }
log "warming the cache"
cat "$raw" "$e01base".E* >/dev/null

ours_raw=$(time_cmd "$cli" image verify --json "$raw")
peer_raw=$(time_cmd coreutils)
md5_only=$(time_cmd md5sum "$raw")
ours_e01=$(time_cmd "$cli" image verify --json "$e01base.E01")
peer_e01=$(time_cmd ewfverify -q -d sha1 "$e01base.E01")

ratio() { echo "scale=2; $1 / $2" | bc -l; }
mbs() { echo "scale=0; $mib / $1" | bc -l; }
printf '\nimage verify benchmark, %d MiB mixed image, median of %d warm runs, %s cores\n' "$mib" "$runs" "$(nproc)"
printf '%-46s %8.2f s  %5s MiB/s\n' "loupe-cli image verify (raw, md5+sha1+sha256)" "$ours_raw" "$(mbs "$ours_raw")"
printf '%-46s %8.2f s  %5s MiB/s\n' "md5sum; sha1sum; sha256sum (raw)" "$peer_raw" "$(mbs "$peer_raw")"
printf '%-46s %8.2f s  %5s MiB/s\n' "md5sum alone (raw), for reference" "$md5_only" "$(mbs "$md5_only")"
printf '%-46s %8.2f s  %5s MiB/s\n' "loupe-cli image verify (E01, md5+sha1+sha256)" "$ours_e01" "$(mbs "$ours_e01")"
printf '%-46s %8.2f s  %5s MiB/s\n' "ewfverify -d sha1 (E01, md5+sha1)" "$peer_e01" "$(mbs "$peer_e01")"
printf 'ratio raw: coreutils / loupe = %sx (target >= 2.5x)\n' "$(ratio "$peer_raw" "$ours_raw")"
printf 'ratio raw: loupe / md5sum alone = %sx (MD5 is serial by design: one pass of three hashes cannot beat MD5 alone by much)\n' "$(ratio "$ours_raw" "$md5_only")"
if grep -qw sha_ni /proc/cpuinfo; then
  echo "note: this CPU has SHA extensions: SHA-1 and SHA-256 are about 2.3x faster than MD5, which sets the pace"
fi
printf 'ratio E01: ewfverify / loupe = %sx (target >= 1.0x)\n' "$(ratio "$peer_e01" "$ours_e01")"
