"""Several Rasa servers sharing a PostgreSQL tracker store and a Redis lock store.

Two Rasa servers (ports 5108 / 5109 unless TEST_RELIABILITY_RASA_*_PORT say
otherwise) stand for two machines behind a load balancer; both use this
folder's action server through their own delaying proxy. PostgreSQL and Redis
are started on loopback by the fixtures of tests/support/databases.py.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from common.settings import Settings
from serving.processes import BotServers
from tests.reliability.conftest import LOG_DIR, reliability_settings
from tests.support.databases import Postgres
from tests.support.fakes import DelayProxy
from tests.support.rest import Conversation
from tests.support.servers import venv

QUESTION = "how long does a colonoscopy take?"

#: Two more Rasa servers, PostgreSQL and Redis start for this module.
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def shared_proxy(servers: BotServers, action_port: int) -> Iterator[DelayProxy]:
    proxy = DelayProxy(f"http://127.0.0.1:{action_port}/webhook")
    try:
        yield proxy
    finally:
        proxy.close()


@pytest.fixture(scope="module")
def machines(
    knowledge: Path, action_port: int, shared_proxy: DelayProxy, postgres: Postgres, redis_url: str
) -> Iterator[list[BotServers]]:
    """Two Rasa servers on PostgreSQL and Redis, started together."""
    ports = [
        int(os.environ.get("TEST_RELIABILITY_RASA_A_PORT", "5108")),
        int(os.environ.get("TEST_RELIABILITY_RASA_B_PORT", "5109")),
    ]
    bots = []
    for name, port in zip("ab", ports, strict=True):
        config = reliability_settings(
            knowledge,
            rasa_port=port,
            action_port=action_port,
            action_server_url=shared_proxy.url,
            tracker_db_url=postgres.url,
            lock_store_url=redis_url,
        )
        bots.append(
            BotServers(
                venv("RASA_VENV"),
                venv("ACT_VENV"),
                config,
                log_dir=LOG_DIR / f"machine-{name}",
                web=False,
                actions=False,
            )
        )
    try:
        for bot in bots:
            bot.launch()
        for bot in bots:
            bot.wait_ready()
        yield bots
    finally:
        for bot in bots:
            bot.stop()


def ports(machines: list[BotServers]) -> list[int]:
    return [bot.config.rasa_port for bot in machines]


def test_turns_alternating_between_servers_keep_context_and_order(
    machines: list[BotServers], postgres: Postgres
) -> None:
    a, b = ports(machines)
    chat = Conversation(machines[0].config)
    turns = [(a, QUESTION), (b, "does it hurt?"), (a, "how do I get ready?"), (b, "and for an MRI of the brain?")]
    for port, text in turns[:3]:
        reply = chat.text(text, port=port)
        assert "olonoscopy" in reply, (port, text, reply)
        assert chat.tracker(port=a)["slots"]["procedure"] == "45378"
        assert chat.tracker(port=b)["slots"]["procedure"] == "45378"
    chat.text(turns[3][1], port=b)
    assert chat.tracker(port=a)["slots"]["procedure"] == "70551"
    assert chat.user_texts(port=a) == [text for _, text in turns]
    assert chat.user_texts(port=b) == [text for _, text in turns]
    # The conversation is in PostgreSQL, not in either server's memory.
    stored = postgres.query(f"select count(*) from events where sender_id = '{chat.sender}' and type_name = 'user'")
    assert stored == "4"


def test_shared_lock_orders_turns_that_arrive_at_both_servers(
    machines: list[BotServers], shared_proxy: DelayProxy
) -> None:
    """A second turn arriving at the other server while the first is still running waits for it.

    With in-memory locks the second server would answer from a tracker that
    does not have the first turn yet: "which procedure?" instead of an answer.
    """
    a, b = ports(machines)
    chat = Conversation(machines[0].config)
    first: list[str] = []
    shared_proxy.delay = 3.0
    try:
        thread = threading.Thread(target=lambda: first.append(chat.text(QUESTION, port=a)))
        thread.start()
        time.sleep(1.0)  # the first turn is now waiting for the (slow) action server
        second = chat.text("does it hurt?", port=b)
        thread.join(timeout=60)
    finally:
        shared_proxy.delay = 0.0
    assert first and "olonoscopy" in first[0]
    assert "olonoscopy" in second, second
    events = [e for e in chat.tracker(port=b)["events"] if e["event"] in {"user", "bot"}]
    kinds = [(e["event"], e.get("text")) for e in events]
    assert [k for k in kinds if k[0] == "user"] == [("user", QUESTION), ("user", "does it hurt?")]
    # Each question is followed by its own answer before the next question.
    assert [k[0] for k in kinds].index("bot") < [k[1] for k in kinds].index("does it hurt?")


def test_restart_keeps_the_conversation_on_postgresql(machines: list[BotServers], postgres: Postgres) -> None:
    a, _b = ports(machines)
    chat = Conversation(machines[0].config)
    assert "olonoscopy" in chat.text(QUESTION, port=a)
    machines[0].restart("rasa")
    assert chat.tracker(port=a)["slots"]["procedure"] == "45378"
    assert "olonoscopy" in chat.text("does it hurt?", port=a)
    assert chat.user_texts(port=a) == [QUESTION, "does it hurt?"]


def test_settings_name_the_shared_stores(machines: list[BotServers]) -> None:
    for bot in machines:
        config: Settings = bot.config
        assert config.tracker_store_url.startswith("postgresql://")
        assert config.lock_store_parts()["type"] == "redis"
