"""The chat widget in a real browser: Debian's chromium, headless, against the real servers."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

from common.settings import Settings

pytestmark = pytest.mark.servers

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
XSS = "<img src=x onerror=alert(1)>"


@pytest.fixture()
def browser(servers: Any) -> Iterator[webdriver.Chrome]:
    if not Path(CHROMIUM).exists() or not Path(CHROMEDRIVER).exists():
        pytest.fail("chromium and chromium-driver are missing: run scripts/install-system-deps.sh")
    profile = tempfile.mkdtemp(prefix="widget-test-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={profile}",
        "--window-size=390,844",  # a phone's width
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def bot_messages(driver: webdriver.Chrome) -> list[str]:
    return [e.get_attribute("textContent") or "" for e in driver.find_elements(By.CSS_SELECTOR, ".cfb-log .cfb-bot")]


def user_messages(driver: webdriver.Chrome) -> list[str]:
    return [e.get_attribute("textContent") or "" for e in driver.find_elements(By.CSS_SELECTOR, ".cfb-log .cfb-user")]


def wait_for_bot(driver: webdriver.Chrome, count: int, timeout: float = 60) -> list[str]:
    WebDriverWait(driver, timeout).until(lambda d: len(bot_messages(d)) >= count)
    return bot_messages(driver)


def ask(driver: webdriver.Chrome, text: str) -> None:
    field = driver.find_element(By.ID, "cfb-input")
    field.send_keys(text)
    field.send_keys(Keys.ENTER)


def wait_ready(driver: webdriver.Chrome) -> WebElement:
    WebDriverWait(driver, 60).until(lambda d: d.execute_script("return !!localStorage.getItem('clinicBot.sessionId')"))
    return driver.find_element(By.ID, "cfb-input")


def test_widget_conversation_survives_reload_and_renders_text_only(
    browser: webdriver.Chrome, bot_settings: Settings, artifacts_dir: Path
) -> None:
    page = f"http://localhost:{bot_settings.web_port}/"
    browser.get(page)
    wait_ready(browser)

    # Accessible structure: a labelled input, a live log, the notice.
    label = browser.find_element(By.CSS_SELECTOR, "label[for='cfb-input']")
    assert label.text
    log = browser.find_element(By.CSS_SELECTOR, ".cfb-log")
    assert log.get_attribute("role") == "log"
    assert log.get_attribute("aria-live") == "polite"
    notice = browser.find_element(By.ID, "cfb-notice").text
    assert "not medical advice" in notice
    assert f"call {bot_settings.emergency_number}" in notice

    # A question, and its answer.
    ask(browser, "how long does a colonoscopy take?")
    answers = wait_for_bot(browser, 1)
    WebDriverWait(browser, 30).until(lambda d: any("minutes" in m for m in bot_messages(d)))
    answers = bot_messages(browser)
    assert any("not medical advice" in m for m in answers)  # the first reply's notice

    # A question with choices (which procedure, or "Tell me more"); a click picks one.
    ask(browser, "do i need to fast before?")
    WebDriverWait(browser, 60).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".cfb-choices button"))
    assert any("bowel" in m.lower() or "which" in m.lower() for m in bot_messages(browser))
    group = browser.find_element(By.CSS_SELECTOR, ".cfb-choices")
    assert group.get_attribute("role") == "group"
    choice = browser.find_elements(By.CSS_SELECTOR, ".cfb-choices button")[0]
    title = choice.get_attribute("textContent") or ""
    count = len(bot_messages(browser))
    choice.click()
    wait_for_bot(browser, count + 1)
    assert user_messages(browser)[-1].endswith(title)
    assert browser.switch_to.active_element.get_attribute("id") == "cfb-input"  # focus back to the input
    assert not browser.find_elements(By.CSS_SELECTOR, ".cfb-choices button")

    # Reload: the same conversation is shown again, and goes on in the same session.
    session = browser.execute_script("return localStorage.getItem('clinicBot.sessionId')")
    before_reload = (user_messages(browser), bot_messages(browser))
    browser.refresh()
    wait_ready(browser)
    assert (user_messages(browser), bot_messages(browser)) == before_reload
    assert browser.execute_script("return localStorage.getItem('clinicBot.sessionId')") == session

    # HTML in a message is text, never markup.
    count = len(bot_messages(browser))
    ask(browser, XSS)
    wait_for_bot(browser, count + 1)
    assert user_messages(browser)[-1].endswith(XSS)
    assert not browser.find_elements(By.CSS_SELECTOR, ".cfb-log img")
    with pytest.raises(NoAlertPresentException):
        browser.switch_to.alert.text  # noqa: B018

    # Phone width: nothing sticks out sideways.
    assert browser.execute_script("return document.documentElement.scrollWidth <= window.innerWidth")
    mine = browser.find_elements(By.CSS_SELECTOR, ".cfb-log .cfb-user")[-1]
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", mine)
    browser.save_screenshot(str(artifacts_dir / "widget.png"))


def test_widget_works_by_keyboard(browser: webdriver.Chrome, bot_settings: Settings) -> None:
    browser.get(f"http://localhost:{bot_settings.web_port}/")
    wait_ready(browser)
    body = browser.find_element(By.TAG_NAME, "body")
    body.send_keys(Keys.TAB)
    focused = [browser.switch_to.active_element.get_attribute("class")]
    for _ in range(3):
        browser.switch_to.active_element.send_keys(Keys.TAB)
        focused.append(browser.switch_to.active_element.get_attribute("class"))
    # Focus order: the conversation log, the input, the send button.
    assert focused[:3] == ["cfb-log", "cfb-input", "cfb-send"], focused
    browser.find_element(By.ID, "cfb-input").send_keys("do i need to fast before?", Keys.ENTER)
    WebDriverWait(browser, 60).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".cfb-choices button"))
    first_choice = browser.find_element(By.CSS_SELECTOR, ".cfb-choices button")
    count = len(bot_messages(browser))
    first_choice.send_keys(Keys.ENTER)
    wait_for_bot(browser, count + 1)
