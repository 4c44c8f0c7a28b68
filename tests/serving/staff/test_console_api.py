"""The console's sign-in, sessions, CSRF, lockout, audit log and turns API, over HTTP on a real server."""

from __future__ import annotations

import logging

import pytest
import requests
import sqlalchemy as sa

from serving.staff import db
from serving.staff.accounts import DEV_NAME, DEV_PASSWORD, Accounts
from serving.staff.outcomes import conversation_id
from tests.serving.staff.conftest import PASSWORD, Console

XSS = "<img src=x onerror=alert(1)>"
SECRET_TEXT = "my neighbour Zebulon has 555-0199 and a rash"


def fill(console: Console) -> None:
    t = console.tracker
    t.turn("patient-a", "how long does it take", "ask_duration", 0.97, ["utter_answer"], "duration", "78580")
    t.turn("patient-a", SECRET_TEXT, "out_of_scope", 0.81, ["utter_out_of_scope"])
    t.turn("patient-a", '/feedback{"helpful": false}', "feedback", 1.0, ["utter_feedback_thanks"])
    t.turn("patient-b", XSS, "nlu_fallback", 0.3, ["utter_did_you_mean"], channel="socketio")
    t.turn("patient-b", "chest pain now", "emergency", 0.99, ["utter_emergency"], channel="socketio")
    t.turn("patient-c", "i want a person", "request_human", 0.95, ["utter_handoff_human"])
    t.turn("patient-c", "prep?", "ask_preparation", 0.4, ["utter_action_unavailable"])


def test_everything_needs_a_session(console: Console) -> None:
    assert requests.get(f"{console.url}/staff/api/turns", timeout=10).status_code == 401
    assert requests.post(f"{console.url}/staff/api/try", json={"text": "x"}, timeout=10).status_code == 401
    page = requests.get(f"{console.url}/staff/", timeout=10)
    assert page.status_code == 401 and 'id="sign-in"' in page.text
    assert requests.get(f"{console.url}/staff/try", timeout=10).status_code == 401


def test_sign_in_sets_a_strict_http_only_expiring_cookie(console: Console) -> None:
    wrong = requests.post(f"{console.url}/staff/api/login", json={"username": "alice", "password": "nope"}, timeout=10)
    assert wrong.status_code == 401
    right = requests.post(
        f"{console.url}/staff/api/login", json={"username": "alice", "password": PASSWORD}, timeout=10
    )
    assert right.status_code == 200 and len(right.json()["csrf_token"]) > 20
    cookie = right.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "max-age=" in cookie


def test_state_changing_requests_need_the_csrf_token(console: Console) -> None:
    session, token = console.session()
    assert session.post(f"{console.url}/staff/api/try", json={"text": "x"}, timeout=10).status_code == 403
    assert (
        session.post(f"{console.url}/staff/api/try", json={"text": "x"}, headers={"X-CSRF-Token": "forged"}, timeout=10)
    ).status_code == 403
    assert session.post(f"{console.url}/staff/api/logout", timeout=10).status_code == 403
    out = session.post(f"{console.url}/staff/api/logout", headers={"X-CSRF-Token": token}, timeout=10)
    assert out.status_code == 200
    assert session.get(f"{console.url}/staff/api/turns", timeout=10).status_code == 401


def test_five_failures_in_a_row_lock_the_account_and_the_address(console: Console) -> None:
    for _ in range(5):
        bad = {"username": "alice", "password": "wrong password"}
        assert requests.post(f"{console.url}/staff/api/login", json=bad, timeout=10).status_code == 401
    good = {"username": "alice", "password": PASSWORD}
    assert requests.post(f"{console.url}/staff/api/login", json=good, timeout=10).status_code == 429
    # Another account from the same address waits too.
    other = {"username": "bob", "password": PASSWORD}
    assert requests.post(f"{console.url}/staff/api/login", json=other, timeout=10).status_code == 429


def test_the_development_account_is_refused_beyond_loopback(console: Console) -> None:
    accounts = Accounts(console.app.state.console.engine)
    assert not accounts.ensure_development_account()  # alice exists: no default account is added
    accounts.remove("alice")
    assert accounts.ensure_development_account() and accounts.names() == [DEV_NAME]
    body = {"username": DEV_NAME, "password": DEV_PASSWORD}
    far = requests.post(
        f"{console.url}/staff/api/login", json=body, headers={"X-Forwarded-For": "203.0.113.9"}, timeout=10
    )
    assert far.status_code == 403
    near = requests.post(f"{console.url}/staff/api/login", json=body, timeout=10)
    assert near.status_code == 200 and near.json()["default_account"] is True


def _check_turns(console: Console) -> None:
    fill(console)
    session, _ = console.session()
    turns = session.get(f"{console.url}/staff/api/turns", timeout=10).json()["turns"]
    assert [t["outcome"] for t in turns] == [
        "unavailable",
        "handed_off",
        "emergency",
        "did_you_mean",
        "answered",
        "declined",
        "answered",
    ]
    keys = {"conversation", "channel", "time", "text", "intent", "confidence", "procedure", "section", "sections"}
    assert keys | {"outcome", "feedback"} <= set(turns[0])
    first = turns[-1]
    assert first["section"] == "duration" and first["sections"] == ["duration"] and first["procedure"] == "78580"
    assert first["feedback"] is False  # the patient's "not helpful" is recorded with the answer's turn
    assert first["conversation"] == conversation_id("patient-a", "rest", "test-log-hash-key") != "patient-a"
    assert turns[3]["channel"] == "web" and turns[3]["text"] == XSS
    declined = session.get(f"{console.url}/staff/api/turns?outcome=declined", timeout=10).json()["turns"]
    assert [t["text"] for t in declined] == [SECRET_TEXT]
    queue = session.get(f"{console.url}/staff/api/turns?outcome=review&limit=10", timeout=10).json()["turns"]
    assert {t["outcome"] for t in queue} == {"unavailable", "did_you_mean", "declined", "answered"}
    assert len(session.get(f"{console.url}/staff/api/turns?limit=2", timeout=10).json()["turns"]) == 2
    assert session.get(f"{console.url}/staff/api/turns?outcome=bogus", timeout=10).status_code == 400
    future = session.get(f"{console.url}/staff/api/turns?since=2999-01-01T00:00:00", timeout=10).json()
    assert future["turns"] == []


def test_turns_newest_first_with_outcomes_and_filters(console: Console) -> None:
    _check_turns(console)


def test_turns_on_postgresql(pg_console: Console) -> None:
    _check_turns(pg_console)
    _check_audit(pg_console)


def _check_audit(console: Console) -> None:
    session, _ = console.session()
    conversation = conversation_id("patient-a", "rest", "test-log-hash-key")
    opened = session.get(f"{console.url}/staff/api/conversations/{conversation}", timeout=10)
    assert opened.status_code == 200
    assert SECRET_TEXT in [t["text"] for t in opened.json()["turns"]]
    with console.app.state.console.engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(sa.select(db.audit))]
    assert len(rows) == 1
    row = rows[0]
    assert row["staff"] == "alice" and row["conversation"] == conversation and row["action"] == "open_conversation"
    assert SECRET_TEXT not in str(row) and "patient-a" not in str(row)


def test_opening_a_conversation_writes_an_audit_row_without_text(console: Console) -> None:
    fill(console)
    _check_audit(console)


def test_pages_show_patient_text_as_text(console: Console) -> None:
    fill(console)
    session, _ = console.session()
    listing = session.get(f"{console.url}/staff/", timeout=10)
    assert listing.status_code == 200
    assert "&lt;img src=x onerror=alert(1)&gt;" in listing.text and XSS not in listing.text
    assert "script-src 'self'" in listing.headers["content-security-policy"]
    conversation = conversation_id("patient-b", "web", "test-log-hash-key")
    page = session.get(f"{console.url}/staff/conversations/{conversation}", timeout=10)
    assert page.status_code == 200 and "&lt;img" in page.text and XSS not in page.text
    filtered = session.get(f"{console.url}/staff/?outcome=declined", timeout=10)
    assert SECRET_TEXT in filtered.text and "chest pain" not in filtered.text


def test_no_message_text_in_the_logs(console: Console, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    fill(console)
    session, _ = console.session()
    session.get(f"{console.url}/staff/api/turns?outcome=declined", timeout=10)
    session.get(f"{console.url}/staff/?outcome=declined", timeout=10)
    conversation = conversation_id("patient-a", "rest", "test-log-hash-key")
    session.get(f"{console.url}/staff/conversations/{conversation}", timeout=10)
    requests.post(f"{console.url}/staff/api/login", json={"username": SECRET_TEXT, "password": "x"}, timeout=10)
    server_log = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("urllib3"))
    assert "web GET /staff/api/turns 200" in server_log  # the log is there
    for secret in (SECRET_TEXT, "Zebulon", "555-0199", "patient-a", "outcome=declined"):
        assert secret not in server_log


def test_the_widget_and_its_config_are_still_served(console: Console) -> None:
    assert "window.CLINIC_BOT" in requests.get(f"{console.url}/config.js", timeout=10).text
    assert requests.get(f"{console.url}/widget.js", timeout=10).status_code == 200
    assert requests.get(f"{console.url}/", timeout=10).status_code == 200
    assert requests.get(f"{console.url}/vendor/", timeout=10).status_code == 404  # no listings


def test_what_the_models_read_and_the_table_decided_is_shown(console: Console) -> None:
    story = "My knee scope is on Friday and I live alone. How long is it and can I drive home after?"
    console.tracker.turn(
        "patient-story",
        story,
        "ask_duration",
        0.97,
        ["utter_answers"],
        section="duration",
        procedure="29881",
        sections=["duration", "recovery"],
        reading={
            "reply": "answer",
            "rule": 5,
            "probability": 0.91,
            "decided_sections": ["duration", "recovery"],
            "sections": {"duration": 0.88, "recovery": 0.71},
            "kinds": {"general": 0.93, "own_case": 0.04},
            "personal": 0.05,
            "emergency": 0.002,
            "follow_up": 0.012,
        },
    )
    session, _ = console.session()
    conversation = conversation_id("patient-story", "rest", "test-log-hash-key")
    page = session.get(f"{console.url}/staff/conversations/{conversation}", timeout=10)
    assert page.status_code == 200
    assert "decided: answer (row 5): 0.910" in page.text
    assert "read as general: 0.930" in page.text and "emergency: 0.002" in page.text
    assert "section recovery: 0.710" in page.text
    assert "follow-up (only moves the last question): 0.012" in page.text
    assert "duration, recovery" in page.text
