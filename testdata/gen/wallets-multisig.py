#!/usr/bin/python3
# Makes an Electrum multisig (watch-only, m-of-n) wallet file with
# Electrum's own library, the way its wizard does: one keystore per cosigner
# under "x1/", "x2/", … and wallet_type "MofN". The Electrum 4.3 command line
# cannot create multisig wallets, so testdata/gen/wallets.sh calls this with
# Debian's python3 (where the electrum package lives).
#   wallets-multisig.py ELECTRUM_DIR WALLET_PATH M XPUB...
import sys

from electrum import keystore
from electrum.simple_config import SimpleConfig
from electrum.storage import WalletStorage
from electrum.util import create_and_start_event_loop
from electrum.wallet import Wallet
from electrum.wallet_db import WalletDB

loop, stop_loop, loop_thread = create_and_start_event_loop()
try:
    edir, path, m, *xpubs = sys.argv[1:]
    config = SimpleConfig({'electrum_path': edir})
    storage = WalletStorage(path)
    db = WalletDB('', manual_upgrades=False)
    db.put('wallet_type', '%sof%d' % (m, len(xpubs)))
    for i, x in enumerate(xpubs):
        db.put('x%d/' % (i + 1), keystore.from_master_key(x).dump())
    wallet = Wallet(db, storage, config=config)
    wallet.synchronize()
    wallet.save_db()
finally:
    loop.call_soon_threadsafe(stop_loop.set_result, 1)
    loop_thread.join(timeout=10)
