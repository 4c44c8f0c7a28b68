"""Isolation under load: 50 patients at once, each about another procedure, get their own answers in order."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest
import requests

from common.settings import Settings
from knowledge.loader import load_knowledge
from serving.processes import BotServers
from tests.support.rest import Conversation

PATIENTS = 50
FOLLOW_UPS = ("does it hurt?", "how do I get ready?")


@dataclass(frozen=True)
class Outcome:
    cpt: str
    name: str
    sender: str
    replies: list[str]
    slots: list[str | None]
    user_texts: list[str]


@pytest.mark.slow
def test_fifty_patients_at_once_get_their_own_answers(servers: BotServers, bot_settings: Settings) -> None:
    pages = sorted(load_knowledge(bot_settings.knowledge_dir), key=lambda p: p.cpt)
    start = threading.Barrier(PATIENTS)
    latencies: list[float] = []

    def converse(index: int) -> Outcome:
        page = pages[index % len(pages)]
        chat = Conversation(bot_settings, sender=f"load-{index:02d}-{page.cpt}")
        turns = [f"how long does a {page.short_name} take?", *FOLLOW_UPS]
        replies: list[str] = []
        slots: list[str | None] = []
        start.wait(timeout=60)
        for turn in turns:
            began = time.monotonic()
            response = chat.post(turn, timeout=180)
            latencies.append(time.monotonic() - began)
            assert response.status_code == 200, response.text
            replies.append("\n".join(m.get("text", "") for m in response.json()))
            slots.append(chat.tracker()["slots"]["procedure"])
        return Outcome(page.cpt, page.short_name, chat.sender, replies, slots, chat.user_texts())

    with ThreadPoolExecutor(max_workers=PATIENTS) as pool:
        outcomes = list(pool.map(converse, range(PATIENTS)))

    latencies.sort()
    print(f"turn latency p50 {latencies[len(latencies) // 2]:.1f} s, max {latencies[-1]:.1f} s")
    other_names = {p.short_name.lower() for p in pages}
    for outcome in outcomes:
        turns = [f"how long does a {outcome.name} take?", *FOLLOW_UPS]
        assert outcome.slots == [outcome.cpt] * len(turns), outcome
        assert outcome.user_texts == turns, outcome  # in order, nobody else's
        for reply in outcome.replies:
            assert f"({outcome.name})".lower() in reply.lower(), (outcome.sender, reply)
            foreign = {n for n in other_names - {outcome.name.lower()} if f"({n})" in reply.lower()}
            assert not foreign, (outcome.sender, foreign, reply)
    # The bot still answers after the burst.
    assert requests.get(f"http://127.0.0.1:{bot_settings.rasa_port}/", timeout=10).status_code == 200
