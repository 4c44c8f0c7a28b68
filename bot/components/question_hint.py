"""Rasa component: send each message's text ahead to the action server.

First in the NLU pipeline, it sends the text of every patient message (or its
questions, when it asks them in a story or asks several) in one UDP datagram
to the action server (``QUESTION_HINT_ADDRESS``, else the local
action server's port when ``ACTION_SERVER_URL`` is on loopback; see
:attr:`common.settings.Settings.question_hint_address`) and goes on at once. The action server embeds the text while
the rest of the pipeline and the policies run on the other core, so a
knowledge-base answer does not wait for the model (actions/question_vectors.py
explains the protocol and why a lost hint is harmless).

It never changes a message. It is registered as a classifier that needs no
training only so that Rasa's recipe runs it when predicting, never in
training. ``QUESTION_HINTS=false`` turns it off.
"""

from __future__ import annotations

import contextlib
import logging
import socket
from typing import Any, Dict, List

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from common.hints import encode_hint
from common.sentences import split_sentences
from common.settings import settings

logger = logging.getLogger(__name__)


def hinted_texts(text: str) -> tuple[str, ...]:
    """What the action will embed: the message, and its sentences when it has several (the reader reads each)."""
    sentences = split_sentences(text)
    return (text, *sentences) if len(sentences) > 1 else (text,)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class QuestionHint(GraphComponent):
    """Sends message texts to the action server as they arrive, without waiting."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        """Nothing to configure in config.yml: the address and the switch come from the environment."""
        return {}

    def __init__(self, address: tuple[str, int] | None) -> None:
        self._address = address
        self._socket: socket.socket | None = None
        self._target: Any = None

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> QuestionHint:
        """Create the component; hints go to the settings' hint address (none: hints are off)."""
        return cls(settings().question_hint_address)

    def _open(self) -> socket.socket | None:
        if self._socket is not None or self._address is None:
            return self._socket
        try:
            family, kind, proto, _, target = socket.getaddrinfo(*self._address, type=socket.SOCK_DGRAM)[0]
            sock = socket.socket(family, kind, proto)
            sock.setblocking(False)
        except OSError as error:
            logger.warning("question hints off: %s:%d (%s)", *self._address, error)
            self._address = None
            return None
        self._socket, self._target = sock, target
        return sock

    def process(self, messages: List[Message]) -> List[Message]:
        """Send each message's text ahead; return the messages unchanged."""
        for message in messages:
            data = encode_hint(hinted_texts(message.get(TEXT) or ""))
            sock = self._open() if data is not None else None
            if data is None or sock is None:
                continue
            # A full buffer or an unreachable port: the action embeds the question itself.
            with contextlib.suppress(OSError):
                sock.sendto(data, self._target)
        return messages
