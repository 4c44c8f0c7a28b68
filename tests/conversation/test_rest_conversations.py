"""Conversations with the real Rasa server and action server over the REST channel."""

from __future__ import annotations

import time

import requests

from common.settings import Settings
from serving.processes import BotServers
from tests.support.rest import Conversation


def test_duration_of_the_seed_procedure(patient: Conversation) -> None:
    reply = patient.text("how long does a lung perfusion scan take?")
    assert "The procedure typically takes about 30 to 60 minutes." in reply
    assert "not medical advice" in reply  # the first reply carries the notice
    assert patient.slots()["procedure"] == "78580"
    assert patient.slots()["answer_section"] == "duration"


def test_follow_ups_rely_on_context(patient: Conversation) -> None:
    patient.talk("what should i expect from a colonoscopy")
    reply = patient.text("does it hurt?")
    assert patient.slots()["procedure"] == "45378"
    assert patient.slots()["answer_section"] == "patient_experience"
    assert "not medical advice" not in reply
    reply = patient.text("can i drive home after")
    assert patient.slots()["answer_section"] == "recovery"
    assert "drive" in reply.lower()


def test_a_follow_up_naming_another_procedure_asks_the_last_question_of_it(patient: Conversation) -> None:
    patient.talk("how long does a brain mri take")
    assert patient.slots()["answer_section"] == "duration"
    reply = patient.text("and for the ct?")  # read alone, the reader took it for a question of cost
    assert patient.slots()["procedure"] == "71260"
    assert patient.slots()["answer_section"] == "duration"
    assert "cost" not in reply.lower() and "insurance" not in reply.lower()


def test_what_about_another_procedure_asks_the_last_question_of_it(patient: Conversation) -> None:
    # Read alone, "what about a colonoscopy" asks about other options (it was answered from the colonoscopy's
    # alternatives); after a question, the follow-up head (learned from writers' pairs) takes it as that question.
    patient.talk("how long does a knee arthroscopy take?")
    reply = patient.text("what about a colonoscopy")
    assert (patient.slots()["procedure"], patient.slots()["answer_section"]) == ("45378", "duration")
    assert "minutes" in reply
    reading = patient.slots()["reading"]
    assert reading["rule"] == 2 and reading["follow_up"] >= 0.5


def test_after_the_results_line_a_follow_up_gets_it_again_for_the_page_named(patient: Conversation) -> None:
    line = "The care team shares test results and what they mean."
    assert line in patient.text("how long does it usually take to get echo results back?")
    reply = patient.text("and for the treadmill test?")  # not what the treadmill test is
    assert patient.slots()["answer_section"] is None and patient.slots()["procedure"] == "93015"
    assert line in reply


def test_question_before_the_procedure_is_known(patient: Conversation) -> None:
    messages = patient.talk("do i need to fast before?")
    assert patient.slots()["answer_section"] is None
    assert patient.slots()["procedure"] is None
    buttons = [b for m in messages for b in m.get("buttons", [])]
    payload = next(b["payload"] for b in buttons if "45378" in b["payload"])
    reply = patient.text(payload)
    assert patient.slots()["procedure"] == "45378"
    assert patient.slots()["answer_section"] == "preparation"
    assert "bowel" in reply.lower()


def test_typed_procedure_answers_the_waiting_question(patient: Conversation) -> None:
    patient.talk("how long does it take")
    patient.talk("its the echocardiogram")
    assert patient.slots()["procedure"] == "93306"
    assert patient.slots()["answer_section"] == "duration"


def test_change_of_procedure(patient: Conversation) -> None:
    patient.talk("how long does a colonoscopy take")
    assert patient.slots()["procedure"] == "45378"
    patient.talk("and how long is a brain mri?")
    assert patient.slots()["procedure"] == "70551"
    assert patient.slots()["answer_section"] == "duration"
    patient.talk("does it hurt")
    assert patient.slots()["procedure"] == "70551"


def test_small_talk_resets_the_section_but_keeps_the_procedure(patient: Conversation) -> None:
    patient.talk("what are the risks of a chest ct")
    assert patient.slots()["answer_section"] == "risks_and_complications"
    reply = patient.text("thank you!")
    assert "welcome" in reply.lower()
    assert patient.slots()["answer_section"] is None
    assert patient.slots()["procedure"] == "71260"


def test_emergency_gets_only_the_emergency_message(patient: Conversation) -> None:
    patient.talk("how long does the stress test on the treadmill take")
    messages = patient.talk("my chest is crushing and i can't breathe")
    assert len(messages) == 1
    assert "911" in messages[0]["text"]
    assert patient.slots()["answer_section"] is None


def test_hand_off_gives_the_clinic_phone(patient: Conversation, bot_settings: Settings) -> None:
    reply = patient.text("how much will my mammogram cost with my insurance")
    assert bot_settings.clinic_phone in reply
    assert patient.slots()["answer_section"] is None


def test_http_api_needs_the_token(patient: Conversation, bot_settings: Settings) -> None:
    patient.talk("hello")
    url = f"http://127.0.0.1:{bot_settings.rasa_port}/conversations/{patient.sender}/tracker"
    assert requests.get(url, timeout=10).status_code == 401
    assert requests.get(url, params={"token": "wrong"}, timeout=10).status_code == 401
    assert requests.get(url, params={"token": bot_settings.bot_api_token}, timeout=10).status_code == 200


def test_the_question_is_embedded_while_rasa_understands_it(patient: Conversation, servers: BotServers) -> None:
    """The Rasa server sends the text ahead (QuestionHint); the action uses that vector, not a second one."""
    log = next(s.log_path for s in servers.servers if s.name == "actions")
    assert log is not None

    def answers(vector: str) -> int:
        text = log.read_text(encoding="utf-8", errors="replace")
        return text.count(f"section=risks_and_complications vector={vector}")

    hinted, embedded = answers("hinted"), answers("embedded")
    reply = patient.text("what are the risks of a colonoscopy?")
    assert patient.slots()["answer_section"] == "risks_and_complications"
    assert "bleeding" in reply.lower()
    deadline = time.monotonic() + 10
    while answers("hinted") == hinted and time.monotonic() < deadline:
        time.sleep(0.05)  # the server's output reaches its log file through a pipe
    assert answers("hinted") == hinted + 1
    assert answers("embedded") == embedded
