"""Hostile or broken requests to the REST webhook: a clear reply or a 4xx, never a 5xx.

After each request the bot must still answer an ordinary question.
"""

from __future__ import annotations

import json

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from common.settings import Settings
from serving.processes import BotServers
from tests.support.rest import Conversation

QUESTION = "how long does a colonoscopy take?"


def webhook(config: Settings) -> str:
    return f"http://127.0.0.1:{config.rasa_port}/webhooks/rest/webhook"


def still_serving(config: Settings) -> None:
    assert "olonoscopy" in Conversation(config).text(QUESTION)


def texts(response: requests.Response) -> str:
    return "\n".join(m.get("text", "") for m in response.json())


def send(config: Settings, message: str) -> requests.Response:
    """Send ``message`` as a new patient; return the response, whatever its status."""
    return Conversation(config).post(message)


@pytest.mark.parametrize("message", ["", "   ", "\n\t  \r\n"])
def test_empty_message_gets_a_prompt(servers: BotServers, bot_settings: Settings, message: str) -> None:
    response = send(bot_settings, message)
    assert response.status_code == 200
    assert "Please type your question" in texts(response)
    still_serving(bot_settings)


def test_twenty_thousand_characters_are_cut_before_nlu(servers: BotServers, bot_settings: Settings) -> None:
    chat = Conversation(bot_settings)
    response = chat.post(QUESTION + " " + "x" * 20_000)
    assert response.status_code == 200
    assert texts(response)
    stored = chat.user_texts()[-1]
    assert len(stored) == bot_settings.max_message_chars
    assert stored.startswith(QUESTION)
    still_serving(bot_settings)


@pytest.mark.parametrize(
    "message",
    [
        "how long\x00 does a\x07 colonoscopy\x1b[31m take?\x7f",
        "does it hurt? 😟🙏🏽 👩‍⚕️",
        "כמה זמן לוקחת קולונוסקופיה? \u202eevil\u202c",
        "كم تستغرق المنظار؟",
        "<script>alert('x')</script><img src=x onerror=alert(1)> colonoscopy",
        "'; DROP TABLE events; --",
        "\ud83d lone surrogate",
    ],
)
def test_odd_text_gets_a_reply(servers: BotServers, bot_settings: Settings, message: str) -> None:
    chat = Conversation(bot_settings)
    # json.dumps keeps a lone surrogate as an escape, as a browser might send it.
    response = requests.post(
        webhook(bot_settings),
        data=json.dumps({"sender": chat.sender, "message": message}),
        headers={"Content-Type": "application/json"},
        timeout=60,
    )
    assert response.status_code == 200, response.text
    assert texts(response).strip()
    stored = chat.user_texts()[-1]
    assert "\x00" not in stored and "\x1b" not in stored and "\u202e" not in stored
    still_serving(bot_settings)


def test_control_characters_do_not_change_the_answer(servers: BotServers, bot_settings: Settings) -> None:
    chat = Conversation(bot_settings)
    assert "olonoscopy" in chat.text("how long does a\x00 colonoscopy\x1f take?")
    assert chat.tracker()["slots"]["procedure"] == "45378"


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        (b'{"sender": "x", "message": ', "application/json", 400),  # malformed JSON
        (b"\xff\xfe not utf-8", "application/json", 400),
        (b'["a", "list"]', "application/json", 400),
        (b'"just a string"', "application/json", 400),
        (b'{"message": "hi"}', "application/json", 400),  # missing sender
        (b'{"sender": "", "message": "hi"}', "application/json", 400),
        (b'{"sender": 42, "message": "hi"}', "application/json", 400),
        (b'{"sender": null, "message": "hi"}', "application/json", 400),
        (b'{"sender": "x"}', "application/json", 400),  # missing message
        (b'{"sender": "x", "message": 12}', "application/json", 400),
        (b'{"sender": "x", "message": {"a": 1}}', "application/json", 400),
        (b"sender=x&message=hi", "application/x-www-form-urlencoded", 415),  # wrong content type
        (b'{"sender": "x", "message": "hi"}', "text/plain", 415),
        (b"", "application/json", 400),
    ],
)
def test_malformed_requests_get_a_4xx(
    servers: BotServers, bot_settings: Settings, body: bytes, content_type: str, status: int
) -> None:
    response = requests.post(webhook(bot_settings), data=body, headers={"Content-Type": content_type}, timeout=60)
    assert response.status_code == status, response.text
    assert "error" in response.json()
    still_serving(bot_settings)


def test_missing_sender_never_lands_in_a_shared_conversation(servers: BotServers, bot_settings: Settings) -> None:
    # Rasa's own REST channel files such messages under the sender "default".
    requests.post(webhook(bot_settings), json={"message": "how long does an mri take?"}, timeout=60)
    response = requests.get(
        f"http://127.0.0.1:{bot_settings.rasa_port}/conversations/default/tracker",
        params={"token": bot_settings.bot_api_token},
        timeout=30,
    )
    assert response.status_code == 200
    assert not [e for e in response.json()["events"] if e["event"] == "user"]


def test_oversized_body_is_refused(servers: BotServers, bot_settings: Settings) -> None:
    response = send(bot_settings, "x" * 300_000)
    assert response.status_code == 413
    still_serving(bot_settings)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=300),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=10,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    body=st.one_of(
        st.binary(max_size=400),
        st.builds(
            lambda s, m, extra: json.dumps({"sender": s, "message": m, **extra}).encode(),
            st.one_of(st.text(min_size=1, max_size=40), json_values),
            st.one_of(st.text(max_size=400), json_values),
            st.dictionaries(st.sampled_from(["metadata", "input_channel", "stream"]), json_values, max_size=2),
        ),
    ),
    content_type=st.sampled_from(["application/json", "application/json; charset=utf-8", "text/plain", ""]),
)
def test_fuzzed_requests_never_get_a_5xx(
    servers: BotServers, bot_settings: Settings, body: bytes, content_type: str
) -> None:
    response = requests.post(webhook(bot_settings), data=body, headers={"Content-Type": content_type}, timeout=60)
    assert response.status_code < 500, (body, response.status_code, response.text)
    assert response.status_code in {200, 400, 413, 415, 429}


def test_still_serving_after_the_fuzzing(servers: BotServers, bot_settings: Settings) -> None:
    still_serving(bot_settings)
