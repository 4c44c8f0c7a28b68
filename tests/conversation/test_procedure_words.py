"""How patients name procedures, over REST with the real servers: word forms, family words, terms, the fallback."""

from __future__ import annotations

from tests.support.rest import Conversation


def _buttons(messages: list[dict[str, object]]) -> list[str]:
    return [str(b["payload"]) for m in messages for b in m.get("buttons", []) or []]  # type: ignore[attr-defined]


def test_a_word_form_of_a_name_is_answered(patient: Conversation) -> None:
    patient.talk("are colonoscopies painful?")
    assert patient.slots()["procedure"] == "45378"
    assert patient.slots()["answer_section"] is not None


def test_a_family_word_of_one_page_is_answered_under_that_pages_name(patient: Conversation) -> None:
    reply = patient.text("how long does a cat scan take?")
    assert patient.slots()["procedure"] == "71260"
    assert patient.slots()["answer_section"] == "duration"
    assert "(Chest CT with contrast)" in reply or "chest ct" in reply.lower()


def test_a_family_word_of_two_pages_asks_with_two_buttons(patient: Conversation) -> None:
    messages = patient.talk("how long does an ultrasound take?")
    assert patient.slots()["answer_section"] is None
    payloads = _buttons(messages)
    assert len(payloads) == 2
    assert any("76700" in p for p in payloads) and any("93306" in p for p in payloads)
    patient.talk(next(p for p in payloads if "93306" in p))
    assert (patient.slots()["procedure"], patient.slots()["answer_section"]) == ("93306", "duration")


def test_a_term_points_to_its_page(patient: Conversation) -> None:
    patient.talk("how long is the recovery for a torn meniscus?")
    assert patient.slots()["procedure"] == "29881"
    assert patient.slots()["answer_section"] == "recovery"


def test_a_name_beats_a_family_word(patient: Conversation) -> None:
    patient.talk("I had an x-ray but now a chest CT with contrast, how long is the CT?")
    assert patient.slots()["procedure"] == "71260"
    assert patient.slots()["answer_section"] == "duration"


def test_a_name_the_whole_message_contradicts_asks_which_of_the_two(patient: Conversation) -> None:
    # "treadmill" names the exercise test; the tracer injected before it makes it the nuclear one (the page head's
    # doubt, Answerer._doubted): the patient chooses rather than getting the other test's answer.
    messages = patient.talk(
        "for the heart test where they inject the radioactive tracer and then I walk on the treadmill, "
        "how long does it take?"
    )
    assert patient.slots()["answer_sections"] == []
    payloads = _buttons(messages)
    assert len(payloads) == 2
    assert any("93015" in p for p in payloads) and any("78452" in p for p in payloads)
    # The choice answers the waiting question from the page chosen (which section is the models' reading).
    patient.talk(next(p for p in payloads if "78452" in p))
    assert patient.slots()["procedure"] == "78452"
    assert patient.slots()["answer_section"] is not None
    # The plain treadmill test, named and described alike, is answered at once.
    patient.talk("how long does the exercise stress test on the treadmill take?")
    assert (patient.slots()["procedure"], patient.slots()["answer_section"]) == ("93015", "duration")
