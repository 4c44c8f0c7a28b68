"""Start the action server, the Rasa server and the website; stop them all together.

Used by ``make run`` (and by the tests and the benchmark, through
:mod:`serving.processes`). Ctrl-C or SIGTERM stops every server. A missing or
corrupt model, knowledge page or index stops it before anything starts
(:mod:`serving.preflight`), with exit code 2 and a message naming the file.
"""

from __future__ import annotations

import argparse
import signal
import sys
import time
from pathlib import Path
from types import FrameType

from common.settings import settings
from serving.preflight import problems
from serving.processes import BotServers, ServerError


def main(argv: list[str] | None = None) -> int:
    """Serve until stopped."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rasa-venv", type=Path, required=True)
    parser.add_argument("--actions-venv", type=Path, required=True)
    parser.add_argument("--model", type=Path, default=Path("models/current.tar.gz"))
    args = parser.parse_args(argv)
    config = settings()
    found = problems(config, args.model)
    if found:
        print("cannot serve the bot:", *found, sep="\n  ", file=sys.stderr)
        return 2
    servers = BotServers(args.rasa_venv, args.actions_venv, config, model=args.model, echo=True)

    def stop(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    started = time.monotonic()
    try:
        servers.start()
        print(
            f"\nready in {time.monotonic() - started:.0f} s\n"
            f"  website      http://localhost:{config.web_port}/\n"
            f"  Rasa (REST)  http://localhost:{config.rasa_port}/webhooks/rest/webhook\n"
            f"  actions      http://localhost:{config.action_port}/health\n"
            "Ctrl-C stops everything.",
            flush=True,
        )
        servers.wait()
        print("a server stopped unexpectedly; stopping the others", file=sys.stderr)
        return 1
    except ServerError as error:
        print(f"cannot serve the bot: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nstopping...", flush=True)
        return 0
    finally:
        servers.stop()


if __name__ == "__main__":
    raise SystemExit(main())
