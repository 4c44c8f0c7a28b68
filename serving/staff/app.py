"""The console's routes under ``/staff/``: sign-in, the JSON API and the pages.

Sessions are Starlette's signed cookies (itsdangerous; HttpOnly, SameSite=Strict,
expiring after ``STAFF_SESSION_MINUTES``); each holds a random CSRF token that
every state-changing request repeats in ``X-CSRF-Token``.
"""

from __future__ import annotations

import logging
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
import sqlalchemy as sa
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.templating import Jinja2Templates

from common.settings import Settings, is_loopback
from serving.staff import db
from serving.staff.accounts import DEV_NAME, DEV_PASSWORD, Accounts, Lockout
from serving.staff.turns import FILTERS, TurnIndex, as_json, procedures_of

logger = logging.getLogger("staff")
#: Every value is escaped unless a template says otherwise (none does): a patient's ``<script>`` is text.
TEMPLATES = Jinja2Templates(
    env=jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"), autoescape=True, auto_reload=False
    )
)
SAFE = {"GET", "HEAD", "OPTIONS"}


@dataclass
class Console:
    """What the routes share: settings, accounts, lockout and the turn index."""

    config: Settings
    engine: sa.engine.Engine
    accounts: Accounts
    lockout: Lockout
    index: TurnIndex

    @classmethod
    def build(cls, config: Settings) -> Console:
        """Connect to the clinic's database and the tracker store."""
        engine = db.connect(db.staff_db_url(config))
        return cls(
            config,
            engine,
            Accounts(engine),
            Lockout(config.staff_lockout_seconds),
            TurnIndex(config.tracker_store_url, config.log_hash_key),
        )

    def audit(self, staff: str, action: str, conversation: str) -> None:
        """Record who opened what, when (never a message's text)."""
        with self.engine.begin() as conn:
            conn.execute(
                db.audit.insert().values(staff=staff, time=time.time(), action=action, conversation=conversation)
            )


def signed_in(request: Request) -> str | None:
    """The staff member of a live session, or ``None``."""
    session = request.session
    name = session.get("staff")
    if not isinstance(name, str) or float(session.get("expires", 0)) < time.time():
        return None
    return name


def csrf_ok(request: Request) -> bool:
    """Whether a request repeats its session's CSRF token."""
    expected = request.session.get("csrf")
    given = request.headers.get("x-csrf-token", "")
    return isinstance(expected, str) and bool(given) and secrets.compare_digest(expected, given)


def guard(request: Request, api: bool) -> Response | str:
    """The staff name, or the response that refuses the request (401, sign-in page, 403)."""
    name = signed_in(request)
    if name is None:
        if api:
            return JSONResponse({"error": "sign in first"}, status_code=401)
        return TEMPLATES.TemplateResponse(request, "signin.html", {"title": "Sign in"}, status_code=401)
    if request.method not in SAFE and not csrf_ok(request):
        return JSONResponse({"error": "missing or wrong X-CSRF-Token"}, status_code=403)
    return name


def console(request: Request) -> Console:
    """The app's console object."""
    found: Console = request.app.state.console
    return found


async def login(request: Request) -> Response:
    """``POST /staff/api/login``: a session and its CSRF token, 401 when wrong, 429 while locked."""
    app = console(request)
    try:
        body = await request.json()
    except ValueError:
        body = {}
    name = str(body.get("username") or "")[:64] if isinstance(body, dict) else ""
    password = str(body.get("password") or "") if isinstance(body, dict) else ""
    address = request.client.host if request.client else "unknown"
    keys = (f"user:{name}", f"addr:{address}")
    if app.lockout.locked(*keys):
        return JSONResponse({"error": "too many failed sign-ins: wait a few minutes"}, status_code=429)
    if password == DEV_PASSWORD and not is_loopback(address):
        logger.warning("the development password was refused from beyond loopback")
        return JSONResponse({"error": "the development account works only on this machine"}, status_code=403)
    if not app.accounts.check(name, password):
        app.lockout.failed(*keys)
        logger.info("sign-in failed")
        return JSONResponse({"error": "wrong name or password"}, status_code=401)
    app.lockout.succeeded(*keys)
    request.session.clear()
    token = secrets.token_urlsafe(32)
    request.session.update(staff=name, csrf=token, expires=time.time() + 60 * app.config.staff_session_minutes)
    logger.info("staff signed in")
    return JSONResponse({"csrf_token": token, "default_account": name == DEV_NAME and password == DEV_PASSWORD})


async def logout(request: Request) -> Response:
    """``POST /staff/api/logout``."""
    refused = guard(request, api=True)
    if isinstance(refused, Response):
        return refused
    request.session.clear()
    return JSONResponse({"signed_out": True})


def _since(request: Request) -> float:
    text = request.query_params.get("since", "")
    if not text:
        return 0.0
    try:
        return float(text)
    except ValueError:
        from datetime import datetime

        return datetime.fromisoformat(text).timestamp()


async def api_turns(request: Request) -> Response:
    """``GET /staff/api/turns?outcome=&since=&limit=``: turns newest first (CONTRACT.md)."""
    refused = guard(request, api=True)
    if isinstance(refused, Response):
        return refused
    wanted = request.query_params.get("outcome") or None
    if wanted and wanted not in FILTERS:
        return JSONResponse({"error": f"outcome must be one of {', '.join(FILTERS)}"}, status_code=400)
    try:
        since = _since(request)
        limit = max(1, min(1000, int(request.query_params.get("limit") or 100)))
    except ValueError:
        return JSONResponse({"error": "since is a time (ISO 8601 or seconds), limit a number"}, status_code=400)
    app = console(request)
    turns = app.index.turns(wanted, since, limit)
    return JSONResponse({"turns": [as_json(t, app.index.id_of(t)) for t in turns]})


async def api_conversation(request: Request) -> Response:
    """``GET /staff/api/conversations/{id}``: every turn of one conversation (audited)."""
    refused = guard(request, api=True)
    if isinstance(refused, Response):
        return refused
    app = console(request)
    found = app.index.conversation(request.path_params["conversation"])
    if found is None:
        return JSONResponse({"error": "no such conversation"}, status_code=404)
    app.audit(refused, "open_conversation", found.id)
    return JSONResponse(
        {
            "conversation": found.id,
            "channel": found.channel,
            "procedures": procedures_of(found.turns),
            "turns": [{**as_json(t, found.id), "replies": t.bot_texts} for t in found.turns],
        }
    )


async def api_try(request: Request) -> Response:
    """``POST /staff/api/try``: what the bot would answer (written into no conversation)."""
    refused = guard(request, api=True)
    if isinstance(refused, Response):
        return refused
    try:
        body: Any = await request.json()
    except ValueError:
        body = None
    if not isinstance(body, dict) or not isinstance(body.get("text"), str) or not body["text"].strip():
        return JSONResponse({"error": 'send {"text": "...", "procedure": CPT or null}'}, status_code=400)
    procedure = body.get("procedure")
    from starlette.concurrency import run_in_threadpool

    from serving.staff.inspector import try_question

    try:
        result = await run_in_threadpool(
            try_question, body["text"][:1000], str(procedure) if procedure else None, console(request).config
        )
    except OSError:
        return JSONResponse({"error": "the Rasa server is not answering: is make run running?"}, status_code=503)
    return JSONResponse(result)


def routes() -> list[Route]:
    """The API's routes (the pages add theirs in :mod:`serving.staff.pages`)."""
    return [
        Route("/staff/api/login", login, methods=["POST"]),
        Route("/staff/api/logout", logout, methods=["POST"]),
        Route("/staff/api/turns", api_turns, methods=["GET"]),
        Route("/staff/api/conversations/{conversation}", api_conversation, methods=["GET"]),
        Route("/staff/api/try", api_try, methods=["POST"]),
    ]


def redirect_to_console(request: Request) -> Response:
    """``/staff`` → ``/staff/``."""
    return RedirectResponse("/staff/", status_code=308)
