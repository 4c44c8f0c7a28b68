"""The staff console's page timings with 10,000 conversations stored (part of ``make bench``).

Fills a fresh SQLite tracker store with conversations written as Rasa writes
them (every event kind, mixed outcomes), starts the website (``python -m
serving.web``) on ``BENCH_WEB_PORT`` (8190), signs in and times each page and
API call; writes reports/staff-bench.md and reports/staff-bench.json.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path

import requests
import sqlalchemy as sa

from common.paths import ROOT
from serving.staff import db
from serving.staff.accounts import Accounts

#: (intent, confidence, responses, section) of the kinds of turns stored.
KINDS = [
    ("ask_duration", 0.97, ["utter_answer"], "duration"),
    ("ask_preparation", 0.93, ["utter_answer_with_more"], "preparation"),
    ("ask_risks", 0.55, ["utter_answer"], "risks_and_complications"),
    ("out_of_scope", 0.88, ["utter_out_of_scope"], None),
    ("nlu_fallback", 0.31, ["utter_did_you_mean"], None),
    ("ask_cost", 0.95, ["utter_handoff_cost"], None),
    ("emergency", 0.99, ["utter_emergency"], None),
    ("greet", 0.99, ["utter_greet"], None),
]
PAGES = {
    "list": "/staff/",
    "filter_declined": "/staff/?outcome=declined",
    "filter_review": "/staff/?outcome=review",
    "filter_emergency_today": "/staff/?outcome=emergency&day=today",
    "api_turns_declined": "/staff/api/turns?outcome=declined&limit=100",
}


def fill(url: str, conversations: int, seed: int = 7) -> list[str]:
    """Write the conversations (about 3 turns each); return their senders."""
    rng = random.Random(seed)  # noqa: S311 (made-up data, not secrets)
    meta = sa.MetaData()
    events = sa.Table(
        "events",
        meta,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("sender_id", sa.String(255), nullable=False, index=True),
        sa.Column("type_name", sa.String(255), nullable=False),
        sa.Column("timestamp", sa.Float),
        sa.Column("intent_name", sa.String(255)),
        sa.Column("action_name", sa.String(255)),
        sa.Column("data", sa.Text),
    )
    engine = db.engine_for(url)
    meta.create_all(engine)
    now = time.time()
    rows: list[dict[str, object]] = []
    senders = [f"bench-{number:05d}" for number in range(conversations)]
    for number, sender in enumerate(senders):
        start = now - rng.uniform(0, 7 * 86400)
        rows.append(_row(sender, "action", start, {"event": "action", "name": "action_session_start"}))
        rows.append(_row(sender, "session_started", start, {"event": "session_started"}))
        for turn in range(rng.randint(1, 5)):
            when = start + 30 * turn
            intent, confidence, responses, section = rng.choice(KINDS)
            channel = rng.choice(["rest", "socketio", "twilio"])
            parse = {"intent": {"name": intent, "confidence": confidence}, "entities": []}
            user = {
                "event": "user",
                "text": f"question {turn} of {number}",
                "parse_data": parse,
                "input_channel": channel,
            }
            rows.append(_row(sender, "user", when, user, intent=intent))
            rows.append(_row(sender, "slot", when, {"event": "slot", "name": "answer_section", "value": None}))
            rows.append(_row(sender, "slot", when, {"event": "slot", "name": "procedure", "value": "45378"}))
            for response in responses:
                rows.append(_row(sender, "action", when, {"event": "action", "name": "action_answer"}))
                bot = {"event": "bot", "text": "a reply", "metadata": {"utter_action": response}}
                rows.append(_row(sender, "bot", when, bot))
            if section:
                rows.append(_row(sender, "slot", when, {"event": "slot", "name": "answer_section", "value": section}))
            rows.append(_row(sender, "action", when, {"event": "action", "name": "action_listen"}))
    with engine.begin() as conn:
        conn.execute(events.insert(), rows)
    return senders


def _row(
    sender: str, kind: str, when: float, data: Mapping[str, object], intent: str | None = None
) -> dict[str, object]:
    return {
        "sender_id": sender,
        "type_name": kind,
        "timestamp": when,
        "intent_name": intent,
        "action_name": data.get("name") if kind == "action" else None,
        "data": json.dumps({**data, "timestamp": when}),
    }


def percentile(values: list[float], fraction: float) -> float:
    """The value below which ``fraction`` of the values lie."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main(argv: list[str] | None = None) -> int:
    """Fill, serve, time, report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--out", type=Path, default=ROOT / "reports")
    args = parser.parse_args(argv)
    port = int(os.environ.get("BENCH_WEB_PORT", "8190"))
    folder = Path(tempfile.mkdtemp(prefix="staff-bench-"))
    tracker = f"sqlite:///{folder / 'tracker.db'}"
    started = time.monotonic()
    fill(tracker, args.conversations)
    print(f"{args.conversations} conversations written in {time.monotonic() - started:.1f} s", flush=True)
    Accounts(db.connect(f"sqlite:///{folder / 'staff.sqlite'}")).set_password("bench", "bench-password-0123")
    env = {
        **os.environ,
        "WEB_PORT": str(port),
        "TRACKER_DB": str(folder / "tracker.db"),
        "TRACKER_DB_URL": "",
        "STAFF_DB": str(folder / "staff.sqlite"),
        "LOG_HASH_KEY": "bench-log-hash-key",
        "PYTHONPATH": str(ROOT),
    }
    web = subprocess.Popen(
        [sys.executable, "-m", "serving.web"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        base = f"http://127.0.0.1:{port}"
        session = requests.Session()
        for _ in range(200):
            try:
                if session.post(
                    f"{base}/staff/api/login", json={"username": "bench", "password": "bench-password-0123"}, timeout=5
                ).ok:
                    break
            except requests.ConnectionError:
                time.sleep(0.1)
        first = time.perf_counter()
        session.get(base + PAGES["list"], timeout=120).raise_for_status()
        cold = time.perf_counter() - first
        results: dict[str, dict[str, float]] = {"first_list_cold_index_ms": {"ms": round(cold * 1000, 1)}}
        some = session.get(f"{base}/staff/api/turns?limit=1", timeout=60).json()["turns"][0]["conversation"]
        pages = {**PAGES, "conversation": f"/staff/conversations/{some}"}
        for label, path in pages.items():
            times = []
            for _ in range(args.requests):
                t0 = time.perf_counter()
                session.get(base + path, timeout=60).raise_for_status()
                times.append((time.perf_counter() - t0) * 1000)
            results[label] = {"p50_ms": round(statistics.median(times), 1), "p95_ms": round(percentile(times, 0.95), 1)}
            print(
                f"{label:26s} p50 {results[label]['p50_ms']:7.1f} ms  p95 {results[label]['p95_ms']:7.1f} ms",
                flush=True,
            )
    finally:
        web.terminate()
        web.wait(10)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "staff-bench.json").write_text(json.dumps({"conversations": args.conversations, **results}, indent=2))
    lines = [
        f"# Staff console at {args.conversations:,} conversations",
        "",
        f"First page after start (index built from the events table): {results['first_list_cold_index_ms']['ms']} ms.",
        "",
        "| page | p50 ms | p95 ms |",
        "|---|---|---|",
        *(f"| `{pages[k]}` | {v['p50_ms']} | {v['p95_ms']} |" for k, v in results.items() if k in pages),
        "",
    ]
    (args.out / "staff-bench.md").write_text("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
