"""Real wording over REST with the real servers: several questions, personal cases, conditions (CONTRACT slots)."""

from __future__ import annotations

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


def test_a_question_is_answered_from_its_section_or_narrowed_never_answered_wrong(patient: Conversation) -> None:
    # Where the camera goes is what happens during the procedure: answered from it, or offered as a choice.
    messages = patient.talk("where does the camera go during an upper endoscopy")
    answered = patient.slots()["answer_sections"]
    offered = [b["title"] for m in messages for b in m.get("buttons", [])]
    assert answered == ["procedure_description"] or (answered == [] and "What happens" in " ".join(offered))
    # When results come is the care team's to tell: never a passage of another section.
    patient.text("how long is it before the results of the sleep study are ready")
    assert patient.slots()["answer_sections"] in ([], ["recovery"], ["personnel"])
