"""Loading a folder of pages: cross-page checks and the names patients use."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from knowledge.loader import check_folder, load_knowledge, page_name_variants
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
