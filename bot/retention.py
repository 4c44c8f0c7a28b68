"""Deleting expired conversations: in the Rasa server every hour, and on demand (``make purge``).

A purge walks the conversations in id order, a batch at a time
(``PURGE_BATCH_SIZE``): it finds those whose every event is older than the
cut-off (``RETENTION_DAYS``; :mod:`common.retention`), takes each one's
conversation lock without waiting (a conversation whose lock is held is in
the middle of a turn, so it is not expired: it is skipped and counted as
busy), deletes the batch in one transaction — each conversation whole, and
only if it still has no event at or after the cut-off — releases the locks,
and tells the other stores (:mod:`bot.forget`). The database work runs on a
worker thread and a short pause follows each batch, so patients' turns, on
the event loop, go on meanwhile. A purge killed halfway has deleted whole
conversations only; the next one finds the rest.
"""

from __future__ import annotations

import asyncio
import logging
import time
from contextlib import suppress
from typing import Any, Callable, List, Tuple

from rasa.core.lock_store import InMemoryLockStore, LockStore

from bot import forget
from bot.tracker_store import ClinicTrackerStore
from common.retention import PurgeCounts, cutoff
from common.settings import settings

logger = logging.getLogger(__name__)

#: Seconds a purge holds a conversation's lock at most (Rasa frees it earlier when the purge ends).
LOCK_LIFETIME = 30.0
#: Seconds between batches: room for patients' turns.
PAUSE = 0.005


def _try_locks(lock_store: LockStore | None, senders: List[str]) -> Tuple[List[Tuple[str, int]], int]:
    """Take the free locks among ``senders``' conversations; the busy ones are left alone."""
    if lock_store is None:
        return [(sender, -1) for sender in senders], 0
    held: List[Tuple[str, int]] = []
    busy = 0
    for sender in senders:
        ticket = lock_store.issue_ticket(sender, LOCK_LIFETIME)
        lock = lock_store.get_lock(sender)
        if lock is not None and not lock.is_locked(ticket):
            held.append((sender, ticket))
        else:
            lock_store.cleanup(sender, ticket)
            busy += 1
    return held, busy


def _release(lock_store: LockStore | None, held: List[Tuple[str, int]]) -> None:
    if lock_store is None:
        return
    for sender, ticket in held:
        lock_store.cleanup(sender, ticket)


async def purge(
    store: ClinicTrackerStore,
    lock_store: LockStore | None,
    *,
    now: float | None = None,
    retention_days: float | None = None,
    batch_size: int | None = None,
    pause: float = PAUSE,
    after_batch: Callable[[PurgeCounts], None] | None = None,
) -> PurgeCounts:
    """Delete every expired conversation now; return the counts."""
    config = settings()
    days = config.retention_days if retention_days is None else retention_days
    size = max(1, config.purge_batch_size if batch_size is None else batch_size)
    cut = cutoff(time.time() if now is None else now, days)
    counts = PurgeCounts()
    if cut is None:
        return counts
    started = time.perf_counter()
    after = ""
    while True:
        senders = await asyncio.to_thread(store.expired_senders, cut, after, size)
        if not senders:
            break
        after = senders[-1]
        # In-memory locks are the event loop's own (microseconds, not thread-safe); Redis
        # calls are blocking network round trips, so they go to the worker thread too.
        here = lock_store is None or isinstance(lock_store, InMemoryLockStore)
        held, busy = (
            _try_locks(lock_store, senders) if here else await asyncio.to_thread(_try_locks, lock_store, senders)
        )
        counts.busy += busy
        try:
            removed, events = await asyncio.to_thread(store.delete_expired, [s for s, _ in held], cut)
        finally:
            if here:
                _release(lock_store, held)
            else:
                await asyncio.to_thread(_release, lock_store, held)
        counts.conversations += len(removed)
        counts.events += events
        counts.batches += 1
        counts.seconds = time.perf_counter() - started
        forget.forgotten(removed, events, reason="retention")
        if after_batch is not None:
            after_batch(counts)
        await asyncio.sleep(pause)
    counts.seconds = time.perf_counter() - started
    return counts


def clinic_store(tracker_store: Any) -> ClinicTrackerStore | None:
    """The bot's tracker store inside Rasa's wrappers (fail-safe, awaitable), if it is the one in use."""
    for _ in range(4):
        if isinstance(tracker_store, ClinicTrackerStore):
            return tracker_store
        tracker_store = getattr(tracker_store, "_tracker_store", None) or getattr(tracker_store, "tracker_store", None)
    return None


async def purge_every(
    interval: float, store: ClinicTrackerStore, lock_store: LockStore | None, *, retention_days: float | None = None
) -> None:
    """Purge now, then every ``interval`` seconds, until cancelled; a failed purge is logged and retried."""
    while True:
        try:
            counts = await purge(store, lock_store, retention_days=retention_days)
            if counts.conversations or counts.busy:
                logger.info("retention: %s", counts.line())
        except asyncio.CancelledError:
            raise
        except Exception as error:  # the next purge retries; whole conversations only were deleted
            logger.error("retention: purge failed (%s); retrying in %.0f s", type(error).__name__, interval)
        await asyncio.sleep(interval)


_TASK = "clinic_purge_task"


async def start_purging(app: Any, _loop: Any = None) -> None:
    """Sanic listener (after the server starts): the hourly purge as a background task of the Rasa server."""
    config = settings()
    agent = getattr(app.ctx, "agent", None)
    store = clinic_store(getattr(agent, "tracker_store", None))
    if config.purge_interval_seconds <= 0 or config.retention_days <= 0 or store is None:
        logger.info("retention: no background purge (interval, retention or tracker store)")
        return
    lock_store = getattr(agent, "lock_store", None)
    setattr(app.ctx, _TASK, asyncio.create_task(purge_every(config.purge_interval_seconds, store, lock_store)))
    logger.info(
        "retention: conversations deleted %.0f day(s) after their last message, checked every %.0f s",
        config.retention_days,
        config.purge_interval_seconds,
    )


async def stop_purging(app: Any, _loop: Any = None) -> None:
    """Sanic listener (before the server stops): cancel the background purge (it loses no half-deleted conversation)."""
    task = getattr(app.ctx, _TASK, None)
    if task is not None:
        task.cancel()
        with suppress(asyncio.CancelledError, Exception):
            await task


#: ``serve_application``'s ``server_listeners`` that run the background purge.
SERVER_LISTENERS = [(start_purging, "after_server_start"), (stop_purging, "before_server_stop")]
