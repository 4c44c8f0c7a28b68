"""Preflight: a damaged index stops the start with a message naming the file."""

from __future__ import annotations

from pathlib import Path

from common.settings import Settings
from knowledge.index import build_index
from knowledge.loader import load_knowledge
from serving.preflight import check_index, problems
from tests.conftest import SEED
from tests.support.fakes import HashingEmbedder


def _index_with_a_delta(pages: Path, index_dir: Path) -> Path:
    """Build an index, change one page and build again: the delta segment it wrote."""
    embedder = HashingEmbedder()
    build_index(load_knowledge(pages), embedder, index_dir)
    seed = pages / SEED.name
    seed.write_text(seed.read_text(encoding="utf-8").replace("30 to 60 minutes", "45 to 75 minutes"), encoding="utf-8")
    build_index(load_knowledge(pages), embedder, index_dir)
    (delta,) = index_dir.glob("delta-*.npy")
    return delta


def test_a_missing_index_is_no_problem(tmp_path: Path) -> None:
    assert check_index(tmp_path / "index") == []  # the action server builds it at start


def test_a_sound_index_is_no_problem(two_pages: Path, tmp_path: Path) -> None:
    _index_with_a_delta(two_pages, tmp_path / "index")
    assert check_index(tmp_path / "index") == []


def test_a_corrupt_delta_stops_the_start(two_pages: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    delta = _index_with_a_delta(two_pages, index_dir)
    delta.write_bytes(delta.read_bytes()[:-100])  # truncated: the header promises more rows

    (problem,) = check_index(index_dir)
    assert problem.startswith(f"{delta}: the index segment is unreadable")
    assert problem.endswith(f": delete {index_dir} and run `make index`")

    config = Settings(knowledge_dir=two_pages, index_dir=index_dir)
    assert problem in problems(config, tmp_path / "model.tar.gz")
