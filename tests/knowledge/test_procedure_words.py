"""Word forms of names, and the pages' family words and terms: parsed, validated, indexed, never trained on."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from knowledge.loader import check_folder, family_problems, load_knowledge
from knowledge.names import name_variants, plural, singular, word_forms
from knowledge.nlu_export import render_lookups
from knowledge.parser import parse_page_with_problems
from tests.conftest import PAGES


def _set_header(page: Path, key: str, value: str) -> None:
    text = page.read_text(encoding="utf-8")
    head, body = text.split("\n---\n", 1)
    lines = [line for line in head.splitlines() if not line.startswith(f"{key}:")]
    page.write_text("\n".join([*lines, f"{key}: {value}"]) + "\n---\n" + body, encoding="utf-8")


@pytest.mark.parametrize(
    ("word", "expected"),
    [("study", "studies"), ("scan", "scans"), ("x-ray", "x-rays"), ("meniscus", "menisci"), ("echo", "echos")],
)
def test_plurals(word: str, expected: str) -> None:
    assert plural(word) == expected


def test_singulars() -> None:
    assert [singular(w) for w in ("studies", "cataracts", "lungs", "meniscus", "ct")] == [
        "study",
        "cataract",
        "lung",
        None,
        None,
    ]


def test_word_forms_follow_general_rules() -> None:
    assert {"echocardiography", "echocardiograms"} <= word_forms("echocardiogram")
    assert {"screening mammogram", "screening mammograms"} <= word_forms("screening mammography")
    assert {"colonoscope", "colonoscopic", "colonoscopies"} <= word_forms("colonoscopy")
    assert {"arthroscopic", "arthroscope"} <= word_forms("arthroscopy")
    assert {"spirometer", "spirometric"} <= word_forms("spirometry")
    assert {"chest x-rays", "x-ray of the chest", "x-rays of my chest"} <= word_forms("chest x-ray")
    assert "oesophagogastroduodenoscopy" in word_forms("esophagogastroduodenoscopy")
    assert "colonoscopics" not in word_forms("colonoscopy")  # adjectives have no plural
    assert word_forms("78580") == {"78580"}
    assert word_forms("ct") == {"ct", "cts"}


def test_name_variants_themselves_are_unchanged_by_word_forms() -> None:
    # The lookup table (a training input) is made of these: word forms must not reach it.
    assert "colonoscopies" not in name_variants("Colonoscopy")


def test_the_matcher_knows_word_forms_but_the_lookup_table_does_not() -> None:
    kb = load_knowledge(PAGES)
    forms = kb.form_index()
    assert forms["echocardiography"] == {"93306"}
    assert forms["colonoscopies"] == {"45378"}
    assert forms["stress tests"] == {"78452", "93015"}
    assert set(kb.name_index()) < set(forms)
    assert "colonoscopies" not in render_lookups(kb)


def test_family_words_and_terms_are_read_from_the_front_matter() -> None:
    page, problems = parse_page_with_problems(next(PAGES.glob("71260-*.txt")))
    assert page is not None and not [p for p in problems if p.severity == "error"]
    assert {"ct scan", "cat scan"} <= set(page.family)
    assert "thorax" in page.terms


def test_every_page_declares_family_words_and_terms() -> None:
    kb = load_knowledge(PAGES)
    assert len(kb) == 16
    assert all(page.family and page.terms for page in kb)
    assert family_problems(kb) == []  # none of them is a page's name (it would do nothing)


def test_shared_family_words_name_several_pages_and_a_name_wins(tmp_path: Path) -> None:
    kb = load_knowledge(PAGES)
    family = kb.family_index()
    assert family["ultrasound"] == {"76700", "93306"}
    assert family["cat scan"] == {"71260"}
    assert family["meniscus"] == {"29881"}
    assert family["cataracts"] == {"66984"}  # a term's word forms too
    assert "mri" not in family  # an alias of the brain MRI: the name wins
    narrowers = kb.narrower_index()
    assert narrowers["stomach"] == {"43235"}
    assert narrowers["kidneys"] == {"76700"}
    assert "stomach" not in family  # alone, an organ names no test


def test_a_word_given_twice_or_an_unknown_field_is_an_error(tmp_path: Path) -> None:
    folder = tmp_path / "pages"
    shutil.copytree(PAGES, folder)
    page = next(folder.glob("71260-*.txt"))
    _set_header(page, "terms", "chest, lungs, CT Scan")  # also a family word of the page
    _, problems = check_folder(folder)
    assert any("'CT Scan' is given twice" in p.message and p.severity == "error" for p in problems)
    _set_header(page, "terms", "chest")
    _set_header(page, "families", "ct")
    _, problems = check_folder(folder)
    assert any("unknown header field 'families'" in p.message for p in problems)


def test_a_family_word_that_is_a_name_is_reported(tmp_path: Path) -> None:
    folder = tmp_path / "pages"
    shutil.copytree(PAGES, folder)
    _set_header(next(folder.glob("71260-*.txt")), "family", "ct, colonoscopy")
    warnings = family_problems(load_knowledge(folder))
    assert [w.severity for w in warnings] == ["warning"]
    assert "already a name of 45378" in warnings[0].message


def test_adding_a_family_word_leaves_the_lookup_table_unchanged(tmp_path: Path) -> None:
    folder = tmp_path / "pages"
    shutil.copytree(PAGES, folder)
    before = render_lookups(load_knowledge(folder))
    page = next(folder.glob("94010-*.txt"))
    _set_header(page, "family", "peak flow meter, breath test")
    _set_header(page, "terms", "wheezing")
    _set_header(page, "narrowers", "airways")
    kb = load_knowledge(folder)
    assert kb.family_index()["wheezing"] == {"94010"}
    assert kb.narrower_index()["airways"] == {"94010"}
    assert render_lookups(kb) == before  # no training input changed: no retraining
