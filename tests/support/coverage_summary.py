"""One line per package of what pytest-cov measured, at the end of the run (`make unit`, `make test`).

pytest-cov's own table has a line per file (``--cov-report=term``); `make`
turns it off (``--cov-report=``) and this plugin sums its data by top-level
package. The data stays in the file of [tool.coverage.run] (pyproject.toml),
so ``coverage report`` shows the files afterwards. Without ``--cov`` this
plugin does nothing. Registered by tests/conftest.py.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent


def lines_per_package(cov: Any) -> dict[str, tuple[int, int]]:
    """Statements and missed statements per top-level folder of the repository, from a loaded coverage object."""
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for measured in sorted(cov.get_data().measured_files()):
        path = Path(measured).resolve()
        if not path.is_relative_to(ROOT):
            continue
        _, statements, _, missing, _ = cov.analysis2(measured)
        total = totals[path.relative_to(ROOT).parts[0]]
        total[0] += len(statements)
        total[1] += len(missing)
    return {package: (statements, missed) for package, (statements, missed) in totals.items()}


def line(package: str, statements: int, missed: int) -> str:
    covered = f"{100 * (statements - missed) / statements:5.1f}%" if statements else "     -"
    return f"{package:<12} {covered}  {statements:6d} lines, {missed:5d} missed"


@pytest.hookimpl(trylast=True)
def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    controller = getattr(config.pluginmanager.get_plugin("_cov"), "cov_controller", None)
    cov = getattr(controller, "cov", None)
    if cov is None:
        return
    packages = lines_per_package(cov)
    if not packages:
        return
    terminalreporter.write_sep("-", "coverage of lines, per package (`coverage report` for each file)")
    for package, (statements, missed) in sorted(packages.items()):
        terminalreporter.write_line(line(package, statements, missed))
    terminalreporter.write_line(
        line("TOTAL", sum(s for s, _ in packages.values()), sum(m for _, m in packages.values()))
    )
