"""Custom actions: thin adapters between Rasa's tracker and :mod:`actions.answering`."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.answering import Answerer, Context, Request, Turn
from actions.decide import DECLINE, EMERGENCY, Decision
from actions.forget_me import ActionForgetMe  # noqa: F401 (the action server registers every action of the package)
from actions.reader import Reading
from actions.runtime import Read, answerer, read_message, service

logger = logging.getLogger(__name__)

#: The slot that records what the models read and the table decided (CONTRACT's slots are set beside it).
READING_SLOT = "reading"


def request_from(tracker: Tracker) -> Request:
    """What NLU understood of the latest message."""
    return Request.from_parse(tracker.latest_message or {})


def context_from(tracker: Tracker) -> Context:
    """What the conversation knew before this turn."""
    pending = tracker.get_slot("pending_question")
    shown = tracker.get_slot("shown_passages") or []
    return Context(
        procedure=tracker.get_slot("procedure"),
        pending_question=pending,
        pending_text=_last_text_with_intent(tracker, pending) if pending else "",
        more_section=tracker.get_slot("more_section"),
        shown=tuple(int(x) for x in shown),
        last_question=tracker.get_slot("last_question"),
    )


def _last_text_with_intent(tracker: Tracker, intent: str) -> str:
    for event in reversed(tracker.events):
        if event.get("event") == "user" and ((event.get("parse_data") or {}).get("intent") or {}).get("name") == intent:
            return str(event.get("text") or "")
    return ""


#: The responses that carry a knowledge-base answer.
ANSWER_RESPONSES = ("utter_answer", "utter_answer_with_more")


def send(turn: Turn, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
    """Utter a turn's responses and return the slot events that change something.

    ``answer_section`` and ``answer_sections`` are always set (CONTRACT.md: every turn sets them); the other
    slots only when their value changes, so that a conversation's tracker, and
    with it every later request to this server, does not grow by six events a turn.
    """
    # The scores of the passages sent ride along in the bot event's metadata (the tracker keeps them for
    # the staff console and make shell; no channel shows them to a patient).
    scores = " ".join(f"{hit.score:.3f}" for hit in turn.passages)
    for utterance in turn.utterances:
        buttons = [{"title": b.title, "payload": b.payload} for b in utterance.buttons]
        extra = {"passage_scores": scores} if scores and utterance.response in ANSWER_RESPONSES else {}
        dispatcher.utter_message(response=utterance.response, buttons=buttons or None, **utterance.values, **extra)
    values: dict[str, Any] = {
        "procedure": turn.procedure,
        "pending_question": turn.pending_question,
        "more_section": turn.more_section,
        "shown_passages": [str(p) for p in turn.shown],
        "last_question": turn.last_question,
    }
    events: list[EventType] = [
        SlotSet("answer_section", turn.answer_section),
        SlotSet("answer_sections", list(turn.answer_sections)),
    ]
    for name, value in values.items():
        before = tracker.get_slot(name)
        if name == "shown_passages":
            before = before or []
        if value != before:
            events.append(SlotSet(name, value))
    return events


class ActionAnswer(Action):
    """Read the message (models), decide (one table), then answer, hand off, narrow or decline."""

    def __init__(self, answerer_: Answerer | None = None, read_: Read | None = None) -> None:
        self._answerer = answerer_
        self._read = read_

    def name(self) -> str:
        """The action's name in the domain."""
        return "action_answer"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        """Decide and send this turn's answer."""
        request, context = request_from(tracker), context_from(tracker)
        questions = None if self._answerer else service().questions
        before = questions.counts() if questions else (0, 0)
        asked = context.pending_question is not None or context.last_question is not None
        reading, decision = (self._read or read_message)(request.text, request.intent, request.confidence, asked)
        turn = (self._answerer or answerer()).respond(request, context, reading, decision)
        after = questions.counts() if questions else (0, 0)
        # How the question's vector was had: sent ahead by the Rasa server, embedded here, or not needed.
        vector = "hinted" if after[0] > before[0] else "embedded" if after[1] > before[1] else "none"
        logger.info(
            "answer intent=%s decision=%s rule=%d p=%.3f procedure=%s section=%s vector=%s scores=%s",
            request.intent,
            decision.reply,
            decision.rule,
            decision.probability,
            turn.procedure,
            turn.answer_section,
            vector,
            [round(h.score, 3) for h in turn.passages],
        )
        return [*send(turn, dispatcher, tracker), SlotSet(READING_SLOT, record(reading, decision))]


class ActionClarify(ActionAnswer):
    """NLU was unsure: the same reading and table decide (answer, narrow to two sections, or decline)."""

    def name(self) -> str:
        """The action's name in the domain."""
        return "action_clarify"


class ActionOtherLanguage(Action):
    """A message in another language: the models read it first, so that an emergency gets the emergency reply.

    Rasa's language identifier gives such a message the intent ``other_language`` and
    :mod:`bot.language_policy` sends it here. The red flags (Spanish ones too) have already run in Rasa; the
    reader learned emergencies in Spanish from the corpus (its Spanish-writing writers), and decide's first row
    is the same as for English. Anything else gets the other-language reply (the clinic's and the emergency
    numbers, in Spanish for a Spanish message): the bot answers from its English pages only.
    """

    def __init__(self, read_: Read | None = None) -> None:
        self._read = read_

    def name(self) -> str:
        """The action's name in the domain."""
        return "action_other_language"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        """The emergency reply if the models read one, else the other-language reply."""
        request = request_from(tracker)
        reading, decision = (self._read or read_message)(request.text, request.intent, request.confidence, False)
        response, decision = other_language_reply(request.language, reading, decision)
        dispatcher.utter_message(response=response)
        logger.info(
            "other language=%s decision=%s rule=%d p=%.3f",
            request.language,
            decision.reply,
            decision.rule,
            decision.probability,
        )
        return [
            SlotSet("answer_section", None),
            SlotSet("answer_sections", []),
            SlotSet(READING_SLOT, record(reading, decision)),
        ]


def other_language_reply(language: str, reading: Reading, decision: Decision) -> tuple[str, Decision]:
    """The response for a message in another language, and the decision it records: an emergency, or decline."""
    if decision.reply == EMERGENCY:
        return ("utter_emergency_es" if language == "es" else "utter_emergency"), decision
    declined = Decision(DECLINE, "utter_other_language", probability=reading.p(reading.kind), rule=5)
    return "utter_other_language", declined


def record(reading: Reading, decision: Decision) -> dict[str, Any]:
    """What the models read and the table decided, for the tracker (audits and the staff console)."""
    return {
        "reply": decision.reply,
        "rule": decision.rule,
        "probability": round(decision.probability, 3),
        **reading.summary(),
        "decided_sections": list(decision.sections),
    }
