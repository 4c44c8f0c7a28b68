"""Start the real action server and Rasa server once for the conversation tests.

A pytest plugin (registered by tests/conftest.py), so its fixtures serve every
suite; a suite with servers of its own overrides ``bot_settings`` (and, for its
own instance, ``servers``) in its conftest.py.

The servers listen on their own ports (5105 / 5155 / 8180 unless TEST_*_PORT
say otherwise), so that a bot started with `make run` does not get in the way.
Server logs go to build/test-logs/. The tests that use these fixtures are
marked ``servers`` (tests/support/markers.py).
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from common.settings import Settings, load_settings
from serving.processes import BotServers
from tests.support.rest import Conversation

ROOT = Path(__file__).resolve().parent.parent.parent
LOG_DIR = ROOT / "build" / "test-logs"


def venv(name: str) -> Path:
    value = os.environ.get(name)
    if not value:
        pytest.fail(f"{name} is not set: run the conversation tests with `make test`")
    return Path(value)


def serving_command(model: Path) -> list[str]:
    """What `make run` runs: ``python -m serving`` with the test run's two venvs and a model."""
    return [
        sys.executable,
        "-m",
        "serving",
        "--rasa-venv",
        str(venv("RASA_VENV")),
        "--actions-venv",
        str(venv("ACT_VENV")),
        "--model",
        str(model),
    ]


def copy_knowledge(folder: Path) -> Path:
    """Copy the pages (and their index, when built) into ``folder``; return it."""
    shutil.copytree(ROOT / "knowledge" / "pages", folder / "pages")
    if (ROOT / "build" / "index").exists():
        shutil.copytree(ROOT / "build" / "index", folder / "index")
    return folder


@pytest.fixture(scope="session")
def knowledge_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the pages (and their index) that tests may edit while the bot runs."""
    return copy_knowledge(tmp_path_factory.mktemp("knowledge"))


@pytest.fixture(scope="session")
def bot_settings(knowledge_copy: Path) -> Settings:
    base = load_settings()
    action_port = int(os.environ.get("TEST_ACTION_PORT", "5155"))
    return replace(
        base,
        knowledge_dir=knowledge_copy / "pages",
        index_dir=knowledge_copy / "index",
        knowledge_reload_seconds=1.0,
        rasa_port=int(os.environ.get("TEST_RASA_PORT", "5105")),
        action_port=action_port,
        web_port=int(os.environ.get("TEST_WEB_PORT", "8180")),
        action_server_url=f"http://127.0.0.1:{action_port}/webhook",
        bot_api_token="test-token",
        # Take every hint: other work on the machine must not change which path a test sees.
        hint_spare_cores=0.0,
        # The test's own conversations, never the checkout's var/ (evaluation questions stay out of it).
        tracker_db=knowledge_copy / "tracker.db",
        tracker_db_url="",
        sms_db=knowledge_copy / "sms.sqlite",
        staff_db=knowledge_copy / "staff.sqlite",
    )


@pytest.fixture(scope="session")
def servers(bot_settings: Settings) -> Iterator[BotServers]:
    bot = BotServers(venv("RASA_VENV"), venv("ACT_VENV"), bot_settings, log_dir=LOG_DIR, web=True)
    try:
        bot.start()
        yield bot
    finally:
        bot.stop()


@pytest.fixture()
def patient(servers: BotServers, bot_settings: Settings) -> Conversation:
    """A new patient's conversation with the servers."""
    return Conversation(bot_settings)
