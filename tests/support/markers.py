"""Which tests start servers, processes or a browser: marked by the fixtures they use.

tests/conftest.py applies :func:`apply_marks` at collection, before ``-m``
selects, so that ``pytest -m "not servers"`` leaves out every test that uses
one of these fixtures, directly or through another fixture. A test that starts
a process itself (``python -m serving`` in a subprocess) carries its mark in
its module; tests/test_markers.py checks that none is forgotten.
"""

from __future__ import annotations

from collections.abc import Iterable

import pytest

#: The fixtures that start something outside the test process, and the marks of the tests that use them.
MARKS_OF_FIXTURE: dict[str, tuple[str, ...]] = {
    # The action server and Rasa server (and the website), in tests/support/servers.py and per suite.
    "servers": ("servers",),
    # Two more Rasa servers on PostgreSQL and Redis (tests/reliability/test_several_machines.py).
    "machines": ("servers", "databases"),
    # tests/support/databases.py
    "postgres": ("servers", "databases"),
    "redis_url": ("servers", "databases"),
    # Another Rasa server on the same PostgreSQL and Redis (tests/privacy/test_several_servers.py).
    "second_server": ("servers", "databases"),
    # Headless chromium (tests/channels/test_widget_browser.py).
    "browser": ("servers", "browser"),
    # rasa-webchat from npm, on a test page (tests/channels/test_webchat_browser.py).
    "rasa_webchat_page": ("servers", "browser"),
}


def marks_for(fixture_names: Iterable[str]) -> set[str]:
    """The marks that a test using ``fixture_names`` (its whole fixture closure) must carry."""
    return {mark for name in fixture_names for mark in MARKS_OF_FIXTURE.get(name, ())}


def apply_marks(items: Iterable[pytest.Item]) -> None:
    """Mark each collected test by the fixtures it uses (its marks of its own stay)."""
    for item in items:
        have = {mark.name for mark in item.iter_markers()}
        for mark in sorted(marks_for(getattr(item, "fixturenames", ())) - have):
            item.add_marker(mark)
