"""The semantic index: every passage embedded once, stored on disk, searched in memory.

The index is rebuilt page by page: a page whose content hash is unchanged keeps
its stored embeddings, so editing one page re-embeds only that page.

Storage (``FORMAT_VERSION`` 2) is a folder of immutable row segments and a
manifest that says which rows of which segment hold each page::

    manifest.json         model, dimensions, segments and their row counts, pages
    embeddings.npy        the base segment: every page, written by a full build
    delta-<id>.npy        the pages embedded since, one segment per incremental build

An incremental build writes a new delta segment (only the changed pages' rows,
synced to disk) and then replaces the manifest atomically; segments no longer
named are deleted by a later build. A crash at any point leaves the old manifest
and every segment it names in place. When dead rows outweigh live ones (or a
build embeds more rows than it keeps) the index is rewritten whole into a
staging folder that replaces the old one, as format 1 was; more than
``MAX_DELTAS`` deltas are merged, the smallest first. A format 1 index (the base segment
only) is read as it is. Segments are memory-mapped: loading reads the manifest,
and a page's vectors are read from the operating system's file cache when searched.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from itertools import chain
from pathlib import Path
from typing import IO, Any, BinaryIO, Literal

import numpy as np

from knowledge.embedder import Embedder, Vectors
from knowledge.loader import KnowledgeBase
from knowledge.model import KnowledgeError, Passage, ProcedurePage
from knowledge.sections import SECTION_TITLES

FORMAT_VERSION = 2
READABLE_FORMATS = frozenset({1, 2})  # format 1 is format 2 with the base segment only
MANIFEST = "manifest.json"
EMBEDDINGS = "embeddings.npy"  # the base segment
DELTA_PREFIX = "delta-"
#: More delta segments than this are merged: the smallest ones, down to half as many.
MAX_DELTAS = 16
#: Unreferenced segments younger than this are left alone: another writer may be about to name them.
SEGMENT_GRACE_SECONDS = 60.0

WriteKind = Literal["unchanged", "incremental", "full"]


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
    written: WriteKind = "unchanged"


def passage_text(page: ProcedurePage, passage: Passage) -> str:
    """The text that is embedded for a passage: procedure and section give it context."""
    return f"{page.short_name}. {SECTION_TITLES.get(passage.section, passage.section)}: {passage.text}"


@dataclass(frozen=True)
class PageVectors:
    """One page's passages (by section, in page order) with one embedding row per passage."""

    cpt: str
    content_hash: str
    sections: Mapping[str, tuple[Passage, ...]]
    embeddings: Vectors

    @classmethod
    def of(cls, page: ProcedurePage, embeddings: Vectors) -> PageVectors:
        """A page's block; ``embeddings`` has one row per passage, in page order."""
        if sum(map(len, page.sections.values())) != len(embeddings):
            raise IndexUnavailableError(f"{page.cpt}: {len(page.passages)} passages but {len(embeddings)} embeddings")
        return cls(page.cpt, page.content_hash, page.sections, embeddings)

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
        if section is not None:
            # The bot's own search: one section, a handful of passages. A dot product of
            # normalised vectors is their cosine similarity; util.semantic_search's tensor
            # set-up costs about 0.3 ms a call at this size (measured in the action server).
            scores = np.asarray(matrix, dtype=np.float32) @ np.asarray(query, dtype=np.float32).reshape(-1)
            order = np.argsort(-scores, kind="stable")[:top_k]
            return [
                Hit(passages[i].procedure, passages[i].section, passages[i], float(scores[i]))
                for i in (int(j) for j in order)
            ]
        from sentence_transformers import util

        results = util.semantic_search(
            np.atleast_2d(query),
            matrix,
            top_k=top_k,
            score_function=util.dot_score,
        )[0]
        hits = []
        for result in results:
            passage = passages[int(result["corpus_id"])]
            if section is None or passage.section == section:
                hits.append(Hit(passage.procedure, passage.section, passage, float(result["score"])))
        return hits


@dataclass
class _Store:
    """A stored index: its manifest and its memory-mapped segments."""

    folder: Path
    model_id: str
    dimensions: int
    segments: dict[str, Vectors]
    pages: dict[str, dict[str, Any]] = field(default_factory=dict)

    def rows(self, meta: Mapping[str, Any]) -> Vectors:
        """The stored rows of one page."""
        if meta["end"] <= meta["start"]:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        return self.segments[meta["segment"]][meta["start"] : meta["end"]]


def build_index(
    kb: KnowledgeBase,
    embedder: Embedder,
    folder: Path,
    progress: Callable[[int, int], None] | None = None,
    previous: PassageIndex | None = None,
) -> tuple[PassageIndex, BuildStats]:
    """Build (or bring up to date) the stored index of a knowledge base.

    Pages whose content hash matches the stored index keep their embeddings;
    only new and changed pages are embedded, and only their rows are written.
    The manifest is replaced atomically, so a reader never sees half an index.

    Args:
        kb: the knowledge base.
        embedder: the model that embeds passages.
        folder: where the index is stored.
        progress: called with (pages done, pages to embed) while embedding.
        previous: the index in use, if any: a page it holds unchanged is stored
            from it rather than embedded again when the stored index lacks it
            (deleted, or rebuilt by another model meanwhile).
    """
    started = time.perf_counter()
    store = _open_store(folder, embedder.model_id)
    known = store.pages if store is not None else {}
    in_use = previous.block if previous is not None and previous.model_id == embedder.model_id else _no_block
    fresh: dict[str, Vectors] = {}  # rows the stored index lacks, by page
    to_embed = []
    for page in kb:
        if known.get(page.cpt, {}).get("hash") == page.content_hash:
            continue
        block = in_use(page.cpt)
        if block is not None and block.content_hash == page.content_hash:
            if len(block.embeddings):
                fresh[page.cpt] = np.array(block.embeddings)
        else:
            to_embed.append(page)
    for done, page in enumerate(to_embed, start=1):
        page_passages = page.passages
        if page_passages:
            fresh[page.cpt] = embedder.encode([passage_text(page, p) for p in page_passages])
        if progress:
            progress(done, len(to_embed))
    written: WriteKind = "unchanged"
    if store is None or set(known) != set(kb.pages) or _differs(store, kb):
        store, written = _write(kb, fresh, store, folder, embedder.model_id)
    index = PassageIndex([PageVectors.of(page, store.rows(store.pages[page.cpt])) for page in kb], embedder.model_id)
    stats = BuildStats(
        pages=len(kb),
        pages_embedded=len(to_embed),
        passages=len(index),
        passages_embedded=sum(len(page.passages) for page in to_embed),
        seconds=time.perf_counter() - started,
        written=written,
    )
    return index, stats


def _no_block(procedure: str) -> PageVectors | None:
    return None


def _differs(store: _Store, kb: KnowledgeBase) -> bool:
    """Whether any page's content or file name differs from the stored manifest's."""
    for page in kb:
        meta = store.pages.get(page.cpt)
        if meta is None or meta["hash"] != page.content_hash or meta.get("file") != page.source.name:
            return True
    return False


def load_index(kb: KnowledgeBase, folder: Path, model_id: str) -> PassageIndex:
    """Load the stored index of a knowledge base without embedding anything.

    Raises:
        IndexUnavailableError: when the index is missing, unreadable, built by another
            model, or does not match the pages (run the build first).
    """
    store = _open_store(folder, model_id)
    if store is None:
        raise IndexUnavailableError(f"no usable index in {folder}: run `make index`")
    blocks = []
    for page in kb:
        meta = store.pages.get(page.cpt)
        if meta is None or meta["hash"] != page.content_hash:
            raise IndexUnavailableError(f"the index in {folder} is stale for {page.source.name}: run `make index`")
        blocks.append(PageVectors.of(page, store.rows(meta)))
    return PassageIndex(blocks, model_id)


def _open_store(folder: Path, model_id: str) -> _Store | None:
    """The stored index, or ``None`` when there is none (or another model or format built it)."""
    manifest_path = folder / MANIFEST
    if not manifest_path.exists():
        return None
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        if manifest.get("format") not in READABLE_FORMATS or manifest.get("model") != model_id:
            return None
        pages: dict[str, dict[str, Any]] = manifest["pages"]
        dimensions = int(manifest["dimensions"])
        expected: dict[str, int | None] = manifest.get("segments", {EMBEDDINGS: None})
        segments: dict[str, Vectors] = {}
        for name, rows in expected.items():
            if os.path.basename(name) != name:
                raise ValueError(f"segment name {name!r}")
            matrix = np.load(folder / name, mmap_mode="r", allow_pickle=False)
            if matrix.ndim != 2 or (rows is not None and matrix.shape[0] != rows) or matrix.dtype != np.float32:
                raise ValueError(f"{name} holds {matrix.dtype} {matrix.shape}, expected float32 ({rows}, {dimensions})")
            if len(matrix) and matrix.shape[1] != dimensions:
                raise ValueError(f"{name} has {matrix.shape[1]} columns, expected {dimensions}")
            segments[name] = np.asarray(matrix)  # a plain view of the map: slicing it is cheaper
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise IndexUnavailableError(
            f"the index in {folder} is unreadable ({exc}): delete it and run `make index`"
        ) from exc
    for meta in pages.values():
        meta.setdefault("segment", EMBEDDINGS)
        segment = segments.get(meta["segment"])
        if segment is None or not 0 <= meta["start"] <= meta["end"] <= len(segment):
            raise IndexUnavailableError(f"the index in {folder} is corrupt: delete it and run `make index`")
    return _Store(folder, model_id, dimensions, segments, pages)


def _write(
    kb: KnowledgeBase, fresh: Mapping[str, Vectors], store: _Store | None, folder: Path, model_id: str
) -> tuple[_Store, WriteKind]:
    """Store the fresh rows: a new delta segment when that is cheap, else the whole index anew."""
    dimensions = _dimensions(fresh.values(), store)
    if store is None:
        return _write_full(kb, fresh, None, folder, model_id, dimensions), "full"
    kept = {
        page.cpt: store.pages[page.cpt]
        for page in kb
        if page.cpt not in fresh and store.pages.get(page.cpt, {}).get("hash") == page.content_hash
    }
    live = sum(meta["end"] - meta["start"] for meta in kept.values())
    stored = sum(len(matrix) for matrix in store.segments.values())
    new = sum(len(rows) for rows in fresh.values())
    if stored - live > live + new or new > live:
        return _write_full(kb, fresh, store, folder, model_id, dimensions), "full"
    return _write_delta(kb, fresh, store, kept, folder), "incremental"


def _dimensions(blocks: Iterable[Vectors], store: _Store | None) -> int:
    for rows in blocks:
        return int(rows.shape[1])
    return store.dimensions if store is not None else 1


def _write_full(
    kb: KnowledgeBase,
    fresh: Mapping[str, Vectors],
    store: _Store | None,
    folder: Path,
    model_id: str,
    dimensions: int,
) -> _Store:
    """Write every page's rows into one base segment of a staging folder that replaces the index."""
    blocks: list[Vectors] = []
    pages: dict[str, dict[str, Any]] = {}
    rows = 0
    for page in kb:
        if page.cpt in fresh:
            block = fresh[page.cpt]
        elif store is not None and store.pages.get(page.cpt, {}).get("hash") == page.content_hash:
            block = store.rows(store.pages[page.cpt])
        else:
            block = np.zeros((0, dimensions), dtype=np.float32)  # a page without passages
        pages[page.cpt] = _page_meta(page, EMBEDDINGS, rows, rows + len(block))
        rows += len(block)
        if len(block):
            blocks.append(block)
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".index-", dir=folder.parent))
    with (staging / EMBEDDINGS).open("wb") as out:
        _write_rows(out, blocks, rows, dimensions)
    _write_manifest(staging, model_id, dimensions, {EMBEDDINGS: rows}, pages)
    retired = folder.with_name(folder.name + ".old")
    if folder.exists():
        shutil.rmtree(retired, ignore_errors=True)
        os.replace(folder, retired)
    os.replace(staging, folder)
    shutil.rmtree(retired, ignore_errors=True)
    base = np.asarray(np.load(folder / EMBEDDINGS, mmap_mode="r", allow_pickle=False))
    return _Store(folder, model_id, dimensions, {EMBEDDINGS: base}, pages)


def _write_delta(
    kb: KnowledgeBase,
    fresh: Mapping[str, Vectors],
    store: _Store,
    kept: dict[str, dict[str, Any]],
    folder: Path,
) -> _Store:
    """Write the fresh rows as a new delta segment, then the manifest that names it; drop dead segments."""
    live: dict[str, int] = {EMBEDDINGS: 0}  # live rows by segment
    for meta in kept.values():
        live[meta["segment"]] = live.get(meta["segment"], 0) + meta["end"] - meta["start"]
    moving = dict(fresh)
    deltas = sorted((name for name in live if name != EMBEDDINGS), key=lambda name: live[name])
    if fresh and len(deltas) + 1 > MAX_DELTAS:
        # Merge the smallest deltas into the new one (size-tiered: big deltas are rarely rewritten).
        merged = set(deltas[: len(deltas) + 1 - MAX_DELTAS // 2])
        for cpt, meta in list(kept.items()):
            if meta["segment"] in merged:
                moving[cpt] = store.rows(meta)
                del kept[cpt]
        live = {name: rows for name, rows in live.items() if name not in merged}
    segments = {name: store.segments[name] for name in live}
    pages: dict[str, dict[str, Any]] = {}
    blocks: list[Vectors] = []
    name = f"{DELTA_PREFIX}{uuid.uuid4().hex}.npy"
    rows = 0
    for page in kb:
        if page.cpt in moving:
            block = moving[page.cpt]
            pages[page.cpt] = _page_meta(page, name, rows, rows + len(block))
            rows += len(block)
            blocks.append(block)
        elif page.cpt in kept:
            meta = kept[page.cpt]
            pages[page.cpt] = meta if meta.get("file") == page.source.name else {**meta, "file": page.source.name}
        else:
            pages[page.cpt] = _page_meta(page, EMBEDDINGS, 0, 0)  # a page without passages
    if blocks:
        staging = folder / f".{name}.tmp"
        with staging.open("wb") as out:
            _write_rows(out, blocks, rows, store.dimensions)
            _flush(out)  # on disk before a manifest names it
        os.replace(staging, folder / name)
        segments[name] = np.asarray(np.load(folder / name, mmap_mode="r", allow_pickle=False))
    _write_manifest(
        folder, store.model_id, store.dimensions, {n: len(m) for n, m in segments.items()}, pages, durable=True
    )
    _remove_unused_segments(folder, set(segments))
    return _Store(folder, store.model_id, store.dimensions, segments, pages)


def _page_meta(page: ProcedurePage, segment: str, start: int, end: int) -> dict[str, Any]:
    return {"hash": page.content_hash, "file": page.source.name, "segment": segment, "start": start, "end": end}


def _write_rows(out: BinaryIO, blocks: Sequence[Vectors], rows: int, dimensions: int) -> None:
    """Write blocks of rows as one ``.npy`` float32 matrix, without stacking them in memory first."""
    header = {"descr": np.lib.format.dtype_to_descr(np.dtype(np.float32)), "fortran_order": False}
    np.lib.format.write_array_header_1_0(out, {**header, "shape": (rows, dimensions)})
    for block in blocks:
        out.write(np.ascontiguousarray(block, dtype=np.float32).tobytes())


def _write_manifest(
    folder: Path,
    model_id: str,
    dimensions: int,
    segments: Mapping[str, int],
    pages: Mapping[str, Any],
    durable: bool = False,
) -> None:
    """Replace the manifest atomically (``durable``: and on disk, with the segments it names, when this returns)."""
    manifest = {
        "format": FORMAT_VERSION,
        "model": model_id,
        "dimensions": dimensions,
        "segments": dict(segments),
        "pages": pages,
    }
    staging = folder / f".{MANIFEST}.{uuid.uuid4().hex}.tmp"
    with staging.open("w", encoding="utf-8") as out:
        out.write(json.dumps(manifest, separators=(",", ":"), sort_keys=True))
        if durable:
            _flush(out)
    os.replace(staging, folder / MANIFEST)
    if durable:
        directory = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(directory)  # the renames
        finally:
            os.close(directory)


def _flush(out: IO[Any]) -> None:
    out.flush()
    os.fsync(out.fileno())


def _remove_unused_segments(folder: Path, used: set[str]) -> None:
    """Delete delta segments (and leftovers of interrupted writes) that no manifest names any more."""
    deadline = time.time() - SEGMENT_GRACE_SECONDS
    for path in folder.iterdir():
        leftover = path.name.startswith(".") and path.name.endswith(".tmp")
        unused = path.name.startswith(DELTA_PREFIX) and path.name not in used
        try:
            if (leftover or unused) and path.stat().st_mtime < deadline:
                path.unlink()
        except OSError:
            pass  # gone already, or not ours to delete: try again next time
