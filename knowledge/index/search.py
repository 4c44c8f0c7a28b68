"""Search in memory: every passage's embedding, grouped by procedure and section.

Nothing here touches the disk: :mod:`knowledge.index.build` hands this module
the rows it read from (or wrote to) :mod:`knowledge.index.storage`, one block
per page.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from itertools import chain

import numpy as np

from knowledge.embedder import Vectors
from knowledge.index.storage import IndexUnavailableError
from knowledge.model import Passage, ProcedurePage


@dataclass(frozen=True)
class Hit:
    """A passage that matches a question, with its similarity score."""

    procedure: str
    section: str
    passage: Passage
    score: float


@dataclass(frozen=True)
class PageVectors:
    """One page's passages (by section, in page order) with one embedding row per passage.

    ``profile`` is the page's profile row (its names, descriptor and summary: see
    :func:`knowledge.index.build.profile_text`), stored after the passages' rows;
    empty for an index written before profiles existed.
    """

    cpt: str
    content_hash: str
    sections: Mapping[str, tuple[Passage, ...]]
    embeddings: Vectors
    profile: Vectors = field(default_factory=lambda: np.zeros((0, 1), dtype=np.float32))

    @classmethod
    def of(cls, page: ProcedurePage, rows: Vectors, profile: bool = False) -> PageVectors:
        """A page's block; ``rows`` has one row per passage, in page order, then (``profile``) the profile row."""
        embeddings, profile_rows = (rows[:-1], rows[-1:]) if profile and len(rows) else (rows, rows[:0])
        if sum(map(len, page.sections.values())) != len(embeddings) or (profile and len(profile_rows) != 1):
            raise IndexUnavailableError(f"{page.cpt}: {len(page.passages)} passages but {len(rows)} embeddings")
        return cls(page.cpt, page.content_hash, page.sections, embeddings, profile_rows)

    @property
    def stored_rows(self) -> Vectors:
        """Every stored row of the page: the passages', then the profile's."""
        return np.concatenate([self.embeddings, self.profile]) if len(self.profile) else self.embeddings

    @property
    def passages(self) -> tuple[Passage, ...]:
        """Every passage of the page, in page order."""
        return tuple(chain.from_iterable(self.sections.values()))

    def rows(self, section: str) -> tuple[int, int]:
        """The rows of one section (an empty range when the page has no such section)."""
        start = 0
        for key, passages in self.sections.items():
            if key == section:
                return start, start + len(passages)
            start += len(passages)
        return 0, 0


class PassageIndex:
    """Passages with their embeddings, grouped by procedure and section.

    Built from one block per page, so that a snapshot after a one-page change
    shares every other page's block; the whole-corpus matrix is only put
    together when a search needs it.
    """

    def __init__(self, pages: Sequence[PageVectors], model_id: str) -> None:
        self.pages = tuple(pages)
        self.model_id = model_id
        self._by_procedure = {block.cpt: block for block in self.pages}
        self._size = sum(len(block.embeddings) for block in self.pages)

    def __len__(self) -> int:
        return self._size

    def block(self, procedure: str) -> PageVectors | None:
        """The block of one procedure's page."""
        return self._by_procedure.get(procedure)

    @cached_property
    def passages(self) -> tuple[Passage, ...]:
        """Every passage, page after page."""
        return tuple(chain.from_iterable(block.passages for block in self.pages))

    @cached_property
    def embeddings(self) -> Vectors:
        """Every passage's embedding, in the order of :attr:`passages` (built on first use)."""
        blocks = [block.embeddings for block in self.pages if len(block.embeddings)]
        if not blocks:
            return np.zeros((0, 1), dtype=np.float32)
        return np.ascontiguousarray(np.concatenate(blocks), dtype=np.float32)

    @cached_property
    def profiles(self) -> tuple[tuple[str, ...], Vectors]:
        """The pages that have a profile row, and those rows as one matrix (built on first use)."""
        blocks = [block for block in self.pages if len(block.profile)]
        if not blocks:
            return (), np.zeros((0, 1), dtype=np.float32)
        matrix = np.ascontiguousarray(np.concatenate([block.profile for block in blocks]), dtype=np.float32)
        return tuple(block.cpt for block in blocks), matrix

    def match_pages(self, query: Vectors, top_k: int = 3) -> list[tuple[str, float]]:
        """The pages whose profiles are most similar to an embedded question, best first: (code, score)."""
        codes, matrix = self.profiles
        if not codes:
            return []
        scores = matrix @ np.asarray(query, dtype=np.float32).reshape(-1)
        order = np.argsort(-scores, kind="stable")[:top_k]
        return [(codes[i], float(scores[i])) for i in (int(j) for j in order)]

    def section(self, procedure: str, section: str) -> tuple[Passage, ...]:
        """Every passage of one section, in page order."""
        block = self._by_procedure.get(procedure)
        return block.sections.get(section, ()) if block is not None else ()

    def search(
        self,
        query: Vectors,
        *,
        procedure: str | None = None,
        section: str | None = None,
        top_k: int = 5,
    ) -> list[Hit]:
        """The passages most similar to an embedded question, best first.

        Args:
            query: the question's embedding (one normalised row).
            procedure: only this procedure's passages, when given.
            section: only this section's passages (needs ``procedure``).
            top_k: how many hits at most.
        """
        if procedure is not None:
            block = self._by_procedure.get(procedure)
            if block is None:
                return []
            if section is not None:
                start, end = block.rows(section)
                passages: Sequence[Passage] = block.sections.get(section, ())
                matrix = block.embeddings[start:end]
            else:
                passages, matrix = block.passages, block.embeddings
        else:
            passages, matrix = self.passages, self.embeddings
        if not len(passages):
            return []
        # A dot product of normalised vectors is their cosine similarity: the same scores
        # and order as sentence-transformers' util.semantic_search with dot_score (a test
        # checks it), without loading PyTorch into the action server: importing it for this
        # search added about 400 MB to the process (peak RSS 47 -> 445 MB, measured).
        scores = np.asarray(matrix, dtype=np.float32) @ np.asarray(query, dtype=np.float32).reshape(-1)
        order = np.argsort(-scores, kind="stable")[:top_k]
        return [
            Hit(passages[i].procedure, passages[i].section, passages[i], float(scores[i]))
            for i in (int(j) for j in order)
        ]
