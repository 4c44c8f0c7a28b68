"""Follow-ups: a patient's second message read in the light of the first, and the reader's follow-up head.

After "how long does a knee scope take?", "what about a colonoscopy" asks how long a colonoscopy takes. Read
alone, the reader saw a question about other options ("what about") and answered it from the colonoscopy's
alternatives section: a confident wrong answer. Rasa's DIET learned the team's follow-ups
(``data/nlu/procedure_names.yml``), but it was sure of this one only at 0.64, under ``nlu_sure``.

``data/corpus/followups/`` holds pairs written for this by writers who saw only its brief: a first question
(the context, labelled like a corpus row) and the next message, labelled ``follow_up`` when it only moves the
first question to a procedure (its sections are the first question's), else by what it asks, like any message.
The writers are split into train, validation and test (``splits.json``), as the corpus's are.

The **follow-up head** (``follow`` in the reader) learns from the training writers' second messages, the team's
bare procedure names (``follow_up``) and every training row of the corpus (``other``: a message that asks
something of its own). :func:`choose_threshold` picks, on the validation writers, the lowest probability at
which a message after a question is taken as a follow-up: at most 2% of the messages so answered may be wrong (a
new question or a personal one answered with the first question's section), and at most one in 400 of the
corpus's validation messages, each read as if it came second, may be taken so.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from actions.reader import FOLLOW_CLASS, Reading
from tools.corpus import CORPUS_DIR, Row, normal, numbered_lines

FOLLOW_DIR = CORPUS_DIR / "followups"
SPLITS = ("train", "validation", "test")
#: The follow-up head's two classes.
FOLLOW = FOLLOW_CLASS
OTHER = "other"
#: The team's NLU file of bare procedure names ("the echo", "and for my sleep study?"): follow-ups after a question.
NAMES_FILE = "procedure_names"
#: The thresholds tried, and the two limits of the choice (see the module's docstring).
GRID = (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 0.99)
MAX_WRONG = 0.02
MAX_TAKEN_ALONE = 0.0025


@dataclass(frozen=True)
class Pair:
    """A first question (the context) and the message after it, labelled."""

    context: str
    context_procedure: str
    context_sections: tuple[str, ...]
    text: str
    kind: str
    procedure: str | None
    sections: tuple[str, ...]
    writer: str
    style: str = ""
    lang: str = "en"
    pair_id: str = ""

    @property
    def follow(self) -> bool:
        """Whether the second message only moves the first question to a procedure."""
        return self.kind == FOLLOW

    def taken_right(self) -> bool:
        """Whether answering the first question's section of the named page answers this message."""
        if self.follow:
            return True
        same_question = bool(set(self.sections) & set(self.context_sections))
        return self.kind == "general" and self.procedure is not None and same_question


def read_writer(path: Path) -> list[Pair]:
    """One writer's pairs (``<writer>.jsonl``), with ids ``<writer>-<line>``."""
    pairs = []
    for number, data in numbered_lines(path):
        pairs.append(
            Pair(
                context=str(data["context"]),
                context_procedure=str(data["context_procedure"]),
                context_sections=tuple(data["context_sections"]),
                text=str(data["text"]),
                kind=str(data["kind"]),
                procedure=data.get("procedure"),
                sections=tuple(data.get("sections") or ()),
                writer=path.stem,
                style=str(data.get("style") or ""),
                lang=str(data.get("lang") or "en"),
                pair_id=f"{path.stem}-{number:04d}",
            )
        )
    return pairs


def splits(folder: Path = FOLLOW_DIR) -> dict[str, tuple[str, ...]]:
    """The writers of each split; none when the folder has no pairs."""
    path = folder / "splits.json"
    if not path.is_file():
        return {split: () for split in SPLITS}
    data = json.loads(path.read_text(encoding="utf-8"))
    named = {split: tuple(data.get(split, ())) for split in SPLITS}
    seen = [w for writers in named.values() for w in writers]
    if len(seen) != len(set(seen)):
        raise ValueError(f"{path}: a writer is in two splits")
    return named


def pairs(split: str, folder: Path = FOLLOW_DIR) -> list[Pair]:
    """Every pair of one split's writers."""
    return [p for writer in splits(folder)[split] for p in read_writer(folder / "writers" / f"{writer}.jsonl")]


def head_rows(
    training: Sequence[Row], follow_pairs: Sequence[Pair], held_out: Sequence[Pair]
) -> tuple[list[tuple[int, str]], list[tuple[str, str]]]:
    """The follow-up head's training rows: training rows by index, and the pairs' second messages, with labels.

    Every training row is ``other`` (a message with a question of its own) but the team's bare procedure names
    (``follow_up``: after a question, a name alone asks it again); the training writers' second messages are
    ``follow_up`` or ``other``. A text that a validation or test writer also wrote as a second message is left
    out. The training rows come by index, so that their features are the ones the other heads read.
    """
    kept_out = {normal(p.text) for p in held_out}
    rows = [
        (i, FOLLOW if row.writer == "nlu" and row.style == NAMES_FILE else OTHER)
        for i, row in enumerate(training)
        if normal(row.text) not in kept_out
    ]
    seconds = [(p.text, FOLLOW if p.follow else OTHER) for p in follow_pairs if normal(p.text) not in kept_out]
    return rows, seconds


def choose_threshold(
    alone: Sequence[Reading],
    second: Sequence[Reading],
    follow_pairs: Sequence[Pair],
    limits: Mapping[str, float],
    grid: Sequence[float] = GRID,
) -> tuple[float, dict[str, float]]:
    """The lowest threshold within both limits (module docstring), and its figures on the validation writers.

    The decision table is simulated: a message the emergency row takes (``limits["emergency"]``) never reaches
    the follow-up row; a second message taken as a follow-up is answered from a page when it is about one of
    the pages (its label) or the page head is sure of one (``limits["procedure"]``), else the bot asks which
    procedure; an answer is wrong unless the first question's section answers the message.

    Args:
        alone: the readings of the corpus's validation messages (none is a follow-up).
        second: the readings of the validation pairs' second messages.
        follow_pairs: those pairs, in the same order.
        limits: the other thresholds, chosen before this one.
        grid: the thresholds tried.

    Returns:
        The threshold (above 1 when none is within the limits: the head never decides) and its figures.
    """
    urgent = limits.get("emergency", 1.01)
    follows = sum(p.follow for p in follow_pairs)
    for threshold in sorted(grid):
        taken = [
            (p, r) for p, r in zip(follow_pairs, second, strict=True) if r.emergency < urgent and r.follow >= threshold
        ]
        answered = [p for p, r in taken if p.procedure is not None or _sure_page(r, limits)]
        wrong = sum(not p.taken_right() for p in answered)
        taken_alone = sum(r.emergency < urgent and r.follow >= threshold for r in alone)
        wrong_rate = wrong / len(answered) if answered else 0.0
        alone_rate = taken_alone / len(alone) if alone else 0.0
        if wrong_rate <= MAX_WRONG and alone_rate <= MAX_TAKEN_ALONE:
            return float(threshold), {
                "threshold": float(threshold),
                "follow_ups_taken": round(sum(p.follow for p, _ in taken) / follows, 4) if follows else 0.0,
                "wrong_of_answered": round(wrong_rate, 4),
                "answered": len(answered),
                "corpus_taken_alone": round(alone_rate, 4),
                "pairs": len(follow_pairs),
            }
    return 1.01, {"threshold": 1.01, "pairs": len(follow_pairs)}


def _sure_page(reading: Reading, limits: Mapping[str, float]) -> bool:
    code, probability = reading.procedure()
    return code is not None and probability >= limits.get("procedure", 1.01)
