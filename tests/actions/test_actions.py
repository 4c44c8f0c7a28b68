"""The custom actions as rasa-sdk runs them: tracker in, messages and slot events out."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.actions import READING_SLOT, ActionAnswer, ActionClarify, ActionOtherLanguage
from actions.answering import Answerer
from actions.decide import Decision, decide
from actions.knowledge_service import KnowledgeService
from actions.reader import Reading, SectionGuess
from knowledge.intents import INTENT_SECTIONS
from tests.conftest import PAGES
from tests.support.fakes import HashingEmbedder

LIMITS = {"emergency": 0.3, "personal": 0.4, "general": 0.5, "section": 0.6, "extra": 0.5}


def read_as_nlu_heard(text: str, intent: str, confidence: float, follow_up: bool = False) -> tuple[Reading, Decision]:
    """A stand-in for the models: they read the section NLU heard, surely; an unsure message, two sections."""
    if intent == "nlu_fallback":
        reading = Reading({"general": 0.8}, (SectionGuess("recovery", 0.3, ""), SectionGuess("duration", 0.28, "")))
    else:
        section = INTENT_SECTIONS.get(intent, "summary")
        reading = Reading({"general": 0.9, "out_of_scope": 0.1}, (SectionGuess(section, 0.9, ""),), {"none": 1.0})
    return reading, decide(reading, LIMITS, intent, confidence, follow_up)


@pytest.fixture(scope="module")
def answerer(tmp_path_factory: pytest.TempPathFactory) -> Answerer:
    index_dir: Path = tmp_path_factory.mktemp("index")
    return Answerer(KnowledgeService(PAGES, index_dir, HashingEmbedder()))


@pytest.fixture(scope="module")
def action(answerer: Answerer) -> ActionAnswer:
    return ActionAnswer(answerer, read_as_nlu_heard)


def tracker(text: str, intent: str, entities: list[dict[str, Any]], slots: dict[str, Any] | None = None) -> Tracker:
    message = {"text": text, "intent": {"name": intent, "confidence": 0.95}, "entities": entities}
    events = [{"event": "user", "text": text, "parse_data": message}]
    return Tracker("patient", slots or {}, message, events, False, None, {}, "action_listen")


def slots(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e["event"] == "slot"}


async def test_answer_sets_both_contract_slots(action: ActionAnswer) -> None:
    dispatcher = CollectingDispatcher()
    entities = [{"entity": "procedure", "value": "78580"}]
    events = await action.run(dispatcher, tracker("how long does it take", "ask_duration", entities), {})
    assert slots(events)["procedure"] == "78580"
    assert slots(events)["answer_section"] == "duration"
    assert dispatcher.messages[0]["response"] == "utter_answer"
    assert "30 to 60 minutes" in dispatcher.messages[0]["answer"]


async def test_only_slots_that_change_are_set_but_the_answer_sections_always(action: ActionAnswer) -> None:
    entities = [{"entity": "procedure", "value": "78580"}]
    known = {"procedure": "78580", "last_question": "ask_duration", "pending_question": None}
    events = await action.run(CollectingDispatcher(), tracker("how long is it", "ask_duration", entities, known), {})
    assert [e["name"] for e in events if e["event"] == "slot"] == ["answer_section", "answer_sections", READING_SLOT]
    assert slots(events)["answer_section"] == "duration"
    assert slots(events)["answer_sections"] == ["duration"]

    other = [{"entity": "procedure", "value": "45378"}]
    events = await action.run(CollectingDispatcher(), tracker("and a colonoscopy?", "ask_duration", other, known), {})
    assert {k: v for k, v in slots(events).items() if k != READING_SLOT} == {
        "answer_section": "duration",
        "answer_sections": ["duration"],
        "procedure": "45378",
    }
    assert slots(events)[READING_SLOT]["reply"] == "answer"
    assert slots(events)[READING_SLOT]["sections"] == {"duration": 0.9}
    assert slots(events)[READING_SLOT]["decided_sections"] == ["duration"]


async def test_choices_are_sent_as_buttons(action: ActionAnswer) -> None:
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker("do i need to fast", "ask_preparation", []), {})
    assert slots(events)["answer_section"] is None
    assert slots(events)["pending_question"] == "ask_preparation"
    assert len(dispatcher.messages[0]["buttons"]) == 16


async def test_clarify_offers_the_two_sections_the_models_find_likeliest(answerer: Answerer) -> None:
    message = {
        "text": "after the scan thing",
        "intent": {"name": "nlu_fallback", "confidence": 0.55},
        "entities": [],
        "intent_ranking": [
            {"name": "nlu_fallback", "confidence": 0.55},
            {"name": "ask_recovery", "confidence": 0.41},
            {"name": "ask_duration", "confidence": 0.33},
            {"name": "greet", "confidence": 0.1},
        ],
    }
    dispatcher = CollectingDispatcher()
    state = Tracker("p", {}, message, [], False, None, {}, "action_listen")
    events = await ActionClarify(answerer, read_as_nlu_heard).run(dispatcher, state, {})
    assert dispatcher.messages[0]["response"] == "utter_did_you_mean"
    titles = [b["title"] for b in dispatcher.messages[0]["buttons"]]
    assert titles == ["Afterwards", "How long it takes", "Something else"]
    assert slots(events)["answer_section"] is None
    assert slots(events)[READING_SLOT]["reply"] == "narrow"


def read_kinds(kinds: dict[str, float]) -> Any:
    """A stand-in for the models that read every message as ``kinds``."""

    def read(text: str, intent: str, confidence: float, follow_up: bool = False) -> tuple[Reading, Decision]:
        reading = Reading(kinds)
        return reading, decide(reading, LIMITS, intent, confidence, follow_up)

    return read


def spanish(text: str) -> Tracker:
    message = {"text": text, "intent": {"name": "other_language", "confidence": 1.0}, "entities": [], "language": "es"}
    return Tracker("p", {}, message, [], False, None, {}, "action_listen")


async def test_a_message_in_another_language_that_the_models_read_as_an_emergency_gets_the_emergency_reply() -> None:
    dispatcher = CollectingDispatcher()
    action = ActionOtherLanguage(read_kinds({"emergency": 0.9, "other_language": 0.1}))
    events = await action.run(dispatcher, spanish("mi padre no despierta"), {})
    assert [m["response"] for m in dispatcher.messages] == ["utter_emergency_es"]
    assert slots(events)["answer_section"] is None
    assert slots(events)["answer_sections"] == []
    assert (slots(events)[READING_SLOT]["reply"], slots(events)[READING_SLOT]["rule"]) == ("emergency", 1)


async def test_any_other_message_in_another_language_gets_the_other_language_reply_even_a_personal_one() -> None:
    for kinds in ({"other_language": 0.95, "emergency": 0.05}, {"own_case": 0.9, "other_language": 0.1}):
        dispatcher = CollectingDispatcher()
        events = await ActionOtherLanguage(read_kinds(kinds)).run(dispatcher, spanish("cuánto dura"), {})
        assert [m["response"] for m in dispatcher.messages] == ["utter_other_language"]
        assert slots(events)["answer_section"] is None
        assert slots(events)[READING_SLOT]["reply"] == "decline"


def test_an_answer_carries_its_passage_scores() -> None:
    from rasa_sdk.executor import CollectingDispatcher

    from actions.actions import send
    from actions.answering import Turn, Utterance

    class _Tracker:
        def get_slot(self, name: str) -> None:
            return None

    class _Hit:
        score = 0.6123

    dispatcher = CollectingDispatcher()
    turn = Turn((Utterance("utter_answer", {"answer": "x"}),), "45378", "duration", passages=(_Hit(),))  # type: ignore[arg-type]
    send(turn, dispatcher, _Tracker())  # type: ignore[arg-type]
    assert dispatcher.messages[0]["passage_scores"] == "0.612"


async def test_a_name_after_a_question_is_answered_with_that_question_though_the_models_read_a_case(
    answerer: Answerer,
) -> None:
    # The models read "what about for the lung scan of my mum?" as the patient's own case; Rasa is sure it only
    # names a procedure, and the conversation last asked how long: the answer is how long, from that page.
    read = read_kinds({"own_case": 0.8, "general": 0.2})
    entities = [{"entity": "procedure", "value": "78580"}]
    text = "what about for the lung scan of my mum?"
    after_a_question = tracker(text, "inform_procedure", entities, {"last_question": "ask_duration"})
    dispatcher = CollectingDispatcher()
    events = await ActionAnswer(answerer, read).run(dispatcher, after_a_question, {})
    assert slots(events)["answer_section"] == "duration"
    assert (slots(events)[READING_SLOT]["reply"], slots(events)[READING_SLOT]["rule"]) == ("follow_up", 2)
    # The same message opening a conversation is the patient's case, handed off.
    dispatcher = CollectingDispatcher()
    events = await ActionAnswer(answerer, read).run(dispatcher, tracker(text, "inform_procedure", entities), {})
    assert dispatcher.messages[0]["response"] == "utter_handoff_personal"
