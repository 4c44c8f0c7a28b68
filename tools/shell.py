"""Staff shell mode (``make shell``): ``rasa shell`` against the action server.

Uses the action server of ``make run`` when it is up; otherwise starts one for
the session and stops it afterwards. ``rasa shell`` lists the bot's choices as
numbered options ("1: Colonoscopy (/inform_procedure...)") and always offers
"Type out your own message..." for free text. For a plain line-by-line chat
with the running bot, see ``make chat``.
"""

from __future__ import annotations

import argparse
import subprocess
from pathlib import Path

from common.settings import settings
from serving.processes import ROOT, BotServers, answers, server_env


def shell_command(rasa_venv: Path, port: int) -> list[str]:
    """The ``rasa shell`` command line, through the patched entry point (its own Rasa server listens on ``port``)."""
    return [
        str(rasa_venv / "bin" / "python"),
        "-m",
        "bot.server",
        "shell",
        "--model",
        "models/current.tar.gz",
        "--endpoints",
        "endpoints.yml",
        "--port",
        str(port),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rasa-venv", type=Path, required=True)
    parser.add_argument("--actions-venv", type=Path, required=True)
    parser.add_argument("--port", type=int, default=5006, help="port of the shell's own Rasa server")
    args = parser.parse_args(argv)
    config = settings()
    started = None
    if not answers(f"http://127.0.0.1:{config.action_port}/health"):
        print("starting the action server for this shell...", flush=True)
        started = BotServers(args.rasa_venv, args.actions_venv, config, log_dir=ROOT / "build" / "shell-logs")
        started.servers = [s for s in started.servers if s.name == "actions"]
        started.start()
    # Staff see the prompt and the bot's replies only: Rasa's warnings and log lines
    # (stderr) go to a file, named here in case something goes wrong.
    log_path = ROOT / "build" / "shell-logs" / "rasa-shell.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    print(f"(the Rasa server's messages are in {log_path.relative_to(ROOT)})", flush=True)
    try:
        with log_path.open("ab") as log:
            return subprocess.call(
                shell_command(args.rasa_venv, args.port), cwd=ROOT, env=server_env(config), stderr=log
            )
    except KeyboardInterrupt:
        return 0
    finally:
        if started is not None:
            started.stop()


if __name__ == "__main__":
    raise SystemExit(main())
