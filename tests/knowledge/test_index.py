"""The semantic index: built once, rebuilt only for changed pages, ranked search."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from unittest.mock import ANY

import numpy as np
import pytest

from knowledge.embedder import SentenceTransformerEmbedder
from knowledge.index import EMBEDDINGS, MANIFEST, IndexUnavailableError, build_index, load_index
from knowledge.index import storage as index_module
from knowledge.loader import load_knowledge
from tests.conftest import PAGES, SEED
from tests.support.fakes import HashingEmbedder


def test_index_is_rebuilt_only_for_changed_pages(two_pages: Path, tmp_path: Path) -> None:
    embedder = HashingEmbedder()
    index_dir = tmp_path / "index"
    _, first = build_index(load_knowledge(two_pages), embedder, index_dir)
    assert first.pages_embedded == 2
    assert first.passages_embedded == first.passages > 0

    _, again = build_index(load_knowledge(two_pages), embedder, index_dir)
    assert again.pages_embedded == 0
    assert again.passages_embedded == 0

    seed_copy = two_pages / SEED.name
    seed_copy.write_text(
        seed_copy.read_text(encoding="utf-8").replace("30 to 60 minutes", "45 to 75 minutes"), encoding="utf-8"
    )
    index, changed = build_index(load_knowledge(two_pages), embedder, index_dir)
    assert changed.pages_embedded == 1
    assert changed.passages_embedded == len(load_knowledge(two_pages).pages["78580"].passages)
    assert index.section("78580", "duration")[0].text == "The procedure typically takes about 45 to 75 minutes."


def test_stored_index_loads_without_embedding_and_detects_stale_pages(two_pages: Path, tmp_path: Path) -> None:
    embedder = HashingEmbedder()
    built, _ = build_index(load_knowledge(two_pages), embedder, tmp_path / "index")
    loaded = load_index(load_knowledge(two_pages), tmp_path / "index", embedder.model_id)
    assert len(loaded) == len(built)
    assert np.allclose(loaded.embeddings, built.embeddings)

    (two_pages / SEED.name).write_text(SEED.read_text(encoding="utf-8") + "\nMore text.\n", encoding="utf-8")
    with pytest.raises(IndexUnavailableError, match="stale"):
        load_index(load_knowledge(two_pages), tmp_path / "index", embedder.model_id)


def test_corrupt_index_is_a_clear_error(two_pages: Path, tmp_path: Path) -> None:
    embedder = HashingEmbedder()
    build_index(load_knowledge(two_pages), embedder, tmp_path / "index")
    (tmp_path / "index" / "embeddings.npy").write_bytes(b"not numpy")
    with pytest.raises(IndexUnavailableError, match="unreadable"):
        load_index(load_knowledge(two_pages), tmp_path / "index", embedder.model_id)


def test_search_stays_within_procedure_and_section(two_pages: Path, tmp_path: Path) -> None:
    embedder = HashingEmbedder()
    index, _ = build_index(load_knowledge(two_pages), embedder, tmp_path / "index")
    hits = index.search(embedder.encode(["drink fluids"]), procedure="78580", section="recovery", top_k=10)
    assert {(h.procedure, h.section) for h in hits} == {("78580", "recovery")}
    assert len(hits) == 3
    assert hits[0].passage.text.startswith("Drink plenty of fluids")
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_section_search_ranks_as_sentence_transformers_does(two_pages: Path, tmp_path: Path) -> None:
    from sentence_transformers import util

    embedder = HashingEmbedder()
    index, _ = build_index(load_knowledge(two_pages), embedder, tmp_path / "index")
    for question in ("drink fluids", "can i drive home", "how long", "what are the risks"):
        query = embedder.encode([question])
        for section in ("recovery", "preparation", "risks_and_complications", "duration"):
            passages = index.section("45378", section)
            start, end = index._by_procedure["45378"].rows(section)
            expected = util.semantic_search(
                query, index._by_procedure["45378"].embeddings[start:end], top_k=10, score_function=util.dot_score
            )[0]
            library = {passages[r["corpus_id"]]: r["score"] for r in expected}
            hits = index.search(query, procedure="45378", section=section, top_k=10)
            # The same passages with the same scores, best first (ties may be ordered either way).
            assert {h.passage for h in hits} == set(library)
            assert [h.score for h in hits] == pytest.approx([library[h.passage] for h in hits], abs=1e-6)
            assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_page_and_index_search_rank_as_sentence_transformers_does(two_pages: Path, tmp_path: Path) -> None:
    from sentence_transformers import util

    embedder = HashingEmbedder()
    index, _ = build_index(load_knowledge(two_pages), embedder, tmp_path / "index")
    for question in ("drink fluids", "can i drive home", "how long", "what are the risks"):
        query = embedder.encode([question])
        for procedure in ("45378", None):
            block = index._by_procedure["45378"] if procedure else None
            passages = block.passages if block else index.passages
            matrix = block.embeddings if block else index.embeddings
            expected = util.semantic_search(query, matrix, top_k=5, score_function=util.dot_score)[0]
            hits = index.search(query, procedure=procedure, top_k=5)
            # The library's best scores, best first, each the hit's own passage's score (tied
            # passages may come in either order, as util.semantic_search's own ties do).
            assert [h.score for h in hits] == pytest.approx([r["score"] for r in expected], abs=1e-6)
            own = {passage: float(row @ query.reshape(-1)) for passage, row in zip(passages, matrix, strict=True)}
            assert [h.score for h in hits] == pytest.approx([own[h.passage] for h in hits], abs=1e-6)


def test_real_model_ranks_the_answering_passage_first(tmp_path: Path) -> None:
    kb = load_knowledge(PAGES)
    embedder = SentenceTransformerEmbedder()
    index, _ = build_index(kb, embedder, tmp_path / "index")
    question = embedder.encode(["how long does a lung perfusion scan take?"])
    assert index.search(question, top_k=1)[0].passage.text == "The procedure typically takes about 30 to 60 minutes."
    question = embedder.encode(["can somebody else drive me home after my colonoscopy"])
    best = index.search(question, procedure="45378", section="recovery", top_k=1)[0]
    assert "drive" in best.passage.text.lower()


def _edit(page: Path, old: str, new: str) -> None:
    page.write_text(page.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")


def _age(folder: Path, seconds: float = 3600) -> None:
    """Make every file of a folder look old (past the grace period of unused segments)."""
    for path in folder.iterdir():
        stat = path.stat()
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns - int(seconds * 1e9)))


def test_a_one_page_change_writes_only_that_page(two_pages: Path, tmp_path: Path) -> None:
    embedder = HashingEmbedder()
    index_dir = tmp_path / "index"
    _, first = build_index(load_knowledge(two_pages), embedder, index_dir)
    assert first.written == "full"
    base = (index_dir / EMBEDDINGS).stat()

    _edit(two_pages / SEED.name, "30 to 60 minutes", "45 to 75 minutes")
    kb = load_knowledge(two_pages)
    index, stats = build_index(kb, embedder, index_dir)
    assert stats.written == "incremental"
    after = (index_dir / EMBEDDINGS).stat()
    assert (after.st_ino, after.st_mtime_ns) == (base.st_ino, base.st_mtime_ns)  # the base is not rewritten
    deltas = list(index_dir.glob("delta-*.npy"))
    assert len(deltas) == 1
    assert len(np.load(deltas[0])) == len(kb.pages["78580"].passages) + 1  # and its profile row

    loaded = load_index(kb, index_dir, embedder.model_id)
    assert np.array_equal(loaded.embeddings, index.embeddings)
    fresh, _ = build_index(kb, HashingEmbedder(), tmp_path / "fresh")
    assert np.allclose(index.embeddings, fresh.embeddings)
    assert index.section("78580", "duration")[0].text == "The procedure typically takes about 45 to 75 minutes."


def test_a_crash_while_writing_leaves_the_old_index_usable(
    two_pages: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    embedder = HashingEmbedder()
    index_dir = tmp_path / "index"
    old_kb = load_knowledge(two_pages)
    built, _ = build_index(old_kb, embedder, index_dir)
    _edit(two_pages / SEED.name, "30 to 60 minutes", "45 to 75 minutes")

    def crash(*_: object, **__: object) -> None:
        raise KeyboardInterrupt("killed mid-write")

    for step in ("_write_manifest", "_write_rows"):  # after the new segment is written; while it is written
        with monkeypatch.context() as patch:
            patch.setattr(index_module, step, crash)
            with pytest.raises(KeyboardInterrupt):
                build_index(load_knowledge(two_pages), embedder, index_dir)
        old = load_index(old_kb, index_dir, embedder.model_id)
        assert np.array_equal(old.embeddings, built.embeddings)
        with pytest.raises(IndexUnavailableError, match="stale"):
            load_index(load_knowledge(two_pages), index_dir, embedder.model_id)

    _age(index_dir)
    _, stats = build_index(load_knowledge(two_pages), embedder, index_dir)
    assert stats.written == "incremental"
    assert stats.pages_embedded == 1
    manifest = json.loads((index_dir / MANIFEST).read_text(encoding="utf-8"))
    assert sorted(p.name for p in index_dir.iterdir()) == sorted([MANIFEST, *manifest["segments"]])


def test_removed_page_leaves_the_index(two_pages: Path, tmp_path: Path) -> None:
    embedder = HashingEmbedder()
    index_dir = tmp_path / "index"
    build_index(load_knowledge(two_pages), embedder, index_dir)
    next(two_pages.glob("45378-*.txt")).unlink()
    kb = load_knowledge(two_pages)
    index, stats = build_index(kb, embedder, index_dir)
    assert stats.pages_embedded == 0
    assert index.section("45378", "recovery") == ()
    assert {hit.procedure for hit in index.search(embedder.encode(["drive home"]), top_k=50)} == {"78580"}
    assert set(json.loads((index_dir / MANIFEST).read_text(encoding="utf-8"))["pages"]) == {"78580"}
    assert len(load_index(kb, index_dir, embedder.model_id)) == len(index)


def test_deltas_are_merged_and_dead_rows_compacted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(index_module, "MAX_DELTAS", 2)
    pages = tmp_path / "pages"
    shutil.copytree(PAGES, pages)
    embedder = HashingEmbedder()
    index_dir = tmp_path / "index"
    build_index(load_knowledge(pages), embedder, index_dir)

    def change(page: Path, round_: int) -> tuple[str, list[str]]:
        page.write_text(page.read_text(encoding="utf-8") + f"\nAsk us anything, round {round_}.\n", encoding="utf-8")
        kb = load_knowledge(pages)
        index, stats = build_index(kb, embedder, index_dir)
        fresh, _ = build_index(kb, HashingEmbedder(), tmp_path / f"fresh-{round_}")
        assert np.allclose(index.embeddings, fresh.embeddings)
        assert np.array_equal(load_index(kb, index_dir, embedder.model_id).embeddings, index.embeddings)
        manifest = json.loads((index_dir / MANIFEST).read_text(encoding="utf-8"))
        return stats.written, [name for name in manifest["segments"] if name != EMBEDDINGS]

    files = sorted(pages.glob("*.txt"))
    assert change(files[0], 1) == ("incremental", [ANY])
    assert change(files[1], 2) == ("incremental", [ANY, ANY])
    assert change(files[2], 3) == ("incremental", [ANY])  # a third delta: the smallest ones are merged into it
    for removed in files[4:]:
        removed.unlink()
    kb = load_knowledge(pages)
    index, stats = build_index(kb, embedder, index_dir)  # more dead rows than live ones: rewritten whole
    assert (stats.written, stats.pages_embedded) == ("full", 0)
    assert sorted(p.name for p in index_dir.iterdir()) == [EMBEDDINGS, MANIFEST]
    assert np.allclose(index.embeddings, build_index(kb, HashingEmbedder(), tmp_path / "fresh")[0].embeddings)


def test_a_format_1_index_is_read_and_given_profile_rows(two_pages: Path, tmp_path: Path) -> None:
    embedder = HashingEmbedder()
    kb = load_knowledge(two_pages)
    built, _ = build_index(kb, embedder, tmp_path / "v2")
    legacy = tmp_path / "v1"
    legacy.mkdir()
    pages, start = {}, 0
    for page in kb:
        pages[page.cpt] = {"hash": page.content_hash, "file": page.source.name, "start": start}
        start += len(page.passages)
        pages[page.cpt]["end"] = start
    np.save(legacy / EMBEDDINGS, built.embeddings)
    manifest = {"format": 1, "model": embedder.model_id, "dimensions": 256, "pages": pages}
    (legacy / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")

    # Readable, but without the pages' profile rows: embedded once more to add them.
    with pytest.raises(IndexUnavailableError, match="stale"):
        load_index(kb, legacy, embedder.model_id)
    index, stats = build_index(kb, embedder, legacy)
    assert stats.pages_embedded == 2
    assert np.array_equal(index.embeddings, built.embeddings)
    assert all(len(block.profile) == 1 for block in index.pages)
    assert build_index(kb, embedder, legacy)[1].pages_embedded == 0


def test_another_model_rebuilds_everything(two_pages: Path, tmp_path: Path) -> None:
    class OtherModel(HashingEmbedder):
        model_id = "hashing-256-other"

    kb = load_knowledge(two_pages)
    build_index(kb, HashingEmbedder(), tmp_path / "index")
    _, stats = build_index(kb, OtherModel(), tmp_path / "index")
    assert (stats.pages_embedded, stats.written) == (2, "full")
    with pytest.raises(IndexUnavailableError, match="no usable index"):
        load_index(kb, tmp_path / "index", HashingEmbedder.model_id)


def test_the_index_in_use_restores_a_lost_index_without_embedding(two_pages: Path, tmp_path: Path) -> None:
    kb = load_knowledge(two_pages)
    index, _ = build_index(kb, HashingEmbedder(), tmp_path / "index")
    shutil.rmtree(tmp_path / "index")
    embedder = HashingEmbedder()
    restored, stats = build_index(kb, embedder, tmp_path / "index", previous=index)
    assert (stats.pages_embedded, embedder.calls) == (0, [])
    assert np.array_equal(restored.embeddings, index.embeddings)
    assert np.array_equal(load_index(kb, tmp_path / "index", embedder.model_id).embeddings, index.embeddings)
