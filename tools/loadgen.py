"""Simulated patients: scripted conversations over Rasa's REST channel, driven with asyncio.

Each simulated patient holds one conversation at a time (a fresh sender id per
conversation), sends a turn, waits for the whole reply, then sends the next:
a closed loop without think time, so that N patients keep at most N requests
in flight and the server runs at saturation once N is large enough.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx2
import numpy as np

#: Turn kinds of this bot's conversations.
SMALL_TALK = "small_talk"  # greetings and thanks: the action server reads them (the models decide), no retrieval
KB_ANSWER = "kb_answer"  # a question that names its procedure: one knowledge-base retrieval
CLARIFY = "clarify"  # a question without a procedure: "which procedure?" (action server, no retrieval)
FOLLOW_UP = "follow_up"  # a question that relies on the procedure in context: one retrieval
THREE_QUESTIONS = "three_questions"  # one message asking three things about its procedure: three answers
KINDS = (SMALL_TALK, KB_ANSWER, CLARIFY, FOLLOW_UP, THREE_QUESTIONS)
#: Turns whose reply comes from the knowledge base (answer_section set).
RETRIEVING = frozenset({KB_ANSWER, FOLLOW_UP, THREE_QUESTIONS})


@dataclass(frozen=True)
class Turn:
    """One message of a scripted conversation and what kind of turn it is."""

    text: str
    kind: str


Conversation = tuple[Turn, ...]


def _conversation(*turns: tuple[str, str]) -> Conversation:
    return tuple(Turn(text, kind) for text, kind in turns)


#: This bot: most turns retrieve from the knowledge base, as a patient's questions do.
CLINIC_CONVERSATIONS: tuple[Conversation, ...] = (
    _conversation(
        ("hi", SMALL_TALK),
        ("how long does a colonoscopy take?", KB_ANSWER),
        ("does it hurt?", FOLLOW_UP),
        ("can i drive home after", FOLLOW_UP),
        ("thank you!", SMALL_TALK),
    ),
    _conversation(
        ("do i need to fast before?", CLARIFY),
        ("its the colonoscopy", KB_ANSWER),
        ("what are the risks?", FOLLOW_UP),
        ("bye", SMALL_TALK),
    ),
    _conversation(
        ("hello", SMALL_TALK),
        ("what are the risks of a chest ct", KB_ANSWER),
        ("how should i prepare?", FOLLOW_UP),
        ("are you a bot?", SMALL_TALK),
    ),
    _conversation(
        ("how long does it take", CLARIFY),
        ("its the echocardiogram", KB_ANSWER),
        ("is it painful?", FOLLOW_UP),
        ("thanks", SMALL_TALK),
    ),
    _conversation(
        ("what should i expect from a brain mri", KB_ANSWER),
        ("how long will it take", FOLLOW_UP),
        ("can i drive home after", FOLLOW_UP),
        ("goodbye", SMALL_TALK),
    ),
    _conversation(
        ("how do i prepare for a mammogram", KB_ANSWER),
        ("who does it", FOLLOW_UP),
        ("thank you", SMALL_TALK),
    ),
    _conversation(
        ("hello", SMALL_TALK),
        ("how long does an abdominal ultrasound take, do i have to fast before it, and does it hurt?", THREE_QUESTIONS),
        ("thanks", SMALL_TALK),
    ),
)

#: The stock `rasa init` assistant knows only greetings, moods and goodbyes.
STOCK_CONVERSATIONS: tuple[Conversation, ...] = (
    _conversation(("hello", SMALL_TALK), ("I am feeling great", SMALL_TALK), ("bye", SMALL_TALK)),
    _conversation(("hi", SMALL_TALK), ("I am sad", SMALL_TALK), ("yes", SMALL_TALK), ("bye", SMALL_TALK)),
    _conversation(("hey", SMALL_TALK), ("my day was horrible", SMALL_TALK), ("no", SMALL_TALK)),
    _conversation(("are you a bot?", SMALL_TALK), ("hello", SMALL_TALK), ("amazing", SMALL_TALK)),
)


@dataclass(frozen=True)
class Sample:
    """One timed turn."""

    kind: str
    seconds: float
    error: str | None = None


@dataclass
class LevelResult:
    """The turns of one load level (a number of concurrent patients)."""

    concurrency: int
    seconds: float
    samples: list[Sample] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """Throughput, errors and latency percentiles (ms), overall and per turn kind."""
        ok = [s for s in self.samples if s.error is None]
        errors = [s for s in self.samples if s.error is not None]
        by_kind = {
            kind: latency_stats([s.seconds for s in ok if s.kind == kind])
            for kind in KINDS
            if any(s.kind == kind for s in self.samples)
        }
        return {
            "concurrency": self.concurrency,
            "turns": len(self.samples),
            "errors": len(errors),
            "error_examples": sorted({e.error or "" for e in errors})[:5],
            "seconds": round(self.seconds, 2),
            "throughput_per_s": round(len(ok) / self.seconds, 2) if self.seconds else 0.0,
            "all": latency_stats([s.seconds for s in ok]),
            "by_kind": by_kind,
        }


def latency_stats(seconds: Sequence[float]) -> dict[str, float]:
    """p50 / p95 / p99 / mean in milliseconds, with the sample count."""
    if not seconds:
        return {"n": 0}
    values = np.asarray(seconds) * 1000.0
    p50, p95, p99 = np.percentile(values, [50, 95, 99])
    return {
        "n": len(values),
        "p50_ms": round(float(p50), 1),
        "p95_ms": round(float(p95), 1),
        "p99_ms": round(float(p99), 1),
        "mean_ms": round(float(values.mean()), 1),
    }


async def _say(client: httpx2.AsyncClient, url: str, sender: str, text: str) -> tuple[float, str | None]:
    started = time.perf_counter()
    try:
        response = await client.post(url, json={"sender": sender, "message": text})
        elapsed = time.perf_counter() - started
        if response.status_code != 200:
            return elapsed, f"HTTP {response.status_code}"
        if not response.json():
            return elapsed, "empty reply"
        return elapsed, None
    except (httpx2.HTTPError, ValueError) as exc:
        return time.perf_counter() - started, type(exc).__name__


async def run_level(
    base_url: str,
    conversations: Sequence[Conversation],
    concurrency: int,
    max_turns: int,
    max_seconds: float,
    sender_prefix: str,
) -> LevelResult:
    """Drive ``concurrency`` patients until ``max_turns`` turns were sent or ``max_seconds`` passed.

    Args:
        base_url: the Rasa server, e.g. ``http://127.0.0.1:5305``.
        conversations: the scripts; patient ``i`` starts with script ``i`` and goes round.
        concurrency: how many patients at once.
        max_turns: the number of turns of the level, in all.
        max_seconds: the level's time limit; no turn starts after it.
        sender_prefix: makes sender ids unique across levels and runs.
    """
    url = f"{base_url}/webhooks/rest/webhook"
    result = LevelResult(concurrency, 0.0)
    budget = [max_turns]
    started = time.perf_counter()
    deadline = started + max_seconds

    async def patient(number: int, client: httpx2.AsyncClient) -> None:
        round_ = 0
        while True:
            script = conversations[(number + round_) % len(conversations)]
            sender = f"{sender_prefix}-{number}-{round_}"
            for turn in script:
                if budget[0] <= 0 or time.perf_counter() >= deadline:
                    return
                budget[0] -= 1
                elapsed, error = await _say(client, url, sender, turn.text)
                result.samples.append(Sample(turn.kind, elapsed, error))
            round_ += 1

    limits = httpx2.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx2.AsyncClient(timeout=60.0, limits=limits) as client:
        await asyncio.gather(*(patient(n, client) for n in range(concurrency)))
    result.seconds = time.perf_counter() - started
    return result


async def check_kinds(base_url: str, token: str, conversations: Sequence[Conversation]) -> list[str]:
    """Hold each conversation once and check each turn did what its kind says (from the tracker).

    Returns:
        One line per turn whose outcome does not match its kind (empty when all match).
    """
    problems = []
    async with httpx2.AsyncClient(timeout=60.0) as client:
        for number, script in enumerate(conversations):
            sender = f"check-{time.time_ns()}-{number}"
            for turn in script:
                response = await client.post(
                    f"{base_url}/webhooks/rest/webhook", json={"sender": sender, "message": turn.text}
                )
                messages = response.json()
                tracker = await client.get(f"{base_url}/conversations/{sender}/tracker", params={"token": token})
                slots = tracker.json().get("slots", {})
                section = slots.get("answer_section")
                has_buttons = any(m.get("buttons") for m in messages)
                expected_ok = {
                    SMALL_TALK: section is None and not has_buttons,
                    KB_ANSWER: section is not None,
                    FOLLOW_UP: section is not None,
                    CLARIFY: section is None and has_buttons,
                    THREE_QUESTIONS: len(slots.get("answer_sections") or []) == 3,
                }[turn.kind]
                if not expected_ok:
                    problems.append(f"{turn.text!r} ({turn.kind}): answer_section={section}, buttons={has_buttons}")
    return problems
