"""The Rasa server's entry point: ``python -m bot.server run|shell [rasa's options]``.

It checks that the installed rasa is the release :mod:`bot.rasa_patches` was
written for (exit code 2 with a message if not), installs the patches once,
and hands the rest of the command line to Rasa's own command-line interface.
``make run`` (:mod:`serving.processes`) and ``make shell`` start Rasa this
way; training and ``rasa data validate`` need no patches and call ``rasa``.

For ``shell`` the staff member's screen shows the prompt and the bot's
replies only: Python's deprecation warnings from Rasa's dependencies are
silenced, and Rasa logs warnings and errors only.
"""

from __future__ import annotations

import os
import sys
import warnings
from typing import List

#: Rasa commands this entry point serves (the others need no patches: call ``rasa``).
COMMANDS = ("run", "shell")


def quiet_warnings() -> None:
    """Silence Python's warnings in this process and in those it starts (staff see replies only)."""
    os.environ["PYTHONWARNINGS"] = "ignore"
    warnings.simplefilter("ignore")


def main(argv: List[str] | None = None) -> int:
    """Check the version, install the patches, and run Rasa's command line."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] not in COMMANDS:
        print(f"usage: python -m bot.server {{{','.join(COMMANDS)}}} [rasa's options]", file=sys.stderr)
        return 2
    if args[0] == "shell":
        quiet_warnings()
        if not {"-v", "-vv", "--verbose", "--debug", "--quiet"} & set(args):
            args.append("--quiet")
    from bot import rasa_patches

    try:
        rasa_patches.check_version()
    except rasa_patches.UnsupportedRasaVersionError as error:
        print(f"cannot start the Rasa server: {error}", file=sys.stderr)
        return 2
    rasa_patches.install(purge=args[0] == "run")  # a staff shell does not purge
    if args[0] == "shell":
        from common.settings import settings

        # The reasons line under each reply reads the tracker over the shell server's HTTP API.
        token = settings().bot_api_token
        if "--auth-token" not in args:
            args += ["--enable-api", "--auth-token", token]
        rasa_patches.install_shell_reasons(token)
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa", *args]
    try:
        rasa_main()
    except KeyboardInterrupt:
        return 0
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
