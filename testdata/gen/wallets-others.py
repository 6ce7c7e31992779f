#!/usr/bin/env python3
# Writes the Exodus, Monero, Wasabi and Ledger Live wallet fixtures under
# testdata/artefacts/wallets/{exodus,monero,wasabi,ledger-live}/ and one
# manifest.json per family. None of these programs is packaged for Debian,
# so the files are built in their documented layouts, reproducibly (all
# "random" bytes come from SHA-256 of labels):
#   - Exodus: exodus.wallet/ with seed.seco, info.seco, storage.seco in the
#     secure-container format hashcat's tools/exodus2hashcat.py reads (224-byte
#     header "SECO" + version + "seco-v0-scrypt-aes" + app name/version,
#     SHA-256 checksum, 256-byte metadata with scrypt N/r/p, salt, cipher and
#     the AES-256-GCM-wrapped blob key, then the blob), with a real checksum;
#     one folder with passphrase.json (no password set), one without.
#   - Monero: <name>.keys as wallet2 writes it (8-byte ChaCha IV, varint
#     length, encrypted account data), <name>.address.txt with a public
#     mainnet address from monero-java's test vectors, and the cache file.
#   - Wasabi: Wallets/<name>.json with ExtPubKey, EncryptedSecret (BIP38
#     "6P…"), ChainCode, MasterFingerprint; and a watch-only one.
#   - Ledger Live: app.json with data.accounts (xpub, freshAddress), and a
#     locked app.json whose data is an encrypted string.
# Keys and addresses are the BIP32 test vectors' and Hardhat's public ones.
# Usage: testdata/gen/wallets-others.py REPO_ROOT
import base64, hashlib, json, os, struct, sys

root = os.path.join(sys.argv[1], "testdata", "artefacts", "wallets")


def rnd(label, n):
    out = b""
    i = 0
    while len(out) < n:
        out += hashlib.sha256(f"{label}/{i}".encode()).digest()
        i += 1
    return out[:n]


B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def b58check(payload):
    data = payload + hashlib.sha256(hashlib.sha256(payload).digest()).digest()[:4]
    n = int.from_bytes(data, "big")
    s = ""
    while n:
        n, r = divmod(n, 58)
        s = B58[r] + s
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + s


def seco(path, label, app="Exodus", version="24.41.3", n=16384, r=8, p=1):
    hdr = b"SECO" + struct.pack(">L", 0) + b"\0" * 4
    for f in (b"seco-v0-scrypt-aes", app.encode(), version.encode()):
        hdr += bytes([len(f)]) + f
    hdr = hdr.ljust(224, b"\0")
    salt = rnd(label + " salt", 32)
    cipher = b"aes-256-gcm".ljust(32, b"\0")
    bk = rnd(label + " blob key iv", 12) + rnd(label + " blob key tag", 16) + rnd(label + " blob key", 32)
    biv = rnd(label + " blob iv", 12) + rnd(label + " blob tag", 16)
    meta = salt + struct.pack(">LLL", n, r, p) + cipher + bk + biv
    meta = meta.ljust(256, b"\0")
    blob = rnd(label + " blob", 600)
    body = struct.pack(">L", len(blob)) + blob
    checksum = hashlib.sha256(meta + body).digest()
    with open(path, "wb") as f:
        f.write(hdr + checksum + meta + body)
    return {"n": n, "r": r, "p": p, "cipher": "aes-256-gcm", "app_name": app, "app_version": version,
            "version_tag": "seco-v0-scrypt-aes", "salt": salt.hex(), "blob_bytes": len(blob), "checksum_valid": True}


def write_json(path, obj):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(obj, f, indent=2, sort_keys=True)
        f.write("\n")


def main():
    man = {}
    # Exodus, unlocked (passphrase.json present) and locked.
    ex = {"wallets": []}
    for name, unlocked in (("unlocked", True), ("locked", False)):
        d = os.path.join(root, "exodus", name, "exodus.wallet")
        os.makedirs(d, exist_ok=True)
        files = {}
        for f in ("seed.seco", "info.seco", "storage.seco"):
            files[f] = seco(os.path.join(d, f), f"exodus {name} {f}")
        if unlocked:
            with open(os.path.join(d, "passphrase.json"), "w") as f:
                json.dump({"passphrase": rnd("exodus passphrase", 32).hex()}, f)
        ex["wallets"].append({"folder": f"exodus/{name}/exodus.wallet", "password_set": not unlocked,
                              "passphrase_json": unlocked, "seco": files})
    write_json(os.path.join(root, "exodus", "manifest.json"), ex)

    # Monero: keys file, address file, cache.
    addr = "42U9v3qs5CjZEePHBZHwuSckQXebuZu299NSmVEmQ41YJZQhKcPyujyMSzpDH4VMMVSBo3U3b54JaNvQLwAjqDhKS3rvM3L"
    d = os.path.join(root, "monero", "wallets", "market")
    os.makedirs(d, exist_ok=True)
    data = rnd("monero account data", 1570)
    n, v = len(data), b""
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            v += bytes([b | 0x80])
        else:
            v += bytes([b])
            break
    with open(os.path.join(d, "market.keys"), "wb") as f:
        f.write(rnd("monero iv", 8) + v + data)
    with open(os.path.join(d, "market.address.txt"), "w") as f:
        f.write(addr)
    with open(os.path.join(d, "market"), "wb") as f:
        f.write(rnd("monero cache", 4096))
    write_json(os.path.join(root, "monero", "manifest.json"), {"wallets": [{"keys": "monero/wallets/market/market.keys",
               "address": addr, "network": "mainnet", "keys_data_bytes": len(data), "address_source": "monero-java TestMoneroUtils (public)"}]})

    # Wasabi: one with an encrypted secret, one watch-only.
    xpub2 = "xpub69H7F5d8KSRgmmdJg2KhpAK8SR3DjMwAdkxj3ZuxV27CprR9LgpeyGmXUbC6wb7ERfvrnKZjXoUmmDznezpbZb7ap6r1D3tgFxHmwMkQTPH"
    xpub1 = "xpub6ASuArnXKPbfEwhqN6e3mwBcDTgzisQN1wXN9BJcM47sSikHjJf3UFHKkNAWbWMiGj7Wf5uMash7SyYq527Hqck2AxYysAA7xmALppuCkwQ"
    bip38 = b58check(bytes([0x01, 0x42, 0xE0]) + rnd("wasabi bip38", 36))
    ws = []
    for name, secret, xpub, fpr in (("Market", bip38, xpub2, "bd16bee5"), ("Watch", None, xpub1, "3442193e")):
        w = {"EncryptedSecret": secret, "ChainCode": base64.b64encode(rnd("wasabi chain " + name, 32)).decode(),
             "MasterFingerprint": fpr, "ExtPubKey": xpub, "TaprootExtPubKey": None, "PasswordVerified": True,
             "MinGapLimit": 21, "AccountKeyPath": "84'/0'/0'", "TaprootAccountKeyPath": "86'/0'/0'",
             "BlockchainState": {"Network": "Main", "Height": "830000", "TurboSyncHeight": "829000"},
             "PreferPsbtWorkflow": False, "AutoCoinJoin": True, "HdPubKeys": []}
        write_json(os.path.join(root, "wasabi", "Wallets", name + ".json"), w)
        ws.append({"file": f"wasabi/Wallets/{name}.json", "xpub": xpub, "encrypted_secret": secret is not None,
                   "watch_only": secret is None, "master_fingerprint": fpr, "network": "Main"})
    write_json(os.path.join(root, "wasabi", "manifest.json"), {"wallets": ws})

    # Ledger Live: accounts in clear, and a password-locked app.json.
    accounts = [
        {"data": {"id": f"js:2:bitcoin:{xpub1}:native_segwit", "currencyId": "bitcoin", "name": "Bitcoin 1 (native segwit)",
                  "freshAddress": "bc1qhm6697d9d2224vfyt8mj4kw03ncec7a7fdafvt", "freshAddressPath": "84'/0'/0'/0/0",
                  "xpub": xpub1, "derivationMode": "native_segwit", "index": 0, "seedIdentifier": "03501e454bf00751f24b1b489aa925215d66af2234e3891c3b21a52bedb3cd711c",
                  "creationDate": "2026-02-01T09:30:00.000Z", "operations": []}, "version": 1},
        {"data": {"id": "js:2:ethereum:0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266:", "currencyId": "ethereum", "name": "Ethereum 1",
                  "freshAddress": "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266", "freshAddressPath": "44'/60'/0'/0/0",
                  "derivationMode": "", "index": 0, "seedIdentifier": "0x", "creationDate": "2026-02-01T09:31:00.000Z", "operations": []}, "version": 1},
    ]
    app = {"data": {"settings": {"counterValue": "GBP", "language": "en"}, "user": {"id": "c0ffee00-0000-4000-8000-000000000001"},
                    "accounts": accounts}}
    write_json(os.path.join(root, "ledger-live", "open", "app.json"), app)
    locked = {"data": base64.b64encode(rnd("ledger encrypted", 900)).decode(), "user": {"id": "c0ffee00-0000-4000-8000-000000000002"}}
    write_json(os.path.join(root, "ledger-live", "locked", "app.json"), locked)
    write_json(os.path.join(root, "ledger-live", "manifest.json"), {"wallets": [
        {"file": "ledger-live/open/app.json", "encrypted": False, "accounts": [
            {"currency": "bitcoin", "fresh_address": "bc1qhm6697d9d2224vfyt8mj4kw03ncec7a7fdafvt", "xpub": xpub1},
            {"currency": "ethereum", "fresh_address": "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266", "xpub": ""}]},
        {"file": "ledger-live/locked/app.json", "encrypted": True, "accounts": []}]})


main()
