"""The tree shows the architecture: small modules, packages run with python -m, shell scripts apart."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
PRODUCTION = ["common", "knowledge", "actions", "bot", "serving"]
#: About 400 lines, as the house style says (rasa_sdk's largest module is about that).
MAX_LINES = 420
SYS_PATH_TRICK = "sys.path" + ".insert"  # spelled apart so that this file does not match itself


def modules(*packages: str) -> list[Path]:
    return sorted(path for package in packages for path in (ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("path", modules(*PRODUCTION), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_production_module_is_too_long(path: Path) -> None:
    assert len(path.read_text(encoding="utf-8").splitlines()) <= MAX_LINES


@pytest.mark.parametrize("path", modules(*PRODUCTION, "tools", "tests"), ids=lambda p: str(p.relative_to(ROOT)))
def test_nothing_reaches_code_through_sys_path(path: Path) -> None:
    assert SYS_PATH_TRICK not in path.read_text(encoding="utf-8")


def test_scripts_holds_only_shell_scripts() -> None:
    assert {p.suffix for p in (ROOT / "scripts").iterdir()} == {".sh"}


def test_rasa_project_files_sit_together_at_the_root() -> None:
    for name in ("config.yml", "domain.yml", "endpoints.yml", "credentials.yml"):
        assert (ROOT / name).is_file(), name
    assert (ROOT / "data" / "nlu").is_dir() and (ROOT / "data" / "rules").is_dir()
