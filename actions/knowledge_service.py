"""The knowledge base as the action server serves it: pages, index and embedder.

One :class:`KnowledgeService` per process, built lazily by
:func:`actions.runtime.service` (never at import). It holds an immutable
:class:`Snapshot` of pages and index; a reload builds a new snapshot and swaps
it in one assignment. Each turn answers from one :class:`KnowledgeView` of one
snapshot, so a request in flight never mixes old and new pages.

Live reload: :meth:`KnowledgeService.watch` polls the pages folder; added,
changed and removed pages are re-indexed (only the changed ones are parsed,
embedded and written: the service keeps a :class:`knowledge.loader.PageCache`
of parsed pages) and swapped in. An invalid page leaves the last good snapshot
serving and logs every problem with its file and line.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from actions.question_vectors import QuestionVectors, SpareCpu
from knowledge.embedder import Embedder, Vectors
from knowledge.index import Hit, PassageIndex, build_index
from knowledge.loader import KnowledgeBase, PageCache, load_knowledge, page_names
from knowledge.model import KnowledgeError, Passage

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Snapshot:
    """Pages and their index, consistent with each other."""

    kb: KnowledgeBase
    index: PassageIndex


class KnowledgeService:
    """Implements :class:`actions.answering.Retriever` over the current snapshot."""

    def __init__(
        self,
        pages_dir: Path,
        index_dir: Path,
        embedder: Embedder,
        hint_spare_cores: float = 0.5,
    ) -> None:
        self._pages_dir = pages_dir
        self._index_dir = index_dir
        self._embedder = embedder
        #: Questions' vectors, hinted ahead by the Rasa server or embedded on demand.
        spare = SpareCpu(min_idle_cores=hint_spare_cores) if hint_spare_cores > 0 else None
        self.questions = QuestionVectors(embedder, spare_cpu=spare)
        self._pages = PageCache()
        self._lock = threading.Lock()
        # Taken before reading the pages: a change made while they load is seen next time.
        self._seen = self.fingerprint()
        self._snapshot = self._build(None)

    @property
    def snapshot(self) -> Snapshot:
        """The pages and index in use now."""
        return self._snapshot

    def _build(self, previous: PassageIndex | None) -> Snapshot:
        started = time.perf_counter()
        parsed_before = self._pages.parsed
        kb = load_knowledge(self._pages_dir, self._pages)
        parse_seconds = time.perf_counter() - started
        index, stats = build_index(kb, self._embedder, self._index_dir, previous=previous)
        logger.info(
            "knowledge base: %d pages (%d parsed in %.2f s), %d passages (%d pages embedded, index %s, in %.2f s)",
            stats.pages,
            self._pages.parsed - parsed_before,
            parse_seconds,
            stats.passages,
            stats.pages_embedded,
            stats.written,
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
            self._snapshot = self._build(self._snapshot.index)
            return self._snapshot

    def view(self) -> KnowledgeView:
        """The current snapshot, for one turn."""
        return KnowledgeView(self._snapshot, self.questions)

    def fingerprint(self) -> tuple[tuple[str, int, int], ...]:
        """What the pages folder holds now: names, sizes and modification times."""
        try:
            names = page_names(self._pages_dir)
        except OSError:
            return ()
        folder = os.fspath(self._pages_dir)
        result = []
        for name in names:
            try:
                stat = os.stat(os.path.join(folder, name))
            except OSError:
                continue  # removed while listing
            result.append((name, stat.st_size, stat.st_mtime_ns))
        return tuple(result)

    def watch(self, interval: float, stop: threading.Event) -> None:
        """Reload whenever the pages change, until ``stop`` is set (run in a thread)."""
        while not stop.wait(interval):
            current = self.fingerprint()
            if current == self._seen:
                continue
            self._seen = current
            try:
                self.reload()
            except KnowledgeError as exc:
                logger.error("knowledge base not reloaded; the last good pages stay in use:\n%s", exc)
            except Exception:  # keep serving whatever went wrong
                logger.exception("knowledge base reload failed; the last good pages stay in use")

    # Retriever methods over the current snapshot (for tools; turns use view()).
    def remember(self, vectors: Mapping[str, Vectors]) -> None:
        """Nothing to keep between calls here: each call takes a new view (turns use view())."""

    def procedures(self) -> Sequence[tuple[str, str]]:
        """Every procedure's code and short name, sorted by name."""
        return self.view().procedures()

    def procedure_name(self, cpt: str) -> str | None:
        """The short name of a code's page."""
        return self.view().procedure_name(cpt)

    def section(self, cpt: str, section: str) -> tuple[Passage, ...]:
        """A section's passages in page order."""
        return self.view().section(cpt, section)

    def rank(self, question: str, cpt: str, section: str) -> list[Hit]:
        """Rank a section's passages against the question."""
        return self.view().rank(question, cpt, section)

    def similar_name(self, cpt: str, code: str) -> str | None:
        """The name a page's Similar Codes gives a code."""
        return self.view().similar_name(cpt, code)


class KnowledgeView:
    """Implements :class:`actions.answering.Retriever` over one snapshot."""

    def __init__(self, snapshot: Snapshot, questions: QuestionVectors) -> None:
        self._snapshot = snapshot
        self._questions = questions
        self._vectors: dict[str, Vectors] = {}  # one turn's questions, embedded once

    def _vector(self, question: str) -> Vectors:
        """The question's embedding: the hinted one, else computed; kept for the rest of the turn."""
        if question not in self._vectors:
            self._vectors[question] = self._questions.vector(question)
        return self._vectors[question]

    def remember(self, vectors: Mapping[str, Vectors]) -> None:
        """Questions this turn has embedded already (the reader's stock vectors), used instead of embedding again."""
        self._vectors.update(vectors)

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
        index = self._snapshot.index
        query = self._vector(question)
        return index.search(query, procedure=cpt, section=section, top_k=len(index.section(cpt, section)))

    def similar_name(self, cpt: str, code: str) -> str | None:
        """The name a page's Similar Codes gives a code."""
        page = self._snapshot.kb.get(cpt)
        return next((s.name for s in page.similar_codes if s.cpt == code), None) if page else None
