"""The bot's own texts (everything that is not a page's passage) read at US grade 8 or below."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import textstat
import yaml

from common.settings import Settings

DOMAIN = Path(__file__).resolve().parent.parent.parent / "domain.yml"
#: Responses that only frame a page's passages ("{answer}") are checked without them.
FILL = {
    **Settings().response_values(),
    "procedure_name": "colonoscopy",
    "section_title": "How long it takes",
    "topic": "how long it takes",
    "answer": "",
    "appointment_time": "Monday, May 4 at 9:30 am",
    "appointment_procedure": "colonoscopy",
}


def own_texts() -> list[tuple[str, str]]:
    responses = yaml.safe_load(DOMAIN.read_text(encoding="utf-8"))["responses"]
    texts = []
    for name, variants in responses.items():
        for variant in variants:
            text = re.sub(r"\{(\w+)\}", lambda m: FILL.get(m.group(1), "the clinic"), variant.get("text", ""))
            if text.strip():
                texts.append((name, text))
    return texts


@pytest.mark.parametrize(("name", "text"), own_texts())
def test_grade_8_or_below(name: str, text: str) -> None:
    grade = textstat.flesch_kincaid_grade(text)
    assert grade <= 8, f"{name}: grade {grade}: {text}"


def test_every_response_is_checked() -> None:
    assert len(own_texts()) >= 25
