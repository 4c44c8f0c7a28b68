"""Shared fixtures: the repository's paths and a knowledge service on a fake embedder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
#: The real servers and their fixtures (servers, bot_settings, patient, ...).
pytest_plugins = ["tests.support.servers"]

PAGES = ROOT / "knowledge" / "pages"
SEED = PAGES / "78580-pulmonary-perfusion-imaging.txt"


@pytest.fixture(scope="session")
def pages_dir() -> Path:
    return PAGES


@pytest.fixture()
def two_pages(tmp_path: Path) -> Path:
    """A pages folder holding copies of the seed page and the colonoscopy page."""
    folder = tmp_path / "pages"
    folder.mkdir()
    shutil.copy(SEED, folder / SEED.name)
    colonoscopy = next(PAGES.glob("45378-*.txt"))
    shutil.copy(colonoscopy, folder / colonoscopy.name)
    return folder
