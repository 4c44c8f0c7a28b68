"""A confirmed "forget me": the action that deletes the patient's conversation.

The rules (``data/rules/privacy.yml``) run it only after the patient said yes
to ``utter_ask_forget``. It tells the patient that it is done and drops any
question vectors still waiting for the conversation's messages. The deletion
itself happens in the Rasa server when it saves this turn: its tracker store
recognises this action (:data:`common.retention.FORGET_ACTION`), deletes
every earlier event of the conversation in the same transaction, under the
conversation's lock, and keeps only the events from this action on; the SMS
channel then forgets the number and its last choices (an opt-out stays, as a
keyed hash). The events returned here reset the slots, so that nothing the
patient said before survives in what is kept.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import AllSlotsReset, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.question_vectors import QuestionVectors
from common.retention import FORGET_ACTION

logger = logging.getLogger(__name__)

SMS_CHANNEL = "twilio"


def user_texts(tracker: Tracker) -> list[str]:
    """Every text the patient sent in the events the action server was given."""
    return [str(e.get("text")) for e in tracker.events if e.get("event") == "user" and e.get("text")]


class ActionForgetMe(Action):
    """Say that the conversation is deleted; the Rasa server's tracker store deletes it on save."""

    def __init__(self, vectors: Callable[[], QuestionVectors | None] | None = None) -> None:
        self._vectors = vectors

    def name(self) -> str:
        """The action's name in the domain."""
        return FORGET_ACTION

    def _questions(self) -> QuestionVectors | None:
        if self._vectors is not None:
            return self._vectors()
        from actions.runtime import service  # built once per server; tests inject their own

        return service().questions

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        """Confirm the deletion and reset every slot (the events kept after it hold nothing from before)."""
        questions = self._questions()
        dropped = questions.forget(user_texts(tracker)) if questions is not None else 0
        channel = tracker.get_latest_input_channel()
        dispatcher.utter_message(response="utter_forget_done_sms" if channel == SMS_CHANNEL else "utter_forget_done")
        logger.info("forget me: conversation deleted on save; %d waiting question vector(s) dropped", dropped)
        events: list[Any] = [AllSlotsReset(), SlotSet("answer_section", None)]
        return events
