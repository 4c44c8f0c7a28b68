"""A clinic's first day with the container stack (deploy/compose.yml), over loopback only.

Every check goes through what a clinic runs: the images, the proxy over TLS,
PostgreSQL and Redis, two Rasa servers, the mounted pages. ``make deploy-check``
runs this module (scripts/deploy-check.sh); ``make test`` does not.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

from tests.channels.conftest import twilio_signature
from tests.channels.test_widget_browser import CHROMEDRIVER, CHROMIUM, ask, wait_for_bot, wait_ready
from tests.deploy.conftest import Stack, user_texts
from tests.support.fakes import FakeTwilio

pytestmark = [pytest.mark.servers, pytest.mark.deploy]

COLONOSCOPY = "45378"


def slots(tracker: dict[str, object]) -> dict[str, object]:
    value = tracker["slots"]
    assert isinstance(value, dict)
    return value


def test_rest_conversation_through_the_proxy_over_tls(stack: Stack, sender: str) -> None:
    assert stack.proxy_url.startswith("https://")
    assert "olonoscopy" in stack.text(sender, "how long does a colonoscopy take?")
    follow_up = stack.text(sender, "does it hurt?")
    assert follow_up
    # Both Rasa servers read the same conversation from PostgreSQL.
    for port in stack.rasa_ports:
        assert slots(stack.tracker(sender, port))["procedure"] == COLONOSCOPY
    # Plain HTTP is not served, and Rasa's HTTP API is not on the public side.
    assert requests.get(
        f"{stack.proxy_url}/conversations/{sender}/tracker", timeout=10, verify=stack.certificate
    ).status_code in {404, 405}


def test_the_development_secrets_are_refused_beyond_loopback(stack: Stack) -> None:
    tag = stack.env["IMAGE_TAG"]
    for image, command in (
        (f"clinic-faq/rasa:{tag}", ["python", "-m", "bot.container", "run"]),
        (f"clinic-faq/rasa:{tag}", ["python", "-m", "bot.container", "purge"]),
        (f"clinic-faq/actions:{tag}", ["python", "-m", "serving.container", "actions"]),
        (f"clinic-faq/actions:{tag}", ["python", "-m", "serving.container", "web"]),
    ):
        # The images' own default: BIND_HOST=0.0.0.0, and no secret set.
        result = subprocess.run(
            ["docker", "run", "--rm", "--network", "host", image, *command],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 2, (image, command, result.stdout, result.stderr)
        assert "BOT_API_TOKEN is the development default" in result.stderr
        assert "STAFF_SECRET_KEY is the development default" in result.stderr


def test_the_images_run_as_a_user_with_a_health_check_and_without_pytorch(stack: Stack) -> None:
    tag = stack.env["IMAGE_TAG"]
    for name in ("rasa", "actions", "proxy", "postgres", "redis"):
        image = f"clinic-faq/{name}:{tag}"
        inspected = json.loads(
            subprocess.run(["docker", "image", "inspect", image], capture_output=True, check=True).stdout
        )
        config = inspected[0]["Config"]
        assert config["User"] not in {"", "root", "0"}, image
        assert config["Healthcheck"]["Test"], image
        assert not any(
            key.split("=")[0] in {"BOT_API_TOKEN", "LOG_HASH_KEY", "STAFF_SECRET_KEY"} for key in config["Env"]
        )
    # The action image embeds with ONNX Runtime: no PyTorch, transformers or sentence-transformers in it.
    modules = "('torch', 'transformers', 'sentence_transformers')"
    probe = f"import importlib.util as u; print([m for m in {modules} if u.find_spec(m)])"
    found = subprocess.run(
        ["docker", "run", "--rm", "--network", "none", f"clinic-faq/actions:{tag}", "python", "-c", probe],
        capture_output=True,
        text=True,
        check=True,
    )
    assert found.stdout.strip() == "[]"


@pytest.fixture()
def browser(stack: Stack) -> Iterator[webdriver.Chrome]:
    profile = tempfile.mkdtemp(prefix="deploy-widget-")
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
        "--ignore-certificate-errors",  # the check's self-signed certificate
        f"--user-data-dir={profile}",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def test_the_widget_page_holds_a_socketio_conversation_through_the_proxy(
    stack: Stack, browser: webdriver.Chrome
) -> None:
    browser.get(f"{stack.public_url}/")
    wait_ready(browser)
    ask(browser, "how long does a colonoscopy take?")
    assert "olonoscopy" in wait_for_bot(browser, 2)[-1]
    # The widget was told to connect to the proxy (its /socket.io/ goes to the Rasa servers).
    config = browser.execute_script("return window.fetch('/config.js').then(r => r.text())")
    assert f'"socketUrl": "{stack.public_url}"' in config
    ask(browser, "can I drive home after?")
    replies = wait_for_bot(browser, 3)
    assert replies[-1]
    session = browser.execute_script("return JSON.parse(localStorage.getItem('clinicBot.sessionId'))")
    assert slots(stack.tracker(session, stack.rasa_ports[1]))["procedure"] == COLONOSCOPY


def _packets(body: str) -> list[str]:
    return [packet for packet in body.split("\x1e") if packet]


def test_socketio_long_polling_sticks_to_one_rasa_server(stack: Stack) -> None:
    """A polling client (socket.io-client's default start) keeps reaching the server that knows its session."""
    base = f"{stack.proxy_url}/socket.io/?EIO=4&transport=polling"
    client = requests.Session()
    client.trust_env = False  # REQUESTS_CA_BUNDLE in the environment would win over `verify`
    client.verify = stack.certificate
    client.headers["Origin"] = stack.public_url
    opened = client.get(base, timeout=10)
    assert opened.status_code == 200, opened.text
    sid = json.loads(opened.text[1:])["sid"]
    polling = f"{base}&sid={sid}"
    assert client.post(polling, data="40", timeout=10).text.lower() == "ok"
    assert any(p.startswith("40") for p in _packets(client.get(polling, timeout=30).text))
    client.post(polling, data='42["session_request",{"session_id":null}]', timeout=10)
    received: list[str] = []
    deadline = time.monotonic() + 60
    sent = False
    while time.monotonic() < deadline and not any("olonoscopy" in p for p in received if "bot_uttered" in p):
        confirmed = [json.loads(p[2:])[1] for p in received if p.startswith('42["session_confirm"')]
        if confirmed and not sent:
            message = {"message": "how long does a colonoscopy take?", "session_id": confirmed[0]}
            sent_message = client.post(polling, data="42" + json.dumps(["user_uttered", message]), timeout=10)
            assert sent_message.text.lower() == "ok"
            sent = True
        response = client.get(polling, timeout=40)
        # Without stickiness about half of these would reach the other server: 400, unknown session.
        assert response.status_code == 200, response.text
        received += _packets(response.text)
    answers = [json.loads(p[2:])[1] for p in received if p.startswith("42") and "bot_uttered" in p]
    assert any("olonoscopy" in answer.get("text", "") for answer in answers), answers


@pytest.fixture()
def twilio(stack: Stack) -> Iterator[FakeTwilio]:
    port = int(stack.env["TWILIO_API_BASE_URL"].rsplit(":", 1)[1])
    fake = FakeTwilio(stack.env["TWILIO_ACCOUNT_SID"], stack.env["TWILIO_AUTH_TOKEN"], port=port)
    fake.start()
    try:
        yield fake
    finally:
        fake.stop()


def test_a_signed_twilio_webhook_is_answered_and_an_unsigned_one_refused(stack: Stack, twilio: FakeTwilio) -> None:
    url = stack.env["TWILIO_WEBHOOK_URL"]  # what Twilio's console would call, and signs
    phone = "+15550107788"
    params = {
        "From": phone,
        "To": stack.env["TWILIO_NUMBER"],
        "Body": "how long does a colonoscopy take?",
        "MessageSid": "SM" + "0" * 32,
        "AccountSid": stack.env["TWILIO_ACCOUNT_SID"],
    }
    unsigned = requests.post(url, data=params, timeout=60, verify=stack.certificate)
    assert unsigned.status_code == 403
    signature = twilio_signature(stack.env["TWILIO_AUTH_TOKEN"], url, params)
    signed = requests.post(
        url, data=params, headers={"X-Twilio-Signature": signature}, timeout=60, verify=stack.certificate
    )
    assert signed.status_code == 200, signed.text
    deadline = time.monotonic() + 30
    while not twilio.texts_to(phone) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert any("olonoscopy" in text for text in twilio.texts_to(phone))


def test_one_service_purges(stack: Stack) -> None:
    for service in ("rasa-1", "rasa-2"):
        assert "no background purge" in stack.compose("logs", "--no-color", service).stdout
    assert (
        "purging conversations 30 day(s) after their last message"
        in stack.compose("logs", "--no-color", "purge").stdout
    )


def test_a_page_edited_in_the_mounted_folder_is_answered_within_seconds(stack: Stack, sender: str) -> None:
    page = next((Path(stack.env["KNOWLEDGE_PAGES"])).glob(f"{COLONOSCOPY}-*.txt"))
    lines = page.read_text(encoding="utf-8").splitlines()
    start = lines.index("Duration")
    end = next(i for i in range(start + 1, len(lines)) if lines[i] == "Setting")
    new = "The colonoscopy itself takes about 47 minutes in the deploy check."
    page.write_text("\n".join([*lines[: start + 1], new, "", *lines[end:]]) + "\n", encoding="utf-8")
    edited = time.monotonic()
    reply = ""
    while time.monotonic() - edited < 20:
        reply = stack.text(sender, "how long does a colonoscopy take?")
        if "47 minutes" in reply:
            break
        time.sleep(1)
    assert "47 minutes" in reply
    assert time.monotonic() - edited < 15


def test_forget_me_on_one_server_deletes_what_the_other_reads(stack: Stack, sender: str) -> None:
    first, second = stack.rasa_ports
    stack.text(sender, "how long does a colonoscopy take?", port=first)
    assert "how long does a colonoscopy take?" in user_texts(stack.tracker(sender, second))
    stack.text(sender, "forget me", port=first)
    stack.text(sender, "/affirm", port=first)
    kept = stack.tracker(sender, second)
    assert "how long does a colonoscopy take?" not in user_texts(kept)
    assert slots(kept)["procedure"] is None


def test_a_stopped_rasa_server_loses_no_message_and_no_procedure(stack: Stack, sender: str) -> None:
    assert "olonoscopy" in stack.text(sender, "how long does a colonoscopy take?")
    stack.compose("stop", "rasa-1")
    try:
        reply = stack.text(sender, "does it hurt?")  # the proxy finds rasa-1 refusing, and asks rasa-2
        assert reply and "which procedure" not in reply.lower()
        tracker = stack.tracker(sender, stack.rasa_ports[1])
        assert slots(tracker)["procedure"] == COLONOSCOPY
        assert user_texts(tracker)[-1] == "does it hurt?"
    finally:
        stack.compose("start", "rasa-1")
        stack.wait_ready()


def test_down_then_up_keeps_the_conversation(stack: Stack, sender: str) -> None:
    stack.text(sender, "how long does a colonoscopy take?")
    stack.compose("down")  # the containers go; the volume `postgres` stays
    assert not stack.compose("ps", "-q").stdout.strip()
    stack.up()
    tracker = stack.tracker(sender, stack.rasa_ports[0])
    assert "how long does a colonoscopy take?" in user_texts(tracker)
    assert slots(tracker)["procedure"] == COLONOSCOPY
    assert stack.text(sender, "can I drive home after?")
    assert slots(stack.tracker(sender, stack.rasa_ports[1]))["procedure"] == COLONOSCOPY


def test_a_staff_account_made_as_the_readme_says_signs_in_through_the_proxy(stack: Stack) -> None:
    password = "a-long-staff-password-" + re.sub(r"\W", "", stack.env["POSTGRES_PASSWORD"])[:8]
    made = stack.compose(
        "exec",
        "-T",
        "web",
        "python",
        "-m",
        "serving.staff.accounts",
        "jsmith",
        stdin=f"{password}\n{password}\n",
    )
    assert made.returncode == 0, made.stderr
    console = requests.Session()
    console.trust_env = False  # REQUESTS_CA_BUNDLE in the environment would win over `verify`
    console.verify = stack.certificate
    signed_in = console.post(
        f"{stack.proxy_url}/staff/api/login", json={"username": "jsmith", "password": password}, timeout=30
    )
    assert signed_in.status_code == 200, signed_in.text
    turns = console.get(f"{stack.proxy_url}/staff/api/turns?limit=5", timeout=30)
    assert turns.status_code == 200 and "turns" in turns.json()
    wrong = console.post(
        f"{stack.proxy_url}/staff/api/login", json={"username": "jsmith", "password": "x" * 20}, timeout=30
    )
    assert wrong.status_code == 401


def test_a_backup_dumped_and_restored_as_the_readme_says_keeps_the_conversation(stack: Stack, sender: str) -> None:
    stack.text(sender, "how long does a colonoscopy take?")
    dump = stack.folder / "backup.dump"
    with dump.open("wb") as out:
        done = subprocess.run(
            stack.command("exec", "-T", "db", "pg_dump", "-U", "postgres", "--format=custom", "rasa"),
            stdout=out,
            stderr=subprocess.PIPE,
            env=stack.compose_env(),
            timeout=120,
            check=False,
        )
    assert done.returncode == 0, done.stderr
    assert dump.stat().st_size > 1000
    stack.compose(
        "exec",
        "-T",
        "db",
        "pg_restore",
        "-U",
        "postgres",
        "--clean",
        "--if-exists",
        "-d",
        "rasa",
        stdin_bytes=dump.read_bytes(),
    )
    tracker = stack.tracker(sender, stack.rasa_ports[0])
    assert "how long does a colonoscopy take?" in user_texts(tracker)
    assert slots(tracker)["procedure"] == COLONOSCOPY
    purged = stack.compose("exec", "-T", "purge", "python", "-m", "bot.purge")
    assert purged.stdout.startswith("purged 0 conversation(s)")
