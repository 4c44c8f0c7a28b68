"""Knowledge-base figures for ``make bench``: index build, one-page re-index and search, by size.

Embedding 10,000 pages (about 480,000 passages) with the real CPU model would
take hours, so the figures are taken this way, and labelled so in the report:

- the real model builds the whole index of the smallest set, which also gives
  the model's embedding throughput (passages per second);
- at every size, the index's own work (parsing, hashing, layout, writing) is
  measured with placeholder vectors of the real model's width, and the full
  build time with the real model is *estimated* as that plus passages divided
  by the measured throughput;
- re-indexing after one page changes is measured with the real model at every
  size: the stored index holds the placeholder vectors under the real model's
  id, so only the changed page is embedded, exactly as in production; the
  pages are re-read through the page cache of the first load, as the action
  server's live reload does (every file is listed and stat'ed, only the changed
  one is parsed);
- search runs over the real index layout with questions embedded by the real
  model, in the scope the bot searches (one procedure's section) and over the
  whole corpus.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from actions.runtime import question_embedder
from knowledge.embedder import Embedder, SentenceTransformerEmbedder, Vectors
from knowledge.index import build_index, load_index
from knowledge.loader import PageCache, load_knowledge
from tools.loadgen import latency_stats
from tools.synthetic import FIRST_CODE, write_pages

QUESTIONS = (
    "how long does it take",
    "does it hurt",
    "can i drive home after",
    "what are the risks",
    "how should i prepare",
    "do i need to fast before",
    "who does the test",
    "where is it done",
    "what happens during it",
    "why is it done",
)
SECTIONS = ("duration", "patient_experience", "recovery", "risks_and_complications", "preparation")


class PlaceholderEmbedder:
    """Unit vectors of the real model's width under the real model's id: fills a stored index quickly."""

    def __init__(self, model_id: str, dimensions: int = 384) -> None:
        self.model_id = model_id
        self._dimensions = dimensions
        self._rng = np.random.default_rng(0)

    def encode(self, texts: Sequence[str]) -> Vectors:
        """Random unit vectors, one per text."""
        matrix = self._rng.standard_normal((len(texts), self._dimensions), dtype=np.float32)
        return np.asarray(matrix / np.linalg.norm(matrix, axis=1, keepdims=True), dtype=np.float32)


class Stopwatch:
    """Times a ``with`` block: ``with Stopwatch() as watch: ...; watch.seconds``."""

    seconds = 0.0

    def __enter__(self) -> Stopwatch:
        self._started = time.perf_counter()
        return self

    def __exit__(self, *_: object) -> None:
        self.seconds = time.perf_counter() - self._started


def _change_one_page(folder: Path) -> None:
    page = folder / f"{FIRST_CODE}-synthetic.txt"
    text = page.read_text(encoding="utf-8")
    page.write_text(text.replace("Plan extra time", "Please plan extra time", 1), encoding="utf-8")


def _search_times(index: Any, queries: Vectors, procedures: Sequence[str], rounds: int) -> dict[str, Any]:
    scopes: dict[str, list[float]] = {"bot_scope_procedure_section": [], "procedure": [], "whole_corpus": []}
    for number in range(rounds):
        query = queries[number % len(queries)]
        procedure = procedures[(number * 7919) % len(procedures)]
        section = SECTIONS[number % len(SECTIONS)]
        top_k = max(1, len(index.section(procedure, section)))
        for scope, kwargs in (
            ("bot_scope_procedure_section", {"procedure": procedure, "section": section, "top_k": top_k}),
            ("procedure", {"procedure": procedure, "top_k": 5}),
            ("whole_corpus", {"top_k": 5}),
        ):
            started = time.perf_counter()
            index.search(query, **kwargs)
            scopes[scope].append(time.perf_counter() - started)
    return {scope: latency_stats(values) for scope, values in scopes.items()}


def _one_question_times(embedder: Embedder, rounds: int = 60) -> list[float]:
    """Seconds to embed one question, ``rounds`` times (a number keeps each text new)."""
    seconds = []
    for number in range(rounds):
        with Stopwatch() as watch:
            embedder.encode([f"{QUESTIONS[number % len(QUESTIONS)]} {number}"])
        seconds.append(watch.seconds)
    return seconds


def run(work: Path, sizes: Sequence[int], search_rounds: int, log: Callable[[str], None]) -> dict[str, Any]:
    """Every knowledge-base figure, as a JSON-ready dict."""
    embedder = SentenceTransformerEmbedder(batch_size=64)
    with Stopwatch() as model_load:
        embedder.encode(["warm up"])
    single = _one_question_times(embedder)
    queries = embedder.encode(list(QUESTIONS))
    width = int(queries.shape[1])
    # What the action server embeds a question with (ONNX Runtime, one thread).
    served = question_embedder(1)
    served.encode(["warm up"])
    served_single = _one_question_times(served)
    figures: dict[str, Any] = {
        "model_load_seconds": round(model_load.seconds, 2),
        "question_embedding": latency_stats(single),
        "question_embedding_served": {"embedder": type(served).__name__, **latency_stats(served_single)},
        "sizes": {},
    }
    throughput: float | None = None
    for size in sizes:
        folder = work / f"pages-{size}"
        index_dir = work / f"index-{size}"
        with Stopwatch() as generate:
            write_pages(size, folder)
        pages = PageCache()
        with Stopwatch() as parse:
            kb = load_knowledge(folder, pages)
        entry: dict[str, Any] = {
            "pages": size,
            "generate_seconds": round(generate.seconds, 2),
            "parse_seconds": round(parse.seconds, 2),
        }
        if throughput is None:
            log(f"  {size} pages: full build with the real model")
            with Stopwatch() as build:
                _, stats = build_index(kb, embedder, index_dir)
            throughput = stats.passages_embedded / build.seconds
            entry["build"] = {"method": "measured, real model", "seconds": round(build.seconds, 2)}
        else:
            log(f"  {size} pages: index layout with placeholder vectors")
            with Stopwatch() as build:
                _, stats = build_index(kb, PlaceholderEmbedder(embedder.model_id, width), index_dir)
            entry["build"] = {
                "method": "estimated: measured index work with placeholder vectors + passages / measured throughput",
                "index_work_seconds": round(build.seconds, 2),
                "seconds": round(build.seconds + stats.passages / throughput, 1),
            }
        entry["passages"] = stats.passages
        entry["embeddings_mb"] = round(stats.passages * width * 4 / 1e6, 1)
        log(f"  {size} pages: re-index after one page changed (real model)")
        _change_one_page(folder)
        parsed_before = pages.parsed
        with Stopwatch() as reparse:
            kb = load_knowledge(folder, pages)
        with Stopwatch() as rebuild:
            _, restats = build_index(kb, embedder, index_dir)
        entry["reindex_one_page"] = {
            "pages_parsed": pages.parsed - parsed_before,
            "pages_embedded": restats.pages_embedded,
            "parse_seconds": round(reparse.seconds, 2),
            "index_seconds": round(rebuild.seconds, 2),
            "seconds": round(reparse.seconds + rebuild.seconds, 2),
        }
        with Stopwatch() as load:
            index = load_index(kb, index_dir, embedder.model_id)
        entry["load_index_seconds"] = round(load.seconds, 2)
        log(f"  {size} pages: search")
        entry["search"] = _search_times(index, queries, [page.cpt for page in kb], search_rounds)
        figures["sizes"][str(size)] = entry
        del index, kb
    figures["embedding_throughput_passages_per_s"] = round(throughput or 0.0, 1)
    return figures
