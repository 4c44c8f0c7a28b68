"""Which section answers a safety question with a personal condition."""

from __future__ import annotations

from actions.conditions import PREPARATION, RISKS, safety_section
from actions.reading import read
from knowledge.model import Passage, PassageKind

PAGE = {
    RISKS: ["Metal in or on your body can heat up.", "Extra care is taken if you are pregnant."],
    PREPARATION: ["Tell your care team about a pacemaker or a cochlear implant.", "Wear comfortable clothes."],
}


def passages_of(section: str) -> list[Passage]:
    kind = next(iter(PassageKind))
    return [Passage("70551", section, text, kind, i, i) for i, text in enumerate(PAGE.get(section, []))]


def test_the_risks_answer_when_they_name_the_condition() -> None:
    assert safety_section(read("I'm pregnant. Is the scan safe?"), passages_of) == RISKS


def test_the_preparation_answers_when_only_it_names_the_condition() -> None:
    assert safety_section(read("I have a pacemaker. Can I have the scan?"), passages_of) == PREPARATION


def test_a_question_about_the_risks_is_answered_from_them() -> None:
    assert safety_section(read("I have a pacemaker. What are the risks of the scan?"), passages_of) == RISKS


def test_not_a_safety_question_or_no_condition() -> None:
    assert safety_section(read("I have a pacemaker. How long is the scan?"), passages_of) is None
    assert safety_section(read("Is the scan safe?"), passages_of) is None
    assert safety_section(read("I'm pregnant. Is the scan safe?"), lambda section: []) is None  # no risks section
