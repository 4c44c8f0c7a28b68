"""The staff console in a real headless chromium, against the real servers and a conversation made over REST."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml
from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

from common.settings import Settings
from serving.staff import db, reviews
from serving.staff.accounts import Accounts
from serving.staff.outcomes import conversation_id
from tests.channels.test_widget_browser import XSS, browser
from tests.support.rest import Conversation

__all__ = ["browser"]
PASSWORD = "browser-test-password"


def no_markup_ran(driver: webdriver.Chrome) -> None:
    assert not driver.find_elements(By.CSS_SELECTOR, "main img")
    with pytest.raises(NoAlertPresentException):
        driver.switch_to.alert.text  # noqa: B018


def row_texts(driver: webdriver.Chrome, conversation: str | None = None) -> list[str]:
    """The patient texts listed (of one conversation's rows, when given)."""
    rows = driver.find_elements(By.CSS_SELECTOR, "#turns tr.turn")
    return [
        row.find_element(By.CSS_SELECTOR, "td.text").text
        for row in rows
        if conversation is None or row.find_element(By.CSS_SELECTOR, "a.open").text == conversation
    ]


def api_turns(config: Settings, password: str) -> list[dict[str, Any]]:
    session = requests.Session()
    url = f"http://127.0.0.1:{config.web_port}/staff/api"
    assert session.post(f"{url}/login", json={"username": "alice", "password": password}, timeout=10).ok
    turns: list[dict[str, Any]] = session.get(f"{url}/turns?limit=50", timeout=10).json()["turns"]
    return turns


def test_sign_in_filter_open_correct_export_and_try(
    browser: webdriver.Chrome, servers: Any, bot_settings: Settings, artifacts_dir: Path, tmp_path: Path
) -> None:
    Accounts(db.connect(db.staff_db_url(bot_settings))).set_password("alice", PASSWORD)
    patient = Conversation(bot_settings)
    patient.text("how long does a colonoscopy take?")
    patient.text(XSS)
    conversation = conversation_id(patient.sender, "rest", bot_settings.log_hash_key)
    base = f"http://127.0.0.1:{bot_settings.web_port}/staff/"
    browser.set_window_size(1280, 900)

    browser.get(base)
    browser.find_element(By.ID, "username").send_keys("alice")
    browser.find_element(By.ID, "password").send_keys(PASSWORD)
    browser.save_screenshot(str(artifacts_dir / "staff-sign-in.png"))
    browser.find_element(By.CSS_SELECTOR, "#sign-in button").click()
    WebDriverWait(browser, 20).until(lambda d: d.find_elements(By.ID, "turns"))
    texts = [e.text for e in browser.find_elements(By.CSS_SELECTOR, "#turns td.text")]
    assert XSS in texts and "how long does a colonoscopy take?" in texts
    no_markup_ran(browser)
    browser.save_screenshot(str(artifacts_dir / "staff-conversations.png"))

    # The review queue leaves out the good answer; the filter by the strange message's outcome keeps it.
    turns = api_turns(bot_settings, PASSWORD)
    outcome = next(t["outcome"] for t in turns if t["conversation"] == conversation and t["text"] == XSS)
    Select(browser.find_element(By.ID, "outcome")).select_by_value("review")
    browser.find_element(By.ID, "apply-filter").click()
    WebDriverWait(browser, 20).until(lambda d: "outcome=review" in d.current_url)
    assert XSS in row_texts(browser, conversation) or outcome not in {"declined", "did_you_mean", "unavailable"}
    assert "how long does a colonoscopy take?" not in row_texts(browser, conversation)
    Select(browser.find_element(By.ID, "outcome")).select_by_value(outcome)
    browser.find_element(By.ID, "apply-filter").click()
    WebDriverWait(browser, 20).until(lambda d: f"outcome={outcome}" in d.current_url)
    assert row_texts(browser, conversation) == [XSS]
    assert {e.text for e in browser.find_elements(By.CSS_SELECTOR, "#turns td.outcome")} == {outcome}
    no_markup_ran(browser)
    browser.save_screenshot(str(artifacts_dir / "staff-filtered.png"))

    # The conversation made over REST, with every turn's reasons.
    browser.find_element(By.CSS_SELECTOR, f"a[href='/staff/conversations/{conversation}']").click()
    WebDriverWait(browser, 20).until(lambda d: d.find_elements(By.ID, "conversation-turns"))
    turns = browser.find_elements(By.CSS_SELECTOR, "#conversation-turns li.turn")
    assert [t.find_element(By.CSS_SELECTOR, ".text").text for t in turns] == ["how long does a colonoscopy take?", XSS]
    assert "45378" in turns[0].text and "duration" in turns[0].text and "ask_duration" in turns[0].text
    assert turns[0].find_elements(By.CSS_SELECTOR, ".passage")  # the section's passages with their scores
    no_markup_ran(browser)
    browser.save_screenshot(str(artifacts_dir / "staff-conversation.png"))

    # Correct the strange turn ("should have declined"), approve its scrubbed text, export it.
    strange = turns[1]
    strange.find_element(By.CSS_SELECTOR, "details.review summary").click()
    Select(strange.find_element(By.NAME, "verdict")).select_by_value("declined")
    assert strange.find_element(By.NAME, "text").get_attribute("value") == XSS  # nothing personal in it
    strange.find_element(By.NAME, "approved").click()
    strange.find_element(By.CSS_SELECTOR, ".review-form button").click()
    WebDriverWait(browser, 20).until(lambda d: strange.find_element(By.CSS_SELECTOR, ".review-status").text)
    assert strange.find_element(By.CSS_SELECTOR, ".review-status").text == "Saved."
    browser.save_screenshot(str(artifacts_dir / "staff-correction.png"))
    nlu, folder = tmp_path / "reviewed.yml", tmp_path / "reviewed"
    assert reviews.export(db.connect(db.staff_db_url(bot_settings)), nlu, folder) >= 1
    assert yaml.safe_load(nlu.read_text())["nlu"][0] == {"intent": "out_of_scope", "examples": f"- {XSS}\n"}
    declines = [json.loads(line) for line in (folder / "declines.jsonl").read_text().splitlines()]
    assert XSS in [d["text"] for d in declines]

    # Try a question: the reply, the intent, the section and its passages with scores.
    browser.get(base + "try")
    browser.find_element(By.ID, "try-text").send_keys("how long does it take?")
    browser.find_element(By.ID, "try-procedure").send_keys("45378")
    browser.find_element(By.CSS_SELECTOR, "#try-form button").click()
    WebDriverWait(browser, 90).until(lambda d: d.find_element(By.ID, "try-reply").text)
    assert browser.find_element(By.ID, "try-section").text == "duration"
    assert browser.find_element(By.ID, "try-intent").text.startswith("ask_duration")
    assert browser.find_elements(By.CSS_SELECTOR, "#try-passages li.passage.sent")
    browser.save_screenshot(str(artifacts_dir / "staff-try.png"))

    # The dashboard: figures for the period, and the patient's markup (if grouped) as text.
    browser.get(base + "dashboard?days=1")
    WebDriverWait(browser, 90).until(lambda d: d.find_elements(By.ID, "rates"))
    assert browser.find_elements(By.CSS_SELECTOR, "svg.chart rect")
    no_markup_ran(browser)
    browser.save_screenshot(str(artifacts_dir / "staff-dashboard.png"))

    # Trying wrote nothing into the patient's conversation.
    assert [e["text"] for e in patient.tracker()["events"] if e["event"] == "user"] == [
        "how long does a colonoscopy take?",
        XSS,
    ]


def test_widget_asks_was_this_helpful_and_the_console_records_it(
    browser: webdriver.Chrome, servers: Any, bot_settings: Settings, artifacts_dir: Path
) -> None:
    Accounts(db.connect(db.staff_db_url(bot_settings))).set_password("alice", PASSWORD)
    browser.get(f"http://localhost:{bot_settings.web_port}/")
    WebDriverWait(browser, 60).until(lambda d: d.execute_script("return !!localStorage.getItem('clinicBot.sessionId')"))
    field = browser.find_element(By.ID, "cfb-input")
    field.send_keys("how long does a colonoscopy take?", Keys.ENTER)
    WebDriverWait(browser, 60).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".cfb-feedback button"))
    group = browser.find_element(By.CSS_SELECTOR, ".cfb-feedback")
    assert group.get_attribute("role") == "group" and group.get_attribute("aria-label") == "Was this answer helpful?"
    no = browser.find_element(By.CSS_SELECTOR, ".cfb-helpful-no")
    assert no.get_attribute("aria-label") == "No, it did not help" and no.tag_name == "button"
    browser.save_screenshot(str(artifacts_dir / "widget-feedback.png"))
    count = len(browser.find_elements(By.CSS_SELECTOR, ".cfb-log .cfb-bot"))
    no.send_keys(Keys.ENTER)  # by keyboard
    WebDriverWait(browser, 60).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, ".cfb-log .cfb-bot")) > count)
    assert "Thanks" in browser.find_elements(By.CSS_SELECTOR, ".cfb-log .cfb-bot")[-1].text
    assert not browser.find_elements(By.CSS_SELECTOR, ".cfb-feedback")  # no prompt under the thanks

    session = browser.execute_script("return JSON.parse(localStorage.getItem('clinicBot.sessionId'))")
    tracker = Conversation(bot_settings, sender=session).tracker()
    last_user = [e for e in tracker["events"] if e["event"] == "user"][-1]
    assert last_user["parse_data"]["intent"]["name"] == "feedback"
    assert tracker["slots"]["answer_section"] is None  # the feedback turn's
    conversation = conversation_id(session, "web", bot_settings.log_hash_key)
    mine = [t for t in api_turns(bot_settings, PASSWORD) if t["conversation"] == conversation]
    answer = next(t for t in mine if t["section"] == "duration")
    assert answer["feedback"] is False and answer["channel"] == "web"
