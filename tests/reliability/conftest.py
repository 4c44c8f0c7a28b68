"""Servers and helpers of the reliability tests.

One action server and one Rasa server start once for this folder (package
scope, ports 5107 / 5157 unless TEST_RELIABILITY_*_PORT say otherwise), with an
SQLite tracker store in a temporary folder, the default 30-second action timeout, and
a delaying proxy between them (tests/support/fakes.py's :class:`DelayProxy`) so
that a test can make the action server slow. Logs go to build/test-logs/reliability/.

PostgreSQL and Redis are started by the tests that need them, with the fixtures
of tests/support/databases.py.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from common.settings import Settings, load_settings
from serving.processes import BotServers
from tests.support.fakes import DelayProxy
from tests.support.servers import copy_knowledge, venv

ROOT = Path(__file__).resolve().parent.parent.parent
LOG_DIR = ROOT / "build" / "test-logs" / "reliability"
TOKEN = "reliability-test-token"
HASH_KEY = "reliability-log-hash-key"


def reliability_settings(knowledge: Path, **changes: Any) -> Settings:
    """Test settings: the test token and hash key, a copy of the knowledge base."""
    base = replace(
        load_settings(),
        bot_api_token=TOKEN,
        log_hash_key=HASH_KEY,
        knowledge_dir=knowledge / "pages",
        index_dir=knowledge / "index",
        action_timeout=float(os.environ.get("TEST_RELIABILITY_ACTION_TIMEOUT", "30")),
        rate_limit_messages=20,
        rate_limit_window=60.0,
    )
    return replace(base, **changes)


@pytest.fixture(scope="package")
def knowledge(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_knowledge(tmp_path_factory.mktemp("reliability-knowledge"))


@pytest.fixture(scope="package")
def action_port() -> int:
    return int(os.environ.get("TEST_RELIABILITY_ACTION_PORT", "5157"))


@pytest.fixture(scope="package")
def proxy(action_port: int) -> Iterator[DelayProxy]:
    delay_proxy = DelayProxy(f"http://127.0.0.1:{action_port}/webhook")
    try:
        yield delay_proxy
    finally:
        delay_proxy.close()


@pytest.fixture(scope="package")
def bot_settings(
    knowledge: Path, action_port: int, proxy: DelayProxy, tmp_path_factory: pytest.TempPathFactory
) -> Settings:
    return reliability_settings(
        knowledge,
        rasa_port=int(os.environ.get("TEST_RELIABILITY_RASA_PORT", "5107")),
        action_port=action_port,
        action_server_url=proxy.url,
        tracker_db=tmp_path_factory.mktemp("tracker") / "tracker.db",
        tracker_db_url="",
        lock_store_url="",
    )


@pytest.fixture(scope="package")
def servers(bot_settings: Settings) -> Iterator[BotServers]:
    """The action server and one Rasa server (SQLite tracker store) for this folder."""
    bot = BotServers(venv("RASA_VENV"), venv("ACT_VENV"), bot_settings, log_dir=LOG_DIR, web=False)
    try:
        bot.start()
        yield bot
    finally:
        bot.stop()
