#!/usr/bin/env python3
"""Prints the INSERTs of a qTox history (schema 9) between the profile
alice.tox and her friends, using the public keys toxcore reported
(qtox-profile.py's JSON). qTox stores keys as upper-case hex, names and
messages as UTF-8 BLOBs, timestamps in ms."""
import json
import sys

r = json.load(open(sys.argv[1]))["alice.tox"]
me, bob, carol = r["public_key"], r["friends"][0]["public_key"], r["friends"][1]["public_key"]
q = lambda s: "X'" + s.encode().hex() + "'"
print("INSERT INTO peers VALUES (1, '%s'), (2, '%s'), (3, '%s');" % (bob, me, carol))
print("INSERT INTO aliases VALUES (1, 1, %s), (2, 2, %s), (3, 3, %s);" % (q("Bob"), q("alice"), q("Carol <img src=x>")))
rows = [
    (1, "T", 1773600000000, 1, 1, "are you online?"),
    (2, "T", 1773600030000, 1, 2, "yes \u2067hidden\u2069 " + "\x00\x1f" + " ok"),
    (3, "F", 1773600060000, 1, 2, None),
    (4, "T", 1773600090000, 3, 3, "<script>steal()</script>"),
    (5, "S", 1773600100000, 1, None, None),
]
for hid, mt, ts, chat, alias, text in rows:
    print("INSERT INTO history VALUES (%d, '%s', %d, %d);" % (hid, mt, ts, chat))
    if mt == "T":
        print("INSERT INTO text_messages VALUES (%d, 'T', %d, %s);" % (hid, alias, q(text)))
    elif mt == "F":
        print("INSERT INTO file_transfers VALUES (%d, 'F', %d, X'%s', %s, %s, X'', 52344, 0, 5);" % (
            hid, alias, "00" * 32, q("wallet backup.zip"), q("/home/alice/Downloads/wallet backup.zip")))
    else:
        print("INSERT INTO system_messages VALUES (%d, 'S', 3, %s, NULL, NULL, NULL);" % (hid, q("Bob")))
