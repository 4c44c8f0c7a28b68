"""Live reload: the service notices added, changed and removed pages; bad pages change nothing."""

from __future__ import annotations

import logging
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from actions.knowledge_service import KnowledgeService
from tests.conftest import PAGES, SEED
from tests.support.fakes import HashingEmbedder


@pytest.fixture()
def watched(tmp_path: Path) -> Iterator[tuple[KnowledgeService, Path]]:
    pages = tmp_path / "pages"
    pages.mkdir()
    shutil.copy(SEED, pages / SEED.name)
    service = KnowledgeService(pages, tmp_path / "index", HashingEmbedder())
    stop = threading.Event()
    thread = threading.Thread(target=service.watch, args=(0.05, stop), daemon=True)
    thread.start()
    yield service, pages
    stop.set()
    thread.join(timeout=5)


def eventually(check: Callable[[], bool], timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return False


def test_changed_added_and_removed_pages_are_picked_up(watched: tuple[KnowledgeService, Path]) -> None:
    service, pages = watched
    seed = pages / SEED.name
    seed.write_text(seed.read_text(encoding="utf-8").replace("30 to 60 minutes", "40 to 70 minutes"), encoding="utf-8")
    assert eventually(lambda: "40 to 70" in service.section("78580", "duration")[0].text)

    colonoscopy = next(PAGES.glob("45378-*.txt"))
    shutil.copy(colonoscopy, pages / colonoscopy.name)
    assert eventually(lambda: service.procedure_name("45378") == "colonoscopy")

    (pages / colonoscopy.name).unlink()
    assert eventually(lambda: service.procedure_name("45378") is None)
    assert service.procedure_name("78580") is not None


def test_invalid_page_keeps_the_last_good_index(
    watched: tuple[KnowledgeService, Path], caplog: pytest.LogCaptureFixture
) -> None:
    service, pages = watched
    before = service.snapshot
    caplog.set_level(logging.ERROR, logger="actions.knowledge_service")
    broken = pages / "99999-broken.txt"
    broken.write_text("Broken page\n\nCPT4 code\n\nSummary\n\nText.\n\nSummary\n\nAgain.\n", encoding="utf-8")
    assert eventually(lambda: "99999-broken.txt:9" in caplog.text)
    assert "duplicate heading" in caplog.text
    assert service.snapshot is before
    assert service.procedure_name("78580") is not None


def test_a_turn_keeps_the_snapshot_it_started_with(watched: tuple[KnowledgeService, Path]) -> None:
    service, pages = watched
    view = service.view()
    seed = pages / SEED.name
    seed.write_text(seed.read_text(encoding="utf-8").replace("30 to 60 minutes", "50 to 80 minutes"), encoding="utf-8")
    assert eventually(lambda: "50 to 80" in service.section("78580", "duration")[0].text)
    assert "30 to 60" in view.section("78580", "duration")[0].text


def test_a_reload_parses_and_embeds_only_the_changed_page(tmp_path: Path, two_pages: Path) -> None:
    pages = two_pages
    embedder = HashingEmbedder()
    service = KnowledgeService(pages, tmp_path / "index", embedder)
    before = service.snapshot
    embedded = len(embedder.calls)

    seed = pages / SEED.name
    seed.write_text(seed.read_text(encoding="utf-8").replace("30 to 60 minutes", "40 to 70 minutes"), encoding="utf-8")
    after = service.reload()
    assert after.kb.get("45378") is before.kb.get("45378")  # not parsed again
    assert after.kb.get("78580") is not before.kb.get("78580")
    assert "40 to 70" in after.index.section("78580", "duration")[0].text
    assert embedder.calls[embedded:] == [len(after.kb.pages["78580"].passages) + 1]  # one page and its profile
    assert "30 to 60" in before.index.section("78580", "duration")[0].text  # the old snapshot is untouched

    next(pages.glob("45378-*.txt")).unlink()
    removed = service.reload()
    assert removed.kb.get("45378") is None
    assert removed.index.section("45378", "recovery") == ()
    assert removed.kb.get("78580") is after.kb.get("78580")
    assert len(embedder.calls) == embedded + 1
