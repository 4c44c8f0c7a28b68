"""Questions whose words name their topic: waiting for results, where an instrument goes."""

from __future__ import annotations

import pytest

from actions.topics import ALTERNATIVES, PROCEDURE, about_results, another_treatment, topic_of
from knowledge.model import Passage, PassageKind

PAGE = {
    "recovery": ["You can drive home.", "A radiologist sends a report to your doctor, who shares the results."],
    "personnel": ["Technologist", "Doctor who reads the results"],
    "procedure_description": ["A thin tube with a camera is passed into the rectum."],
    "setting": ["An endoscopy unit."],
    "alternatives": ["A stool test, which finds blood but cannot remove polyps."],
}


def passages_of(section: str, page: dict[str, list[str]] = PAGE) -> list[Passage]:
    kind = next(iter(PassageKind))
    return [Passage("45378", section, text, kind, i, i) for i, text in enumerate(page.get(section, []))]


@pytest.mark.parametrize(
    "question",
    [
        "how long before the bone scan results are available",
        "when will the report be sent to my doctor",
        "How soon are the findings ready?",
        "do the results take long to come back",
    ],
)
def test_waiting_for_results_is_answered_where_the_page_tells_of_results(question: str) -> None:
    topic = topic_of(question, passages_of)
    assert topic is not None
    assert topic.section == "recovery"
    assert topic.line == "utter_handoff_results"


def test_who_reads_the_results_is_the_personnel() -> None:
    topic = topic_of("who reads the results of the breathing test", passages_of)
    assert topic is not None and topic.section == "personnel"


def test_a_page_silent_on_results_hands_the_question_to_the_care_team() -> None:
    topic = topic_of("when do the results come", lambda section: passages_of(section, {"recovery": ["Rest."]}))
    assert topic is not None
    assert topic.section is None and topic.line == "utter_handoff_results"


@pytest.mark.parametrize(
    "question",
    [
        "where does the camera go during the scope",
        "Where exactly do they insert it?",
        "what happens in the bowel test where they go in from behind",
    ],
)
def test_where_an_instrument_goes_is_what_happens(question: str) -> None:
    topic = topic_of(question, passages_of)
    assert topic is not None and topic.section == PROCEDURE and topic.line is None


@pytest.mark.parametrize(
    "question",
    [
        "how long does the test take",
        "where is the test done",
        "where do I go for the scan",
        "where do you go to check in",
        "what do the results mean",
        "where does it take place",
        "when should I report a fever after the scope",
        "where do they put my clothes and phone",
    ],
)
def test_other_questions_name_no_topic(question: str) -> None:
    assert topic_of(question, passages_of) is None


def test_results_words_alone_do_not_ask_when() -> None:
    assert not about_results("can results be wrong")
    assert about_results("how many days until the report is ready")


@pytest.mark.parametrize(
    ("question", "named_as"),
    [
        ("could a stool test do the same job as the scope", ["scope"]),
        ("can medicine get rid of polyps", []),
        ("will a special diet cure it without the colonoscopy", ["colonoscopy"]),
    ],
)
def test_whether_another_treatment_does_the_job_is_answered_from_the_alternatives(
    question: str, named_as: list[str]
) -> None:
    topic = topic_of(question, passages_of, named_as)
    assert topic is not None and topic.section == ALTERNATIVES


@pytest.mark.parametrize(
    ("question", "named_as"),
    [
        ("can a colonoscopy remove polyps", ["colonoscopy"]),  # the page's own procedure
        ("can they remove polyps during it", []),  # people, not a treatment
        ("can the procedure fix the bleeding", []),
        ("can I remove my glasses", []),
        ("will the sticky pads remove chest hair", []),  # a part of the procedure
        ("will the contrast clear from my body quickly", []),
    ],
)
def test_the_procedure_itself_or_people_are_not_another_treatment(question: str, named_as: list[str]) -> None:
    assert not another_treatment(question, named_as)


def test_without_the_pages_names_no_question_is_about_another_treatment() -> None:
    assert topic_of("can medicine get rid of polyps", passages_of) is None
