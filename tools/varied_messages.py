"""Varied patient messages for ``make bench``'s memory figure: many texts, lengths and kinds.

The benchmark's scripted conversations (:mod:`tools.loadgen`) repeat a dozen
texts, so they never reach what only some messages do: in issue 22 the action
server held 341 MB after the scripted load and 700 MB after its first page-wide
search, which only a few kinds of question make. These messages are the
team's own NLU examples (``data/nlu/``, every intent: questions, small talk,
hand-offs, emergencies, out of scope), one to three joined in one message, as
patients write them, so each length and mix of questions occurs. The same
seed gives the same messages, run after run.
"""

from __future__ import annotations

import asyncio
import random
import re
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

import httpx2
import yaml

from serving.processes import ROOT
from tools.loadgen import Conversation, LevelResult, Sample, Turn

#: The kind of every turn here: the memory figure needs no per-kind latency.
VARIED = "varied"
#: Turns per conversation: a new sender after that many, so trackers stay as short as real ones.
TURNS_PER_CONVERSATION = 5
_ANNOTATION = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")


def nlu_examples(files: Iterable[Path]) -> list[str]:
    """Every intent example of Rasa NLU files, entity marks removed, in file order."""
    examples: list[str] = []
    for path in files:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for block in data.get("nlu") or []:
            if "intent" not in block:
                continue  # synonyms, lookups, regexes
            for line in str(block.get("examples") or "").splitlines():
                line = line.strip()
                if line.startswith("- "):
                    examples.append(_ANNOTATION.sub(r"\1", line[2:]).strip())
    return [example for example in examples if example]


def varied_messages(count: int, seed: int = 22, nlu_dir: Path = ROOT / "data" / "nlu") -> list[str]:
    """``count`` messages of one to three examples each (mostly one, as most patients ask one thing)."""
    examples = nlu_examples(sorted(nlu_dir.glob("*.yml")))
    rng = random.Random(seed)  # noqa: S311 (test data, not a secret)
    return [" ".join(rng.sample(examples, rng.choice((1, 1, 1, 2, 3)))) for _ in range(count)]


def varied_conversations(count: int, seed: int = 22) -> tuple[Conversation, ...]:
    """The messages as conversations of :data:`TURNS_PER_CONVERSATION` turns, ``count`` turns in all."""
    texts = varied_messages(count, seed)
    return tuple(
        tuple(Turn(text, VARIED) for text in texts[start : start + TURNS_PER_CONVERSATION])
        for start in range(0, len(texts), TURNS_PER_CONVERSATION)
    )


async def send_all(
    base_url: str, conversations: Sequence[Conversation], concurrency: int, sender_prefix: str
) -> LevelResult:
    """Hold every conversation once, ``concurrency`` patients at a time, each message sent exactly once.

    (:func:`tools.loadgen.run_level` goes round its few scripts; here each
    patient takes every ``concurrency``-th conversation, so no text repeats.)
    """
    url = f"{base_url}/webhooks/rest/webhook"
    result = LevelResult(concurrency, 0.0)
    started = time.perf_counter()

    async def patient(number: int, client: httpx2.AsyncClient) -> None:
        for index in range(number, len(conversations), concurrency):
            sender = f"{sender_prefix}-{index}"
            for turn in conversations[index]:
                began = time.perf_counter()
                error: str | None = None
                try:
                    response = await client.post(url, json={"sender": sender, "message": turn.text})
                    if response.status_code != 200:
                        error = f"HTTP {response.status_code}"
                except httpx2.HTTPError as exc:
                    error = type(exc).__name__
                result.samples.append(Sample(turn.kind, time.perf_counter() - began, error))

    limits = httpx2.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx2.AsyncClient(timeout=60.0, limits=limits) as client:
        await asyncio.gather(*(patient(n, client) for n in range(concurrency)))
    result.seconds = time.perf_counter() - started
    return result
