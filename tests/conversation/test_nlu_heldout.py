"""NLU check on the team's own held-out questions (tests/heldout, never used for training).

Each question goes through the running Rasa server's NLU (``/model/parse``):
the recognised section must be one the question accepts and the procedure
must be the labelled one. The figures are written to build/test-logs/ for the
issue notes; `make eval` reports the full evaluation.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import requests

from bot.settings import Settings
from knowledge.intents import INTENT_SECTIONS
from scripts.processes import BotServers

HELDOUT = Path(__file__).resolve().parent.parent / "heldout" / "questions.jsonl"
LOG_DIR = Path(__file__).resolve().parent.parent.parent / "build" / "test-logs"

#: The floor below which the test fails; the measured figures are in the note.
MIN_SECTION_ACCURACY = 0.90
MIN_PROCEDURE_ACCURACY = 0.95


def parse(settings: Settings, text: str) -> dict[str, Any]:
    response = requests.post(
        f"http://127.0.0.1:{settings.rasa_port}/model/parse",
        params={"token": settings.bot_api_token},
        json={"text": text},
        timeout=30,
    )
    response.raise_for_status()
    result: dict[str, Any] = response.json()
    return result


def test_heldout_questions_get_the_right_section_and_procedure(servers: BotServers, bot_settings: Settings) -> None:
    rows = [json.loads(line) for line in HELDOUT.read_text(encoding="utf-8").splitlines() if line.strip()]
    single = [row for row in rows if not row.get("turns")]
    assert len(single) >= 400
    section_ok = procedure_ok = 0
    confusions: Counter[tuple[str, str]] = Counter()
    misses = []
    for row in single:
        result = parse(bot_settings, row["text"])
        intent = result["intent"]["name"]
        section = INTENT_SECTIONS.get(intent, intent)
        codes = [e["value"] for e in result["entities"] if e["entity"] == "procedure"]
        if section in row["sections"]:
            section_ok += 1
        else:
            confusions[(row["sections"][0], section)] += 1
            misses.append({"id": row["id"], "expected": row["sections"], "got": section})
        if codes and codes[-1] == row["procedure"]:
            procedure_ok += 1
        else:
            misses.append({"id": row["id"], "expected_procedure": row["procedure"], "got": codes})
    section_accuracy = section_ok / len(single)
    procedure_accuracy = procedure_ok / len(single)
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    (LOG_DIR / "nlu_heldout.json").write_text(
        json.dumps(
            {
                "questions": len(single),
                "section_accuracy": round(section_accuracy, 4),
                "procedure_accuracy": round(procedure_accuracy, 4),
                "top_confusions": [[*pair, n] for pair, n in confusions.most_common(10)],
                "misses": misses,
            },
            indent=1,
        ),
        encoding="utf-8",
    )
    print(f"held-out NLU: section {section_accuracy:.3f}, procedure {procedure_accuracy:.3f} on {len(single)}")
    assert section_accuracy >= MIN_SECTION_ACCURACY
    assert procedure_accuracy >= MIN_PROCEDURE_ACCURACY
