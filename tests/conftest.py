"""Shared fixtures (the repository's paths, copies of pages) and the marks by fixture.

tests/support holds what several suites share: the real servers and the
databases (registered here as plugins), the fakes, the one REST client, and
the coverage summary of `make unit` and `make test`.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.support.markers import apply_marks

ROOT = Path(__file__).resolve().parent.parent
#: The real servers and their fixtures (servers, bot_settings, patient, ...), PostgreSQL and Redis
#: (postgres, redis_url), and the per-package coverage summary.
pytest_plugins = ["tests.support.servers", "tests.support.databases", "tests.support.coverage_summary"]

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


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the tests by the fixtures they use, before ``-m`` deselects (tests/support/markers.py)."""
    apply_marks(items)
