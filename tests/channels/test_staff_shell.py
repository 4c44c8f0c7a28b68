"""Staff terminals: `make shell` (rasa shell, driven in tmux) and `make chat` (numbered choices)."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import time
from pathlib import Path

import pytest

from common.settings import Settings
from serving.processes import server_env
from tools.chat import Choice, render, resolve
from tools.shell import shell_command

ROOT = Path(__file__).resolve().parent.parent.parent


def test_choices_are_numbered() -> None:
    lines, choices = render(
        [
            {"text": "Which procedure?"},
            {"buttons": [{"title": "Colonoscopy", "payload": "/a"}, {"title": "Brain MRI", "payload": "/b"}]},
        ]
    )
    assert lines[:3] == ["bot> Which procedure?", "  1) Colonoscopy", "  2) Brain MRI"]
    assert choices == [Choice("Colonoscopy", "/a"), Choice("Brain MRI", "/b")]
    assert resolve("2", choices) == ("/b", "Brain MRI")
    assert resolve("3", choices) == ("3", None)
    assert resolve("does it hurt", choices) == ("does it hurt", None)


@pytest.mark.servers
def test_chat_against_the_running_bot(servers: object, bot_settings: Settings) -> None:
    session = subprocess.run(
        [sys.executable, "-m", "tools.chat", "--url", f"http://127.0.0.1:{bot_settings.rasa_port}"],
        cwd=ROOT,
        env=server_env(bot_settings),
        input="do i need to fast before?\n1\nhow long does it take\n/quit\n",
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    out = session.stdout
    assert session.returncode == 0, session.stderr
    assert "  1) " in out and "  2) " in out
    assert "(chose: " in out
    assert out.count("bot> ") >= 3


def _pane(session: str) -> str:
    return subprocess.run(
        ["tmux", "capture-pane", "-p", "-J", "-S", "-200", "-t", session], capture_output=True, text=True, check=False
    ).stdout


def _wait_for(session: str, text: str, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    pane = ""
    while time.monotonic() < deadline:
        pane = _pane(session)
        if text in pane:
            return pane
        time.sleep(0.5)
    raise AssertionError(f"{text!r} did not appear in the shell; it shows:\n{pane}")


@pytest.mark.servers
@pytest.mark.slow  # rasa shell loads the model in a Rasa process of its own
def test_make_shell_runs_rasa_shell_with_numbered_choices(servers: object, bot_settings: Settings) -> None:
    rasa_venv = Path(os.environ["RASA_VENV"])
    session = f"shell-test-{os.getpid()}"
    env = server_env(bot_settings)
    # What `make shell` runs: the staff shell tool, which starts `rasa shell` through bot.server.
    shell = [
        sys.executable,
        "-m",
        "tools.shell",
        "--rasa-venv",
        str(rasa_venv),
        "--actions-venv",
        os.environ["ACT_VENV"],
        "--port",
        str(bot_settings.rasa_port + 2),
    ]
    assert shell_command(rasa_venv, 1)[1:4] == ["-m", "bot.server", "shell"]
    command = " ".join(shlex.quote(part) for part in shell)
    subprocess.run(
        ["tmux", "new-session", "-d", "-s", session, "-x", "220", "-y", "60", "-c", str(ROOT), command],
        env=env,
        check=True,
    )
    try:
        loaded = _wait_for(session, "Bot loaded", 180)
        # Staff see the prompt and the bot's replies only: no Python warnings, no log lines.
        for noise in ("Warning", "warn(", "DEBUG", " INFO "):
            assert noise not in loaded, loaded
        subprocess.run(
            ["tmux", "send-keys", "-t", session, "how long does a lung perfusion scan take?", "Enter"], check=True
        )
        _wait_for(session, "30 to 60 minutes", 60)
        # Under the reply, one line of reasons: intent and confidence, procedure, section, passage scores.
        pane = _wait_for(session, "| procedure 78580 | section duration | scores ", 30)
        assert "[ask_duration 0." in pane
        subprocess.run(["tmux", "send-keys", "-t", session, "do i need to fast before", "Enter"], check=True)
        pane = _wait_for(session, "Type out your own message", 60)
        assert "1: Tell me more (/ask_more)" in pane  # choices are numbered
        # Free text: pick "Type out your own message..." and type a question.
        subprocess.run(["tmux", "send-keys", "-t", session, "Down", "Enter"], check=True)
        time.sleep(1)
        subprocess.run(["tmux", "send-keys", "-t", session, "does it hurt", "Enter"], check=True)
        _wait_for(session, "slight sting", 60)
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], check=False)
