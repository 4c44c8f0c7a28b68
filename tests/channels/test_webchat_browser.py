"""rasa-webchat 1.0.1, the web client clinics already have, in headless chromium against the real servers.

The package comes from the npm registry (tests/support/rasa_webchat.py). A
test page on a port of its own (an origin the channel tests' servers allow)
mounts it against the Rasa server's Socket.IO channel, and the conversation
is checked both on the screen and in the tracker, over the HTTP API.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from common.settings import Settings
from tests.channels.test_widget_browser import browser
from tests.support import rasa_webchat
from tests.support.rest import Conversation

pytestmark = pytest.mark.servers

__all__ = ["browser"]  # the chromium fixture of the widget's tests

#: The test page's port: its origin is among the channel servers' ALLOWED_ORIGINS (tests/channels/conftest.py).
PAGE_PORT = int(os.environ.get("TEST_CHANNELS_WEBCHAT_PORT", "8182"))
#: What the Rasa server answers with to a described emergency (CONTRACT: "Emergencies").
EMERGENCY_NUMBER = "911"

PAGE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>rasa-webchat {version} test page</title></head>
<body>
<div id="webchat"></div>
<script src="/rasa-webchat.js"></script>
<script>
  // As rasa-webchat's README shows for a script tag; embedded: always open.
  window.WebChat.default(
    {{
      socketUrl: {socket_url},
      socketPath: "/socket.io/",
      embedded: true,
      title: "Clinic questions",
      customMessageDelay: function () {{ return 0; }},
      params: {{ storage: "local" }}
    }},
    document.getElementById("webchat")
  );
</script>
</body>
</html>
"""


@pytest.fixture(scope="session")
def rasa_webchat_page(servers: Any, bot_settings: Settings) -> Iterator[str]:
    """The address of a page that mounts rasa-webchat against the channel servers' Socket.IO channel."""
    try:
        folder = rasa_webchat.install()
    except rasa_webchat.WebchatUnavailableError as error:
        pytest.fail(str(error))
    bundle = (folder / rasa_webchat.BUNDLE).read_bytes()
    page = PAGE.format(version=rasa_webchat.VERSION, socket_url=json.dumps(bot_settings.public_bot_url)).encode()
    files = {"/": (page, "text/html; charset=utf-8"), "/rasa-webchat.js": (bundle, "text/javascript")}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body, kind = files.get(self.path.split("?")[0], (b"not found", "text/plain"))
            self.send_response(200 if self.path.split("?")[0] in files else 404)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", PAGE_PORT), Handler)
    thread = threading.Thread(target=server.serve_forever, name="webchat-page", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{PAGE_PORT}/"
    finally:
        server.shutdown()
        server.server_close()


def bot_texts(driver: webdriver.Chrome) -> list[str]:
    """The bot's messages, read in one script: rasa-webchat re-renders its list while a reply arrives, so an
    element found by one WebDriver call may be gone by the next (a stale element reference)."""
    texts = driver.execute_script(
        "return Array.from(document.querySelectorAll('.rw-response'), e => e.textContent || '');"
    )
    return [str(text) for text in texts]


def wait_for_bot(driver: webdriver.Chrome, count: int, timeout: float = 60) -> list[str]:
    """The bot's messages once there are more than ``count``, and no new one came for a moment."""
    WebDriverWait(driver, timeout).until(lambda d: len(bot_texts(d)) > count)
    settled: list[list[str]] = [[]]

    def unchanged(d: webdriver.Chrome) -> bool:
        now = bot_texts(d)
        same = now == settled[0]
        settled[0] = now
        return same

    WebDriverWait(driver, 10, poll_frequency=0.5).until(unchanged)
    return settled[0][count:]


def say(driver: webdriver.Chrome, text: str) -> list[str]:
    """Type ``text`` into rasa-webchat and send it; return the bot's new messages."""
    count = len(bot_texts(driver))
    field = driver.find_element(By.CSS_SELECTOR, ".rw-new-message")
    field.send_keys(text)
    field.send_keys(Keys.ENTER)
    return wait_for_bot(driver, count)


def session_id(driver: webdriver.Chrome) -> str:
    stored = driver.execute_script("return window.localStorage.getItem('chat_session')")
    return str(json.loads(stored)["session_id"])


def test_rasa_webchat_holds_a_conversation(
    browser: webdriver.Chrome, rasa_webchat_page: str, bot_settings: Settings, artifacts_dir: Path
) -> None:
    browser.get(rasa_webchat_page)
    WebDriverWait(browser, 60).until(
        lambda d: (
            d.find_elements(By.CSS_SELECTOR, ".rw-new-message")
            and d.execute_script(
                "var s = localStorage.getItem('chat_session'); return !!(s && JSON.parse(s).session_id)"
            )
        )
    )
    conversation = Conversation(bot_settings, sender=session_id(browser))

    # A knowledge-base answer is shown (it carries metadata.answer, which rasa-webchat takes off).
    replies = say(browser, "how long does a colonoscopy take?")
    assert any("minutes" in reply for reply in replies), replies
    slots = conversation.slots()
    assert (slots["procedure"], slots["answer_section"]) == ("45378", "duration")

    # A follow-up keeps the procedure.
    replies = say(browser, "does it hurt?")
    assert replies and all(reply.strip() for reply in replies), replies
    slots = conversation.slots()
    assert slots["procedure"] == "45378"
    assert slots["answer_section"] == "patient_experience"

    # A name two pages share gets a choice; a click on one is answered from that page.
    say(browser, "how long does a stress test take?")
    WebDriverWait(browser, 30).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".rw-replies .rw-reply"))
    choices = browser.find_elements(By.CSS_SELECTOR, ".rw-replies .rw-reply")
    assert len(choices) >= 2, [c.text for c in choices]
    assert conversation.slots()["answer_section"] is None
    count = len(bot_texts(browser))
    choices[0].click()
    replies = wait_for_bot(browser, count)
    assert any("minutes" in reply or "hour" in reply for reply in replies), replies
    slots = conversation.slots()
    assert slots["procedure"] in ("93015", "78452")
    assert slots["answer_section"] == "duration"

    # An emergency gets the emergency reply, and no answer from the knowledge base.
    replies = say(browser, "my chest is crushing and i can't breathe")
    assert any(EMERGENCY_NUMBER in reply for reply in replies), replies
    assert conversation.slots()["answer_section"] is None
    # Everything the bot said is on the screen, and nothing as raw JSON.
    assert not any(reply.lstrip().startswith("{") for reply in bot_texts(browser))
    browser.save_screenshot(str(artifacts_dir / "rasa-webchat.png"))
