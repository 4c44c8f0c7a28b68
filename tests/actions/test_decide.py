"""The decision table, row by row (no models: readings are written by hand)."""

from __future__ import annotations

import pytest

from actions.decide import ANSWER, DECLINE, EMERGENCY, FOLLOW_UP, HAND_OFF, NARROW, chosen, decide
from actions.reader import Reading, SectionGuess

LIMITS = {"emergency": 0.3, "personal": 0.4, "general": 0.5, "section": 0.6, "extra": 0.6, "narrow": 0.35}


def reading(kinds: dict[str, float], *sections: tuple[str, float], order: dict[str, int] | None = None) -> Reading:
    return Reading(kinds=kinds, sections=tuple(SectionGuess(s, p, "") for s, p in sections), order=order or {})


def test_an_emergency_wins_over_everything() -> None:
    read = reading({"emergency": 0.35, "general": 0.6, "results": 0.05}, ("duration", 0.95))
    decision = decide(read, LIMITS, "ask_cost")
    assert (decision.reply, decision.rule) == (EMERGENCY, 1)


def test_the_second_opinion_calls_an_emergency_or_the_patients_own_case_though_the_kind_head_reads_general() -> None:
    sure = (SectionGuess("duration", 0.95, ""),)
    general = {"general": 0.9, "emergency": 0.05, "own_case": 0.05}
    emergency = decide(Reading(kinds=general, sections=sure, second={"emergency": 0.4}), LIMITS)
    assert (emergency.reply, emergency.rule, emergency.probability) == (EMERGENCY, 1, 0.4)
    own = decide(Reading(kinds=general, sections=sure, second={"results": 0.3, "own_case": 0.2}), LIMITS)
    assert (own.reply, own.response, own.rule, own.probability) == (HAND_OFF, "utter_handoff_results", 3, 0.5)
    quiet = Reading(kinds=general, sections=sure, second={"general": 0.7, "emergency": 0.2, "own_case": 0.1})
    assert decide(quiet, LIMITS).reply == ANSWER


def test_a_personal_case_is_handed_off_even_when_a_section_is_sure() -> None:
    read = reading({"symptoms_after": 0.3, "own_case": 0.15, "general": 0.55}, ("recovery", 0.9))
    decision = decide(read, LIMITS)
    assert (decision.reply, decision.response, decision.rule) == (HAND_OFF, "utter_handoff_symptoms", 3)
    own = decide(reading({"own_case": 0.3, "symptoms_after": 0.15, "general": 0.55}, ("recovery", 0.9)), LIMITS)
    assert own.response == "utter_handoff_personal"
    results = decide(reading({"results": 0.5, "general": 0.5}, ("purpose", 0.9)), LIMITS)
    assert results.response == "utter_handoff_results"


def test_rasas_desk_intent_hands_off_unless_an_emergency_or_personal() -> None:
    read = reading({"general": 0.9}, ("duration", 0.9))
    assert decide(read, LIMITS, "ask_scheduling").response == "utter_handoff_scheduling"
    assert decide(read, LIMITS, "out_of_scope").reply == DECLINE


def test_a_reader_sure_of_a_general_question_overrules_rasas_desk_or_out_of_scope_intent() -> None:
    limits = {**LIMITS, "overrule": 0.95}
    sure = reading({"general": 0.97, "cost": 0.03}, ("risks_and_complications", 0.9))
    for intent in ("ask_cost", "ask_prescription", "out_of_scope"):
        decision = decide(sure, limits, intent, 0.7)
        assert (decision.reply, decision.sections, decision.rule) == (ANSWER, ("risks_and_complications",), 6)
    unsure = reading({"general": 0.9, "cost": 0.1}, ("risks_and_complications", 0.9))
    assert decide(unsure, limits, "ask_cost", 0.7).response == "utter_handoff_cost"
    # Without a trained level Rasa is never overruled; and the reader's own desk kind still hands off.
    assert decide(sure, LIMITS, "out_of_scope").reply == DECLINE
    desk = reading({"cost": 0.97, "general": 0.03}, ("duration", 0.9))
    assert decide(desk, limits, "out_of_scope").response == "utter_handoff_cost"


@pytest.mark.parametrize("kind", ["small_talk", "out_of_scope", "privacy", "other_language"])
def test_what_is_not_a_question_about_a_page_is_declined(kind: str) -> None:
    assert decide(reading({kind: 0.7, "general": 0.3}, ("summary", 0.9)), LIMITS).reply == DECLINE


def test_a_sure_general_question_is_answered_best_section_first_then_the_others_in_asked_order() -> None:
    read = reading(
        {"general": 0.9},
        ("recovery", 0.62),
        ("risks_and_complications", 0.3),
        ("duration", 0.05),
        order={"recovery": 3, "duration": 1, "risks_and_complications": 2},
    )
    decision = decide(read, {**LIMITS, "extra": 0.25})
    assert (decision.reply, decision.sections, decision.rule) == (ANSWER, ("recovery", "risks_and_complications"), 6)


def test_the_answer_rests_on_its_best_section_not_on_the_sum_of_the_sections_it_is_torn_between() -> None:
    torn = reading({"general": 0.9}, ("recovery", 0.5), ("risks_and_complications", 0.3), ("duration", 0.05))
    assert decide(torn, {**LIMITS, "extra": 0.25}).reply == NARROW
    # ... unless one sentence, read apart, surely asks the best section.
    asked = Reading(
        kinds={"general": 0.9},
        sections=(SectionGuess("recovery", 0.5, ""), SectionGuess("risks_and_complications", 0.3, "")),
        sentence_sections=(SectionGuess("recovery", 0.92, "Can I drive home after?"),),
    )
    decision = decide(asked, {**LIMITS, "extra": 0.25, "sentence": 0.9})
    assert (decision.reply, decision.sections) == (ANSWER, ("recovery", "risks_and_complications"))
    assert decide(asked, {**LIMITS, "extra": 0.25, "sentence": 0.95}).reply == NARROW


def test_a_sentence_that_surely_asks_its_own_section_is_answered_too() -> None:
    read = Reading(
        kinds={"general": 0.9},
        sections=(SectionGuess("duration", 0.7, "How long is it?"), SectionGuess("recovery", 0.2, "")),
        order={"duration": 1, "recovery": 2},
        sentence_sections=(
            SectionGuess("duration", 0.95, "How long is it?"),
            SectionGuess("recovery", 0.9, "Can I drive home after?"),
        ),
    )
    assert decide(read, {**LIMITS, "sentence": 0.8}).sections == ("duration", "recovery")
    assert decide(read, {**LIMITS, "sentence": 0.95}).sections == ("duration",)


def test_rasa_and_the_reader_agreeing_on_a_section_is_enough() -> None:
    read = reading({"general": 0.9}, ("duration", 0.45), ("recovery", 0.4))
    limits = {**LIMITS, "agree": 0.4, "nlu_sure": 0.8}
    assert decide(read, limits, "ask_duration", 0.95).sections == ("duration",)
    assert decide(read, limits, "ask_duration", 0.5).reply == NARROW
    assert decide(read, limits, "ask_recovery", 0.95).sections[0] == "recovery"  # the reader gives it 0.4
    assert decide(read, limits, "ask_summary", 0.99).reply == NARROW  # the reader does not give it at all


def test_a_tapped_choice_is_what_the_patient_chose() -> None:
    assert chosen("ask_duration").sections == ("duration",)
    assert chosen("ask_cost").response == "utter_handoff_cost"
    assert chosen("inform_procedure").reply == DECLINE


def test_how_results_are_given_gets_the_care_teams_results_line() -> None:
    decision = decide(reading({"general": 0.9}, ("results", 0.8)), LIMITS)
    assert (decision.reply, decision.response, decision.rule) == (HAND_OFF, "utter_handoff_results", 7)


def test_a_follow_up_that_only_names_a_procedure_is_not_handed_to_a_desk_on_the_readers_guess() -> None:
    # "and for the ct?" after a question about the MRI: the reader's kind head guessed a question of cost.
    follow_up = reading({"cost": 0.52, "general": 0.39, "emergency": 0.01}, ("alternatives", 0.3), ("duration", 0.2))
    limits = {**LIMITS, "nlu_sure": 0.8}
    assert decide(follow_up, limits, "ask_duration", 0.5).reply == HAND_OFF  # Rasa not sure it only names one
    decision = decide(follow_up, limits, "inform_procedure", 0.94)
    assert decision.reply not in (HAND_OFF, ANSWER)  # the answerer asks the conversation's question of the page
    assert decide(follow_up, limits, "inform_procedure", 0.7).reply == HAND_OFF
    # Rasa's own desk intents, emergencies and the patient's own case still come first.
    assert decide(follow_up, limits, "ask_cost", 0.9).reply == HAND_OFF
    urgent = reading({"emergency": 0.9, "general": 0.1}, ("duration", 0.9))
    assert decide(urgent, limits, "inform_procedure", 0.99).reply == EMERGENCY


def test_unsure_of_the_section_narrows_and_unsure_of_everything_declines() -> None:
    narrowed = decide(reading({"general": 0.6}, ("duration", 0.45), ("recovery", 0.4)), LIMITS)
    assert (narrowed.reply, narrowed.sections) == (NARROW, ("duration", "recovery"))
    declined = decide(reading({"general": 0.3, "out_of_scope": 0.25, "cost": 0.2}, ("duration", 0.9)), LIMITS)
    assert (declined.reply, declined.rule) == (DECLINE, 9)


def test_a_name_that_follows_a_question_asks_it_again_though_the_reader_reads_a_case_or_another_section() -> None:
    # "And for the scan of my knee?" after a question: the reader alone reads "my knee" as the patient's own case.
    own = reading({"own_case": 0.6, "general": 0.4}, ("summary", 0.7))
    decision = decide(own, LIMITS, "inform_procedure", 0.96, follow_up=True)
    assert (decision.reply, decision.rule, decision.probability) == (FOLLOW_UP, 2, 0.96)
    # "What about a colonoscopy?" read alone as a question of other options.
    other = reading({"general": 0.95}, ("alternatives", 0.9))
    assert decide(other, LIMITS, "inform_procedure", 0.9, follow_up=True).reply == FOLLOW_UP
    # Not without a question before, not when Rasa is unsure, and never over an emergency.
    assert decide(own, LIMITS, "inform_procedure", 0.96).reply == HAND_OFF
    assert decide(other, LIMITS, "inform_procedure", 0.6, follow_up=True).reply == ANSWER
    assert decide(own, LIMITS, "ask_duration", 0.96, follow_up=True).reply == HAND_OFF
    danger = reading({"emergency": 0.5, "general": 0.5}, ("duration", 0.9))
    assert decide(danger, LIMITS, "inform_procedure", 0.99, follow_up=True).reply == EMERGENCY


def test_the_follow_up_head_asks_the_last_question_again_where_rasa_is_unsure() -> None:
    # "What about a colonoscopy" after "how long does a knee scope take?": Rasa unsure (0.64), the reader alone
    # reads other options; the follow-up head, learned from writers' pairs, is sure it only moves the question.
    moved = Reading(kinds={"general": 0.95}, sections=(SectionGuess("alternatives", 0.9, ""),), follow=0.9)
    limits = {**LIMITS, "follow": 0.8}
    decision = decide(moved, limits, "inform_procedure", 0.64, follow_up=True)
    assert (decision.reply, decision.rule, decision.probability) == (FOLLOW_UP, 2, 0.9)
    # Not without a question before it, not below its threshold, not before a reader chose one (default above
    # 1), and never over an emergency.
    assert decide(moved, limits, "inform_procedure", 0.64).reply == ANSWER
    assert decide(moved, {**LIMITS, "follow": 0.95}, "inform_procedure", 0.64, follow_up=True).reply == ANSWER
    assert decide(moved, LIMITS, "inform_procedure", 0.64, follow_up=True).reply == ANSWER
    danger = Reading(kinds={"emergency": 0.6, "general": 0.4}, follow=0.99)
    assert decide(danger, limits, "inform_procedure", 0.5, follow_up=True).reply == EMERGENCY
