"""The tests' one client of a running Rasa server: the REST channel, and the tracker over the HTTP API.

A :class:`Conversation` is one patient (one sender id) talking to the server
that a test's settings describe; ``port=`` sends one request to another
server instead (several Rasa servers sharing a tracker store), and
``timeout=`` sets one request's timeout.
"""

from __future__ import annotations

import uuid
from typing import Any

import requests

from common.settings import Settings

#: Seconds to wait for a reply: a turn may wait for the action server (and, under load, for the lock).
MESSAGE_TIMEOUT = 60.0
#: Seconds to wait for a tracker: the HTTP API answers from the tracker store.
TRACKER_TIMEOUT = 30.0


def new_sender() -> str:
    """A sender id nobody else uses: each conversation starts a tracker of its own."""
    return f"test-{uuid.uuid4().hex[:12]}"


def expect_ok(response: requests.Response) -> requests.Response:
    """``response`` if it is a 200; otherwise an HTTPError that shows the server's answer."""
    if response.status_code != 200:
        raise requests.HTTPError(
            f"{response.status_code} from {response.request.method} {response.url}: {response.text[:2000]}",
            response=response,
        )
    return response


class Conversation:
    """One conversation with the Rasa server of ``settings``, over the REST channel.

    Args:
        settings: The bot's settings: its Rasa port and its HTTP API token.
        sender: The sender id (by default a new one, so a new conversation).
    """

    def __init__(self, settings: Settings, sender: str | None = None) -> None:
        self.sender = sender or new_sender()
        self.port = settings.rasa_port
        self.token = settings.bot_api_token

    def url(self, path: str, port: int | None = None) -> str:
        """The address of ``path`` on this conversation's server, or on the server at ``port``."""
        return f"http://127.0.0.1:{port or self.port}{path}"

    def post(self, text: str, *, port: int | None = None, timeout: float = MESSAGE_TIMEOUT) -> requests.Response:
        """Send ``text``; return the response as it is, whatever its status (for tests of refusals)."""
        return requests.post(
            self.url("/webhooks/rest/webhook", port),
            json={"sender": self.sender, "message": text},
            timeout=timeout,
        )

    def talk(self, text: str, *, port: int | None = None, timeout: float = MESSAGE_TIMEOUT) -> list[dict[str, Any]]:
        """Send ``text``; return the bot's messages (texts, buttons) of this turn.

        Raises:
            requests.HTTPError: The server did not answer with a 200.
        """
        messages: list[dict[str, Any]] = expect_ok(self.post(text, port=port, timeout=timeout)).json()
        return messages

    def text(self, text: str, *, port: int | None = None, timeout: float = MESSAGE_TIMEOUT) -> str:
        """Send ``text``; return the texts of the bot's messages, one a line."""
        return "\n".join(m.get("text", "") for m in self.talk(text, port=port, timeout=timeout))

    def tracker(self, *, port: int | None = None, timeout: float = TRACKER_TIMEOUT) -> dict[str, Any]:
        """The conversation's tracker (slots, events, latest message), with the API token."""
        response = requests.get(
            self.url(f"/conversations/{self.sender}/tracker", port), params={"token": self.token}, timeout=timeout
        )
        tracker: dict[str, Any] = expect_ok(response).json()
        return tracker

    def slots(self, *, port: int | None = None) -> dict[str, Any]:
        """The tracker's slots now."""
        slots: dict[str, Any] = self.tracker(port=port)["slots"]
        return slots

    def user_texts(self, *, port: int | None = None) -> list[str]:
        """What the patient said, turn by turn, as the tracker store has it."""
        return [e.get("text") or "" for e in self.tracker(port=port)["events"] if e["event"] == "user"]
