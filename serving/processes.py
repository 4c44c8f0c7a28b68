"""The bot's three servers as child processes: start, wait until ready, stop.

Shared by ``make run`` (serving/__main__.py (python -m serving)), the conversation tests and the
benchmark, so that all of them run the very same commands.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from common.settings import Settings

ROOT = Path(__file__).resolve().parent.parent


def answers(url: str) -> bool:
    """Whether a URL answers 200 right now (a server is up and ready)."""
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except OSError:  # refused, timed out, or an HTTP error status
        return False


class ServerError(RuntimeError):
    """A server did not start, or stopped."""


@dataclass
class Server:
    """One child process and the URL that answers 200 when it is ready."""

    name: str
    command: list[str]
    ready_url: str
    process: subprocess.Popen[bytes] | None = None
    log_path: Path | None = None
    _threads: list[threading.Thread] = field(default_factory=list)


def server_env(config: Settings) -> dict[str, str]:
    """The environment of every child: the parent's, plus the settings that tie them together."""
    env = dict(os.environ)
    # endpoints.yml names these; Rasa refuses to start when one is unset.
    lock_store = config.lock_store_parts()
    env.update(
        {
            "CLINIC_NAME": config.clinic_name,
            "CLINIC_PHONE": config.clinic_phone,
            "CLINIC_HOURS": config.clinic_hours,
            "EMERGENCY_NUMBER": config.emergency_number,
            "CRISIS_LINE": config.crisis_line,
            "TRACKER_DB_URL": config.tracker_store_url,
            "LOCK_STORE_URL": config.lock_store_url,
            "LOCK_STORE_TYPE": lock_store["type"],
            "LOCK_STORE_HOST": lock_store["host"],
            "LOCK_STORE_PORT": lock_store["port"],
            "LOCK_STORE_DB": lock_store["db"],
            "LOCK_STORE_PASSWORD": lock_store["password"],
            "ACTION_TIMEOUT": str(config.action_timeout),
            "MAX_MESSAGE_CHARS": str(config.max_message_chars),
            "RATE_LIMIT_MESSAGES": str(config.rate_limit_messages),
            "RATE_LIMIT_WINDOW": str(config.rate_limit_window),
            "PYTHONPATH": str(ROOT),
            "RASA_PORT": str(config.rasa_port),
            "ACTION_PORT": str(config.action_port),
            "WEB_PORT": str(config.web_port),
            "ACTION_SERVER_URL": config.action_server_url,
            "QUESTION_HINTS": "true" if config.question_hints else "false",
            "BOT_API_TOKEN": config.bot_api_token,
            "ALLOWED_ORIGINS": ",".join(config.allowed_origins),
            "PUBLIC_BOT_URL": config.public_bot_url,
            "TWILIO_ACCOUNT_SID": config.twilio_account_sid,
            "TWILIO_AUTH_TOKEN": config.twilio_auth_token,
            "TWILIO_NUMBER": config.twilio_number,
            "TWILIO_API_BASE_URL": config.twilio_api_base_url,
            "TWILIO_WEBHOOK_URL": config.twilio_webhook_url,
            "TWILIO_KEYWORD_REPLIES": "true" if config.twilio_keyword_replies else "false",
            "SMS_DB": str(config.sms_db),
            "LOG_HASH_KEY": config.log_hash_key,
            "KNOWLEDGE_DIR": str(config.knowledge_dir),
            "INDEX_DIR": str(config.index_dir),
            "KNOWLEDGE_RELOAD_SECONDS": str(config.knowledge_reload_seconds),
            "HF_HUB_OFFLINE": "1",
            "TRANSFORMERS_OFFLINE": "1",
            "TF_CPP_MIN_LOG_LEVEL": "2",
            "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
            "RASA_TELEMETRY_ENABLED": "false",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


class BotServers:
    """The action server, the Rasa server and the website."""

    def __init__(
        self,
        rasa_venv: Path,
        actions_venv: Path,
        config: Settings,
        model: Path = Path("models/current.tar.gz"),
        echo: bool = False,
        log_dir: Path | None = None,
        web: bool = True,
        actions: bool = True,
        extra_env: dict[str, dict[str, str]] | None = None,
    ) -> None:
        self.config = config
        self._echo = echo
        self._log_dir = log_dir
        self._env = server_env(config)
        # Per server ("actions", "rasa", "web"): variables to try a deployment change (make bench).
        self._extra_env = extra_env or {}
        if not config.tracker_db_url:
            config.tracker_db.parent.mkdir(parents=True, exist_ok=True)
        host = config.bind_host
        rasa = [
            str(rasa_venv / "bin" / "python"),
            "-m",
            "bot.server",
            "run",
            "--model",
            str(model),
            "--enable-api",
            "--auth-token",
            config.bot_api_token,
            "--endpoints",
            "endpoints.yml",
            "--credentials",
            "credentials.yml",
            "--interface",
            host,
            "--port",
            str(config.rasa_port),
            "--cors",
            *config.allowed_origins,
        ]
        self.servers = [
            Server(
                "actions",
                [str(actions_venv / "bin" / "python"), "-m", "actions.server"],
                f"http://127.0.0.1:{config.action_port}/health",
            ),
            Server("rasa", rasa, f"http://127.0.0.1:{config.rasa_port}/"),
        ]
        if not actions:
            # Another BotServers (or machine) runs the action server.
            self.servers = self.servers[1:]
        if web:
            self.servers.append(
                Server(
                    "web",
                    [str(actions_venv / "bin" / "python"), "-m", "serving.web"],
                    f"http://127.0.0.1:{config.web_port}/",
                )
            )

    def start(self, timeout: float = 300.0) -> None:
        """Start every server (the action server first) and wait until all are ready."""
        self.launch()
        self.wait_ready(timeout)

    def launch(self) -> None:
        """Start every server without waiting (several BotServers can then start side by side)."""
        for server in self.servers:
            self._spawn(server)

    def wait_ready(self, timeout: float = 300.0) -> None:
        """Wait until every launched server is ready."""
        deadline = time.monotonic() + timeout
        for server in self.servers:
            self._wait_ready(server, deadline)

    def _spawn(self, server: Server) -> None:
        stdout: int | IO[bytes]
        if self._echo:
            stdout = subprocess.PIPE
        elif self._log_dir is not None:
            self._log_dir.mkdir(parents=True, exist_ok=True)
            server.log_path = self._log_dir / f"{server.name}.log"
            stdout = server.log_path.open("ab")
        else:
            stdout = subprocess.DEVNULL
        server.process = subprocess.Popen(
            server.command,
            cwd=ROOT,
            env={**self._env, **self._extra_env.get(server.name, {})},
            stdout=stdout,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        if self._echo and server.process.stdout is not None:
            thread = threading.Thread(target=_prefix, args=(server.name, server.process.stdout), daemon=True)
            thread.start()
            server._threads.append(thread)

    def _wait_ready(self, server: Server, deadline: float) -> None:
        while time.monotonic() < deadline:
            if server.process is not None and server.process.poll() is not None:
                raise ServerError(
                    f"{server.name} exited with code {server.process.returncode} while starting{_log_tail(server)}"
                )
            if answers(server.ready_url):
                return
            time.sleep(0.5)
        raise ServerError(f"{server.name} was not ready at {server.ready_url} in time")

    def wait(self) -> None:
        """Block until any server exits."""
        while all(s.process is not None and s.process.poll() is None for s in self.servers):
            time.sleep(0.5)

    def stop(self, only: str | None = None) -> None:
        """Stop the servers (or the one named), politely first."""
        targets = [s for s in self.servers if only is None or s.name == only]
        for server in reversed(targets):
            if server.process is not None and server.process.poll() is None:
                server.process.terminate()
        for server in reversed(targets):
            if server.process is None:
                continue
            try:
                server.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.process.kill()
                server.process.wait()

    def restart(self, name: str, timeout: float = 300.0) -> None:
        """Stop one server and start it again."""
        server = next(s for s in self.servers if s.name == name)
        self.stop(only=name)
        self._spawn(server)
        self._wait_ready(server, time.monotonic() + timeout)

    def pid(self, name: str) -> int:
        """The process id of a server."""
        server = next(s for s in self.servers if s.name == name)
        assert server.process is not None
        return server.process.pid


def _log_tail(server: Server, lines: int = 15) -> str:
    """The end of a server's log file, to show why it stopped (echoed servers printed theirs)."""
    if server.log_path is None or not server.log_path.exists():
        return ""
    tail = server.log_path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:]
    return f"; the end of {server.log_path}:\n" + "\n".join(tail)


def _prefix(name: str, stream: IO[bytes]) -> None:
    for line in iter(stream.readline, b""):
        sys.stdout.write(f"[{name}] {line.decode(errors='replace')}")
        sys.stdout.flush()
