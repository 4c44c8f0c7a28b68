"""The team's corpus of patient messages (``data/corpus/``) and the team's NLU examples, as labelled rows.

Each writer's messages are one file, ``data/corpus/writers/<writer>.jsonl``;
``data/corpus/splits.json`` names the writers of each split (train,
validation, test, diagnostic), so that no writer is in two splits. The
diagnostic writers are measured by ``make eval`` and may be read, but are never
trained on and choose nothing: harder writing kept apart to show where the
bot is weak (data/corpus/README.md). Rows carry the kind of
message, the procedure (a CPT code or null) and, for a general question, one
to three sections. See ``data/corpus/README.md`` for how it was written.

The NLU examples of ``data/nlu/`` (Rasa's training data) are training rows too:
their intents map onto the same kinds and sections.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from common.paths import NLU_DIR, ROOT
from knowledge.intents import INTENT_SECTIONS

CORPUS_DIR = ROOT / "data" / "corpus"
SPLITS_FILE = CORPUS_DIR / "splits.json"
SPLITS = ("train", "validation", "test", "diagnostic")
#: The splits whose messages are never trained on (a training copy of one of their messages is left out).
HELD_OUT_SPLITS = ("validation", "test", "diagnostic")

#: What a message is, as the corpus labels it (data/corpus/README.md).
KINDS = (
    "general",
    "results",
    "symptoms_after",
    "own_case",
    "cost",
    "scheduling",
    "prescription",
    "human",
    "emergency",
    "privacy",
    "small_talk",
    "out_of_scope",
    "other_language",
)
#: The page sections a general question asks about, plus ``results``: how results are given, in general.
SECTIONS = (*INTENT_SECTIONS.values(), "results")

#: How the team's NLU intents map onto kinds (intents not listed are not reading examples).
INTENT_KINDS = {
    **{intent: "general" for intent in INTENT_SECTIONS},
    "ask_results": "results",
    "ask_personal_advice": "own_case",
    "ask_cost": "cost",
    "ask_scheduling": "scheduling",
    "ask_prescription": "prescription",
    "request_human": "human",
    "emergency": "emergency",
    "greet": "small_talk",
    "goodbye": "small_talk",
    "thank": "small_talk",
    "bot_challenge": "small_talk",
    "out_of_scope": "out_of_scope",
    # A message that only names a procedure ("the echo", "and for my sleep study?") is about a page, not the
    # writer's own case: general, with no section of its own (the conversation's question is asked of it).
    "inform_procedure": "general",
}

_INTENT_LINE = re.compile(r"^- intent:\s*(\S+)\s*$")
_EXAMPLE_LINE = re.compile(r"^\s+- (.+?)\s*$")
_ANNOTATION = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")


@dataclass(frozen=True)
class Row:
    """One labelled message."""

    text: str
    kind: str
    procedure: str | None
    sections: tuple[str, ...]
    writer: str
    style: str = ""
    lang: str = "en"
    row_id: str = ""


def numbered_lines(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """A writer's JSON lines with their line numbers (blank lines skipped)."""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            yield number, json.loads(line)


def read_writer(path: Path) -> list[Row]:
    """One writer's rows (``<writer>.jsonl``), with ids ``<writer>-<line>``."""
    writer = path.stem
    rows = []
    for number, data in numbered_lines(path):
        rows.append(
            Row(
                text=str(data["text"]),
                kind=str(data["kind"]),
                procedure=data.get("procedure"),
                sections=tuple(data.get("sections") or ()),
                writer=writer,
                style=str(data.get("style") or ""),
                lang=str(data.get("lang") or "en"),
                row_id=f"{writer}-{number:04d}",
            )
        )
    return rows


def splits(path: Path = SPLITS_FILE) -> dict[str, tuple[str, ...]]:
    """The writers of each split."""
    data = json.loads(path.read_text(encoding="utf-8"))
    named = {split: tuple(data[split]) for split in SPLITS}
    seen = [w for writers in named.values() for w in writers]
    if len(seen) != len(set(seen)):
        raise ValueError(f"{path}: a writer is in two splits")
    return named


def corpus(split: str, folder: Path = CORPUS_DIR) -> list[Row]:
    """Every row of one split's writers."""
    writers = splits(folder / "splits.json")[split]
    return [row for writer in writers for row in read_writer(folder / "writers" / f"{writer}.jsonl")]


def normal(text: str) -> str:
    """A message as compared for duplicates: lower case, spaces collapsed."""
    return " ".join(text.lower().split())


def training_rows() -> list[Row]:
    """The training writers' rows and the team's NLU examples, less any message a held-out writer also wrote.

    Short messages ("thank you", "how long does it take?") occur in several writers' files; a training copy
    of a validation, test or diagnostic message would flatter their figures.
    """
    held_out = {normal(row.text) for split in HELD_OUT_SPLITS for row in corpus(split)}
    return [row for row in corpus("train") + nlu_rows() if normal(row.text) not in held_out]


def nlu_rows(files: Iterable[Path] | None = None) -> list[Row]:
    """The team's NLU examples (``data/nlu/*.yml``, not generated files) as rows of the ``nlu`` writer."""
    paths = sorted(files if files is not None else NLU_DIR.glob("*.yml"))
    return [row for path in paths for row in _nlu_file(path)]


def _nlu_file(path: Path) -> Iterator[Row]:
    intent: str | None = None
    for line in path.read_text(encoding="utf-8").splitlines():
        header = _INTENT_LINE.match(line)
        if header:
            intent = header.group(1) if header.group(1) in INTENT_KINDS else None
            continue
        if line.startswith("- "):
            intent = None  # a synonym, lookup or regex block
            continue
        example = _EXAMPLE_LINE.match(line)
        if intent and example:
            text = _ANNOTATION.sub(r"\1", example.group(1))
            section = INTENT_SECTIONS.get(intent)
            yield Row(text, INTENT_KINDS[intent], None, (section,) if section else (), "nlu", path.stem)
