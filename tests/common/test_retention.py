"""The retention cut-off (common/retention.py): property tests of the very SQL the purge runs, on SQLite."""

from __future__ import annotations

import sqlite3

from hypothesis import given, settings
from hypothesis import strategies as st

from common.retention import DELETE_EXPIRED, EXPIRED_SENDERS, SECONDS_PER_DAY, cutoff, is_expired
from common.settings import Settings, retention_text

NOW = 1_900_000_000.0
#: Rasa's ``events`` table, as far as the purge reads it.
SCHEMA = (
    "CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id TEXT NOT NULL, type_name TEXT, "
    "timestamp REAL, intent_name TEXT, action_name TEXT, data TEXT)"
)

ages = st.floats(min_value=0, max_value=400, allow_nan=False)  # days before NOW
conversations = st.dictionaries(
    st.text(alphabet="abcdefghij0123456789-", min_size=1, max_size=8),
    st.lists(ages, min_size=1, max_size=6),
    max_size=25,
)


def database(conversations_: dict[str, list[float]]) -> sqlite3.Connection:
    db = sqlite3.connect(":memory:")
    db.execute(SCHEMA)
    db.executemany(
        "INSERT INTO events (sender_id, type_name, timestamp, data) VALUES (?, 'user', ?, '{}')",
        [(sender, NOW - age * SECONDS_PER_DAY) for sender, days in conversations_.items() for age in days],
    )
    return db


def purge(db: sqlite3.Connection, cut: float, batch: int) -> None:
    after = ""
    while True:
        senders = [row[0] for row in db.execute(EXPIRED_SENDERS, {"cutoff": cut, "after": after, "limit": batch})]
        if not senders:
            return
        after = senders[-1]
        with db:
            for sender in senders:
                db.execute(DELETE_EXPIRED, {"sender_id": sender, "cutoff": cut})


def remaining(db: sqlite3.Connection) -> set[str]:
    return {row[0] for row in db.execute("SELECT DISTINCT sender_id FROM events")}


@settings(max_examples=150, deadline=None)
@given(conversations, st.floats(min_value=0.5, max_value=365, allow_nan=False), st.integers(min_value=1, max_value=7))
def test_no_conversation_with_a_message_newer_than_the_cut_off_is_removed(
    conversations_: dict[str, list[float]], days: float, batch: int
) -> None:
    cut = cutoff(NOW, days)
    assert cut is not None
    db = database(conversations_)
    purge(db, cut, batch)
    kept = remaining(db)
    for sender, ages_ in conversations_.items():
        newest = NOW - min(ages_) * SECONDS_PER_DAY
        if newest >= cut:
            assert sender in kept  # never removed while it has a message at or after the cut-off
        else:
            assert sender not in kept  # and every expired one is gone
        assert is_expired(newest, cut) == (sender not in kept)
    # Whole conversations only: what is kept has all its rows.
    for sender in kept:
        count = db.execute("SELECT COUNT(*) FROM events WHERE sender_id = ?", (sender,)).fetchone()[0]
        assert count == len(conversations_[sender])


@settings(max_examples=100, deadline=None)
@given(conversations, st.floats(min_value=0.5, max_value=365, allow_nan=False), st.floats(min_value=0, max_value=400))
def test_a_message_stored_after_the_conversation_was_found_keeps_it(
    conversations_: dict[str, list[float]], days: float, new_age: float
) -> None:
    cut = cutoff(NOW, days)
    assert cut is not None
    db = database(conversations_)
    found = [row[0] for row in db.execute(EXPIRED_SENDERS, {"cutoff": cut, "after": "", "limit": 1000})]
    late = NOW - new_age * SECONDS_PER_DAY
    for sender in found:  # a message arrives for each between the search and the delete
        db.execute(
            "INSERT INTO events (sender_id, type_name, timestamp, data) VALUES (?, 'user', ?, '{}')", (sender, late)
        )
    for sender in found:
        db.execute(DELETE_EXPIRED, {"sender_id": sender, "cutoff": cut})
    if found:
        assert (set(found) <= remaining(db)) is (late >= cut)


def test_zero_days_keeps_everything() -> None:
    assert cutoff(NOW, 0) is None
    assert not is_expired(0.0, None)
    assert cutoff(NOW, 30) == NOW - 30 * SECONDS_PER_DAY


def test_the_privacy_note_says_the_retention_in_words() -> None:
    assert retention_text(30) == "for 30 days after your last message, then we delete them"
    assert retention_text(1) == "for 1 day after your last message, then we delete them"
    assert retention_text(0) == "until you delete them"
    assert Settings(retention_days=7).response_values()["retention_days"].startswith("for 7 days")
