"""A policy that sends a message in another language to ``action_other_language``.

The language identifier (:mod:`bot.components.language`) gives such a message
the intent ``other_language``. A rule in ``data/rules`` would do the same, but
a rule's intent joins the intent classifier's label vocabulary and changes its
training (the held-out accuracy moved by a few questions); this policy needs
no training data at all. In the turn's first prediction it runs the action,
then listens. The action (:class:`actions.actions.ActionOtherLanguage`) reads
the message with the models first, so that an emergency in Spanish that the
red flags miss still gets the emergency reply; otherwise it sends
``utter_other_language``, which ``bot/nlg.py`` renders in Spanish for a
Spanish message.
"""

from __future__ import annotations

from typing import Any, Dict, List

from rasa.core.constants import POLICY_PRIORITY, RULE_POLICY_PRIORITY
from rasa.core.policies.policy import Policy, PolicyPrediction
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker

from bot.policies import first_prediction_of_turn

INTENT = "other_language"
ACTION = "action_other_language"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=True)
class OtherLanguagePolicy(Policy):
    """``other_language`` → ``action_other_language``, then listen; nothing for any other intent."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        """The rules' priority: it decides only turns no rule covers."""
        return {POLICY_PRIORITY: RULE_POLICY_PRIORITY}

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
        """The action in the turn's first prediction, listening after it, else zeros."""
        probabilities = self._default_predictions(domain)
        latest = tracker.latest_message
        if latest is None or latest.intent.get("name") != INTENT:
            return self._prediction(probabilities)
        if first_prediction_of_turn(tracker):
            probabilities[domain.index_for_action(ACTION)] = 1.0
        elif tracker.latest_action_name == ACTION:
            probabilities[domain.index_for_action(ACTION_LISTEN_NAME)] = 1.0
        return self._prediction(probabilities)

    @classmethod
    def _metadata_filename(cls) -> str:
        return "other_language_policy"
