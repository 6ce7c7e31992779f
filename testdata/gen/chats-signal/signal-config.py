#!/usr/bin/env python3
"""Writes a Signal/Session Desktop config.json for a database key.

  signal-config.py plain KEYHEX                 {"key": KEYHEX}
  signal-config.py basic_text KEYHEX            encryptedKey, Linux basic_text backend
  signal-config.py gnome_libsecret KEYHEX SECRET  encryptedKey, keyring secret SECRET

encryptedKey is Electron safeStorage's output, i.e. Chromium os_crypt on
Linux: "v10" + AES-128-CBC(PBKDF2-HMAC-SHA1("peanuts", "saltysalt", 1, 16),
IV = 16 spaces, PKCS#7) for basic_text; "v11" with the keyring secret as
the password otherwise. The plaintext is the 64-hex key string. Hex-encoded
in config.json, as Signal writes it.
"""
import json
import sys

from cryptography.hazmat.primitives import hashes, padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC


def os_crypt(prefix, password, plaintext):
    key = PBKDF2HMAC(algorithm=hashes.SHA1(), length=16, salt=b"saltysalt", iterations=1).derive(password)
    p = padding.PKCS7(128).padder()
    data = p.update(plaintext) + p.finalize()
    enc = Cipher(algorithms.AES(key), modes.CBC(b" " * 16)).encryptor()
    return prefix + enc.update(data) + enc.finalize()


mode, key = sys.argv[1], sys.argv[2]
if mode == "plain":
    cfg = {"key": key}
elif mode == "basic_text":
    cfg = {"encryptedKey": os_crypt(b"v10", b"peanuts", key.encode()).hex(), "safeStorageBackend": "basic_text"}
elif mode == "gnome_libsecret":
    cfg = {"encryptedKey": os_crypt(b"v11", sys.argv[3].encode(), key.encode()).hex(), "safeStorageBackend": "gnome_libsecret"}
else:
    sys.exit("unknown mode " + mode)
# Signal writes its config with two-space indentation and no trailing newline.
sys.stdout.write(json.dumps(cfg, indent=2))
