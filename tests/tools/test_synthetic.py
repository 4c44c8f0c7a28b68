"""The synthetic page generator writes valid pages in the seed format, deterministically."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.loader import check_folder
from knowledge.sections import SECTION_KEYS
from tools.synthetic import FIRST_CODE, main, page_text, write_pages


def test_two_hundred_pages_load_without_errors(tmp_path: Path) -> None:
    write_pages(200, tmp_path)
    kb, problems = check_folder(tmp_path)
    assert [p for p in problems if p.severity == "error"] == []
    assert len(kb) == 200
    page = kb.get(str(FIRST_CODE))
    assert page is not None
    assert set(page.sections) == set(SECTION_KEYS)
    assert 35 <= len(page.passages) <= 55  # the sample pages' size


def test_pages_depend_only_on_seed_and_code() -> None:
    assert page_text(12345, seed=1) == page_text(12345, seed=1)
    assert page_text(12345, seed=1) != page_text(12345, seed=2)


def test_codes_must_stay_five_digits(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="five digits"):
        write_pages(2, tmp_path, start=99999)


def test_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["3", str(tmp_path / "pages"), "--seed", "7"]) == 0
    assert sorted(p.name for p in (tmp_path / "pages").iterdir()) == [
        "10000-synthetic.txt",
        "10001-synthetic.txt",
        "10002-synthetic.txt",
    ]
    assert "wrote 3 pages" in capsys.readouterr().out
