"""The stored index checked before serving: verify() reads every segment the manifest names."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from knowledge.index import EMBEDDINGS, MANIFEST, build_index, storage, verify
from knowledge.loader import load_knowledge
from tests.conftest import SEED
from tests.support.fakes import HashingEmbedder


def _index_with_a_delta(pages: Path, index_dir: Path) -> Path:
    """Build an index, change one page and build again: the delta segment it wrote."""
    embedder = HashingEmbedder()
    build_index(load_knowledge(pages), embedder, index_dir)
    seed = pages / SEED.name
    seed.write_text(seed.read_text(encoding="utf-8").replace("30 to 60 minutes", "45 to 75 minutes"), encoding="utf-8")
    _, stats = build_index(load_knowledge(pages), embedder, index_dir)
    assert stats.written == "incremental"
    (delta,) = index_dir.glob("delta-*.npy")
    return delta


def _manifest(index_dir: Path) -> dict[str, Any]:
    return json.loads((index_dir / MANIFEST).read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def _rewrite_manifest(index_dir: Path, manifest: dict[str, Any]) -> None:
    (index_dir / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")


def test_a_sound_index_has_no_problems(two_pages: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    build_index(load_knowledge(two_pages), HashingEmbedder(), index_dir)
    assert verify(index_dir) == []
    _index_with_a_delta(two_pages, index_dir)
    assert verify(index_dir) == []


def test_a_format_1_index_has_no_problems(two_pages: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    build_index(load_knowledge(two_pages), HashingEmbedder(), index_dir)
    manifest = _manifest(index_dir)
    for meta in manifest["pages"].values():
        del meta["segment"]
    del manifest["segments"]
    _rewrite_manifest(index_dir, {**manifest, "format": 1})
    assert verify(index_dir) == []


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda data: data[: len(data) // 2], id="truncated"),
        pytest.param(lambda data: b"not numpy at all", id="garbage"),
        pytest.param(lambda data: b"", id="empty"),
    ],
)
def test_a_corrupt_delta_is_a_problem_naming_it(two_pages: Path, tmp_path: Path, damage: Any) -> None:
    delta = _index_with_a_delta(two_pages, tmp_path / "index")
    delta.write_bytes(damage(delta.read_bytes()))
    problems = verify(tmp_path / "index")
    assert len(problems) == 1
    assert problems[0].startswith(f"{delta}: the index segment is unreadable")


def test_a_missing_segment_is_a_problem_naming_it(two_pages: Path, tmp_path: Path) -> None:
    delta = _index_with_a_delta(two_pages, tmp_path / "index")
    delta.unlink()
    assert verify(tmp_path / "index") == [f"{delta}: the index segment is missing (the manifest names it)"]
    (tmp_path / "index" / EMBEDDINGS).unlink()
    assert len(verify(tmp_path / "index")) == 2


def test_wrong_row_counts_in_the_manifest_are_a_problem_naming_the_segment(two_pages: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    delta = _index_with_a_delta(two_pages, index_dir)
    manifest = _manifest(index_dir)
    rows = manifest["segments"][delta.name]
    manifest["segments"][delta.name] = rows + 1
    _rewrite_manifest(index_dir, manifest)
    (problem,) = verify(index_dir)
    assert problem.startswith(f"{delta}: the index segment holds float32 ({rows}, 256), expected float32 ({rows + 1},")


def test_page_rows_outside_their_segment_are_a_problem_naming_the_manifest(two_pages: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    delta = _index_with_a_delta(two_pages, index_dir)
    manifest = _manifest(index_dir)
    manifest["pages"]["78580"]["end"] += 1
    _rewrite_manifest(index_dir, manifest)
    (problem,) = verify(index_dir)
    assert problem.startswith(f"{index_dir / MANIFEST}: 1 page entries of the index manifest are wrong; 78580:")
    assert delta.name in problem


@pytest.mark.parametrize("chunk_bytes", [16 << 20, 1], ids=["one slice", "a row a slice"])
def test_a_non_finite_row_is_a_problem_naming_the_segment(
    two_pages: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk_bytes: int
) -> None:
    monkeypatch.setattr(storage, "_VERIFY_CHUNK_BYTES", chunk_bytes)
    delta = _index_with_a_delta(two_pages, tmp_path / "index")
    rows = np.load(delta)
    rows[1, 7] = np.nan
    np.save(delta, rows)
    assert verify(tmp_path / "index") == [f"{delta}: row 1 of the index segment is not finite (NaN or infinity)"]
    rows[1, 7], rows[0, 0] = 0.0, np.inf
    np.save(delta, rows)
    assert verify(tmp_path / "index") == [f"{delta}: row 0 of the index segment is not finite (NaN or infinity)"]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('{"format": 2, "pages": {', "the index manifest is unreadable"),
        ("\udcff", "the index manifest is unreadable"),  # not UTF-8 once written with surrogateescape
        ("[]", "the index manifest is not a JSON object"),
        ('{"format": 99, "dimensions": 256, "pages": {}}', "the index manifest has the unknown format 99"),
        ('{"format": 2, "pages": {}}', "the index manifest has no valid dimensions"),
        ('{"format": 2, "dimensions": 256, "segments": {"../x.npy": 1}, "pages": {}}', "names a segment outside"),
        ('{"format": 2, "dimensions": 256, "segments": {}}', "the index manifest has no pages"),
    ],
)
def test_an_unreadable_manifest_is_a_problem_naming_it(
    two_pages: Path, tmp_path: Path, text: str, problem: str
) -> None:
    index_dir = tmp_path / "index"
    build_index(load_knowledge(two_pages), HashingEmbedder(), index_dir)
    (index_dir / MANIFEST).write_bytes(text.encode("utf-8", "surrogateescape"))
    (found,) = verify(index_dir)
    assert found.startswith(f"{index_dir / MANIFEST}: ")
    assert problem in found


def test_a_missing_manifest_is_a_problem(tmp_path: Path) -> None:
    assert verify(tmp_path) == [f"{tmp_path / MANIFEST}: the index manifest is missing"]


def test_verify_memory_maps_every_segment(two_pages: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    index_dir = tmp_path / "index"
    delta = _index_with_a_delta(two_pages, index_dir)
    calls: list[tuple[str, object]] = []
    load = np.load

    def recording_load(file: Path, *args: Any, **kwargs: Any) -> Any:
        calls.append((Path(file).name, kwargs.get("mmap_mode")))
        return load(file, *args, **kwargs)

    monkeypatch.setattr(np, "load", recording_load)
    assert verify(index_dir) == []
    assert sorted(calls) == sorted([(EMBEDDINGS, "r"), (delta.name, "r")])
