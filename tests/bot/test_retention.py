"""Forget me and retention in the tracker store (SQLite): what is deleted, what is kept, and a killed purge."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import List, Sequence

import pytest
from rasa.core.lock_store import InMemoryLockStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot import forget
from bot.retention import clinic_store, purge
from bot.tracker_store import ClinicTrackerStore, forget_point
from common.retention import FORGET_ACTION, SECONDS_PER_DAY

ROOT = Path(__file__).resolve().parent.parent.parent
NOW = 1_900_000_000.0


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(ROOT / "domain.yml"))


def texts(db: Path, sender: str) -> List[str]:
    with sqlite3.connect(db) as connection:
        rows = connection.execute(
            "SELECT data FROM events WHERE sender_id = ? AND type_name IN ('user', 'bot') ORDER BY id", (sender,)
        )
        return [json.loads(row[0]).get("text") for row in rows]


def senders(db: Path) -> List[str]:
    with sqlite3.connect(db) as connection:
        return sorted(row[0] for row in connection.execute("SELECT DISTINCT sender_id FROM events"))


def talk(tracker: DialogueStateTracker, text: str, at: float | None = None) -> None:
    for event in (
        UserUttered(text, {"name": "ask_duration", "confidence": 0.9}),
        ActionExecuted("action_answer"),
        BotUttered(f"answer to {text}"),
        SlotSet("procedure", "78580"),
        ActionExecuted("action_listen"),
    ):
        if at is not None:
            event.timestamp = at
        tracker.update(event)


def forget_turn(tracker: DialogueStateTracker) -> None:
    tracker.update(UserUttered("yes", {"name": "affirm", "confidence": 1.0}))
    tracker.update(ActionExecuted(FORGET_ACTION))
    tracker.update(BotUttered("Done. I deleted this chat."))
    tracker.update(SlotSet("procedure", None))
    tracker.update(ActionExecuted("action_listen"))


def test_forget_me_deletes_every_earlier_row_and_keeps_the_rest(tmp_path: Path, domain: Domain) -> None:
    db = tmp_path / "tracker.db"
    store = ClinicTrackerStore(domain=domain, host=f"sqlite:///{db}")
    told: List[Sequence[str]] = []
    forget.on_forget("test", told.append)

    async def scenario() -> DialogueStateTracker | None:
        other = DialogueStateTracker("other-patient", domain.slots)
        talk(other, "my own question")
        await store.save(other)
        tracker = DialogueStateTracker("patient-1", domain.slots)
        tracker.update(ActionExecuted("action_session_start"))
        tracker.update(SessionStarted())
        talk(tracker, "i take warfarin")
        await store.save(tracker)
        loaded = await store.retrieve("patient-1")
        assert loaded is not None
        talk(loaded, "and my diabetes")
        forget_turn(loaded)
        await store.save(loaded)
        await store.save(loaded)  # nothing new
        again = await store.retrieve("patient-1")
        assert again is not None
        talk(again, "a new question")
        await store.save(again)
        return await store.retrieve_full_tracker("patient-1")

    try:
        tracker = asyncio.run(scenario())
    finally:
        forget._listeners.pop("test", None)
    assert texts(db, "patient-1") == ["Done. I deleted this chat.", "a new question", "answer to a new question"]
    assert tracker is not None and tracker.get_slot("procedure") == "78580"  # set again by the new turn only
    assert texts(db, "other-patient") == ["my own question", "answer to my own question"]
    assert told == [["patient-1"]]


def test_the_forget_point_is_only_looked_for_among_unsaved_events() -> None:
    events = [ActionExecuted(FORGET_ACTION), BotUttered("done"), ActionExecuted("action_listen")]
    assert forget_point(events, 0) == 0
    assert forget_point(events, 1) is None


def expired_and_live(db: Path, domain: Domain, expired: int, live: int, days: float = 30) -> ClinicTrackerStore:
    store = ClinicTrackerStore(domain=domain, host=f"sqlite:///{db}")

    async def fill() -> None:
        for i in range(expired):
            tracker = DialogueStateTracker(f"old-{i:03d}", domain.slots)
            talk(tracker, "old", at=NOW - (days + 1 + i) * SECONDS_PER_DAY)
            await store.save(tracker)
        for i in range(live):
            tracker = DialogueStateTracker(f"live-{i:03d}", domain.slots)
            talk(tracker, "old start", at=NOW - 400 * SECONDS_PER_DAY)
            talk(tracker, "recent", at=NOW - (days - 1) * SECONDS_PER_DAY)  # the last message decides
            await store.save(tracker)

    asyncio.run(fill())
    return store


def test_a_purge_removes_exactly_the_expired_conversations(tmp_path: Path, domain: Domain) -> None:
    db = tmp_path / "tracker.db"
    store = expired_and_live(db, domain, expired=23, live=7)
    told: List[str] = []
    forget.on_forget("test", lambda ids: told.extend(ids))
    try:
        counts = asyncio.run(purge(store, InMemoryLockStore(), now=NOW, retention_days=30, batch_size=5, pause=0))
    finally:
        forget._listeners.pop("test", None)
    assert senders(db) == [f"live-{i:03d}" for i in range(7)]
    assert (counts.conversations, counts.events, counts.busy) == (23, 23 * 5, 0)
    assert sorted(told) == [f"old-{i:03d}" for i in range(23)]
    again = asyncio.run(purge(store, InMemoryLockStore(), now=NOW, retention_days=30, pause=0))
    assert again.conversations == 0
    assert asyncio.run(purge(store, None, now=NOW, retention_days=0)).conversations == 0  # 0 keeps everything


def test_a_conversation_in_a_turn_is_skipped_and_one_with_a_new_message_is_kept(tmp_path: Path, domain: Domain) -> None:
    db = tmp_path / "tracker.db"
    store = expired_and_live(db, domain, expired=3, live=0)
    locks = InMemoryLockStore()
    ticket = locks.issue_ticket("old-001")  # a turn of old-001 holds its lock
    cut = NOW - 30 * SECONDS_PER_DAY
    assert store.expired_senders(cut, "", 10) == ["old-000", "old-001", "old-002"]

    async def message_then_purge() -> None:
        # A message for old-002 is stored after the purge found it expired: the delete's own check keeps it.
        tracker = await store.retrieve("old-002")
        assert tracker is not None
        talk(tracker, "back again", at=NOW)
        await store.save(tracker)

    asyncio.run(message_then_purge())
    removed, _ = store.delete_expired(["old-002"], cut)
    assert removed == []
    counts = asyncio.run(purge(store, locks, now=NOW, retention_days=30, pause=0))
    locks.cleanup("old-001", ticket)
    assert (counts.conversations, counts.busy) == (1, 1)
    assert senders(db) == ["old-001", "old-002"]


KILLED_PURGE = """
import asyncio, os, sys
from rasa.core.lock_store import InMemoryLockStore
from bot.retention import purge
from bot.tracker_store import ClinicTrackerStore

def stop(counts):
    if counts.batches == 3:
        os._exit(9)  # killed: no clean-up, no commit of anything after

store = ClinicTrackerStore(host="sqlite:///" + sys.argv[1])
asyncio.run(purge(store, InMemoryLockStore(), now=float(sys.argv[2]), retention_days=30, batch_size=4,
                  pause=0, after_batch=stop))
"""


def test_a_purge_killed_halfway_then_resumed_ends_as_an_uninterrupted_one(tmp_path: Path, domain: Domain) -> None:
    db = tmp_path / "tracker.db"
    expired_and_live(db, domain, expired=30, live=5)
    whole = tmp_path / "uninterrupted.db"
    with sqlite3.connect(db) as source, sqlite3.connect(whole) as copy:
        source.backup(copy)  # not a file copy: closing a copy of an open SQLite file drops its locks
    killed = subprocess.run(
        [sys.executable, "-c", KILLED_PURGE, str(db), repr(NOW)], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert killed.returncode == 9, killed.stderr[-2000:]
    halfway = senders(db)
    assert 5 < len(halfway) < 35  # some deleted, some not
    with sqlite3.connect(db) as connection:  # no conversation half-deleted: each has all its five events
        counts = {row[1] for row in connection.execute("SELECT sender_id, COUNT(*) FROM events GROUP BY sender_id")}
    assert counts == {5} or counts == {5, 10}
    for path in (db, whole):
        store = ClinicTrackerStore(domain=domain, host=f"sqlite:///{path}")
        asyncio.run(purge(store, InMemoryLockStore(), now=NOW, retention_days=30, pause=0))
    assert senders(db) == senders(whole) == [f"live-{i:03d}" for i in range(5)]


def test_the_store_is_found_inside_rasas_wrappers(tmp_path: Path) -> None:
    from rasa.core.tracker_store import AwaitableTrackerStore, FailSafeTrackerStore

    store = ClinicTrackerStore(host=f"sqlite:///{tmp_path / 'tracker.db'}")
    assert clinic_store(AwaitableTrackerStore(FailSafeTrackerStore(store))) is store
    assert clinic_store(None) is None
