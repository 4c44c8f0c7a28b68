"""The retention purge under load: 100,000 expired conversations among 10,000 live ones (``make bench-purge``).

A fresh SQLite tracker store is filled directly (Rasa's ``events`` table, six
events per expired conversation, ids interleaved with the live ones', so the
purge walks past live conversations as it would in a clinic's database). The
bot starts as ``make run`` does, on ports of its own (5305 / 5355, or
``BENCH_PURGE_RASA_PORT`` / ``BENCH_PURGE_ACTION_PORT``), with
``RETENTION_DAYS=30``: its background purge begins as soon as the server is
ready, while ten simulated patients hold clinic conversations. Reported: the
purge's own time and counts (from the Rasa server's log line: counts only),
the live turns' p50/p95 while it ran and, on the same servers, right after it,
and whether every live conversation and nothing expired is left. ``make bench``
runs it too and adds it to reports/bench.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import sqlite3
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from common.retention import SECONDS_PER_DAY
from common.settings import load_settings
from serving.processes import ROOT, BotServers
from tools.loadgen import CLINIC_CONVERSATIONS, LevelResult, run_level

EXPIRED = 100_000
LIVE = 10_000
EVENTS_PER_EXPIRED = 6
EVENTS_PER_LIVE = 4
CONCURRENCY = 10
CHUNK_SECONDS = 3.0
LOGS = ROOT / "build" / "bench-logs" / "purge"
SCHEMA = (
    "CREATE TABLE events (id INTEGER NOT NULL, sender_id VARCHAR(255) NOT NULL, type_name VARCHAR(255) NOT NULL, "
    "timestamp FLOAT, intent_name VARCHAR(255), action_name VARCHAR(255), data TEXT, PRIMARY KEY (id));"
    "CREATE INDEX ix_events_sender_id ON events (sender_id);"
)
INSERT = (
    "INSERT INTO events (sender_id, type_name, timestamp, intent_name, action_name, data) VALUES (?, ?, ?, ?, ?, ?)"
)
PURGED = re.compile(r"retention: purged (\d+) conversation\(s\), (\d+) event\(s\), in (\d+) batch\(es\) and ([\d.]+) s")


def fill(path: Path, expired: int, live: int, now: float) -> None:
    """Write the synthetic conversations; ids are shuffled so expired and live ones interleave."""
    numbers = list(range(expired + live))
    random.Random(14).shuffle(numbers)  # noqa: S311 (a repeatable benchmark, not a secret)
    db = sqlite3.connect(path)
    db.executescript(SCHEMA)

    def rows(sender: str, at: float, count: int) -> list[tuple[Any, ...]]:
        out = []
        for i in range(count):
            event = {"event": "user", "timestamp": at + i, "text": f"synthetic message {i}", "parse_data": {}}
            out.append((sender, "user", at + i, None, None, json.dumps(event)))
        return out

    batch: list[tuple[Any, ...]] = []
    for index, number in enumerate(numbers):
        sender = f"bench-{number:06d}"
        if index < expired:
            batch += rows(sender, now - (31 + index % 300) * SECONDS_PER_DAY, EVENTS_PER_EXPIRED)
        else:
            batch += rows(sender, now - (index % 29) * SECONDS_PER_DAY, EVENTS_PER_LIVE)
        if len(batch) >= 50_000:
            db.executemany(INSERT, batch)
            batch = []
    if batch:
        db.executemany(INSERT, batch)
    db.commit()
    db.close()


def conversations_left(path: Path) -> int:
    with sqlite3.connect(path) as db:
        return int(
            db.execute("SELECT COUNT(DISTINCT sender_id) FROM events WHERE sender_id LIKE 'bench-%'").fetchone()[0]
        )


def purge_line(log: Path, offset: int) -> dict[str, float] | None:
    """The purge's counts from the Rasa server's log, written after ``offset``, if it has finished."""
    if not log.exists():
        return None
    with log.open("rb") as handle:
        handle.seek(offset)
        text = handle.read().decode("utf-8", errors="replace")
    found = PURGED.search(text)
    if found is None:
        return None
    conversations, events, batches, seconds = found.groups()
    return {
        "conversations": int(conversations),
        "events": int(events),
        "batches": int(batches),
        "seconds": float(seconds),
    }


async def drive_until(base_url: str, done: Callable[[], bool], limit: float, prefix: str) -> LevelResult:
    """Ten patients, in chunks of a few seconds, until ``done()`` or ``limit`` seconds."""
    merged = LevelResult(CONCURRENCY, 0.0)
    started = time.perf_counter()
    chunk = 0
    while not done() and time.perf_counter() - started < limit:
        level = await run_level(base_url, CLINIC_CONVERSATIONS, CONCURRENCY, 10**6, CHUNK_SECONDS, f"{prefix}-{chunk}")
        merged.samples.extend(level.samples)
        chunk += 1
    merged.seconds = time.perf_counter() - started
    return merged


def run(
    rasa_venv: Path,
    actions_venv: Path,
    work: Path,
    log: Callable[[str], None],
    expired: int = EXPIRED,
    live: int = LIVE,
) -> dict[str, Any]:
    """Fill, start, purge under load; return the figures."""
    tracker = work / "purge-tracker.db"
    now = time.time()
    log(f"purge: writing {expired:,} expired and {live:,} live conversations")
    filled = time.perf_counter()
    fill(tracker, expired, live, now)
    fill_seconds = time.perf_counter() - filled
    rasa_port = int(os.environ.get("BENCH_PURGE_RASA_PORT", "5305"))
    action_port = int(os.environ.get("BENCH_PURGE_ACTION_PORT", "5355"))
    config = replace(
        load_settings(),
        rasa_port=rasa_port,
        action_port=action_port,
        action_server_url=f"http://127.0.0.1:{action_port}/webhook",
        tracker_db=tracker,
        tracker_db_url="",
        lock_store_url="",
        sms_db=work / "purge-sms.sqlite",
        retention_days=30.0,
        purge_interval_seconds=3600.0,
        rate_limit_messages=0,
    )
    LOGS.mkdir(parents=True, exist_ok=True)
    rasa_log = LOGS / "rasa.log"
    offset = rasa_log.stat().st_size if rasa_log.exists() else 0
    servers = BotServers(rasa_venv, actions_venv, config, log_dir=LOGS, web=False)
    result: dict[str, Any] = {"expired": expired, "live": live, "fill_seconds": round(fill_seconds, 1)}
    try:
        servers.start()  # the background purge starts with the server
        base_url = f"http://127.0.0.1:{config.rasa_port}"
        run_id = f"purge-{time.time_ns():x}"
        log("purge: ten patients while the purge runs")
        during = asyncio.run(
            drive_until(base_url, lambda: purge_line(rasa_log, offset) is not None, 900.0, f"{run_id}-during")
        )
        purged = purge_line(rasa_log, offset)
        log("purge: ten patients after it")
        after = asyncio.run(run_level(base_url, CLINIC_CONVERSATIONS, CONCURRENCY, 800, 60.0, f"{run_id}-after"))
    finally:
        servers.stop()
    result["purge"] = purged
    result["during"] = during.summary()
    result["after"] = after.summary()
    result["bench_conversations_left"] = conversations_left(tracker)
    result["exactly_the_expired_removed"] = bool(
        purged and purged["conversations"] == expired and result["bench_conversations_left"] == live
    )
    return result


def markdown(result: dict[str, Any]) -> list[str]:
    """The report's section."""
    purged = result.get("purge") or {}
    during, after = result["during"]["all"], result["after"]["all"]
    removed = f"{purged.get('conversations')} / {purged.get('events')} in {purged.get('batches')} batches"
    while_running = (
        f"{during.get('p50_ms')} / {during.get('p95_ms')} ms "
        f"({during.get('n')} turns, {result['during']['errors']} errors)"
    )
    afterwards = f"{after.get('p50_ms')} / {after.get('p95_ms')} ms ({after.get('n')} turns)"
    return [
        "## Retention purge under load",
        "",
        f"{result['expired']:,} expired conversations ({EVENTS_PER_EXPIRED} events each) among "
        f"{result['live']:,} live ones in SQLite; the Rasa server's background purge (batches of 50, each "
        f"conversation under its lock) while {CONCURRENCY} patients talk.",
        "",
        "| figure | value |",
        "|---|---|",
        f"| purge time | {purged.get('seconds', 'not finished')} s |",
        f"| conversations / events removed | {removed} |",
        f"| exactly the expired removed, every live one kept | {result['exactly_the_expired_removed']} |",
        f"| live turns during the purge: p50 / p95 | {while_running} |",
        f"| live turns after it: p50 / p95 | {afterwards} |",
        "",
    ]


def main(argv: list[str] | None = None) -> int:
    """``make bench-purge``: reports/bench-purge.json and .md."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rasa-venv", type=Path, required=True)
    parser.add_argument("--actions-venv", type=Path, required=True)
    parser.add_argument("--expired", type=int, default=EXPIRED)
    parser.add_argument("--live", type=int, default=LIVE)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="clinic-bench-purge-") as work:
        result = run(
            args.rasa_venv, args.actions_venv, Path(work), lambda m: print(m, flush=True), args.expired, args.live
        )
    reports = ROOT / "reports"
    reports.mkdir(exist_ok=True)
    (reports / "bench-purge.json").write_text(json.dumps(result, indent=1), encoding="utf-8")
    (reports / "bench-purge.md").write_text("\n".join(["# Purge benchmark", "", *markdown(result)]), encoding="utf-8")
    print("\n".join(markdown(result)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
