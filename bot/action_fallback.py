"""What the patient hears when the action server is down or slow, and a faster response check.

Rasa 3.6 runs a custom action with a five-minute timeout, and when the call
fails it logs the error and carries on without a reply: the patient sees
nothing. :mod:`bot.rasa_patches` wraps ``RemoteAction.run`` so that the call
gets ``ACTION_TIMEOUT`` seconds (:mod:`common.settings`) and, on a timeout or
any failure of the call (unreachable, an HTTP error, an unreadable answer),
the action's events are :func:`unavailable_events`: the domain response
``utter_action_unavailable`` ("I can't look that up right now — please call
the clinic at {clinic_phone}."), rendered by the bot's NLG, plus
``answer_section`` set to null and ``answer_sections`` to ``[]`` (CONTRACT: every turn sets them).

:class:`ResponseValidator` is Rasa's check of an action server's answer,
compiled once and split by event; :mod:`bot.rasa_patches` installs it.
This module changes nothing in Rasa by itself.
"""

from __future__ import annotations

from typing import Any, Dict, List

import jsonschema
import jsonschema.exceptions
import jsonschema.validators
from rasa.core.actions.action import create_bot_utterance
from rasa.shared.core.events import Event, SlotSet

from common.settings import settings

UNAVAILABLE = "utter_action_unavailable"
#: What a patient hears when one of these actions could not run, instead of ``UNAVAILABLE``: a message in another
#: language gets the reply it would have had (with the clinic's and the emergency numbers), in its language.
FALLBACK_RESPONSES = {"action_other_language": "utter_other_language"}
FALLBACK_TEXT = "I can't look that up right now — please call the clinic at {clinic_phone}."


async def unavailable_events(output_channel: Any, nlg: Any, tracker: Any, action: str = "") -> List[Event]:
    """The events of a turn whose action (named ``action``) could not run: the fault message and a null section."""
    message = await nlg.generate(FALLBACK_RESPONSES.get(action, UNAVAILABLE), tracker, output_channel.name())
    if not message:
        # A model trained before the response existed: the same words, never silence.
        message = {"text": FALLBACK_TEXT.format(**settings().response_values())}
    return [create_bot_utterance(dict(message)), SlotSet("answer_section", None), SlotSet("answer_sections", [])]


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
