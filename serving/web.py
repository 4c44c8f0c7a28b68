"""The website: the chat widget (web/), ``/config.js`` with the bot's address, and the staff console.

A Starlette application served by uvicorn: ``python -m serving.web`` (``make run``
starts it). Logs name the method, the path and the status only: no query
string, no client address, no patient text. The development staff account is
created at start when there is no account and the server listens on loopback.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from common.settings import Settings, is_loopback, settings
from serving.staff import app as staff_app
from serving.staff import dashboard as staff_dashboard
from serving.staff import pages as staff_pages
from serving.staff import reviews as staff_reviews

WEB_DIR = Path(__file__).resolve().parent.parent / "web"
STAFF_STATIC = Path(__file__).resolve().parent / "staff" / "static"
logger = logging.getLogger("web")
HEADERS = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer")]
#: The console's pages run only their own script and style.
CONSOLE_POLICY = b"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; frame-ancestors 'none'"


def config_js(request: Request) -> Response:
    """``/config.js``: where the widget finds the bot, and the clinic's name and numbers."""
    config: Settings = request.app.state.config
    body = (
        "window.CLINIC_BOT = "
        + json.dumps(
            {
                "socketUrl": config.bot_url,
                "restUrl": f"{config.bot_url}/webhooks/rest/webhook",
                "clinicName": config.clinic_name,
                "clinicPhone": config.clinic_phone,
                "emergencyNumber": config.emergency_number,
            }
        )
        + ";\n"
    )
    return Response(body, media_type="application/javascript; charset=utf-8", headers={"Cache-Control": "no-store"})


class Headers:
    """Security headers on every response, and one log line per request (method, path, status)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on; add the headers to its response."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = str(scope.get("path", ""))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                extra = list(HEADERS)
                if path.startswith("/staff"):
                    extra += [(b"content-security-policy", CONSOLE_POLICY), (b"cache-control", b"no-store")]
                message["headers"] = [*message.get("headers", []), *extra]
                logger.info("web %s %s %s", scope.get("method"), path, message["status"])
            await send(message)

        await self.app(scope, receive, send_with_headers)


def create_app(config: Settings, console: staff_app.Console | None = None) -> Starlette:
    """The website's application (``console`` is built from the settings unless given)."""
    routes = [
        Route("/config.js", config_js),
        *staff_app.routes(),
        *staff_pages.routes(),
        *staff_reviews.routes(),
        *staff_dashboard.routes(),
        Route("/staff", staff_app.redirect_to_console),
        Mount("/staff/static", StaticFiles(directory=STAFF_STATIC), name="staff-static"),
        # html=True serves index.html for "/"; StaticFiles lists no directories.
        Mount("/", StaticFiles(directory=WEB_DIR, html=True), name="web"),
    ]
    middleware = [
        Middleware(Headers),
        Middleware(
            SessionMiddleware,
            secret_key=config.staff_secret_key,
            session_cookie="staff_session",
            max_age=60 * config.staff_session_minutes,
            path="/staff",
            same_site="strict",
            https_only=False,
        ),
    ]
    app = Starlette(routes=routes, middleware=middleware)
    app.state.config = config
    app.state.console = console or staff_app.Console.build(config)
    return app


def main() -> int:
    """Serve until stopped."""
    import uvicorn

    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    config = settings()
    app = create_app(config)
    console: staff_app.Console = app.state.console
    if is_loopback(config.bind_host) and console.accounts.ensure_development_account():
        print("staff console: created the development account staff / dev-staff-password-change-me", flush=True)
    print(f"website on http://{config.bind_host}:{config.web_port}/", flush=True)
    uvicorn.run(app, host=config.bind_host, port=config.web_port, access_log=False, log_level="warning")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
