"""Rasa component: find the procedure a message names, as the ``procedure`` entity.

It reads the entities that the knowledge-base matcher (the ``entity_ruler`` of
the spaCy pipeline that ``SpacyNLP`` runs) found in the message, and adds
fuzzy matches for misspelt names ("colonscopy") with rapidfuzz. Each name is
emitted as the CPT code the matcher already knows (the pattern's id), so no
synonym mapping follows. A name that several pages share ("stress test")
becomes a ``procedure_ambiguous`` entity whose value lists the codes, so that
the bot can ask which one is meant. A procedure that only a page's "Similar
Codes" names becomes ``procedure_related``. The values' forms are
:mod:`common.entities`'.

A page's family words and terms (the matcher's FAMILY patterns: "ct scan",
"x-ray", "meniscus") count only when no single page is named anywhere in the
message: a page's own name always wins ("an x-ray, and now a chest CT" is
about the chest CT). Otherwise they narrow each other and a shared name
("stress test" and "SPECT": the nuclear stress test), and the pages left
become one ``procedure`` or one ``procedure_ambiguous`` entity. That entity's
role is ``family`` when no shared name went into it: a page declares a
shared name as shared ("stress test" is both stress tests' own name), while a
family word ("scope") is only a word several pages use, which the rest of
the message may settle ("the scope down the throat").
"""

from __future__ import annotations

import re
from typing import Any, Dict, List

from rapidfuzz import fuzz, process
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import SPACY_DOCS
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.nlu.utils.spacy_utils import SpacyModel, SpacyNLP
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from spacy.util import filter_spans

from common import entities

ENTITY = entities.PROCEDURE
AMBIGUOUS_ENTITY = entities.AMBIGUOUS
RELATED_ENTITY = entities.RELATED
_SPACES = re.compile(r"\s+")
_FUNCTION_WORDS = frozenset({"a", "an", "the", "of", "my", "your", "for", "to", "in", "on", "and", "or", "with"})
#: A family word or term found by the matcher (internal: never emitted as such).
FAMILY = "procedure_family"
#: The span group of the family words and terms (bot/spacy_pipeline.py's FAMILY_SPANS).
FAMILY_SPANS = "procedure_family"
#: A word that only narrows a family word or a shared name ("stomach"), never names a page alone.
NARROWER = "procedure_narrower"


def _overlaps(first: Dict[str, Any], second: Dict[str, Any]) -> bool:
    return bool(first["start"] < second["end"] and second["start"] < first["end"])


def _narrow(found: List[Dict[str, Any]], family: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """Resolve family words and terms against the names found (see the module's docstring).

    Without a single page named, the shared names' and family words' code sets
    are intersected in message order ("x-ray" and "lungs": the chest X-ray); when
    they have no page in common, the bot asks among all of them ("x-ray" and
    "breast"). What is left replaces them as one entity.
    """
    if not family or any(e["entity"] in (ENTITY, RELATED_ENTITY) for e in found):
        return found
    shared = [e for e in found if e["entity"] == AMBIGUOUS_ENTITY]
    ordered = shared + sorted((e for e in family if e["entity"] == FAMILY), key=lambda e: e["start"])
    if not ordered:
        return found  # narrowing words alone name nothing
    codes = set(entities.decode_codes(ordered[0]["value"]))
    for entity in ordered[1:]:
        other = set(entities.decode_codes(entity["value"]))
        codes = (codes & other) or (codes | other)
    for entity in (e for e in family if e["entity"] == NARROWER):
        codes = (codes & set(entities.decode_codes(entity["value"]))) or codes  # never widens
    value = entities.encode_codes(codes)
    first = ordered[0]
    kind = AMBIGUOUS_ENTITY if entities.is_ambiguous(value) else ENTITY
    merged = {"entity": kind, "value": value, "start": first["start"], "end": first["end"], "confidence_entity": 0.9}
    if kind == AMBIGUOUS_ENTITY and not shared:
        merged["role"] = entities.FAMILY_ROLE
    return [e for e in found if e["entity"] != AMBIGUOUS_ENTITY] + [merged]


def normalise(text: str) -> str:
    """Lower case, single spaces, no surrounding punctuation (as knowledge.names does)."""
    return _SPACES.sub(" ", text.lower()).strip(" .,;:?!")


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR,
    is_trainable=False,
    model_from="SpacyNLP",
)
class ProcedureExtractor(GraphComponent, EntityExtractorMixin):
    """Extracts the ``procedure`` entity from the knowledge base's names."""

    @classmethod
    def required_components(cls) -> List[type]:
        """SpacyNLP must run first: its pipeline holds the name matcher."""
        return [SpacyNLP]

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        """Fuzzy matching: the least rapidfuzz ratio and the shortest name it applies to."""
        return {"fuzzy_threshold": 88, "fuzzy_min_length": 6}

    def __init__(self, config: Dict[str, Any]) -> None:
        self._config = config
        self._codes: Dict[str, str] | None = None

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> ProcedureExtractor:
        """Create the component (nothing to train)."""
        return cls(config)

    def _names(self, model: SpacyModel) -> Dict[str, str]:
        """Every name pattern of the matcher and its code(s), read once from the pipeline."""
        if self._codes is None:
            ruler = model.model.get_pipe("entity_ruler")
            self._codes = {
                normalise(str(p["pattern"])): str(p.get("id", ""))
                for p in ruler.patterns
                if p.get("label") == "PROCEDURE"
            }
        return self._codes

    def process(self, messages: List[Message], model: SpacyModel) -> List[Message]:
        """Add procedure entities to each message."""
        names = self._names(model)
        for message in messages:
            text = message.get(TEXT)
            if not text:
                continue
            doc = message.get(SPACY_DOCS[TEXT]) or model.model(text.lower())
            found = self._exact(doc, names)
            family = [e for e in found if e["entity"] in (FAMILY, NARROWER)]
            found = [e for e in found if e["entity"] not in (FAMILY, NARROWER)]
            fuzzy = self._fuzzy(doc, names, found + family)
            if fuzzy is not None:
                # A specific misspelt name ("nucleur stress test") beats the shared
                # name inside it ("stress test").
                found = [e for e in found if not _overlaps(e, fuzzy)] + [fuzzy]
            found = _narrow(found, family)
            message.set(ENTITIES, message.get(ENTITIES, []) + self.add_extractor_name(found), add_to_output=True)
        return messages

    def _exact(self, doc: Any, names: Dict[str, str]) -> List[Dict[str, Any]]:
        found = []
        for ent in doc.ents:
            if ent.label_ == "RELATED":
                found.append(
                    {"entity": RELATED_ENTITY, "value": ent.ent_id_, "start": ent.start_char, "end": ent.end_char}
                )
                continue
            if ent.label_ != "PROCEDURE":
                continue
            found.append(self._entity(ent.ent_id_, ent.start_char, ent.end_char, 1.0))
        # Family words and terms (the span ruler's, apart from the entities): the longest of
        # overlapping ones, and none that overlaps a name ("chest ct" holds "chest" and "ct").
        spans = doc.spans.get(FAMILY_SPANS, []) if hasattr(doc, "spans") else []
        for span in filter_spans(list(spans)):
            kind = NARROWER if span.label_ == "NARROWER" else FAMILY
            entity = {"entity": kind, "value": span.id_, "start": span.start_char, "end": span.end_char}
            if not any(_overlaps(entity, name) for name in found):
                found.append(entity)
        return found

    def _fuzzy(self, doc: Any, names: Dict[str, str], found: List[Dict[str, Any]]) -> Dict[str, Any] | None:
        """The best close match for a misspelt name among word n-grams.

        N-grams may not overlap a name already matched exactly, except a shared
        (ambiguous) one, which a longer specific name may replace.
        """
        exact = [e for e in found if e["entity"] in (ENTITY, RELATED_ENTITY, FAMILY)]
        long_names = [n for n in names if len(n) >= self._config["fuzzy_min_length"] and not n.isdigit()]
        best: tuple[float, int, int, str] | None = None
        for size in (4, 3, 2, 1):
            for start in range(0, len(doc) - size + 1):
                span = doc[start : start + size]
                if any(e["start"] < span.end_char and span.start_char < e["end"] for e in exact):
                    continue
                if span[0].text.lower() in _FUNCTION_WORDS or span[-1].text.lower() in _FUNCTION_WORDS:
                    continue  # "of the chest" is no misspelling of "ct of the chest"
                candidate = normalise(span.text)
                if len(candidate) < self._config["fuzzy_min_length"] or candidate in names:
                    continue
                match = process.extractOne(
                    candidate, long_names, scorer=fuzz.ratio, score_cutoff=self._config["fuzzy_threshold"]
                )
                if match and not entities.is_ambiguous(names[match[0]]) and (best is None or match[1] > best[0]):
                    best = (float(match[1]), span.start_char, span.end_char, str(match[0]))
        if best is None:
            return None
        score, start_char, end_char, name = best
        return self._entity(names[name], start_char, end_char, score / 100.0)

    @staticmethod
    def _entity(codes: str, start: int, end: int, confidence: float) -> Dict[str, Any]:
        """A ``procedure`` entity (one code) or a ``procedure_ambiguous`` one (a shared name's codes)."""
        return {
            "entity": AMBIGUOUS_ENTITY if entities.is_ambiguous(codes) else ENTITY,
            "value": codes,
            "start": start,
            "end": end,
            "confidence_entity": confidence,
        }
