"""A policy that starts every turn with ``answer_section`` null and ``answer_sections`` empty.

CONTRACT.md asks that every turn set ``answer_section``: to a section key when
the reply comes from the knowledge base (``action_answer`` sets it), else to
null. Turns answered by rules alone (small talk, hand-offs, emergencies) never
reach the action server, so this policy clears the slot in the first
prediction of each turn. It predicts no action itself: its zero probabilities
never win; Rasa applies the events of every policy's prediction.
"""

from __future__ import annotations

from typing import Any, Dict, List

from rasa.core.constants import DEFAULT_POLICY_PRIORITY, POLICY_PRIORITY
from rasa.core.policies.policy import Policy, PolicyPrediction
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.core.constants import ACTION_LISTEN_NAME, ACTION_SESSION_START_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker

SLOT = "answer_section"
#: CONTRACT.md: every section the turn's reply was taken from; [] when none.
SECTIONS_SLOT = "answer_sections"
#: Actions that run between the patient's message and the turn's first prediction.
_BEFORE_FIRST_PREDICTION = frozenset({ACTION_LISTEN_NAME, ACTION_SESSION_START_NAME, "action_extract_slots"})


def first_prediction_of_turn(tracker: DialogueStateTracker) -> bool:
    """Whether no action has run yet since the patient's latest message."""
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            return True
        if isinstance(event, ActionExecuted) and event.action_name not in _BEFORE_FIRST_PREDICTION:
            return False
    return False


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=True)
class AnswerSectionResetPolicy(Policy):
    """Clears ``answer_section`` and ``answer_sections`` at the start of every turn; predicts nothing."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        """The lowest priority: it never decides the next action."""
        return {POLICY_PRIORITY: DEFAULT_POLICY_PRIORITY}

    def train(self, training_trackers: List[TrackerWithCachedStates], domain: Domain, **kwargs: Any) -> Resource:
        """Nothing to learn."""
        return self._resource

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: Any | None = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        """Zero for every action, plus the slot reset in a turn's first prediction."""
        events = []
        if first_prediction_of_turn(tracker):
            if tracker.get_slot(SLOT) is not None:
                events.append(SlotSet(SLOT, None))
            if tracker.get_slot(SECTIONS_SLOT):
                events.append(SlotSet(SECTIONS_SLOT, []))
        return self._prediction(self._default_predictions(domain), events=events)

    @classmethod
    def _metadata_filename(cls) -> str:
        return "answer_section_reset_policy"
