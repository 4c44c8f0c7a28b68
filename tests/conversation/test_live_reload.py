"""Editing a page while the bot runs changes the next answer, with no failed request."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
import requests

from common.settings import Settings
from serving.processes import BotServers
from tests.support.rest import Conversation


@pytest.mark.slow  # waits for the reload, twice
def test_page_edit_reaches_the_next_answer_under_load(
    servers: BotServers, bot_settings: Settings, knowledge_copy: Path
) -> None:
    seed = next((knowledge_copy / "pages").glob("78580-*.txt"))
    original = seed.read_text(encoding="utf-8")
    failures: list[str] = []
    answered = 0
    stop = threading.Event()

    def keep_asking() -> None:
        nonlocal answered
        while not stop.is_set():
            patient = Conversation(bot_settings)
            try:
                reply = patient.text("what are the risks of a lung perfusion scan")
                if "radiation" not in reply.lower():
                    failures.append(reply)
                answered += 1
            except requests.RequestException as exc:
                failures.append(str(exc))

    workers = [threading.Thread(target=keep_asking) for _ in range(3)]
    for worker in workers:
        worker.start()
    try:
        seed.write_text(original.replace("30 to 60 minutes", "45 to 90 minutes"), encoding="utf-8")
        deadline = time.monotonic() + 60
        reply = ""
        while time.monotonic() < deadline:
            reply = Conversation(bot_settings).text("how long does a lung perfusion scan take")
            if "45 to 90 minutes" in reply:
                break
            time.sleep(0.5)
        assert "45 to 90 minutes" in reply
    finally:
        stop.set()
        for worker in workers:
            worker.join(timeout=60)
        seed.write_text(original, encoding="utf-8")
    assert failures == []
    assert answered > 0
    deadline = time.monotonic() + 60
    while "30 to 60 minutes" not in Conversation(bot_settings).text("how long does a lung perfusion scan take"):
        assert time.monotonic() < deadline
        time.sleep(0.5)
