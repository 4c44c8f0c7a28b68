"""The page parser: the seed page, the Markdown form, and every promised error."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.model import PageError
from knowledge.parser import parse_page, parse_page_with_problems
from knowledge.sections import SECTION_KEYS
from tests.conftest import SEED

SHARED_SEED = SEED.parent.parent.parent.parent / "shared" / "seed" / "pulmonary-perfusion-imaging.txt"


def test_seed_page_parses_with_every_heading_bullet_and_step() -> None:
    page = parse_page(SEED)
    assert page.cpt == "78580"
    assert page.descriptor == "Pulmonary perfusion imaging (eg, particulate)"
    assert page.name == "Pulmonary Perfusion Imaging (e.g., Particulate)"
    assert page.aliases[:2] == ("Lung Perfusion Scan", "Ventilation-Perfusion (V/Q) Scan")
    assert set(page.sections) == set(SECTION_KEYS)
    assert [p.kind for p in page.sections["indications"]] == ["bullet"] * 4
    assert [p.kind for p in page.sections["procedure_description"]] == ["step"] * 6
    assert page.sections["procedure_description"][2].text.startswith("A radioactive tracer is injected")
    assert page.sections["duration"][0].text == "The procedure typically takes about 30 to 60 minutes."
    assert page.sections["similar_codes"] == ()
    assert len(page.sections["alternatives"]) == 3


def test_seed_page_text_is_the_clinics_page_unchanged() -> None:
    # Only the small header was added in front of the page as given.
    ours = SEED.read_text(encoding="utf-8")
    body = ours.split("---\n", 2)[2]
    if SHARED_SEED.exists():
        assert body == SHARED_SEED.read_text(encoding="utf-8")
    assert body.startswith("Search all medical codes")


def test_code_from_file_name_when_no_header(tmp_path: Path) -> None:
    page_file = tmp_path / "78580-copy.txt"
    page_file.write_text(SEED.read_text(encoding="utf-8").split("---\n", 2)[2], encoding="utf-8")
    page = parse_page(page_file)
    assert page.cpt == "78580"
    assert page.aliases == ("Lung Perfusion Scan", "Ventilation-Perfusion (V/Q) Scan")


def test_markdown_headings_read_the_same(tmp_path: Path) -> None:
    page_file = tmp_path / "12345-md.md"
    page_file.write_text(
        "# Test procedure\n\n## Name of the Procedure\n\nTest Procedure, also known as a Demo Test.\n\n"
        "## Summary\n\nA short test.\n\n## Duration\n\nAbout 10 minutes.\n\n"
        "## Preparation\n\n- Eat nothing.\n- Bring your card.\n",
        encoding="utf-8",
    )
    page, problems = parse_page_with_problems(page_file)
    assert page is not None
    assert page.name == "Test Procedure"
    assert page.aliases == ("Demo Test",)
    assert [p.text for p in page.sections["preparation"]] == ["Eat nothing.", "Bring your card."]
    assert all(p.severity == "warning" for p in problems)


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


BASE = "Demo descriptor\n\nCPT4 code\n\nName of the Procedure:\n\nDemo, also known as Sample.\n\nSummary\n\nText.\n"


@pytest.mark.parametrize(
    ("name", "text", "line", "message"),
    [
        ("demo.txt", BASE, 1, "missing CPT code"),
        ("12345-demo.txt", "---\ncpt: 54321\n---\n" + BASE, 2, "differs from 12345"),
        ("demo.txt", "---\ncpt: 12a45\n---\n" + BASE, 2, "is not five digits"),
        ("12345-demo.txt", "---\ncolour: blue\n---\n" + BASE, 2, "unknown header field"),
        ("12345-demo.txt", "---\ncpt: 12345\n" + BASE, 1, "never closed"),
        ("12345-demo.txt", BASE + "\nSummary\n\nAgain.\n", 13, "duplicate heading"),
        ("12345-demo.txt", BASE + "\nDuration\n\nRecovery\n\nRest.\n", 13, "section 'duration' is empty"),
        ("12345-demo.txt", BASE + "\n## Cost Estimate\n\n$100\n", 13, "unknown heading"),
        ("12345-demo.txt", BASE + "\nWhat To Bring\n\nYour card.\n", 13, "unknown heading"),
    ],
)
def test_malformed_pages_name_file_line_and_problem(
    tmp_path: Path, name: str, text: str, line: int, message: str
) -> None:
    path = _write(tmp_path, name, text)
    with pytest.raises(PageError) as caught:
        parse_page(path)
    problems = caught.value.problems
    assert any(p.line == line and message in p.message and p.path == path for p in problems), problems
    assert f"{path}:{line}: error:" in str(caught.value)


def test_non_utf8_page_is_an_error_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "12345-bad.txt"
    path.write_bytes(BASE.encode() + b"\nDuration\n\nAbout \xff minutes.\n")
    with pytest.raises(PageError) as caught:
        parse_page(path)
    assert caught.value.problems[0].line == 15
    assert "not UTF-8" in caught.value.problems[0].message
