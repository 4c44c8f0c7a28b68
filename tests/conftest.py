"""Shared fixtures: the repository's paths and a knowledge service on a fake embedder."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

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
