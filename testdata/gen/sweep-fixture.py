#!/usr/bin/env python3
"""Builds the identifier-sweep fixture disk with real tools and records where
every identifier was planted. Called by sweep-fixture.sh: WORK OUT."""
import gzip, json, os, re, shutil, subprocess, sys

work, out = sys.argv[1], sys.argv[2]
MiB = 1 << 20
BS = 4096
P1, P2 = 2048, 20480  # partition starts in sectors: NTFS at 1 MiB, ext4 at 10 MiB
PSIZE = 16384         # 8 MiB each; 9-10 MiB and 18-20 MiB are gaps
DISK = 20 * MiB

# Public, valid identifiers (BIP173/350, EIP-55, monero-wallet, BIP32 vector 1,
# Bitcoin wiki WIF, BIP39 vector, onion from RFC 8032 TEST 1's key).
IDS = {
    "btc": "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa",
    "btc-p2sh": "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy",
    "btc-bech32": "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4",
    "btc-taproot": "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0",
    "eth": "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
    "xmr": "42U9v3qs5CjZEePHBZHwuSckQXebuZu299NSmVEmQ41YJZQhKcPyujyMSzpDH4VMMVSBo3U3b54JaNvQLwAjqDhKS3rvM3L",
    "extended-key": "xprv9s21ZrQH143K3h3fDYiay8mocZ3afhfULfb5GX8kCBdno77K4HiA15Tg23wpbeF1pLfs1c5SPmYHrEpTuuRhxMwvKDwqdKiGJS9XFKzUsAF",
    "wif": "5HueCGU8rMjxEXxiPuD5BDku4MkFqeZyd4dZ1jvhTVqvbTLvyTJ",
    "onion-v3": "25njqamcweflpvkl73j4szahhihoc4xt3ktcgjnpaingr5yhkenl5sid.onion",
    "seed-phrase": "legal winner thank year wave sausage worth useful legal winner thank yellow",
    "pgp-armour": "-----BEGIN PGP PUBLIC KEY BLOCK-----",
    "pgp-fingerprint": "5C8A3F1D9E2B47A0C6D81F3E2A9B7C40D15E6F28",
    "email": "alice.drop@example.com",
    "url": "https://market.example.org/item?id=7",
}
TYPE = {k: k.split("-")[0] if k.startswith("btc") else k for k in IDS}
# One changed character: the checksum (or word-list checksum) must fail.
DECOYS = {
    "btc": "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb",
    "btc-bech32": "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5",
    "eth": "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD",
    "xmr": "42U9v3qs5CjZEePHBZHwuSckQXebuZu299NSmVEmQ41YJZQhKcPyujyMSzpDH4VMMVSBo3U3b54JaNvQLwAjqDhKS3rvM3M",
    "extended-key": "xprv9s21ZrQH143K3h3fDYiay8mocZ3afhfULfb5GX8kCBdno77K4HiA15Tg23wpbeF1pLfs1c5SPmYHrEpTuuRhxMwvKDwqdKiGJS9XFKzUsAG",
    "wif": "5HueCGU8rMjxEXxiPuD5BDku4MkFqeZyd4dZ1jvhTVqvbTLvyTK",
    "onion-v3": "25njqamcweflpvkl73j4szahhihoc4xt3ktcgjnpaingr5yhkenl5sie.onion",
    "seed-phrase": "legal winner thank year wave sausage worth useful legal winner thank year",
}

def run(*a, **kw):
    return subprocess.run(a, check=True, capture_output=True, text=True, **kw).stdout

def line_for(key, v):
    if key == "seed-phrase":
        return "\nseed: " + v + "\n"
    return "\nref " + v + " end\n"

FILLER = "".join("Case notes, page %03d: nothing of interest on this line.\n" % i for i in range(120))

def text_with(keys, decoys=True):
    """Filler with one line per identifier; returns (text, [(key, char offset)])."""
    parts, pos, where = [], 0, []
    def add(s):
        nonlocal pos
        parts.append(s); pos += len(s)
    add(FILLER[:1500])
    for k in keys:
        ln = line_for(k, IDS[k])
        where.append((k, pos + ln.index(IDS[k])))
        add(ln)
        if decoys and k in DECOYS:
            add(line_for(k, DECOYS[k]))
        add(FILLER[:200])
    add(FILLER[:1200])
    return "".join(parts), where

planted = []  # dicts written to the manifest

def plant(kind, key, region, offset, enc, path=None, file_offset=None, stream=None):
    d = {"type": TYPE[key], "value": IDS[key], "region": region, "offset": offset, "encoding": enc}
    if path:
        d["path"], d["file_offset"] = path, file_offset
    if stream:
        d["stream"] = stream
    planted.append(d)

# --- trees -----------------------------------------------------------------
keys = list(IDS)
ascii_text, ascii_where = text_with(keys)
wide_keys = ["btc", "onion-v3", "xmr", "email", "seed-phrase", "eth"]
wide_text, wide_where = text_with(wide_keys)
wide_bytes = wide_text.encode("utf-16-le")
slack_body = FILLER[:5000].encode()  # 5000 bytes: non-resident, 904 bytes into its second block

SMALL = "wallet to pay:\n" + IDS["eth"] + "\n"
ADS = "contact\n" + IDS["onion-v3"] + "\n"  # an NTFS named stream, resident too
trees = {}
for name in ("ntfs", "ext4"):
    t = os.path.join(work, name + "-tree")
    os.makedirs(os.path.join(t, "docs", "copy"))
    with open(os.path.join(t, "docs", "notes.txt"), "w") as f:
        f.write(ascii_text)
    shutil.copy(os.path.join(t, "docs", "notes.txt"), os.path.join(t, "docs", "copy", "notes-copy.txt"))
    with open(os.path.join(t, "docs", "wide.txt"), "wb") as f:
        f.write(wide_bytes)
    with open(os.path.join(t, "docs", "slack.bin"), "wb") as f:
        f.write(slack_body)
    # Small enough to stay inside its MFT record on NTFS (resident).
    with open(os.path.join(t, "docs", "small.txt"), "w") as f:
        f.write(SMALL)
    trees[name] = t

ntfs = os.path.join(work, "ntfs.img")
ext = os.path.join(work, "ext4.img")
for p in (ntfs, ext):
    with open(p, "wb") as f:
        f.truncate(PSIZE * 512)
subprocess.run(["mkntfs", "-F", "-Q", "-q", "-s", "512", "-c", "4096", "-L", "SWEEPNTFS", "-p", str(P1), "-H", "255", "-S", "63", ntfs],
               check=True, capture_output=True)
run("wimlib-imagex", "capture", trees["ntfs"], os.path.join(work, "t.wim"), "SWEEP", "--compress=none")
run("wimlib-imagex", "apply", os.path.join(work, "t.wim"), "1", ntfs)
with open(os.path.join(work, "ads.txt"), "w") as f:
    f.write(ADS)
run("ntfscp", "-q", "-N", "note", ntfs, os.path.join(work, "ads.txt"), "/docs/slack.bin")
run("mke2fs", "-q", "-F", "-t", "ext4", "-b", "4096", "-L", "SWEEPEXT", "-U", "5a1e0000-0000-4000-8000-000000000009",
    "-E", "hash_seed=5a1e0000-0000-4000-8000-000000000009", "-d", trees["ext4"], ext)

disk = os.path.join(work, "sweep.raw")
with open(disk, "wb") as f:
    f.truncate(DISK)
subprocess.run(["sfdisk", "-q", "--no-reread", "--no-tell-kernel", disk], check=True, text=True, input=
    "label: gpt\nlabel-id: 5A1E0000-0000-4000-8000-00000000D15C\n"
    f"start={P1}, size={PSIZE}, type=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7, uuid=5A1E0000-0000-4000-8000-000000000001, name=ntfs\n"
    f"start={P2}, size={PSIZE}, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, uuid=5A1E0000-0000-4000-8000-000000000002, name=ext4\n")
for img, start in ((ntfs, P1), (ext, P2)):
    run("dd", f"if={img}", f"of={disk}", "bs=512", f"seek={start}", "conv=notrunc", "status=none")

def write(off, data):
    with open(disk, "r+b") as f:
        f.seek(off)
        f.write(data)

def blocks(start, path):
    """Data blocks of a file, in order, from TSK's ifind and istat."""
    inode = run("ifind", "-o", str(start), "-n", path, disk).strip()
    ist = run("istat", "-o", str(start), disk, inode)
    if "Direct Blocks:" in ist:
        body = ist.split("Direct Blocks:", 1)[1]
    else:
        m = re.search(r"Type: \$DATA \(128-\d+\)\s+Name: N/A\s+Non-Resident[^\n]*\n", ist)
        if not m:
            sys.exit(f"{path}: no non-resident $DATA in istat")
        body = ist[m.end():].split("\n\n")[0].split("Type:")[0]
    return [int(x) for x in re.findall(r"\d+", body.split("Indirect")[0])]

def file_image_offset(start, path, foff):
    bl = blocks(start, path)
    return start * 512 + bl[foff // BS] * BS + foff % BS

def free(start, blk):
    return "Not Allocated" in run("blkstat", "-o", str(start), disk, str(blk))

for fsname, start in (("ntfs", P1), ("ext4", P2)):
    # Allocated files. notes.txt and copy/notes-copy.txt have the same content:
    # only the smaller path is reported.
    for k, off in ascii_where:
        plant("file", k, "file", file_image_offset(start, "docs/copy/notes-copy.txt", off), "ascii", "/docs/copy/notes-copy.txt", off)
    if fsname == "ntfs":
        # Resident content: its only copy is in the MFT record; find it by
        # its first line and the identifier's first characters (the record's
        # update-sequence fixups may change two bytes further on).
        raw = open(disk, "rb").read()[start * 512:(start + PSIZE) * 512]
        for text, path, stream, key in ((SMALL, "/docs/small.txt", None, "eth"), (ADS, "/docs/slack.bin", "note", "onion-v3")):
            i = text.index(IDS[key])
            probe = text[:i + 12].encode()
            assert raw.count(probe) == 1, (path, raw.count(probe))
            plant("file", key, "file", start * 512 + raw.find(probe) + i, "ascii", path, i, stream)
    else:
        off = SMALL.index(IDS["eth"])
        plant("file", "eth", "file", file_image_offset(start, "docs/small.txt", off), "ascii", "/docs/small.txt", off)
    for k, off in wide_where:
        plant("file", k, "file", file_image_offset(start, "docs/wide.txt", 2 * off), "utf16le", "/docs/wide.txt", 2 * off)
    # Slack: after the 5000 bytes of slack.bin inside its last block.
    bl = blocks(start, "docs/slack.bin")
    assert len(bl) == 2, bl
    s = start * 512 + bl[-1] * BS + (5000 % BS) + 64
    k = "wif" if fsname == "ntfs" else "btc-taproot"
    write(s, b"\n" + IDS[k].encode() + b"\n")
    plant("slack", k, "slack", s + 1, "ascii")
    d = s + 200
    write(d, b"\n" + (DECOYS.get(k) or DECOYS["wif"]).encode() + b"\n")
    # Unallocated: the 400th free block (past the metadata), ASCII and UTF-16LE.
    blk = int(run("blkcalc", "-o", str(start), "-u", "400", disk).split()[-1])
    assert free(start, blk), blk
    u = start * 512 + blk * BS + 100
    k1, k2 = ("xmr", "onion-v3") if fsname == "ntfs" else ("extended-key", "eth")
    write(u, b"\n" + IDS[k1].encode() + b"\n")
    plant("unallocated", k1, "unallocated", u + 1, "ascii")
    write(u + 400, ("\n" + IDS[k2] + "\n").encode("utf-16-le"))
    plant("unallocated", k2, "unallocated", u + 402, "utf16le")
    write(u + 800, b"\n" + DECOYS[k1].encode() + b"\n" + DECOYS["seed-phrase"].encode() + b"\n")
    write(u + 1200, ("\n" + DECOYS[k2] + "\n").encode("utf-16-le"))

# Across a 1 MiB image boundary, in ext4 free space: two free blocks that
# meet at a multiple of 1 MiB.
for b in range(255, PSIZE * 512 // BS, 256):
    if (P2 * 512 + (b + 1) * BS) % MiB == 0 and free(P2, b) and free(P2, b + 1) and b > 600:
        edge = P2 * 512 + (b + 1) * BS
        v = IDS["xmr"]
        at = edge - len(v) // 2
        write(at - 1, b"\n" + v.encode() + b"\n")
        plant("unallocated", "xmr", "unallocated", at, "ascii")
        v = IDS["seed-phrase"]
        at = edge + MiB // 2 - 10  # not a boundary; a seed line in ext4 free space
        break
else:
    sys.exit("no free 1 MiB boundary in ext4")
# NTFS free space across its own 1 MiB boundary too (UTF-16LE).
for b in range(250, PSIZE * 512 // BS):
    if (P1 * 512 + (b + 1) * BS) % MiB == 0 and free(P1, b) and free(P1, b + 1) and b > 600:
        edge = P1 * 512 + (b + 1) * BS
        v = IDS["btc-bech32"]
        at = edge - len(v)  # 2 bytes per character: the middle sits on the edge
        write(at - 2, ("\n" + v + "\n").encode("utf-16-le"))
        plant("unallocated", "btc-bech32", "unallocated", at, "utf16le")
        break
else:
    sys.exit("no free 1 MiB boundary in NTFS")
# The gap between the partitions (9–10 MiB).
g = 9 * MiB + 5000
write(g, b"\n" + IDS["btc-p2sh"].encode() + b"\n" + DECOYS["btc"].encode() + b"\n")
plant("gap", "btc-p2sh", "gap", g + 1, "ascii")

# The peers must still agree that the planted unallocated bytes are free.
for fsname, start in (("ntfs", P1), ("ext4", P2)):
    run("fsstat", "-o", str(start), disk)

os.makedirs(out, exist_ok=True)
with open(disk, "rb") as f, gzip.GzipFile(os.path.join(out, "sweep.raw.gz"), "wb", mtime=0) as z:
    shutil.copyfileobj(f, z)
import hashlib
sha = hashlib.sha256(open(disk, "rb").read()).hexdigest()
planted.sort(key=lambda d: (d["offset"], d["encoding"]))
with open(os.path.join(out, "manifest.json"), "w") as f:
    json.dump({"image": "sweep.raw", "size": DISK, "sha256": sha,
               "generator": "testdata/gen/sweep-fixture.sh",
               "partitions": [{"start": P1 * 512, "length": PSIZE * 512, "fs": "ntfs"},
                              {"start": P2 * 512, "length": PSIZE * 512, "fs": "ext4"}],
               "duplicates": ["/docs/notes.txt"],
               "planted": planted,
               "decoys": sorted(set(DECOYS.values()))}, f, indent=1)
    f.write("\n")
print(f"{len(planted)} identifiers planted, {len(DECOYS)} decoys; sha256 {sha}")
