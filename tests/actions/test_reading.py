"""How a message reads: sentences, questions, personal cases and conditions (written by the team)."""

from __future__ import annotations

import pytest

from actions.reading import MAX_QUESTIONS, asks_if_safe, is_question, read, safety_condition, split_sentences


def test_sentences_come_from_spacys_spans_when_given() -> None:
    text = "My knee hurts. How long is the recovery?"
    assert split_sentences(text, [(0, 14), (15, 40)]) == ("My knee hurts.", "How long is the recovery?")
    assert split_sentences(text) == ("My knee hurts.", "How long is the recovery?")


def test_the_question_after_a_story_is_found() -> None:
    reading = read(
        "I have been putting this off for a year. My sister had one and said it was fine. "
        "How long does a colonoscopy take?"
    )
    assert reading.questions == ("How long does a colonoscopy take?",)
    assert reading.personal is None


def test_a_long_unpunctuated_text_gives_its_question_clause() -> None:
    reading = read(
        "my dad is booked for his first one next month and he keeps calling me about it because he is nervous, "
        "so for his sake, does a colonoscopy hurt much"
    )
    assert reading.questions == ("does a colonoscopy hurt much",)


def test_at_most_three_questions() -> None:
    reading = read("What is it? How long is it? Does it hurt? Can I drive after?")
    assert len(reading.questions) == MAX_QUESTIONS
    assert reading.several


@pytest.mark.parametrize(
    "sentence",
    ["how long does it take", "Can I eat before?", "is it painful", "what about afterwards?", "tell me about prep"],
)
def test_questions_are_recognised(sentence: str) -> None:
    assert is_question(sentence)


@pytest.mark.parametrize("sentence", ["I had a scan last year.", "My doctor ordered it.", "Had one before"])
def test_statements_are_not_questions(sentence: str) -> None:
    assert not is_question(sentence)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("My CT report says there is a small nodule in the left lung. Should I be worried?", "results"),
        ("what do my bone density results mean", "results"),
        ("my mother's mammogram report mentions calcifications, what does that mean", "results"),
        ("I had an MRI last week and it showed a small cyst. Is that a concern?", "results"),
        ("It is four days after my colonoscopy and I still have cramps, is that normal?", "symptoms"),
        ("my knee is still swollen two weeks after the arthroscopy, should i call someone", "symptoms"),
        ("Do I really need a colonoscopy?", "own_case"),
        ("should i cancel my stress test", "own_case"),
        ("when will I get my results", "results"),  # results are the care team's, not a page's
        ("I was diagnosed with reflux last year, is the endoscopy right for me?", "own_case"),
        ("since the echo yesterday the skin on my chest is itchy and red, is that ok?", "symptoms"),
        ("a week after my knee scope the knee feels warm and achy. should it still be like this?", "symptoms"),
        ("there is a bruise on my arm where the IV was for the scan, should I worry", "symptoms"),
        ("My MRI came back with a small spot near the spine, should I worry?", "results"),
        ("recent colonoscopy showed two polyps, do they need to come out", "results"),
        ("I had a biopsy taken during the scope last week. When will I hear?", "results"),
        ("how did my sleep study go", "results"),
        ("is a stress test really necessary for me?", "own_case"),
        ("my husband's brain MRI picked up some white spots, is that bad?", "results"),
        ("they saw a shadow on my right lower lung x-ray?", "results"),
        ("I had a knee scope in the spring for a torn cartilage?", "own_case"),
        ("My arm has been sore since the scan on Monday. Could the injection have damaged my vein?", "symptoms"),
        ("I keep getting dizzy when I stand up. Would a brain MRI find the cause?", "own_case"),
        ("bad cough at night, can the breathing test tell what's wrong", "own_case"),
        ("I have a cold and a fever, should I still go for the breathing test on Monday?", "own_case"),
        ("My knee gives way on the stairs. Would an arthroscopy find the problem?", "own_case"),
    ],
)
def test_personal_questions_are_recognised(text: str, kind: str) -> None:
    assert read(text).personal == kind


@pytest.mark.parametrize(
    "text",
    [
        "how long will my colonoscopy take",
        "why do I need a bone density scan",
        "what can a brain MRI show",
        "what does a chest x-ray show",
        "where do I get a mammogram",
        "My MRI showed a torn meniscus and the surgeon wants to scope it. What is the recovery like?",
        "do I need a full bladder for the ultrasound",
        "I had a CT years ago and felt warm from the dye. Are there other tests without dye?",
        "will I feel dizzy after the breathing test?",
        "will the gel from the ultrasound irritate my skin",
        "is it normal to feel tired after a sleep study",
        "A friend had one last year. Is it common to feel sleepy after the sedation?",
        "I had a colonoscopy five years ago, how often should I have one?",
        "Can the magnet of an MRI damage my hearing aid?",
        "can a brain mri show the cause of headaches in general",
        "will the echo show a problem with the heart valves",
    ],
)
def test_general_questions_are_not_personal(text: str) -> None:
    assert read(text).personal is None


@pytest.mark.parametrize(
    ("text", "condition"),
    [
        ("I'm pregnant, is a chest x-ray safe?", "pregnant"),
        ("Can I have an MRI? I have a pacemaker.", "pacemaker"),
        ("i am diabetic, do i fast before the scan", "diabetic"),
        ("I'm on blood thinners, anything to stop before the colonoscopy?", "blood thinners"),
        ("I am allergic to contrast dye. Is it used in the CT?", "allergic to contrast"),
    ],
)
def test_a_personal_condition_is_noticed(text: str, condition: str) -> None:
    reading = read(text)
    assert condition in reading.conditions
    assert reading.personal is None


def test_a_condition_without_the_patient_is_not_theirs() -> None:
    assert read("Is an MRI safe for people with a pacemaker?").conditions == ()


@pytest.mark.parametrize(
    ("question", "safe"),
    [
        ("can I still get a brain MRI", True),
        ("is the ultrasound safe while pregnant", True),
        ("is a chest ct okay with that", True),
        ("can a bone density scan be done", True),
        ("will it hurt the baby", True),
        ("how long does the MRI take", False),
        ("what should I wear", False),
    ],
)
def test_a_question_whether_it_is_safe_or_possible(question: str, safe: bool) -> None:
    assert asks_if_safe(question) is safe


def test_keywords_that_name_a_safety_condition() -> None:
    assert safety_condition("pregnancy") and safety_condition("pacemaker") and safety_condition("titanium implants")
    assert not safety_condition("sedation") and not safety_condition("prep")


def test_a_question_after_the_third_still_makes_the_message_personal() -> None:
    text = (
        "My brother has had stomach pain and weight loss for months. The scope last spring was clear. "
        "Now they want a capsule test. Is that like a colonoscopy? Does it hurt? How long does it take? "
        "What else could be causing his pain?"
    )
    reading = read(text)
    assert len(reading.questions) == MAX_QUESTIONS
    assert reading.personal == "own_case"


def test_a_doctors_question_counts_even_beside_a_question_about_the_future() -> None:
    text = (
        "My dad has been dizzy and short of breath for weeks. The echo last month was normal. "
        "Would a stress test find more? What else could it be?"
    )
    assert read(text).personal == "own_case"
