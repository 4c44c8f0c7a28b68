"""The tests of the tests: each one that starts a server, a process or a browser is marked.

So `pytest -m "not servers"` (`make unit`) runs only tests that need none. The
checks read the tests that this session collected, after ``-m``: under `make
unit` the fast set (where a forgotten mark would slip in), under `make test`
every test. A test needs a mark when it uses a fixture of
tests/support/markers.py (directly or through another fixture), or when it, or
a helper of the tests it calls, starts something itself (a subprocess, the
servers, a browser).
"""

from __future__ import annotations

import inspect
import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import CodeType
from typing import Any

import pytest

from tests.support.markers import MARKS_OF_FIXTURE, marks_for

ROOT = Path(__file__).resolve().parent.parent
#: The suites that drive real servers; their other tests must need none.
PYTEST = (sys.executable, "-m", "pytest", "-p", "no:cacheprovider")
SUITES = ("tests/conversation", "tests/channels", "tests/reliability", "tests/quality", "tests/privacy")
#: Calls that start something outside the test process.
STARTS = re.compile(r"\b(?:BotServers|subprocess\.(?:run|Popen|call|check_call|check_output)|webdriver\.\w+|venv)\(")


def _names(code: CodeType) -> Iterator[str]:
    yield from code.co_names
    for constant in code.co_consts:
        if isinstance(constant, CodeType):  # nested functions and lambdas
            yield from _names(constant)


def starts_something(function: Callable[..., Any], seen: set[object] | None = None) -> bool:
    """Whether ``function``, or a function or class of the tests that it names, starts a process."""
    seen = set() if seen is None else seen
    function = inspect.unwrap(function)
    if function in seen:
        return False
    seen.add(function)
    try:
        source = inspect.getsource(function)
    except (OSError, TypeError):
        return False
    if STARTS.search(source):
        return True
    namespace = getattr(function, "__globals__", {})
    for name in set(_names(function.__code__)):
        target = namespace.get(name)
        if not getattr(target, "__module__", "").startswith("tests."):
            continue
        if inspect.isfunction(target) and starts_something(target, seen):
            return True
        if inspect.isclass(target) and target not in seen:
            seen.add(target)
            if STARTS.search(inspect.getsource(target)):
                return True
    return False


def suite_items(session: pytest.Session) -> list[pytest.Function]:
    return [
        item
        for item in session.items
        if isinstance(item, pytest.Function) and str(item.path.relative_to(ROOT)).startswith(SUITES)
    ]


def marks_of(item: pytest.Item) -> set[str]:
    return {mark.name for mark in item.iter_markers()}


@pytest.fixture()
def collected(request: pytest.FixtureRequest) -> list[pytest.Function]:
    items = suite_items(request.session)
    if not items:
        pytest.skip("no test of the server suites was collected in this run: nothing to check")
    return items


def test_every_test_that_starts_something_is_marked(collected: list[pytest.Function]) -> None:
    unmarked = []
    for item in collected:
        needed = marks_for(item.fixturenames) | ({"servers"} if starts_something(item.function) else set())
        if needed - marks_of(item):
            unmarked.append(f"{item.nodeid}: needs {sorted(needed - marks_of(item))}")
    assert unmarked == []


def test_every_fixture_that_starts_something_marks_its_tests(collected: list[pytest.Function]) -> None:
    missing = set()
    for item in collected:
        for name, definitions in item._fixtureinfo.name2fixturedefs.items():
            if name not in MARKS_OF_FIXTURE and any(starts_something(d.func) for d in definitions):
                missing.add(f"{name} (add it to MARKS_OF_FIXTURE in tests/support/markers.py)")
    assert sorted(missing) == []


def test_not_servers_leaves_out_the_tests_marked_by_fixture_and_by_hand() -> None:
    """The marks by fixture are given before ``-m`` selects (else they would come too late)."""
    collection = subprocess.run(
        [*PYTEST, "--collect-only", "-q", "-m", "not servers", "tests/reliability/test_faults.py"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    selected = {line.split("::")[-1] for line in collection.stdout.splitlines() if "::" in line}
    assert selected == {"test_serve_environment_always_sets_what_endpoints_need"}, collection.stdout


def test_the_checks_see_what_starts_something() -> None:
    from tests.reliability import test_faults, test_fuzz
    from tests.support import servers

    assert starts_something(test_faults.test_missing_model_stops_serve_naming_the_file)  # through serve()
    assert starts_something(servers.servers)
    assert not starts_something(test_fuzz.test_clean_message_keeps_ordinary_text)
    assert not starts_something(test_faults.test_serve_environment_always_sets_what_endpoints_need)
