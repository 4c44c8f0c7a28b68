"""Which section a question asks about, with the knowledge base's help.

The intent classifier (Rasa's DIET) decides the section of a short question
well. It is less sure of the question at the end of a long story, and it sees
only one intent in a message that asks two things. :class:`SectionGuesser`
compares one question sentence with the team's own NLU examples of each
question intent (``data/nlu/``: the same words the classifier learnt from),
embedded with the knowledge base's model, and gives every section a score:
the mean of its examples' best few similarities. It needs no training, and a
page change never touches it. The vectors are built once, lazily.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from knowledge.embedder import Embedder, Vectors
from knowledge.intents import INTENT_SECTIONS

logger = logging.getLogger(__name__)

#: Each section's score is the mean of its examples' best this many similarities.
TOP_EXAMPLES = 3
_INTENT_LINE = re.compile(r"^- intent:\s*(\S+)\s*$")
_EXAMPLE_LINE = re.compile(r"^\s+- (.+?)\s*$")
_ANNOTATION = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")


@dataclass(frozen=True)
class SectionScore:
    """How much a question looks like the questions one section answers."""

    section: str
    score: float


def read_examples(files: Iterable[Path]) -> dict[str, list[str]]:
    """The examples of every question intent in Rasa NLU files (``- intent:`` blocks), entity marks removed."""
    examples: dict[str, list[str]] = {}
    for path in files:
        intent: str | None = None
        for line in path.read_text(encoding="utf-8").splitlines():
            header = _INTENT_LINE.match(line)
            if header:
                intent = header.group(1) if header.group(1) in INTENT_SECTIONS else None
                continue
            if line.startswith("- "):
                intent = None  # a synonym, lookup or regex block
                continue
            example = _EXAMPLE_LINE.match(line)
            if intent and example:
                examples.setdefault(intent, []).append(_ANNOTATION.sub(r"\1", example.group(1)))
    return examples


class SectionGuesser:
    """Scores a question's vector against the examples of every question intent."""

    def __init__(self, embedder: Embedder, examples: dict[str, list[str]]) -> None:
        self._embedder = embedder
        self._examples = examples
        self._lock = threading.Lock()
        self._matrix: Vectors | None = None
        self._sections: list[str] = []

    @classmethod
    def from_folder(cls, embedder: Embedder, nlu_dir: Path) -> SectionGuesser:
        """A guesser over the ``*.yml`` files of an NLU folder."""
        return cls(embedder, read_examples(sorted(nlu_dir.rglob("*.yml"))))

    def warm(self) -> None:
        """Embed the examples now (the action server does it in the background at start)."""
        self._vectors()

    def _vectors(self) -> tuple[Vectors, list[str]]:
        with self._lock:
            if self._matrix is None:
                texts: list[str] = []
                sections: list[str] = []
                for intent, examples in sorted(self._examples.items()):
                    texts += examples
                    sections += [INTENT_SECTIONS[intent]] * len(examples)
                self._matrix = self._embedder.encode(texts) if texts else np.zeros((0, 1), dtype=np.float32)
                self._sections = sections
                logger.info("section examples embedded: %d", len(texts))
            return self._matrix, self._sections

    def scores(self, question: Vectors, only: Sequence[str] = ()) -> list[SectionScore]:
        """Every section's score for a question's vector (one normalised row), best first."""
        matrix, sections = self._vectors()
        if not sections:
            return []
        similarities = matrix @ np.asarray(question, dtype=np.float32).reshape(-1)
        by_section: dict[str, list[float]] = {}
        for section, similarity in zip(sections, similarities.tolist(), strict=True):
            if not only or section in only:
                by_section.setdefault(section, []).append(similarity)
        result = [
            SectionScore(section, float(np.mean(sorted(values, reverse=True)[:TOP_EXAMPLES])))
            for section, values in by_section.items()
        ]
        return sorted(result, key=lambda s: -s.score)
