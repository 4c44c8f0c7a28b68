"""Security: the HTTP API's token, logs without message text or raw sender ids, a per-sender rate limit."""

from __future__ import annotations

import time
import uuid
from dataclasses import replace
from pathlib import Path

import pytest
import requests

from bot.channels.guard import log_id
from common.settings import Settings
from serving.preflight import check_secrets
from serving.processes import BotServers
from tests.reliability.conftest import HASH_KEY, LOG_DIR
from tests.support.rest import Conversation


def api(config: Settings, path: str) -> str:
    return f"http://127.0.0.1:{config.rasa_port}{path}"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/conversations/someone/tracker"),
        ("POST", "/conversations/someone/messages"),
        ("POST", "/conversations/someone/trigger_intent"),
        ("POST", "/model/parse"),
        ("GET", "/status"),
        ("GET", "/domain"),
    ],
)
def test_http_api_requires_the_token(servers: BotServers, bot_settings: Settings, method: str, path: str) -> None:
    body = {"text": "hi", "name": "greet", "sender": "user"}
    without = requests.request(method, api(bot_settings, path), json=body, timeout=30)
    assert without.status_code in {401, 403}
    wrong = requests.request(method, api(bot_settings, path), params={"token": "wrong"}, json=body, timeout=30)
    assert wrong.status_code in {401, 403}


def test_http_api_answers_with_the_token(servers: BotServers, bot_settings: Settings) -> None:
    response = requests.get(
        api(bot_settings, "/conversations/someone/tracker"), params={"token": bot_settings.bot_api_token}, timeout=30
    )
    assert response.status_code == 200


def test_logs_show_neither_message_text_nor_sender(servers: BotServers, bot_settings: Settings) -> None:
    marker = f"zebra{uuid.uuid4().hex[:8]}"
    chat = Conversation(bot_settings, sender=f"private-{uuid.uuid4().hex[:12]}")
    sizes = {path: path.stat().st_size for path in LOG_DIR.glob("*.log")}
    assert "olonoscopy" in chat.text(f"how long does a colonoscopy take {marker}")
    chat.text(f"my name is {marker} and my phone is 555-0199, does it hurt?")
    chat.text("   ")
    time.sleep(1.0)  # let the servers flush their logs
    logs = {path: path.read_bytes()[sizes.get(path, 0) :].decode(errors="replace") for path in LOG_DIR.glob("*.log")}
    assert set(logs) >= {LOG_DIR / "rasa.log", LOG_DIR / "actions.log"}
    # The REST channel did log the turns, by keyed hash.
    assert log_id(chat.sender, HASH_KEY) in logs[LOG_DIR / "rasa.log"]
    for path, text in logs.items():
        assert marker not in text, f"message text in {path}"
        assert "555-0199" not in text, f"phone number in {path}"
        assert chat.sender not in text, f"raw sender id in {path}"


def test_rate_limit_is_polite_and_per_sender(servers: BotServers, bot_settings: Settings) -> None:
    flooding = Conversation(bot_settings)
    limit = bot_settings.rate_limit_messages
    statuses = [flooding.post("   ").status_code for _ in range(limit)]
    assert statuses == [200] * limit
    refused = flooding.post("how long does a colonoscopy take?")
    assert refused.status_code == 429
    assert refused.headers.get("Retry-After")
    text = "\n".join(m["text"] for m in refused.json())
    assert "try again in a minute" in text and bot_settings.clinic_phone in text
    # Nobody else is slowed down.
    other = Conversation(bot_settings)
    assert "olonoscopy" in other.text("how long does a colonoscopy take?")


def test_development_secrets_are_refused_beyond_loopback() -> None:
    local = Settings()
    assert check_secrets(local) == []
    public = replace(local, bind_host="0.0.0.0")
    assert [p.split()[0] for p in check_secrets(public)] == ["BOT_API_TOKEN", "LOG_HASH_KEY", "STAFF_SECRET_KEY"]
    safe = replace(public, bot_api_token="x" * 40, log_hash_key="y" * 40, staff_secret_key="z" * 40)
    assert check_secrets(safe) == []


def test_env_file_is_ignored_by_git() -> None:
    root = Path(__file__).resolve().parent.parent.parent
    ignored = (root / ".gitignore").read_text(encoding="utf-8").split()
    assert ".env" in ignored
    example = (root / ".env.example").read_text(encoding="utf-8")
    for name in ("BOT_API_TOKEN", "LOG_HASH_KEY", "TRACKER_DB_URL", "LOCK_STORE_URL", "RATE_LIMIT_MESSAGES"):
        assert f"{name}=" in example
