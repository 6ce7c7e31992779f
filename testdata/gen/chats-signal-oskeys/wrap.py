#!/usr/bin/env python3
"""Writes a Signal Desktop config.json whose encryptedKey is wrapped the way
Electron safeStorage does on macOS or Windows (Chromium os_crypt):

  wrap.py macos KEYHEX KEYCHAIN_PASSWORD
      "v10" + AES-128-CBC(PBKDF2-HMAC-SHA1(password, "saltysalt", 1003, 16),
      IV = 16 spaces, PKCS#7)
  wrap.py windows KEYHEX AESKEYHEX
      "v10" + nonce(12) + AES-256-GCM(key = the DPAPI-unwrapped Local State
      key) ciphertext + tag(16)

The plaintext is the 64-hex database key; hex-encoded in config.json.
"""
import json
import os
import sys

from cryptography.hazmat.primitives import hashes, padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

mode, dbkey, secret = sys.argv[1:4]
plain = dbkey.encode()
if mode == "macos":
    k = PBKDF2HMAC(algorithm=hashes.SHA1(), length=16, salt=b"saltysalt", iterations=1003).derive(secret.encode())
    p = padding.PKCS7(128).padder()
    enc = Cipher(algorithms.AES(k), modes.CBC(b" " * 16)).encryptor()
    blob = b"v10" + enc.update(p.update(plain) + p.finalize()) + enc.finalize()
elif mode == "windows":
    nonce = os.urandom(12)
    blob = b"v10" + nonce + AESGCM(bytes.fromhex(secret)).encrypt(nonce, plain, None)
else:
    sys.exit("wrap.py: mode is macos or windows")
json.dump({"encryptedKey": blob.hex(), "mediaPermissions": True}, sys.stdout, indent=2)
sys.stdout.write("\n")
