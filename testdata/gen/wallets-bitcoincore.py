#!/usr/bin/python3
# Writes Bitcoin Core wallet records for testdata/gen/wallets-bitcoincore.sh:
#   wallets-bitcoincore.py OUTDIR
# There is no bitcoind on this machine, so the records are serialised here
# the way Bitcoin Core's walletdb.cpp writes them (key = CompactSize-prefixed
# type string + payload, value = the object's serialisation) and the script
# then loads them with the REAL Berkeley DB tool (db5.3_load, into the
# sub-database "main" as Core does) and the real sqlite3 (table
# main(key BLOB PRIMARY KEY, value BLOB), application_id = network magic).
#
# Keys come from the BIP32 test vectors (seed 1 000102…0f and seed 2
# fffcf9…42), so every expected address and xpub is derivable by anyone;
# the generator checks the xpubs it derives against the values BIP32
# publishes. Derivation, addresses and AES come from the electrum library
# (Debian's python3-electrum), which is why this runs under /usr/bin/python3.
#
# Outputs in OUTDIR: legacy.dump / encrypted.dump (db_load input, bytevalue
# format), descriptor.sql (sqlite3 input), expected.json (manifest part).
import hashlib
import json
import os
import struct
import sys

from electrum import bitcoin, crypto
from electrum.bip32 import BIP32Node

out = sys.argv[1]

SEED1 = bytes.fromhex("000102030405060708090a0b0c0d0e0f")
SEED2 = bytes.fromhex("fffcf9f6f3f0edeae7e4e1dedbd8d5d2cfccc9c6c3c0bdbab7b4b1aeaba8a5a29f9c999693908d8a8784817e7b7875726f6c696663605d5a5754514e4b484542")
# Published in BIP32, "Test vector 1" and "Test vector 2".
PUBLISHED = {
    (SEED1, "m"): "xpub661MyMwAqRbcFtXgS5sYJABqqG9YLmC4Q1Rdap9gSE8NqtwybGhePY2gZ29ESFjqJoCu1Rupje8YtGqsefD265TMg7usUDFdp6W1EGMcet8",
    (SEED1, "m/0'/1"): "xpub6ASuArnXKPbfEwhqN6e3mwBcDTgzisQN1wXN9BJcM47sSikHjJf3UFHKkNAWbWMiGj7Wf5uMash7SyYq527Hqck2AxYysAA7xmALppuCkwQ",
    (SEED2, "m"): "xpub661MyMwAqRbcFW31YEwpkMuc5THy2PSt5bDMsktWQcFF8syAmRUapSCGu8ED9W6oDMSgv6Zz8idoc4a6mr8BDzTJY47LJhkJ8UB7WEGuduB",
    (SEED2, "m/0"): "xpub69H7F5d8KSRgmmdJg2KhpAK8SR3DjMwAdkxj3ZuxV27CprR9LgpeyGmXUbC6wb7ERfvrnKZjXoUmmDznezpbZb7ap6r1D3tgFxHmwMkQTPH",
}

CREATED = 1773300000  # 2026-03-12T07:20:00Z, before the fixture date
WALLET_VERSION = 169900
MIN_VERSION = 159900
CLIENT_VERSION = 270000


def node(seed, path):
    root = BIP32Node.from_rootseed(seed, xtype="standard")
    n = root if path == "m" else root.subkey_at_private_derivation(path)
    want = PUBLISHED.get((seed, path))
    if want is not None and n.to_xpub() != want:
        sys.exit(f"derived {path} xpub {n.to_xpub()} differs from BIP32's {want}")
    return n


def cs(n):  # CompactSize
    if n < 253:
        return bytes([n])
    if n <= 0xFFFF:
        return b"\xfd" + struct.pack("<H", n)
    return b"\xfe" + struct.pack("<I", n)


def vec(b):
    return cs(len(b)) + b


def s(txt):
    return vec(txt.encode())


def sha256d(b):
    return hashlib.sha256(hashlib.sha256(b).digest()).digest()


def hash160(b):
    return hashlib.new("ripemd160", hashlib.sha256(b).digest()).digest()


# DER as Bitcoin Core's ec_seckey_export_der writes a compressed key: SEC1
# ECPrivateKey with explicit secp256k1 parameters (214 bytes).
def der(tag, body):
    n = len(body)
    if n < 128:
        ln = bytes([n])
    elif n < 256:
        ln = b"\x81" + bytes([n])
    else:
        ln = b"\x82" + struct.pack(">H", n)
    return bytes([tag]) + ln + body


P = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFC2F
N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
G = bytes.fromhex("0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798")


def derint(v):
    b = v.to_bytes((v.bit_length() + 8) // 8, "big")
    return der(0x02, b)


def privkey_der(secret, pub):
    params = der(0x30, derint(1)
                 + der(0x30, der(0x06, bytes.fromhex("2a8648ce3d0101")) + derint(P))
                 + der(0x30, der(0x04, b"\x00") + der(0x04, b"\x07"))
                 + der(0x04, G) + derint(N) + derint(1))
    body = derint(1) + der(0x04, secret) + der(0xA0, params) + der(0xA1, der(0x03, b"\x00" + pub))
    d = der(0x30, body)
    if len(d) != 214:
        sys.exit(f"DER private key is {len(d)} bytes, Core's compressed form has 214")
    return d


def keymeta(path, seed_id, fpr, indexes):
    origin = fpr + cs(len(indexes)) + b"".join(struct.pack("<I", i) for i in indexes)
    return (struct.pack("<i", 12) + struct.pack("<q", CREATED) + s(path) + seed_id
            + origin + b"\x01")


def parse_path(path):
    idx = []
    for p in path.split("/")[1:]:
        idx.append(int(p.rstrip("'")) + (0x80000000 if p.endswith("'") else 0))
    return idx


def p2wpkh_script(pub):
    return b"\x00\x14" + hash160(pub)


def p2pkh_script(pub):
    return b"\x76\xa9\x14" + hash160(pub) + b"\x88\xac"


def raw_tx(tag, outputs):
    prev = hashlib.sha256(b"loupe bitcoin core funding " + tag.encode()).digest()
    tx = struct.pack("<i", 2) + cs(1) + prev + struct.pack("<I", 0) + vec(b"") + struct.pack("<I", 0xFFFFFFFD)
    tx += cs(len(outputs))
    for value, script in outputs:
        tx += struct.pack("<q", value) + vec(script)
    tx += struct.pack("<I", 0)
    return tx


def wallet_tx(tx, received, comment):
    mapvalue = [("comment", comment), ("timesmart", str(received))] if comment else [("timesmart", str(received))]
    meta = b"\x00" * 32 + cs(0) + struct.pack("<i", -1) + cs(0)
    meta += cs(len(mapvalue)) + b"".join(s(k) + s(v) for k, v in mapvalue)
    meta += cs(0) + struct.pack("<I", 0) + struct.pack("<I", received) + b"\x00" + b"\x00"
    return tx + meta


def hexline(b):
    return " " + b.hex() + "\n"


def write_dump(name, records):
    # db_dump "bytevalue" format; db_load sorts nothing, B-tree insertion
    # order does not matter for the result's content.
    with open(os.path.join(out, name), "w") as f:
        f.write("VERSION=3\nformat=bytevalue\ndatabase=main\ntype=btree\ndb_pagesize=4096\nHEADER=END\n")
        for k, v in records:
            f.write(hexline(k) + hexline(v))
        f.write("DATA=END\n")


def legacy_wallet(seed, nkeys, password=None, labels=None, sends=(), txs=()):
    """Records of a legacy HD wallet (Core 0.16–0.20 layout)."""
    recs = []
    exp = {"keys": [], "addresses": [], "transactions": [], "encrypted": password is not None}
    master = node(seed, "m")
    seed_pub = master.eckey.get_public_key_bytes(True)
    seed_id = hash160(seed_pub)
    fpr = master.calc_fingerprint_of_this_node()
    mk = hashlib.sha256(b"loupe bitcoin core master key " + seed[:4]).digest() if password else None
    if password:
        salt = hashlib.sha256(b"loupe mkey salt " + seed[:4]).digest()[:8]
        iterations = 35714
        # EVP_BytesToKey with SHA-512: D = SHA512(password‖salt), then
        # iterations-1 more rounds of SHA512(D); key = D[0:32], IV = D[32:48].
        d = hashlib.sha512(password.encode() + salt).digest()
        for _ in range(iterations - 1):
            d = hashlib.sha512(d).digest()
        crypted_mk = crypto.aes_encrypt_with_iv(d[:32], d[32:48], mk)
        recs.append((s("mkey") + struct.pack("<I", 1),
                     vec(crypted_mk) + vec(salt) + struct.pack("<I", 0) + struct.pack("<I", iterations) + vec(b"")))
        exp["mkey"] = {"id": 1, "salt": salt.hex(), "derivation_method": 0, "iterations": iterations,
                       "crypted_key_bytes": len(crypted_mk)}
        exp["password"] = password

    def add_key(pub, secret, path):
        if password:
            iv = sha256d(pub)[:16]
            crypted = crypto.aes_encrypt_with_iv(mk, iv, secret)
            recs.append((s("ckey") + vec(pub), vec(crypted) + sha256d(pub + crypted)))
        else:
            d = privkey_der(secret, pub)
            recs.append((s("key") + vec(pub), vec(d) + sha256d(pub + d)))
        recs.append((s("keymeta") + vec(pub), keymeta(path, seed_id, fpr, parse_path(path))))
        exp["keys"].append({"pubkey": pub.hex(), "hd_keypath": path,
                            "p2pkh": bitcoin.public_key_to_p2pkh(pub),
                            "p2wpkh": bitcoin.pubkey_to_address("p2wpkh", pub.hex()),
                            "created": CREATED, "encrypted": password is not None})

    add_key(seed_pub, master.eckey.get_secret_bytes(), "s")  # the HD seed, as Core stores it
    exp["keys"][-1]["hd_keypath"] = "s"
    external = []
    for i in range(nkeys):
        path = f"m/0'/0'/{i}'"
        n = node(seed, path)
        pub = n.eckey.get_public_key_bytes(True)
        add_key(pub, n.eckey.get_secret_bytes(), path)
        external.append(pub)
    for i in range(2):
        path = f"m/0'/1'/{i}'"
        n = node(seed, path)
        add_key(n.eckey.get_public_key_bytes(True), n.eckey.get_secret_bytes(), path)
    recs.append((s("hdchain"), struct.pack("<i", 2) + struct.pack("<I", nkeys) + seed_id + struct.pack("<I", 2)))
    exp["hd_seed_id"] = seed_id.hex()
    exp["hd_external_counter"], exp["hd_internal_counter"] = nkeys, 2
    for i, pub in enumerate(external[:20]):
        addr = bitcoin.pubkey_to_address("p2wpkh", pub.hex())
        label = (labels or {}).get(i, "")
        recs.append((s("name") + s(addr), s(label)))
        recs.append((s("purpose") + s(addr), s("receive")))
        exp["addresses"].append({"address": addr, "label": label, "purpose": "receive"})
    for addr, label in sends:
        recs.append((s("name") + s(addr), s(label)))
        recs.append((s("purpose") + s(addr), s("send")))
        exp["addresses"].append({"address": addr, "label": label, "purpose": "send"})
    for i in range(5):
        pub = external[nkeys - 5 + i]
        recs.append((s("pool") + struct.pack("<q", i + 1),
                     struct.pack("<i", CLIENT_VERSION) + struct.pack("<q", CREATED) + vec(pub) + b"\x00\x01"))
    for tag, outputs, received, comment in txs:
        tx = raw_tx(tag, outputs)
        txid = sha256d(tx)
        recs.append((s("tx") + txid, wallet_tx(tx, received, comment)))
        exp["transactions"].append({"txid": txid[::-1].hex(), "raw_bytes": len(tx), "outputs": len(outputs),
                                    "time_received": received, "comment": comment})
    best = hashlib.sha256(b"loupe best block " + seed[:4]).digest()
    recs.append((s("bestblock"), struct.pack("<i", CLIENT_VERSION) + cs(0)))
    recs.append((s("bestblock_nomerkle"), struct.pack("<i", CLIENT_VERSION) + cs(1) + best))
    exp["best_block"] = best[::-1].hex()
    recs.append((s("version"), struct.pack("<i", WALLET_VERSION)))
    recs.append((s("minversion"), struct.pack("<i", MIN_VERSION)))
    recs.append((s("defaultkey"), vec(external[0])))
    exp["default_key"] = external[0].hex()
    recs.append((s("orderposnext"), struct.pack("<q", len(txs))))
    exp["version"], exp["min_version"] = WALLET_VERSION, MIN_VERSION
    exp["records"] = len(recs)
    return recs, exp, external


def main():
    expected = {}
    # Unencrypted legacy wallet from BIP32 seed 1: 40 external keys (so the
    # B-tree needs several leaf pages and an internal page), labels, payments
    # to two outside addresses, and a 60-output transaction whose record is
    # larger than a quarter page (an overflow chain).
    ext_a = bitcoin.public_key_to_p2pkh(node(SEED1, "m/0'/1").eckey.get_public_key_bytes(True))
    ext_b = bitcoin.public_key_to_p2pkh(node(SEED1, "m/0'/1/2'").eckey.get_public_key_bytes(True))
    pubs = [node(SEED1, f"m/0'/0'/{i}'").eckey.get_public_key_bytes(True) for i in range(40)]
    txs = [
        ("small", [(150000, p2wpkh_script(pubs[1])), (340000, p2pkh_script(bytes.fromhex("03501e454bf00751f24b1b489aa925215d66af2234e3891c3b21a52bedb3cd711c")))], CREATED + 3600, "escrow release"),
        ("large", [(1000 + i, p2wpkh_script(pubs[i % 20])) for i in range(60)], CREATED + 7200, ""),
    ]
    recs, exp, _ = legacy_wallet(SEED1, 40, labels={0: "market deposit", 3: "from dave"},
                                 sends=[(ext_a, "vendor payout"), (ext_b, "")], txs=txs)
    write_dump("legacy.dump", recs)
    exp["file"] = "bitcoin-core/legacy/wallet.dat"
    expected["legacy"] = exp

    # Encrypted legacy wallet from BIP32 seed 2: mkey + ckey records.
    recs, exp, _ = legacy_wallet(SEED2, 8, password="hunter2 and the market", labels={1: "savings"})
    write_dump("encrypted.dump", recs)
    exp["file"] = "bitcoin-core/encrypted/wallet.dat"
    expected["encrypted"] = exp

    # Watch-only descriptor wallet (SQLite; application_id is the network
    # magic as a signed 32-bit integer, which is how SQLite stores it): pkh over BIP32 vector 1's
    # published m/0'/1 xpub and wpkh over vector 2's m/0 xpub.
    acct1 = node(SEED1, "m/0'/1")
    acct2 = node(SEED2, "m/0")
    fpr1 = node(SEED1, "m").calc_fingerprint_of_this_node().hex()
    fpr2 = node(SEED2, "m").calc_fingerprint_of_this_node().hex()
    descs = [
        (f"pkh([{fpr1}/0'/1]{acct1.to_xpub()}/0/*)", "p2pkh", acct1, 0),
        (f"wpkh([{fpr2}/0]{acct2.to_xpub()}/1/*)", "p2wpkh", acct2, 1),
    ]
    flags = (1 << 32) | (1 << 34)  # DISABLE_PRIVATE_KEYS | DESCRIPTORS
    rows = [(s("flags"), struct.pack("<Q", flags)), (s("version"), struct.pack("<i", CLIENT_VERSION)),
            (s("minversion"), struct.pack("<i", CLIENT_VERSION))]
    dexp = {"file": "bitcoin-core/descriptor/wallet.dat", "flags": flags, "watch_only": True, "descriptors_flag": True,
            "encrypted": False, "descriptors": [], "addresses": [], "version": CLIENT_VERSION}
    for d, typ, acct, chain in descs:
        full = d + "#" + descsum(d)
        did = hashlib.sha256(full.encode()).digest()
        rows.append((s("walletdescriptor") + did,
                     s(full) + struct.pack("<Q", CREATED) + struct.pack("<i", 0) + struct.pack("<i", 1000) + struct.pack("<i", 5)))
        rows.append((s("activeexternalspk" if chain == 0 else "activeinternalspk") + bytes([1 if typ == "p2pkh" else 2]), did))
        dexp["descriptors"].append({"descriptor": full, "id": did.hex(), "xpub": acct.to_xpub(), "range_start": 0,
                                    "range_end": 1000, "next_index": 5, "created": CREATED})
        for i in range(3):
            pub = acct.subkey_at_public_derivation(f"m/{chain}/{i}").eckey.get_public_key_bytes(True)
            addr = bitcoin.public_key_to_p2pkh(pub) if typ == "p2pkh" else bitcoin.pubkey_to_address("p2wpkh", pub.hex())
            label = "cold storage" if i == 0 else ""
            purpose = "receive"
            rows.append((s("name") + s(addr), s(label)))
            rows.append((s("purpose") + s(addr), s(purpose)))
            dexp["addresses"].append({"address": addr, "label": label, "purpose": purpose})
    with open(os.path.join(out, "descriptor.sql"), "w") as f:
        f.write("PRAGMA application_id = %d;\nPRAGMA user_version = 0;\n" % (0xF9BEB4D9 - (1 << 32)))
        f.write("CREATE TABLE main(key BLOB PRIMARY KEY NOT NULL, value BLOB NOT NULL);\n")
        for k, v in rows:
            f.write(f"INSERT INTO main VALUES(X'{k.hex()}', X'{v.hex()}');\n")
    dexp["records"] = len(rows)
    expected["descriptor"] = dexp
    with open(os.path.join(out, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1, sort_keys=True)


# Output-descriptor checksum (BIP380).
INPUT_CHARSET = "0123456789()[],'/*abcdefgh@:$%{}IJKLMNOPQRSTUVWXYZ&+-.;<=>?!^_|~ijklmnopqrstuvwxyzABCDEFGH`#\"\\ "
CHECKSUM_CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"


def polymod(c, val):
    c0 = c >> 35
    c = ((c & 0x7FFFFFFFF) << 5) ^ val
    for i, g in enumerate((0xF5DEE51989, 0xA9FDCA3312, 0x1BAB10E32D, 0x3706B1677A, 0x644D626FFD)):
        if c0 & (1 << i):
            c ^= g
    return c


def descsum(s):
    c, cls, clscount = 1, 0, 0
    for ch in s:
        pos = INPUT_CHARSET.find(ch)
        if pos == -1:
            sys.exit("bad descriptor character")
        c = polymod(c, pos & 31)
        cls = cls * 3 + (pos >> 5)
        clscount += 1
        if clscount == 3:
            c = polymod(c, cls)
            cls, clscount = 0, 0
    if clscount > 0:
        c = polymod(c, cls)
    for _ in range(8):
        c = polymod(c, 0)
    c ^= 1
    return "".join(CHECKSUM_CHARSET[(c >> (5 * (7 - i))) & 31] for i in range(8))


if __name__ == "__main__":
    if descsum("raw(deadbeef)") != "89f8spxm":  # BIP380's own test vector
        sys.exit("descriptor checksum disagrees with BIP380")
    main()
