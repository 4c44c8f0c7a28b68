"""Loading a folder of pages: cross-page checks and the names patients use."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from knowledge.loader import PageCache, check_folder, load_knowledge, page_name_variants
from knowledge.model import PageError
from knowledge.names import name_variants
from tests.conftest import PAGES, SEED


def test_all_sample_pages_load_without_errors() -> None:
    kb, problems = check_folder(PAGES)
    assert [p for p in problems if p.severity == "error"] == []
    assert len(kb) == 16
    assert kb.get("78580") is not None


def test_duplicate_cpt_code_is_an_error(tmp_path: Path) -> None:
    shutil.copy(SEED, tmp_path / SEED.name)
    shutil.copy(SEED, tmp_path / "78580-again.txt")
    with pytest.raises(PageError) as caught:
        load_knowledge(tmp_path)
    assert "duplicate CPT code 78580" in str(caught.value)
    assert "78580-again.txt" in str(caught.value)
    assert ".txt:1: error:" in str(caught.value)


def test_duplicate_alias_across_pages_is_an_error(tmp_path: Path) -> None:
    shutil.copy(SEED, tmp_path / SEED.name)
    other = SEED.read_text(encoding="utf-8").replace("cpt: 78580", "cpt: 78582")
    (tmp_path / "78582-other.txt").write_text(other, encoding="utf-8")
    with pytest.raises(PageError) as caught:
        load_knowledge(tmp_path)
    assert "is also an alias of 78580" in str(caught.value)


def test_invalid_page_is_reported_not_dropped(tmp_path: Path) -> None:
    shutil.copy(SEED, tmp_path / SEED.name)
    (tmp_path / "broken.txt").write_text("Just text\n", encoding="utf-8")
    kb, problems = check_folder(tmp_path)
    assert len(kb) == 1
    assert any(p.path.name == "broken.txt" and p.severity == "error" for p in problems)


def test_shared_alias_is_ambiguous_not_an_error() -> None:
    kb = load_knowledge(PAGES)
    assert kb.name_index()["stress test"] == {"93015", "78452"}
    assert kb.name_index()["v/q scan"] == {"78580"}


def test_name_variants_cover_patient_spellings() -> None:
    assert {"v/q scan", "vq scan", "v q scan", "ventilation perfusion scan"} <= name_variants(
        "Ventilation-Perfusion (V/Q) Scan"
    )
    assert name_variants("Chest X-Ray") >= {"chest x-ray", "chest xray", "chest x ray"}
    seed = load_knowledge(PAGES).get("78580")
    assert seed is not None
    assert {"78580", "pulmonary perfusion imaging", "lung perfusion scan"} <= page_name_variants(seed)


def _copy_two(tmp_path: Path) -> tuple[Path, Path, Path]:
    shutil.copy(SEED, tmp_path / SEED.name)
    colonoscopy = next(PAGES.glob("45378-*.txt"))
    shutil.copy(colonoscopy, tmp_path / colonoscopy.name)
    return tmp_path, tmp_path / SEED.name, tmp_path / colonoscopy.name


def test_page_cache_parses_only_changed_files(tmp_path: Path) -> None:
    folder, seed, colonoscopy = _copy_two(tmp_path)
    cache = PageCache()
    first = load_knowledge(folder, cache)
    assert (cache.parsed, cache.reused) == (2, 0)

    again = load_knowledge(folder, cache)
    assert (cache.parsed, cache.reused) == (2, 2)
    assert again.pages["78580"] is first.pages["78580"]

    seed.write_text(seed.read_text(encoding="utf-8").replace("30 to 60", "40 to 70"), encoding="utf-8")
    changed = load_knowledge(folder, cache)
    assert cache.parsed == 3
    assert changed.pages["45378"] is first.pages["45378"]
    assert "40 to 70" in changed.pages["78580"].sections["duration"][0].text
    assert changed.pages == load_knowledge(folder).pages  # the same as parsing everything

    colonoscopy.unlink()
    assert set(load_knowledge(folder, cache).pages) == {"78580"}
    assert len(cache) == 1


def test_page_cache_sees_an_edit_that_keeps_size_and_modification_time(tmp_path: Path) -> None:
    folder, seed, _ = _copy_two(tmp_path)
    cache = PageCache()
    load_knowledge(folder, cache)
    before = seed.stat()
    seed.write_text(seed.read_text(encoding="utf-8").replace("30 to 60", "40 to 70"), encoding="utf-8")
    os.utime(seed, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert seed.stat().st_size == before.st_size
    # Modified just now, so the cache checks the content instead of trusting size and time.
    kb = load_knowledge(folder, cache)
    assert "40 to 70" in kb.pages["78580"].sections["duration"][0].text


def test_page_cache_keeps_reporting_an_invalid_page(tmp_path: Path) -> None:
    folder, _, _ = _copy_two(tmp_path)
    cache = PageCache()
    (folder / "broken.txt").write_text("Just text\n", encoding="utf-8")
    for _ in range(2):
        with pytest.raises(PageError, match=r"broken\.txt"):
            load_knowledge(folder, cache)
    (folder / "broken.txt").unlink()
    assert len(load_knowledge(folder, cache)) == 2
