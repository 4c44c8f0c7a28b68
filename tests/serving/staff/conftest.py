"""A real website (uvicorn on loopback, in a thread) over a tracker store filled as Rasa fills it.

The console runs on SQLite, and on PostgreSQL for the tests that ask for ``pg_console``.
Its port is TEST_STAFF_WEB_PORT (6470 unless set).
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
import requests
import sqlalchemy as sa
import uvicorn

from common.settings import Settings, load_settings
from serving.staff.db import engine_for
from serving.web import create_app

PORT = int(os.environ.get("TEST_STAFF_WEB_PORT", "6470"))
PASSWORD = "a-long-test-password"

_meta = sa.MetaData()
#: Rasa 3.6's ``events`` table (rasa.core.tracker_store.SQLTrackerStore.SQLEvent).
EVENTS = sa.Table(
    "events",
    _meta,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("sender_id", sa.String(255), nullable=False, index=True),
    sa.Column("type_name", sa.String(255), nullable=False),
    sa.Column("timestamp", sa.Float),
    sa.Column("intent_name", sa.String(255)),
    sa.Column("action_name", sa.String(255)),
    sa.Column("data", sa.Text),
)


class Tracker:
    """Writes turns into the events table as Rasa's SQL tracker store does."""

    def __init__(self, url: str) -> None:
        self.engine = engine_for(url)
        _meta.create_all(self.engine)

    def turn(
        self,
        sender: str,
        text: str,
        intent: str,
        confidence: float,
        responses: list[str],
        section: str | None = None,
        procedure: str | None = None,
        channel: str = "rest",
        parse_extra: dict[str, Any] | None = None,
        sections: list[str] | None = None,
        reading: dict[str, Any] | None = None,
    ) -> None:
        now = time.time()
        parse = {"intent": {"name": intent, "confidence": confidence}, "entities": [], **(parse_extra or {})}
        rows: list[dict[str, Any]] = [
            {"event": "user", "timestamp": now, "text": text, "parse_data": parse, "input_channel": channel},
            {"event": "slot", "timestamp": now, "name": "answer_section", "value": None},
        ]
        if procedure:
            rows.append({"event": "slot", "timestamp": now, "name": "procedure", "value": procedure})
        for response in responses:
            rows.append({"event": "action", "timestamp": now, "name": "action_answer"})
            rows.append(
                {"event": "bot", "timestamp": now, "text": f"reply {response}", "metadata": {"utter_action": response}}
            )
        if section:
            rows.append({"event": "slot", "timestamp": now, "name": "answer_section", "value": section})
        if sections is not None:
            rows.append({"event": "slot", "timestamp": now, "name": "answer_sections", "value": sections})
        if reading is not None:
            rows.append({"event": "slot", "timestamp": now, "name": "reading", "value": reading})
        with self.engine.begin() as conn:
            for row in rows:
                conn.execute(
                    EVENTS.insert().values(
                        sender_id=sender,
                        type_name=row["event"],
                        timestamp=row["timestamp"],
                        intent_name=intent if row["event"] == "user" else None,
                        action_name=row.get("name") if row["event"] == "action" else None,
                        data=json.dumps(row),
                    )
                )


@dataclass
class Console:
    """A running website with a staff account, and its tracker store."""

    url: str
    config: Settings
    tracker: Tracker
    app: Any

    def session(self) -> tuple[requests.Session, str]:
        """A signed-in session and its CSRF token."""
        session = requests.Session()
        response = session.post(f"{self.url}/staff/api/login", json={"username": "alice", "password": PASSWORD})
        assert response.status_code == 200, response.text
        return session, response.json()["csrf_token"]


def _serve(config: Settings) -> Iterator[Console]:
    app = create_app(config)
    app.state.console.accounts.set_password("alice", PASSWORD)
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=config.web_port, log_level="warning", access_log=False)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the website did not start"
        time.sleep(0.05)
    try:
        yield Console(f"http://127.0.0.1:{config.web_port}", config, Tracker(config.tracker_store_url), app)
    finally:
        server.should_exit = True
        thread.join(10)


def console_settings(folder: Path, tracker_url: str = "") -> Settings:
    return replace(
        load_settings({}),
        web_port=PORT,
        staff_db=folder / "staff.sqlite",
        tracker_db=folder / "tracker.db",
        tracker_db_url=tracker_url,
        log_hash_key="test-log-hash-key",
        staff_lockout_seconds=60.0,
    )


@pytest.fixture()
def console(tmp_path: Path) -> Iterator[Console]:
    """The console on SQLite files."""
    yield from _serve(console_settings(tmp_path))


@pytest.fixture()
def pg_console(tmp_path: Path, postgres: Any) -> Iterator[Console]:
    """The console with its tables and the tracker store in PostgreSQL."""
    with engine_for(postgres.url).begin() as conn:
        conn.execute(sa.text("DROP TABLE IF EXISTS events, staff_users, staff_audit, staff_reviews"))
    yield from _serve(console_settings(tmp_path, postgres.url))
