"""SMS through the Twilio channel: signed webhooks to the real Rasa server, texts out through a fake Twilio API."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import requests

from common.settings import Settings
from common.sms import PART_LIMIT, keyword_texts, split_parts
from serving.processes import BotServers, server_env
from tests.channels.conftest import AUTH_TOKEN, SmsPatient, new_phone, twilio_signature
from tests.support.fakes import FakeTwilio
from tests.support.rest import Conversation

ROOT = Path(__file__).resolve().parent.parent.parent

pytestmark = pytest.mark.servers


def rest_reply(config: Settings, question: str) -> list[dict[str, Any]]:
    """What the REST channel answers a new patient: the reference for the SMS texts."""
    return Conversation(config).talk(question)


def expected_parts(messages: list[dict[str, Any]]) -> list[str]:
    parts: list[str] = []
    for message in messages:
        text = message.get("text", "")
        buttons = message.get("buttons") or []
        if buttons:
            text += "\n" + "\n".join(f"Reply {n} for {b['title']}" for n, b in enumerate(buttons, start=1))
        parts.extend(split_parts(text))
    return parts


def test_unsigned_webhook_is_refused(sms_patient: SmsPatient) -> None:
    response = sms_patient.post("does a colonoscopy hurt", signature=None)
    assert response.status_code == 403
    assert sms_patient.fake.texts_to(sms_patient.phone) == []


@pytest.mark.parametrize(
    "signature",
    [
        "bm90IGEgc2lnbmF0dXJl",  # base64 of something else
        twilio_signature("wrong-auth-token", "http://127.0.0.1/webhooks/twilio/webhook", {"Body": "hi"}),
        "",
    ],
)
def test_badly_signed_webhook_is_refused(sms_patient: SmsPatient, signature: str) -> None:
    response = sms_patient.post("does a colonoscopy hurt", signature=signature)
    assert response.status_code == 403
    assert sms_patient.fake.texts_to(sms_patient.phone) == []


def test_signature_of_other_params_is_refused(sms_patient: SmsPatient) -> None:
    params = sms_patient.params("does a colonoscopy hurt")
    signature = twilio_signature(AUTH_TOKEN, sms_patient.url, {**params, "Body": "hello"})
    response = requests.post(sms_patient.url, data=params, headers={"X-Twilio-Signature": signature}, timeout=30)
    assert response.status_code == 403


def test_colonoscopy_question_is_answered_by_text(sms_patient: SmsPatient, bot_settings: Settings) -> None:
    texts = sms_patient.text("does a colonoscopy hurt")
    assert texts == expected_parts(rest_reply(bot_settings, "does a colonoscopy hurt"))
    assert texts[0].startswith(f"I'm the virtual assistant of {bot_settings.clinic_name}.")
    assert all(len(t) <= PART_LIMIT for t in texts)
    slots = sms_patient.tracker()["slots"]
    assert slots["procedure"] == "45378"
    assert slots["answer_section"] == "patient_experience"
    # Every text went from the clinic's number to the patient's.
    assert {(t.to, t.sender) for t in sms_patient.fake.sent if t.to == sms_patient.phone} == {
        (sms_patient.phone, bot_settings.twilio_number)
    }


def test_long_answers_are_split_at_sentence_ends_in_order(sms_patient: SmsPatient, bot_settings: Settings) -> None:
    question = "how do i prepare for a colonoscopy"
    reference = rest_reply(bot_settings, question)
    assert any(len(m.get("text", "")) > PART_LIMIT for m in reference), "the answer should need splitting"
    texts = sms_patient.text(question)
    assert texts == expected_parts(reference)
    assert len(texts) > len(reference)
    assert all(len(t) <= PART_LIMIT for t in texts)
    assert all(re.search(r"[.!?:)\"]$", t) for t in texts[:-1]), texts
    assert not any(re.search(r"\*\*|<[a-z]|\]\(", t) for t in texts)


def test_choices_are_numbered_and_a_number_picks_one(sms_patient: SmsPatient, bot_settings: Settings) -> None:
    question = "do i need to fast before?"
    reference = rest_reply(bot_settings, question)
    buttons = [b for m in reference for b in m.get("buttons", [])]
    assert buttons
    texts = sms_patient.text(question)
    assert texts == expected_parts(reference)
    lines = "\n".join(texts).split("\n")
    for number, button in enumerate(buttons, start=1):
        assert f"Reply {number} for {button['title']}" in lines
    colonoscopy = next(n for n, b in enumerate(buttons, start=1) if "45378" in b["payload"])
    answer = sms_patient.text(str(colonoscopy))
    assert "bowel" in " ".join(answer).lower()
    slots = sms_patient.tracker()["slots"]
    assert slots["procedure"] == "45378"
    assert slots["answer_section"] == "preparation"
    # The number answered the choices once; later a bare number is just text.
    events = [e for e in sms_patient.tracker()["events"] if e["event"] == "user"]
    assert events[-1]["text"].startswith("/inform_procedure")


def test_help_is_answered_by_the_channel(sms_patient: SmsPatient, bot_settings: Settings) -> None:
    texts = keyword_texts(bot_settings.response_values())
    assert sms_patient.text("HELP") == [texts.help]
    assert len(texts.help) <= PART_LIMIT


def test_stop_is_honoured_across_a_restart(
    servers: BotServers, sms_patient: SmsPatient, bot_settings: Settings
) -> None:
    texts = keyword_texts(bot_settings.response_values())
    assert sms_patient.text("does a colonoscopy hurt")
    assert sms_patient.text("Stop") == [texts.stop]
    assert sms_patient.text("how long does a colonoscopy take") == []
    servers.restart("rasa")
    assert sms_patient.text("how long does a colonoscopy take") == []
    assert sms_patient.text("yes") == [texts.start]  # YES opts back in only an opted-out number
    answer = sms_patient.text("how long does a colonoscopy take")
    assert answer and all(len(t) <= PART_LIMIT for t in answer)
    assert sms_patient.tracker()["slots"]["answer_section"] == "duration"


def run_outreach(config: Settings, csv_path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "serving/outreach.py", str(csv_path), "--bot-url", f"http://127.0.0.1:{config.rasa_port}"],
        cwd=ROOT,
        env=server_env(config),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_outreach_sends_the_first_text_and_sets_the_procedure(
    servers: BotServers, bot_settings: Settings, fake_twilio: FakeTwilio, tmp_path: Path
) -> None:
    patient = SmsPatient(bot_settings, fake_twilio)
    opted_out = SmsPatient(bot_settings, fake_twilio)
    assert opted_out.text("STOP")
    csv_path = tmp_path / "appointments.csv"
    csv_path.write_text(
        "phone,cpt,appointment_time\n"
        f"{patient.phone},45378,2026-12-03T09:30\n"
        f"{opted_out.phone},70551,2026-12-04T14:00\n"
        f"{new_phone()},99999,2026-12-04T14:00\n"
    )
    before_opted_out = fake_twilio.texts_to(opted_out.phone)
    result = run_outreach(bot_settings, csv_path)
    assert "1 sent, 1 skipped (opted out), 1 failed" in result.stdout, result.stdout + result.stderr
    assert "unknown CPT code '99999'" in result.stderr
    assert patient.phone not in result.stdout + result.stderr
    assert opted_out.phone not in result.stdout + result.stderr
    assert fake_twilio.texts_to(opted_out.phone) == before_opted_out
    assert fake_twilio.texts_to(patient.phone) == [
        f"Hi, this is {bot_settings.clinic_name}. Your colonoscopy is on Thursday, December 3 at 9:30 AM. "
        "Text us any question about it. I'm a virtual assistant: I give general facts, not medical advice. "
        f"In an emergency, call {bot_settings.emergency_number}. Reply STOP to opt out."
    ]
    assert patient.tracker()["slots"]["procedure"] == "45378"
    answer = patient.text("how long will it take?")
    assert answer
    assert not answer[0].startswith("I'm the virtual assistant")  # the first text carried the notice
    slots = patient.tracker()["slots"]
    assert slots["procedure"] == "45378"
    assert slots["answer_section"] == "duration"
    assert "colonoscopy" in " ".join(answer).lower()


def test_phone_numbers_never_reach_the_logs(sms_patient: SmsPatient, artifacts_dir: Path) -> None:
    assert sms_patient.text("does a colonoscopy hurt")
    assert sms_patient.post("hi", signature=None).status_code == 403
    digits = sms_patient.phone.lstrip("+")
    for log in artifacts_dir.glob("*.log"):
        content = log.read_text(errors="replace")
        assert digits not in content, f"{log.name} has a phone number in clear"
        assert digits[-10:] not in content
    assert sms_patient.sender.startswith("sms-")


def socketio_connect(config: Settings, origin: str) -> str:
    """Open a Socket.IO session by Engine.IO long-polling; return the server's answer to CONNECT."""
    url = f"http://127.0.0.1:{config.rasa_port}/socket.io/"
    headers = {"Origin": origin}
    handshake = requests.get(url, params={"EIO": "4", "transport": "polling"}, headers=headers, timeout=10)
    handshake.raise_for_status()
    sid = json.loads(handshake.text[1:])["sid"]
    params = {"EIO": "4", "transport": "polling", "sid": sid}
    requests.post(url, params=params, data="40", headers=headers, timeout=10).raise_for_status()
    return requests.get(url, params=params, headers=headers, timeout=10).text


def test_socketio_accepts_only_the_allowed_origins(servers: BotServers, bot_settings: Settings) -> None:
    assert socketio_connect(bot_settings, bot_settings.allowed_origins[0]).startswith("40")
    assert socketio_connect(bot_settings, "https://evil.example").startswith("44")
    url = f"http://127.0.0.1:{bot_settings.rasa_port}/socket.io/"
    allowed = requests.get(
        url,
        params={"EIO": "4", "transport": "polling"},
        headers={"Origin": bot_settings.allowed_origins[0]},
        timeout=10,
    )
    # One CORS header (a doubled one makes browsers refuse the response).
    assert allowed.headers.get("Access-Control-Allow-Origin") == bot_settings.allowed_origins[0]
    rest = requests.options(
        f"http://127.0.0.1:{bot_settings.rasa_port}/webhooks/rest/webhook",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
        timeout=10,
    )
    assert rest.headers.get("Access-Control-Allow-Origin") in (None, "")
