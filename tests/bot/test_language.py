"""Language identification: Spanish and other languages are recognised; English stays English.

The sentences are the team's own. The English edge cases are the ones that
must never lose their answer: short messages, names, CPT codes, typos, keywords,
and English with one foreign word.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.training_data.message import Message

from bot.components.language import LANGUAGE_KEY, LanguageIdentifier
from bot.components.red_flags import RedFlagClassifier
from bot.language import identify
from bot.nlg import ClinicNaturalLanguageGenerator

SPANISH = [
    "¿Cuánto tiempo dura una colonoscopia?",
    "hola, tengo una pregunta sobre mi resonancia",
    "necesito saber si puedo comer antes del ultrasonido",
    "mi mamá tiene cita para una mamografía el lunes, qué tiene que llevar",
    "hola",
    "buenas tardes",
    "gracias",
]

OTHER = [
    ("Combien de temps dure l'examen du cœur ?", "fr"),
    ("Wie muss ich mich auf die Darmspiegelung vorbereiten?", "de"),
    ("Quanto tempo demora o exame de sangue?", None),  # Portuguese, or Italian: close cousins
    ("Tôi có cần nhịn ăn trước khi siêu âm không?", "vi"),
    ("检查前可以吃东西吗", "zh"),
    ("검사 전에 물을 마셔도 되나요?", "ko"),
    ("Сколько времени занимает МРТ?", "ru"),
    ("هل يمكنني الأكل قبل الفحص؟", "ar"),
]

ENGLISH = [
    "how long does a colonoscopy take",
    "ok",
    "yes",
    "no",
    "thanks",
    "si",
    "Maria Gonzalez",
    "Jose Luis Hernandez",
    "45378",
    "cpt 93306",
    "colonoscopy prep",
    "echocardiogram duration",
    "wat is teh prep for colonscopy",
    "can i eat tacos before my scan",
    "I have a question about my cita",
    "my abuela has an MRI tomorrow, can I come with her?",
    "is the endoscopia painful",
    "mammogram",
    "doctor",
    "DEXA scan",
    "V/Q scan how long",
]


@pytest.mark.parametrize("text", SPANISH)
def test_spanish_is_recognised(text: str) -> None:
    identified = identify(text)
    assert identified.other
    assert identified.language == "es"


@pytest.mark.parametrize(("text", "code"), OTHER)
def test_other_languages_are_recognised(text: str, code: str | None) -> None:
    identified = identify(text)
    assert identified.other
    assert identified.language != "es"
    if code is not None:
        assert identified.language == code


@pytest.mark.parametrize("text", ENGLISH)
def test_english_edge_cases_stay_english(text: str) -> None:
    identified = identify(text)
    assert not identified.other
    assert identified.language == "en"


def parse(text: str, intent: str = "ask_duration", confidence: float = 0.8) -> Message:
    """The message after the language component and the red-flag classifier, as in config.yml."""
    message = Message(
        data={
            "text": text,
            "intent": {"name": intent, "confidence": confidence},
            "intent_ranking": [{"name": intent, "confidence": confidence}],
        }
    )
    LanguageIdentifier(LanguageIdentifier.get_default_config()).process([message])
    RedFlagClassifier(RedFlagClassifier.get_default_config()).process([message])
    return message


def test_a_message_in_another_language_gets_the_other_language_intent() -> None:
    message = parse("¿Cuánto dura la prueba de esfuerzo?")
    assert message.get("intent")["name"] == "other_language"
    assert message.get(LANGUAGE_KEY) == "es"
    assert message.as_dict(only_output_properties=True)[LANGUAGE_KEY] == "es"


def test_an_english_message_is_marked_english_and_keeps_its_intent() -> None:
    message = parse("how long is the stress test")
    assert message.get("intent")["name"] == "ask_duration"
    assert message.get(LANGUAGE_KEY) == "en"


def test_a_spanish_emergency_is_an_emergency_in_spanish() -> None:
    message = parse("me duele mucho el pecho", "other_language", 0.5)
    assert message.get("intent")["name"] == "emergency"
    assert message.get(LANGUAGE_KEY) == "es"
    short = parse("no puedo respirar")
    assert (short.get("intent")["name"], short.get(LANGUAGE_KEY)) == ("emergency", "es")


def test_a_confident_emergency_prediction_is_not_replaced() -> None:
    message = parse("ayúdenme rápido por favor, mi hijo no se mueve", "emergency", 0.95)
    assert message.get("intent")["name"] == "emergency"


DOMAIN = Domain.from_yaml(
    """
version: "3.1"
responses:
  utter_notice:
  - text: "Notice."
  utter_emergency:
  - text: "Call {emergency_number} now."
  utter_emergency_es:
  - text: "Llame al {emergency_number} ahora."
  utter_greet:
  - text: "Hi!"
"""
)


def tracker_in(language: str) -> DialogueStateTracker:
    parse_data = {"intent": {"name": "emergency", "confidence": 1.0}, "language": language}
    return DialogueStateTracker.from_events("p", [SessionStarted(), UserUttered("x", parse_data=parse_data)])


def test_the_spanish_variant_is_sent_to_a_patient_who_wrote_in_spanish() -> None:
    nlg = ClinicNaturalLanguageGenerator(domain=DOMAIN)
    spanish = asyncio.run(nlg.generate("utter_emergency", tracker_in("es"), "rest"))
    assert spanish is not None and spanish["text"] == "Llame al 911 ahora."
    english = asyncio.run(nlg.generate("utter_emergency", tracker_in("en"), "rest"))
    assert english is not None and english["text"] == "Call 911 now."
    # No Spanish variant: the English response.
    greet = asyncio.run(nlg.generate("utter_greet", tracker_in("es"), "rest"))
    assert greet is not None and greet["text"].endswith("Hi!")


def test_an_emergency_asked_for_by_its_spanish_name_comes_alone_without_the_notice() -> None:
    nlg = ClinicNaturalLanguageGenerator(domain=DOMAIN)
    reply = asyncio.run(nlg.generate("utter_emergency_es", tracker_in("es"), "rest"))
    assert reply is not None and reply["text"] == "Llame al 911 ahora."
    # The notice still opens an ordinary first reply.
    greet = asyncio.run(nlg.generate("utter_greet", tracker_in("en"), "rest"))
    assert greet is not None and greet["text"].startswith("Notice.")


def test_the_classifier_alone_is_not_believed_for_a_mild_symptom_question() -> None:
    # No red-flag pattern, the classifier sure it is an emergency: a question about
    # a mild or past symptom gives way; a short cry for help does not.
    assert parse("my arm is a little sore since the IV yesterday, is that normal?", "emergency", 0.97).get("intent")[
        "name"
    ] == ("nlu_fallback")
    assert parse("come quick he is blue", "emergency", 0.95).get("intent")["name"] == "emergency"


def test_the_classifier_alone_does_not_make_english_another_language() -> None:
    message = Message(
        data={
            "text": "how long is the sleep study",
            "intent": {"name": "other_language", "confidence": 0.6},
            "intent_ranking": [
                {"name": "other_language", "confidence": 0.6},
                {"name": "ask_duration", "confidence": 0.3},
            ],
        }
    )
    LanguageIdentifier(LanguageIdentifier.get_default_config()).process([message])
    assert message.get("intent")["name"] == "ask_duration"
    assert [r["name"] for r in message.get("intent_ranking")] == ["ask_duration"]


def test_the_other_language_policy_runs_its_action_then_listens(tmp_path: Path) -> None:
    from rasa.engine.graph import ExecutionContext, GraphSchema
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource
    from rasa.shared.core.events import ActionExecuted

    from bot.language_policy import OtherLanguagePolicy

    domain = Domain.from_yaml(
        'version: "3.1"\nintents: [other_language, greet]\nactions: [action_other_language]\nresponses:\n'
        '  utter_other_language:\n  - text: "x"\n  utter_greet:\n  - text: "y"\n'
    )
    policy = OtherLanguagePolicy(
        OtherLanguagePolicy.get_default_config(),
        LocalModelStorage(Path(tmp_path)),
        Resource("p"),
        ExecutionContext(GraphSchema({})),
    )

    def best(events: list[Any]) -> str:
        tracker = DialogueStateTracker.from_events("p", events)
        probabilities = policy.predict_action_probabilities(tracker, domain).probabilities
        if max(probabilities) == 0.0:
            return "nothing"
        return domain.action_names_or_texts[probabilities.index(max(probabilities))]

    spoken = [ActionExecuted("action_listen"), UserUttered("hola", {"name": "other_language", "confidence": 1.0})]
    assert best(spoken) == "action_other_language"
    assert best([*spoken, ActionExecuted("action_other_language")]) == "action_listen"
    assert best([ActionExecuted("action_listen"), UserUttered("hi", {"name": "greet", "confidence": 1.0})]) == "nothing"


def test_spanish_replies_are_spanish_throughout_the_clinics_hours_included() -> None:
    # The hours are a setting in each language (CLINIC_HOURS, CLINIC_HOURS_ES): no English inside a Spanish reply.
    import yaml

    responses = yaml.safe_load((Path(__file__).resolve().parents[2] / "domain.yml").read_text("utf-8"))["responses"]
    spanish = {name: texts for name, texts in responses.items() if name.endswith("_es")}
    assert spanish
    for name, texts in spanish.items():
        for text in (t["text"] for t in texts):
            assert "{clinic_hours}" not in text, name
    assert any("{clinic_hours_es}" in t["text"] for texts in spanish.values() for t in texts)
