"""Trying a question in the console gives what the bot would answer (real pages, a fake embedder and NLU)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import actions.runtime as runtime
from actions.knowledge_service import KnowledgeService
from actions.sections import SectionGuesser
from common.settings import settings
from serving.staff import inspector
from tests.conftest import PAGES
from tests.support.fakes import HashingEmbedder

TEXT = "does it hurt at all, the abdominal ultrasound"


@pytest.fixture
def pages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    embedder = HashingEmbedder()
    examples = {
        "ask_patient_experience": ["does it hurt", "does it hurt at all", "is it painful"],
        "ask_duration": ["how long does it take", "how long is the test"],
    }
    service = KnowledgeService(PAGES, tmp_path / "index", embedder, sections=SectionGuesser(embedder, examples))
    monkeypatch.setattr(runtime, "_service", service)


def nlu(intent: str, confidence: float, ranking: list[tuple[str, float]]) -> dict[str, Any]:
    start = TEXT.index("abdominal")
    return {
        "intent": {"name": intent, "confidence": confidence},
        "intent_ranking": [{"name": name, "confidence": c} for name, c in ranking],
        "entities": [{"entity": "procedure", "value": "76700", "start": start, "end": len(TEXT)}],
    }


def test_an_unsure_question_the_page_settles_is_answered_as_the_bot_would(
    pages: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    parsed = nlu("nlu_fallback", 0.3, [("nlu_fallback", 0.3), ("ask_patient_experience", 0.28), ("ask_duration", 0.2)])
    monkeypatch.setattr(inspector, "parse", lambda text, config: parsed)
    result = inspector.try_question(TEXT, None, settings())
    assert result["intent"] == "nlu_fallback"
    assert (result["procedure"], result["section"], result["sections"]) == (
        "76700",
        "patient_experience",
        ["patient_experience"],
    )
    assert result["passages"] and any(p["sent"] for p in result["passages"])


def test_an_unsure_question_the_page_does_not_settle_gets_no_answer(
    pages: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    parsed = nlu("nlu_fallback", 0.3, [("nlu_fallback", 0.3), ("ask_setting", 0.28), ("ask_duration", 0.2)])
    monkeypatch.setattr(inspector, "parse", lambda text, config: parsed)
    result = inspector.try_question(TEXT, None, settings())
    assert result["section"] is None and result["sections"] == [] and result["passages"] == []


def test_a_question_a_rule_answers_gets_that_rules_response(pages: None, monkeypatch: pytest.MonkeyPatch) -> None:
    parsed = nlu("ask_cost", 0.95, [("ask_cost", 0.95), ("ask_duration", 0.02)])
    monkeypatch.setattr(inspector, "parse", lambda text, config: parsed)
    result = inspector.try_question("how much will the ultrasound cost me", None, settings())
    assert result["intent"] == "ask_cost" and result["section"] is None and result["passages"] == []
    assert result["reply"] == inspector.render("utter_handoff_cost", {}, settings())
    assert "{" not in result["reply"] and result["reply"]  # the clinic's settings filled in
    assert inspector.rule_responses()["emergency"] == "utter_emergency"
    assert "ask_duration" not in inspector.rule_responses()  # answered by the action, not a rule
