"""Rasa's SQL tracker store, same table and meaning, with less work per turn.

Profiled under load (``make bench``, py-spy on the Rasa server), Rasa 3.6's
``SQLTrackerStore`` took about 40 % of the server's CPU: every turn opens a
new SQLite connection (SQLAlchemy 1.4 gives file databases a ``NullPool``),
builds ORM queries, counts the stored events again before saving (a second
query with a sub-query), adds the new events one ORM object at a time and
waits for an ``fsync`` at every commit. This store keeps Rasa's ``events``
table, so existing databases, ``rasa export`` and the HTTP API's tracker
endpoints work unchanged, and does the same work with less:

- one pooled connection (SQLite) and pre-built SQLAlchemy Core statements;
- the number of events a tracker was loaded with is remembered on the tracker,
  so saving inserts ``tracker.events[loaded:]`` at once, without counting
  again (Rasa's conversation lock, in memory or in Redis, keeps anyone else
  from writing the conversation between the two);
- SQLite in WAL mode with ``synchronous=NORMAL``: a commit no longer waits for
  the disk; a power cut can lose the last turns, never corrupt the file.

A confirmed "forget me" (the action :data:`common.retention.FORGET_ACTION`
among the events being saved) deletes every stored row of the conversation
and stores only the events from that action on, in one transaction, under the
conversation's lock that Rasa holds for the turn: a message arriving at the
same moment waits for the lock and then finds only what was kept. The purge of
expired conversations (:mod:`bot.retention`) uses :meth:`expired_senders` and
:meth:`delete_expired`.

Several Rasa servers can share one PostgreSQL database as with Rasa's store.
Reading events back is faster still with :mod:`bot.rasa_patches`' event-type
table (installed by ``python -m bot.server``), instead of Rasa's walk over
every ``Event`` subclass for every stored event.
"""

from __future__ import annotations

import json
import logging
from typing import Any, Dict, List, Sequence, Tuple

import sqlalchemy as sa
import sqlalchemy.orm
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import ActionExecuted, Event, SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

from bot import forget
from common.retention import DELETE_EXPIRED, EXPIRED_SENDERS, FORGET_ACTION

logger = logging.getLogger(__name__)

#: Attribute set on a tracker: how many of its events are already stored.
_STORED = "_clinic_stored_events"


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


class ClinicTrackerStore(SQLTrackerStore):
    """Conversations in Rasa's ``events`` table (SQLite file or PostgreSQL), read and written lean."""

    engine: sa.engine.Engine

    def __init__(self, domain: Any = None, host: str | None = None, event_broker: Any = None, **kwargs: Any) -> None:
        super().__init__(domain=domain, host=host, event_broker=event_broker, **kwargs)
        if self.engine.dialect.name == "sqlite":
            # One connection kept open instead of a new one per turn; the
            # pragmas apply to every connection the pool opens.
            url = self.engine.url
            self.engine.dispose()
            self.engine = sa.create_engine(
                url,
                poolclass=sa.pool.QueuePool,
                pool_size=2,
                max_overflow=2,
                connect_args={"check_same_thread": False},
            )
            sa.event.listen(self.engine, "connect", _sqlite_pragmas)
            self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)
        table = self.SQLEvent.__table__
        sender = sa.bindparam("sender_id")
        session_start = (
            sa.select(sa.func.max(table.c.timestamp))
            .where(table.c.sender_id == sender, table.c.type_name == SessionStarted.type_name)
            .scalar_subquery()
        )
        everything = sa.select(table.c.data).where(table.c.sender_id == sender)
        self._latest_session = everything.where(
            sa.or_(table.c.timestamp >= session_start, session_start.is_(None))
        ).order_by(table.c.id)
        self._all_sessions = everything.order_by(table.c.id)
        self._count_latest = sa.select(sa.func.count()).select_from(self._latest_session.subquery())
        self._insert = table.insert()
        self._delete_all = table.delete().where(table.c.sender_id == sender)
        self._expired_senders = sa.text(EXPIRED_SENDERS)
        self._delete_expired = sa.text(DELETE_EXPIRED)

    async def _retrieve(self, sender_id: str, fetch_events_from_all_sessions: bool) -> DialogueStateTracker | None:
        query = self._all_sessions if fetch_events_from_all_sessions else self._latest_session
        with self.engine.connect() as connection:
            rows = connection.execute(query, {"sender_id": sender_id}).fetchall()
        if not rows or not self.domain:
            return None
        events = [json.loads(row[0]) for row in rows]
        tracker = DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
        setattr(tracker, _STORED, len(events))
        return tracker

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Insert the events added since the tracker was loaded (or last saved), in one transaction.

        When those events hold a confirmed "forget me", the conversation's stored
        rows are deleted first, in the same transaction, and only the events from
        the forget action on are stored.
        """
        await self.stream_events(tracker)
        stored = getattr(tracker, _STORED, None)
        everything = list(tracker.events)
        deleted = None
        with self.engine.begin() as connection:
            if stored is None:
                # A tracker this store did not load (a new conversation): count
                # what is stored, as Rasa's store does.
                stored = connection.execute(self._count_latest, {"sender_id": tracker.sender_id}).scalar_one()
            start = stored
            cut = forget_point(everything, stored)
            if cut is not None:
                deleted = connection.execute(self._delete_all, {"sender_id": tracker.sender_id}).rowcount
                start = cut
            events = everything[start:]
            if events:
                connection.execute(self._insert, [self._row(tracker.sender_id, event) for event in events])
        setattr(tracker, _STORED, len(everything))
        if deleted is not None:
            forget.forgotten([tracker.sender_id], deleted, reason="forget me")

    def expired_senders(self, cutoff: float, after: str, limit: int) -> List[str]:
        """Up to ``limit`` conversations (in id order, after ``after``) whose every event is before ``cutoff``."""
        with self.engine.connect() as connection:
            rows = connection.execute(self._expired_senders, {"cutoff": cutoff, "after": after, "limit": limit})
            return [str(row[0]) for row in rows]

    def delete_expired(self, senders: Sequence[str], cutoff: float) -> Tuple[List[str], int]:
        """Delete each conversation that still has no event at or after ``cutoff``, all in one transaction.

        Returns the conversations deleted and the number of events. A conversation
        is deleted whole or not at all: a purge killed halfway leaves none half-deleted.
        """
        removed: List[str] = []
        events = 0
        with self.engine.begin() as connection:
            for sender in senders:
                count = connection.execute(self._delete_expired, {"sender_id": sender, "cutoff": cutoff}).rowcount
                if count:
                    removed.append(sender)
                    events += count
        return removed, events

    @staticmethod
    def _row(sender_id: str, event: Event) -> Dict[str, Any]:
        data = event.as_dict()
        return {
            "sender_id": sender_id,
            "type_name": event.type_name,
            "timestamp": data.get("timestamp"),
            "intent_name": data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
            "action_name": data.get("name"),
            "data": json.dumps(data),
        }


def forget_point(events: Sequence[Event], stored: int) -> int | None:
    """The index of the last confirmed "forget me" among the unsaved events (from ``stored`` on), if any."""
    for index in range(len(events) - 1, stored - 1, -1):
        event = events[index]
        if isinstance(event, ActionExecuted) and event.action_name == FORGET_ACTION:
            return index
    return None


__all__: List[str] = ["ClinicTrackerStore", "forget_point"]
