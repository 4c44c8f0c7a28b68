"""The console's pages: conversations with filters, one conversation, try a question."""

from __future__ import annotations

from datetime import UTC, datetime

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from knowledge.sections import SECTION_TITLES
from serving.staff.app import TEMPLATES, console, guard
from serving.staff.outcomes import Turn
from serving.staff.scrubber import scrubber_for
from serving.staff.turns import FILTERS, procedures_of

FILTER_LABELS = {
    "": "All turns",
    "review": "Needs a look",
    "answered": "Answered",
    "asked_procedure": "Asked which procedure",
    "did_you_mean": "Did you mean",
    "declined": "Declined",
    "handed_off": "Handed off",
    "emergency": "Emergency",
    "unavailable": "Action server unavailable",
    "negative_feedback": "Not helpful",
    "low_confidence": "Low confidence",
}
VERDICT_LABELS = {
    "right": "It was right",
    "intent": "It should have answered this (choose below)",
    "declined": "It should have declined",
    "emergency": "It should have been an emergency",
}
assert set(FILTER_LABELS) == {"", *FILTERS}


def when(timestamp: float) -> str:
    """A time as staff read it (UTC)."""
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M")


def _page(request: Request, template: str, staff: str, **values: object) -> Response:
    return TEMPLATES.TemplateResponse(
        request,
        template,
        {"staff": staff, "csrf_token": request.session.get("csrf", ""), "when": when, **values},
    )


async def conversations(request: Request) -> Response:
    """``/staff/``: recent turns, one filter at a time, each linking to its conversation."""
    allowed = guard(request, api=False)
    if isinstance(allowed, Response):
        return allowed
    wanted = request.query_params.get("outcome", "")
    if wanted not in FILTER_LABELS:
        wanted = ""
    day = request.query_params.get("day", "")
    since = 0.0
    if day == "today":
        since = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0).timestamp()
    app = console(request)
    turns = app.index.turns(wanted or None, since, 200)
    rows = [(app.index.id_of(t), t) for t in turns]
    return _page(
        request,
        "conversations.html",
        allowed,
        title="Conversations",
        rows=rows,
        wanted=wanted,
        day=day,
        filters=FILTER_LABELS,
    )


async def conversation(request: Request) -> Response:
    """``/staff/conversations/{id}``: every turn with its reasons (the opening is audited)."""
    allowed = guard(request, api=False)
    if isinstance(allowed, Response):
        return allowed
    app = console(request)
    found = app.index.conversation(request.path_params["conversation"])
    if found is None:
        return _page(request, "missing.html", allowed, title="No such conversation")
    app.audit(allowed, "open_conversation", found.id)
    passages = await run_in_threadpool(_passages, found.turns)
    scrub = scrubber_for(app.config.knowledge_dir)
    return _page(
        request,
        "conversation.html",
        allowed,
        title=f"Conversation {found.id}",
        conversation=found,
        procedures=procedures_of(found.turns),
        passages=passages,
        scrubbed={t.event_id: scrub.scrub(t.text) for t in found.turns},
        verdicts=VERDICT_LABELS,
        sections=SECTION_TITLES,
    )


def _passages(turns: list[Turn]) -> dict[int, list[tuple[str, float]]]:
    """Each answered turn's section passages with their scores (ranked again: the tracker keeps no scores)."""
    from serving.staff.inspector import ranked_passages

    return {t.event_id: ranked_passages(t.text, t.procedure, t.section) for t in turns if t.procedure and t.section}


async def try_page(request: Request) -> Response:
    """``/staff/try``: the answer inspector (the page calls ``POST /staff/api/try``)."""
    allowed = guard(request, api=False)
    if isinstance(allowed, Response):
        return allowed
    return _page(request, "try.html", allowed, title="Try a question")


def routes() -> list[Route]:
    """The pages' routes."""
    return [
        Route("/staff/", conversations),
        Route("/staff/conversations/{conversation}", conversation),
        Route("/staff/try", try_page),
    ]
