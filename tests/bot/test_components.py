"""The project's own Rasa components, run in the Rasa runtime (Python 3.10) without a server."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, Dict, List

import pytest
import spacy
from rasa.nlu.utils.spacy_utils import SpacyModel
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.training_data.message import Message

from bot.components.procedure_extractor import ProcedureExtractor
from bot.components.red_flags import RedFlagClassifier
from bot.nlg import ClinicNaturalLanguageGenerator, first_reply_of_session
from bot.policies import first_prediction_of_turn
from bot.spacy_pipeline import build
from knowledge.loader import load_knowledge

ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.fixture(scope="module")
def spacy_model(tmp_path_factory: pytest.TempPathFactory) -> SpacyModel:
    out = tmp_path_factory.mktemp("spacy") / "pipeline"
    build(load_knowledge(ROOT / "knowledge" / "pages"), out)
    return SpacyModel(model=spacy.load(out), model_name=str(out))


def entities(model: SpacyModel, text: str) -> List[Dict[str, Any]]:
    extractor = ProcedureExtractor(ProcedureExtractor.get_default_config())
    message = Message(data={"text": text})
    extractor.process([message], model)
    return list(message.get("entities", []))


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("how long does a lung perfusion scan take?", "78580"),
        ("is the V/Q Scan painful", "78580"),
        ("prep for cpt 45378", "45378"),
        ("what do i do before my colonscopy", "45378"),  # misspelt
        ("risks of a myocardial perfusion scan", "78452"),  # longest name wins over a shared "perfusion scan"
    ],
)
def test_procedure_names_are_found_as_their_cpt_code(spacy_model: SpacyModel, text: str, value: str) -> None:
    found = entities(spacy_model, text)
    assert [(e["entity"], e["value"]) for e in found] == [("procedure", value)]
    assert found[0]["extractor"] == "ProcedureExtractor"


def test_shared_name_is_ambiguous(spacy_model: SpacyModel) -> None:
    found = entities(spacy_model, "my stress test is tomorrow")
    assert [(e["entity"], e["value"]) for e in found] == [("procedure_ambiguous", "78452|93015")]


def test_no_procedure_no_entity(spacy_model: SpacyModel) -> None:
    assert entities(spacy_model, "how long does it take to drive to the city") == []


def classify(text: str, intent: str, confidence: float) -> Message:
    message = Message(
        data={
            "text": text,
            "intent": {"name": intent, "confidence": confidence},
            "intent_ranking": [{"name": intent, "confidence": confidence}, {"name": "greet", "confidence": 0.01}],
        }
    )
    RedFlagClassifier(RedFlagClassifier.get_default_config()).process([message])
    return message


def test_red_flag_overrides_any_intent() -> None:
    message = classify("i can't breathe and my throat is closing", "ask_risks", 0.99)
    assert message.get("intent") == {"name": "emergency", "confidence": 1.0}
    assert message.get("intent_ranking")[0]["name"] == "emergency"
    assert message.get("red_flag") in {"airway", "breathless"}


def test_unsure_emergency_prediction_gives_way() -> None:
    assert classify("is the room cold", "emergency", 0.5).get("intent")["name"] == "nlu_fallback"
    assert classify("pls come quick he is blue", "emergency", 0.9).get("intent")["name"] == "emergency"
    assert classify("how long does it take", "ask_duration", 0.9).get("intent")["name"] == "ask_duration"


def test_answer_section_reset_happens_in_the_first_prediction_only() -> None:
    tracker = DialogueStateTracker.from_events(
        "p",
        [
            ActionExecuted("action_listen"),
            UserUttered("hi", {"name": "greet", "confidence": 1.0}),
            ActionExecuted("action_extract_slots"),
        ],
    )
    assert first_prediction_of_turn(tracker)
    tracker.update(ActionExecuted("utter_greet"))
    assert not first_prediction_of_turn(tracker)


DOMAIN = Domain.from_yaml(
    """
version: "3.1"
responses:
  utter_notice:
  - text: "General information from {clinic_name}. In an emergency, call {emergency_number}."
  utter_greet:
  - text: "Hi!"
  utter_emergency:
  - text: "Call {emergency_number} now."
"""
)


def test_first_reply_of_a_session_carries_the_notice(monkeypatch: pytest.MonkeyPatch) -> None:
    nlg = ClinicNaturalLanguageGenerator(domain=DOMAIN)
    fresh = DialogueStateTracker.from_events("p", [SessionStarted(), UserUttered("hi")])
    first = asyncio.run(nlg.generate("utter_greet", fresh, "rest"))
    assert first is not None
    assert first["text"].startswith("General information from Riverside Clinic. In an emergency, call 911.")
    assert first["text"].endswith("Hi!")
    emergency = asyncio.run(nlg.generate("utter_emergency", fresh, "rest"))
    assert emergency is not None and emergency["text"] == "Call 911 now."

    later = DialogueStateTracker.from_events("p", [SessionStarted(), UserUttered("hi"), BotUttered("Hi!")])
    assert not first_reply_of_session(later)
    again = asyncio.run(nlg.generate("utter_greet", later, "rest"))
    assert again is not None and again["text"] == "Hi!"
    assert SlotSet  # imported for readers: slots fill responses as usual


def test_several_replies_of_the_first_turn_carry_the_notice_once() -> None:
    nlg = ClinicNaturalLanguageGenerator(domain=DOMAIN)
    fresh = DialogueStateTracker.from_events("p", [SessionStarted(), UserUttered("hi", message_id="m1")])
    replies = [asyncio.run(nlg.generate("utter_greet", fresh, "rest")) for _ in range(2)]
    texts = [reply["text"] for reply in replies if reply is not None]
    assert [text.startswith("General information") for text in texts] == [True, False]
    other = DialogueStateTracker.from_events("q", [SessionStarted(), UserUttered("hi", message_id="m1")])
    reply = asyncio.run(nlg.generate("utter_greet", other, "rest"))
    assert reply is not None and reply["text"].startswith("General information")  # another patient's first reply


def test_a_new_alias_is_recognised_after_regeneration(tmp_path: Path) -> None:
    import shutil

    from knowledge.nlu_export import render_lookups

    pages = tmp_path / "pages"
    shutil.copytree(ROOT / "knowledge" / "pages", pages)
    seed = next(pages.glob("78580-*.txt"))
    seed.write_text(
        seed.read_text(encoding="utf-8").replace("aliases: lung scan", "aliases: lung blood flow test, lung scan"),
        encoding="utf-8",
    )
    kb = load_knowledge(pages)
    build(kb, tmp_path / "pipeline")
    model = SpacyModel(model=spacy.load(tmp_path / "pipeline"), model_name="test")
    assert [(e["entity"], e["value"]) for e in entities(model, "is the lung blood flow test safe")] == [
        ("procedure", "78580")
    ]
    assert "    - lung blood flow test\n" in render_lookups(kb)  # the intent classifier's lookup feature


def test_a_similar_code_without_a_page_is_a_related_procedure(spacy_model: SpacyModel) -> None:
    found = entities(spacy_model, "how long does a colonoscopy with biopsy take")
    assert [(e["entity"], e["value"]) for e in found] == [("procedure_related", "45380:45378")]
    found = entities(spacy_model, "what about code 93350")
    assert [(e["entity"], e["value"]) for e in found] == [("procedure_related", "93350:78452,93015,93306")]


# --- question hints ---------------------------------------------------------------


def test_question_hint_sends_the_text_ahead_and_leaves_the_message_alone() -> None:
    import socket

    from bot.components.question_hint import QuestionHint
    from common.hints import decode_hint

    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    receiver.bind(("127.0.0.1", 0))
    receiver.settimeout(5)
    try:
        component = QuestionHint(receiver.getsockname())
        messages = [Message(data={"text": "does a colonoscopy hurt?"}), Message(data={"text": "/affirm"})]
        before = [dict(m.data) for m in messages]
        assert component.process(messages) is messages
        assert [m.data for m in messages] == before
        data, _ = receiver.recvfrom(8192)
        assert decode_hint(data) == ("does a colonoscopy hurt?",)
        receiver.settimeout(0.2)
        with pytest.raises(socket.timeout):
            receiver.recvfrom(8192)  # a button's payload is not a question: no hint
    finally:
        receiver.close()


def test_a_message_and_its_sentences_are_hinted_as_the_action_will_read_them() -> None:
    from bot.components.question_hint import hinted_texts

    assert hinted_texts("does a colonoscopy hurt?") == ("does a colonoscopy hurt?",)
    story = "My doctor booked a brain MRI. I have never had one. Is it loud?"
    assert hinted_texts(story) == (story, "My doctor booked a brain MRI.", "I have never had one.", "Is it loud?")


def test_question_hint_goes_on_when_nobody_listens_or_hints_are_off() -> None:
    from bot.components.question_hint import QuestionHint

    closed = socket_port_nobody_listens_on()
    for component in (QuestionHint(("127.0.0.1", closed)), QuestionHint(None)):
        for _ in range(3):  # a refused datagram may surface as an error on the next send
            message = Message(data={"text": "how long does it take"})
            assert component.process([message]) == [message]


def socket_port_nobody_listens_on() -> int:
    import socket

    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    probe.bind(("127.0.0.1", 0))
    port = int(probe.getsockname()[1])
    probe.close()
    return port
