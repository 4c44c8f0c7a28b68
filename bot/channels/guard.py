"""What every patient channel does to a message before the bot sees it.

Pure functions and one small class (standard library only), shared by the
REST and Socket.IO channels and fuzzed in ``tests/reliability``:

- :func:`clean_message`: control characters and bidirectional overrides become
  spaces, text that cannot be stored (lone surrogates) is replaced, and the
  message is cut to ``MAX_MESSAGE_CHARS`` before NLU;
- :class:`RateLimiter`: at most ``RATE_LIMIT_MESSAGES`` per sender per
  ``RATE_LIMIT_WINDOW`` seconds, each sender counted on its own;
- :func:`log_id`: the keyed hash that logs show instead of a sender id;
- :func:`parse_request`: the REST webhook's checks of a request (4xx reasons).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

#: C0 and C1 control characters except tab and newline; the bidirectional
#: embeddings, overrides and isolates, which can make a text read differently
#: from what it is; and NUL, which PostgreSQL cannot store.
_UNWANTED = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_SPACES = re.compile(r"[ \t]{2,}")


def clean_message(text: str, limit: int) -> str:
    """The message as NLU gets it: printable, storable, stripped and at most ``limit`` characters."""
    storable = text.encode("utf-8", "replace").decode("utf-8")
    cleaned = _SPACES.sub(" ", _UNWANTED.sub(" ", storable)).strip()
    return cleaned[:limit].strip() if limit > 0 else cleaned


class RateLimiter:
    """A sliding window of message times per sender (thread-safe, in memory).

    Each Rasa server counts on its own: behind a load balancer without sticky
    sessions a sender may send up to ``limit`` times the number of servers.
    """

    def __init__(self, limit: int, window: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.window = window
        self._clock = clock
        self._times: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, sender: str) -> bool:
        """Count one message from ``sender``; whether it is within the limit."""
        if self.limit <= 0:
            return True
        now = self._clock()
        with self._lock:
            times = self._times.setdefault(sender, deque())
            while times and now - times[0] >= self.window:
                times.popleft()
            if len(times) >= self.limit:
                return False
            times.append(now)
            if len(self._times) > 10_000:
                self._forget_idle(now)
            return True

    def _forget_idle(self, now: float) -> None:
        idle = [s for s, t in self._times.items() if not t or now - t[-1] >= self.window]
        for sender in idle:
            del self._times[sender]


@dataclass(frozen=True)
class GuardTexts:
    """The channels' own replies."""

    empty: str
    too_fast: str
    failed: str


def guard_texts(values: dict[str, str]) -> GuardTexts:
    """The replies, filled with the clinic's settings (grade 8 or below)."""
    return GuardTexts(
        empty="Please type your question, for example: how long does it take?",
        too_fast=(
            "You are sending messages very fast, so I need a short break. "
            "Please try again in a minute, or call {clinic_phone}."
        ).format(**values),
        failed="Sorry, something went wrong on my side. Please try again, or call {clinic_phone}.".format(**values),
    )


def log_id(sender: str, key: str) -> str:
    """A keyed hash of a sender id, for logs: the same sender gets the same id."""
    digest = hmac.new(key.encode(), sender.encode("utf-8", "replace"), hashlib.sha256).hexdigest()
    return f"user-{digest[:12]}"


MAX_BODY_BYTES = 256 * 1024
MAX_SENDER_CHARS = 128


class RequestRejectedError(Exception):
    """A request the channel answers with a 4xx."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def parse_request(content_type: str, body: bytes) -> dict[str, Any]:
    """The request's JSON object, with a string ``sender`` and ``message``; else :class:`RequestRejectedError`."""
    if content_type.split(";")[0].strip().lower() != "application/json":
        raise RequestRejectedError(415, "send JSON with Content-Type: application/json")
    if len(body) > MAX_BODY_BYTES:
        raise RequestRejectedError(413, "the request is too large")
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise RequestRejectedError(400, "the body is not valid JSON") from None
    if not isinstance(payload, dict):
        raise RequestRejectedError(400, 'the body must be a JSON object: {"sender": ..., "message": ...}')
    sender = payload.get("sender")
    if not isinstance(sender, str) or not sender.strip() or len(sender) > MAX_SENDER_CHARS:
        raise RequestRejectedError(400, f"'sender' must be a non-empty string of at most {MAX_SENDER_CHARS} characters")
    if not isinstance(payload.get("message"), str):
        raise RequestRejectedError(400, "'message' must be a string")
    return payload
