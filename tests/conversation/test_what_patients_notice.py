"""What patients noticed on 2026-12-06 (issue 21), over REST with the real servers and the trained reader."""

from __future__ import annotations

from tests.support.rest import Conversation


def said(messages: list[dict[str, object]]) -> str:
    return " ".join(str(m.get("text") or "") for m in messages)


def test_chest_pain_inside_a_procedure_question_gets_the_emergency_reply(patient: Conversation) -> None:
    for message in (
        "I have crushing chest pain, can I still have the CT?",
        "I'm having chest pain, should I still do my stress test tomorrow?",
    ):
        reply = said(patient.talk(message))
        assert "911" in reply, message
        assert patient.slots()["answer_section"] is None


def test_an_emergency_opening_with_a_greeting_or_inside_a_question_gets_the_emergency_reply(
    patient: Conversation,
) -> None:
    # A greeting used to go straight to "Hello!" (the models never read it); thoughts of suicide inside a
    # preparation question were answered from the page (the learned probability was 0.001: the red flags catch it).
    for message in (
        "Good evening. My heart is racing and I feel like I'm going to pass out. I have the nuclear scan Monday.",
        "hi, I keep thinking everyone would be better off without me. anyway do I need to bring anything to the "
        "sleep study?",
    ):
        reply = said(patient.talk(message))
        assert "911" in reply, message
        assert patient.slots()["answer_section"] is None
    assert "988" in reply  # thoughts of self-harm get the crisis line too


def test_a_greeting_is_still_answered_as_one(patient: Conversation) -> None:
    reply = said(patient.talk("hello"))
    assert "Ask me about your procedure" in reply
    assert patient.slots()["answer_section"] is None


def test_clear_out_and_forget_in_a_prep_question_are_not_privacy_requests(patient: Conversation) -> None:
    for message in (
        "the bowel prep is supposed to clear out everything right, how long does that take?",
        "with the sedation will I forget everything about the colonoscopy?",
    ):
        reply = said(patient.talk(message))
        assert "want me to delete this chat" not in reply.lower(), message


def test_a_general_question_with_still_or_after_my_is_not_handed_to_a_nurse(patient: Conversation) -> None:
    reply = said(patient.talk("Two days after my colonoscopy, am I still supposed to avoid alcohol?"))
    assert "nurse or doctor should answer" not in reply
    assert patient.slots()["answer_section"] in (None, "recovery", "preparation")


def test_the_patients_own_symptom_after_the_procedure_is_handed_off(patient: Conversation) -> None:
    reply = said(
        patient.talk("I had my colonoscopy yesterday and I still have bad cramps and some bloating, is that ok?")
    )
    assert patient.slots()["answer_section"] is None
    assert "555-0100" in reply
    # Symptoms after a procedure: the clinic, and where to go if they are bad or the clinic cannot be reached.
    assert "911" in reply and "emergency room" in reply


def test_spanish_gets_spanish_throughout(patient: Conversation) -> None:
    reply = said(patient.talk("hola, cuanto dura una colonoscopia?"))
    assert "lunes a viernes" in reply
    assert "Monday" not in reply
