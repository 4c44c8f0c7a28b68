"""Rasa component: emergencies first.

Placed last in the NLU pipeline, it has the final say on the intent: a message
that the red-flag patterns (:mod:`bot.red_flags`) judge an emergency gets the
``emergency`` intent whatever the classifiers said, so no rule or action after
it can answer from the knowledge base. Each sentence is checked (spaCy's
sentences, from the sentencizer in the pipeline :mod:`bot.spacy_pipeline`
builds), so an emergency in the middle of a long story is found. A red flag
found by the Spanish patterns marks the message Spanish (``language``), so that
the emergency reply is the Spanish one. The classifier's own ``emergency``
prediction catches phrasings the patterns miss; when it is unsure, it gives
way to ``nlu_fallback`` so that ordinary questions are not treated as 911 calls,
and so it does for a long story or a question about a mild or past symptom
(:func:`bot.red_flags.classifier_may_be_right`): there the sentence patterns decide.
"""

from __future__ import annotations

from typing import Any, Dict, List

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.nlu.constants import SPACY_DOCS
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, PREDICTED_CONFIDENCE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.components.language import LANGUAGE_KEY
from bot.red_flags import classifier_may_be_right, red_flag
from common.sentences import split_sentences

RED_FLAG_KEY = "red_flag"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class RedFlagClassifier(GraphComponent, IntentClassifier):
    """Overrides the intent with ``emergency`` when a message describes one."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        """The emergency intent's name, and the classifier confidence it needs on its own."""
        return {"intent": "emergency", "classifier_threshold": 0.9}

    def __init__(self, config: Dict[str, Any]) -> None:
        self._intent = config["intent"]
        self._threshold = float(config["classifier_threshold"])

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> RedFlagClassifier:
        """Create the component (nothing to train)."""
        return cls(config)

    def process(self, messages: List[Message]) -> List[Message]:
        """Decide, for each message, whether it is an emergency."""
        for message in messages:
            text = message.get(TEXT) or ""
            flag = red_flag(text, sentences_of(message))
            ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get(INTENT_NAME_KEY) != self._intent]
            if flag is not None:
                emergency = {INTENT_NAME_KEY: self._intent, PREDICTED_CONFIDENCE_KEY: 1.0}
                message.set(INTENT, emergency, add_to_output=True)
                message.set(INTENT_RANKING_KEY, [emergency, *ranking], add_to_output=True)
                message.set(RED_FLAG_KEY, flag.kind, add_to_output=True)
                if flag.language != "en":
                    message.set(LANGUAGE_KEY, flag.language, add_to_output=True)
                continue
            intent = message.get(INTENT) or {}
            if intent.get(INTENT_NAME_KEY) == self._intent and (
                (intent.get(PREDICTED_CONFIDENCE_KEY) or 0.0) < self._threshold or not classifier_may_be_right(text)
            ):
                # Unsure, or a question about a mild or past symptom, and no red flag:
                # neither an emergency nor a confident answer.
                fallback = {INTENT_NAME_KEY: "nlu_fallback", PREDICTED_CONFIDENCE_KEY: self._threshold}
                message.set(INTENT, fallback, add_to_output=True)
                message.set(INTENT_RANKING_KEY, [fallback, *ranking], add_to_output=True)
        return messages


def sentences_of(message: Message) -> List[str] | None:
    """The message's sentences from its spaCy doc (each split further at line breaks and list items), if it has them."""
    doc = message.get(SPACY_DOCS[TEXT])
    if doc is None or not doc.has_annotation("SENT_START"):
        return None
    return [piece for sentence in doc.sents for piece in split_sentences(sentence.text)]
