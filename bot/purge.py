"""``make purge``: delete the conversations older than ``RETENTION_DAYS`` now, printing counts only.

Runs in the Rasa runtime (``python -m bot.purge``) against the tracker store
the Rasa servers use (``TRACKER_DB_URL``, else ``TRACKER_DB``), with the same
batches and the same conversation locks when they are in Redis
(``LOCK_STORE_URL``). With in-memory locks (one Rasa server) the locks are
the server's own and out of reach; each deletion is then guarded by its own
condition only: a conversation with any event at or after the cut-off is never
deleted. The SMS channel's numbers and last choices of the deleted
conversations go too; opt-outs stay.

``--every SECONDS`` purges now and then every so often until stopped: the one
purging service of a container deployment (``deploy/compose.yml``), whose
Rasa servers run with ``PURGE_INTERVAL_SECONDS=0``, so that several Rasa
servers do not purge the same database at once.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from typing import List

from rasa.core.lock_store import LockStore, RedisLockStore

from bot import forget
from bot.retention import purge, purge_every
from bot.tracker_store import ClinicTrackerStore
from common.settings import Settings, settings
from common.sms_store import SmsStore

#: The Redis key prefix of endpoints.yml's lock store.
KEY_PREFIX = "clinicfaq"


def lock_store_of(config: Settings) -> LockStore | None:
    """The Rasa servers' shared lock store (Redis), or ``None`` with in-memory locks."""
    parts = config.lock_store_parts()
    if parts["type"] != "redis":
        return None
    return RedisLockStore(
        host=parts["host"],
        port=int(parts["port"]),
        db=int(parts["db"]),
        password=parts["password"] or None,
        key_prefix=KEY_PREFIX,
    )


def main(argv: List[str] | None = None) -> int:
    """Purge once and print what was removed (counts only)."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--days", type=float, default=None, help="override RETENTION_DAYS for this run")
    parser.add_argument(
        "--every", type=float, default=0.0, metavar="SECONDS", help="purge now, then every SECONDS until stopped"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.every > 0 else logging.WARNING, format="%(name)s %(message)s")
    config = settings()
    days = config.retention_days if args.days is None else args.days
    if days <= 0:
        print("RETENTION_DAYS is 0: conversations are kept; nothing purged")
        return 0
    if config.sms_db.exists():
        forget.on_forget("sms store", SmsStore(config.sms_db).forget)
    store = ClinicTrackerStore(host=config.tracker_store_url)
    if args.every > 0:
        print(f"purging conversations {days:g} day(s) after their last message, every {args.every:g} s", flush=True)
        asyncio.run(purge_every(args.every, store, lock_store_of(config), retention_days=days))
        return 0
    counts = asyncio.run(purge(store, lock_store_of(config), retention_days=days))
    print(counts.line())
    return 0


if __name__ == "__main__":
    sys.exit(main())
