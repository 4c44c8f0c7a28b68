"""Custom actions: thin adapters between Rasa's tracker and :mod:`actions.answering`."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.answering import SETTLE_CANDIDATES, Answerer, Context, Request, Turn, intent_payload
from actions.forget_me import ActionForgetMe  # noqa: F401 (the action server registers every action of the package)
from actions.runtime import answerer, service
from knowledge.intents import INTENT_SECTIONS
from knowledge.sections import SECTION_TITLES

logger = logging.getLogger(__name__)

#: How close (in confidence) an interpretation must be to the best one to be offered.
CLARIFY_MARGIN = 0.25
CLARIFY_MIN_CONFIDENCE = 0.1


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
    """Answer a question from the knowledge base, ask which procedure, or show more."""

    def __init__(self, answerer_: Answerer | None = None) -> None:
        self._answerer = answerer_

    def name(self) -> str:
        """The action's name in the domain."""
        return "action_answer"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        """Decide and send this turn's answer."""
        request = request_from(tracker)
        questions = None if self._answerer else service().questions
        before = questions.counts() if questions else (0, 0)
        turn = (self._answerer or answerer()).respond(request, context_from(tracker))
        after = questions.counts() if questions else (0, 0)
        # How the question's vector was had: sent ahead by the Rasa server, embedded
        # here, or not needed (a short section given whole, or no answer).
        vector = "hinted" if after[0] > before[0] else "embedded" if after[1] > before[1] else "none"
        logger.info(
            "answer intent=%s procedure=%s section=%s vector=%s scores=%s",
            request.intent,
            turn.procedure,
            turn.answer_section,
            vector,
            [round(h.score, 3) for h in turn.passages],
        )
        return send(turn, dispatcher, tracker)


class ActionClarify(Action):
    """When NLU is unsure: offer the two or three likeliest questions, or say what the bot can do."""

    def __init__(self, answerer_: Answerer | None = None) -> None:
        self._answerer = answerer_

    def name(self) -> str:
        """The action's name in the domain."""
        return "action_clarify"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        """Offer "did you mean" choices or the help text."""
        ranking: list[dict[str, Any]] = (tracker.latest_message or {}).get("intent_ranking") or []
        request = request_from(tracker)
        procedure = request.procedures[-1] if request.procedures else None
        candidates = [r for r in ranking if r.get("name") in INTENT_SECTIONS]
        settled = (self._answerer or answerer()).settle(
            request, context_from(tracker), [r["name"] for r in candidates[:SETTLE_CANDIDATES]]
        )
        if settled is not None:
            logger.info("clarify settled: procedure=%s section=%s", settled.procedure, settled.answer_section)
            return send(settled, dispatcher, tracker)
        best = candidates[0]["confidence"] if candidates else 0.0
        close = [
            r["name"]
            for r in candidates[:3]
            if r["confidence"] >= CLARIFY_MIN_CONFIDENCE and best - r["confidence"] <= CLARIFY_MARGIN
        ]
        if len(close) >= 2 or (close and best >= 0.3):
            buttons = [
                {"title": SECTION_TITLES[INTENT_SECTIONS[name]], "payload": intent_payload(name, procedure)}
                for name in close
            ]
            buttons.append({"title": "Something else", "payload": "/out_of_scope"})
            dispatcher.utter_message(response="utter_did_you_mean", buttons=buttons)
        else:
            dispatcher.utter_message(response="utter_default")
        return [SlotSet("answer_section", None), SlotSet("answer_sections", []), SlotSet("pending_question", None)]
