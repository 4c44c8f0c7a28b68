"""Corrections through the API, and the export: scrubbed, approved text only, in Rasa's NLU format and for make eval."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from serving.staff import reviews
from tests.serving.staff.conftest import Console


def test_a_correction_needs_the_csrf_token_and_approved_scrubbed_text(console: Console, tmp_path: Path) -> None:
    _check_corrections(console, tmp_path)


def test_corrections_on_postgresql(pg_console: Console, tmp_path: Path) -> None:
    _check_corrections(pg_console, tmp_path)


def _check_corrections(console: Console, tmp_path: Path) -> None:
    t = console.tracker
    t.turn("p-1", "is the lung scan ok if Maria calls 555-201-3344?", "out_of_scope", 0.7, ["utter_out_of_scope"])
    t.turn("p-2", "my chest hurts and i cant breathe", "ask_risks", 0.5, ["utter_answer"], "risks_and_complications")
    t.turn("p-3", "what's the parking like", "nlu_fallback", 0.2, ["utter_default"])
    session, token = console.session()
    turns = {x["text"]: x for x in session.get(f"{console.url}/staff/api/turns", timeout=10).json()["turns"]}
    first = turns["is the lung scan ok if Maria calls 555-201-3344?"]["id"]
    body = {"id": first, "verdict": "intent", "intent": "ask_patient_experience", "procedure": "78580"}
    body |= {"section": "patient_experience", "text": "is the lung scan ok if [name] calls [phone]?"}
    assert session.post(f"{console.url}/staff/api/reviews", json=body, timeout=10).status_code == 403
    headers = {"X-CSRF-Token": token}
    unapproved = session.post(f"{console.url}/staff/api/reviews", json=body, headers=headers, timeout=10)
    assert unapproved.status_code == 400
    saved = session.post(
        f"{console.url}/staff/api/reviews", json={**body, "approved": True}, headers=headers, timeout=10
    )
    assert saved.status_code == 200
    emergency = {"id": turns["my chest hurts and i cant breathe"]["id"], "verdict": "emergency", "approved": True}
    emergency["text"] = "my chest hurts and i cant breathe"
    assert session.post(f"{console.url}/staff/api/reviews", json=emergency, headers=headers, timeout=10).ok
    right = {"id": turns["what's the parking like"]["id"], "verdict": "right"}
    assert session.post(f"{console.url}/staff/api/reviews", json=right, headers=headers, timeout=10).ok

    nlu, folder = tmp_path / "reviewed.yml", tmp_path / "reviewed"
    assert reviews.export(console.app.state.console.engine, nlu, folder) == 2
    data = yaml.safe_load(nlu.read_text())
    examples = {item["intent"]: item["examples"] for item in data["nlu"]}
    assert examples == {
        "ask_patient_experience": "- is the lung scan ok if [name] calls [phone]?\n",
        "emergency": "- my chest hurts and i cant breathe\n",
    }
    assert "Maria" not in nlu.read_text() and "3344" not in nlu.read_text()
    questions = [json.loads(line) for line in (folder / "questions.jsonl").read_text().splitlines()]
    assert questions == [
        {
            "id": f"review-{first}",
            "text": "is the lung scan ok if [name] calls [phone]?",
            "procedure": "78580",
            "sections": ["patient_experience"],
            "turns": None,
        }
    ]
    assert len((folder / "emergencies.jsonl").read_text().splitlines()) == 1
    assert (folder / "declines.jsonl").read_text() == ""


def test_the_conversation_page_offers_the_scrubbed_text(console: Console) -> None:
    console.tracker.turn("p-9", "email me at jo@example.org about my colonoscopy", "out_of_scope", 0.6, [])
    session, _ = console.session()
    turn = session.get(f"{console.url}/staff/api/turns", timeout=10).json()["turns"][0]
    page = session.get(f"{console.url}/staff/conversations/{turn['conversation']}", timeout=10).text
    assert "email me at [email] about my colonoscopy</textarea>" in page
