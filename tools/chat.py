"""Terminal chat (``make chat``): talk to the running bot, choices numbered.

The bot's choices are shown as numbered options; typing the number picks one,
and any other text is sent as it is. It talks to a Rasa server over the REST
channel: the one of ``make run`` when it is up, else a Rasa server (and, when
needed, an action server) started for the session and stopped afterwards.
``rasa shell`` itself shows choices as an arrow-key menu that takes no free
text, hence this small loop. ``/quit`` or Ctrl-D leaves.
"""

from __future__ import annotations

import argparse
import uuid
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import requests

from common.settings import settings
from serving.processes import ROOT, BotServers, answers


@dataclass(frozen=True)
class Choice:
    """A button of the bot's message: what it shows and what it sends."""

    title: str
    payload: str


def render(messages: list[dict[str, Any]]) -> tuple[list[str], list[Choice]]:
    """The lines to print for the bot's messages, and the choices offered last."""
    lines: list[str] = []
    choices: list[Choice] = []
    for message in messages:
        if message.get("text"):
            lines.extend(
                f"bot> {line}" if i == 0 else f"     {line}" for i, line in enumerate(message["text"].split("\n"))
            )
        buttons = message.get("buttons") or []
        if buttons:
            choices = [Choice(str(b.get("title", "")), str(b.get("payload") or b.get("title", ""))) for b in buttons]
    for number, choice in enumerate(choices, start=1):
        lines.append(f"  {number}) {choice.title}")
    if choices:
        lines.append("     (type a number, or ask in your own words)")
    return lines, choices


def resolve(text: str, choices: list[Choice]) -> tuple[str, str | None]:
    """What to send for the typed text: a choice's payload (and its title) or the text itself."""
    stripped = text.strip().rstrip(".)")
    if stripped.isdigit() and 1 <= int(stripped) <= len(choices):
        choice = choices[int(stripped) - 1]
        return choice.payload, choice.title
    return text, None


def repl(rest_url: str, sender: str) -> int:
    """Read, send, print, until /quit or end of input."""
    print("Staff shell: type a question; /quit or Ctrl-D leaves.", flush=True)
    choices: list[Choice] = []
    while True:
        try:
            text = input("you> ")
        except EOFError:
            print()
            return 0
        if text.strip() in {"/quit", "/exit"}:
            return 0
        if not text.strip():
            continue
        message, title = resolve(text, choices)
        if title is not None:
            print(f"     (chose: {title})")
        try:
            response = requests.post(rest_url, json={"sender": sender, "message": message}, timeout=60)
            response.raise_for_status()
        except requests.RequestException as error:
            print(f"bot> (no answer: {error})", flush=True)
            continue
        lines, choices = render(response.json())
        print("\n".join(lines), flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rasa-venv", type=Path)
    parser.add_argument("--actions-venv", type=Path)
    parser.add_argument("--url", help="a running Rasa server (default: make run's, else one started here)")
    parser.add_argument("--port", type=int, default=5006, help="port of the shell's own Rasa server")
    args = parser.parse_args(argv)
    config = settings()
    url = (args.url or f"http://127.0.0.1:{config.rasa_port}").rstrip("/")
    started = None
    if args.url is None and not answers(f"{url}/"):
        if args.rasa_venv is None or args.actions_venv is None:
            parser.error("no Rasa server is running: pass --rasa-venv and --actions-venv (make shell does)")
        print("starting the bot for this shell (about a minute)...", flush=True)
        own = replace(config, rasa_port=args.port)
        started = BotServers(args.rasa_venv, args.actions_venv, own, log_dir=ROOT / "build" / "shell-logs", web=False)
        if answers(f"http://127.0.0.1:{config.action_port}/health"):
            started.servers = [s for s in started.servers if s.name != "actions"]
        started.start()
        url = f"http://127.0.0.1:{args.port}"
    try:
        return repl(f"{url}/webhooks/rest/webhook", f"staff-{uuid.uuid4().hex[:12]}")
    except KeyboardInterrupt:
        print()
        return 0
    finally:
        if started is not None:
            started.stop()


if __name__ == "__main__":
    raise SystemExit(main())
