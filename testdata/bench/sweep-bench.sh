#!/usr/bin/env bash
# Identifier sweep benchmark (issue 9): generates a ~1 GiB mixed image
# (random bytes, text, zeros, planted identifiers in ASCII and UTF-16LE) and
# times, in the same run on the same cached file, `loupe-cli sweep
# --whole-image` against `grep -aoE` with equivalent patterns (grep does no
# validation and no UTF-16LE). Prints both times, MB/s and the ratio.
# Usage: sweep-bench.sh [SIZE_MiB]   (default 1024)
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
size=${1:-1024}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$here"
go build -o "$work/loupe-cli" ./cmd/loupe-cli

python3 - "$work/bench.raw" "$size" <<'PY'
import os, sys, random
path, mib = sys.argv[1], int(sys.argv[2])
rnd = random.Random(9)
ids = [
    "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4",
    "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
    "42U9v3qs5CjZEePHBZHwuSckQXebuZu299NSmVEmQ41YJZQhKcPyujyMSzpDH4VMMVSBo3U3b54JaNvQLwAjqDhKS3rvM3L",
    "xprv9s21ZrQH143K3h3fDYiay8mocZ3afhfULfb5GX8kCBdno77K4HiA15Tg23wpbeF1pLfs1c5SPmYHrEpTuuRhxMwvKDwqdKiGJS9XFKzUsAF",
    "5HueCGU8rMjxEXxiPuD5BDku4MkFqeZyd4dZ1jvhTVqvbTLvyTJ",
    "25njqamcweflpvkl73j4szahhihoc4xt3ktcgjnpaingr5yhkenl5sid.onion",
    "legal winner thank year wave sausage worth useful legal winner thank yellow",
    "-----BEGIN PGP PUBLIC KEY BLOCK-----", "alice.drop@example.com", "https://market.example.org/item?id=7",
]
# Text: the repository's own sources and docs, as an examiner's disk holds text.
text = bytearray()
for root, _, files in os.walk("."):
    if "/.git" in root or "testdata" in root:
        continue
    for f in files:
        if f.endswith((".go", ".md", ".sh", ".py", ".json")):
            try:
                text += open(os.path.join(root, f), "rb").read()
            except OSError:
                pass
text = bytes((bytes(text) * (1 + (8 << 20) // max(1, len(text))))[: 8 << 20])
MiB = 1 << 20
with open(path, "wb") as out:
    for i in range(mib):
        kind = i % 8
        if kind < 4:
            blk = bytearray(os.urandom(MiB))          # compressed / encrypted data
        elif kind < 7:
            off = rnd.randrange(0, len(text) - MiB)
            blk = bytearray(text[off:off + MiB])       # text
        else:
            blk = bytearray(MiB)                       # empty clusters
        for _ in range(4):
            v = rnd.choice(ids)
            s = ("\n" + v + "\n").encode()
            if rnd.random() < 0.25:
                s = s.decode().encode("utf-16-le")
            p = rnd.randrange(0, MiB - len(s))
            blk[p:p + len(s)] = s
        out.write(blk)
PY

img=$work/bench.raw
bytes=$(stat -c %s "$img")
cat "$img" >/dev/null   # both runs read from the page cache

b58='[1-9A-HJ-NP-Za-km-z]'
pat="[a-z2-7]{56}\.onion|[a-z2-7]{16}\.onion"
pat+="|[13LMD]$b58{25,34}|(bc|tb|ltc)1[02-9ac-hj-np-z]{11,87}"
pat+="|0x[0-9a-fA-F]{40}|[48]$b58{94,105}|[xtyzuvYZUV](pub|prv)$b58{107}|[5KLc9]$b58{50,51}"
pat+="|([a-z]{3,8} ){11,23}[a-z]{3,8}|-----BEGIN PGP [A-Z ]+-----|[0-9A-Fa-f]{40}|[0-9A-Fa-f]{64}"
pat+="|[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}|(https?|ftp|wss?)://[^[:space:]\"'<>]+"

now() { date +%s.%N; }
t0=$(now)
"$work/loupe-cli" sweep --json --whole-image "$img" >"$work/sweep.out"
t1=$(now)
LC_ALL=C grep -aoE "$pat" "$img" >"$work/grep.out" || true
t2=$(now)

python3 - "$bytes" "$t0" "$t1" "$t2" "$work/sweep.out" "$work/grep.out" <<'PY'
import sys, json
n, t0, t1, t2 = int(sys.argv[1]), *map(float, sys.argv[2:5])
sw, gr = t1 - t0, t2 - t1
lines = open(sys.argv[5]).read().splitlines()
log = json.loads(lines[-1])["search_log"]
hits = len(lines) - 1
greps = sum(1 for _ in open(sys.argv[6], "rb"))
mb = n / 1e6
print(f"image {n} bytes ({n / (1 << 30):.2f} GiB)")
print(f"loupe-cli sweep  {sw:7.2f} s  {mb / sw:7.1f} MB/s  {hits} validated hits, rejected {sum(log['counts']['rejected'].values())}")
print(f"grep -aoE        {gr:7.2f} s  {mb / gr:7.1f} MB/s  {greps} unvalidated matches")
print(f"ratio grep/sweep {gr / sw:.2f}x")
PY
