"""The container stack of deploy/compose.yml, started on this machine for ``make deploy-check``.

scripts/deploy-check.sh builds the images and writes the stack's env file
(``DEPLOY_CHECK_ENV``: fresh secrets, ports on 127.0.0.1, a copy of the pages,
a self-signed certificate); :func:`stack` starts it with the host-network
override, waits until every server answers, and takes it down with its volumes
at the end. ``make test`` and ``make check`` leave this folder out.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.support.rest import MESSAGE_TIMEOUT, TRACKER_TIMEOUT, expect_ok, new_sender

ROOT = Path(__file__).resolve().parent.parent.parent
#: Seconds the stack may take to answer after `up`: two Rasa servers load their models on two cores.
START_TIMEOUT = 420.0


def read_env(path: Path) -> dict[str, str]:
    """KEY=value lines, as docker-compose reads an env file."""
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if "=" in line and not line.startswith("#"))
    return {key.strip(): value for key, value in pairs}


@dataclass
class Stack:
    """The running stack: its compose command, its settings and its loopback addresses."""

    env_file: Path
    env: dict[str, str] = field(init=False)

    def __post_init__(self) -> None:
        self.env = read_env(self.env_file)

    @property
    def folder(self) -> Path:
        return self.env_file.parent

    @property
    def public_url(self) -> str:
        """The proxy, as a browser or Twilio reaches it."""
        return self.env["PUBLIC_BOT_URL"]

    @property
    def proxy_url(self) -> str:
        return f"https://127.0.0.1:{self.env['HTTPS_PORT']}"

    @property
    def certificate(self) -> str:
        return str(Path(self.env["TLS_DIR"]) / "fullchain.pem")

    def port(self, name: str) -> int:
        return int(self.env[f"HOSTNET_{name}_PORT"])

    @property
    def rasa_ports(self) -> tuple[int, int]:
        return self.port("RASA_1"), self.port("RASA_2")

    def command(self, *args: str) -> list[str]:
        """The docker-compose command line for the stack (project clinicfaq-check, host networking)."""
        return [
            "docker-compose",
            "--project-name",
            "clinicfaq-check",
            "--env-file",
            str(self.env_file),
            "-f",
            str(ROOT / "deploy" / "compose.yml"),
            "-f",
            str(ROOT / "deploy" / "compose.host.yml"),
            *args,
        ]

    @staticmethod
    def compose_env() -> dict[str, str]:
        """Only what docker-compose itself needs: a variable of the shell wins over the env file
        in compose's ${...}, and `make` exports the bot's development settings."""
        return {key: value for key, value in os.environ.items() if key in {"PATH", "HOME", "LANG", "DOCKER_HOST"}}

    def compose(
        self, *args: str, stdin: str | None = None, stdin_bytes: bytes | None = None, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        """Run docker-compose on the stack; a failure fails the test with compose's own message."""
        done = subprocess.run(
            self.command(*args),
            input=stdin_bytes if stdin_bytes is not None else (stdin.encode() if stdin is not None else None),
            capture_output=True,
            cwd=ROOT,
            env=self.compose_env(),
            timeout=600,
        )
        result = subprocess.CompletedProcess(
            done.args, done.returncode, done.stdout.decode(errors="replace"), done.stderr.decode(errors="replace")
        )
        if check and result.returncode != 0:
            pytest.fail(f"docker-compose {' '.join(args)} failed ({result.returncode}):\n{result.stderr[-3000:]}")
        return result

    def ready_urls(self) -> list[str]:
        rasa_1, rasa_2 = self.rasa_ports
        return [
            f"http://127.0.0.1:{self.port('ACTION')}/health",
            f"http://127.0.0.1:{rasa_1}/",
            f"http://127.0.0.1:{rasa_2}/",
            f"http://127.0.0.1:{self.port('WEB')}/",
            f"{self.proxy_url}/",
        ]

    def wait_ready(self, urls: list[str] | None = None, timeout: float = START_TIMEOUT) -> float:
        """Wait until every server (or each of ``urls``) answers 200; return the seconds waited."""
        started = time.monotonic()
        for url in urls or self.ready_urls():
            while not _answers(url, self.certificate):
                if time.monotonic() - started > timeout:
                    logs = self.compose("logs", "--no-color", "--tail", "30", check=False).stdout
                    pytest.fail(f"{url} did not answer within {timeout:.0f} s; the stack's logs:\n{logs}")
                time.sleep(1)
        return time.monotonic() - started

    def up(self) -> float:
        """Start the stack (or what of it is stopped) and wait until it answers."""
        self.compose("up", "--detach", "--no-build")
        return self.wait_ready()

    def say(self, sender: str, text: str, *, port: int | None = None) -> list[dict[str, Any]]:
        """One REST message, through the proxy over TLS, or straight to the Rasa server on ``port``."""
        url = (
            f"{self.proxy_url}/webhooks/rest/webhook"
            if port is None
            else f"http://127.0.0.1:{port}/webhooks/rest/webhook"
        )
        response = requests.post(
            url, json={"sender": sender, "message": text}, timeout=MESSAGE_TIMEOUT, verify=self.certificate
        )
        replies: list[dict[str, Any]] = expect_ok(response).json()
        return replies

    def text(self, sender: str, text: str, *, port: int | None = None) -> str:
        return "\n".join(m.get("text", "") for m in self.say(sender, text, port=port))

    def tracker(self, sender: str, port: int) -> dict[str, Any]:
        """The conversation as the Rasa server on ``port`` reads it from PostgreSQL (HTTP API, on loopback)."""
        response = requests.get(
            f"http://127.0.0.1:{port}/conversations/{sender}/tracker",
            params={"token": self.env["BOT_API_TOKEN"]},
            timeout=TRACKER_TIMEOUT,
        )
        tracker: dict[str, Any] = expect_ok(response).json()
        return tracker


def user_texts(tracker: dict[str, Any]) -> list[str]:
    return [e.get("text") or "" for e in tracker["events"] if e["event"] == "user"]


def _answers(url: str, certificate: str) -> bool:
    try:
        return requests.get(url, timeout=3, verify=certificate).status_code == 200
    except requests.RequestException:
        return False


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:
    env_file = os.environ.get("DEPLOY_CHECK_ENV")
    if not env_file:
        pytest.fail("tests/deploy drive the container stack: run them with `make deploy-check`")
    running = Stack(Path(env_file))
    waited = running.up()
    print(f"\nstack up and answering in {waited:.0f} s")
    try:
        yield running
    finally:
        if not os.environ.get("DEPLOY_CHECK_KEEP"):  # kept up for a developer's second look
            running.compose("down", "--volumes", "--remove-orphans", check=False)


@pytest.fixture()
def sender() -> str:
    return new_sender()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """The whole check's time (images and stack), before pytest's own summary line."""
    started = os.environ.get("DEPLOY_CHECK_STARTED")
    if started:
        total = time.time() - float(started)
        terminalreporter.write_line(f"deploy-check: {total:.0f} s in all (images, stack, checks)")
