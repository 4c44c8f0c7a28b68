"""Faults: the action server slow or down, and broken files at start."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from dataclasses import replace
from pathlib import Path

import pytest

from common.settings import Settings
from serving.processes import BotServers, server_env
from tests.reliability.conftest import ROOT
from tests.support.fakes import DelayProxy
from tests.support.rest import Conversation
from tests.support.servers import serving_command

UNAVAILABLE = "I can't look that up right now — please call the clinic at {phone}."
QUESTION = "how long does a colonoscopy take?"


def unavailable(config: Settings) -> str:
    return UNAVAILABLE.format(phone=config.clinic_phone)


@pytest.mark.slow  # waits out the action timeout
def test_slow_action_server_gets_the_call_us_reply_within_the_timeout(
    servers: BotServers, bot_settings: Settings, proxy: DelayProxy
) -> None:
    chat = Conversation(bot_settings)
    proxy.delay = bot_settings.action_timeout + 5
    try:
        started = time.monotonic()
        reply = chat.text(QUESTION)
        elapsed = time.monotonic() - started
    finally:
        proxy.delay = 0.0
    assert unavailable(bot_settings) in reply
    assert elapsed < bot_settings.action_timeout + 3
    assert chat.tracker()["slots"]["answer_section"] is None
    # The action server is fast again: answers resume in the same conversation.
    reply = chat.text("does it hurt?")
    assert unavailable(bot_settings) not in reply and "olonoscopy" in reply


def test_action_server_down_then_back(servers: BotServers, bot_settings: Settings) -> None:
    chat = Conversation(bot_settings)
    assert "olonoscopy" in chat.text(QUESTION)
    servers.stop(only="actions")
    try:
        started = time.monotonic()
        reply = chat.text("does it hurt?")
        assert unavailable(bot_settings) in reply
        assert time.monotonic() - started < bot_settings.action_timeout + 3
        # Replies that need no action server still work.
        assert bot_settings.emergency_number in chat.text("I have crushing chest pain and can't breathe")
    finally:
        servers.restart("actions")
    reply = chat.text("how do I get ready for it?")
    assert unavailable(bot_settings) not in reply
    assert "olonoscopy" in reply
    assert chat.tracker()["slots"]["procedure"] == "45378"


# --- broken files: python -m serving refuses to start, naming the file ----------
# These tests run `python -m serving` themselves (it needs the Rasa runtime and the trained
# model) rather than through a server fixture, so they carry the ``servers`` mark by hand.


def serve(config: Settings, model: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {**server_env(config), **env}
    return subprocess.run(
        serving_command(model),
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture()
def quiet_settings(bot_settings: Settings) -> Settings:
    # Ports nobody uses: if serve.py wrongly started, it would not disturb the other tests.
    return replace(bot_settings, rasa_port=5199, action_port=5198, web_port=8199)


@pytest.mark.servers
def test_missing_model_stops_serve_naming_the_file(quiet_settings: Settings, tmp_path: Path) -> None:
    model = tmp_path / "no-such-model.tar.gz"
    result = serve(quiet_settings, model)
    assert result.returncode != 0
    assert str(model) in result.stderr and "missing" in result.stderr


@pytest.mark.servers
def test_corrupt_model_stops_serve_naming_the_file(quiet_settings: Settings, tmp_path: Path) -> None:
    model = tmp_path / "current.tar.gz"
    model.write_bytes((ROOT / "models" / "current.tar.gz").read_bytes()[:50_000])  # truncated
    result = serve(quiet_settings, model)
    assert result.returncode != 0
    assert str(model) in result.stderr and "unreadable" in result.stderr


@pytest.mark.servers
def test_broken_page_stops_serve_naming_file_and_line(quiet_settings: Settings, tmp_path: Path) -> None:
    pages = tmp_path / "pages"
    shutil.copytree(quiet_settings.knowledge_dir, pages)
    broken = next(iter(sorted(pages.glob("45378-*"))))
    broken.write_bytes(broken.read_bytes() + b"\nRecovery\n\xff\xfe not UTF-8\n")
    result = serve(quiet_settings, ROOT / "models" / "current.tar.gz", KNOWLEDGE_DIR=str(pages))
    assert result.returncode != 0
    assert f"{broken}:" in result.stderr, result.stderr


@pytest.mark.servers
def test_corrupt_index_stops_serve_naming_the_file(quiet_settings: Settings, tmp_path: Path) -> None:
    index = tmp_path / "index"
    shutil.copytree(quiet_settings.index_dir, index)
    (index / "embeddings.npy").write_bytes(b"\x93NUMPY garbage")
    result = serve(quiet_settings, ROOT / "models" / "current.tar.gz", INDEX_DIR=str(index))
    assert result.returncode != 0
    assert str(index / "embeddings.npy") in result.stderr, result.stderr


def test_serve_environment_always_sets_what_endpoints_need(bot_settings: Settings) -> None:
    env = server_env(bot_settings)
    for name in ("TRACKER_DB_URL", "LOCK_STORE_TYPE", "LOCK_STORE_HOST", "LOCK_STORE_PORT", "LOCK_STORE_DB"):
        assert name in env
    assert "LOCK_STORE_PASSWORD" in env
    assert env["TRACKER_DB_URL"].startswith("sqlite:///")
    assert os.path.isabs(env["TRACKER_DB_URL"].removeprefix("sqlite:///"))
