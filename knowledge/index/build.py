"""Building and loading the index: embed what changed, store it, hand back a searchable index.

The index is rebuilt page by page: a page whose content hash is unchanged keeps
its stored embeddings, so editing one page re-embeds only that page. How the
rows are kept on disk is :mod:`knowledge.index.storage`'s business; searching
them is :mod:`knowledge.index.search`'s.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from knowledge.embedder import Embedder, Vectors
from knowledge.index.search import PageVectors, PassageIndex
from knowledge.index.storage import IndexUnavailableError, Store, WriteKind, open_store, write_store
from knowledge.loader import KnowledgeBase
from knowledge.model import Passage, ProcedurePage
from knowledge.sections import SECTION_TITLES


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


def profile_text(page: ProcedurePage) -> str:
    """The text of a page's profile row: its names, family words and terms, descriptor and summary.

    The semantic fallback (:meth:`PassageIndex.match_pages`) matches a question
    naming no page against these. The model reads about 256 word pieces: the names come first.
    """
    words = [page.name, *page.aliases, *page.shared_aliases, *page.family, *page.terms, *page.narrowers]
    names = ", ".join(dict.fromkeys(words))
    summary = " ".join(p.text for p in page.sections.get("summary", ()))
    return f"{page.short_name}: {names}. {page.descriptor}. {summary}"


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
    store = open_store(folder, embedder.model_id)
    known = store.pages if store is not None else {}
    in_use = previous.block if previous is not None and previous.model_id == embedder.model_id else _no_block
    fresh: dict[str, Vectors] = {}  # rows the stored index lacks, by page
    to_embed = []
    for page in kb:
        stored = known.get(page.cpt, {})
        if stored.get("hash") == page.content_hash and stored.get("profile"):
            continue
        block = in_use(page.cpt)
        if block is not None and block.content_hash == page.content_hash and len(block.profile):
            fresh[page.cpt] = np.array(block.stored_rows)
        else:
            to_embed.append(page)
    for done, page in enumerate(to_embed, start=1):
        # The passages' rows, then the page's profile row (one call: one batch).
        fresh[page.cpt] = embedder.encode([*(passage_text(page, p) for p in page.passages), profile_text(page)])
        if progress:
            progress(done, len(to_embed))
    written: WriteKind = "unchanged"
    if store is None or fresh or set(known) != set(kb.pages) or _differs(store, kb):
        store, written = write_store(kb, fresh, store, folder, embedder.model_id)
    index = PassageIndex([_block(page, store.pages[page.cpt], store) for page in kb], embedder.model_id)
    stats = BuildStats(
        pages=len(kb),
        pages_embedded=len(to_embed),
        passages=len(index),
        passages_embedded=sum(len(page.passages) for page in to_embed),
        seconds=time.perf_counter() - started,
        written=written,
    )
    return index, stats


def _block(page: ProcedurePage, meta: dict[str, object], store: Store) -> PageVectors:
    return PageVectors.of(page, store.rows(meta), profile=bool(meta.get("profile")))


def _no_block(procedure: str) -> PageVectors | None:
    return None


def _differs(store: Store, kb: KnowledgeBase) -> bool:
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
    store = open_store(folder, model_id)
    if store is None:
        raise IndexUnavailableError(f"no usable index in {folder}: run `make index`")
    blocks = []
    for page in kb:
        meta = store.pages.get(page.cpt)
        if meta is None or meta["hash"] != page.content_hash or not meta.get("profile"):
            raise IndexUnavailableError(f"the index in {folder} is stale for {page.source.name}: run `make index`")
        blocks.append(_block(page, meta, store))
    return PassageIndex(blocks, model_id)
