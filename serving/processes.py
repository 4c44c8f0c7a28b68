"""The bot's three servers as child processes: start, wait until ready, stop.

Shared by ``make run`` (serving/__main__.py (python -m serving)), the conversation tests and the
benchmark, so that all of them run the very same commands.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from common.launch import endpoint_env, rasa_run_options
from common.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
#: prctl(2) option: the signal a child gets when its parent dies.
_PR_SET_PDEATHSIG = 1


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
    """The environment of every child: the parent's, every setting, and what the servers derive from them."""
    return {
        **os.environ,
        **config.to_env(),
        **endpoint_env(config),
        # The runtimes themselves: this checkout's packages, no downloads, no telemetry, quiet logs.
        "PYTHONPATH": str(ROOT),
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
        "RASA_TELEMETRY_ENABLED": "false",
        "PYTHONUNBUFFERED": "1",
    }


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
        rasa = [str(rasa_venv / "bin" / "python"), "-m", "bot.server", "run", *rasa_run_options(config, model)]
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

    def start(self, timeout: float = 300.0, stop: threading.Event | None = None) -> None:
        """Start every server (the action server first) and wait until all are ready (or ``stop`` is set)."""
        self.launch()
        self.wait_ready(timeout, stop)

    def launch(self) -> None:
        """Start every server without waiting (several BotServers can then start side by side)."""
        for server in self.servers:
            self._spawn(server)

    def wait_ready(self, timeout: float = 300.0, stop: threading.Event | None = None) -> None:
        """Wait until every launched server is ready, or until ``stop`` is set."""
        deadline = time.monotonic() + timeout
        for server in self.servers:
            self._wait_ready(server, deadline, stop)

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
            # Its own process group: a Ctrl-C in the terminal reaches only the
            # parent, which stops the servers in order (each with SIGTERM) instead
            # of every process printing its own KeyboardInterrupt at once.
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )
        if self._echo and server.process.stdout is not None:
            thread = threading.Thread(target=_prefix, args=(server.name, server.process.stdout), daemon=True)
            thread.start()
            server._threads.append(thread)

    def _wait_ready(self, server: Server, deadline: float, stop: threading.Event | None = None) -> None:
        while time.monotonic() < deadline:
            if stop is not None and stop.is_set():
                return
            if server.process is not None and server.process.poll() is not None:
                raise ServerError(
                    f"{server.name} exited with code {server.process.returncode} while starting{_log_tail(server)}"
                )
            if answers(server.ready_url):
                return
            time.sleep(0.5)
        raise ServerError(f"{server.name} was not ready at {server.ready_url} in time")

    def all_running(self) -> bool:
        """Whether every launched server is still running."""
        return all(s.process is not None and s.process.poll() is None for s in self.servers)

    def wait(self) -> None:
        """Block until any server exits."""
        while self.all_running():
            time.sleep(0.5)

    def stop(self, only: str | None = None) -> None:
        """Stop the servers (or the one named), in the reverse of their start order, each politely first.

        The website goes first, so that no new patient reaches a Rasa server
        that is stopping; the action server goes last, so that the Rasa
        server's last turns can still be answered.
        """
        targets = [s for s in self.servers if only is None or s.name == only]
        for server in reversed(targets):
            if server.process is None:
                continue
            if server.process.poll() is None:
                server.process.terminate()
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


def _die_with_parent() -> None:
    """In the child, before it runs: ask Linux to end it if the parent dies (no orphaned servers).

    Linux sends the signal when the *thread* that started the child ends, so
    servers are started from the main thread (as ``make run``, the tests and
    the benchmark do).
    """
    if sys.platform != "linux":
        return
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


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
