"""Real wording over REST with the real servers: several questions, personal cases, conditions (CONTRACT slots)."""

from __future__ import annotations

from typing import Any

import requests

from tests.support.rest import Conversation


def test_every_turn_sets_answer_sections(patient: Conversation) -> None:
    patient.talk("hello")
    assert patient.slots()["answer_sections"] == []
    patient.talk("how long does a lung perfusion scan take?")
    slots = patient.slots()
    assert slots["answer_sections"] == ["duration"]
    assert slots["answer_sections"][0] == slots["answer_section"]
    patient.talk("thanks")
    assert patient.slots()["answer_sections"] == []
    assert patient.slots()["answer_section"] is None


def test_two_questions_in_one_message_are_answered_in_one_reply(patient: Conversation) -> None:
    reply = patient.text(
        "My appointment is next Tuesday and I have to arrange a ride. "
        "How long does a colonoscopy take? And will I be able to drive myself home afterwards?"
    )
    slots = patient.slots()
    assert slots["procedure"] == "45378"
    assert slots["answer_sections"][0] == slots["answer_section"]
    assert set(slots["answer_sections"]) == {"duration", "recovery"}
    assert "How long it takes:" in reply and "Afterwards:" in reply


def test_a_question_about_ones_own_report_is_handed_to_the_care_team(patient: Conversation) -> None:
    messages = patient.talk("My brain MRI report says there are a few small white spots. Should I be worried?")
    slots = patient.slots()
    assert slots["answer_section"] is None and slots["answer_sections"] == []
    assert "555-0100" in " ".join(m.get("text") or "" for m in messages)  # the clinic's number (development default)
    # Handed off by NLU's results intent (a rule) or by the action, which also offers the general page.
    offers = [b["payload"] for m in messages for b in m.get("buttons", [])]
    assert offers in ([], ['/ask_summary{"procedure": "70551"}'])
    said = " ".join(m.get("text") or "" for m in messages).lower()
    assert "care team" in said or "nurse or doctor" in said


def test_a_personal_condition_gets_the_general_answer_and_the_care_team_line(patient: Conversation) -> None:
    reply = patient.text("I'm pregnant. What are the risks of a chest x-ray?")
    assert patient.slots()["answer_section"] == "risks_and_complications"
    assert "ask your care team" in reply


def test_questions_classified_together_get_what_each_gets_alone(patient: Conversation) -> None:
    # The Rasa server runs DIET once for all of a message's questions (rasa_patches.diet_in_one_batch):
    # each must get the intent and confidence it gets as a message of its own (one run each).
    def parse(text: str) -> dict[str, Any]:
        response = requests.post(patient.url(f"/model/parse?token={patient.token}"), json={"text": text}, timeout=60)
        response.raise_for_status()
        parsed: dict[str, Any] = response.json()
        return parsed

    messages = [
        "where is the bone density scan done, who does it, and does it hurt?",
        "My husband snores loudly. His doctor booked a sleep study. How long is it and can I stay with him?",
    ]
    for message in messages:
        together = parse(message)["questions"]
        assert len(together) >= 2
        for question in together:
            # DIET's own ranking of the question alone (the fallback classifier may put nlu_fallback first).
            alone = next(r for r in parse(question["text"])["intent_ranking"] if r["name"] != "nlu_fallback")
            assert question["intent"] == alone["name"]
            assert abs(question["confidence"] - alone["confidence"]) < 1e-3


def test_a_question_whose_words_name_its_topic_is_answered_from_it(patient: Conversation) -> None:
    # Where the camera goes is what happens during the procedure, whatever "where" makes the classifier hear.
    patient.talk("where does the camera go during an upper endoscopy")
    assert patient.slots()["answer_sections"] == ["procedure_description"]
    # When the results come: the page's passage on results, then the care team's results line with the number.
    reply = patient.text("how long is it before the results of the sleep study are ready")
    assert patient.slots()["answer_sections"] == ["recovery"]
    assert "results" in reply and "555-0100" in reply
