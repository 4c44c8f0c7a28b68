"""The patient channels against the real servers, with a fake Twilio REST API on loopback.

The servers (tests/conversation's ``servers`` fixture) start here with their own
ports (5106 / 5156 / 8181 unless TEST_CHANNELS_*_PORT say otherwise), Twilio
settings that point at the fake API, a fresh SMS database and origins that
allow the test website.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
import requests

from common.settings import Settings, load_settings
from common.sms import sender_id
from tests.support import servers as conversation

ACCOUNT_SID = "AC" + "0" * 32
AUTH_TOKEN = "test-auth-token-0123456789abcdef"
BOT_NUMBER = "+15550000000"

#: The conversation tests' server fixture, started here with this file's ``bot_settings``.
servers = conversation.servers


@dataclass(frozen=True)
class SentText:
    """One message that the bot asked Twilio to send."""

    to: str
    sender: str
    body: str


class FakeTwilio:
    """Twilio's Messages resource on 127.0.0.1: records every text, in order."""

    def __init__(self) -> None:
        self.sent: list[SentText] = []
        self.refused = 0
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                expected = "Basic " + base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
                path_ok = self.path == f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
                if self.headers.get("Authorization") != expected or not path_ok:
                    with fake._lock:
                        fake.refused += 1
                    self._reply(401, {"code": 20003, "message": "Authenticate", "status": 401})
                    return
                text = SentText(form.get("To", ""), form.get("From", ""), form.get("Body", ""))
                with fake._lock:
                    fake.sent.append(text)
                sid = "SM" + uuid.uuid4().hex
                self._reply(
                    201,
                    {
                        "sid": sid,
                        "account_sid": ACCOUNT_SID,
                        "to": text.to,
                        "from": text.sender,
                        "body": text.body,
                        "status": "queued",
                        "num_segments": "1",
                        "direction": "outbound-api",
                        "uri": f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{sid}.json",
                    },
                )

            def _reply(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def texts_to(self, phone: str) -> list[str]:
        with self._lock:
            return [t.body for t in self.sent if t.to == phone]


@pytest.fixture(scope="session")
def fake_twilio() -> Iterator[FakeTwilio]:
    fake = FakeTwilio()
    fake.start()
    try:
        yield fake
    finally:
        fake.stop()


@pytest.fixture(scope="session")
def bot_settings(fake_twilio: FakeTwilio, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings of the channel tests' servers (overrides tests/conversation's)."""
    base = load_settings()
    rasa_port = int(os.environ.get("TEST_CHANNELS_RASA_PORT", "5106"))
    action_port = int(os.environ.get("TEST_CHANNELS_ACTION_PORT", "5156"))
    web_port = int(os.environ.get("TEST_CHANNELS_WEB_PORT", "8181"))
    return replace(
        base,
        rasa_port=rasa_port,
        action_port=action_port,
        web_port=web_port,
        action_server_url=f"http://127.0.0.1:{action_port}/webhook",
        bot_api_token="test-token",
        allowed_origins=(f"http://localhost:{web_port}", f"http://127.0.0.1:{web_port}"),
        public_bot_url=f"http://127.0.0.1:{rasa_port}",
        twilio_account_sid=ACCOUNT_SID,
        twilio_auth_token=AUTH_TOKEN,
        twilio_number=BOT_NUMBER,
        twilio_api_base_url=fake_twilio.url,
        twilio_webhook_url="",
        twilio_keyword_replies=True,
        sms_db=tmp_path_factory.mktemp("sms") / "sms.sqlite",
        log_hash_key="test-log-hash-key",
    )


def twilio_signature(token: str, url: str, params: dict[str, str]) -> str:
    """Twilio's signature, computed as its docs say (independently of the twilio library)."""
    payload = url + "".join(f"{key}{params[key]}" for key in sorted(params))
    return base64.b64encode(hmac.new(token.encode(), payload.encode(), hashlib.sha1).digest()).decode()


def new_phone() -> str:
    """A fictional US number (555-01xx range), unique per test."""
    return f"+1555{uuid.uuid4().int % 10**7:07d}"


class SmsPatient:
    """A patient texting the bot: signed webhooks in, texts out through the fake API."""

    def __init__(self, config: Settings, fake: FakeTwilio, phone: str | None = None) -> None:
        self.config = config
        self.fake = fake
        self.phone = phone or new_phone()
        self.sender = sender_id(self.phone, config.log_hash_key)
        self.url = f"http://127.0.0.1:{config.rasa_port}/webhooks/twilio/webhook"

    def params(self, body: str) -> dict[str, str]:
        return {
            "AccountSid": ACCOUNT_SID,
            "MessageSid": "SM" + uuid.uuid4().hex,
            "From": self.phone,
            "To": BOT_NUMBER,
            "Body": body,
            "NumMedia": "0",
        }

    def post(self, body: str, signature: str | None = "valid") -> requests.Response:
        params = self.params(body)
        headers = {}
        if signature == "valid":
            headers["X-Twilio-Signature"] = twilio_signature(AUTH_TOKEN, self.url, params)
        elif signature is not None:
            headers["X-Twilio-Signature"] = signature
        return requests.post(self.url, data=params, headers=headers, timeout=60)

    def text(self, body: str) -> list[str]:
        """Send a signed text; return the texts the bot sent back to this number."""
        before = len(self.fake.texts_to(self.phone))
        response = self.post(body)
        assert response.status_code == 200, response.text
        time.sleep(0.05)
        return self.fake.texts_to(self.phone)[before:]

    def tracker(self) -> dict[str, Any]:
        response = requests.get(
            f"http://127.0.0.1:{self.config.rasa_port}/conversations/{self.sender}/tracker",
            params={"token": self.config.bot_api_token},
            timeout=30,
        )
        response.raise_for_status()
        tracker: dict[str, Any] = response.json()
        return tracker


@pytest.fixture()
def sms_patient(servers: Any, bot_settings: Settings, fake_twilio: FakeTwilio) -> SmsPatient:
    return SmsPatient(bot_settings, fake_twilio)


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    path = Path(__file__).resolve().parent.parent.parent / "build" / "test-logs"
    path.mkdir(parents=True, exist_ok=True)
    return path
