"""The knowledge base as the action server serves it: pages, index and embedder.

One :class:`KnowledgeService` per process, built lazily by
:func:`actions.runtime.service` (never at import). It holds an immutable
:class:`Snapshot` of pages and index; a reload builds a new snapshot and swaps
it in one assignment, so a request in flight keeps the snapshot it started with.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from knowledge.embedder import Embedder
from knowledge.index import Hit, PassageIndex, build_index
from knowledge.loader import KnowledgeBase, load_knowledge
from knowledge.model import Passage

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Snapshot:
    """Pages and their index, consistent with each other."""

    kb: KnowledgeBase
    index: PassageIndex


class KnowledgeService:
    """Implements :class:`actions.answering.Retriever` over the current snapshot."""

    def __init__(self, pages_dir: Path, index_dir: Path, embedder: Embedder) -> None:
        self._pages_dir = pages_dir
        self._index_dir = index_dir
        self._embedder = embedder
        self._lock = threading.Lock()
        self._snapshot = self._build()

    @property
    def snapshot(self) -> Snapshot:
        """The pages and index in use now."""
        return self._snapshot

    def _build(self) -> Snapshot:
        kb = load_knowledge(self._pages_dir)
        index, stats = build_index(kb, self._embedder, self._index_dir)
        logger.info(
            "knowledge base: %d pages, %d passages (%d pages embedded in %.2f s)",
            stats.pages,
            stats.passages,
            stats.pages_embedded,
            stats.seconds,
        )
        return Snapshot(kb, index)

    def reload(self) -> Snapshot:
        """Re-read the pages and bring the index up to date; swap it in when it is good.

        Raises:
            knowledge.model.KnowledgeError: when a page is invalid; the last good
                snapshot stays in use.
        """
        with self._lock:
            self._snapshot = self._build()
            return self._snapshot

    def procedures(self) -> Sequence[tuple[str, str]]:
        """Every procedure's code and short name, sorted by name."""
        return sorted(((p.cpt, p.short_name) for p in self._snapshot.kb), key=lambda item: item[1].lower())

    def procedure_name(self, cpt: str) -> str | None:
        """The short name of a code's page."""
        page = self._snapshot.kb.get(cpt)
        return page.short_name if page else None

    def section(self, cpt: str, section: str) -> tuple[Passage, ...]:
        """A section's passages in page order."""
        return self._snapshot.index.section(cpt, section)

    def rank(self, question: str, cpt: str, section: str) -> list[Hit]:
        """Rank a section's passages against the question (embedded once)."""
        snapshot = self._snapshot
        query = self._embedder.encode([question])
        return snapshot.index.search(
            query, procedure=cpt, section=section, top_k=len(snapshot.index.section(cpt, section))
        )
