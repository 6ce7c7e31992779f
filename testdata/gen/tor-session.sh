#!/usr/bin/env bash
# Writes a Tor Browser session store (sessionstore-backups/recovery.jsonlz4)
# in Firefox's mozlz4 framing ("mozLz40\0", uint32 LE size, raw LZ4 block made
# by python3-lz4's lz4.block.compress(store_size=False)) into
# testdata/artefacts/tor/profile/, with session-manifest.json listing every
# tab the parser must report (JSON path, state, url, title).
#   testdata/gen/tor-session.sh
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
out="$here/artefacts/tor/profile"
mkdir -p "$out/sessionstore-backups"
# Debian's python3 carries python3-lz4 (a pyenv python3 may come first on PATH).
/usr/bin/python3 - "$out" <<'PY'
import json, os, struct, sys
import lz4.block
out = sys.argv[1]
def tab(entries, index, last=1764300000000):
    return {"entries": [{"url": u, "title": t, "charset": "UTF-8", "ID": i} for i, (u, t) in enumerate(entries)],
            "index": index, "lastAccessed": last, "hidden": False, "attributes": {}, "userContextId": 0}
mk = "http://4637ch63ntgt4zu6mj2nhpdd4vdlzx2d765gtrhhdq5ezl45wjtv4hqd.onion/"
fo = "http://dnyv2bzkix6narlcyfkpayiykh7vpcdedf3kirpvuw2tpkmgk2nlmgad.onion/"
sess = {
  "version": ["sessionrestore", 1],
  "windows": [{
    "tabs": [tab([("about:tor", "About Tor")], 1, 1764300001000),
             tab([(mk, "Market"), (mk + "listing/42", "Listing 42 \u2013 Market")], 2, 1764300002000),
             tab([(fo + "t/7", "Thread 7")], 1, 1764300003000)],
    "selected": 2,
    "_closedTabs": [{"state": tab([(fo, "Forum index")], 1, 1764299990000), "title": "Forum index", "closedAt": 1764299999000, "pos": 3}],
  }],
  "_closedWindows": [{"tabs": [tab([("https://check.torproject.org/", "Congratulations.")], 1, 1764290000000)], "_closedTabs": [], "closedAt": 1764290100000}],
  "session": {"lastUpdate": 1764300004000, "startTime": 1764290000000},
  "global": {},
}
data = json.dumps(sess, separators=(",", ":")).encode()
blob = b"mozLz40\0" + struct.pack("<I", len(data)) + lz4.block.compress(data, store_size=False)
open(os.path.join(out, "sessionstore-backups", "recovery.jsonlz4"), "wb").write(blob)
exp = []
for wk, state in (("windows", "open"), ("_closedWindows", "closed_window")):
    for wi, w in enumerate(sess[wk]):
        for ti, t in enumerate(w["tabs"]):
            e = t["entries"][t["index"] - 1]
            exp.append({"path": "%s[%d].tabs[%d]" % (wk, wi, ti), "state": state, "url": e["url"], "title": e["title"], "entries": len(t["entries"])})
        for ti, c in enumerate(w["_closedTabs"]):
            e = c["state"]["entries"][c["state"]["index"] - 1]
            exp.append({"path": "%s[%d]._closedTabs[%d].state" % (wk, wi, ti), "state": "closed_tab", "url": e["url"], "title": e["title"],
                        "entries": len(c["state"]["entries"]), "closed_at_ms": c["closedAt"]})
json.dump({"generator": "testdata/gen/tor-session.sh", "decompressed_size": len(data), "tabs": exp},
          open(os.path.join(out, "session-manifest.json"), "w"), indent=2, sort_keys=True)
PY
echo "tor-session.sh: wrote $out" >&2
