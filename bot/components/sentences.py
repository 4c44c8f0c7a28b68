"""Rasa component: the message's sentences, as character spans in the parse data.

Patients write a paragraph of history and then the question, or several
questions at once. The spaCy pipeline that ``SpacyNLP`` runs (built by
:mod:`bot.spacy_pipeline`, with spaCy's sentencizer) splits the message into
sentences; this component passes their spans on as ``sentences`` (a list of
``[start, end]`` character offsets into the text), so that the action server
(:mod:`actions.reading`) can find the questions and the personal framing
without a second splitter. A pipeline without sentence boundaries gives no
spans, and the action server splits the text itself.
"""

from __future__ import annotations

from typing import Any, Dict, List

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import SPACY_DOCS
from rasa.nlu.utils.spacy_utils import SpacyNLP
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from common.sentences import SENTENCES_KEY


def sentence_spans(doc: Any, text: str) -> List[List[int]]:
    """The sentences of a spaCy doc as ``[start, end]`` offsets, when the doc has sentence boundaries."""
    if doc is None or len(doc.text) != len(text) or not doc.has_annotation("SENT_START"):
        return []
    return [[sentence.start_char, sentence.end_char] for sentence in doc.sents]


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class SentenceSpans(GraphComponent):
    """Adds the message's sentence spans to its parse data."""

    @classmethod
    def required_components(cls) -> List[type]:
        """SpacyNLP must run first: its doc holds the sentences."""
        return [SpacyNLP]

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SentenceSpans:
        """Create the component (nothing to train)."""
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        """Add ``sentences`` to each message that has text."""
        for message in messages:
            text = message.get(TEXT)
            if text:
                spans = sentence_spans(message.get(SPACY_DOCS[TEXT]), text)
                if spans:
                    message.set(SENTENCES_KEY, spans, add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Nothing to add for training."""
        return training_data
