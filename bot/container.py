"""The Rasa image's entry point: ``python -m bot.container run|purge`` (deploy/rasa.Dockerfile).

- ``run``: the Rasa server, started as ``make run`` starts it (the options and
  the variables of ``endpoints.yml`` come from :mod:`common.launch`);
- ``purge``: the retention purge every ``PURGE_INTERVAL_SECONDS``
  (``python -m bot.purge --every``), for the one service of a deployment that
  purges; its Rasa servers run with ``PURGE_INTERVAL_SECONDS=0``.

Both refuse to start, with exit code 2, while ``BIND_HOST`` is beyond loopback
and a development secret is still set, as ``make run`` does.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import List

from common.launch import development_secrets, endpoint_env, rasa_run_options
from common.settings import settings

#: The trained model, where the image keeps it (built from the repository by ``make setup``).
MODEL = Path("models/current.tar.gz")
COMMANDS = ("run", "purge")


def main(argv: List[str] | None = None) -> int:
    """Check the secrets, then serve (``run``) or purge until stopped (``purge``)."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1 or args[0] not in COMMANDS:
        print(f"usage: python -m bot.container {{{','.join(COMMANDS)}}}", file=sys.stderr)
        return 2
    config = settings()
    refused = development_secrets(config)
    if refused:
        print("refusing to start:", *refused, sep="\n  ", file=sys.stderr)
        return 2
    os.environ.update(endpoint_env(config))
    if args[0] == "purge":
        from bot import purge

        if config.purge_interval_seconds <= 0:
            print("PURGE_INTERVAL_SECONDS is 0: no background purge (make purge / bot.purge still purge on demand)")
            return 0
        return purge.main(["--every", str(config.purge_interval_seconds)])
    from bot import server

    return server.main(["run", *rasa_run_options(config, MODEL)])


if __name__ == "__main__":
    raise SystemExit(main())
