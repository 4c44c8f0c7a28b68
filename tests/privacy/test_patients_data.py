"""Forget me (REST, SMS, the widget in chromium) and retention, against the real servers, on SQLite and PostgreSQL."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from common.retention import SECONDS_PER_DAY
from common.settings import Settings
from common.sms_store import SmsStore
from serving.processes import BotServers, server_env
from tests.channels.conftest import SmsPatient
from tests.privacy.conftest import Database
from tests.support.fakes import DelayProxy
from tests.support.rest import Conversation
from tests.support.servers import ROOT, venv

pytestmark = pytest.mark.servers

QUESTION = "how long does a colonoscopy take?"
PRIVATE = "i take warfarin for my heart"


def user_texts(tracker: dict[str, Any]) -> list[str]:
    return [e.get("text") or "" for e in tracker["events"] if e["event"] == "user"]


def history(patient: Conversation) -> None:
    assert patient.text(QUESTION)
    assert patient.text(PRIVATE)


def test_forget_me_over_rest_deletes_the_conversation_and_nothing_else(
    servers: BotServers, bot_settings: Settings, database: Database
) -> None:
    other = Conversation(bot_settings)
    history(other)
    other_rows = database.count(other.sender)
    patient = Conversation(bot_settings)
    history(patient)
    asked = patient.talk("please delete my conversation")
    assert [b["payload"] for b in asked[-1].get("buttons", [])] == ["/affirm", "/deny"]
    done = patient.text("/affirm")
    assert "deleted" in done.lower()
    tracker = patient.tracker()
    assert user_texts(tracker) == []  # nothing the patient said before is left
    assert tracker["slots"]["procedure"] is None
    stored = database.texts(patient.sender)
    assert stored == [done] and not any(PRIVATE in t or "colonoscopy" in t for t in stored)
    assert database.count(other.sender) == other_rows  # another patient's conversation is untouched
    assert user_texts(other.tracker()) == [QUESTION, PRIVATE]
    # The conversation goes on afresh.
    assert "colonoscopy" in patient.text(QUESTION).lower()
    assert user_texts(patient.tracker()) == [QUESTION]


def test_a_typed_yes_confirms_and_a_no_deletes_nothing(bot_settings: Settings, servers: BotServers) -> None:
    keeps = Conversation(bot_settings)
    history(keeps)
    keeps.talk("erase my data")
    assert "did not delete" in keeps.text("no").lower()
    assert user_texts(keeps.tracker())[:2] == [QUESTION, PRIVATE]
    forgets = Conversation(bot_settings)
    history(forgets)
    forgets.talk("forget me")
    assert "deleted" in forgets.text("yes").lower()
    assert user_texts(forgets.tracker()) == []


def test_a_message_sent_during_the_deletion_brings_nothing_back(
    servers: BotServers, bot_settings: Settings, proxy: DelayProxy, database: Database
) -> None:
    patient = Conversation(bot_settings)
    history(patient)
    patient.talk("delete this chat")
    replies: dict[str, str] = {}

    def confirm() -> None:
        replies["affirm"] = patient.text("/affirm")

    proxy.delay = 1.5  # the forget action takes 1.5 s: the next message arrives while it runs
    try:
        thread = threading.Thread(target=confirm)
        thread.start()
        time.sleep(0.5)
        replies["during"] = patient.text("does it hurt?")
        thread.join(timeout=60)
    finally:
        proxy.delay = 0.0
    assert "deleted" in replies["affirm"].lower()
    texts = user_texts(patient.tracker())
    assert PRIVATE not in texts and QUESTION not in texts and "/affirm" not in texts
    assert texts == ["does it hurt?"]  # it waited for the deletion, then was stored after it
    assert not any(PRIVATE in t for t in database.texts(patient.sender))


def test_forget_me_by_signed_sms(sms_patient: SmsPatient, bot_settings: Settings, database: Database) -> None:
    assert sms_patient.text(QUESTION)
    assert sms_patient.text(PRIVATE)
    asked = "\n".join(sms_patient.text("delete my messages"))
    assert "Reply 1" in asked and "Reply 2" in asked
    done = "\n".join(sms_patient.text("1"))
    assert "deleted" in done.lower() and "STOP" in done
    assert user_texts(sms_patient.tracker()) == []
    assert not any(PRIVATE in t for t in database.texts(sms_patient.sender))
    store = SmsStore(bot_settings.sms_db)
    assert store.rows_about(sms_patient.sender) == {"opt_outs": 0, "recipients": 0, "choices": 0}
    assert sms_patient.phone not in "".join(database.texts(sms_patient.sender))


def old_conversation(database: Database, sender: str, days_ago: float, events: int = 4) -> None:
    at = time.time() - days_ago * SECONDS_PER_DAY
    rows = ", ".join(
        f"('{sender}', 'user', {at + i}, 'ask_duration', NULL, "
        f'\'{{"event": "user", "timestamp": {at + i}, "text": "old message {i}"}}\')'
        for i in range(events)
    )
    database.execute(
        f"INSERT INTO events (sender_id, type_name, timestamp, intent_name, action_name, data) VALUES {rows};"
    )


def senders_like(database: Database, prefix: str) -> list[str]:
    rows = database.rows(f"SELECT DISTINCT sender_id FROM events WHERE sender_id LIKE '{prefix}%'")
    return sorted(row[0] for row in rows)


def test_the_background_purge_removes_exactly_the_expired_conversations(
    servers: BotServers, bot_settings: Settings, database: Database
) -> None:
    run = uuid.uuid4().hex[:6]
    sms_old = f"sms-old{run}"
    store = SmsStore(bot_settings.sms_db)
    store.remember_number(sms_old, "+15550009999")
    store.opt_out(sms_old)
    for i in range(20):
        old_conversation(database, f"old{run}-{i:02d}", days_ago=31 + i)
    old_conversation(database, sms_old, days_ago=45)
    for i in range(5):
        old_conversation(database, f"kept{run}-{i:02d}", days_ago=29.9)
    live = Conversation(bot_settings)
    history(live)
    deadline = time.monotonic() + 60
    while senders_like(database, f"old{run}") and time.monotonic() < deadline:
        time.sleep(0.5)
    time.sleep(2.5)  # one more purge: it must not touch what is left
    assert senders_like(database, f"old{run}") == []
    assert senders_like(database, sms_old) == []
    assert senders_like(database, f"kept{run}") == [f"kept{run}-{i:02d}" for i in range(5)]
    assert user_texts(live.tracker()) == [QUESTION, PRIVATE]
    # The opt-out survives, as the keyed hash only; the number is gone.
    assert store.rows_about(sms_old) == {"opt_outs": 1, "recipients": 0, "choices": 0}


def test_make_purge_prints_counts_only(servers: BotServers, bot_settings: Settings, database: Database) -> None:
    run = uuid.uuid4().hex[:6]
    for i in range(3):
        old_conversation(database, f"cli{run}-{i}", days_ago=10)
    result = subprocess.run(
        [str(venv("RASA_VENV") / "bin" / "python"), "-m", "bot.purge", "--days", "5"],
        cwd=ROOT,
        env=server_env(bot_settings),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    line = result.stdout.strip().splitlines()[-1]
    assert line.startswith("purged ") and "conversation(s)" in line
    assert run not in result.stdout + result.stderr  # counts, never ids
    assert int(line.split()[1]) >= 3
    assert senders_like(database, f"cli{run}") == []


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"


@pytest.fixture()
def browser(servers: Any) -> Iterator[webdriver.Chrome]:
    if not Path(CHROMIUM).exists() or not Path(CHROMEDRIVER).exists():
        pytest.fail("chromium and chromium-driver are missing: run scripts/install-system-deps.sh")
    profile = tempfile.mkdtemp(prefix="privacy-widget-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", f"--user-data-dir={profile}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def bot_texts(driver: webdriver.Chrome) -> list[str]:
    return [e.get_attribute("textContent") or "" for e in driver.find_elements(By.CSS_SELECTOR, ".cfb-log .cfb-bot")]


def test_the_widgets_clear_control_deletes_the_server_copy_and_the_browsers(
    browser: webdriver.Chrome, bot_settings: Settings, database: Database
) -> None:
    browser.get(f"http://127.0.0.1:{bot_settings.web_port}/")
    WebDriverWait(browser, 60).until(lambda d: d.execute_script("return !!localStorage.getItem('clinicBot.sessionId')"))
    field = browser.find_element(By.ID, "cfb-input")
    field.send_keys(PRIVATE + Keys.ENTER)
    WebDriverWait(browser, 60).until(lambda d: len(bot_texts(d)) >= 1)
    session = browser.execute_script("return JSON.parse(localStorage.getItem('clinicBot.sessionId'))")
    assert PRIVATE in (browser.execute_script("return localStorage.getItem('clinicBot.history')") or "")
    assert any(PRIVATE in t for t in database.texts(session))
    clear = browser.find_element(By.ID, "cfb-clear")
    assert clear.tag_name == "button" and clear.get_attribute("aria-describedby")
    clear.send_keys(Keys.ENTER)  # by keyboard; focus moves to "Yes, delete it"
    WebDriverWait(browser, 10).until(lambda d: d.switch_to.active_element.get_attribute("id") == "cfb-clear-yes")
    browser.switch_to.active_element.send_keys(Keys.ENTER)
    WebDriverWait(browser, 60).until(
        lambda d: "deleted" in (d.find_element(By.CSS_SELECTOR, ".cfb-status").text or "").lower()
    )
    stored = browser.execute_script("return localStorage.getItem('clinicBot.history')") or ""
    assert PRIVATE not in stored
    assert not any(PRIVATE in t for t in bot_texts(browser))
    assert PRIVATE not in browser.find_element(By.CSS_SELECTOR, ".cfb-log").text
    tracker = Conversation(bot_settings, sender=session).tracker()
    assert user_texts(tracker) == []
    assert not any(PRIVATE in t for t in database.texts(session))


def test_the_first_reply_points_to_the_privacy_note(servers: BotServers, bot_settings: Settings) -> None:
    patient = Conversation(bot_settings)
    assert "type privacy" in patient.text("hello").lower()
    note = patient.text("privacy")
    assert "30 days after your last message" in note  # RETENTION_DAYS
    assert "forget me" in note
