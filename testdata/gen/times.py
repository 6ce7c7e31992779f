#!/usr/bin/env python3
"""Give every fixture file four distinct, deterministic timestamps.

A host tree only carries mtime (and an atime that reading disturbs), and the
image builders copy or invent the rest (mke2fs -d: ctime from the host,
crtime = build time, no nanoseconds; wimlib from Linux: crtime = mtime). With
all times equal a reader that confuses them would still pass its tests. So
the generator keeps each entry's mtime as the hooks set it and derives, from
a hash of the entry's path, a crtime before it and an atime (and on ext4 a
ctime) after it, all with sub-second parts and never after the fixture date.

    times.py ext4 TREE EPOCH            debugfs commands on stdout
    times.py ntfs TREE EPOCH MOUNTPOINT set the times through ntfs-3g's
                                        system.ntfs_times extended attribute
"""
import hashlib
import os
import struct
import sys

NS = 10**9
DAY = 86400 * NS
NTFS_EPOCH_OFFSET = 11644473600  # seconds from 1601-01-01 to 1970-01-01


def walk(root):
    """(relative path, lstat) for root and everything below, sorted."""
    out = []
    for d, dirs, files in os.walk(root):
        dirs.sort()
        for n in [None] + sorted(files) + dirs:
            p = d if n is None else os.path.join(d, n)
            if n is None and d != root:
                continue  # directories are listed by their parent
            rel = "/" if p == root else "/" + os.path.relpath(p, root)
            out.append((rel, os.lstat(p)))
    return out


def derive(rel, mtime_ns, epoch_ns):
    """crtime <= mtime <= ctime, atime (all <= epoch); 100 ns granularity
    so NTFS stores them exactly."""
    h = hashlib.sha256(rel.encode()).digest()
    u = [int.from_bytes(h[i:i + 8], "little") for i in range(0, 32, 8)]
    m = min(mtime_ns, epoch_ns)
    crt = m - (1 * NS + u[0] % (20 * DAY))
    atime = min(m + 1 * NS + u[1] % (2 * DAY), epoch_ns)
    ctime = min(m + 1 * NS + u[2] % (300 * NS), epoch_ns)
    r = lambda t: t - t % 100
    return {"crtime": r(crt), "mtime": m, "atime": r(atime), "ctime": r(ctime)}


def ext4(root, epoch_ns):
    for rel, st in walk(root):
        t = derive(rel, st.st_mtime_ns, epoch_ns)
        q = '"' + rel + '"'
        for k in ("mtime", "atime", "ctime", "crtime"):
            sec, ns = divmod(t[k], NS)
            print(f"sif {q} {k} @{sec}")
            # The extra field holds nanoseconds << 2 (low bits: epoch
            # extension, zero before 2038).
            print(f"sif {q} {k}_extra {ns << 2}")


def ntfs(root, epoch_ns, mnt):
    for rel, st in walk(root):
        t = derive(rel, st.st_mtime_ns, epoch_ns)
        nt = lambda ns: (ns // 100) + NTFS_EPOCH_OFFSET * 10**7
        # system.ntfs_times = creation, last write, last access, change; the
        # change time (MFT modified) is not settable and stays the mount's
        # (frozen) clock.
        cur = os.getxattr(mnt + rel, "system.ntfs_times", follow_symlinks=False)
        change = struct.unpack("<4Q", cur)[3]
        v = struct.pack("<4Q", nt(t["crtime"]), nt(t["mtime"]), nt(t["atime"]), change)
        os.setxattr(mnt + rel, "system.ntfs_times", v, follow_symlinks=False)


def main():
    mode, root, epoch = sys.argv[1], sys.argv[2], int(sys.argv[3]) * NS
    if mode == "ext4":
        ext4(root, epoch)
    elif mode == "ntfs":
        ntfs(root, epoch, sys.argv[4])
    else:
        sys.exit(f"times.py: unknown mode {mode!r}")


if __name__ == "__main__":
    main()
