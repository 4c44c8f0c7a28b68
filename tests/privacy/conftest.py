"""Patients' data against the real servers: on SQLite, then on PostgreSQL with Redis locks.

The servers (action, Rasa, website) start once per database for this folder's
module, on their own ports (5110 / 5160 / 8183 unless TEST_PRIVACY_*_PORT say
otherwise), with the fake Twilio API, a fresh SMS database, a delaying proxy
between the Rasa server and the action server (to hold a deletion open while
another message arrives) and a background purge every two seconds.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from common.settings import Settings, load_settings
from serving.processes import BotServers
from tests.channels.conftest import ACCOUNT_SID, AUTH_TOKEN, BOT_NUMBER, SmsPatient
from tests.support.databases import Postgres
from tests.support.fakes import DelayProxy, FakeTwilio
from tests.support.servers import ROOT, copy_knowledge, venv

LOG_DIR = ROOT / "build" / "test-logs" / "privacy"


@dataclass
class Database:
    """The tracker store's database as the test sees it: rows of the ``events`` table."""

    kind: str
    sqlite_path: Path | None = None
    postgres: Postgres | None = None

    def rows(self, sql: str) -> list[tuple[str, ...]]:
        """Rows of a query (values as text)."""
        if self.sqlite_path is not None:
            with sqlite3.connect(self.sqlite_path, timeout=30) as db:
                return [tuple(str(v) for v in row) for row in db.execute(sql)]
        assert self.postgres is not None
        out = self.postgres.query(sql)
        return [tuple(line.split("|")) for line in out.splitlines() if line]

    def execute(self, sql: str) -> None:
        """Run a statement (in its own transaction)."""
        if self.sqlite_path is not None:
            db = sqlite3.connect(self.sqlite_path, timeout=30)
            try:
                with db:
                    db.executescript(sql)
            finally:
                db.close()
            return
        assert self.postgres is not None
        self.postgres.query(sql)

    def texts(self, sender: str) -> list[str]:
        """The texts of every message stored for ``sender`` (patient's and bot's)."""
        sql = f"SELECT data FROM events WHERE sender_id = '{sender}' AND type_name IN ('user', 'bot') ORDER BY id"
        if self.postgres is not None:
            # One column: each output line is one whole JSON value (it may hold "|", psql's separator).
            lines = [line for line in self.postgres.query(sql).splitlines() if line]
        else:
            lines = [row[0] for row in self.rows(sql)]
        return [str(json.loads(line).get("text") or "") for line in lines]

    def count(self, sender: str) -> int:
        return int(self.rows(f"SELECT COUNT(*) FROM events WHERE sender_id = '{sender}'")[0][0])


@pytest.fixture(scope="session")
def fake_twilio() -> Iterator[FakeTwilio]:
    fake = FakeTwilio(ACCOUNT_SID, AUTH_TOKEN)
    fake.start()
    try:
        yield fake
    finally:
        fake.stop()


@pytest.fixture(scope="session")
def knowledge(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_knowledge(tmp_path_factory.mktemp("privacy-knowledge"))


@pytest.fixture(scope="module")
def proxy() -> Iterator[DelayProxy]:
    port = int(os.environ.get("TEST_PRIVACY_ACTION_PORT", "5160"))
    delay_proxy = DelayProxy(f"http://127.0.0.1:{port}/webhook")
    try:
        yield delay_proxy
    finally:
        delay_proxy.close()


@pytest.fixture(
    scope="module",
    params=["sqlite", pytest.param("postgresql", marks=[pytest.mark.databases, pytest.mark.slow])],
)
def database(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Database:
    if request.param == "sqlite":
        return Database("sqlite", sqlite_path=tmp_path_factory.mktemp("tracker") / "tracker.db")
    return Database("postgresql", postgres=request.getfixturevalue("postgres"))


@pytest.fixture(scope="module")
def bot_settings(
    request: pytest.FixtureRequest,
    database: Database,
    knowledge: Path,
    proxy: DelayProxy,
    fake_twilio: FakeTwilio,
    tmp_path_factory: pytest.TempPathFactory,
) -> Settings:
    rasa_port = int(os.environ.get("TEST_PRIVACY_RASA_PORT", "5110"))
    action_port = int(os.environ.get("TEST_PRIVACY_ACTION_PORT", "5160"))
    web_port = int(os.environ.get("TEST_PRIVACY_WEB_PORT", "8183"))
    stores: dict[str, Any] = {"tracker_db_url": "", "lock_store_url": ""}
    if database.sqlite_path is not None:
        stores["tracker_db"] = database.sqlite_path
    else:
        assert database.postgres is not None
        stores = {"tracker_db_url": database.postgres.url, "lock_store_url": request.getfixturevalue("redis_url")}
    return replace(
        load_settings(),
        rasa_port=rasa_port,
        action_port=action_port,
        web_port=web_port,
        action_server_url=proxy.url,
        knowledge_dir=knowledge / "pages",
        index_dir=knowledge / "index",
        bot_api_token="privacy-test-token",
        log_hash_key="privacy-log-hash-key",
        allowed_origins=(f"http://localhost:{web_port}", f"http://127.0.0.1:{web_port}"),
        public_bot_url=f"http://127.0.0.1:{rasa_port}",
        twilio_account_sid=ACCOUNT_SID,
        twilio_auth_token=AUTH_TOKEN,
        twilio_number=BOT_NUMBER,
        twilio_api_base_url=fake_twilio.url,
        twilio_webhook_url="",
        twilio_keyword_replies=True,
        sms_db=tmp_path_factory.mktemp("sms") / "sms.sqlite",
        rate_limit_messages=0,
        retention_days=30.0,
        purge_interval_seconds=2.0,
        purge_batch_size=7,
        **stores,
    )


@pytest.fixture(scope="module")
def servers(bot_settings: Settings) -> Iterator[BotServers]:
    bot = BotServers(venv("RASA_VENV"), venv("ACT_VENV"), bot_settings, log_dir=LOG_DIR, web=True)
    try:
        bot.start()
        yield bot
    finally:
        bot.stop()


@pytest.fixture()
def sms_patient(servers: BotServers, bot_settings: Settings, fake_twilio: FakeTwilio) -> SmsPatient:
    return SmsPatient(bot_settings, fake_twilio)
