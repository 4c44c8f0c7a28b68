"""The SMS channel's state in one SQLite file: opt-outs, last choices, and numbers.

Keyed by the hashed sender id (:func:`common.sms.sender_id`). The clear
number is stored once, because a text can only be sent to it; it is never
logged. Opt-outs survive restarts of the Rasa server. Standard library only.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

_SCHEMA = """
CREATE TABLE IF NOT EXISTS opt_outs (sender TEXT PRIMARY KEY, since TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS recipients (sender TEXT PRIMARY KEY, phone TEXT NOT NULL, updated TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS choices (sender TEXT PRIMARY KEY, payloads TEXT NOT NULL, updated TEXT NOT NULL);
"""


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class SmsStore:
    """Opt-outs, the last choices sent to each sender, and each sender's number."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.executescript(_SCHEMA)
        path.chmod(0o600)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        # A short-lived connection per call: the Rasa server and the outreach
        # command share the file, and each call is one small transaction.
        db = sqlite3.connect(self.path, timeout=10)
        try:
            with db:
                yield db
        finally:
            db.close()

    def remember_number(self, sender: str, phone: str) -> None:
        """Keep the number that a sender id stands for."""
        with self._connect() as db:
            db.execute(
                "INSERT INTO recipients (sender, phone, updated) VALUES (?, ?, ?) "
                "ON CONFLICT(sender) DO UPDATE SET phone = excluded.phone, updated = excluded.updated",
                (sender, phone, _now()),
            )

    def number(self, sender: str) -> str | None:
        """The number of a sender id, if known."""
        with self._connect() as db:
            row = db.execute("SELECT phone FROM recipients WHERE sender = ?", (sender,)).fetchone()
        return str(row[0]) if row else None

    def opt_out(self, sender: str) -> None:
        """Send this sender nothing more until they opt in."""
        with self._connect() as db:
            db.execute("INSERT OR IGNORE INTO opt_outs (sender, since) VALUES (?, ?)", (sender, _now()))

    def opt_in(self, sender: str) -> None:
        """Allow texts to this sender again."""
        with self._connect() as db:
            db.execute("DELETE FROM opt_outs WHERE sender = ?", (sender,))

    def opted_out(self, sender: str) -> bool:
        """Whether the sender has opted out."""
        with self._connect() as db:
            return db.execute("SELECT 1 FROM opt_outs WHERE sender = ?", (sender,)).fetchone() is not None

    def set_choices(self, sender: str, payloads: Sequence[str]) -> None:
        """The payloads of the numbered choices just sent ("Reply 1 for ...")."""
        with self._connect() as db:
            db.execute(
                "INSERT INTO choices (sender, payloads, updated) VALUES (?, ?, ?) "
                "ON CONFLICT(sender) DO UPDATE SET payloads = excluded.payloads, updated = excluded.updated",
                (sender, json.dumps(list(payloads)), _now()),
            )

    def choices(self, sender: str) -> list[str]:
        """The payloads of the last numbered choices sent, or none."""
        with self._connect() as db:
            row = db.execute("SELECT payloads FROM choices WHERE sender = ?", (sender,)).fetchone()
        return [str(p) for p in json.loads(row[0])] if row else []

    def clear_choices(self, sender: str) -> None:
        """Forget the choices: they answer only the message right after them."""
        with self._connect() as db:
            db.execute("DELETE FROM choices WHERE sender = ?", (sender,))

    def forget(self, senders: Sequence[str]) -> None:
        """Drop the numbers and last choices of deleted conversations; an opt-out stays (keyed by the hash only)."""
        ids = [(sender,) for sender in senders if sender.startswith("sms-")]
        if not ids:
            return
        with self._connect() as db:
            db.executemany("DELETE FROM recipients WHERE sender = ?", ids)
            db.executemany("DELETE FROM choices WHERE sender = ?", ids)

    def rows_about(self, sender: str) -> dict[str, int]:
        """How many rows of each table name ``sender`` (for checks that a conversation is gone)."""
        with self._connect() as db:
            return {
                table: int(db.execute(f"SELECT COUNT(*) FROM {table} WHERE sender = ?", (sender,)).fetchone()[0])  # noqa: S608 (fixed names)
                for table in ("opt_outs", "recipients", "choices")
            }
