"""The semantic index: every passage embedded once, stored on disk, searched in memory.

The index is rebuilt page by page: a page whose content hash is unchanged keeps
its stored embeddings, so editing one page re-embeds only that page.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from knowledge.embedder import Embedder, Vectors
from knowledge.loader import KnowledgeBase
from knowledge.model import KnowledgeError, Passage, ProcedurePage
from knowledge.sections import SECTION_TITLES

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
EMBEDDINGS = "embeddings.npy"


class IndexUnavailableError(KnowledgeError):
    """The stored index is missing or unreadable."""


@dataclass(frozen=True)
class Hit:
    """A passage that matches a question, with its similarity score."""

    procedure: str
    section: str
    passage: Passage
    score: float


@dataclass(frozen=True)
class BuildStats:
    """What a build did."""

    pages: int
    pages_embedded: int
    passages: int
    passages_embedded: int
    seconds: float


def passage_text(page: ProcedurePage, passage: Passage) -> str:
    """The text that is embedded for a passage: procedure and section give it context."""
    return f"{page.short_name}. {SECTION_TITLES.get(passage.section, passage.section)}: {passage.text}"


class PassageIndex:
    """Passages with their embeddings, grouped by procedure and section."""

    def __init__(self, passages: Sequence[Passage], embeddings: Vectors, model_id: str) -> None:
        if len(passages) != len(embeddings):
            raise IndexUnavailableError(f"{len(passages)} passages but {len(embeddings)} embeddings")
        self.passages = tuple(passages)
        self.embeddings = np.ascontiguousarray(embeddings, dtype=np.float32)
        self.model_id = model_id
        self._procedure_rows: dict[str, tuple[int, int]] = {}
        self._section_rows: dict[tuple[str, str], tuple[int, int]] = {}
        for row, passage in enumerate(self.passages):
            _extend(self._procedure_rows, passage.procedure, row)
            _extend(self._section_rows, (passage.procedure, passage.section), row)

    def __len__(self) -> int:
        return len(self.passages)

    def section(self, procedure: str, section: str) -> tuple[Passage, ...]:
        """Every passage of one section, in page order."""
        start, end = self._section_rows.get((procedure, section), (0, 0))
        return self.passages[start:end]

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
        from sentence_transformers import util

        if procedure is not None and section is not None:
            start, end = self._section_rows.get((procedure, section), (0, 0))
        elif procedure is not None:
            start, end = self._procedure_rows.get(procedure, (0, 0))
        else:
            start, end = 0, len(self.passages)
        if end <= start:
            return []
        results = util.semantic_search(
            np.atleast_2d(query),
            self.embeddings[start:end],
            top_k=top_k,
            score_function=util.dot_score,
        )[0]
        hits = []
        for result in results:
            passage = self.passages[start + int(result["corpus_id"])]
            if section is None or passage.section == section:
                hits.append(Hit(passage.procedure, passage.section, passage, float(result["score"])))
        return hits


def _extend(rows: dict[Any, tuple[int, int]], key: Any, row: int) -> None:
    start, _ = rows.get(key, (row, row))
    rows[key] = (start, row + 1)


def build_index(
    kb: KnowledgeBase,
    embedder: Embedder,
    folder: Path,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[PassageIndex, BuildStats]:
    """Build (or bring up to date) the stored index of a knowledge base.

    Pages whose content hash matches the stored index keep their embeddings;
    only new and changed pages are embedded. The new index replaces the old one
    atomically, so a reader never sees half of it.

    Args:
        kb: the knowledge base.
        embedder: the model that embeds passages.
        folder: where the index is stored.
        progress: called with (pages done, pages to embed) while embedding.
    """
    started = time.perf_counter()
    old = _read_stored(folder, embedder.model_id)
    passages: list[Passage] = []
    blocks: list[Vectors] = []
    pages_meta: dict[str, dict[str, Any]] = {}
    to_embed = [page for page in kb if old is None or old[0].get(page.cpt, {}).get("hash") != page.content_hash]
    embedded_passages = 0
    pages_done = 0
    for page in kb:
        page_passages = list(page.passages)
        stored = old[0].get(page.cpt) if old else None
        if stored is not None and stored["hash"] == page.content_hash and old is not None:
            vectors = old[1][stored["start"] : stored["end"]]
        else:
            vectors = (
                embedder.encode([passage_text(page, p) for p in page_passages])
                if page_passages
                else np.zeros((0, old[1].shape[1] if old else 1), dtype=np.float32)
            )
            embedded_passages += len(page_passages)
            pages_done += 1
            if progress:
                progress(pages_done, len(to_embed))
        start = len(passages)
        passages.extend(page_passages)
        blocks.append(vectors)
        pages_meta[page.cpt] = {
            "hash": page.content_hash,
            "file": page.source.name,
            "start": start,
            "end": len(passages),
        }
    blocks = [b for b in blocks if len(b)]
    embeddings = np.vstack(blocks).astype(np.float32) if blocks else np.zeros((0, 1), dtype=np.float32)
    if to_embed or old is None or set(old[0]) != set(pages_meta):
        _write_stored(folder, embedder.model_id, pages_meta, embeddings)
    index = PassageIndex(passages, embeddings, embedder.model_id)
    stats = BuildStats(len(kb), len(to_embed), len(passages), embedded_passages, time.perf_counter() - started)
    return index, stats


def load_index(kb: KnowledgeBase, folder: Path, model_id: str) -> PassageIndex:
    """Load the stored index of a knowledge base without embedding anything.

    Raises:
        IndexUnavailableError: when the index is missing, unreadable, built by another
            model, or does not match the pages (run the build first).
    """
    stored = _read_stored(folder, model_id)
    if stored is None:
        raise IndexUnavailableError(f"no usable index in {folder}: run `make index`")
    pages_meta, embeddings = stored
    passages: list[Passage] = []
    rows: list[Vectors] = []
    for page in kb:
        meta = pages_meta.get(page.cpt)
        if meta is None or meta["hash"] != page.content_hash:
            raise IndexUnavailableError(f"the index in {folder} is stale for {page.source.name}: run `make index`")
        passages.extend(page.passages)
        rows.append(embeddings[meta["start"] : meta["end"]])
    rows = [r for r in rows if len(r)]
    matrix = np.vstack(rows) if rows else np.zeros((0, 1), dtype=np.float32)
    return PassageIndex(passages, matrix, model_id)


def _read_stored(folder: Path, model_id: str) -> tuple[dict[str, dict[str, Any]], Vectors] | None:
    manifest_path = folder / MANIFEST
    if not manifest_path.exists():
        return None
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        if manifest.get("format") != FORMAT_VERSION or manifest.get("model") != model_id:
            return None
        embeddings = np.load(folder / EMBEDDINGS, allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise IndexUnavailableError(
            f"the index in {folder} is unreadable ({exc}): delete it and run `make index`"
        ) from exc
    pages: dict[str, dict[str, Any]] = manifest["pages"]
    if any(meta["end"] > len(embeddings) for meta in pages.values()):
        raise IndexUnavailableError(f"the index in {folder} is corrupt: delete it and run `make index`")
    return pages, embeddings


def _write_stored(folder: Path, model_id: str, pages: dict[str, dict[str, Any]], embeddings: Vectors) -> None:
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".index-", dir=folder.parent))
    np.save(staging / EMBEDDINGS, embeddings, allow_pickle=False)
    manifest = {"format": FORMAT_VERSION, "model": model_id, "dimensions": int(embeddings.shape[1]), "pages": pages}
    (staging / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True), encoding="utf-8")
    retired = folder.with_name(folder.name + ".old")
    if folder.exists():
        shutil.rmtree(retired, ignore_errors=True)
        os.replace(folder, retired)
    os.replace(staging, folder)
    shutil.rmtree(retired, ignore_errors=True)
