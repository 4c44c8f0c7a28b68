"""Response generator that fills the clinic's settings into the bot's own texts.

Responses in ``domain.yml`` may name ``{clinic_name}``, ``{clinic_phone}``,
``{clinic_hours}``, ``{emergency_number}`` and ``{crisis_line}``; the values come
from the environment (:mod:`common.settings`), so a clinic changes them without
retraining. It runs inside the Rasa server: emergency and hand-off messages do
not depend on the action server being up. Configured in ``endpoints.yml``.

When the patient's message was in Spanish (``language`` in its parse data,
set by :mod:`bot.components.language`), a response's Spanish variant
(``utter_emergency_es`` for ``utter_emergency``) is sent instead, if the domain has one.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any, Dict

from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from common.settings import settings

NOTICE = "utter_notice"
#: Responses sent alone, without the first-reply notice (utter_outreach and utter_other_language say it themselves),
#: whether asked for by name or as their Spanish variant (the action server asks for ``utter_emergency_es``).
WITHOUT_NOTICE = frozenset(
    {
        NOTICE,
        "utter_emergency",
        "utter_emergency_es",
        "utter_outreach",
        "utter_other_language",
        "utter_other_language_es",
    }
)
#: How many conversations' last noticed turn are remembered (one entry each; the oldest goes first).
NOTICED_TURNS = 10_000
#: The languages whose variants the domain has, as the response name's suffix ("utter_emergency_es").
VARIANT_LANGUAGES = frozenset({"es"})


def message_language(tracker: DialogueStateTracker) -> str:
    """The language of the patient's latest message (``en`` unless marked otherwise)."""
    latest = tracker.latest_message
    language = latest.parse_data.get("language") if latest is not None else None
    return language if isinstance(language, str) else "en"


def first_reply_of_session(tracker: DialogueStateTracker) -> bool:
    """Whether the bot has said nothing yet in the tracker's current session."""
    for event in reversed(tracker.events):
        if isinstance(event, BotUttered):
            return False
        if isinstance(event, SessionStarted):
            return True
    return True


def turn_key(tracker: DialogueStateTracker) -> tuple[str, str]:
    """The conversation and its patient's latest message: one turn, however many replies it has."""
    latest = tracker.latest_message
    message = (latest.message_id or str(latest.timestamp)) if latest is not None else ""
    return tracker.sender_id, message


class ClinicNaturalLanguageGenerator(TemplatedNaturalLanguageGenerator):
    """The domain's responses, with the clinic's settings as fill-in values.

    The first reply of a session starts with the notice (``utter_notice``):
    general information, not medical advice, and what to do in an emergency.
    An emergency reply is sent alone. When one action sends several replies
    (a hand-off and an offer of the general page), only the first carries it:
    Rasa renders them all before any is recorded in the tracker, so the turn
    that got the notice is remembered here.
    """

    def __init__(self, endpoint_config: EndpointConfig | None = None, domain: Domain | None = None) -> None:
        super().__init__((domain or Domain.empty()).responses)
        self._values = settings().response_values()
        self._noticed: OrderedDict[tuple[str, str], None] = OrderedDict()

    async def generate(
        self,
        utter_action: str,
        tracker: DialogueStateTracker,
        output_channel: str,
        **kwargs: Any,
    ) -> Dict[str, Any] | None:
        """Render a response with the slots, the clinic's settings and any arguments."""
        values = {**self._values, **kwargs}
        language = message_language(tracker)
        variant = f"{utter_action}_{language}"
        if language in VARIANT_LANGUAGES and variant in self.responses:
            message = await super().generate(variant, tracker, output_channel, **values)
        else:
            message = await super().generate(utter_action, tracker, output_channel, **values)
        if message and message.get("text") and utter_action not in WITHOUT_NOTICE and self._first_of_session(tracker):
            notice = await super().generate(NOTICE, tracker, output_channel, **values)
            if notice and notice.get("text"):
                message = {**message, "text": f"{notice['text']}\n\n{message['text']}"}
        return message

    def _first_of_session(self, tracker: DialogueStateTracker) -> bool:
        """Whether this reply is the session's first, counting replies of this turn not yet recorded."""
        if not first_reply_of_session(tracker):
            return False
        key = turn_key(tracker)
        if key in self._noticed:
            return False
        self._noticed[key] = None
        while len(self._noticed) > NOTICED_TURNS:
            self._noticed.popitem(last=False)
        return True
