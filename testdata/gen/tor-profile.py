#!/usr/bin/python3
"""Builds Tor Browser and Firefox profile fixtures with the sqlite3 CLI.

Called by testdata/gen/tor-profile.sh. Writes, under testdata/artefacts/tor/:
  profile/          Windows Tor Browser profile, default private browsing
                    (bookmarks persist, history does not); prefs.js and the
                    session store come from tor-prefs.sh / tor-session.sh
  profile-linux/    Linux Tor Browser profile with history enabled: visits,
                    downloads, input history, cookies, form history, and the
                    newest rows left in places.sqlite-wal (never checkpointed)
  profile-firefox/  a plain Firefox ESR profile, to be labelled Firefox
  app/              tbb_version.json files for the install folders
  profiles-manifest.json   every expected record, from the same data

The databases use Firefox ESR 128's schema (toolkit/components/places/
nsPlacesTables.h, netwerk/cookie, toolkit/components/satchel) with
Firefox's page size and journal mode. Rows are the data below; url_hash is
computed as Places' hash() SQL function does.
"""
import json, os, shutil, subprocess, sys, tempfile
from datetime import datetime, timezone

OUT = sys.argv[1]
STATE = os.path.join(OUT, "tor-data", "state")

MK = "http://4637ch63ntgt4zu6mj2nhpdd4vdlzx2d765gtrhhdq5ezl45wjtv4hqd.onion/"
FO = "http://dnyv2bzkix6narlcyfkpayiykh7vpcdedf3kirpvuw2tpkmgk2nlmgad.onion/"
DDG = "http://duckduckgogg42xjoc72x3sjasowoarfbgcmvfimaftt6twagswzczad.onion/"


def us(y, mo, d, h, mi, s=0):
    """PRTime: microseconds since 1970 UTC."""
    return int(datetime(y, mo, d, h, mi, s, tzinfo=timezone.utc).timestamp()) * 1000000


def hash_string(b):
    # mozilla::HashString: golden-ratio hash over the bytes.
    h = 0
    for c in b:
        h = (0x9E3779B9 * ((((h << 5) | (h >> 27)) & 0xFFFFFFFF) ^ c)) & 0xFFFFFFFF
    return h


def url_hash(url):
    prefix = url.split(":", 1)[0][:50] if ":" in url else ""
    return ((hash_string(prefix.encode()) & 0xFFFF) << 32) + hash_string(url.encode())


def rev_host(url):
    host = url.split("://", 1)[1].split("/", 1)[0] if "://" in url else ""
    return host[::-1] + "."


def q(v):
    if v is None:
        return "NULL"
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, bytes):
        return "X'" + v.hex() + "'"
    return "'" + str(v).replace("'", "''") + "'"


def ins(table, row):
    return "INSERT INTO %s (%s) VALUES (%s);" % (table, ", ".join(row), ", ".join(q(v) for v in row.values()))


PLACES_SCHEMA = """
PRAGMA page_size = 32768;
PRAGMA journal_mode = WAL;
PRAGMA wal_autocheckpoint = 0;
CREATE TABLE moz_origins ( id INTEGER PRIMARY KEY, prefix TEXT NOT NULL, host TEXT NOT NULL, frecency INTEGER NOT NULL, recalc_frecency INTEGER NOT NULL DEFAULT 0, alt_frecency INTEGER, recalc_alt_frecency INTEGER NOT NULL DEFAULT 0, UNIQUE (prefix, host) );
CREATE TABLE moz_places (   id INTEGER PRIMARY KEY, url LONGVARCHAR, title LONGVARCHAR, rev_host LONGVARCHAR, visit_count INTEGER DEFAULT 0, hidden INTEGER DEFAULT 0 NOT NULL, typed INTEGER DEFAULT 0 NOT NULL, frecency INTEGER DEFAULT -1 NOT NULL, last_visit_date INTEGER , guid TEXT, foreign_count INTEGER DEFAULT 0 NOT NULL, url_hash INTEGER DEFAULT 0 NOT NULL , description TEXT, preview_image_url TEXT, site_name TEXT, origin_id INTEGER REFERENCES moz_origins(id), recalc_frecency INTEGER NOT NULL DEFAULT 0, alt_frecency INTEGER, recalc_alt_frecency INTEGER NOT NULL DEFAULT 0);
CREATE TABLE moz_historyvisits (  id INTEGER PRIMARY KEY, from_visit INTEGER, place_id INTEGER, visit_date INTEGER, visit_type INTEGER, session INTEGER, source INTEGER DEFAULT 0 NOT NULL, triggeringPlaceId INTEGER);
CREATE TABLE moz_inputhistory (  place_id INTEGER NOT NULL, input LONGVARCHAR NOT NULL, use_count INTEGER, PRIMARY KEY (place_id, input));
CREATE TABLE moz_bookmarks (  id INTEGER PRIMARY KEY, type INTEGER, fk INTEGER DEFAULT NULL, parent INTEGER, position INTEGER, title LONGVARCHAR, keyword_id INTEGER, folder_type TEXT, dateAdded INTEGER, lastModified INTEGER, guid TEXT, syncStatus INTEGER NOT NULL DEFAULT 0, syncChangeCounter INTEGER NOT NULL DEFAULT 1);
CREATE TABLE moz_bookmarks_deleted (  guid TEXT PRIMARY KEY, dateRemoved INTEGER NOT NULL DEFAULT 0);
CREATE TABLE moz_keywords (  id INTEGER PRIMARY KEY AUTOINCREMENT, keyword TEXT UNIQUE, place_id INTEGER, post_data TEXT);
CREATE TABLE moz_anno_attributes (  id INTEGER PRIMARY KEY, name VARCHAR(32) UNIQUE NOT NULL);
CREATE TABLE moz_annos (  id INTEGER PRIMARY KEY, place_id INTEGER NOT NULL, anno_attribute_id INTEGER, content LONGVARCHAR, flags INTEGER DEFAULT 0, expiration INTEGER DEFAULT 0, type INTEGER DEFAULT 0, dateAdded INTEGER DEFAULT 0, lastModified INTEGER DEFAULT 0);
CREATE TABLE moz_items_annos (  id INTEGER PRIMARY KEY, item_id INTEGER NOT NULL, anno_attribute_id INTEGER, content LONGVARCHAR, flags INTEGER DEFAULT 0, expiration INTEGER DEFAULT 0, type INTEGER DEFAULT 0, dateAdded INTEGER DEFAULT 0, lastModified INTEGER DEFAULT 0);
CREATE TABLE moz_meta (key TEXT PRIMARY KEY, value NOT NULL) WITHOUT ROWID ;
CREATE TABLE moz_places_metadata (id INTEGER PRIMARY KEY, place_id INTEGER NOT NULL, referrer_place_id INTEGER, created_at INTEGER NOT NULL DEFAULT 0, updated_at INTEGER NOT NULL DEFAULT 0, total_view_time INTEGER NOT NULL DEFAULT 0, typing_time INTEGER NOT NULL DEFAULT 0, key_presses INTEGER NOT NULL DEFAULT 0, scrolling_time INTEGER NOT NULL DEFAULT 0, scrolling_distance INTEGER NOT NULL DEFAULT 0, document_type INTEGER NOT NULL DEFAULT 0, search_query_id INTEGER, FOREIGN KEY (place_id) REFERENCES moz_places(id) ON DELETE CASCADE, FOREIGN KEY (referrer_place_id) REFERENCES moz_places(id) ON DELETE CASCADE, FOREIGN KEY(search_query_id) REFERENCES moz_places_metadata_search_queries(id) ON DELETE CASCADE CHECK(place_id != referrer_place_id) );
CREATE TABLE moz_places_metadata_search_queries ( id INTEGER PRIMARY KEY, terms TEXT NOT NULL UNIQUE );
CREATE TABLE moz_previews_tombstones ( hash TEXT PRIMARY KEY ) WITHOUT ROWID;
CREATE UNIQUE INDEX moz_places_url_uniqueindex ON moz_places (url_hash, url);
CREATE INDEX moz_places_hostindex ON moz_places (rev_host);
CREATE INDEX moz_places_lastvisitdateindex ON moz_places (last_visit_date);
CREATE UNIQUE INDEX moz_places_guid_uniqueindex ON moz_places (guid);
CREATE INDEX moz_historyvisits_placedateindex ON moz_historyvisits (place_id, visit_date);
CREATE INDEX moz_historyvisits_dateindex ON moz_historyvisits (visit_date);
CREATE INDEX moz_bookmarks_itemindex ON moz_bookmarks (fk, type);
CREATE INDEX moz_bookmarks_parentindex ON moz_bookmarks (parent, position);
CREATE UNIQUE INDEX moz_bookmarks_guid_uniqueindex ON moz_bookmarks (guid);
CREATE UNIQUE INDEX moz_annos_placeattributeindex ON moz_annos (place_id, anno_attribute_id);
PRAGMA user_version = 77;
"""

COOKIES_SCHEMA = """
PRAGMA journal_mode = WAL;
CREATE TABLE moz_cookies (id INTEGER PRIMARY KEY, originAttributes TEXT NOT NULL DEFAULT '', name TEXT, value TEXT, host TEXT, path TEXT, expiry INTEGER, lastAccessed INTEGER, creationTime INTEGER, isSecure INTEGER, isHttpOnly INTEGER, inBrowserElement INTEGER DEFAULT 0, sameSite INTEGER DEFAULT 0, rawSameSite INTEGER DEFAULT 0, schemeMap INTEGER DEFAULT 0, isPartitionedAttributeSet INTEGER DEFAULT 0, CONSTRAINT moz_uniqueid UNIQUE (name, host, path, originAttributes));
PRAGMA user_version = 14;
"""

FORMHISTORY_SCHEMA = """
CREATE TABLE moz_formhistory (id INTEGER PRIMARY KEY, fieldname TEXT NOT NULL, value TEXT NOT NULL, timesUsed INTEGER, firstUsed INTEGER, lastUsed INTEGER, guid TEXT);
CREATE TABLE moz_deleted_formhistory (id INTEGER PRIMARY KEY, timeDeleted INTEGER, guid TEXT);
CREATE TABLE moz_sources (id INTEGER PRIMARY KEY, source TEXT NOT NULL);
CREATE TABLE moz_history_to_sources (history_id INTEGER, source_id INTEGER, PRIMARY KEY (history_id, source_id), FOREIGN KEY (history_id) REFERENCES moz_formhistory(id) ON DELETE CASCADE, FOREIGN KEY (source_id) REFERENCES moz_sources(id) ON DELETE CASCADE) WITHOUT ROWID;
CREATE INDEX moz_formhistory_index ON moz_formhistory (fieldname);
CREATE INDEX moz_formhistory_lastused_index ON moz_formhistory (lastUsed);
CREATE INDEX moz_formhistory_guid_index ON moz_formhistory (guid);
PRAGMA user_version = 5;
"""

FAVICONS_SCHEMA = """
PRAGMA page_size = 32768;
PRAGMA journal_mode = WAL;
CREATE TABLE moz_icons ( id INTEGER PRIMARY KEY, icon_url TEXT NOT NULL, fixed_icon_url_hash INTEGER NOT NULL, width INTEGER NOT NULL DEFAULT 0, root INTEGER NOT NULL DEFAULT 0, color INTEGER, expire_ms INTEGER NOT NULL DEFAULT 0, flags INTEGER NOT NULL DEFAULT 0, data BLOB );
CREATE TABLE moz_pages_w_icons ( id INTEGER PRIMARY KEY, page_url TEXT NOT NULL, page_url_hash INTEGER NOT NULL );
CREATE TABLE moz_icons_to_pages ( page_id INTEGER NOT NULL, icon_id INTEGER NOT NULL, expire_ms INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (page_id, icon_id), FOREIGN KEY (page_id) REFERENCES moz_pages_w_icons ON DELETE CASCADE, FOREIGN KEY (icon_id) REFERENCES moz_icons ON DELETE CASCADE ) WITHOUT ROWID ;
CREATE INDEX moz_icons_iconurlhashindex ON moz_icons (fixed_icon_url_hash);
CREATE INDEX moz_pages_w_icons_urlhashindex ON moz_pages_w_icons (page_url_hash);
PRAGMA user_version = 77;
"""

VISIT_TYPES = {1: "LINK", 2: "TYPED", 3: "BOOKMARK", 4: "EMBED", 5: "REDIRECT_PERMANENT", 6: "REDIRECT_TEMPORARY",
               7: "DOWNLOAD", 8: "FRAMED_LINK", 9: "RELOAD"}
ROOTS = [(1, "root________", 0, ""), (2, "menu________", 1, "menu"), (3, "toolbar_____", 1, "toolbar"),
         (4, "tags________", 1, "tags"), (5, "unfiled_____", 1, "unfiled"), (6, "mobile______", 1, "mobile")]


def sqlite(db, script, snapshot_to=None):
    """Runs script with the sqlite3 CLI. With snapshot_to, the statements
    after the line '-- SNAPSHOT' run after a checkpoint and the files are
    copied (.shell) while the CLI still holds the database open, so the WAL
    keeps those frames as a browser killed mid-session leaves them."""
    if snapshot_to:
        head, tail = script.split("-- SNAPSHOT\n", 1)
        d = os.path.dirname(db)
        script = (head + "PRAGMA wal_checkpoint(TRUNCATE);\n" + tail +
                  ".shell cp '%s' '%s-wal' '%s/'\n" % (db, db, snapshot_to))
    subprocess.run(["sqlite3", "-batch", "-bail", db], input=script.encode(), check=True, stdout=subprocess.DEVNULL)


class Places:
    def __init__(self):
        self.sql, self.places, self.visits, self.bookmarks, self.folders = [], {}, [], [], []
        self.downloads, self.inputs, self.origins = [], [], {}
        self.in_wal = False
        for bid, guid, parent, title in ROOTS:
            pos = 0 if bid == 1 else bid - 2
            self.sql.append(ins("moz_bookmarks", dict(id=bid, type=2, parent=parent, position=pos, title=title,
                                                       dateAdded=us(2026, 2, 20, 9, 0), lastModified=us(2026, 2, 20, 9, 0), guid=guid, syncStatus=1)))

    def wal(self):
        self.sql.append("-- SNAPSHOT")
        self.in_wal = True

    def origin(self, url):
        prefix, rest = url.split("://", 1)
        host = rest.split("/", 1)[0]
        key = (prefix + "://", host)
        if key not in self.origins:
            oid = len(self.origins) + 1
            self.origins[key] = oid
            self.sql.append(ins("moz_origins", dict(id=oid, prefix=key[0], host=host, frecency=100)))
        return self.origins[key]

    def place(self, pid, url, title, typed=0, hidden=0, frecency=100):
        self.sql.append(ins("moz_places", dict(id=pid, url=url, title=title, rev_host=rev_host(url), visit_count=0, hidden=hidden,
                                               typed=typed, frecency=frecency, last_visit_date=None, guid="pl%010d" % pid,
                                               foreign_count=0, url_hash=url_hash(url), origin_id=self.origin(url))))
        self.places[pid] = dict(id=pid, url=url, title=title, visit_count=0, last_visit_date=None, typed=typed, in_wal=self.in_wal)

    def visit(self, vid, pid, when, vtype, frm=0):
        self.sql.append(ins("moz_historyvisits", dict(id=vid, from_visit=frm, place_id=pid, visit_date=when, visit_type=vtype, source=0)))
        p = self.places[pid]
        p["visit_count"] += 1
        p["last_visit_date"] = max(p["last_visit_date"] or 0, when)
        self.sql.append("UPDATE moz_places SET visit_count = %d, last_visit_date = %d WHERE id = %d;" % (p["visit_count"], p["last_visit_date"], pid))
        if self.in_wal:
            p["in_wal"] = True
        self.visits.append(dict(id=vid, place_id=pid, url=p["url"], title=p["title"], visit_date=when, visit_type=vtype,
                                visit_type_name=VISIT_TYPES[vtype], from_visit=frm, in_wal=self.in_wal))

    def folder(self, bid, parent, title, added, modified):
        self.sql.append(ins("moz_bookmarks", dict(id=bid, type=2, parent=parent, position=0, title=title, dateAdded=added,
                                                  lastModified=modified, guid="fo%010d" % bid, syncStatus=1)))
        self.folders.append(dict(id=bid, title=title, parent=parent, date_added=added, last_modified=modified, in_wal=self.in_wal))

    def bookmark(self, bid, parent, pid, title, added, modified, path):
        self.sql.append(ins("moz_bookmarks", dict(id=bid, type=1, fk=pid, parent=parent, position=1, title=title, dateAdded=added,
                                                  lastModified=modified, guid="bm%010d" % bid, syncStatus=1)))
        self.sql.append("UPDATE moz_places SET foreign_count = foreign_count + 1 WHERE id = %d;" % pid)
        self.bookmarks.append(dict(id=bid, title=title, url=self.places[pid]["url"], folder=path, parent=parent,
                                   date_added=added, last_modified=modified, in_wal=self.in_wal))

    def separator(self, bid, parent, when):
        self.sql.append(ins("moz_bookmarks", dict(id=bid, type=3, parent=parent, position=2, dateAdded=when, lastModified=when,
                                                  guid="se%010d" % bid, syncStatus=1)))

    def attributes(self, names):
        for i, n in enumerate(names, 1):
            self.sql.append(ins("moz_anno_attributes", dict(id=i, name=n)))
        self.attr = {n: i for i, n in enumerate(names, 1)}

    def download(self, aid, pid, dest, state, end_ms, size, added):
        meta = json.dumps({"state": state, "deleted": False, "endTime": end_ms, "fileSize": size}, separators=(",", ":"))
        self.sql.append(ins("moz_annos", dict(id=aid, place_id=pid, anno_attribute_id=self.attr["downloads/destinationFileURI"],
                                              content=dest, flags=0, expiration=4, type=3, dateAdded=added, lastModified=added)))
        self.sql.append(ins("moz_annos", dict(id=aid + 1, place_id=pid, anno_attribute_id=self.attr["downloads/metaData"],
                                              content=meta, flags=0, expiration=4, type=3, dateAdded=added, lastModified=added)))
        self.downloads.append(dict(anno_id=aid, url=self.places[pid]["url"], destination=dest, state=state, end_time_ms=end_ms,
                                   file_size=size, date_added=added, in_wal=self.in_wal))

    def input(self, pid, text, count):
        self.sql.append(ins("moz_inputhistory", dict(place_id=pid, input=text, use_count=count)))
        self.inputs.append(dict(place_id=pid, input=text, url=self.places[pid]["url"], use_count=count, in_wal=self.in_wal))

    def write(self, path, snapshot=False):
        script = PLACES_SCHEMA + "\n".join(self.sql) + "\n"
        script = script.replace("PRAGMA user_version = 77;\n", "PRAGMA user_version = 77;\n" +
                                ins("moz_meta", dict(key="origin_frecency_count", value=len(self.origins))) + "\n")
        if snapshot:
            tmp = tempfile.mkdtemp()
            db = os.path.join(tmp, "places.sqlite")
            sqlite(db, script, snapshot_to=os.path.dirname(path))
            shutil.rmtree(tmp)
        else:
            sqlite(path, script.replace("-- SNAPSHOT\n", ""))
            for ext in ("-wal", "-shm"):
                if os.path.exists(path + ext):
                    os.remove(path + ext)

    def manifest(self):
        return dict(places=sorted(self.places.values(), key=lambda p: p["id"]), visits=self.visits, bookmarks=self.bookmarks,
                    folders=self.folders, downloads=self.downloads, inputs=self.inputs)


def fresh(d):
    os.makedirs(d, exist_ok=True)
    for n in ("places.sqlite", "places.sqlite-wal", "places.sqlite-shm", "cookies.sqlite", "formhistory.sqlite",
              "favicons.sqlite", "favicons.sqlite-wal", "cookies.sqlite-wal"):
        if os.path.exists(os.path.join(d, n)):
            os.remove(os.path.join(d, n))
    if os.path.isdir(os.path.join(d, "storage")):
        shutil.rmtree(os.path.join(d, "storage"))


def write_json(path, obj, compact=True):
    with open(path, "w", newline="\n") as f:
        json.dump(obj, f, separators=(",", ":") if compact else None, indent=None if compact else 2, sort_keys=not compact)


def compat(path, version, abi, platform_dir, sep):
    with open(path, "w", newline="\n") as f:
        f.write("[Compatibility]\nLastVersion=%s\nLastOSABI=%s\nLastPlatformDir=%s\nLastAppDir=%s%sbrowser\n\n"
                % (version, abi, platform_dir, platform_dir, sep))


def extension(addon_id, name, version, location, path, install_ms, update_ms, active=True, source=None):
    # The fields Firefox's XPIDatabase writes for each add-on (a subset of
    # the ~50 keys; the parser reads these).
    return {"id": addon_id, "syncGUID": "{%s}" % ("0" * 8 + "-0000-0000-0000-" + "%012d" % (abs(hash_string(addon_id.encode())))),
            "version": version, "type": "extension", "loader": None, "updateURL": None, "installOrigins": None,
            "manifestVersion": 2, "optionsURL": None, "optionsType": None, "optionsBrowserStyle": True, "aboutURL": None,
            "defaultLocale": {"name": name, "description": None, "creator": None, "developers": None, "translators": None, "contributors": None},
            "visible": True, "active": active, "userDisabled": not active, "appDisabled": False, "embedderDisabled": False,
            "installDate": install_ms, "updateDate": update_ms, "applyBackgroundUpdates": 1, "path": path, "skinnable": False,
            "sourceURI": source, "releaseNotesURI": None, "softDisabled": False, "foreignInstall": False, "strictCompatibility": True,
            "locales": [], "targetApplications": [{"id": "toolkit@mozilla.org", "minVersion": None, "maxVersion": None}],
            "targetPlatforms": [], "signedState": 2, "signedTypes": [2, 0], "seen": True, "dependencies": [], "incognito": "spanning",
            "userPermissions": {"permissions": ["storage"], "origins": ["<all_urls>"]}, "optionalPermissions": {"permissions": [], "origins": []},
            "requestedPermissions": {"permissions": ["storage"], "origins": ["<all_urls>"]}, "icons": {}, "iconURL": None,
            "blocklistState": 0, "blocklistURL": None, "startupData": None, "hidden": False, "installTelemetryInfo": None,
            "recommendationState": None, "rootURI": "jar:file://" + path.replace("\\", "/") + "!/", "location": location}


def prefs_js(path, prefs):
    def lit(v):
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, int):
            return str(v)
        return json.dumps(v)
    lines = ["// Mozilla User Preferences", "", "// DO NOT EDIT THIS FILE.", "//",
             "// If you make changes to this file while the application is running,",
             "// the changes will be overwritten when the application exits.", "//",
             "// To change a preference value, you can either:",
             "// - modify it via the UI (e.g. via about:config in the browser); or",
             "// - set it within a user.js file in your profile.", ""]
    lines += ['user_pref(%s, %s);' % (json.dumps(n), lit(prefs[n])) for n in sorted(prefs)]
    with open(path, "w", newline="\n") as f:
        f.write("\n".join(lines) + "\n")


def png(color):
    return subprocess.run(["convert", "-size", "16x16", "xc:" + color, "-define", "png:exclude-chunks=date,time", "png:-"], check=True, capture_output=True).stdout


def favicons(path, icons):
    sql = []
    for i, (page, icon, color, expire_ms) in enumerate(icons, 1):
        data = png(color)
        sql.append(ins("moz_icons", dict(id=i, icon_url=icon, fixed_icon_url_hash=url_hash(icon.split("://", 1)[1]), width=16, root=1,
                                         expire_ms=expire_ms, data=data)))
        sql.append(ins("moz_pages_w_icons", dict(id=i, page_url=page, page_url_hash=url_hash(page))))
        sql.append(ins("moz_icons_to_pages", dict(page_id=i, icon_id=i, expire_ms=expire_ms)))
        icons[i - 1] = dict(page_id=i, icon_id=i, page_url=page, icon_url=icon, expire_ms=expire_ms, data_size=len(data))
    sqlite(path, FAVICONS_SCHEMA + "\n".join(sql) + "\nPRAGMA wal_checkpoint(TRUNCATE);\n")
    for ext in ("-wal", "-shm"):
        if os.path.exists(path + ext):
            os.remove(path + ext)
    return icons


def cookies(path, rows):
    sql = [ins("moz_cookies", r) for r in rows]
    sqlite(path, COOKIES_SCHEMA + "\n".join(sql) + "\nPRAGMA wal_checkpoint(TRUNCATE);\n")
    for ext in ("-wal", "-shm"):
        if os.path.exists(path + ext):
            os.remove(path + ext)


def formhistory(path, rows):
    sqlite(path, FORMHISTORY_SCHEMA + "\n".join(ins("moz_formhistory", r) for r in rows) + "\n")


def storage(profile, origins):
    # One folder per origin, named as QuotaManager names them ("://" → "+++"),
    # holding a LocalStorage database.
    out = []
    for folder, origin in origins:
        d = os.path.join(profile, "storage", "default", folder, "ls")
        os.makedirs(d)
        sqlite(os.path.join(d, "data.sqlite"),
               "CREATE TABLE database( origin TEXT NOT NULL, usage INTEGER NOT NULL DEFAULT 0, last_vacuum_time INTEGER NOT NULL DEFAULT 0, last_analyze_time INTEGER NOT NULL DEFAULT 0, last_vacuum_size INTEGER NOT NULL DEFAULT 0);\n"
               "CREATE TABLE data( key TEXT PRIMARY KEY, utf16_length INTEGER NOT NULL, conversion_type INTEGER NOT NULL, compression_type INTEGER NOT NULL, last_access_time INTEGER NOT NULL DEFAULT 0, value BLOB NOT NULL);\n"
               + ins("database", dict(origin=origin, usage=12)) + "\n"
               + ins("data", dict(key="cart", utf16_length=6, conversion_type=1, compression_type=0, value=b"[\"42\"]")) + "\n"
               + "PRAGMA user_version = 80;\n")
        out.append(dict(folder=folder, origin=origin))
    return out


def tor_prefs_expected(prefs):
    wanted = lambda n: any(n.startswith(p) for p in ("torbrowser.settings.bridges.", "torbrowser.settings.proxy.",
        "torbrowser.settings.firewall.", "torbrowser.settings.quickstart.", "extensions.torlauncher.")) or n in (
        "browser.security_level.security_slider", "browser.download.dir", "browser.privatebrowsing.autostart",
        "browser.download.lastDir", "torbrowser.settings.enabled")
    return sorted(n for n in prefs if wanted(n))


man = {"generator": "testdata/gen/tor-profile.sh"}

# --- Windows Tor Browser, default private browsing: bookmarks only. ---------
win = os.path.join(OUT, "profile")
fresh(win)
p = Places()
p.place(1, MK, "Market", frecency=140)
p.place(2, FO, "Forum index", frecency=140)
p.place(3, "https://www.torproject.org/download/", "Download Tor Browser", frecency=140)
p.folder(7, 2, "Markets", us(2026, 3, 1, 18, 5), us(2026, 3, 1, 18, 6))
p.bookmark(8, 7, 1, "Market", us(2026, 3, 1, 18, 6), us(2026, 3, 1, 18, 6), "menu/Markets")
p.bookmark(9, 3, 2, "Forum", us(2026, 3, 1, 18, 9), us(2026, 3, 2, 8, 30), "toolbar")
p.bookmark(10, 5, 3, "Download Tor Browser", us(2026, 2, 20, 9, 1), us(2026, 2, 20, 9, 1), "unfiled")
p.write(os.path.join(win, "places.sqlite"))
wm = p.manifest()
wm["favicons"] = favicons(os.path.join(win, "favicons.sqlite"), [(MK, MK + "favicon.ico", "purple", 1773000000000),
                                                                  (FO, FO + "static/icon.png", "orange", 1773000000000)])
cookies(os.path.join(win, "cookies.sqlite"), [])
wm["cookies"] = []
compat(os.path.join(win, "compatibility.ini"), "128.5.0_20241125173000/20241125173000", "WINNT_x86_64-msvc",
       "C:\\Users\\alice\\Desktop\\Tor Browser\\Browser", "\\")
write_json(os.path.join(win, "times.json"), {"created": 1771581600000, "firstUse": None})
write_json(os.path.join(win, "extensions.json"), {"schemaVersion": 36, "addons": [
    extension("{73a6fe31-595d-460b-a920-fcc0f8843232}", "NoScript", "11.5.2", "app-profile",
              "C:\\Users\\alice\\Desktop\\Tor Browser\\Browser\\TorBrowser\\Data\\Browser\\profile.default\\extensions\\{73a6fe31-595d-460b-a920-fcc0f8843232}.xpi",
              1771581601000, 1771581601000)]})
wm["extensions"] = [dict(id="{73a6fe31-595d-460b-a920-fcc0f8843232}", name="NoScript", version="11.5.2", active=True, install_ms=1771581601000)]
wm["times"] = dict(created_ms=1771581600000, first_use_ms=None)
wm["storage"] = []
wm["browser"] = "Tor Browser"
wm["compatibility"] = dict(last_version="128.5.0_20241125173000/20241125173000", platform_dir="C:\\Users\\alice\\Desktop\\Tor Browser\\Browser")
man["windows"] = wm

# --- Linux Tor Browser (torbrowser-launcher layout), history enabled. ------
lin = os.path.join(OUT, "profile-linux")
fresh(lin)
p = Places()
p.place(1, MK, "Market", typed=1)
p.place(2, MK + "listing/42", "Listing 42 \u2013 Market")
p.place(3, FO + "t/7", "Thread 7")
p.place(4, "https://check.torproject.org/", "Congratulations. This browser is configured to use Tor.", typed=1)
p.place(5, MK + "files/invoice-42.pdf", None, hidden=1)
p.place(6, DDG + "?q=monero+mixer", "monero mixer at DuckDuckGo")
t0 = us(2026, 3, 2, 10, 0)
p.visit(1, 4, t0, 2)
p.visit(2, 1, t0 + 60000000, 2)
p.visit(3, 2, t0 + 120000000, 1, frm=2)
p.visit(4, 6, t0 + 300000000, 1)
p.folder(7, 2, "Dark", t0 + 130000000, t0 + 131000000)
p.bookmark(8, 7, 1, "Market", t0 + 131000000, t0 + 131000000, "menu/Dark")
p.separator(9, 2, t0 + 132000000)
p.visit(5, 3, t0 + 400000000, 3)
p.bookmark(10, 3, 3, "Forum thread", t0 + 401000000, t0 + 402000000, "toolbar")
p.attributes(["downloads/metaData", "downloads/destinationFileURI"])  # ids 1, 2: not Autopsy's hard-coded 3
p.visit(6, 5, t0 + 500000000, 7, frm=3)
p.download(1, 5, "file:///home/bob/Downloads/invoice-42.pdf", 1, (t0 + 503000000) // 1000, 48213, t0 + 503000000)
p.input(1, "4637", 1.0)
p.wal()  # the last session's rows: never checkpointed into places.sqlite
t1 = us(2026, 3, 3, 21, 15)
p.visit(7, 1, t1, 2)
p.visit(8, 3, t1 + 45000000, 1, frm=7)
p.bookmark(11, 5, 6, "ddg onion search", t1 + 60000000, t1 + 60000000, "unfiled")
p.input(3, "dny", 0.5)
p.write(os.path.join(lin, "places.sqlite"), snapshot=True)
lm = p.manifest()
lm["favicons"] = favicons(os.path.join(lin, "favicons.sqlite"), [(MK, MK + "favicon.ico", "purple", 1773000000000)])
ck = [dict(id=1, originAttributes="", name="session", value="d41d8cd98f00b204", host="4637ch63ntgt4zu6mj2nhpdd4vdlzx2d765gtrhhdq5ezl45wjtv4hqd.onion",
           path="/", expiry=1775000000, lastAccessed=t1 + 1000000, creationTime=t0 + 61000000, isSecure=0, isHttpOnly=1, sameSite=1, rawSameSite=1, schemeMap=1),
      dict(id=2, originAttributes="", name="lang", value="en", host=".dnyv2bzkix6narlcyfkpayiykh7vpcdedf3kirpvuw2tpkmgk2nlmgad.onion",
           path="/", expiry=1806000000, lastAccessed=t1 + 46000000, creationTime=t0 + 401000000, isSecure=0, isHttpOnly=0, sameSite=0, rawSameSite=0, schemeMap=1)]
cookies(os.path.join(lin, "cookies.sqlite"), ck)
lm["cookies"] = [dict(id=c["id"], name=c["name"], value=c["value"], host=c["host"], path=c["path"], expiry_s=c["expiry"],
                      last_accessed=c["lastAccessed"], created=c["creationTime"]) for c in ck]
fh = [dict(id=1, fieldname="searchbar-history", value="monero mixer", timesUsed=2, firstUsed=t0 + 290000000, lastUsed=t1 + 10000000, guid="fh0000000001"),
      dict(id=2, fieldname="username", value="bob_vendor", timesUsed=1, firstUsed=t0 + 125000000, lastUsed=t0 + 125000000, guid="fh0000000002")]
formhistory(os.path.join(lin, "formhistory.sqlite"), fh)
lm["formhistory"] = [dict(id=r["id"], fieldname=r["fieldname"], value=r["value"], times_used=r["timesUsed"], first_used=r["firstUsed"],
                          last_used=r["lastUsed"]) for r in fh]
lin_app = "/home/bob/.local/share/torbrowser/tbb/x86_64/tor-browser/Browser"
compat(os.path.join(lin, "compatibility.ini"), "128.5.0_20241125173000/20241125173000", "Linux_x86_64-gcc3", lin_app, "/")
write_json(os.path.join(lin, "times.json"), {"created": 1772380800000, "firstUse": 1772445600000})
write_json(os.path.join(lin, "extensions.json"), {"schemaVersion": 36, "addons": [
    extension("{73a6fe31-595d-460b-a920-fcc0f8843232}", "NoScript", "11.5.2", "app-profile",
              lin_app + "/TorBrowser/Data/Browser/profile.default/extensions/{73a6fe31-595d-460b-a920-fcc0f8843232}.xpi", 1772380801000, 1772380801000),
    extension("uBlock0@raymondhill.net", "uBlock Origin", "1.61.0", "app-profile",
              lin_app + "/TorBrowser/Data/Browser/profile.default/extensions/uBlock0@raymondhill.net.xpi", 1772446000000, 1772446000000,
              active=False, source="https://addons.mozilla.org/firefox/downloads/file/4359936/ublock_origin-1.61.0.xpi")]})
lm["extensions"] = [dict(id="{73a6fe31-595d-460b-a920-fcc0f8843232}", name="NoScript", version="11.5.2", active=True, install_ms=1772380801000),
                    dict(id="uBlock0@raymondhill.net", name="uBlock Origin", version="1.61.0", active=False, install_ms=1772446000000)]
lm["times"] = dict(created_ms=1772380800000, first_use_ms=1772445600000)
lm["storage"] = storage(lin, [("http+++4637ch63ntgt4zu6mj2nhpdd4vdlzx2d765gtrhhdq5ezl45wjtv4hqd.onion", MK.rstrip("/")),
                              ("https+++check.torproject.org", "https://check.torproject.org"),
                              ("http+++dnyv2bzkix6narlcyfkpayiykh7vpcdedf3kirpvuw2tpkmgk2nlmgad.onion+8080", FO.rstrip("/") + ":8080")])
lprefs = {
    "app.update.lastUpdateTime.addon-background-update-timer": 1772445700,
    "browser.download.dir": "/home/bob/Downloads",
    "browser.download.lastDir": "/home/bob/Downloads",
    "browser.privatebrowsing.autostart": False,
    "browser.security_level.security_slider": 4,
    "browser.startup.homepage_override.mstone": "128.5.0",
    "browser.startup.homepage_override.torbrowser.version": "14.0.3",
    "places.history.enabled": True,
    "toolkit.startup.last_success": 1772572500,
    "torbrowser.settings.bridges.builtin_type": "obfs4",
    "torbrowser.settings.bridges.enabled": True,
    "torbrowser.settings.bridges.source": 0,
    "torbrowser.settings.enabled": True,
    "torbrowser.settings.quickstart.enabled": False,
    "extensions.torlauncher.prompt_at_startup": False,
}
prefs_js(os.path.join(lin, "prefs.js"), lprefs)
lm["prefs"] = tor_prefs_expected(lprefs)
lm["browser"] = "Tor Browser"
lm["compatibility"] = dict(last_version="128.5.0_20241125173000/20241125173000", platform_dir=lin_app)
state = open(STATE).read()
lw = [l.split(" ", 1)[1] for l in state.splitlines() if l.startswith("LastWritten ")][0]
lm["tor_state_last_written"] = lw
man["linux"] = lm

# --- A plain Firefox ESR profile. -------------------------------------------
ff = os.path.join(OUT, "profile-firefox")
fresh(ff)
p = Places()
p.place(1, "https://www.debian.org/", "Debian -- The Universal Operating System", typed=1)
p.place(2, "https://en.wikipedia.org/wiki/Tor_(network)", "Tor (network) - Wikipedia")
p.visit(1, 1, us(2026, 2, 27, 8, 0), 2)
p.visit(2, 2, us(2026, 2, 27, 8, 5), 1, frm=1)
p.write(os.path.join(ff, "places.sqlite"))
fm = p.manifest()
compat(os.path.join(ff, "compatibility.ini"), "128.5.1_20241126000000/20241126000000", "Linux_x86_64-gcc3", "/usr/lib/firefox-esr", "/")
write_json(os.path.join(ff, "times.json"), {"created": 1772000000000, "firstUse": None})
prefs_js(os.path.join(ff, "prefs.js"), {"browser.startup.homepage_override.mstone": "128.5.1", "toolkit.startup.last_success": 1772179500,
                                        "browser.download.dir": "/home/bob/Downloads"})
fm["browser"] = "Firefox"
man["firefox"] = fm

# --- Install folders' version files. ------------------------------------------
app = os.path.join(OUT, "app")
os.makedirs(app, exist_ok=True)
with open(os.path.join(app, "tbb_version-windows.json"), "w", newline="\n") as f:
    json.dump({"version": "14.0.3", "architecture": "windows-x86_64", "channel": "release", "locale": "en-US"}, f)
with open(os.path.join(app, "tbb_version-linux.json"), "w", newline="\n") as f:
    json.dump({"version": "14.0.3", "architecture": "linux-x86_64", "channel": "release", "locale": "en-US"}, f)
man["tbb_version"] = "14.0.3"

# --- Expected install summaries: first use is the earliest of times.json's
# created/firstUse; last use the latest of prefs.js last_success, the
# session store's lastUpdate and the tor state file's LastWritten. -------
import re, struct
import lz4.block


def last_success(prefs):
    m = re.search(r'user_pref\("toolkit.startup.last_success", (\d+)\);', open(prefs).read())
    return int(m.group(1)) * 1000


def session_update(p):
    if not os.path.exists(p):
        return None
    b = open(p, "rb").read()
    n = struct.unpack("<I", b[8:12])[0]
    return json.loads(lz4.block.decompress(b[12:], uncompressed_size=n))["session"]["lastUpdate"]


def first(times):
    c = [(t, w) for t, w in ((times["created_ms"], "times.json created (profile creation)"), (times["first_use_ms"], "times.json firstUse")) if t]
    return min(c)


def state_ms(lw):
    return int(datetime.strptime(lw, "%Y-%m-%d %H:%M:%S").replace(tzinfo=timezone.utc).timestamp()) * 1000


ws = session_update(os.path.join(win, "sessionstore-backups", "recovery.jsonlz4"))
wl = [(last_success(os.path.join(win, "prefs.js")), "prefs.js toolkit.startup.last_success")]
if ws:
    wl.append((ws, "sessionstore-backups/recovery.jsonlz4 session.lastUpdate"))
man["windows"]["install"] = dict(first_use_ms=first(wm["times"])[0], first_use_evidence=first(wm["times"])[1],
                                 last_use_ms=max(wl)[0], last_use_evidence=max(wl)[1], version="14.0.3")
ll = [(last_success(os.path.join(lin, "prefs.js")), "prefs.js toolkit.startup.last_success"),
      (state_ms(lw), "/home/bob/.local/share/torbrowser/tbb/x86_64/tor-browser/Browser/TorBrowser/Data/Tor/state LastWritten")]
man["linux"]["install"] = dict(first_use_ms=first(lm["times"])[0], first_use_evidence=first(lm["times"])[1],
                               last_use_ms=max(ll)[0], last_use_evidence=max(ll)[1], version="14.0.3")
fl = [(last_success(os.path.join(ff, "prefs.js")), "prefs.js toolkit.startup.last_success")]
man["firefox"]["install"] = dict(first_use_ms=1772000000000, first_use_evidence="times.json created (profile creation)",
                                 last_use_ms=max(fl)[0], last_use_evidence=max(fl)[1], version="128.5.1")
man["firefox"]["times"] = dict(created_ms=1772000000000, first_use_ms=None)

write_json(os.path.join(OUT, "profiles-manifest.json"), man, compact=False)
