"""Finding the questions of a message, shared by both runtimes (examples written by the team)."""

from __future__ import annotations

import pytest

from common.questions import MAX_QUESTIONS, asks_apart, find_questions, points_only, split_questions


@pytest.mark.parametrize(
    ("sentence", "questions"),
    [
        ("how long is the MRI and can I drive home after", ("how long is the MRI", "can I drive home after")),
        ("what is a DEXA scan, and is it safe?", ("what is a DEXA scan", "is it safe?")),
        (
            "ultrasound of the belly - who does it, where is it done and does it hurt",
            ("who does it", "where is it done", "does it hurt"),  # the topic before the dash is not asked
        ),
        ("why do they do it + what should I bring", ("why do they do it", "what should I bring")),
    ],
)
def test_one_sentence_can_ask_several_questions(sentence: str, questions: tuple[str, ...]) -> None:
    assert split_questions(sentence) == questions


@pytest.mark.parametrize(
    "sentence",
    [
        "what is the difference between a CT and an MRI",
        "can I eat and drink before the scan",
        "what do I wear and when",  # "when" alone is not a question of its own
        "is the prep hard on the kidneys, and how",
    ],
)
def test_a_sentence_with_one_question_stays_whole(sentence: str) -> None:
    assert split_questions(sentence) == (sentence,)


def test_the_question_after_a_story_is_found_and_asked_apart() -> None:
    text = "My doctor booked me for a colonoscopy next week. I have never had one. How long does it take?"
    questions = find_questions(text)
    assert questions == ("How long does it take?",)
    assert asks_apart(text, questions)


def test_a_short_question_is_the_whole_message() -> None:
    assert find_questions("does a mammogram hurt") == ("does a mammogram hurt",)
    assert not asks_apart("does a mammogram hurt", ("does a mammogram hurt",))


def test_at_most_three_questions_across_sentences_and_clauses() -> None:
    questions = find_questions("What is it and how long is it? Does it hurt? Can I drive after?")
    assert len(questions) == MAX_QUESTIONS
    assert questions[0] == "What is it"


@pytest.mark.parametrize(
    ("text", "questions"),
    [
        ("knee scope with the little camera, who does it", ("who does it",)),
        ("the heart test where they put gel on your chest, is it loud", ("is it loud",)),
        ("bone scan what does it measure and can I eat before", ("bone scan what does it measure", "can I eat before")),
        ("Before I call them back I want to know one thing: how long is the recovery?", ("how long is the recovery?",)),
        ("lung scan - why do they do it", ("why do they do it",)),
    ],
)
def test_a_topic_before_the_question_is_not_asked(text: str, questions: tuple[str, ...]) -> None:
    assert find_questions(text) == questions


def test_a_statement_without_a_question_is_the_whole_message() -> None:
    text = "My knee hurts and the doctor wants a scope and I had one before."
    assert find_questions(text) == (text,)
    story = "They took blood, did an x-ray, and then the surgeon booked the scope. How long is it?"
    assert find_questions(story) == ("How long is it?",)


def test_a_polite_first_question_is_kept() -> None:
    text = "Could you tell me who reads the bone scan, and roughly how long it takes?"
    assert find_questions(text) == ("Could you tell me who reads the bone scan", "roughly how long it takes?")


def test_surprise_told_with_a_question_mark_is_not_a_question() -> None:
    text = "My cousin says he was wide awake the whole time?! Do they put you to sleep for it?"
    assert find_questions(text) == ("Do they put you to sleep for it?",)
    assert find_questions("Is it really that loud?!") == ("Is it really that loud?!",)


def test_a_clause_of_a_statement_is_not_a_question() -> None:
    text = "The clinic moved my scan to Friday, which is fine. Do I still need to fast?"
    assert find_questions(text) == ("Do I still need to fast?",)


@pytest.mark.parametrize(
    "text",
    [
        "My neighbour says you stay awake for it. So which is it, am I asleep or not?",
        "Someone told me you can't drive for a day. Is that a real thing? When can I drive again?",
    ],
)
def test_a_question_that_only_points_to_another_is_not_answered_apart(text: str) -> None:
    questions = find_questions(text)
    assert len(questions) == 1
    assert not points_only(questions[0])


def test_pointing_words_alone_stay_a_question_when_nothing_else_is_asked() -> None:
    assert find_questions("Is that true?") == ("Is that true?",)
    assert points_only("so which is it") and not points_only("what is it")
