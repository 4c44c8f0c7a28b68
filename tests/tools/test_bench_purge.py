"""The purge benchmark's own parts: the synthetic database, the log line it reads, its report section."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from common.retention import SECONDS_PER_DAY, PurgeCounts
from tools.bench_purge import EVENTS_PER_EXPIRED, EVENTS_PER_LIVE, conversations_left, fill, markdown, purge_line


def test_the_synthetic_store_holds_interleaved_expired_and_live_conversations(tmp_path: Path) -> None:
    db = tmp_path / "tracker.db"
    now = time.time()
    fill(db, expired=30, live=5, now=now)
    assert conversations_left(db) == 35
    with sqlite3.connect(db) as connection:
        last = dict(connection.execute("SELECT sender_id, MAX(timestamp) FROM events GROUP BY sender_id").fetchall())
        rows = connection.execute("SELECT COUNT(*) FROM events").fetchone()[0]
    assert rows == 30 * EVENTS_PER_EXPIRED + 5 * EVENTS_PER_LIVE
    cut = now - 30 * SECONDS_PER_DAY
    assert sum(1 for t in last.values() if t < cut) == 30
    expired = sorted(s for s, t in last.items() if t < cut)
    assert expired != sorted(last)[:30]  # interleaved with the live ones, not all first


def test_the_purge_line_is_read_from_after_the_offset(tmp_path: Path) -> None:
    log = tmp_path / "rasa.log"
    counts = PurgeCounts(conversations=7, events=42, batches=2, seconds=1.25)
    log.write_text(f"old run: retention: {counts.line()}\n", encoding="utf-8")
    offset = log.stat().st_size
    assert purge_line(log, offset) is None
    with log.open("a", encoding="utf-8") as handle:
        handle.write(f"INFO bot.retention - retention: {counts.line()}\n")
    assert purge_line(log, offset) == {"conversations": 7, "events": 42, "batches": 2, "seconds": 1.2}


def test_the_report_section_gives_the_time_and_the_p95s() -> None:
    summary = {"all": {"p50_ms": 130.0, "p95_ms": 290.0, "n": 100}, "errors": 0}
    result = {
        "expired": 100_000,
        "live": 10_000,
        "purge": {"conversations": 100_000, "events": 600_000, "batches": 2000, "seconds": 245.5},
        "during": summary,
        "after": {"all": {"p50_ms": 120.0, "p95_ms": 240.0, "n": 800}, "errors": 0},
        "exactly_the_expired_removed": True,
    }
    text = "\n".join(markdown(result))
    assert "| purge time | 245.5 s |" in text
    assert "130.0 / 290.0 ms" in text and "120.0 / 240.0 ms" in text
