#!/usr/bin/env python3
"""Writes qTox profiles with the real toxcore library (libtoxcore2, through
ctypes): a plain Tox save and the same kind of save encrypted by toxcore's
tox_pass_encrypt ("toxEsave"), as qTox writes them. Prints a JSON report of
what toxcore itself says about each profile (address, public key, name,
status message, friends' public keys) for the fixture manifest.

usage: qtox-profile.py OUTDIR PASSPHRASE
"""
import ctypes
import json
import os
import sys

tox = ctypes.CDLL("libtoxcore.so.2")
P, S, B = ctypes.c_void_p, ctypes.c_size_t, ctypes.c_bool
tox.tox_options_new.restype = P
tox.tox_options_new.argtypes = [P]
tox.tox_options_set_udp_enabled.argtypes = [P, B]
tox.tox_options_set_local_discovery_enabled.argtypes = [P, B]
tox.tox_options_set_ipv6_enabled.argtypes = [P, B]
tox.tox_new.restype = P
tox.tox_new.argtypes = [P, P]
tox.tox_kill.argtypes = [P]
tox.tox_self_set_name.argtypes = [P, ctypes.c_char_p, S, P]
tox.tox_self_set_status_message.argtypes = [P, ctypes.c_char_p, S, P]
tox.tox_self_set_status.argtypes = [P, ctypes.c_int]
tox.tox_self_set_nospam.argtypes = [P, ctypes.c_uint32]
tox.tox_self_get_address.argtypes = [P, ctypes.c_char_p]
tox.tox_self_get_public_key.argtypes = [P, ctypes.c_char_p]
tox.tox_friend_add_norequest.restype = ctypes.c_uint32
tox.tox_friend_add_norequest.argtypes = [P, ctypes.c_char_p, P]
tox.tox_friend_add.restype = ctypes.c_uint32
tox.tox_friend_add.argtypes = [P, ctypes.c_char_p, ctypes.c_char_p, S, P]
tox.tox_get_savedata_size.restype = S
tox.tox_get_savedata_size.argtypes = [P]
tox.tox_get_savedata.argtypes = [P, ctypes.c_char_p]
tox.tox_pass_encrypt.restype = B
tox.tox_pass_encrypt.argtypes = [ctypes.c_char_p, S, ctypes.c_char_p, S, ctypes.c_char_p, P]
tox.tox_is_data_encrypted.restype = B
tox.tox_is_data_encrypted.argtypes = [ctypes.c_char_p]

ADDRESS, PK, EXTRA = 38, 32, 80


def new():
    opts = tox.tox_options_new(None)
    tox.tox_options_set_udp_enabled(opts, False)
    tox.tox_options_set_local_discovery_enabled(opts, False)
    tox.tox_options_set_ipv6_enabled(opts, False)
    t = tox.tox_new(opts, None)
    if not t:
        sys.exit("tox_new failed")
    return t


def address(t):
    b = ctypes.create_string_buffer(ADDRESS)
    tox.tox_self_get_address(t, b)
    return b.raw


def pubkey(t):
    b = ctypes.create_string_buffer(PK)
    tox.tox_self_get_public_key(t, b)
    return b.raw


def save(t):
    n = tox.tox_get_savedata_size(t)
    b = ctypes.create_string_buffer(n)
    tox.tox_get_savedata(t, b)
    return b.raw


def main():
    out, passphrase = sys.argv[1], sys.argv[2].encode()
    bob, carol = new(), new()
    report = {}

    alice = new()
    name = "alice \u202eevil\u200f <b>x</b>".encode()
    status = "selling\x07 only via escrow".encode()
    tox.tox_self_set_name(alice, name, len(name), None)
    tox.tox_self_set_status_message(alice, status, len(status), None)
    tox.tox_self_set_status(alice, 1)  # TOX_USER_STATUS_AWAY
    tox.tox_self_set_nospam(alice, 0x1A2B3C4D)
    tox.tox_friend_add_norequest(alice, pubkey(bob), None)
    req = b"hi carol, it's alice from the forum"
    tox.tox_friend_add(alice, address(carol), req, len(req), None)
    data = save(alice)
    with open(os.path.join(out, "alice.tox"), "wb") as f:
        f.write(data)
    report["alice.tox"] = {
        "encrypted": bool(tox.tox_is_data_encrypted(data)),
        "address": address(alice).hex().upper(), "public_key": pubkey(alice).hex().upper(),
        "name_hex": name.hex(), "status_message_hex": status.hex(), "user_status": 1,
        "friends": [{"public_key": pubkey(bob).hex().upper(), "request_hex": ""},
                    {"public_key": pubkey(carol).hex().upper(), "request_hex": req.hex()}],
        "size": len(data)}

    dave = new()
    dname = b"dave"
    tox.tox_self_set_name(dave, dname, len(dname), None)
    plain = save(dave)
    enc = ctypes.create_string_buffer(len(plain) + EXTRA)
    if not tox.tox_pass_encrypt(plain, len(plain), passphrase, len(passphrase), enc, None):
        sys.exit("tox_pass_encrypt failed")
    with open(os.path.join(out, "dave.tox"), "wb") as f:
        f.write(enc.raw)
    report["dave.tox"] = {"encrypted": bool(tox.tox_is_data_encrypted(enc.raw)),
                          "address": address(dave).hex().upper(), "size": len(enc.raw)}
    for t in (alice, bob, carol, dave):
        tox.tox_kill(t)
    json.dump(report, sys.stdout, indent=1, sort_keys=True)


main()
