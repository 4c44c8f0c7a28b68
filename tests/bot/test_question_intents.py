"""Each question of a story classified apart: what is recorded and when it speaks for the message."""

from __future__ import annotations

from typing import Any, Dict

from bot.question_intents import attach, questions_to_classify
from common.questions import MESSAGE_INTENT_KEY, QUESTIONS_KEY


def parse(text: str, intent: str, confidence: float, spans: Any = None) -> Dict[str, Any]:
    data: Dict[str, Any] = {
        "text": text,
        "intent": {"name": intent, "confidence": confidence},
        "intent_ranking": [{"name": intent, "confidence": confidence}, {"name": "ask_duration", "confidence": 0.1}],
    }
    if spans is not None:
        data["sentences"] = spans
    return data


def test_a_plain_question_is_not_classified_again() -> None:
    assert questions_to_classify(parse("does a colonoscopy hurt", "ask_patient_experience", 0.9)) == ()


def test_the_question_after_a_story_is_classified_apart() -> None:
    text = "My doctor wants an MRI of my brain. I have never had one. How long does it take?"
    starts = [0, text.index("I have"), text.index("How")]
    spans = [[start, end - 1] for start, end in zip(starts, [*starts[1:], len(text) + 1], strict=True)]
    assert questions_to_classify(parse(text, "out_of_scope", 0.7, spans)) == ("How long does it take?",)


def test_two_questions_in_one_sentence_are_both_classified() -> None:
    text = "how long is the echo and can I drive home after"
    assert questions_to_classify(parse(text, "ask_recovery", 0.9)) == ("how long is the echo", "can I drive home after")


def test_a_clear_question_speaks_for_a_story_heard_as_out_of_scope() -> None:
    data = attach(
        parse("story. How long does it take?", "out_of_scope", 0.8), [("How long does it take?", "ask_duration", 0.97)]
    )
    assert data["intent"] == {"name": "ask_duration", "confidence": 0.97}
    assert data["intent_ranking"][0]["name"] == "ask_duration"
    assert [r["name"] for r in data["intent_ranking"]].count("ask_duration") == 1
    assert data[MESSAGE_INTENT_KEY]["name"] == "out_of_scope"
    assert data[QUESTIONS_KEY] == [{"text": "How long does it take?", "intent": "ask_duration", "confidence": 0.97}]


def test_an_unsure_question_leaves_the_message_as_it_was() -> None:
    data = attach(parse("story. what now", "out_of_scope", 0.8), [("what now", "ask_duration", 0.4)])
    assert data["intent"]["name"] == "out_of_scope" and MESSAGE_INTENT_KEY not in data
    assert data[QUESTIONS_KEY][0]["intent"] == "ask_duration"


def test_an_emergency_or_a_question_intent_is_never_replaced() -> None:
    emergency = attach(
        parse("story. can I drive after?", "emergency", 1.0), [("can I drive after?", "ask_recovery", 0.99)]
    )
    assert emergency["intent"]["name"] == "emergency"
    question = attach(
        parse("a. b and c?", "ask_recovery", 0.9), [("b", "ask_duration", 0.99), ("c?", "ask_recovery", 0.9)]
    )
    assert question["intent"]["name"] == "ask_recovery"


def test_a_question_that_is_small_talk_does_not_speak_for_the_message() -> None:
    data = attach(parse("my MRI is tomorrow. thanks!", "inform_procedure", 0.6), [("thanks!", "thank", 0.99)])
    assert data["intent"]["name"] == "inform_procedure"


def test_a_later_clear_question_does_not_speak_for_an_unclear_first_one() -> None:
    text = "My aunt fainted on one. Is that a thing? What are the risks of the stress test?"
    data = attach(
        parse(text, "nlu_fallback", 0.9),
        [("Is that a thing?", "ask_summary", 0.3), ("What are the risks of the stress test?", "ask_risks", 0.95)],
    )
    assert data["intent"]["name"] == "nlu_fallback" and MESSAGE_INTENT_KEY not in data
    assert [q["intent"] for q in data[QUESTIONS_KEY]] == ["ask_summary", "ask_risks"]  # both kept, in order
