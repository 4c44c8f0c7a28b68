"""What Rasa's NLU makes of a list of messages: ``python -m bot.parse_texts MODEL IN.jsonl OUT.jsonl``.

Each line of ``IN`` is ``{"id": …, "text": …}``; each line of ``OUT`` is the
same id with the intent and confidence the trained model gives (the whole NLU
pipeline, red flags and privacy patterns included). ``make reader`` runs it on
the corpus's validation writers, so that the decision table's thresholds for
when Rasa and the reader agree are chosen on the same writers as the others.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any, Dict, List


async def parse_all(model: Path, texts: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """The intent and confidence of each text, in order."""
    import logging

    from rasa.core.agent import Agent
    from rasa.utils.log_utils import configure_structlog

    # Rasa's debug log quotes every message: warnings only.
    logging.basicConfig(level=logging.WARNING)
    configure_structlog(logging.WARNING)
    agent = Agent.load(str(model))
    out = []
    for row in texts:
        parsed = await agent.parse_message(str(row["text"]))
        intent = parsed.get("intent") or {}
        out.append({"id": row["id"], "intent": intent.get("name"), "confidence": float(intent.get("confidence") or 0)})
    return out


def main(argv: List[str]) -> int:
    """Parse ``IN`` with ``MODEL`` into ``OUT``."""
    if len(argv) != 3:
        print(__doc__.splitlines()[0], file=sys.stderr)
        return 2
    os.environ.setdefault("QUESTION_HINTS", "false")  # no action server to send hints to
    model, source, target = (Path(a) for a in argv)
    texts = [json.loads(line) for line in source.read_text(encoding="utf-8").splitlines() if line.strip()]
    rows = asyncio.run(parse_all(model, texts))
    target.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
