"""Over REST with the real servers: an emergency inside a long story, and messages in Spanish."""

from __future__ import annotations

import pytest

from common.settings import Settings
from tests.support.rest import Conversation


def test_an_emergency_buried_in_a_long_story_gets_the_emergency_reply(patient: Conversation) -> None:
    story = (
        "My husband is booked for a brain MRI on Thursday because of his headaches, and we have been reading "
        "your pages all week. He has a pacemaker so we were worried about the magnet. This evening at dinner his "
        "words started coming out jumbled and the right side of his face is drooping. I don't want to go to the ER "
        "if it is nothing. How long does the brain MRI take?"
    )
    messages = patient.talk(story)
    assert len(messages) == 1
    assert "911" in messages[0]["text"]
    assert patient.slots()["answer_section"] is None
    events = [e for e in patient.tracker()["events"] if e.get("event") == "action"]
    assert "utter_emergency" in [e.get("name") for e in events]


def test_a_spanish_question_gets_the_spanish_reply_with_the_number(
    patient: Conversation, bot_settings: Settings
) -> None:
    reply = patient.text("Hola, ¿cuánto tiempo dura una colonoscopia y tengo que estar en ayunas?")
    assert bot_settings.clinic_phone in reply
    assert bot_settings.emergency_number in reply
    assert "español" in reply
    assert "not medical advice" not in reply  # no English notice in front of it
    assert patient.slots()["answer_section"] is None
    latest = patient.tracker()["latest_message"]
    assert (latest["intent"]["name"], latest["language"]) == ("other_language", "es")


def test_a_spanish_emergency_gets_the_spanish_emergency_reply(patient: Conversation, bot_settings: Settings) -> None:
    messages = patient.talk("Me duele mucho el pecho y no puedo respirar bien")
    assert len(messages) == 1
    assert bot_settings.emergency_number in messages[0]["text"]
    assert "Llame" in messages[0]["text"]
    assert patient.slots()["answer_section"] is None


@pytest.mark.parametrize(
    "text",
    [
        "mi hijo tomó las pastillas de su abuela, como diez",
        "mi abuela se cayó, pega la cabeza y toma warfarina, ahora vomita",
    ],
)
def test_a_spanish_emergency_the_red_flags_miss_is_read_by_the_models(
    patient: Conversation, bot_settings: Settings, text: str
) -> None:
    # No Spanish red flag names these; the language identifier makes them other_language, and the action server's
    # models (which learned Spanish emergencies from the corpus) read them before the other-language reply.
    messages = patient.talk(text)
    assert len(messages) == 1
    assert bot_settings.emergency_number in messages[0]["text"]
    assert "Llame" in messages[0]["text"]
    assert "solo puedo responder en inglés" not in messages[0]["text"]
    assert patient.tracker()["latest_message"]["intent"]["name"] == "other_language"
    assert patient.slots()["reading"]["reply"] == "emergency"


def test_another_language_gets_english_and_spanish_with_the_number(
    patient: Conversation, bot_settings: Settings
) -> None:
    reply = patient.text("Bonjour, combien de temps dure une échographie de l'abdomen ?")
    assert bot_settings.clinic_phone in reply
    assert "English" in reply and "inglés" in reply
    assert patient.slots()["answer_section"] is None
    # English questions after it are answered as before.
    patient.talk("how long does an abdominal ultrasound take?")
    assert patient.slots()["answer_section"] == "duration"
