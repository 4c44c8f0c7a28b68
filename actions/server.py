"""Start the action server: warm up the knowledge service, then serve rasa-sdk's app.

``python -m actions.server``. ``GET /health`` answers only once the pages,
the index and the model are loaded, because serving starts after the warm-up.
"""

from __future__ import annotations

import argparse
import logging
import os

from common.settings import settings


def main(argv: list[str] | None = None) -> int:
    """Warm up and serve until stopped."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    config = settings()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=config.action_port)
    parser.add_argument("--host", default=config.bind_host)
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=os.environ.get("LOG_LEVEL", "INFO"), format="%(asctime)s %(name)s %(levelname)s %(message)s"
    )

    from rasa_sdk.endpoint import create_app
    from rasa_sdk.executor import ActionExecutor

    from actions.runtime import listen_for_hints, start_watching, warm_up

    warm_up()
    start_watching()
    if config.question_hints:
        listen_for_hints(args.host, args.port)
    executor = ActionExecutor()
    executor.register_package("actions")
    app = create_app(executor, cors_origins=[])
    logging.getLogger(__name__).info("action server ready on %s:%d", args.host, args.port)
    app.run(host=args.host, port=args.port, single_process=True, access_log=False, motd=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
