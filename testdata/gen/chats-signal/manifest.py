#!/usr/bin/env python3
"""Writes testdata/artefacts/chats/<family>/manifest.json from what the
generating programs reported in the same run (work files), so tests compare
the parsers with SQLCipher's, sqlite3's and toxcore's own reading."""
import json
import os
import sys

work, out, k_plain, k_basic, k_gnome, secret_gnome, k_v3, k_sess, qpass = sys.argv[1:10]


def rows(name):
    return json.load(open(os.path.join(work, name)))


def hexstr(h):
    return bytes.fromhex(h).decode() if isinstance(h, str) else h


def msgs(name):
    return [{"id": hexstr(r[0]), "type": hexstr(r[1]), "sent_at": r[2], "received_at": r[3],
             "conversation": hexstr(r[4]), "source": hexstr(r[5]),
             "body_hex": r[6]} for r in rows(name)]


def write(family, m):
    with open(os.path.join(out, family, "manifest.json"), "w") as f:
        json.dump(m, f, indent=1, sort_keys=True)
        f.write("\n")


sig = {
    "generator": "testdata/gen/chats-signal.sh (SQLCipher 4.4.2 via go-sqlcipher; sqlcipher CLI "
                 + open(os.path.join(work, "v3.version")).read().strip() + ")",
    "linux-plainkey": {"key": k_plain, "params": "v4", "messages": msgs("plainkey.messages.json"),
                       "conversations": [[hexstr(c[0]), hexstr(c[1]), hexstr(c[2]), hexstr(c[3]), hexstr(c[4]), c[5]]
                                         for c in rows("plainkey.conversations.json")]},
    "linux-basictext": {"key": k_basic, "params": "v4", "messages": msgs("basictext.messages.json")},
    "linux-libsecret": {"key": k_gnome, "params": "v4", "keyring_secret": secret_gnome},
    "legacy-v3": {"key": k_v3, "params": "v3", "message_count": int(open(os.path.join(work, "v3.count")).read())},
    "wrong-key": {"db_key": k_basic},
    "corrupt": {"key": k_basic, "corrupt_offset": 4096 + 1000, "corrupt_page": 2},
}
write("signal", sig)
write("session", {"linux": {"key": k_sess, "params": "v4", "messages": msgs("session.messages.json")}})
hist = []
for line in open(os.path.join(work, "qtox.history.txt")).read().splitlines():
    i, mt, ts, chat, sender, body = line.split("|")
    hist.append({"id": int(i), "type": mt, "timestamp": int(ts), "chat": chat, "sender": sender, "body_hex": body.lower()})
write("qtox", {"profiles": rows("qtox.profiles.json"), "passphrase": qpass, "history": hist})
sk = []
for line in open(os.path.join(work, "skype.messages.txt")).read().splitlines():
    i, conv, author, ts, typ, body = line.split("|")
    sk.append({"id": int(i), "convo_id": int(conv), "author": author, "timestamp": int(ts), "type": int(typ), "body_hex": body.lower()})
write("skype", {"alice.market/main.db": {"messages": sk}})
