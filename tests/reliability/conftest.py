"""Servers and helpers of the reliability tests.

One action server and one Rasa server start once for this folder (package
scope, ports 5107 / 5157 unless TEST_RELIABILITY_*_PORT say otherwise), with an
SQLite tracker store in a temporary folder, the default 30-second action timeout, and
a delaying proxy between them (:class:`DelayProxy`) so that a test can make the
action server slow. Logs go to build/test-logs/reliability/.

PostgreSQL and Redis (Debian's packages, from scripts/install-system-deps.sh)
are started by the tests that need them, on 127.0.0.1, on free ports, in
temporary folders.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests

from common.settings import Settings, load_settings
from serving.processes import BotServers
from tests.support.servers import copy_knowledge, venv

ROOT = Path(__file__).resolve().parent.parent.parent
LOG_DIR = ROOT / "build" / "test-logs" / "reliability"
TOKEN = "reliability-test-token"
HASH_KEY = "reliability-log-hash-key"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class DelayProxy:
    """Forwards the Rasa server's action calls to the action server, after ``delay`` seconds."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        self.delay = 0.0
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                time.sleep(proxy.delay)
                request = urllib.request.Request(
                    proxy.upstream, data=body, headers={"Content-Type": "application/json"}, method="POST"
                )
                try:
                    with urllib.request.urlopen(request, timeout=60) as response:
                        status, data = response.status, response.read()
                except urllib.error.HTTPError as error:
                    status, data = error.code, error.read()
                except OSError:
                    status, data = 502, b'{"error": "action server unreachable"}'
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    pass  # Rasa gave up waiting (the action timeout)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/webhook"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


class Chat:
    """One conversation over the REST channel of one (or, per turn, another) Rasa server."""

    def __init__(self, port: int, sender: str | None = None) -> None:
        self.sender = sender or f"rel-{uuid.uuid4().hex[:12]}"
        self.port = port

    def post(self, text: str, port: int | None = None, timeout: float = 60) -> requests.Response:
        return requests.post(
            f"http://127.0.0.1:{port or self.port}/webhooks/rest/webhook",
            json={"sender": self.sender, "message": text},
            timeout=timeout,
        )

    def text(self, text: str, port: int | None = None) -> str:
        response = self.post(text, port)
        assert response.status_code == 200, response.text
        return "\n".join(m.get("text", "") for m in response.json())

    def tracker(self, port: int | None = None) -> dict[str, Any]:
        response = requests.get(
            f"http://127.0.0.1:{port or self.port}/conversations/{self.sender}/tracker",
            params={"token": TOKEN},
            timeout=30,
        )
        response.raise_for_status()
        tracker: dict[str, Any] = response.json()
        return tracker

    def user_texts(self, port: int | None = None) -> list[str]:
        return [e.get("text") or "" for e in self.tracker(port)["events"] if e["event"] == "user"]


def reliability_settings(knowledge: Path, **changes: Any) -> Settings:
    """Test settings: the test token and hash key, a copy of the knowledge base."""
    base = replace(
        load_settings(),
        bot_api_token=TOKEN,
        log_hash_key=HASH_KEY,
        knowledge_dir=knowledge / "pages",
        index_dir=knowledge / "index",
        action_timeout=float(os.environ.get("TEST_RELIABILITY_ACTION_TIMEOUT", "30")),
        rate_limit_messages=20,
        rate_limit_window=60.0,
    )
    return replace(base, **changes)


@pytest.fixture(scope="package")
def knowledge(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_knowledge(tmp_path_factory.mktemp("reliability-knowledge"))


@pytest.fixture(scope="package")
def action_port() -> int:
    return int(os.environ.get("TEST_RELIABILITY_ACTION_PORT", "5157"))


@pytest.fixture(scope="package")
def proxy(action_port: int) -> Iterator[DelayProxy]:
    delay_proxy = DelayProxy(f"http://127.0.0.1:{action_port}/webhook")
    try:
        yield delay_proxy
    finally:
        delay_proxy.close()


@pytest.fixture(scope="package")
def bot_settings(
    knowledge: Path, action_port: int, proxy: DelayProxy, tmp_path_factory: pytest.TempPathFactory
) -> Settings:
    return reliability_settings(
        knowledge,
        rasa_port=int(os.environ.get("TEST_RELIABILITY_RASA_PORT", "5107")),
        action_port=action_port,
        action_server_url=proxy.url,
        tracker_db=tmp_path_factory.mktemp("tracker") / "tracker.db",
        tracker_db_url="",
        lock_store_url="",
    )


@pytest.fixture(scope="package")
def servers(bot_settings: Settings) -> Iterator[BotServers]:
    """The action server and one Rasa server (SQLite tracker store) for this folder."""
    bot = BotServers(venv("RASA_VENV"), venv("ACT_VENV"), bot_settings, log_dir=LOG_DIR, web=False)
    try:
        bot.start()
        yield bot
    finally:
        bot.stop()


@pytest.fixture()
def chat(servers: BotServers, bot_settings: Settings) -> Chat:
    return Chat(bot_settings.rasa_port)


# --- PostgreSQL and Redis on loopback ------------------------------------------


@dataclass
class Postgres:
    """A throwaway PostgreSQL cluster on 127.0.0.1."""

    url: str
    port: int
    password: str
    bin_dir: Path

    def query(self, sql: str) -> str:
        result = subprocess.run(
            [
                str(self.bin_dir / "psql"),
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                "postgres",
                "-d",
                "rasa",
                "-At",
                "-c",
                sql,
            ],
            env={**os.environ, "PGPASSWORD": self.password},
            capture_output=True,
            text=True,
            check=True,
            timeout=30,
        )
        return result.stdout.strip()


def _postgres_bin() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        pytest.fail("PostgreSQL is not installed: run scripts/install-system-deps.sh")
    return Path(found[-1]).parent


def _as_postgres_user(command: list[str]) -> list[str]:
    # initdb refuses to run as root; CI may run as root, developers do not.
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@pytest.fixture(scope="module")
def postgres() -> Iterator[Postgres]:
    bin_dir = _postgres_bin()
    folder = Path(tempfile.mkdtemp(prefix="clinic-faq-pg-"))
    password = uuid.uuid4().hex
    (folder / "pw").write_text(password)
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
        shutil.chown(folder / "pw", "postgres")
    data, port = folder / "data", free_port()
    run = {"check": True, "capture_output": True, "timeout": 120}
    subprocess.run(
        _as_postgres_user(
            [
                str(bin_dir / "initdb"),
                "-D",
                str(data),
                "-U",
                "postgres",
                "--auth=scram-sha-256",
                f"--pwfile={folder / 'pw'}",
                "--no-sync",
            ]
        ),
        **run,  # type: ignore[call-overload]
    )
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off"
    subprocess.run(
        [
            *_as_postgres_user(
                [str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(folder / "log"), "-w"]
            ),
            "start",
        ],
        **run,  # type: ignore[call-overload]
    )
    server = Postgres(f"postgresql://postgres:{password}@127.0.0.1:{port}/rasa", port, password, bin_dir)
    try:
        subprocess.run(
            [str(bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "rasa"],
            env={**os.environ, "PGPASSWORD": password},
            **run,  # type: ignore[call-overload]
        )
        yield server
    finally:
        subprocess.run(
            _as_postgres_user([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    if not Path(binary).exists():
        pytest.fail("redis-server is not installed: run scripts/install-system-deps.sh")
    folder = Path(tempfile.mkdtemp(prefix="clinic-faq-redis-"))
    port = free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(folder)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        yield f"redis://127.0.0.1:{port}/1"
    finally:
        process.terminate()
        process.wait(timeout=20)
        shutil.rmtree(folder, ignore_errors=True)
