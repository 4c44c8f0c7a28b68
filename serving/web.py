"""Serve the website (web/) with the chat widget; ``/config.js`` carries the bot's address.

Standard library only. ``python -m serving.web`` (``make run`` starts it).
"""

from __future__ import annotations

import contextlib
import json
import sys
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from common.settings import settings

WEB_DIR = Path(__file__).resolve().parent.parent / "web"


class Handler(SimpleHTTPRequestHandler):
    """Static files, ``/config.js``, no directory listings, no request logging of query strings."""

    def do_GET(self) -> None:
        """Serve ``/config.js`` from settings, everything else from web/."""
        if self.path.split("?")[0] == "/config.js":
            config = settings()
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
            data = body.encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/javascript; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(data)
            return
        super().do_GET()

    def list_directory(self, path: str | Path) -> None:  # type: ignore[override]
        """No directory listings."""
        self.send_error(404)
        return None

    def end_headers(self) -> None:
        """Security headers on every response."""
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        super().end_headers()

    def log_message(self, format: str, *args: object) -> None:
        """Log the method and path only (no query strings, no client addresses)."""
        sys.stderr.write(f"web {self.command} {self.path.split('?')[0]} {args[1] if len(args) > 1 else ''}\n")


def main() -> int:
    """Serve until stopped."""
    config = settings()
    server = ThreadingHTTPServer((config.bind_host, config.web_port), partial(Handler, directory=str(WEB_DIR)))
    print(f"website on http://{config.bind_host}:{config.web_port}/", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
