"""The action image's entry point: ``python -m serving.container actions|web`` (deploy/actions.Dockerfile).

- ``actions``: the action server (``python -m actions.server``);
- ``web``: the website with the chat widget and the staff console
  (``python -m serving.web``).

Both refuse to start, with exit code 2, while ``BIND_HOST`` is beyond loopback
and a development secret is still set, as ``make run`` does. The files the
servers need were checked when the image was built (``make setup``); the
action server checks the mounted pages itself when it warms up.
"""

from __future__ import annotations

import sys

from common.launch import development_secrets
from common.settings import settings

COMMANDS = ("actions", "web")


def main(argv: list[str] | None = None) -> int:
    """Check the secrets, then serve until stopped."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1 or args[0] not in COMMANDS:
        print(f"usage: python -m serving.container {{{','.join(COMMANDS)}}}", file=sys.stderr)
        return 2
    refused = development_secrets(settings())
    if refused:
        print("refusing to start:", *refused, sep="\n  ", file=sys.stderr)
        return 2
    if args[0] == "actions":
        from actions.server import main as serve_actions

        return serve_actions([])
    from serving.web import main as serve_web

    return serve_web()


if __name__ == "__main__":
    raise SystemExit(main())
