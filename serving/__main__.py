"""Serve the bot: ``python -m serving`` starts the action server, the Rasa server and the website.

Used by ``make run`` (and by the tests and the benchmark, through
:mod:`serving.processes`). A missing or corrupt model, knowledge page or index
stops it before anything starts (:mod:`serving.preflight`), with exit code 2
and a message naming the file.

Ctrl-C or SIGTERM stops the servers in order (the website, then the Rasa
server, then the action server), quietly, with exit code 0. The servers run in
process groups of their own, so a Ctrl-C reaches only this process; in a
terminal this process also takes the terminal's foreground, so that ``make``
(which would otherwise report the interrupt as its own failure) is not
interrupted either. SIGTERM to ``make run``'s process group reaches this
process through make, which passes it on.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

from common.settings import settings
from serving.preflight import problems
from serving.processes import BotServers, ServerError


@contextlib.contextmanager
def terminal_foreground() -> Iterator[None]:
    """Make this process the terminal's foreground group while serving (when there is a terminal)."""
    try:
        terminal = os.open("/dev/tty", os.O_RDWR)
    except OSError:
        yield  # no terminal (a service manager, CI, a test): nothing to take
        return
    try:
        previous = os.tcgetpgrp(terminal)
        if previous != os.getpgrp():
            yield  # started in the background: leave the terminal alone
            return
        os.setpgid(0, 0)
        with _ignoring(signal.SIGTTOU):
            os.tcsetpgrp(terminal, os.getpgrp())
        try:
            yield
        finally:
            with _ignoring(signal.SIGTTOU), contextlib.suppress(OSError):
                os.tcsetpgrp(terminal, previous)
    finally:
        os.close(terminal)


@contextlib.contextmanager
def _ignoring(signum: int) -> Iterator[None]:
    old = signal.signal(signum, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signum, old)


def serve(servers: BotServers, stop: threading.Event) -> int:
    """Start the servers, then wait for a stop request (0) or a server's unexpected exit (1)."""
    config = servers.config
    started = time.monotonic()
    try:
        servers.start(stop=stop)
    except ServerError as error:
        if stop.is_set():
            return 0
        print(f"cannot serve the bot: {error}", file=sys.stderr)
        return 1
    if stop.is_set():
        return 0
    print(
        f"\nready in {time.monotonic() - started:.0f} s\n"
        f"  website      http://localhost:{config.web_port}/\n"
        f"  Rasa (REST)  http://localhost:{config.rasa_port}/webhooks/rest/webhook\n"
        f"  actions      http://localhost:{config.action_port}/health\n"
        "Ctrl-C stops everything.",
        flush=True,
    )
    while not stop.wait(0.5):
        if not servers.all_running():
            print("a server stopped unexpectedly; stopping the others", file=sys.stderr)
            return 1
    return 0


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
    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, request_stop)
    servers = BotServers(args.rasa_venv, args.actions_venv, config, model=args.model, echo=True)
    with terminal_foreground():
        try:
            code = serve(servers, stop)
        finally:
            if stop.is_set():
                print("\nstopping...", flush=True)
            servers.stop()
    if stop.is_set():
        print("stopped", flush=True)
    return code


if __name__ == "__main__":
    raise SystemExit(main())
