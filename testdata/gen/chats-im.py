#!/usr/bin/env python3
"""Chat-client fixtures for artefacts/chats/{pidgin,psi,gajim,telegram,element,discord}.

Called by testdata/gen/chats-im.sh (which also runs sqlite3 for Gajim and the
goleveldb writer for Element/Discord). Writes every file in the layout the
client itself uses, and next to each family a manifest.json with what the
files hold, computed here independently of Loupe's Go code:

  pidgin   accounts.xml, blist.xml, HTML and text logs as libpurple 2.x's
           loggers write them, otr.private_key (a real DSA key made by the
           `cryptography` module, S-expression as libotr writes it) and
           otr.fingerprints; the OTR fingerprint is SHA-1 over the four public
           MPIs, computed here.
  psi      Psi+ accounts.xml (password encoded as Psi encodes it: UTF-16 code
           units XOR the JID, 4 hex digits each) and flat *.history files.
  gajim    SQL scripts for logs.db (Gajim 1.x schema) and the OMEMO store;
           chats-im.sh pipes them into the sqlite3 CLI.
  telegram a tdata folder following Telegram Desktop's format (TDF$
           containers, key_datas, the MTP authorisation file, the account's
           map with a self-peer record, settings). There is no Telegram
           Desktop on this machine; the format is taken from tdesktop's public
           source. Cryptography (PBKDF2-HMAC-SHA512/SHA1, AES-256 in IGE mode
           built on the `cryptography` module's AES-ECB, the MTProto v1 key
           derivation) is done here, and its intermediate values go to the
           manifest as known answers for the Go tests.
  element/discord  Chromium Local Storage entries (JSON on stdout for the Go
           writer, testdata/gen/mkleveldb).

Pseudo-random bytes (salts, padding, fake auth keys) come from SHAKE-256 of a
label so the Telegram tree is reproducible; the OTR DSA key is random.
    chats-im.py OUTDIR
"""
import hashlib
import json
import os
import struct
import sys
from datetime import datetime, timedelta, timezone

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC


def prng(label, n):
    return hashlib.shake_256(b"loupe-chats-im:" + label.encode()).digest(n)


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode("utf-8"))


def dump(path, obj):
    write(path, json.dumps(obj, indent=1, ensure_ascii=False, sort_keys=True) + "\n")


def xml_escape(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("'", "&apos;").replace('"', "&quot;")


# Bodies every client carries: markup, script, control characters and bidi
# marks must reach the record byte for byte.
HOSTILE = "<script>alert('x')</script> \u202eexe.txt\u202c \x07bell\x1b[31m red"
RTL = "\u200fשלום \u0645\u0631\u062d\u0628\u0627\u200f"

# ---------------------------------------------------------------- Pidgin


def pidgin(out):
    root = os.path.join(out, "pidgin", ".purple")
    man = {"accounts": [], "buddies": [], "logs": [], "otr_keys": [], "otr_fingerprints": []}
    accounts = [
        {"protocol": "prpl-jabber", "name": "alice@example.org/Home", "password": "c0rrect h0rse & <battery>", "alias": "alice"},
        {"protocol": "prpl-irc", "name": "alice_dw@irc.example.net", "password": None, "alias": "alice_dw"},
    ]
    x = ["<?xml version='1.0' encoding='UTF-8' ?>\n\n<account version='1.0'>\n"]
    for a in accounts:
        x.append("\t<account>\n\t\t<protocol>%s</protocol>\n\t\t<name>%s</name>\n" % (a["protocol"], xml_escape(a["name"])))
        if a["password"] is not None:
            x.append("\t\t<password>%s</password>\n" % xml_escape(a["password"]))
        x.append("\t\t<alias>%s</alias>\n" % xml_escape(a["alias"]))
        x.append("\t\t<statuses>\n\t\t\t<status type='available' name='Available' active='true'>\n"
                 "\t\t\t\t<attributes/>\n\t\t\t</status>\n\t\t</statuses>\n")
        x.append("\t\t<settings>\n\t\t\t<setting name='check-mail' type='bool'>0</setting>\n"
                 "\t\t\t<setting name='connect_server' type='string'></setting>\n\t\t</settings>\n")
        x.append("\t</account>\n")
        man["accounts"].append({"protocol": a["protocol"], "name": a["name"], "alias": a["alias"],
                                "password_present": a["password"] is not None, "password": a["password"]})
    x.append("</account>\n")
    write(os.path.join(root, "accounts.xml"), "".join(x))

    buddies = [
        ("Buddies", "alice@example.org/Home", "prpl-jabber", "bob@example.net", "Bob", 1773482400),
        ("Market", "alice@example.org/Home", "prpl-jabber", "vendor7@xmpp.example.onion", "V7 \u200fvendor", 1773300000),
        ("Market", "alice_dw@irc.example.net", "prpl-irc", "mallory", None, None),
    ]
    x = ["<?xml version='1.0' encoding='UTF-8' ?>\n\n<purple version='1.0'>\n\t<blist>\n"]
    groups = []
    for b in buddies:
        if b[0] not in groups:
            groups.append(b[0])
    for g in groups:
        x.append("\t\t<group name='%s'>\n\t\t\t<setting name='collapsed' type='bool'>0</setting>\n" % xml_escape(g))
        for (grp, acct, proto, name, alias, seen) in buddies:
            if grp != g:
                continue
            x.append("\t\t\t<contact>\n\t\t\t\t<buddy account='%s' proto='%s'>\n\t\t\t\t\t<name>%s</name>\n" % (xml_escape(acct), proto, xml_escape(name)))
            if alias is not None:
                x.append("\t\t\t\t\t<alias>%s</alias>\n" % xml_escape(alias))
            if seen is not None:
                x.append("\t\t\t\t\t<setting name='last_seen' type='int'>%d</setting>\n" % seen)
            x.append("\t\t\t\t</buddy>\n\t\t\t</contact>\n")
            man["buddies"].append({"group": grp, "account": acct, "protocol": proto, "name": name,
                                   "alias": alias, "last_seen": seen})
        x.append("\t\t</group>\n")
    x.append("\t</blist>\n\t<privacy>\n\t\t<account proto='prpl-jabber' name='alice@example.org/Home' mode='1'/>\n\t</privacy>\n</purple>\n")
    write(os.path.join(root, "blist.xml"), "".join(x))

    cet = timezone(timedelta(hours=1))
    # (format, buddy, start, [(seconds after start, kind, sender, body)])
    sessions = [
        ("html", "bob@example.net", datetime(2026, 3, 10, 19, 30, 12, tzinfo=cet), [
            (5, "send", "alice", "hi bob, got the <b>stuff</b>?"),
            (63, "recv", "Bob", "yes &amp; it is &lt;script&gt;alert(1)&lt;/script&gt; clean"),
            (64, "recv", "Bob", HOSTILE),
            (90, "auto-recv", "Bob", "I am away from my computer"),
            (100, "action-send", "alice", "waves"),
            (110, "error", None, "Unable to send message: the message is too large."),
            (120, "system", None, "Bob has signed off."),
            (4 * 3600 + 31 * 60, "send", "alice", RTL),  # past midnight: 00:01:12 next day
        ]),
        ("txt", "vendor7@xmpp.example.onion", datetime(2026, 3, 12, 8, 0, 0, tzinfo=cet), [
            (1, "send", "alice", "price for 10?"),
            (30, "recv", "V7 \u200fvendor", "250 XMR\nsend to the usual address"),
            (31, "recv", "V7 \u200fvendor", "<script>x()</script>\x01"),
            (40, "action-send", "alice", "checks the wallet"),
            # Logged as a delayed message (more than 20 minutes after its
            # time), for which libpurple prints the date ("%x %X").
            (26 * 3600, "send", "alice", "paid"),
        ]),
    ]
    for fmt, buddy, start, msgs in sessions:
        account = "alice@example.org"
        fname = start.strftime("%Y-%m-%d.%H%M%S") + "+0100CET." + fmt
        rel = os.path.join("logs", "jabber", account, buddy, fname)
        when = start.strftime("%a %d %b %Y %I:%M:%S %p") + " CET"
        title = "Conversation with %s at %s on %s/Home (jabber)" % (buddy, when, account)
        lines = []
        entries = []
        if fmt == "html":
            lines.append('<html><head><meta http-equiv="content-type" content="text/html; charset=UTF-8"><title>%s</title></head><body><h3>%s</h3>\n' % (title, title))
        else:
            lines.append(title + "\n")
        for off, kind, sender, body in msgs:
            t = start + timedelta(seconds=off)
            stamp = t.strftime("%H:%M:%S") if off <= 86400 else t.strftime("%m/%d/%y %H:%M:%S")
            # The formats of libpurple's html_logger_write / txt_logger_write.
            if fmt == "html":
                if kind == "system":
                    line = '<font size="2">(%s)</font><b> %s</b><br/>\n' % (stamp, body)
                elif kind == "error":
                    line = '<font color="#FF0000"><font size="2">(%s)</font><b> %s</b></font><br/>\n' % (stamp, body)
                elif kind == "action-send":
                    line = '<font color="#062585"><font size="2">(%s)</font> <b>***%s</b></font> %s<br/>\n' % (stamp, sender, body)
                elif kind == "auto-recv":
                    line = '<font color="#A82F2F"><font size="2">(%s)</font> <b>%s &lt;AUTO-REPLY&gt;:</b></font> %s<br/>\n' % (stamp, sender, body)
                else:
                    color = "#16569E" if kind == "send" else "#A82F2F"
                    line = '<font color="%s"><font size="2">(%s)</font> <b>%s:</b></font> %s<br/>\n' % (color, stamp, sender, body)
            else:
                if kind == "system":
                    line = "(%s) %s\n" % (stamp, body)
                elif kind == "action-send":
                    line = "(%s) ***%s %s\n" % (stamp, sender, body)
                else:
                    line = "(%s) %s: %s\n" % (stamp, sender, body)
            entries.append({"line": "".join(lines).count("\n") + 1, "kind": kind, "sender": sender,
                            "direction": {"send": "out", "recv": "in", "auto-recv": "in", "action-send": "out"}.get(kind),
                            "time": t.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"), "body": body})
            lines.append(line)
        if fmt == "html":
            lines.append("</body></html>\n")
        write(os.path.join(root, rel), "".join(lines))
        man["logs"].append({"path": rel.replace(os.sep, "/"), "format": fmt, "protocol": "jabber", "account": account,
                            "buddy": buddy, "session_start": start.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
                            "messages": entries})

    # OTR: one real DSA-1024 key per account, written as libotr's
    # otrl_privkey_generate writes it (gcry_sexp_sprint, advanced format).
    pk = []
    for a in accounts:
        key = dsa.generate_private_key(key_size=1024)
        n = key.private_numbers()
        pub = n.public_numbers
        prm = pub.parameter_numbers

        def hexmpi(v):
            h = "%X" % v
            if len(h) % 2:
                h = "0" + h
            if int(h[0], 16) >= 8:
                h = "00" + h  # gcrypt writes a leading zero byte for a set top bit
            return "#" + h + "#"

        def mpi(v):
            b = v.to_bytes((v.bit_length() + 7) // 8, "big")
            return struct.pack(">I", len(b)) + b

        fp = hashlib.sha1(mpi(prm.p) + mpi(prm.q) + mpi(prm.g) + mpi(pub.y)).hexdigest().upper()
        pk.append(" (account\n  (name \"%s\")\n  (protocol %s)\n  (private-key \n   (dsa \n    (p %s)\n    (q %s)\n    (g %s)\n    (y %s)\n    (x %s)\n    )\n   )\n  )\n"
                  % (a["name"], a["protocol"], hexmpi(prm.p), hexmpi(prm.q), hexmpi(prm.g), hexmpi(pub.y), hexmpi(n.x)))
        man["otr_keys"].append({"account": a["name"], "protocol": a["protocol"], "fingerprint": fp,
                                "fingerprint_human": " ".join(fp[i:i + 8] for i in range(0, 40, 8))})
    write(os.path.join(root, "otr.private_key"), "(privkeys\n" + "".join(pk) + ")\n")
    fps = [
        ("bob@example.net", "alice@example.org/Home", "prpl-jabber", prng("otr-fp-bob", 20).hex(), "verified"),
        ("vendor7@xmpp.example.onion", "alice@example.org/Home", "prpl-jabber", prng("otr-fp-v7", 20).hex(), ""),
        ("mallory", "alice_dw@irc.example.net", "prpl-irc", prng("otr-fp-mallory", 20).hex(), "smp"),
    ]
    lines = []
    for i, (u, acct, proto, fp, trust) in enumerate(fps):
        lines.append("%s\t%s\t%s\t%s%s\n" % (u, acct, proto, fp, "\t" + trust if trust else ""))
        man["otr_fingerprints"].append({"line": i + 1, "username": u, "account": acct, "protocol": proto,
                                        "fingerprint": fp, "trust": trust})
    write(os.path.join(root, "otr.fingerprints"), "".join(lines))
    dump(os.path.join(out, "pidgin", "manifest.json"), man)


# ---------------------------------------------------------------- Psi / Psi+


def psi_encode_password(password, key):
    # Psi's encodePassword: each UTF-16 code unit XOR the key's (cycled),
    # written as 4 lower-case hex digits.
    p = password.encode("utf-16-be")
    k = key.encode("utf-16-be")
    pu = [int.from_bytes(p[i:i + 2], "big") for i in range(0, len(p), 2)]
    ku = [int.from_bytes(k[i:i + 2], "big") for i in range(0, len(k), 2)]
    return "".join("%04x" % (c ^ ku[i % len(ku)]) for i, c in enumerate(pu))


def psi_logencode(s):
    return s.replace("\\", "\\\\").replace("|", "\\p").replace("\n", "\\n")


def psi(out):
    prof = os.path.join(out, "psi", "config", "psi+", "profiles", "default")
    data = os.path.join(out, "psi", "data", "psi+", "profiles", "default")
    jid, pw = "carol@jabber.example.org", "s3cret|psi"
    x = ('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE accounts>\n'
         '<accounts version="1.3" xmlns="http://psi-im.org/options">\n <accounts>\n  <a0>\n'
         '   <enabled type="bool">true</enabled>\n'
         '   <id type="QString">{5f6c1a2e-0b7d-4c58-9d1e-3a4b5c6d7e8f}</id>\n'
         '   <jid type="QString">%s</jid>\n'
         '   <name type="QString">carol (work)</name>\n'
         '   <password type="QString">%s</password>\n'
         '   <resource type="QString">Psi+</resource>\n'
         '   <roster-cache>\n'
         '    <a0>\n     <groups type="QStringList">\n      <item>Friends</item>\n     </groups>\n'
         '     <jid type="QString">dave@example.net</jid>\n     <name type="QString">Dave</name>\n'
         '     <subscription type="QString">both</subscription>\n    </a0>\n'
         '    <a1>\n     <groups type="QStringList"/>\n'
         '     <jid type="QString">eve@chat.example.onion</jid>\n     <name type="QString"></name>\n'
         '     <subscription type="QString">to</subscription>\n    </a1>\n'
         '   </roster-cache>\n  </a0>\n </accounts>\n</accounts>\n') % (jid, psi_encode_password(pw, jid))
    write(os.path.join(prof, "accounts.xml"), x)
    man = {"accounts": [{"jid": jid, "name": "carol (work)", "resource": "Psi+", "password": pw}],
           "contacts": [{"jid": "dave@example.net", "name": "Dave", "subscription": "both", "groups": ["Friends"]},
                        {"jid": "eve@chat.example.onion", "name": "", "subscription": "to", "groups": []}],
           "histories": []}
    convs = [
        ("dave@example.net", [
            ("2026-03-12T21:15:02", 2, "to", "N---", "evening | are you there?"),
            ("2026-03-12T21:15:40", 2, "from", "N---", "yes\nsend it now"),
            ("2026-03-12T21:16:00", 1, "from", "N---", HOSTILE),
        ]),
        ("eve@chat.example.onion", [
            ("2026-03-13T02:00:00", 2, "from", "N---", RTL + " back\\slash"),
            ("2026-03-13T02:01:30", 2, "to", "N---", "<b>ok</b>"),
        ]),
    ]
    for peer, msgs in convs:
        fname = peer.replace("@", "_at_") + ".history"
        lines, entries = [], []
        for i, (ts, typ, orig, flags, body) in enumerate(msgs):
            lines.append("|%s|%d|%s|%s|%s\n" % (ts, typ, orig, flags, psi_logencode(body)))
            entries.append({"line": i + 1, "time_local": ts, "type": typ, "direction": "out" if orig == "to" else "in", "body": body})
        write(os.path.join(data, "history", fname), "".join(lines))
        man["histories"].append({"file": "history/" + fname, "peer": peer, "messages": entries})
    dump(os.path.join(out, "psi", "manifest.json"), man)


# ---------------------------------------------------------------- Gajim


def sqlq(s):
    return "'" + s.replace("'", "''") + "'"


def sqltext(s):
    # Control characters are written through char() so the SQL script stays
    # printable and the stored text is exactly s.
    parts, cur = [], ""
    for ch in s:
        if ord(ch) < 0x20 and ch not in "\n":
            if cur:
                parts.append(sqlq(cur))
                cur = ""
            parts.append("char(%d)" % ord(ch))
        else:
            cur += ch
    if cur or not parts:
        parts.append(sqlq(cur))
    return " || ".join(parts)


def gajim(out):
    base = os.path.join(out, "gajim")
    # Gajim 1.x logs.db (gajim/common/storage/archive.py, user_version 6).
    jids = [(1, "frank@example.org", 0), (2, "grace@example.net", 0), (3, "market@conference.example.onion", 1)]
    # (id, account_id, jid_id, contact_name, time, kind, message)
    # kind: 2 groupchat, 4 chat received, 6 chat sent, 0 status.
    logs = [
        (1, 1, 2, None, 1773550800.0, 6, "hello grace"),
        (2, 1, 2, None, 1773550861.5, 4, "hi frank, " + RTL),
        (3, 1, 2, None, 1773550900.0, 4, HOSTILE),
        (4, 1, 3, "seller9", 1773551000.0, 2, "new stock <i>today</i>\nDM me"),
        (5, 1, 3, "frank", 1773551060.0, 2, "interested"),
        (6, 1, 2, None, 1773551100.0, 0, "away"),
    ]
    sql = ["PRAGMA user_version=6;",
           "CREATE TABLE jids(jid_id INTEGER PRIMARY KEY AUTOINCREMENT UNIQUE, jid TEXT UNIQUE, type INTEGER);",
           "CREATE TABLE unread_messages(message_id INTEGER PRIMARY KEY AUTOINCREMENT UNIQUE, jid_id INTEGER, shown BOOLEAN default 0);",
           "CREATE TABLE logs(log_line_id INTEGER PRIMARY KEY AUTOINCREMENT UNIQUE, account_id INTEGER, jid_id INTEGER, contact_name TEXT, time INTEGER, kind INTEGER, show INTEGER, message TEXT, error TEXT, subject TEXT, additional_data TEXT, stanza_id TEXT, message_id TEXT, encryption TEXT, encryption_state TEXT, marker INTEGER);",
           "CREATE TABLE last_archive_message(jid_id INTEGER PRIMARY KEY UNIQUE, last_mam_id TEXT, oldest_mam_timestamp TEXT, last_muc_timestamp TEXT);",
           "CREATE INDEX idx_logs_jid_id_time ON logs (jid_id, time DESC);",
           "BEGIN;"]
    for j in jids:
        sql.append("INSERT INTO jids VALUES(%d, %s, %d);" % (j[0], sqlq(j[1]), j[2]))
    man = {"jids": [{"jid_id": a, "jid": b, "type": c} for a, b, c in jids], "messages": [], "omemo": []}
    for (i, acct, jid, name, t, kind, msg) in logs:
        enc = "'OMEMO'" if i == 3 else "NULL"
        sql.append("INSERT INTO logs(log_line_id, account_id, jid_id, contact_name, time, kind, show, message, stanza_id, encryption) VALUES(%d, %d, %d, %s, %r, %d, NULL, %s, %s, %s);"
                   % (i, acct, jid, sqlq(name) if name else "NULL", t, kind, sqltext(msg), sqlq("st-%d" % i), enc))
        man["messages"].append({"id": i, "jid": jids[jid - 1][1], "contact_name": name, "kind": kind,
                                "time": datetime.fromtimestamp(t, timezone.utc).isoformat().replace("+00:00", "Z"),
                                "body": msg, "encryption": "OMEMO" if i == 3 else None})
    sql.append("COMMIT;")
    write(os.path.join(base, "logs.sql"), "\n".join(sql) + "\n")
    # OMEMO store of the Gajim plugin (python-axolotl LiteIdentityKeyStore plus
    # the trust column Gajim adds). recipient_id -1 is the own identity.
    own_pub = b"\x05" + prng("omemo-own-pub", 32)
    rows = [(1, "-1", 4242, own_pub, prng("omemo-own-priv", 32), None),
            (2, "grace@example.net", None, b"\x05" + prng("omemo-grace", 32), None, 1),
            (3, "seller9@example.onion", None, b"\x05" + prng("omemo-seller9", 32), None, 0)]
    sql = ["CREATE TABLE identities (_id INTEGER PRIMARY KEY AUTOINCREMENT, recipient_id TEXT, registration_id INTEGER, public_key BLOB, private_key BLOB, next_prekey_id INTEGER, timestamp INTEGER, trust INTEGER, shown INTEGER DEFAULT 0);",
           "CREATE TABLE sessions (_id INTEGER PRIMARY KEY AUTOINCREMENT, recipient_id TEXT, device_id INTEGER, record BLOB, timestamp INTEGER, active INTEGER DEFAULT 1, UNIQUE(recipient_id, device_id));"]
    for (i, rid, reg, pub, priv, trust) in rows:
        sql.append("INSERT INTO identities(_id, recipient_id, registration_id, public_key, private_key, trust) VALUES(%d, %s, %s, X'%s', %s, %s);"
                   % (i, sqlq(rid), reg if reg is not None else "NULL", pub.hex(), "X'%s'" % priv.hex() if priv else "NULL",
                      trust if trust is not None else "NULL"))
        man["omemo"].append({"id": i, "recipient_id": rid, "own": rid == "-1", "fingerprint": pub[1:].hex(),
                             "trust": trust, "private_key_present": priv is not None})
    write(os.path.join(base, "omemo.sql"), "\n".join(sql) + "\n")

    # Gajim 2.x archive (gajim/common/storage/archive/models.py, user_version
    # 8): account, remote, occupant, encryption and message tables; times are
    # float seconds (EpochTimestampType); type 1 chat, 2 groupchat, 3 private
    # message; direction 1 incoming, 2 outgoing.
    sql = ["PRAGMA user_version=8;",
           "CREATE TABLE account (pk INTEGER NOT NULL, jid TEXT NOT NULL, PRIMARY KEY (pk));",
           "CREATE UNIQUE INDEX idx_account ON account (jid);",
           "CREATE TABLE remote (pk INTEGER NOT NULL, jid TEXT NOT NULL, PRIMARY KEY (pk));",
           "CREATE UNIQUE INDEX idx_remote ON remote (jid);",
           "CREATE TABLE encryption (pk INTEGER NOT NULL, protocol INTEGER NOT NULL, key TEXT NOT NULL, trust INTEGER NOT NULL, PRIMARY KEY (pk));",
           "CREATE TABLE occupant (pk INTEGER NOT NULL, fk_account_pk INTEGER NOT NULL, fk_remote_pk INTEGER NOT NULL, id TEXT NOT NULL, fk_real_remote_pk TEXT, nickname TEXT, avatar_sha TEXT, updated_at FLOAT NOT NULL, PRIMARY KEY (pk), FOREIGN KEY(fk_account_pk) REFERENCES account (pk) ON DELETE CASCADE, FOREIGN KEY(fk_remote_pk) REFERENCES remote (pk));",
           "CREATE TABLE message (pk INTEGER NOT NULL, fk_account_pk INTEGER NOT NULL, fk_remote_pk INTEGER NOT NULL, resource TEXT, type INTEGER NOT NULL, direction INTEGER NOT NULL, timestamp FLOAT NOT NULL, state INTEGER NOT NULL, id TEXT NOT NULL, stanza_id TEXT, stable_id INTEGER NOT NULL, text TEXT, user_delay_ts FLOAT, fk_thread_pk INTEGER, fk_occupant_pk INTEGER, fk_encryption_pk INTEGER, fk_security_label_pk INTEGER, correction_id TEXT, PRIMARY KEY (pk), FOREIGN KEY(fk_account_pk) REFERENCES account (pk) ON DELETE CASCADE, FOREIGN KEY(fk_remote_pk) REFERENCES remote (pk), FOREIGN KEY(fk_occupant_pk) REFERENCES occupant (pk), FOREIGN KEY(fk_encryption_pk) REFERENCES encryption (pk));",
           "BEGIN;",
           "INSERT INTO account VALUES (1, 'frank@example.org');",
           "INSERT INTO remote VALUES (1, 'grace@example.net'), (2, 'market@conference.example.onion');",
           "INSERT INTO encryption VALUES (1, 1, 'b7c1d2e3f4', 1);",
           "INSERT INTO occupant VALUES (1, 1, 2, 'occ-seller9', NULL, 'seller9', NULL, 1773600000.0);"]
    msgs2 = [
        # pk, remote, resource, type, direction, ts, text, occupant, encryption
        (1, 1, "phone", 1, 1, 1773600100.25, "grace again " + RTL, None, 1),
        (2, 1, None, 1, 2, 1773600160.0, HOSTILE, None, None),
        (3, 2, "seller9", 2, 1, 1773600200.0, "<b>restock</b> at 9", 1, None),
        (4, 2, "frank", 2, 2, 1773600260.0, "count me in", None, None),
        (5, 2, "seller9", 3, 1, 1773600300.0, "pm: price is 3", 1, None),
    ]
    man["messages_2x"] = []
    for (pk, remote, res, typ, dirn, ts, text, occ, enc) in msgs2:
        sql.append("INSERT INTO message(pk, fk_account_pk, fk_remote_pk, resource, type, direction, timestamp, state, id, stable_id, text, fk_occupant_pk, fk_encryption_pk) "
                   "VALUES(%d, 1, %d, %s, %d, %d, %r, 2, %s, %d, %s, %s, %s);"
                   % (pk, remote, sqlq(res) if res else "NULL", typ, dirn, ts, sqlq("m-%d" % pk), pk, sqltext(text),
                      occ if occ else "NULL", enc if enc else "NULL"))
        man["messages_2x"].append({"pk": pk, "remote": ["grace@example.net", "market@conference.example.onion"][remote - 1],
                                   "resource": res, "type": typ, "direction": {1: "in", 2: "out"}[dirn],
                                   "time": datetime.fromtimestamp(ts, timezone.utc).isoformat().replace("+00:00", "Z"),
                                   "body": text, "nickname": "seller9" if occ else None, "encrypted": enc is not None})
    sql.append("COMMIT;")
    write(os.path.join(base, "logs2.sql"), "\n".join(sql) + "\n")
    dump(os.path.join(base, "manifest.json"), man)


# ---------------------------------------------------------------- Telegram Desktop

APP_VERSION = 5008003  # 5.8.3


def qba(b):
    return struct.pack(">I", len(b)) + b


def qstr(s):
    return qba(s.encode("utf-16-be"))


def tdf(payload, version=APP_VERSION):
    md5 = hashlib.md5(payload + struct.pack("<I", len(payload)) + struct.pack("<I", version) + b"TDF$").digest()
    return b"TDF$" + struct.pack("<I", version) + payload + md5


def ige_encrypt(key, iv, data):
    assert len(data) % 16 == 0
    enc = Cipher(algorithms.AES(key), modes.ECB()).encryptor()
    xprev, yprev = iv[16:], iv[:16]  # x0 = second half (previous plaintext), y0 = first half (previous ciphertext)
    out = b""
    for i in range(0, len(data), 16):
        x = data[i:i + 16]
        y = bytes(a ^ b for a, b in zip(enc.update(bytes(a ^ b for a, b in zip(x, yprev))), xprev))
        out += y
        xprev, yprev = x, y
    return out


def ige_decrypt(key, iv, data):
    dec = Cipher(algorithms.AES(key), modes.ECB()).decryptor()
    xprev, yprev = iv[16:], iv[:16]
    out = b""
    for i in range(0, len(data), 16):
        y = data[i:i + 16]
        x = bytes(a ^ b for a, b in zip(dec.update(bytes(a ^ b for a, b in zip(y, xprev))), yprev))
        out += x
        xprev, yprev = x, y
    return out


def oldmtp_key_iv(auth_key, msg_key):
    # MTProto v1 key derivation as tdesktop's prepareAES_oldmtp with send=false (x = 8).
    x = 8
    sha = lambda b: hashlib.sha1(b).digest()
    a = sha(msg_key + auth_key[x:x + 32])
    b = sha(auth_key[32 + x:48 + x] + msg_key + auth_key[48 + x:64 + x])
    c = sha(auth_key[64 + x:96 + x] + msg_key)
    d = sha(msg_key + auth_key[96 + x:128 + x])
    return a[:8] + b[8:20] + c[4:16], a[8:20] + b[:8] + c[16:20] + d[:8]


def encrypt_local(data, key, label):
    full = struct.pack("<I", len(data) + 4) + data
    if len(full) % 16:
        full += prng("pad-" + label, 16 - len(full) % 16)
    msg_key = hashlib.sha1(full).digest()[:16]
    k, iv = oldmtp_key_iv(key, msg_key)
    return msg_key + ige_encrypt(k, iv, full)


def passcode_key(salt, passcode):
    h = hashlib.sha512(salt + passcode + salt).digest()
    return PBKDF2HMAC(algorithm=hashes.SHA512(), length=256, salt=salt, iterations=1 if not passcode else 100000).derive(h)


def legacy_key(salt, passcode):
    return PBKDF2HMAC(algorithm=hashes.SHA1(), length=256, salt=salt, iterations=4 if not passcode else 4000).derive(passcode)


def file_part(name):
    v = int.from_bytes(hashlib.md5(name.encode()).digest()[:8], "little")
    s = ""
    for _ in range(16):
        s += "0123456789ABCDEF"[v & 15]
        v >>= 4
    return s


def tdata(out, folder, passcode, label):
    base = os.path.join(out, "telegram", folder)
    salt = prng(label + "-salt", 32)
    local_key = prng(label + "-localkey", 256)
    pkey = passcode_key(salt, passcode)
    key_enc = encrypt_local(local_key, pkey, label + "-key")
    info = struct.pack(">i", 1) + struct.pack(">i", 0) + struct.pack(">i", 0)  # one account (index 0), active 0
    info_enc = encrypt_local(info, local_key, label + "-info")
    write(os.path.join(base, "key_datas"), tdf(qba(salt) + qba(key_enc) + qba(info_enc)))

    acct = file_part("data")
    user_id, main_dc = 5123456789, 2
    dcs = [2, 4]
    auth = struct.pack(">ii", -1, -1) + struct.pack(">Qi", user_id, main_dc) + struct.pack(">i", len(dcs))
    for dc in dcs:
        auth += struct.pack(">i", dc) + prng("%s-authkey-%d" % (label, dc), 256)
    auth += struct.pack(">i", 0)
    mtp = struct.pack(">I", 0x4B) + qba(auth)
    write(os.path.join(base, acct + "s"), tdf(qba(encrypt_local(mtp, local_key, label + "-mtp"))))

    # Serialize::writePeer: peer id, photo id, image location (the modern tag
    # INT32_MIN and a serialised QByteArray), then the user's fields; the
    # map's self record adds the "about" text.
    self_peer = (struct.pack(">QQ", user_id, 0) + struct.pack(">i", -2**31) + qba(b"") + qstr("Heidi") + qstr("\u200fK.") + qstr("447700900123")
                 + qstr("heidi_dw") + struct.pack(">Q", 0x1122334455667788) + struct.pack(">i", 0) + qstr("")
                 + struct.pack(">iii", 0, 0, -1) + qstr("just here for the <b>bots</b>"))
    m = struct.pack(">I", 0x15) + qba(self_peer)
    m += struct.pack(">I", 0x01) + struct.pack(">I", 2) + struct.pack(">QQ", 0xA1, 777000) + struct.pack(">QQ", 0xA2, 5000000001)
    m += struct.pack(">I", 0x04) + struct.pack(">Q", 0xB1)
    m += struct.pack(">I", 0x09) + struct.pack(">Q", 0xB2)
    m += struct.pack(">I", 0x10) + struct.pack(">QQQQ", 0xC1, 0xC2, 0xC3, 0xC4)  # lskStickersKeys: four keys
    write(os.path.join(base, acct, "maps"), tdf(qba(b"") + qba(b"") + qba(encrypt_local(m, local_key, label + "-map"))))

    ssalt = prng(label + "-settings-salt", 32)
    skey = legacy_key(ssalt, b"")
    settings = struct.pack(">I", 0x5C) + qba(b"application settings blob")  # dbiApplicationSettings
    write(os.path.join(base, "settingss"), tdf(qba(ssalt) + qba(encrypt_local(settings, skey, label + "-settings"))))
    write(os.path.join(base, "usertag"), prng(label + "-usertag", 8))
    return {
        "folder": folder, "passcode": passcode.decode(), "app_version": APP_VERSION, "account_dir": acct,
        "salt": salt.hex(), "passcode_key_sha256": hashlib.sha256(pkey).hexdigest(),
        "local_key_sha256": hashlib.sha256(local_key).hexdigest(),
        "accounts": [0], "user_id": user_id, "main_dc": main_dc, "auth_key_dcs": dcs,
        "self": {"peer_id": user_id, "first_name": "Heidi", "last_name": "\u200fK.", "phone": "447700900123", "username": "heidi_dw"},
        "drafts": 2, "map_keys": ["self", "drafts", "locations", "user_settings", "stickers_keys"],
        "settings_salt": ssalt.hex(), "settings_key_sha256": hashlib.sha256(skey).hexdigest(),
        "settings_first_block": 0x5C,
    }


def telegram(out):
    man = {"no_telegram_here": "There is no Telegram Desktop on this machine; these tdata trees are written by "
                               "testdata/gen/chats-im.py following tdesktop's public source (storage_file_utilities, "
                               "storage_domain, storage_account), not by Telegram itself.",
           "trees": [tdata(out, "tdata", b"", "nopass"), tdata(out, "tdata-passcode", b"hunter2", "withpass")]}
    # Known answers computed here with the cryptography module.
    kat = {}
    salt = bytes(range(32))
    kat["passcode_kdf"] = [{"salt": salt.hex(), "passcode": p.decode(), "key": passcode_key(salt, p).hex()} for p in (b"", b"pass")]
    kat["legacy_kdf"] = [{"salt": salt.hex(), "passcode": "", "key": legacy_key(salt, b"").hex()}]
    ak = prng("kat-authkey", 256)
    mk = prng("kat-msgkey", 16)
    k, iv = oldmtp_key_iv(ak, mk)
    kat["oldmtp"] = [{"auth_key": ak.hex(), "msg_key": mk.hex(), "aes_key": k.hex(), "aes_iv": iv.hex()}]
    pt = b"known answer for decryptLocal"
    ct = encrypt_local(pt, ak, "kat-local")
    kat["decrypt_local"] = [{"key": ak.hex(), "encrypted": ct.hex(), "plain": pt.hex()}]
    ik, iiv, idata = prng("kat-ige-key", 32), prng("kat-ige-iv", 32), prng("kat-ige-data", 64)
    ictext = ige_encrypt(ik, iiv, idata)
    assert ige_decrypt(ik, iiv, ictext) == idata
    kat["ige256"] = [{"key": ik.hex(), "iv": iiv.hex(), "plain": idata.hex(), "cipher": ictext.hex()}]
    # The public IGE vectors (OpenSSL's igetest.c, from Ben Laurie's IGE
    # paper), checked against this implementation before they are written.
    pub = [("000102030405060708090a0b0c0d0e0f", "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
            "00" * 32, "1a8519a6557be652e9da8e43da4ef4453cf456b4ca488aa383c79c98b34797cb"),
           ("5468697320697320616e20696d706c65", "6d656e746174696f6e206f6620494745206d6f646520666f72204f70656e5353",
            "99706487a1cde613bc6de0b6f24b1c7aa448c8b9c3403e3467a8cad89340f53b", "4c2e204c6574277320686f70652042656e20676f74206974207269676874210a")]
    for key, iv_, p, c in pub:
        assert ige_encrypt(bytes.fromhex(key), bytes.fromhex(iv_), bytes.fromhex(p)).hex() == c, "IGE public vector"
    kat["ige_public"] = [{"key": a, "iv": b, "plain": c, "cipher": d} for a, b, c, d in pub]
    kat["file_part_data"] = file_part("data")
    kat["file_part_data2"] = file_part("data#2")
    man["kat"] = kat
    dump(os.path.join(out, "telegram", "manifest.json"), man)


# ---------------------------------------------------------------- Element / Discord (Chromium Local Storage)


def ls_key(origin, name):
    return b"_" + origin.encode() + b"\x00\x01" + name.encode("latin-1")


def ls_val(s):
    try:
        return b"\x01" + s.encode("latin-1")
    except UnicodeEncodeError:
        return b"\x00" + s.encode("utf-16-le")


def localstorage(out):
    el_origin = "vector://vector"
    element = {
        "mx_hs_url": "https://matrix.example.org",
        "mx_is_url": "https://vector.im",
        "mx_user_id": "@ivan:example.org",
        "mx_device_id": "QWERTYUIOP",
        "mx_access_token": "syt_aXZhbg_" + prng("mx-token", 12).hex(),
        "mx_crypto_initialised": "true",
        "mx_last_room_id": "!AbCdEf:example.org",
    }
    dc_origin = "https://discord.com"
    discord = {
        "user_id_cache": '"912345678901234567"',
        "email_cache": '"judy@example.org"',
        "token": '"dQw4w9WgXcQ:' + prng("discord-token", 24).hex() + '"',
        "locale": '"en-GB"',
    }
    res = {}
    for fam, origin, kv in (("element", el_origin, element), ("discord", dc_origin, discord)):
        entries = [[b"VERSION".hex(), b"1".hex()],
                   [(b"META:" + origin.encode()).hex(), bytes([0x08, 0x80, 0xE0, 0xB4, 0x8A, 0x01]).hex()]]
        for k, v in kv.items():
            entries.append([ls_key(origin, k).hex(), ls_val(v).hex()])
        # a second origin the parser must ignore
        entries.append([ls_key("https://example.com", "theme").hex(), ls_val("dark").hex()])
        res[fam] = entries
        man = {"origin": origin, "values": kv}
        if fam == "element":
            man["expect"] = {"user_id": "@ivan:example.org", "homeserver": "https://matrix.example.org",
                             "identity_server": "https://vector.im", "device_id": "QWERTYUIOP", "access_token_present": True}
        else:
            man["expect"] = {"user_id": "912345678901234567", "email": "judy@example.org", "token_present": True,
                             "token_encrypted": True}
        dump(os.path.join(out, fam, "manifest.json"), man)
    write(os.path.join(out, "leveldb-entries.json"), json.dumps(res))


def main():
    out = sys.argv[1]
    pidgin(out)
    psi(out)
    gajim(out)
    telegram(out)
    localstorage(out)


if __name__ == "__main__":
    main()
