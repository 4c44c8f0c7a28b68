"""Rasa component: the language the patient wrote in.

It marks every message with its language (``language`` in the parse data: an
ISO 639-1 code, ``en`` when unsure; :mod:`bot.language`), and makes the intent
``other_language`` when the message is confidently in another language, so
that the patient gets a short reply in that language with the clinic's number
instead of a page in English. It runs before the red-flag classifier, which has
the last word: an emergency in any language gets the emergency reply (the
Spanish one for Spanish, rendered by :mod:`bot.nlg`).
"""

from __future__ import annotations

from typing import Any, Dict, List

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, PREDICTED_CONFIDENCE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.language import ENGLISH, identify, warm_up

LANGUAGE_KEY = "language"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class LanguageIdentifier(GraphComponent, IntentClassifier):
    """Marks each message's language; a message clearly not in English gets the ``other_language`` intent."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        """The intent given to messages in another language, and the confident prediction it leaves alone."""
        return {"intent": "other_language", "keep_intent": "emergency", "keep_threshold": 0.9}

    def __init__(self, config: Dict[str, Any]) -> None:
        self._intent = config["intent"]
        self._keep = config["keep_intent"]
        self._keep_threshold = float(config["keep_threshold"])

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> LanguageIdentifier:
        """Create the component (nothing to train)."""
        return cls(config)

    @classmethod
    def load(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> LanguageIdentifier:
        """Load the component with the server, and the detector's models with it (a couple of seconds)."""
        warm_up()
        return cls(config)

    def process(self, messages: List[Message]) -> List[Message]:
        """Mark each message's language, and its intent when it is not English."""
        for message in messages:
            identified = identify(message.get(TEXT) or "")
            message.set(LANGUAGE_KEY, identified.language if identified.other else ENGLISH, add_to_output=True)
            intent = message.get(INTENT) or {}
            if not identified.other and intent.get(INTENT_NAME_KEY) == self._intent:
                self._demote(message)  # the classifier alone does not make English another language
                continue
            if not identified.other or (
                intent.get(INTENT_NAME_KEY) == self._keep
                and (intent.get(PREDICTED_CONFIDENCE_KEY) or 0.0) >= self._keep_threshold
            ):
                continue  # English, or the classifier is sure it is an emergency
            other = {INTENT_NAME_KEY: self._intent, PREDICTED_CONFIDENCE_KEY: 1.0}
            ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get(INTENT_NAME_KEY) != self._intent]
            message.set(INTENT, other, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [other, *ranking], add_to_output=True)
        return messages

    def _demote(self, message: Message) -> None:
        """Replace the ``other_language`` prediction of an English message with the next likeliest intent."""
        ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get(INTENT_NAME_KEY) != self._intent]
        fallback = {INTENT_NAME_KEY: "nlu_fallback", PREDICTED_CONFIDENCE_KEY: 1.0}
        message.set(INTENT, ranking[0] if ranking else fallback, add_to_output=True)
        message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
