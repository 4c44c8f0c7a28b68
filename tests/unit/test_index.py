"""The semantic index: built once, rebuilt only for changed pages, ranked search."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from knowledge.embedder import HashingEmbedder, SentenceTransformerEmbedder
from knowledge.index import IndexUnavailableError, build_index, load_index
from knowledge.loader import load_knowledge
from tests.conftest import PAGES, SEED


@pytest.fixture()
def two_pages(tmp_path: Path) -> Path:
    folder = tmp_path / "pages"
    folder.mkdir()
    shutil.copy(SEED, folder / SEED.name)
    colonoscopy = next(PAGES.glob("45378-*.txt"))
    shutil.copy(colonoscopy, folder / colonoscopy.name)
    return folder


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


def test_real_model_ranks_the_answering_passage_first(tmp_path: Path) -> None:
    kb = load_knowledge(PAGES)
    embedder = SentenceTransformerEmbedder()
    index, _ = build_index(kb, embedder, tmp_path / "index")
    question = embedder.encode(["how long does a lung perfusion scan take?"])
    assert index.search(question, top_k=1)[0].passage.text == "The procedure typically takes about 30 to 60 minutes."
    question = embedder.encode(["can somebody else drive me home after my colonoscopy"])
    best = index.search(question, procedure="45378", section="recovery", top_k=1)[0]
    assert "drive" in best.passage.text.lower()
