"""Forget me with two Rasa servers on one PostgreSQL and Redis: a message to the other one waits for the deletion."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from dataclasses import replace

import pytest

from common.settings import Settings
from serving.processes import BotServers
from tests.privacy.conftest import LOG_DIR, Database
from tests.support.databases import Postgres
from tests.support.fakes import DelayProxy
from tests.support.rest import Conversation
from tests.support.servers import venv

pytestmark = [pytest.mark.servers, pytest.mark.slow]

PRIVATE = "i take warfarin for my heart"


@pytest.fixture(scope="module")
def database(postgres: Postgres) -> Database:
    """This module runs on PostgreSQL only (several servers need a shared database)."""
    return Database("postgresql", postgres=postgres)


@pytest.fixture(scope="module")
def second_server(servers: BotServers, bot_settings: Settings) -> Iterator[Settings]:
    """Another Rasa server on the same PostgreSQL, Redis and action server (another machine)."""
    config = replace(bot_settings, rasa_port=int(os.environ.get("TEST_PRIVACY_RASA_B_PORT", "5111")))
    bot = BotServers(venv("RASA_VENV"), venv("ACT_VENV"), config, log_dir=LOG_DIR / "b", web=False, actions=False)
    try:
        bot.start()
        yield config
    finally:
        bot.stop()


def test_a_message_to_another_server_during_the_deletion_brings_nothing_back(
    bot_settings: Settings, second_server: Settings, proxy: DelayProxy, database: Database
) -> None:
    patient = Conversation(bot_settings)
    assert patient.text("how long does a colonoscopy take?")
    assert patient.text(PRIVATE, port=second_server.rasa_port)
    patient.talk("forget me")
    replies: dict[str, str] = {}

    def confirm() -> None:
        replies["affirm"] = patient.text("yes")

    proxy.delay = 1.5  # the deletion's turn holds the Redis lock for 1.5 s at least
    try:
        thread = threading.Thread(target=confirm)
        thread.start()
        time.sleep(0.5)
        replies["other"] = patient.text("does it hurt?", port=second_server.rasa_port)
        thread.join(timeout=60)
    finally:
        proxy.delay = 0.0
    assert "deleted" in replies["affirm"].lower()
    users = [e.get("text") for e in patient.tracker(port=second_server.rasa_port)["events"] if e["event"] == "user"]
    assert users == ["does it hurt?"]
    assert not any(PRIVATE in text for text in database.texts(patient.sender))
