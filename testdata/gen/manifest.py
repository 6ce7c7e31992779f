#!/usr/bin/env python3
"""Write manifest.json and the TSK peer listings for the fixture disks.

Called by make-fixtures.sh after the disks and containers exist. Every
expected value comes from a real tool run on the real output in this same
run: hashes from the raw disk, partitions from mmls, file systems from
fsstat, entries from fls -l, NTFS sequence numbers from istat, content
hashes from icat, container facts from ewfinfo. The script cross-checks what
it can (E01 stored hashes against the raw disk, icat of every deleted file
against the file that was deleted) and exits non-zero on any disagreement.
"""
import argparse
import datetime
import hashlib
import json
import os
import re
import subprocess
import sys

SECTOR = 512


def run(*args, check=True):
    p = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if check and p.returncode != 0:
        sys.exit(f"manifest.py: {' '.join(args)} failed: {p.stderr.decode(errors='replace').strip()}")
    return p


def text(*args):
    return run(*args).stdout.decode()


def write(path, data):
    with open(path, "w") as f:
        f.write(data)


def digests(path):
    h = {"md5": hashlib.md5(), "sha1": hashlib.sha1(), "sha256": hashlib.sha256()}
    with open(path, "rb") as f:
        while True:
            b = f.read(1 << 20)
            if not b:
                break
            for x in h.values():
                x.update(b)
    return {k: v.hexdigest() for k, v in h.items()}


def sha256_file(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def tool_versions():
    def first(args, pat=None):
        p = run(*args, check=False)
        out = (p.stdout + p.stderr).decode(errors="replace")
        for line in out.splitlines():
            line = line.strip()
            if line and (pat is None or re.search(pat, line)):
                return line
        return ""

    return {
        "mkntfs": first(["mkntfs", "--version"], r"mkntfs"),
        "ntfs-3g": first(["ntfs-3g", "--version"], r"ntfs-3g"),
        "wimlib-imagex": first(["wimlib-imagex", "--version"]),
        "mke2fs": first(["mke2fs", "-V"], r"mke2fs"),
        "debugfs": first(["debugfs", "-V"], r"debugfs"),
        "sfdisk": first(["sfdisk", "--version"]),
        "ewfacquire": first(["ewfacquire", "-V"], r"ewfacquire"),
        "sleuthkit": first(["fls", "-V"]),
        "faketime": first(["faketime", "--version"], r"faketime"),
        "imagemagick": first(["convert", "-version"], r"Version"),
        "gzip": first(["gzip", "--version"]),
        "python3": sys.version.split()[0],
    }


MMLS_ROW = re.compile(r"^(\d{3}):\s+(\S+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(.*)$")


def parse_mmls(listing):
    """Allocated partitions (numbered from 1 in listing order) and unallocated rows."""
    parts, gaps = [], []
    for line in listing.splitlines():
        m = MMLS_ROW.match(line)
        if not m:
            continue
        row, slot, start, _end, length, desc = m.groups()
        if slot == "Meta":
            continue
        if slot.startswith("---"):
            gaps.append({"start_sector": int(start), "sectors": int(length)})
            continue
        parts.append({"index": len(parts) + 1, "mmls_slot": row, "table_slot": slot,
                      "start_sector": int(start), "sectors": int(length), "type": desc.strip()})
    return parts, gaps


def fs_info(raw, start):
    out = text("fsstat", "-o", str(start), raw)
    fstype = re.search(r"^File System Type: (.+)$", out, re.M).group(1).strip()
    label = re.search(r"^Volume Name: ?(.*)$", out, re.M)
    fs = {"NTFS": "ntfs", "Ext4": "ext4"}.get(fstype)
    if fs is None:
        sys.exit(f"manifest.py: unexpected file system {fstype!r} at sector {start}")
    info = {"fs": fs, "label": label.group(1).strip() if label else ""}
    serial = re.search(r"^Volume Serial Number: (\S+)$", out, re.M)
    if serial:
        info["volume_serial"] = serial.group(1)
    vid = re.search(r"^Volume ID: (\S+)$", out, re.M)
    if vid:
        info["volume_id"] = vid.group(1)
    return info, out


FLS_HEAD = re.compile(r"^(.)/(.) (\* )?([0-9-]+)(\(realloc\))?:$")


def tsk_time(s):
    """'2026-03-11 18:40:00.123456789 (UTC)' -> RFC 3339, or None for unset."""
    s = s.strip()
    if not s or s.startswith("0000-00-00"):
        return None
    m = re.match(r"^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)(\.\d+)? \(UTC\)$", s)
    if not m:
        sys.exit(f"manifest.py: unexpected fls time {s!r}")
    frac = (m.group(3) or "").rstrip("0")
    if frac == ".":
        frac = ""
    return f"{m.group(1)}T{m.group(2)}{frac}Z"


def parse_fls_long(listing):
    rows = []
    for line in listing.splitlines():
        cols = line.split("\t")
        m = FLS_HEAD.match(cols[0])
        if not m or len(cols) < 9:
            sys.exit(f"manifest.py: unexpected fls -l line {line!r}")
        name_t, meta_t, deleted, addr, realloc = m.groups()
        rows.append({
            "name_type": name_t, "meta_type": meta_t, "deleted": bool(deleted),
            "realloc": bool(realloc), "addr": addr, "path": "/" + cols[1],
            "mtime": tsk_time(cols[2]), "atime": tsk_time(cols[3]),
            "ctime": tsk_time(cols[4]), "crtime": tsk_time(cols[5]),
            "size": int(cols[6]), "uid": int(cols[7]), "gid": int(cols[8]),
        })
    return rows


def icat(raw, start, addr, must=True):
    """Content as icat returns it; None when icat fails and must is False
    (an unused MFT record has no $DATA to read)."""
    p = run("icat", "-o", str(start), raw, addr, check=must)
    return p.stdout if p.returncode == 0 else None


def istat(raw, start, ino, cache):
    if ino not in cache:
        cache[ino] = text("istat", "-z", "UTC", "-o", str(start), raw, str(ino))
    return cache[ino]


def istat_block(out, heading):
    """Lines 'Label:\tvalue' of the first block after heading, as a dict."""
    lines = out.splitlines()
    try:
        i = lines.index(heading)
    except ValueError:
        return {}
    block = {}
    for line in lines[i + 1:]:
        if not line.strip():
            break
        if ":" in line:
            k, v = line.split(":", 1)
            block.setdefault(k.strip(), v.strip())
    return block


# istat labels -> manifest keys. fls -l prints whole seconds only; istat
# prints the stored sub-second part, so times come from istat.
NTFS_TIMES = {"Created": "crtime", "File Modified": "mtime", "MFT Modified": "ctime", "Accessed": "atime"}
EXT4_TIMES = {"File Created": "crtime", "File Modified": "mtime", "Inode Modified": "ctime",
              "Accessed": "atime", "Deleted": "dtime"}


def times_from(block, labels):
    return {key: t for lab, key in labels.items() if lab in block and (t := tsk_time(block[lab]))}


def ntfs_record(raw, start, entry, cache):
    out = istat(raw, start, entry, cache)
    m = re.search(r"^Entry: (\d+)\s+Sequence: (\d+)$", out, re.M)
    if not m or int(m.group(1)) != entry:
        sys.exit(f"manifest.py: istat {entry}: no Entry/Sequence line")
    si = times_from(istat_block(out, "$STANDARD_INFORMATION Attribute Values:"), NTFS_TIMES)
    fn = times_from(istat_block(out, "$FILE_NAME Attribute Values:"), NTFS_TIMES)
    return int(m.group(2)), si, fn


def files_of(disk, raw, part, tree, deleted_paths, peers):
    start, fs, idx = part["start_sector"], part["fs"], part["index"]
    base = f"{disk}.p{idx}"
    short = text("fls", "-r", "-p", "-o", str(start), raw)
    write(os.path.join(peers, f"{base}.fls.txt"), short)
    long_ = text("fls", "-r", "-p", "-l", "-z", "UTC", "-o", str(start), raw)
    write(os.path.join(peers, f"{base}.fls-l.txt"), long_)
    rows = parse_fls_long(long_)
    if len(rows) != len(short.splitlines()):
        sys.exit(f"manifest.py: {base}: fls and fls -l list different numbers of entries")

    istat_cache = {}
    files, by_key, istat_for = [], {}, set()
    for r in rows:
        if r["meta_type"] not in ("r", "d"):
            continue  # virtual ($OrphanFiles, $MBR...), symlinks, devices
        if r["path"] == "/$OrphanFiles":
            continue
        path = r["path"]
        stream = None
        if fs == "ntfs":
            entry = int(r["addr"].split("-")[0])
            leaf = path.rsplit("/", 1)[-1]
            # ':' cannot occur in an NTFS file name; fls uses it for "file:stream".
            if ":" in leaf:
                path, stream = path.rsplit(":", 1)
        owner = by_key.get((entry, path)) if stream is not None else None
        if stream is not None and owner is None:
            # A metadata file with only named attributes ($Secure:$SDS,
            # $Extend/$ObjId:$O): no unnamed entry to fold into, so it is
            # listed on its own under the name fls prints.
            path, stream = r["path"], None
        if stream is not None:
            data = icat(raw, start, r["addr"])
            owner["streams"].append(stream)
            owner.setdefault("stream_details", []).append({
                "name": stream, "tsk_addr": r["addr"], "size": r["size"],
                "sha256": hashlib.sha256(data).hexdigest() if len(data) == r["size"] else ""})
            continue
        f = {"partition": idx, "fs": fs, "path": path, "tsk_addr": r["addr"],
             "size": r["size"], "deleted": r["deleted"],
             "type": "file" if r["meta_type"] == "r" else "dir"}
        if fs == "ntfs":
            seq, si, fn = ntfs_record(raw, start, entry, istat_cache)
            f["inode"] = f"{entry}-{seq}"
            f["mft_entry"], f["sequence"] = entry, seq
            f["streams"] = []
            by_key[(entry, path)] = f
            if entry < 24 or path.startswith("/$Extend/") or path.startswith("/$OrphanFiles/OrphanFile-"):
                f["system"] = True
            f.update(si)
            if fn:
                f["fn_times"] = fn
        else:
            f["inode"] = r["addr"]
            f["uid"], f["gid"] = r["uid"], r["gid"]
            out = istat(raw, start, int(r["addr"]), istat_cache)
            f.update(times_from(istat_block(out, "Inode Times:"), EXT4_TIMES))
        for k in ("mtime", "atime", "ctime", "crtime"):
            # istat and fls -l must agree to the second.
            if (f.get(k) or "")[:19] != (r[k] or "")[:19]:
                sys.exit(f"manifest.py: {base}: {path}: {k} istat {f.get(k)} vs fls {r[k]}")
        if f["type"] == "file":
            data = icat(raw, start, r["addr"], must=not r["deleted"])
            ok = data is not None and len(data) == r["size"]
            f["sha256"] = hashlib.sha256(data).hexdigest() if ok else ""
            if not ok and not r["deleted"]:
                sys.exit(f"manifest.py: {base}: icat {r['addr']} gave {len(data)} bytes, fls says {r['size']}")
            if r["deleted"]:
                orig = match_deleted(path, deleted_paths)
                if orig:
                    f["original_path"] = orig
                    src = os.path.join(tree, orig.lstrip("/"))
                    want = sha256_file(src) if os.path.exists(src) else None
                    if want is not None and want != f["sha256"]:
                        ok = False
                f["recoverable"] = ok
                if not f.get("system"):
                    istat_for.add(r["addr"].split("-")[0])
        files.append(f)

    for f in files:
        if f.get("streams"):
            istat_for.add(str(f["mft_entry"]))
        if not f.get("streams") and "streams" in f:
            del f["streams"]
    istat_for.add("0" if fs == "ntfs" else "2")
    for ino in sorted(istat_for, key=int):
        write(os.path.join(peers, f"{base}.istat.{ino}.txt"), istat(raw, start, int(ino), istat_cache))

    for d in deleted_paths:
        hit = [f for f in files if f["deleted"] and f.get("original_path") == d]
        if not hit:
            sys.exit(f"manifest.py: {base}: deleted file {d} not listed by fls")
        if not all(f["recoverable"] for f in hit):
            sys.exit(f"manifest.py: {base}: icat does not recover deleted file {d}")
    return files


def check_against_tree(base, files, tree, deleted_paths):
    """Every file and directory of the source tree must be listed live with
    the same content, and every live non-system entry must come from the
    tree (lost+found aside): fls/icat and the builders agree."""
    live = {f["path"]: f for f in files if not f["deleted"] and not f.get("system")}
    want = set()
    for d, dirs, names in os.walk(tree):
        for n in dirs + names:
            p = os.path.join(d, n)
            rel = "/" + os.path.relpath(p, tree)
            if rel in deleted_paths:
                continue
            want.add(rel)
            f = live.get(rel)
            if f is None:
                sys.exit(f"manifest.py: {base}: {rel} from the tree is not listed by fls")
            if os.path.isdir(p) != (f["type"] == "dir"):
                sys.exit(f"manifest.py: {base}: {rel}: type differs from the tree")
            if f["type"] == "file" and (f["size"] != os.path.getsize(p) or f["sha256"] != sha256_file(p)):
                sys.exit(f"manifest.py: {base}: {rel}: icat content differs from the tree")
    extra = sorted(set(live) - want - {"/"} - {p for p in live if p == "/lost+found" or p.startswith("/lost+found/")})
    if extra:
        sys.exit(f"manifest.py: {base}: fls lists entries not in the tree: {extra}")


def match_deleted(path, deleted_paths):
    """The deleted file's original path: exact, else same name (TSK may list
    an NTFS orphan under $OrphanFiles)."""
    if path in deleted_paths:
        return path
    leaf = path.rsplit("/", 1)[-1]
    same = [d for d in deleted_paths if d.rsplit("/", 1)[-1] == leaf]
    return same[0] if len(same) == 1 else None


EWF_KEYS = {
    "Case number": "case_number", "Description": "description", "Examiner name": "examiner",
    "Evidence number": "evidence_number", "Notes": "notes",
    "Software version used": "acquisition_software", "Operating system used": "acquisition_os",
    "Acquisition date": "acquired", "System date": "system_date",
}


def parse_ewfinfo(out):
    meta, stored, info = {}, {}, {}
    for line in out.splitlines():
        m = re.match(r"^\t([^:]+):\s*(.*)$", line)
        if not m:
            continue
        k, v = m.group(1).strip(), m.group(2).strip()
        if k in EWF_KEYS:
            meta[EWF_KEYS[k]] = v
        elif k == "MD5":
            stored["md5"] = v
        elif k == "SHA1":
            stored["sha1"] = v
        elif k in ("File format", "Sectors per chunk", "Compression method", "Compression level",
                   "Media type", "Is physical", "Bytes per sector", "Number of sectors", "Media size"):
            info[k.lower().replace(" ", "_")] = v
    for k in ("acquired", "system_date"):
        if k in meta:
            # libewf prints the header's local time; the fixtures run with TZ=UTC.
            t = datetime.datetime.strptime(meta[k], "%a %b %d %H:%M:%S %Y")
            meta[k] = t.strftime("%Y-%m-%dT%H:%M:%SZ")
    return meta, stored, info


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--tree-win", required=True, help="the GPT disk's NTFS source tree")
    ap.add_argument("--tree-linux", required=True, help="the GPT disk's ext4 source tree")
    ap.add_argument("--mbr-tree-win", help="the MBR disk's NTFS source tree (default: --tree-win)")
    ap.add_argument("--mbr-tree-linux", help="the MBR disk's ext4 source tree (default: --tree-linux)")
    ap.add_argument("--ntfs-deleted", required=True)
    ap.add_argument("--ext4-deleted", required=True)
    ap.add_argument("--gpt-segment-size", type=int, default=0)
    ap.add_argument("--fixture-date", default=os.environ.get("FIXTURE_DATE", ""))
    a = ap.parse_args()
    peers = os.path.join(a.out, "peers")
    trees = {"gpt": {"ntfs": a.tree_win, "ext4": a.tree_linux},
             "mbr": {"ntfs": a.mbr_tree_win or a.tree_win, "ext4": a.mbr_tree_linux or a.tree_linux}}
    deleted = {"ntfs": a.ntfs_deleted.split(":"), "ext4": a.ext4_deleted.split(":")}

    manifest = {
        "generated": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "fixture_date": a.fixture_date.replace(" ", "T") + "Z" if a.fixture_date else "",
        "generator": "testdata/gen/make-fixtures.sh",
        "tools": tool_versions(),
        "disks": {},
    }
    for disk in ("gpt", "mbr"):
        raw = os.path.join(a.work, f"{disk}.raw")
        size = os.path.getsize(raw)
        d = {"raw": f"{disk}.raw.gz", "size": size, "sector_size": SECTOR}
        d.update(digests(raw))
        split = sorted(n for n in os.listdir(a.out) if re.fullmatch(rf"{disk}\.raw\.\d{{3}}\.gz", n))
        if split:
            d["split"] = split
        d["e01"] = sorted(n for n in os.listdir(a.out) if re.fullmatch(rf"{disk}\.E\d\d", n))
        with open(os.path.join(peers, f"{disk}.ewfinfo.txt")) as f:
            meta, stored, info = parse_ewfinfo(f.read())
        if disk == "gpt" and a.gpt_segment_size:
            info["segment_size_requested"] = a.gpt_segment_size
        d["e01_metadata"], d["e01_stored"], d["e01_info"] = meta, stored, info
        if stored.get("md5") != d["md5"] or stored.get("sha1") != d["sha1"]:
            sys.exit(f"manifest.py: {disk}: E01 stored hashes {stored} differ from the raw disk")
        with open(os.path.join(peers, f"{disk}.mmls.txt")) as f:
            mmls = f.read()
        d["partition_table"] = "gpt" if mmls.startswith("GUID Partition Table") else "dos"
        parts, gaps = parse_mmls(mmls)
        d["partitions"], d["gaps"], d["files"] = parts, gaps, []
        for p in parts:
            info, fsstat = fs_info(raw, p["start_sector"])
            p.update(info)
            write(os.path.join(peers, f"{disk}.p{p['index']}.fsstat.txt"), fsstat)
            files = files_of(disk, raw, p, trees[disk][p["fs"]], deleted[p["fs"]], peers)
            check_against_tree(f"{disk}.p{p['index']}", files, trees[disk][p["fs"]], deleted[p["fs"]])
            d["files"] += files
        manifest["disks"][disk] = d
        n = len(d["files"])
        nd = sum(1 for f in d["files"] if f["deleted"])
        print(f"manifest.py: {disk}: {len(parts)} partitions, {n} entries, {nd} deleted", file=sys.stderr)

    with open(os.path.join(a.out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=False)
        f.write("\n")


if __name__ == "__main__":
    main()
