"""When the action server is down or slow, tell the patient to call the clinic.

Rasa 3.6 runs a custom action with a five-minute timeout, and when the call
fails it logs the error and carries on without a reply: the patient sees
nothing. Rasa has no setting or hook for either (``RemoteAction.run`` calls the
endpoint with its own constant timeout, and ``MessageProcessor._run_action``
swallows the error), so :func:`install` wraps ``RemoteAction.run`` once per
process:

- the call gets ``ACTION_TIMEOUT`` seconds (:mod:`bot.settings`);
- on a timeout or any failure of the call (unreachable, an HTTP error, an
  unreadable answer) the action's events are the domain response
  ``utter_action_unavailable`` ("I can't look that up right now — please call
  the clinic at {clinic_phone}."), rendered by the bot's NLG, plus
  ``answer_section`` set to null (CONTRACT: every turn sets it).

A rejection (``ActionExecutionRejection``) is Rasa's own control flow and
passes through. The next turn calls the action server again, so answers resume
as soon as it is back. :class:`bot.nlg.ClinicNaturalLanguageGenerator` calls
:func:`install` when the Rasa server loads the bot.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Awaitable, Callable, Dict, List

import jsonschema
import jsonschema.exceptions
import jsonschema.validators
from rasa.core.actions.action import ActionExecutionRejection, RemoteAction, create_bot_utterance
from rasa.shared.core.events import Event, SlotSet

from bot.action_client import keep_alive
from bot.settings import settings

logger = logging.getLogger(__name__)

UNAVAILABLE = "utter_action_unavailable"
FALLBACK_TEXT = "I can't look that up right now — please call the clinic at {clinic_phone}."
_MARK = "_clinic_fallback_installed"

RunMethod = Callable[..., Awaitable[List[Event]]]


async def unavailable_events(output_channel: Any, nlg: Any, tracker: Any) -> List[Event]:
    """The events of a turn whose action could not run: the fault message and a null section."""
    message = await nlg.generate(UNAVAILABLE, tracker, output_channel.name())
    if not message:
        # A model trained before the response existed: the same words, never silence.
        message = {"text": FALLBACK_TEXT.format(**settings().response_values())}
    return [create_bot_utterance(dict(message)), SlotSet("answer_section", None)]


def guarded(run: RunMethod, timeout: float) -> RunMethod:
    """``RemoteAction.run`` with a time limit and a patient-facing reply on failure."""

    async def run_or_apologise(
        self: RemoteAction, output_channel: Any, nlg: Any, tracker: Any, domain: Any
    ) -> List[Event]:
        if self.action_endpoint is not None:
            keep_alive(self.action_endpoint)
        try:
            return await asyncio.wait_for(run(self, output_channel, nlg, tracker, domain), timeout=timeout)
        except ActionExecutionRejection:
            raise
        except asyncio.TimeoutError:
            logger.error("custom action '%s' took over %.1f s: telling the patient to call", self.name(), timeout)
        except Exception as error:  # never silence: whatever went wrong, the patient hears from us
            logger.error("custom action '%s' failed (%s): telling the patient to call", self.name(), error)
        return await unavailable_events(output_channel, nlg, tracker)

    setattr(run_or_apologise, _MARK, True)
    return run_or_apologise


class ResponseValidator:
    """Rasa's schema for an action server's answer, checked event by event.

    Rasa validates each event against a ``oneOf`` of all 23 event schemas, so
    every event is checked 23 times: profiled at 5 % of the Rasa server's CPU
    under load. The event schemas differ only by their constant ``event`` name,
    so each event is checked here against the one schema its name selects,
    which accepts and rejects exactly what the ``oneOf`` does.
    """

    def __init__(self, spec: Dict[str, Any]) -> None:
        events = spec["properties"]["events"]["items"]
        base = {key: value for key, value in events.items() if key != "oneOf"}
        outer = {
            **spec,
            "properties": {**spec["properties"], "events": {"type": "array", "items": {"type": "object"}}},
        }
        self._outer = self._compile(outer)
        self._by_name = {
            option["properties"]["event"]["const"]: self._compile({"allOf": [base, option]})
            for option in events["oneOf"]
        }
        self._unknown = self._compile(events)

    @staticmethod
    def _compile(schema: Dict[str, Any]) -> Any:
        return jsonschema.validators.validator_for(schema)(schema)

    def first_error(self, result: Any) -> jsonschema.exceptions.ValidationError | None:
        """The most relevant error in ``result``, or None when it is a valid answer."""
        error = jsonschema.exceptions.best_match(self._outer.iter_errors(result))
        if error is not None:
            return error
        for event in result.get("events") or []:
            validator = self._by_name.get(event.get("event"), self._unknown)
            error = jsonschema.exceptions.best_match(validator.iter_errors(event))
            if error is not None:
                return error
        return None


def _validate_action_result(self: RemoteAction, result: Dict[str, Any]) -> bool:
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


_validator: ResponseValidator | None = None


def install(timeout: float | None = None) -> None:
    """Wrap ``RemoteAction.run`` and speed up its response check (once; later calls do nothing)."""
    if getattr(RemoteAction.run, _MARK, False):
        return
    RemoteAction._validate_action_result = _validate_action_result  # type: ignore[method-assign]
    limit = settings().action_timeout if timeout is None else timeout
    RemoteAction.run = guarded(RemoteAction.run, limit)  # type: ignore[method-assign]
    logger.debug("custom actions limited to %.1f s, with a fallback reply", limit)
