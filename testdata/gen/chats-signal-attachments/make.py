#!/usr/bin/env python3
"""Writes Signal Desktop attachment files the way Signal Desktop keeps them
under attachments.noindex/, and the message rows that carry their keys.

  make.py PROFILE_DIR  >data.sql      (manifest JSON goes to PROFILE_DIR/../manifest.json)

Each file is IV(16) || AES-256-CBC(PKCS#7) || HMAC-SHA256(IV || ciphertext),
the key a random 64-byte localKey (AES-256 key || HMAC-SHA256 key), stored
base64 in the message json with the path, size and (newer versions)
plaintextHash, encrypted here with python3 `cryptography`. One plaintext is
padded with zeros past its size before encryption (Signal pads attachments;
the reader must cut to "size"); one file has a byte flipped after encryption
(a tampered attachment: its HMAC must fail). One is stored in plaintext
without a localKey, as versions before on-disk encryption kept them.
"""
import base64
import hashlib
import hmac
import json
import os
import struct
import sys
import zlib

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes


def png(width, height):
    """A real, minimal RGB PNG (zlib + CRC chunks)."""
    def chunk(tag, data):
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xffffffff)
    raw = b"".join(b"\x00" + b"".join(bytes((x * 7 % 256, y * 11 % 256, (x ^ y) % 256)) for x in range(width)) for y in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def encrypt(plain, key, extra_pad=0):
    iv = os.urandom(16)
    p = padding.PKCS7(128).padder()
    data = p.update(plain + b"\x00" * extra_pad) + p.finalize()
    enc = Cipher(algorithms.AES(key[:32]), modes.CBC(iv)).encryptor()
    body = iv + enc.update(data) + enc.finalize()
    return body + hmac.new(key[32:], body, hashlib.sha256).digest()


profile = sys.argv[1]
items = [
    # name, message id, plaintext, content type, extra zero padding, tamper (None: legacy plaintext file)
    ("photo.png", "a0000001-0000-4000-8000-000000000001", png(40, 30), "image/png", 0, False),
    ("price list.txt", "a0000001-0000-4000-8000-000000000001",
     "Price list\n1 g 0.05 BTC\n5 g 0.2 BTC\n\u202eRTL\u200f end\n".encode(), "text/plain", 37, False),
    ("tampered.png", "a0000002-0000-4000-8000-000000000002", png(16, 16), "image/png", 0, True),
    ("legacy.png", "a0000002-0000-4000-8000-000000000002", png(8, 8), "image/png", 0, None),
]
manifest = {"generator": "testdata/gen/chats-signal-attachments.sh (python3 cryptography %s)" % __import__("cryptography").__version__,
            "profile": "linux", "attachments": []}
per_msg = {}
for i, (name, mid, plain, ctype, extra, tamper) in enumerate(items):
    key = os.urandom(64)
    digest = hashlib.sha256(plain).hexdigest()
    rel = "%s/%s" % (digest[:2], hashlib.sha256(key).hexdigest())
    blob = bytearray(plain if tamper is None else encrypt(plain, key, extra))
    if tamper:
        blob[16 + 5] ^= 0x01  # one ciphertext byte in the first block
    dest = os.path.join(profile, "attachments.noindex", rel)
    os.makedirs(os.path.dirname(dest), exist_ok=True)
    with open(dest, "wb") as f:
        f.write(bytes(blob))
    att = {"contentType": ctype, "fileName": name, "size": len(plain), "path": rel}
    if tamper is not None:
        att.update({"localKey": base64.b64encode(key).decode(), "version": 2, "plaintextHash": digest})
    per_msg.setdefault(mid, []).append(att)
    manifest["attachments"].append({"message_id": mid, "index": len(per_msg[mid]) - 1, "file_name": name,
                                    "path": "attachments.noindex/" + rel, "file_size": len(blob),
                                    "plaintext_size": len(plain), "plaintext_sha256": digest,
                                    "content_type": ctype, "tampered": bool(tamper),
                                    "encrypted": tamper is not None, "zero_padding": extra})

print("""INSERT INTO items VALUES ('uuid_id', '{"id":"uuid_id","value":"a1a1a1a1-1111-4111-8111-111111111111.1"}');
INSERT INTO conversations (id, json, active_at, type, name, profileFullName, e164, serviceId)
VALUES ('c0b0b0b0-0000-4000-8000-00000000000b', '{}', 1773500100000, 'private', NULL, 'Bob Market', '+447700900456', 'b2b2b2b2-2222-4222-8222-222222222222');""")
for n, mid in enumerate(sorted(per_msg)):
    js = json.dumps({"id": mid, "type": "incoming", "attachments": per_msg[mid]}, separators=(",", ":"))
    print("INSERT INTO messages (id, json, sent_at, received_at, received_at_ms, conversationId, sourceServiceId, type, body, hasAttachments) "
          "VALUES ('%s', '%s', %d, %d, %d, 'c0b0b0b0-0000-4000-8000-00000000000b', 'b2b2b2b2-2222-4222-8222-222222222222', 'incoming', 'files', 1);"
          % (mid, js.replace("'", "''"), 1773500000000 + n * 60000, 1773500000500 + n * 60000, 1773500000500 + n * 60000))
manifest["messages"] = len(per_msg)
with open(os.path.join(os.path.dirname(profile), "manifest.json"), "w") as f:
    json.dump(manifest, f, indent=1, sort_keys=True)
    f.write("\n")
