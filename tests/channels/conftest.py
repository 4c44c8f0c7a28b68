"""The patient channels against the real servers, with a fake Twilio REST API on loopback.

The servers (tests/support/servers.py's ``servers`` fixture) start here with their own
ports (5106 / 5156 / 8181 unless TEST_CHANNELS_*_PORT say otherwise), Twilio
settings that point at the fake API, a fresh SMS database and origins that
allow the test website and the rasa-webchat test page (8182).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import time
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import requests

from common.settings import Settings, load_settings
from common.sms import sender_id
from tests.support import servers as shared
from tests.support.fakes import FakeTwilio
from tests.support.rest import Conversation

ACCOUNT_SID = "AC" + "0" * 32
AUTH_TOKEN = "test-auth-token-0123456789abcdef"
BOT_NUMBER = "+15550000000"

#: The shared server fixture, declared again so that the channel tests get their own servers
#: (a fixture's session cache belongs to where it is declared), started with this file's ``bot_settings``.
servers = shared.servers


@pytest.fixture(scope="session")
def fake_twilio() -> Iterator[FakeTwilio]:
    fake = FakeTwilio(ACCOUNT_SID, AUTH_TOKEN)
    fake.start()
    try:
        yield fake
    finally:
        fake.stop()


@pytest.fixture(scope="session")
def bot_settings(fake_twilio: FakeTwilio, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings of the channel tests' servers (overrides tests/support/servers.py's)."""
    base = load_settings()
    rasa_port = int(os.environ.get("TEST_CHANNELS_RASA_PORT", "5106"))
    action_port = int(os.environ.get("TEST_CHANNELS_ACTION_PORT", "5156"))
    web_port = int(os.environ.get("TEST_CHANNELS_WEB_PORT", "8181"))
    webchat_port = int(os.environ.get("TEST_CHANNELS_WEBCHAT_PORT", "8182"))
    return replace(
        base,
        rasa_port=rasa_port,
        action_port=action_port,
        web_port=web_port,
        action_server_url=f"http://127.0.0.1:{action_port}/webhook",
        bot_api_token="test-token",
        # The website, and the rasa-webchat test page (tests/channels/test_webchat_browser.py).
        allowed_origins=(
            f"http://localhost:{web_port}",
            f"http://127.0.0.1:{web_port}",
            f"http://127.0.0.1:{webchat_port}",
        ),
        public_bot_url=f"http://127.0.0.1:{rasa_port}",
        twilio_account_sid=ACCOUNT_SID,
        twilio_auth_token=AUTH_TOKEN,
        twilio_number=BOT_NUMBER,
        twilio_api_base_url=fake_twilio.url,
        twilio_webhook_url="",
        twilio_keyword_replies=True,
        sms_db=tmp_path_factory.mktemp("sms") / "sms.sqlite",
        tracker_db=tmp_path_factory.mktemp("tracker") / "tracker.db",
        tracker_db_url="",
        log_hash_key="test-log-hash-key",
        staff_db=tmp_path_factory.mktemp("staff") / "staff.sqlite",
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
        """The tracker of this number's conversation (over the HTTP API, like any other)."""
        return Conversation(self.config, sender=self.sender).tracker()


@pytest.fixture()
def sms_patient(servers: Any, bot_settings: Settings, fake_twilio: FakeTwilio) -> SmsPatient:
    return SmsPatient(bot_settings, fake_twilio)


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    path = Path(__file__).resolve().parent.parent.parent / "build" / "test-logs"
    path.mkdir(parents=True, exist_ok=True)
    return path
