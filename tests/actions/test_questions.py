"""Section choice for a message whose questions were classified one by one (examples written by the team)."""

from __future__ import annotations

from actions.questions import CLASSIFIER_SURE, PART_SURE, by_question, choose
from actions.reading import read
from actions.sections import SectionScore


def scores(*ranked: str) -> list[SectionScore]:
    return [SectionScore(section, 0.9 - 0.1 * i) for i, section in enumerate(ranked)]


def test_each_question_is_answered_from_its_own_intent_in_order() -> None:
    choice = by_question(
        [("ask_duration", 0.95), ("ask_recovery", 0.9)],
        [scores("duration", "setting"), scores("recovery", "risks_and_complications")],
    )
    assert choice.sections == ("duration", "recovery")


def test_an_unsure_first_question_that_the_knowledge_base_disputes_is_offered() -> None:
    choice = by_question([("ask_setting", CLASSIFIER_SURE - 0.1)], [scores("procedure_description", "setting")])
    assert choice.offer == ("setting", "procedure_description") and not choice.sections


def test_an_unsure_later_question_falls_back_to_the_knowledge_bases_standout() -> None:
    choice = by_question(
        [("ask_duration", 0.9), ("ask_setting", 0.2)],
        [scores("duration"), [SectionScore("personnel", 0.7), SectionScore("setting", 0.5)]],
    )
    assert choice.sections == ("duration", "personnel")


def test_the_whole_message_leads_when_no_part_asks_what_it_asks() -> None:
    text = "I'm claustrophobic. What is it like inside the machine, is my whole head covered?"
    reading = read(text, asked=("What is it like inside the machine", "is my whole head covered?"))
    choice = choose(
        "ask_patient_experience",
        0.98,
        text,
        reading,
        lambda question: scores("patient_experience", "summary"),
        [("ask_summary", 0.6), ("ask_procedure_description", 0.5)],
    )
    assert choice.sections[0] == "patient_experience"


def test_a_question_sure_alone_keeps_its_intent_after_a_topic_that_colours_the_message() -> None:
    # The whole message is one short sentence, but NLU heard its question apart from the topic before it.
    text = "the heart scan where they put stickers on you, what should i wear"
    reading = read(text, asked=("what should i wear",))
    choice = choose(
        "ask_setting",
        0.99,
        text,
        reading,
        lambda question: scores("preparation", "setting"),
        [("ask_preparation", PART_SURE)],
    )
    assert choice.sections == ("preparation",)


def test_several_questions_sure_alone_keep_their_intents() -> None:
    text = "Scan tomorrow. Why would anyone pick it over a CT, and what do I bring?"
    reading = read(text, asked=("Why would anyone pick it over a CT", "what do I bring?"))
    choice = choose(
        "ask_purpose",
        0.9,
        text,
        reading,
        lambda question: scores("alternatives", "preparation"),
        [("ask_alternatives", PART_SURE + 0.05), ("ask_preparation", 0.95)],
    )
    assert choice.sections == ("alternatives", "preparation")
