"""Each page's profile row in the index: written with its passages, crash-safe, checked by verify()."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from knowledge.index import MANIFEST, build_index, load_index, verify
from knowledge.index import storage as index_module
from knowledge.index.build import profile_text
from knowledge.loader import load_knowledge
from tests.conftest import SEED
from tests.support.fakes import HashingEmbedder


def test_every_page_has_one_profile_row_of_its_names_and_summary(two_pages: Path, tmp_path: Path) -> None:
    kb = load_knowledge(two_pages)
    index, _ = build_index(kb, HashingEmbedder(), tmp_path / "index")
    assert [len(block.profile) for block in index.pages] == [1, 1]
    assert len(index) == sum(len(page.passages) for page in kb)  # passages only: profiles are apart
    seed = kb.pages["78580"]
    text = profile_text(seed)
    assert seed.short_name in text and seed.descriptor in text and "lung scan" in text
    manifest = json.loads((tmp_path / "index" / MANIFEST).read_text(encoding="utf-8"))
    assert all(meta["profile"] is True for meta in manifest["pages"].values())
    loaded = load_index(kb, tmp_path / "index", HashingEmbedder.model_id)
    assert np.array_equal(loaded.profiles[1], index.profiles[1])


def test_pages_are_matched_by_their_profiles(two_pages: Path, tmp_path: Path) -> None:
    embedder = HashingEmbedder()
    index, _ = build_index(load_knowledge(two_pages), embedder, tmp_path / "index")
    ranked = index.match_pages(embedder.encode(["colon polyps bowel prep scope"]), top_k=3)
    assert [code for code, _ in ranked] == ["45378", "78580"]
    assert ranked[0][1] > ranked[1][1]


def test_profile_rows_survive_a_crash_mid_write(
    two_pages: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    embedder = HashingEmbedder()
    index_dir = tmp_path / "index"
    old_kb = load_knowledge(two_pages)
    built, _ = build_index(old_kb, embedder, index_dir)
    seed = two_pages / SEED.name
    seed.write_text(seed.read_text(encoding="utf-8").replace("lung scan,", "lung scan, q scan,"), encoding="utf-8")

    def crash(*_: object, **__: object) -> None:
        raise KeyboardInterrupt("killed mid-write")

    for step in ("_write_manifest", "_write_rows"):
        with monkeypatch.context() as patch:
            patch.setattr(index_module, step, crash)
            with pytest.raises(KeyboardInterrupt):
                build_index(load_knowledge(two_pages), embedder, index_dir)
        assert verify(index_dir) == []
        old = load_index(old_kb, index_dir, embedder.model_id)
        assert np.array_equal(old.profiles[1], built.profiles[1])

    index, stats = build_index(load_knowledge(two_pages), embedder, index_dir)
    assert (stats.written, stats.pages_embedded) == ("incremental", 1)
    assert verify(index_dir) == []
    changed = index.block("78580")
    assert changed is not None and not np.array_equal(changed.profile, built.block("78580").profile)  # type: ignore[union-attr]


def test_verify_checks_the_profile_flags(two_pages: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    build_index(load_knowledge(two_pages), HashingEmbedder(), index_dir)
    manifest_path = index_dir / MANIFEST
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["pages"]["78580"]["end"] = manifest["pages"]["78580"]["start"]  # a profile flag, but no rows
    manifest["pages"]["45378"]["profile"] = "yes"
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    problems = verify(index_dir)
    assert len(problems) == 1
    assert "2 page entries" in problems[0] and "profile flag" in problems[0]
