"""The dashboard: a period's conversations and questions, outcomes, feedback and unanswered groups.

Counts come from the turn index (:mod:`serving.staff.turns`); the unanswered
questions are grouped by sentence-embedding similarity (the bot's own
embedding model), so staff see "14 patients asked about parking" rather than 14 rows.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from serving.staff.app import TEMPLATES, console, guard
from serving.staff.outcomes import Turn

UNANSWERED = ("declined", "did_you_mean")
#: Two questions this similar (cosine) belong to one group (all-MiniLM-L6-v2: "where do i park my car" and
#: "where can i park" score 0.8, unrelated questions about 0.1-0.25).
GROUP_SIMILARITY = 0.5
MAX_GROUPED = 500


@dataclass
class Group:
    """Unanswered questions that resemble each other: one example and how many."""

    example: str
    size: int
    texts: list[str] = field(default_factory=list)


def group_questions(texts: list[str], vectors: Any, threshold: float = GROUP_SIMILARITY) -> list[Group]:
    """Greedy grouping of normalised vectors: each question joins the first group it is close enough to."""
    centres: list[Any] = []
    groups: list[Group] = []
    for text, vector in zip(texts, vectors, strict=True):
        scores = [float(np.dot(vector, c)) for c in centres]
        best = int(np.argmax(scores)) if scores else -1
        if best >= 0 and scores[best] >= threshold:
            groups[best].size += 1
            groups[best].texts.append(text)
        else:
            centres.append(vector)
            groups.append(Group(text, 1, [text]))
    return sorted(groups, key=lambda g: -g.size)


def _embed(texts: list[str]) -> Any:
    from actions.runtime import question_embedder

    vectors = np.asarray(question_embedder(1).encode(texts), dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-9)


def summary(turns: list[Turn]) -> dict[str, Any]:
    """The period's figures."""
    by_day: dict[str, Counter[str]] = defaultdict(Counter)
    conversations: dict[str, set[str]] = defaultdict(set)
    for turn in turns:
        day = datetime.fromtimestamp(turn.time, UTC).strftime("%Y-%m-%d")
        by_day[day][turn.channel] += 1
        conversations[day].add(turn.sender)
    outcomes = Counter(t.outcome for t in turns)
    total = max(1, len(turns))
    rated = [t for t in turns if t.feedback is not None]
    return {
        "days": [(day, sum(c.values()), len(conversations[day]), dict(c)) for day, c in sorted(by_day.items())],
        "procedures": Counter(t.procedure for t in turns if t.procedure).most_common(20),
        "sections": Counter(t.section for t in turns if t.section).most_common(20),
        "rates": [
            (name, outcomes[name], round(100 * outcomes[name] / total, 1))
            for name in ("declined", "handed_off", "emergency", "unavailable", "did_you_mean")
        ],
        "feedback": {
            "helpful": sum(1 for t in rated if t.feedback),
            "not_helpful": sum(1 for t in rated if not t.feedback),
            "rate": round(100 * sum(1 for t in rated if t.feedback) / len(rated), 1) if rated else None,
        },
        "questions": len(turns),
    }


async def dashboard(request: Request) -> Response:
    """``/staff/dashboard?days=7``."""
    allowed = guard(request, api=False)
    if isinstance(allowed, Response):
        return allowed
    try:
        days = max(1, min(365, int(request.query_params.get("days") or 7)))
    except ValueError:
        days = 7
    app = console(request)
    since = time.time() - days * 86400
    turns = app.index.all_turns(since)
    figures = summary(turns)
    unanswered = app.index.turns("declined", since, MAX_GROUPED // 2) + app.index.turns(
        "did_you_mean", since, MAX_GROUPED // 2
    )
    texts = [t.text for t in unanswered if t.text]
    groups: list[Group] = []
    if texts:
        try:
            groups = group_questions(texts, await run_in_threadpool(_embed, texts))[:10]
        except (OSError, RuntimeError, ValueError):
            groups = []
    peak = max([d[1] for d in figures["days"]] or [1])
    return TEMPLATES.TemplateResponse(
        request,
        "dashboard.html",
        {
            "staff": allowed,
            "csrf_token": request.session.get("csrf", ""),
            "title": "Dashboard: the last day" if days == 1 else f"Dashboard: the last {days} days",
            "days": days,
            "f": figures,
            "groups": groups,
            "peak": peak,
        },
    )


def routes() -> list[Route]:
    """The dashboard's route."""
    return [Route("/staff/dashboard", dashboard)]
