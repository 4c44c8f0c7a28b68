"""Trying a question in the console gives what the bot would answer (real pages, a fake embedder, NLU and reading)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import actions.runtime as runtime
from actions.answering import Answerer
from actions.decide import decide
from actions.knowledge_service import KnowledgeService
from actions.reader import Reading, SectionGuess
from common.settings import settings
from serving.staff import inspector
from tests.conftest import PAGES
from tests.support.fakes import HashingEmbedder

TEXT = "does it hurt at all, the abdominal ultrasound"
LIMITS = {"emergency": 0.3, "personal": 0.4, "general": 0.5, "section": 0.6, "extra": 0.5}


def reads(kinds: dict[str, float], *sections: tuple[str, float]) -> Reading:
    return Reading(kinds=kinds, sections=tuple(SectionGuess(s, p, "") for s, p in sections), procedures={"none": 1.0})


@pytest.fixture
def bot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Reading]:
    """The console's Try over the real pages, with the reading each test sets in ``reading["now"]``."""
    service = KnowledgeService(PAGES, tmp_path / "index", HashingEmbedder())
    monkeypatch.setattr(runtime, "_service", service)
    monkeypatch.setattr(runtime, "answerer", lambda: Answerer(service.view()))
    reading: dict[str, Reading] = {}
    monkeypatch.setattr(
        runtime,
        "read_message",
        lambda text, intent="", confidence=0.0: (reading["now"], decide(reading["now"], LIMITS, intent, confidence)),
    )
    return reading


def nlu(intent: str, confidence: float) -> dict[str, Any]:
    start = TEXT.index("abdominal")
    return {
        "intent": {"name": intent, "confidence": confidence},
        "intent_ranking": [{"name": intent, "confidence": confidence}],
        "entities": [{"entity": "procedure", "value": "76700", "start": start, "end": len(TEXT)}],
    }


def test_a_question_the_models_are_sure_of_is_answered_as_the_bot_would(
    bot: dict[str, Reading], monkeypatch: pytest.MonkeyPatch
) -> None:
    bot["now"] = reads({"general": 0.9}, ("patient_experience", 0.8))
    monkeypatch.setattr(inspector, "parse", lambda text, config: nlu("nlu_fallback", 0.3))
    result = inspector.try_question(TEXT, None, settings())
    assert result["intent"] == "nlu_fallback"
    assert (result["procedure"], result["section"], result["sections"]) == (
        "76700",
        "patient_experience",
        ["patient_experience"],
    )
    assert result["passages"] and any(p["sent"] for p in result["passages"])
    assert result["reading"]["reply"] == "answer" and result["reading"]["rule"] == 6


def test_a_question_the_models_are_unsure_of_gets_no_answer(
    bot: dict[str, Reading], monkeypatch: pytest.MonkeyPatch
) -> None:
    bot["now"] = reads({"general": 0.9}, ("patient_experience", 0.4), ("setting", 0.35))
    monkeypatch.setattr(inspector, "parse", lambda text, config: nlu("nlu_fallback", 0.3))
    result = inspector.try_question(TEXT, None, settings())
    assert result["section"] is None and result["sections"] == [] and result["passages"] == []
    assert result["reading"]["reply"] == "narrow"


def test_a_desk_question_is_read_then_handed_off(bot: dict[str, Reading], monkeypatch: pytest.MonkeyPatch) -> None:
    bot["now"] = reads({"cost": 0.9, "general": 0.1}, ("duration", 0.3))
    monkeypatch.setattr(inspector, "parse", lambda text, config: nlu("ask_cost", 0.95))
    result = inspector.try_question("how much will the ultrasound cost me", None, settings())
    assert result["intent"] == "ask_cost" and result["section"] is None and result["passages"] == []
    assert result["reply"] == inspector.render("utter_handoff_cost", {}, settings())
    assert "{" not in result["reply"] and result["reply"]  # the clinic's settings filled in
    assert inspector.rule_responses()["emergency"] == "utter_emergency"
    assert "ask_cost" not in inspector.rule_responses()  # read by the action server first (an emergency wins)


def test_a_message_in_another_language_is_read_as_the_bot_reads_it(
    bot: dict[str, Reading], monkeypatch: pytest.MonkeyPatch
) -> None:
    spanish = {"intent": {"name": "other_language", "confidence": 1.0}, "entities": [], "language": "es"}
    monkeypatch.setattr(inspector, "parse", lambda text, config: spanish)
    bot["now"] = reads({"emergency": 0.9, "other_language": 0.1})
    result = inspector.try_question("mi padre no despierta", None, settings())
    assert result["reply"] == inspector.render("utter_emergency_es", {}, settings())
    assert result["reading"]["reply"] == "emergency" and result["section"] is None
    bot["now"] = reads({"other_language": 0.95})
    result = inspector.try_question("cuánto dura", None, settings())
    assert result["reply"] == inspector.render("utter_other_language_es", {}, settings())
    assert result["reading"]["reply"] == "decline"
    assert "other_language" not in inspector.rule_responses()
