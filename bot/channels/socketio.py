"""Rasa's Socket.IO channel for the website widget, fixed and limited to the allowed origins.

Two changes to Rasa 3.6's ``SocketIOInput``:

- **Origins.** Rasa creates its server with ``cors_allowed_origins=[]``, which
  turns Engine.IO's origin check off, and browsers apply no CORS rule to
  WebSockets: any web page could talk to the bot. Here a connection whose
  ``Origin`` is not in ``ALLOWED_ORIGINS`` is refused at Socket.IO's connect
  step. (Engine.IO's own check would also add CORS headers, which Rasa's
  ``--cors`` middleware already adds: browsers reject a doubled header.)
- **Sessions.** With python-socketio 5.x ``enter_room`` is a coroutine that
  Rasa does not await, so with ``session_persistence`` the browser never joins
  its session's room and gets no replies. The ``session_request`` handler here
  awaits it, and accepts only session ids that look like ones it made.
- **Input.** Like the REST channel (:mod:`bot.channels.rest`), a message is
  cleaned and cut to ``MAX_MESSAGE_CHARS`` (:mod:`bot.channels.guard`), an
  empty one gets a short prompt, a malformed one is dropped, and a sender over
  the rate limit gets a polite reply instead of an answer.
"""

from __future__ import annotations

import logging
import re
import uuid
from typing import Any, Awaitable, Callable, Dict, Tuple

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketIOInput
from sanic import Blueprint

from bot.channels.guard import RateLimiter, clean_message, guard_texts, log_id
from common.settings import settings

logger = logging.getLogger(__name__)

_SESSION_ID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


class OriginCheckedSocketIOInput(SocketIOInput):
    """``SocketIOInput`` with an origin allow-list and working session rooms."""

    def __init__(self, *args: Any, allowed_origins: Tuple[str, ...] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        config = settings()
        self.allowed_origins = config.allowed_origins if allowed_origins is None else allowed_origins
        self._limiter = RateLimiter(config.rate_limit_messages, config.rate_limit_window)
        self._texts = guard_texts(config.response_values())
        self._max_chars = config.max_message_chars
        self._hash_key = config.log_hash_key

    def origin_allowed(self, environ: Dict[str, Any]) -> bool:
        """Whether a connection may be made: browsers send ``Origin``; other clients may not."""
        origin = environ.get("HTTP_ORIGIN")
        return origin is None or origin in self.allowed_origins

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """Rasa's blueprint, with this class's connect and session handlers."""
        webhook = super().blueprint(on_new_message)
        sio = self.sio
        assert sio is not None
        namespace = self.namespace or "/"
        rasa_connect = sio.handlers[namespace]["connect"]
        rasa_message = sio.handlers[namespace][self.user_message_evt]

        async def connect(sid: str, environ: Dict[str, Any], auth: Dict[str, Any] | None = None) -> bool:
            if not self.origin_allowed(environ):
                logger.warning("socket.io connection refused: origin %r is not allowed", environ.get("HTTP_ORIGIN"))
                return False
            return bool(await rasa_connect(sid, environ, auth))

        async def session_request(sid: str, data: Dict[str, Any] | None) -> None:
            requested = (data or {}).get("session_id")
            session_id = requested if isinstance(requested, str) and _SESSION_ID.match(requested) else uuid.uuid4().hex
            if self.session_persistence:
                await sio.enter_room(sid, session_id, namespace=namespace)
            await sio.emit("session_confirm", session_id, room=sid, namespace=namespace)

        async def handle_message(sid: str, data: Any) -> None:
            if not isinstance(data, dict) or not isinstance(data.get("message", ""), str):
                logger.info("socket.io message dropped: malformed")
                return
            sender = str(data.get("session_id") or sid) if self.session_persistence else sid
            room = sender if self.session_persistence else sid

            async def reply(text: str) -> None:
                await sio.emit(self.bot_message_evt, {"text": text}, room=room, namespace=namespace)

            who = log_id(sender, self._hash_key)
            if not self._limiter.allow(sender):
                logger.warning("socket.io message from %s refused: rate limit", who)
                await reply(self._texts.too_fast)
                return
            text = clean_message(data.get("message", ""), self._max_chars)
            logger.info("socket.io message from %s: %d characters", who, len(data.get("message", "")))
            if not text:
                await reply(self._texts.empty)
                return
            await rasa_message(sid, {**data, "message": text})

        sio.on("connect", connect, namespace=self.namespace)
        sio.on(self.user_message_evt, handle_message, namespace=self.namespace)
        sio.on("session_request", session_request, namespace=self.namespace)
        return webhook
