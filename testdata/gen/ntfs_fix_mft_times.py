#!/usr/bin/env python3
"""Repair the zero timestamps libntfs-3g leaves in $MFT's own record.

When libntfs-3g (through wimlib or ntfs-3g) extends the MFT it rewrites
record 0's $STANDARD_INFORMATION with all four times zero (TSK prints them as
2076-11-29). Windows never leaves an MFT like that, so for a clean fixture
every zero time in record 0 ($STANDARD_INFORMATION and $FILE_NAME) is copied
from record 1 ($MFTMirr), which mkntfs wrote at the fixture date. Both the
$MFT copy and the $MFTMirr copy of record 0 are patched, keeping the update
sequence (fixup) array valid.

    ntfs_fix_mft_times.py NTFS-VOLUME-IMAGE
"""
import struct
import sys

SI, FN, END = 0x10, 0x30, 0xFFFFFFFF


def unfix(rec, sector):
    """Undo the update sequence protection; return (usa_ofs, count)."""
    if rec[:4] != b"FILE":
        raise SystemExit("ntfs_fix_mft_times: record lacks FILE magic")
    usa_ofs, usa_cnt = struct.unpack_from("<HH", rec, 4)
    usn = rec[usa_ofs:usa_ofs + 2]
    for i in range(1, usa_cnt):
        end = i * sector - 2
        if rec[end:end + 2] != usn:
            raise SystemExit("ntfs_fix_mft_times: torn record (fixup mismatch)")
        rec[end:end + 2] = rec[usa_ofs + 2 * i:usa_ofs + 2 * i + 2]
    return usa_ofs, usa_cnt


def refix(rec, sector, usa_ofs, usa_cnt):
    usn = rec[usa_ofs:usa_ofs + 2]
    for i in range(1, usa_cnt):
        end = i * sector - 2
        rec[usa_ofs + 2 * i:usa_ofs + 2 * i + 2] = rec[end:end + 2]
        rec[end:end + 2] = usn


def time_slots(rec):
    """Yield (attr_type, offset_of_first_time) for resident $SI and $FN."""
    off = struct.unpack_from("<H", rec, 0x14)[0]
    while off + 8 <= len(rec):
        atype, alen = struct.unpack_from("<II", rec, off)
        if atype == END or alen == 0:
            return
        if rec[off + 8] == 0 and atype in (SI, FN):
            voff = off + struct.unpack_from("<H", rec, off + 0x14)[0]
            yield atype, voff + (0 if atype == SI else 8)
        off += alen


def times(rec):
    return {t: [rec[o + 8 * k:o + 8 * k + 8] for k in range(4)] for t, o in time_slots(rec)}


def main(path):
    with open(path, "r+b") as f:
        boot = f.read(512)
        bps = struct.unpack_from("<H", boot, 0x0B)[0]
        cluster = bps * boot[0x0D]
        mft_lcn, mirr_lcn = struct.unpack_from("<QQ", boot, 0x30)
        cpr = struct.unpack_from("<b", boot, 0x40)[0]
        rsize = cpr * cluster if cpr > 0 else 1 << -cpr

        def read(off):
            f.seek(off)
            return bytearray(f.read(rsize))

        ref = read(mft_lcn * cluster + rsize)  # record 1, $MFTMirr
        unfix(ref, bps)
        good = times(ref)
        patched = 0
        for base in (mft_lcn * cluster, mirr_lcn * cluster):
            rec = read(base)
            ofs, cnt = unfix(rec, bps)
            changed = False
            for atype, o in time_slots(rec):
                for k in range(4):
                    if rec[o + 8 * k:o + 8 * k + 8] == bytes(8) and atype in good:
                        rec[o + 8 * k:o + 8 * k + 8] = good[atype][k]
                        changed = True
            if changed:
                refix(rec, bps, ofs, cnt)
                f.seek(base)
                f.write(rec)
                patched += 1
        print(f"ntfs_fix_mft_times: patched {patched} cop{'y' if patched == 1 else 'ies'} of record 0", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1])
