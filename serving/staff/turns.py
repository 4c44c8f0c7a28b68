"""The turns of every conversation, read from the ``events`` table of Rasa's tracker store.

No second copy of the conversations is kept: an in-memory index holds, per
turn, only the event id, the time, the channel, the intent and its confidence,
the procedure, the section and the outcome, and it is brought up to date on
each request by reading the events added since (the primary key orders
them). Texts are read from the table for the rows shown. When events go
(a patient's "forget me", ``make purge``), the count drops and the index is
rebuilt, so a deleted conversation leaves the console too.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa

from serving.staff.db import engine_for
from serving.staff.outcomes import OUTCOMES, Turn, TurnBuilder, conversation_id, read_data

_meta = sa.MetaData()
#: Rasa's table, as ``rasa.core.tracker_store.SQLTrackerStore`` creates it (only the columns read here).
events = sa.Table(
    "events",
    _meta,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("sender_id", sa.String(255)),
    sa.Column("type_name", sa.String(255)),
    sa.Column("timestamp", sa.Float),
    sa.Column("data", sa.Text),
)
_KINDS = ("user", "bot", "slot", "session_started")
#: The queue: what staff should look at.
REVIEW = ("declined", "did_you_mean", "unavailable")
FILTERS = (*OUTCOMES, "negative_feedback", "low_confidence", "review")


@dataclass(frozen=True)
class Conversation:
    """One conversation as the console shows it."""

    id: str
    sender: str
    channel: str
    turns: list[Turn]


def matches(turn: Turn, wanted: str | None) -> bool:
    """Whether a turn passes a filter (an outcome, ``negative_feedback``, ``low_confidence`` or ``review``)."""
    if not wanted:
        return True
    if wanted == "negative_feedback":
        return turn.feedback is False
    if wanted == "low_confidence":
        return turn.low_confidence
    if wanted == "review":
        return turn.outcome in REVIEW or turn.feedback is False or turn.low_confidence
    return turn.outcome == wanted


class TurnIndex:
    """Turns of the tracker store's conversations, newest last, kept up to date incrementally."""

    def __init__(self, url: str, hash_key: str) -> None:
        self.engine = engine_for(url)
        self.hash_key = hash_key
        self._lock = threading.Lock()
        self._reset()

    def _reset(self) -> None:
        self._watermark = 0
        self._seen = 0
        self._builders: dict[str, TurnBuilder] = {}
        self._turns: list[Turn] = []
        self._senders: dict[str, str] = {}  # keyed hash -> sender id

    def refresh(self) -> None:
        """Read the events added since the last call (all of them after a deletion)."""
        with self._lock, self.engine.connect() as conn:
            if not sa.inspect(conn).has_table("events"):
                self._reset()
                return
            count = conn.execute(
                sa.select(sa.func.count())
                .select_from(events)
                .where(events.c.id <= self._watermark, events.c.type_name.in_(_KINDS))
            )
            if (count.scalar() or 0) < self._seen:
                self._reset()
            rows = conn.execute(
                sa.select(events.c.id, events.c.sender_id, events.c.type_name, events.c.timestamp, events.c.data)
                .where(events.c.id > self._watermark, events.c.type_name.in_(_KINDS))
                .order_by(events.c.id)
            )
            for event_id, sender, type_name, timestamp, data in rows:
                builder = self._builders.get(sender)
                if builder is None:
                    builder = self._builders[sender] = TurnBuilder(sender)
                before = len(builder.turns)
                builder.add(event_id, type_name, timestamp or 0.0, read_data(data), keep_text=False)
                if len(builder.turns) > before:
                    turn = builder.turns[-1]
                    self._turns.append(turn)
                    self._senders.setdefault(conversation_id(sender, turn.channel, self.hash_key), sender)
                self._watermark = max(self._watermark, event_id)
                self._seen += 1

    def turns(self, wanted: str | None = None, since: float = 0.0, limit: int = 100) -> list[Turn]:
        """Turns newest first, filtered, with their texts (a turn whose events are gone is left out)."""
        self.refresh()
        chosen: list[Turn] = []
        for turn in reversed(self._turns):
            if turn.time < since:
                break
            if matches(turn, wanted):
                chosen.append(turn)
                if len(chosen) >= limit:
                    break
        return self._with_texts(chosen)

    def all_turns(self, since: float = 0.0, until: float = float("inf")) -> list[Turn]:
        """Every turn in a period, oldest first, without texts (for counting)."""
        self.refresh()
        return [t for t in self._turns if since <= t.time < until]

    def _with_texts(self, chosen: list[Turn]) -> list[Turn]:
        if not chosen:
            return []
        with self.engine.connect() as conn:
            found = {
                event_id: read_data(data).get("text") or ""
                for event_id, data in conn.execute(
                    sa.select(events.c.id, events.c.data).where(events.c.id.in_([t.event_id for t in chosen]))
                )
            }
        shown = []
        for turn in chosen:
            if turn.event_id in found:
                copy = Turn(**{**turn.__dict__, "text": str(found[turn.event_id])})
                shown.append(copy)
        return shown

    def id_of(self, turn: Turn) -> str:
        """The keyed hash staff see for a turn's conversation."""
        return conversation_id(turn.sender, turn.channel, self.hash_key)

    def conversation(self, conversation: str) -> Conversation | None:
        """Every turn of one conversation, with the patient's and the bot's texts."""
        self.refresh()
        sender = self._senders.get(conversation)
        if sender is None:
            return None
        builder = TurnBuilder(sender)
        with self.engine.connect() as conn:
            for event_id, type_name, timestamp, data in conn.execute(
                sa.select(events.c.id, events.c.type_name, events.c.timestamp, events.c.data)
                .where(events.c.sender_id == sender, events.c.type_name.in_(_KINDS))
                .order_by(events.c.id)
            ):
                builder.add(event_id, type_name, timestamp or 0.0, read_data(data), keep_text=True)
        if not builder.turns:
            return None
        return Conversation(conversation, sender, builder.turns[0].channel, builder.turns)

    def turn(self, event_id: int) -> Turn | None:
        """One turn by its user event's id, with its text."""
        self.refresh()
        for turn in reversed(self._turns):
            if turn.event_id == event_id:
                shown = self._with_texts([turn])
                return shown[0] if shown else None
        return None


def as_json(turn: Turn, conversation: str) -> dict[str, object]:
    """A turn as ``GET /staff/api/turns`` gives it (CONTRACT.md)."""
    return {
        "conversation": conversation,
        "channel": turn.channel,
        "time": turn.time,
        "text": turn.text,
        "intent": turn.intent,
        "confidence": turn.confidence,
        "procedure": turn.procedure,
        "section": turn.section,
        "sections": turn.sections,
        "outcome": turn.outcome,
        "feedback": turn.feedback,
        "id": turn.event_id,
    }


def procedures_of(turns: Iterable[Turn]) -> list[str]:
    """The procedures a list of turns discussed, in order, once each."""
    return list(dict.fromkeys(t.procedure for t in turns if t.procedure))
