"""How patients name procedures: word forms, family words and terms, found by the real matcher and extractor."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List

import pytest
import spacy
from rasa.nlu.utils.spacy_utils import SpacyModel
from rasa.shared.nlu.training_data.message import Message

from bot.components.procedure_extractor import ProcedureExtractor
from bot.spacy_pipeline import build
from knowledge.loader import load_knowledge

ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.fixture(scope="module")
def spacy_model(tmp_path_factory: pytest.TempPathFactory) -> SpacyModel:
    out = tmp_path_factory.mktemp("spacy") / "pipeline"
    build(load_knowledge(ROOT / "knowledge" / "pages"), out)
    return SpacyModel(model=spacy.load(out), model_name=str(out))


def found(model: SpacyModel, text: str) -> List[tuple[str, str]]:
    extractor = ProcedureExtractor(ProcedureExtractor.get_default_config())
    message = Message(data={"text": text})
    extractor.process([message], model)
    entities: List[Dict[str, Any]] = message.get("entities", [])
    return [(e["entity"], e["value"]) for e in entities]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("are colonoscopies painful", "45378"),
        ("what is echocardiography used for", "93306"),
        ("prep for my screening mammograms", "77067"),
        ("do I need someone with me after the arthroscopic surgery on my knee scopes", "29881"),
        ("how long do sleep studies last", "95810"),
        ("my two chest x-rays last year", "71046"),
        ("the colonoscopy's prep is awful", "45378"),  # possessive
        ("what does an x-ray of my chest show", "71046"),
    ],
)
def test_word_forms_of_a_name_are_the_page(spacy_model: SpacyModel, text: str, code: str) -> None:
    assert found(spacy_model, text) == [("procedure", code)]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("can you drink water before a cat scan", "71260"),  # a family of one page
        ("how long is the recovery for a torn meniscus", "29881"),  # a condition: a term
        ("do cataracts come back", "66984"),  # a term's plural
        ("stress test with radioactive dye, how long", "78452"),  # a family word narrows a shared name
        ("can an xray show emphysema", "71046"),
    ],
)
def test_family_words_and_terms_of_one_page_are_that_page(spacy_model: SpacyModel, text: str, code: str) -> None:
    assert found(spacy_model, text) == [("procedure", code)]


@pytest.mark.parametrize(
    ("text", "codes"),
    [
        ("do i need a full bladder for my ultrasound", "76700|93306"),
        ("what is a nuclear scan like", "78452|78580"),
        ("is a scope painful", "29881|43235|45378"),
    ],
)
def test_a_family_word_of_several_pages_is_ambiguous_among_them(spacy_model: SpacyModel, text: str, codes: str) -> None:
    assert found(spacy_model, text) == [("procedure_ambiguous", codes)]


def test_only_family_words_give_the_family_role(spacy_model: SpacyModel) -> None:
    def roles(text: str) -> List[tuple[str, str, Any]]:
        extractor = ProcedureExtractor(ProcedureExtractor.get_default_config())
        message = Message(data={"text": text})
        extractor.process([message], spacy_model)
        return [(e["entity"], e["value"], e.get("role")) for e in message.get("entities", [])]

    assert roles("is a scope painful") == [("procedure_ambiguous", "29881|43235|45378", "family")]
    # A name the pages declare as shared is no family word, alone or with one that does not narrow it.
    assert roles("how long is a stress test") == [("procedure_ambiguous", "78452|93015", None)]
    assert roles("stress test for my heart, how long") == [("procedure_ambiguous", "78452|93015", None)]


def test_family_words_and_terms_narrow_each_other(spacy_model: SpacyModel) -> None:
    assert found(spacy_model, "ultrasound of my heart, who does it") == [("procedure", "93306")]
    assert found(spacy_model, "ultrasound for gallstones") == [("procedure", "76700")]
    # Nothing in common: the bot asks among both.
    assert found(spacy_model, "is an x-ray or breast imaging better") == [("procedure_ambiguous", "71046|77067")]
    # A word form of a name is the name: "x-ray of the breast" is the breast x-ray (the mammogram).
    assert found(spacy_model, "an x-ray of the breast") == [("procedure", "77067")]


def test_a_page_name_beats_a_family_word_anywhere_in_the_message(spacy_model: SpacyModel) -> None:
    text = "I had an x-ray but now a chest CT with contrast, how long is the CT?"
    assert found(spacy_model, text) == [("procedure", "71260")]
    assert found(spacy_model, "my ultrasound was fine, now they want a mammogram") == [("procedure", "77067")]
    # A longer name holding a family word is the name.
    assert found(spacy_model, "how long is an abdominal ultrasound") == [("procedure", "76700")]


def test_function_words_are_no_misspelt_name(spacy_model: SpacyModel) -> None:
    # "of the chest" is close to "ct of the chest" letter by letter, but names no test.
    assert found(spacy_model, "radiographs of the chest, what do they check") == [("procedure", "71046")]
    assert found(spacy_model, "pain of the chest") == [("procedure_ambiguous", "71046|71260")]


def test_narrowing_words_only_narrow(spacy_model: SpacyModel) -> None:
    assert found(spacy_model, "is a scope to look at my stomach painful") == [("procedure", "43235")]
    assert found(spacy_model, "ultrasound of the tummy for my liver, how long") == [("procedure", "76700")]
    assert found(spacy_model, "stress test with walking only, can i eat before") == [("procedure", "93015")]
    # Alone, an organ or a disease names no test: a general medical question stays one.
    assert found(spacy_model, "what causes stomach pain") == []
    assert found(spacy_model, "recovery after a stroke") == []
    # A narrowing word that fits none of the family's pages leaves the family as it is.
    assert found(spacy_model, "a scope and my liver") == [("procedure_ambiguous", "29881|43235|45378")]
