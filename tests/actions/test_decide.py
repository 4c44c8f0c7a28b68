"""The decision table, row by row (no models: readings are written by hand)."""

from __future__ import annotations

import pytest

from actions.decide import ANSWER, DECLINE, EMERGENCY, HAND_OFF, NARROW, decide
from actions.reader import Reading, SectionGuess

LIMITS = {"emergency": 0.3, "personal": 0.4, "general": 0.5, "section": 0.6, "extra": 0.6, "narrow": 0.35}


def reading(kinds: dict[str, float], *sections: tuple[str, float], order: dict[str, int] | None = None) -> Reading:
    return Reading(kinds=kinds, sections=tuple(SectionGuess(s, p, "") for s, p in sections), order=order or {})


def test_an_emergency_wins_over_everything() -> None:
    read = reading({"emergency": 0.35, "general": 0.6, "results": 0.05}, ("duration", 0.95))
    decision = decide(read, LIMITS, "ask_cost")
    assert (decision.reply, decision.rule) == (EMERGENCY, 1)


def test_a_personal_case_is_handed_off_even_when_a_section_is_sure() -> None:
    read = reading({"symptoms_after": 0.3, "own_case": 0.15, "general": 0.55}, ("recovery", 0.9))
    decision = decide(read, LIMITS)
    assert (decision.reply, decision.response, decision.rule) == (HAND_OFF, "utter_handoff_personal", 2)
    results = decide(reading({"results": 0.5, "general": 0.5}, ("purpose", 0.9)), LIMITS)
    assert results.response == "utter_handoff_results"


def test_rasas_desk_intent_hands_off_unless_an_emergency_or_personal() -> None:
    read = reading({"general": 0.9}, ("duration", 0.9))
    assert decide(read, LIMITS, "ask_scheduling").response == "utter_handoff_scheduling"
    assert decide(read, LIMITS, "out_of_scope").reply == DECLINE


@pytest.mark.parametrize("kind", ["small_talk", "out_of_scope", "privacy", "other_language"])
def test_what_is_not_a_question_about_a_page_is_declined(kind: str) -> None:
    assert decide(reading({kind: 0.7, "general": 0.3}, ("summary", 0.9)), LIMITS).reply == DECLINE


def test_a_sure_general_question_is_answered_with_its_sure_extra_sections_in_asked_order() -> None:
    read = reading(
        {"general": 0.9},
        ("recovery", 0.8),
        ("duration", 0.7),
        ("risks_and_complications", 0.3),
        order={"recovery": 2, "duration": 1, "risks_and_complications": 1},
    )
    decision = decide(read, LIMITS)
    assert (decision.reply, decision.sections, decision.rule) == (ANSWER, ("duration", "recovery"), 5)


def test_how_results_are_given_gets_the_care_teams_results_line() -> None:
    decision = decide(reading({"general": 0.9}, ("results", 0.8)), LIMITS)
    assert (decision.reply, decision.response, decision.rule) == (HAND_OFF, "utter_handoff_results", 6)


def test_unsure_of_the_section_narrows_and_unsure_of_everything_declines() -> None:
    narrowed = decide(reading({"general": 0.6}, ("duration", 0.45), ("recovery", 0.4)), LIMITS)
    assert (narrowed.reply, narrowed.sections) == (NARROW, ("duration", "recovery"))
    declined = decide(reading({"general": 0.3, "out_of_scope": 0.25, "cost": 0.2}, ("duration", 0.9)), LIMITS)
    assert (declined.reply, declined.rule) == (DECLINE, 8)
