"""The REST channel (``/webhooks/rest/webhook``) with input checks, a rate limit and hashed logs.

Same URL and reply format as Rasa's ``RestInput`` (a JSON list of
``{"recipient_id", "text", "buttons", ...}``; ``?stream=true`` for ``rasa
shell``), but a request is answered with a 4xx instead of reaching the bot (or
failing with a 5xx) when

- its ``Content-Type`` is not JSON (415), it is larger than 256 KB (413);
- its body is not a JSON object, ``sender`` is missing, empty, not a string or
  longer than 128 characters, or ``message`` is missing or not a string (400);
- the sender sent more than ``RATE_LIMIT_MESSAGES`` messages in the last
  ``RATE_LIMIT_WINDOW`` seconds (429, with a polite message in the usual format).

A message is cleaned and cut to ``MAX_MESSAGE_CHARS`` before NLU
(:func:`bot.channels.guard.clean_message`; the checks are
:func:`bot.channels.guard.parse_request`); an empty one gets a short prompt
without reaching NLU. Logs name the sender only by a keyed hash (``LOG_HASH_KEY``)
and never show the message. The conversation id stays the sender the client
sent, so ``GET /conversations/{sender}/tracker`` works as before.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Awaitable, Callable, Dict, List

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from rasa.utils.endpoints import bool_arg
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse, ResponseStream

from bot.channels.guard import (
    GuardTexts,
    RateLimiter,
    RequestRejectedError,
    clean_message,
    guard_texts,
    log_id,
    parse_request,
)
from common.settings import Settings, settings

logger = logging.getLogger(__name__)


class GuardedRestInput(RestInput):
    """Rasa's REST channel behind the checks above."""

    @classmethod
    def name(cls) -> str:
        """``rest``: the webhook stays ``/webhooks/rest/webhook``."""
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: Dict[str, Any] | None) -> InputChannel:
        """Everything comes from the settings; ``credentials.yml`` names the class only."""
        return cls(settings())

    def __init__(self, config: Settings | None = None, limiter: RateLimiter | None = None) -> None:
        self._config = config or settings()
        self._limiter = limiter or RateLimiter(self._config.rate_limit_messages, self._config.rate_limit_window)
        self._texts: GuardTexts = guard_texts(self._config.response_values())

    def _reply(self, sender: str, text: str, status: int = 200) -> HTTPResponse:
        return response.json([{"recipient_id": sender, "text": text}], status=status)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """A health route and the checked webhook."""
        webhook = Blueprint("clinic_rest_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> ResponseStream | HTTPResponse:
            try:
                payload = parse_request(request.headers.get("content-type", ""), request.body or b"")
            except RequestRejectedError as rejected:
                logger.info("rest request refused (%d): %s", rejected.status, rejected.reason)
                return response.json({"error": rejected.reason}, status=rejected.status)
            sender: str = payload["sender"]
            who = log_id(sender, self._config.log_hash_key)
            if not self._limiter.allow(sender):
                logger.warning("rest message from %s refused: more than %d a window", who, self._limiter.limit)
                reply = self._reply(sender, self._texts.too_fast, status=429)
                reply.headers["Retry-After"] = str(int(self._limiter.window))
                return reply
            text = clean_message(payload["message"], self._config.max_message_chars)
            logger.info("rest message from %s: %d characters", who, len(payload["message"]))
            if not text:
                return self._reply(sender, self._texts.empty)
            metadata = payload.get("metadata") if isinstance(payload.get("metadata"), dict) else None
            if bool_arg(request, "stream", default=False):
                return response.stream(
                    self.stream_response(on_new_message, text, sender, self.name(), metadata),
                    content_type="text/event-stream",
                )
            collector = CollectingOutputChannel()
            try:
                await on_new_message(UserMessage(text, collector, sender, input_channel=self.name(), metadata=metadata))
            except asyncio.CancelledError:
                logger.error("rest message from %s: the client went away before the reply", who)
            except Exception as error:
                # The error's text may quote the message: log its type only.
                logger.error("rest message from %s failed: %s", who, type(error).__name__)
                if not collector.messages:
                    return self._reply(sender, self._texts.failed)
            messages: List[Dict[str, Any]] = collector.messages
            return response.json(messages)

        return webhook
