"""What is deleted when: the retention cut-off and the SQL that applies it, and "forget me"'s marker.

Both runtimes import this module (standard library only): the Rasa server
runs the statements (:mod:`bot.retention`, through SQLAlchemy, on SQLite or
PostgreSQL), and tests run the very same statements with :mod:`sqlite3`.

A conversation expires ``RETENTION_DAYS`` after its last event (a message of
the patient or of the bot, or anything else the conversation recorded): the
cut-off is "now minus the retention", and a conversation is removed only when
*none* of its events is at or after the cut-off. That condition is checked
again inside the deleting statement, so a message stored between finding a
conversation and deleting it keeps the whole conversation.
"""

from __future__ import annotations

from dataclasses import dataclass

#: The custom action that carries out a confirmed "forget me". The tracker store
#: recognises it among the events it saves: every earlier row of the conversation
#: is deleted in the same transaction (:mod:`bot.tracker_store`).
FORGET_ACTION = "action_forget_me"

SECONDS_PER_DAY = 86_400.0

#: Conversations (sender ids, in order, after ``:after``) with no event at or after ``:cutoff``.
EXPIRED_SENDERS = (
    "SELECT sender_id FROM events WHERE sender_id > :after "
    "GROUP BY sender_id HAVING MAX(timestamp) < :cutoff ORDER BY sender_id LIMIT :limit"
)
#: Delete one conversation whole, unless it has an event at or after ``:cutoff`` (checked again here).
DELETE_EXPIRED = (
    "DELETE FROM events WHERE sender_id = :sender_id AND NOT EXISTS "
    "(SELECT 1 FROM events AS newer WHERE newer.sender_id = :sender_id AND newer.timestamp >= :cutoff)"
)


def cutoff(now: float, retention_days: float) -> float | None:
    """The time (Unix seconds) before which a conversation's last event makes it expired; ``None``: keep all."""
    if retention_days <= 0:
        return None
    return now - retention_days * SECONDS_PER_DAY


def is_expired(last_event: float, cut: float | None) -> bool:
    """Whether a conversation whose newest event is at ``last_event`` is removed at cut-off ``cut``."""
    return cut is not None and last_event < cut


@dataclass
class PurgeCounts:
    """What a purge did: counts only (this is all that is logged or printed)."""

    conversations: int = 0
    events: int = 0
    busy: int = 0
    batches: int = 0
    seconds: float = 0.0

    def line(self) -> str:
        """One line for the log or the terminal."""
        return (
            f"purged {self.conversations} conversation(s), {self.events} event(s), in {self.batches} batch(es) "
            f"and {self.seconds:.1f} s; "
            f"{self.busy} busy conversation(s) left for the next purge"
        )
