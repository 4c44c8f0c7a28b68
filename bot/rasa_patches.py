"""Every change this project makes to Rasa's internals, in one place.

Rasa 3.6 has no setting or hook for any of these, so each replaces one of its
methods. :func:`install` applies them all, once, and is called by the Rasa
server's entry point (``python -m bot.server``) before Rasa loads anything;
nothing else installs a patch, and no constructor does. They were written
against :data:`RASA_VERSION`: the entry point refuses any other version
(:func:`check_version`), because a method they replace may have changed.

The patches, and the measurement or bug behind each:

``action_timeout_and_fallback``
    ``RemoteAction.run`` gets ``ACTION_TIMEOUT`` seconds and, when the call
    fails or times out, answers with ``utter_action_unavailable`` ("please call
    the clinic") instead of Rasa's silence. Bug: Rasa waits five minutes for an
    action and then replies nothing (``MessageProcessor._run_action`` swallows
    the error); shown by tests/reliability/test_faults.py.
``kept_alive_action_calls``
    The action endpoint's ``request`` reuses one aiohttp session per event
    loop, and leaves the domain out once the action server holds it
    (rasa-sdk's ``domain_digest``). Measured: Rasa opened a TCP connection per
    action call; with the lean tracker store, 10 patients went 35 → 58 turns/s
    and p95 549 → 294 ms (``make bench``, stop 9).
``response_check_per_event``
    ``RemoteAction._validate_action_result`` checks each event against the one
    schema its name selects instead of a ``oneOf`` of 23. Measured: 5 % of the
    Rasa server's CPU under load (py-spy, ``make bench``); it accepts and
    rejects exactly what Rasa's schema does (tests/bot/test_action_fallback.py).
``event_type_table``
    ``Event.resolve_by_type`` looks event names up in a table built once.
    Measured: Rasa walks every ``Event`` subclass for each stored event it
    reads; part of the tracker store's 40 % of the server's CPU (stop 9).
``purge_in_the_background``
    ``rasa.core.run.serve_application`` gets :data:`bot.retention.SERVER_LISTENERS`
    in its own ``server_listeners`` parameter, which ``rasa run`` never sets:
    the Rasa server deletes expired conversations every
    ``PURGE_INTERVAL_SECONDS`` (issue 14), as a task of its event loop.
``sequential_graph_runner``
    The server's loaded model runs its graph with
    :class:`bot.graph_runner.SequentialGraphRunner` instead of dask (Rasa's
    ``MessageProcessor`` names ``DaskGraphRunner`` itself). Measured in one
    process: a parse 12.2 → about 10 ms, an action prediction 1.3 → 0.55 ms,
    the same parses; under load the Rasa server is one of the two busy
    processes (``make bench``).
``sparse_features_joined``
    ``Features._combine_sparse_features`` joins two sparse feature matrices by
    concatenating their COO arrays (the column indices of the second moved
    past the first's) instead of ``scipy.sparse.hstack``, which goes through
    ``bmat``'s general block layout. The same matrix (values, indices, dtype,
    format); DIET joins its four featurizers' matrices for every message.
    Measured: ``hstack`` was 9 % of the Rasa server's busy time under load
    (py-spy, ``make bench``, after the runner above); 1.0 → 0.24 ms for the
    three joins of one message's sequence features.
``socketio_answer_flag``
    The Socket.IO output marks the messages of a knowledge-base answer with
    ``"metadata": {"answer": true}``, so that the widget asks "Was this
    helpful?" under them (Rasa sends only text and buttons, not the response's
    name). The flag goes under ``metadata``, where rasa-webchat reads extras:
    it shows a message as text only when ``text`` (with ``quick_replies`` or
    ``buttons``) is all it holds besides ``metadata``.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import types
from importlib import metadata
from typing import Any, AsyncIterator, Awaitable, Callable, Dict, List

import numpy as np
import scipy.sparse
from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
from rasa.core.channels.socketio import SocketIOOutput
from rasa.shared.core.events import Event
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.utils.common import all_subclasses
from rasa.utils.endpoints import EndpointConfig

from bot.action_client import kept_alive_request
from bot.action_fallback import ResponseValidator, unavailable_events
from common.settings import settings

logger = logging.getLogger(__name__)

#: The Rasa release these patches were written for and tested against.
RASA_VERSION = "3.6.21"

RunMethod = Callable[..., Awaitable[List[Event]]]

_installed: List[str] = []
_ORIGINAL_RUN = RemoteAction.run
_ORIGINAL_VALIDATE = RemoteAction._validate_action_result
_ORIGINAL_RESOLVE = Event.resolve_by_type
_ORIGINAL_COMBINE = Features._combine_sparse_features
_validator: ResponseValidator | None = None
_KEPT_ALIVE = "_clinic_keep_alive"


class UnsupportedRasaVersionError(RuntimeError):
    """The installed rasa is not the release the patches were written for."""


def check_version(installed: str | None = None) -> None:
    """Raise :class:`UnsupportedRasaVersionError` unless rasa is :data:`RASA_VERSION`."""
    found = metadata.version("rasa") if installed is None else installed
    if found != RASA_VERSION:
        raise UnsupportedRasaVersionError(
            f"rasa {found} is installed, but bot/rasa_patches.py was written for rasa {RASA_VERSION}. "
            "Install the pinned version (make run builds its environment from requirements/rasa.txt), "
            "or review every patch in bot/rasa_patches.py against the new release and change RASA_VERSION."
        )


def keep_alive(endpoint: EndpointConfig) -> None:
    """Give ``endpoint`` the kept-alive request method (once per endpoint)."""
    if getattr(endpoint, _KEPT_ALIVE, False):
        return
    endpoint.request = types.MethodType(kept_alive_request, endpoint)  # type: ignore[method-assign]
    setattr(endpoint, _KEPT_ALIVE, True)


def guarded(run: RunMethod, timeout: float) -> RunMethod:
    """``RemoteAction.run`` with a time limit, kept-alive calls and a patient-facing reply on failure."""

    async def run_or_apologise(
        self: RemoteAction, output_channel: Any, nlg: Any, tracker: Any, domain: Any
    ) -> List[Event]:
        if self.action_endpoint is not None:
            keep_alive(self.action_endpoint)
        try:
            return await asyncio.wait_for(run(self, output_channel, nlg, tracker, domain), timeout=timeout)
        except ActionExecutionRejection:
            raise  # Rasa's own control flow
        except asyncio.TimeoutError:
            logger.error("custom action '%s' took over %.1f s: telling the patient to call", self.name(), timeout)
        except Exception as error:  # never silence: whatever went wrong, the patient hears from us
            logger.error("custom action '%s' failed (%s): telling the patient to call", self.name(), error)
        return await unavailable_events(output_channel, nlg, tracker, self.name())

    return run_or_apologise


def validate_action_result(self: RemoteAction, result: Dict[str, Any]) -> bool:
    """Rasa's check of an action server response, with the schema compiled once and split by event."""
    global _validator
    if _validator is None:
        _validator = ResponseValidator(self.action_response_format_spec())
    error = _validator.first_error(result)
    if error is not None:
        error.message += (
            ". Failed to validate Action server response from API, make sure your response from the Action "
            "endpoint is valid."
        )
        raise error
    return True


def combine_sparse_features(self: Features, additional_features: Features) -> None:
    """Rasa's ``Features._combine_sparse_features``: the two matrices side by side, as ``hstack`` gives them."""
    first, second = self.features.tocoo(), additional_features.features.tocoo()
    if first.shape[0] != second.shape[0]:
        raise ValueError(
            f"Cannot combine sparse features as sequence dimensions do not match: "
            f"{first.shape[0]} != {second.shape[0]}."
        )
    self.features = scipy.sparse.coo_matrix(
        (
            np.concatenate([first.data, second.data]).astype(np.result_type(first.dtype, second.dtype), copy=False),
            (np.concatenate([first.row, second.row]), np.concatenate([first.col, second.col + first.shape[1]])),
        ),
        shape=(first.shape[0], first.shape[1] + second.shape[1]),
    )
    self._cached_fingerprint = None


def event_type_resolver() -> Callable[..., type | None]:
    """``Event.resolve_by_type`` through a table of Rasa's ``Event`` classes, built once.

    Unknown names (and Rasa's special cases) still go to Rasa's own code.
    """
    table: Dict[str, type] = {}
    for cls in all_subclasses(Event):
        table.setdefault(cls.type_name, cls)

    def resolve_by_type(type_name: str, default: type | None = None) -> type | None:
        found = table.get(type_name)
        if found is not None:
            return found
        return _ORIGINAL_RESOLVE(type_name, default)  # type: ignore[arg-type]

    return resolve_by_type


def with_purge_listeners(serve: Callable[..., None]) -> Callable[..., None]:
    """``serve_application`` that also starts and stops the background purge (:mod:`bot.retention`)."""
    from bot.retention import SERVER_LISTENERS

    @functools.wraps(serve)  # rasa.api.run reads the signature (minimal_kwargs) through __wrapped__
    def serve_with_purge(*args: Any, **kwargs: Any) -> None:
        kwargs["server_listeners"] = [*(kwargs.get("server_listeners") or []), *SERVER_LISTENERS]
        serve(*args, **kwargs)

    return serve_with_purge


#: The responses that carry a knowledge-base answer: the widget shows "Was this helpful?" under them.
ANSWER_RESPONSES = ("utter_answer", "utter_answer_with_more", "utter_answers")
_ORIGINAL_SOCKETIO_SEND_RESPONSE = SocketIOOutput.send_response


async def send_response_flagging_answers(self: SocketIOOutput, recipient_id: str, message: Dict[str, Any]) -> None:
    """Rasa's ``send_response``, with ``"metadata": {"answer": true}`` on the messages of a knowledge-base answer.

    Rasa's Socket.IO output sends only the text and the buttons; the response's
    name (``utter_action``) is dropped, so the widget could not tell an answer
    from small talk. Only the Socket.IO channel is changed: SMS gets no prompt.
    """
    if message.get("utter_action") not in ANSWER_RESPONSES:
        await _ORIGINAL_SOCKETIO_SEND_RESPONSE(self, recipient_id, message)
        return
    plain = self._send_message

    async def flagged(socket_id: str, response: Any) -> None:
        if isinstance(response, dict) and response.get("text"):
            response = {**response, "metadata": {**(response.get("metadata") or {}), "answer": True}}
        await plain(socket_id, response)

    self._send_message = flagged  # type: ignore[method-assign]  # this output object serves one message
    try:
        await _ORIGINAL_SOCKETIO_SEND_RESPONSE(self, recipient_id, message)
    finally:
        self._send_message = plain  # type: ignore[method-assign]


_INTENT_NODES: Dict[str, str] = {}


def install(timeout: float | None = None, purge: bool = True) -> List[str]:
    """Apply every patch, once; return the names of those applied by this call (none the second time).

    ``purge=False`` (``rasa shell``) leaves the background purge out, and with it the
    early import of Rasa's server module, whose dependencies' warnings a staff
    member's shell would show.
    """
    if _installed:
        return []
    limit = settings().action_timeout if timeout is None else timeout
    RemoteAction.run = guarded(_ORIGINAL_RUN, limit)  # type: ignore[method-assign]
    _installed.extend(["action_timeout_and_fallback", "kept_alive_action_calls"])
    RemoteAction._validate_action_result = validate_action_result  # type: ignore[method-assign]
    _installed.append("response_check_per_event")
    Event.resolve_by_type = staticmethod(event_type_resolver())  # type: ignore[assignment,method-assign]
    _installed.append("event_type_table")
    if purge:
        import rasa.core.run

        rasa.core.run.serve_application = with_purge_listeners(rasa.core.run.serve_application)
        _installed.append("purge_in_the_background")
    import rasa.core.processor

    from bot.graph_runner import SequentialGraphRunner

    rasa.core.processor.DaskGraphRunner = SequentialGraphRunner  # type: ignore[misc]
    _installed.append("sequential_graph_runner")
    Features._combine_sparse_features = combine_sparse_features  # type: ignore[method-assign]
    _installed.append("sparse_features_joined")
    SocketIOOutput.send_response = send_response_flagging_answers  # type: ignore[method-assign]
    _installed.append("socketio_answer_flag")
    logger.debug("Rasa patches installed: %s (custom actions limited to %.1f s)", ", ".join(_installed), limit)
    return list(_installed)


def install_shell_reasons(token: str) -> None:
    """``rasa shell`` prints a line of reasons under each bot reply (:mod:`bot.shell_reasons`)."""
    from rasa.core.channels import console

    from bot.shell_reasons import fetch_tracker, reasons_line, with_reasons

    receive = console._send_message_receive_stream

    async def receive_with_reasons(
        server_url: str, auth_token: str, sender_id: str, message: str, request_timeout: int | None = None
    ) -> AsyncIterator[Dict[str, Any]]:
        responses = [r async for r in receive(server_url, auth_token, sender_id, message, request_timeout)]
        try:
            tracker = await asyncio.to_thread(fetch_tracker, server_url, token, sender_id)
            responses = with_reasons(responses, reasons_line(tracker))
        except (OSError, ValueError):
            pass  # no line rather than no reply
        for response in responses:
            yield response

    console._send_message_receive_stream = receive_with_reasons  # type: ignore[assignment]
    _installed.append("shell_reasons")


def installed() -> List[str]:
    """The names of the patches in force in this process."""
    return list(_installed)
